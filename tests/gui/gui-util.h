/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the window tests share: the rig around them, finding widgets the
 * way a person finds them (by what the template calls them), waiting
 * without freezing, and screenshots. */
#pragma once

#include <gtk/gtk.h>

#include "lb-application.h"
#include "lb-library.h"
#include "lb-window.h"

/* Phones of the GUI rig, by serial. */
#define PHONE_A       "GUI-A"        /* small preset, plugged */
#define PHONE_EMPTY   "GUI-EMPTY"    /* one empty storage, unplugged at start */
#define PHONE_TYPICAL "GUI-TYPICAL"  /* typical preset, unplugged at start */
#define PHONE_LOCKED  "GUI-LOCKED"   /* android-locked, unplugged at start */
#define PHONE_CHARGE  "GUI-CHARGE"   /* charge-only, unplugged at start */
#define PHONE_BUSY    "GUI-BUSY"     /* held by "another program", unplugged at start */
#define PHONE_CARD    "GUI-CARD"     /* small preset and a memory card, unplugged at start */
/* Two cheap phones that report one fake serial; vphone-ctl knows them by
 * these names.  Different models, both unplugged at start. */
#define FAKE_SERIAL   "0123456789ABCDEF"
#define PHONE_TWIN1   "GUI-TWIN1"    /* small preset, model TWIN1_MODEL */
#define PHONE_TWIN2   "GUI-TWIN2"    /* typical preset, model TWIN2_MODEL */
#define TWIN1_MODEL   "Redmi 9A"
#define TWIN2_MODEL   "Galaxy A03"

extern char *gui_phones_dir;
extern char *gui_builddir;

/* Builds the phones and runs this program again inside a D-Bus session,
 * Xvfb and vphone-run. */
int gui_run_under_rig (int argc, char **argv);
/* Exactly these phones plugged in, by their vphone-ctl names (the serial,
 * unless the rig gives a name). */
void gui_plug_only (const char *const *serials);

/* Runs body inside a fresh application's main loop, with its window. */
typedef void (*GuiBody) (LbApplication *app, LbWindow *window, gpointer data);
void gui_run_app (GuiBody body, gpointer data);
/* The same with no library chosen: the window's first run, with the
 * default library ($XDG_DATA_HOME/lifeboat) to be made or chosen. */
void gui_run_app_first_time (GuiBody body, gpointer data);

/* Spins the main loop until cond(data) holds; fails after seconds. */
typedef gboolean (*GuiCond) (gpointer data);
void gui_wait (GuiCond cond, gpointer data, double seconds, const char *what);
/* Spins the main loop for this long. */
void gui_spin (double seconds);

/* The widget named `id` in a template or builder file, below root
 * (internal children included), or NULL. */
GtkWidget *gui_find (GtkWidget *root, const char *id);
GtkWidget *gui_find_toplevel (GType type);
const char *gui_label (GtkWidget *root, const char *id);
gboolean gui_visible (GtkWidget *root, const char *id);
void gui_click (GtkWidget *root, const char *id);
/* A key pressed in WINDOW (a toplevel), as the keyboard delivers it. */
void gui_press_key (GtkWidget *window, guint keyval, GdkModifierType mods);

/* Saves the window as tests/gui/screenshots/NAME.png in the build tree. */
void gui_screenshot (GtkWidget *window, const char *name);

/* Runs func(data) on a thread of its own and waits for it, spinning the
 * main loop meanwhile: the library refuses the window's thread. */
gpointer gui_off_main (GThreadFunc func, gpointer data);

/* The library the window uses, opened (created for LB_LIBRARY_WRITE); on
 * a worker thread only (gui_off_main). */
LbLibrary *gui_open_library (LbLibraryMode mode);
/* The snapshots of a phone in the library the window uses (LbSnapshot*). */
GPtrArray *gui_snapshots (const char *serial);

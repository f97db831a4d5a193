/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: phones on the left, the selected phone on the right. */
#pragma once

#include <gtk/gtk.h>
#include "lb-docked.h"
#include "lb-offsite-copier.h"
#include "lb-monitor.h"
#include "lb-phone.h"

G_BEGIN_DECLS

#define LB_TYPE_WINDOW (lb_window_get_type ())
G_DECLARE_FINAL_TYPE (LbWindow, lb_window, LB, WINDOW, GtkApplicationWindow)

/* monitor: the application's, shared by every window (a new reference). */
LbWindow *lb_window_new (GtkApplication *app, LbMonitor *monitor);

/* Re-reads the snapshots of every phone from the library. */
void lb_window_reload (LbWindow *self);

/* Every phone in the list (LbPhone*), connected or not. */
GPtrArray *lb_window_get_phones (LbWindow *self);
LbPhone *lb_window_get_selected_phone (LbWindow *self);
/* Shows the phone with this device key (lb-device.h), when the window
 * lists it (a notification's "Open Lifeboat"); nothing otherwise. */
void lb_window_select_phone (LbWindow *self, const char *key);

/* The process's automatic backups (LbBackground's), or NULL: the window
 * shows a backup they run on its phone (progress, result), and the
 * phone's Stop stops it.  Takes a reference. */
void lb_window_set_docked (LbWindow *self, LbDocked *docked);

/* The application's off-site copies: one follows a backup made here by
 * hand when the settings ask for it.  Takes a reference. */
void lb_window_set_copier (LbWindow *self, LbOffsiteCopier *copier);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the library is: one answer for the CLI and the window. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LB_APPLICATION_ID "io.github.lifeboat.Lifeboat"
/* The settings key naming the library folder ("" for the default). */
#define LB_CONFIG_LIBRARY_KEY "library-location"

/* The window's settings, or NULL when the schema is not installed (the CLI
 * alone, or tests that do not set GSETTINGS_SCHEMA_DIR). */
GSettings *lb_config_settings (void);

/* The library folder: $LIFEBOAT_LIBRARY, else the location saved in the
 * settings, else the default ($XDG_DATA_HOME/lifeboat).  *may_create is
 * TRUE only for the default: a configured library that is missing (a disk
 * not mounted) must be reported, never replaced by a new empty one. */
char *lb_config_library_path (gboolean *may_create);

/* The library location saved in the settings ("" when none), or NULL
 * without settings. */
char *lb_config_saved_library (void);
/* PATH made absolute with no symlinks (realpath), or a copy of PATH when
 * it does not resolve (missing). */
char *lb_config_resolve (const char *path);
/* Whether the settings name the library in DIR (resolved: absolute, no
 * symlinks): set to it, or unset while DIR is the default library.  FALSE
 * without settings. */
gboolean lb_config_names_library (const char *dir);
/* Saves path as the library location, durably (g_settings_sync).
 * G_IO_ERROR_NOT_SUPPORTED without the settings schema,
 * G_IO_ERROR_PERMISSION_DENIED when the key is locked. */
gboolean lb_config_save_library (const char *path, GError **error);

/* The window's first run: the person chose the folder CHOSEN for the
 * library.  A library already there is used as it is (a disk from an old
 * computer); an empty folder becomes one; a folder with other files in it
 * (a disk's top folder, say) gets the library in CHOSEN/Lifeboat.  The
 * place is then saved as the library location.  Returns that folder
 * (absolute), and *created tells whether the library is new.  Worker
 * threads only: it opens the library. */
char *lb_config_start_library (const char *chosen, gboolean *created, GError **error);

G_END_DECLS

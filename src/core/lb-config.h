/* Where the library is: one answer for the CLI and the window. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LB_APPLICATION_ID "io.github.lifeboat.Lifeboat"

/* The window's settings, or NULL when the schema is not installed (the CLI
 * alone, or tests that do not set GSETTINGS_SCHEMA_DIR). */
GSettings *lb_config_settings (void);

/* The library folder: $LIFEBOAT_LIBRARY, else the location saved in the
 * settings, else the default ($XDG_DATA_HOME/lifeboat).  *may_create is
 * TRUE only for the default: a configured library that is missing (a disk
 * not mounted) must be reported, never replaced by a new empty one. */
char *lb_config_library_path (gboolean *may_create);

G_END_DECLS

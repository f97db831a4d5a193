/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whether `lifeboat --background` starts at login for this person: the
 * XDG autostart entry installed for everyone, overridden by a copy in
 * $XDG_CONFIG_HOME/autostart (Hidden=true turns it off), as GNOME's own
 * "Startup Applications" does.  Reading and writing run in a worker. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The autostart entry's file name (the installed one and the copy). */
#define LB_AUTOSTART_FILE "io.github.lifeboat.Lifeboat-background.desktop"

void lb_autostart_get_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* -1 with an error, else 0 (off) or 1 (on). */
int lb_autostart_get_finish (GAsyncResult *result, GError **error);

void lb_autostart_set_async (gboolean enabled, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean lb_autostart_set_finish (GAsyncResult *result, GError **error);

G_END_DECLS

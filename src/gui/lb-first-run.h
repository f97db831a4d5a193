/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's first run: choosing where the library goes. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Asks for a folder (GtkFileChooserNative), then makes or opens the
 * library there and saves the place on a worker thread
 * (lb_config_start_library).  G_IO_ERROR_CANCELLED when the person
 * closes the chooser. */
void lb_first_run_choose (GtkWindow *parent, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);
/* The library folder (owned by the caller) or NULL with error; *created
 * tells whether it is a new library. */
char *lb_first_run_choose_finish (GAsyncResult *result, gboolean *created, GError **error);

G_END_DECLS

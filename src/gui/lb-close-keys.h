/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Closing a secondary window from the keyboard, as GNOME's do. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Ctrl+W, and Escape when the focused control did not use it (a search
 * entry clears itself first), close WINDOW.  A GtkDialog has Escape
 * already; the browser and the help are plain windows. */
void lb_close_keys_attach (GtkWindow *window);

G_END_DECLS

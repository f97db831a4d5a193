/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one thread where slow I/O is refused: a GUI's main thread, where USB
 * or disk I/O would freeze the window.  GLib only, so that the device
 * layer and the library both check it without either including the other.
 *
 * A refused call logs a critical (fatal in tests) and fails with an error,
 * as g_return_val_if_fail would, so a GUI built without fatal criticals
 * keeps running. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The thread to refuse (a reference is kept); NULL: none. */
void lb_thread_guard_forbid (GThread *thread);

/* FALSE, with a critical naming func and an error, when called from the
 * forbidden thread. */
gboolean lb_thread_guard_check (const char *func, GError **error);

G_END_DECLS

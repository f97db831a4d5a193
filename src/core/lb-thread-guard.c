/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-thread-guard.h"

#include <glib/gi18n-lib.h>
#include "lb-error.h"

static GThread *forbidden_thread;  /* atomic; a reference */

void
lb_thread_guard_forbid (GThread *thread)
{
  GThread *old;

  if (thread != NULL)
    g_thread_ref (thread);
  old = g_atomic_pointer_exchange (&forbidden_thread, thread);
  if (old != NULL)
    g_thread_unref (old);
}

gboolean
lb_thread_guard_check (const char *func, GError **error)
{
  if (g_thread_self () != g_atomic_pointer_get (&forbidden_thread))
    return TRUE;
  /* The window gives its thread through lb_device_forbid_thread(): the
   * critical names that, where a developer will look. */
  g_critical ("%s: phone I/O from the thread given to lb_device_forbid_thread()", func);
  g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
               _("%s: phone I/O from the user interface thread is refused"), func);
  return FALSE;
}

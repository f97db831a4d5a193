/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hands the newest progress report of a worker thread to the main loop.
 *
 * Workers report far more often than a window can draw; the relay keeps
 * only the latest report and schedules at most one idle callback at a time,
 * so a fast job never floods the main loop and the window always shows the
 * newest figures. */
#pragma once

#include <glib.h>

typedef struct _LbRelay LbRelay;

/* Runs on the context's thread with the newest report (owned by the relay). */
typedef void (*LbRelayFunc) (gpointer report, gpointer user_data);

LbRelay *lb_relay_new (LbRelayFunc func, gpointer user_data, GDestroyNotify free_report);
/* Any thread.  Takes ownership of report. */
void lb_relay_post (LbRelay *relay, gpointer report);
/* Main thread: no callback runs after this. */
void lb_relay_free (LbRelay *relay);

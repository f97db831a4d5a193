/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A job's progress: when to report it, and the time left from how fast
 * its bytes have moved so far.  Backup, restore and moving a library share
 * these. */
#pragma once

#include <glib.h>

/* Reports more often than this only load the front end. */
#define LB_PROGRESS_INTERVAL (G_USEC_PER_SEC / 10)

/* Whether a report is due: forced, or LB_PROGRESS_INTERVAL since *last
 * (monotonic µs), which it then moves to now. */
static inline gboolean
lb_progress_due (gint64 *last, gint64 now, gboolean force)
{
  if (!force && now - *last < LB_PROGRESS_INTERVAL)
    return FALSE;
  *last = now;
  return TRUE;
}

/* Seconds until total is reached at the rate of done bytes since started
 * (monotonic µs); -1 while nothing has moved yet. */
static inline gint64
lb_eta_seconds (guint64 done, guint64 total, gint64 started, gint64 now)
{
  double rate;

  if (done == 0 || now <= started)
    return -1;
  rate = done / ((now - started) / (double) G_USEC_PER_SEC);
  return rate > 0 ? (gint64) ((total - MIN (done, total)) / rate) : -1;
}

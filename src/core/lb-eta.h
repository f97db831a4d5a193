/* Time left in a job, from how fast its bytes have moved so far. */
#pragma once

#include <glib.h>

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

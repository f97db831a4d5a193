/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Wall-clock time for schedules, and word when it may have jumped.
 *
 * GLib's timeouts run on the monotonic clock, which stops while the
 * computer sleeps: a backup due at 03:00 on a PC suspended from 01:00 to
 * 07:00 would be six hours late.  So a schedule keeps its due times on
 * the wall clock, arms one timeout to the next of them, and computes again
 * whenever the clock may have jumped: on resume (logind's PrepareForSleep
 * with FALSE, on the system bus) and when the wall clock is set.
 *
 * Tests move time without sleeping: $LIFEBOAT_TEST_CLOCK names a file
 * holding a number of seconds added to the real clock; writing it is a
 * jump like any other (the same recomputation, the same timeout).
 *
 * Ownership: an LbClockWatch is the caller's (lb_clock_watch_free); it
 * calls back on the thread-default main context it was made on. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Unix seconds, with the test offset when there is one. */
gint64 lb_clock_now (void);

typedef struct _LbClockWatch LbClockWatch;
/* func(data) after a resume or a clock jump. */
LbClockWatch *lb_clock_watch_new (GCallback func, gpointer data);
void lb_clock_watch_free (LbClockWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbClockWatch, lb_clock_watch_free)

/* A timeout source firing when the wall clock (lb_clock_now) reaches
 * when, as seen from now: run it again after a jump.  Seconds resolution;
 * far-off times fire early (a day at most) so that the caller recomputes. */
guint lb_clock_timeout_at (gint64 when, GSourceFunc func, gpointer data);

/* unix (seconds) in the local time zone, for people; NULL when out of
 * range.  Use it instead of g_date_time_new_from_unix_local(), which reads
 * /etc/localtime at each call (lb-clock.c).  Any thread. */
GDateTime *lb_clock_local_time (gint64 unix_seconds);

G_END_DECLS

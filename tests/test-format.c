/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures and times written for people (lb-format.c), at a fixed "now":
 * Thursday 12 March 2026, 14:02:00 UTC. */
#include "config.h"
#include "lb-format.h"

#define NOW G_GINT64_CONSTANT (1773324120)
#define MINUTE 60
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

static void
check (char *got, const char *expected)
{
  g_assert_cmpstr (got, ==, expected);
  g_free (got);
}

static void
test_when (void)
{
  check (lb_format_when (NOW, NOW), "just now");
  check (lb_format_when (NOW - 59, NOW), "just now");
  /* A clock that jumped back is not "in the future". */
  check (lb_format_when (NOW + 3 * HOUR, NOW), "just now");
  check (lb_format_when (NOW - MINUTE, NOW), "1 minute ago");
  check (lb_format_when (NOW - 59 * MINUTE, NOW), "59 minutes ago");
  check (lb_format_when (NOW - 2 * HOUR, NOW), "today at 12:02");
  /* Calendar days, not 24-hour periods: 14:03 yesterday and 23:59 the day
   * before are one and two days back. */
  check (lb_format_when (NOW - DAY + MINUTE, NOW), "yesterday at 14:03");
  check (lb_format_when (NOW - 14 * HOUR - 3 * MINUTE, NOW), "yesterday at 23:59");
  check (lb_format_when (NOW - 3 * DAY - 4 * HOUR - 2 * MINUTE, NOW), "on Monday at 10:00");
  /* %e pads with a figure space (U+2007). */
  check (lb_format_when (NOW - 7 * DAY, NOW), "on \u20075 March 2026");
  check (lb_format_when (NOW - 400 * DAY, NOW), "on \u20075 February 2025");
}

static void
test_ahead (void)
{
  check (lb_format_ahead (NOW + HOUR, NOW), "today at 15:02");
  /* Already past (a due time missed): said as today. */
  check (lb_format_ahead (NOW - HOUR, NOW), "today at 13:02");
  /* Calendar days: 00:30 on Friday is tomorrow, 10 hours ahead. */
  check (lb_format_ahead (NOW + 10 * HOUR + 28 * MINUTE, NOW), "tomorrow at 00:30");
  check (lb_format_ahead (NOW + DAY, NOW), "tomorrow at 14:02");
  check (lb_format_ahead (NOW + 4 * DAY, NOW), "on Monday at 14:02");
  check (lb_format_ahead (NOW + 7 * DAY, NOW), "on 19 March 2026");
}

static void
test_duration (void)
{
  check (lb_format_duration (-5), "0 s");
  check (lb_format_duration (45), "45 s");
  check (lb_format_duration (200), "3 min 20 s");
  check (lb_format_duration (3600 + 5 * 60 + 59), "1 h 05 min");
  check (lb_format_duration (30 * 3600), "30 h 00 min");
}

static void
test_speed (void)
{
  check (lb_format_speed (-1), "0 bytes/s");
  check (lb_format_speed (18.2e6), "18.2\u00a0MB/s");
}

int
main (int argc, char **argv)
{
  /* The times above are UTC's. */
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/when", test_when);
  g_test_add_func ("/format/ahead", test_ahead);
  g_test_add_func ("/format/duration", test_duration);
  g_test_add_func ("/format/speed", test_speed);
  return g_test_run ();
}

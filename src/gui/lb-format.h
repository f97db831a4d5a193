/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures and times written for people. */
#pragma once

#include <glib.h>

/* "3 minutes ago", "yesterday at 14:02", "12 March 2026" */
char *lb_format_when (gint64 unix_seconds, gint64 now);
/* The same for a time to come: "today at 14:02", "tomorrow at 09:00". */
char *lb_format_ahead (gint64 unix_seconds, gint64 now);
/* "45 s", "3 min 20 s", "1 h 05 min" */
char *lb_format_duration (gint64 seconds);
/* "18.2 MB/s" */
char *lb_format_speed (double bytes_per_second);

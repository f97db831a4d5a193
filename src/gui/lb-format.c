/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-format.h"
#include "lb-clock.h"

/* Calendar days from then to today, leap years included. */
static int
days_between (GDateTime *then, GDateTime *today)
{
  GDate a, b;

  g_date_clear (&a, 1);
  g_date_clear (&b, 1);
  g_date_set_dmy (&a, g_date_time_get_day_of_month (then), g_date_time_get_month (then), g_date_time_get_year (then));
  g_date_set_dmy (&b, g_date_time_get_day_of_month (today), g_date_time_get_month (today), g_date_time_get_year (today));
  return g_date_days_between (&a, &b);
}

char *
lb_format_ahead (gint64 t, gint64 now)
{
  g_autoptr(GDateTime) then = lb_clock_local_time (t);
  g_autoptr(GDateTime) today = lb_clock_local_time (now);
  int days;

  if (then == NULL || today == NULL)
    return g_strdup (_("at an unknown time"));
  days = -days_between (then, today);
  if (days <= 0)
    return g_date_time_format (then, _("today at %H:%M"));
  if (days == 1)
    /* Translators: a time of day tomorrow, e.g. "tomorrow at 14:02" */
    return g_date_time_format (then, _("tomorrow at %H:%M"));
  if (days < 7)
    return g_date_time_format (then, _("on %A at %H:%M"));
  return g_date_time_format (then, _("on %e %B %Y"));
}

char *
lb_format_when (gint64 t, gint64 now)
{
  g_autoptr(GDateTime) then = lb_clock_local_time (t);
  g_autoptr(GDateTime) today = lb_clock_local_time (now);
  gint64 ago = now - t;
  int days;

  if (then == NULL || today == NULL)
    return g_strdup (_("at an unknown time"));
  if (ago < 0)
    ago = 0;
  if (ago < 60)
    return g_strdup (_("just now"));
  if (ago < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute ago", "%d minutes ago", ago / 60),
                            (int) (ago / 60));
  days = days_between (then, today);
  if (days == 0)
    /* Translators: a time of day today, e.g. "today at 14:02" */
    return g_date_time_format (then, _("today at %H:%M"));
  if (days == 1)
    return g_date_time_format (then, _("yesterday at %H:%M"));
  if (days < 7)
    /* Translators: "on Monday at 14:02" */
    return g_date_time_format (then, _("on %A at %H:%M"));
  /* Translators: a date, e.g. "on 12 March 2026" */
  return g_date_time_format (then, _("on %e %B %Y"));
}

char *
lb_format_duration (gint64 s)
{
  if (s < 0)
    s = 0;
  if (s < 60)
    /* Translators: seconds */
    return g_strdup_printf (_("%d s"), (int) s);
  if (s < 3600)
    /* Translators: minutes and seconds */
    return g_strdup_printf (_("%d min %02d s"), (int) (s / 60), (int) (s % 60));
  /* Translators: hours and minutes */
  return g_strdup_printf (_("%d h %02d min"), (int) (s / 3600), (int) (s / 60 % 60));
}

char *
lb_format_speed (double bps)
{
  g_autofree char *size = g_format_size ((guint64) MAX (bps, 0));

  /* Translators: a transfer rate, e.g. "18.2 MB/s" */
  return g_strdup_printf (_("%s/s"), size);
}

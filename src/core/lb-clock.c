/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lb-clock.h.  A clock set (settimeofday, NTP stepping) is seen through a
 * timerfd armed with TFD_TIMER_CANCEL_ON_SET far in the future: the kernel
 * makes it readable (ECANCELED) the moment the realtime clock is set. */
#include "config.h"
#include "lb-clock.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib-unix.h>

#define MAX_WAIT (24 * 60 * 60)

static const char *
test_clock_path (void)
{
  const char *path = g_getenv ("LIFEBOAT_TEST_CLOCK");
  return path != NULL && *path != '\0' ? path : NULL;
}

gint64
lb_clock_now (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *path = test_clock_path ();
  g_autofree char *text = NULL;

  if (path != NULL && g_file_get_contents (path, &text, NULL, NULL))
    now += g_ascii_strtoll (text, NULL, 10);
  return now;
}

guint
lb_clock_timeout_at (gint64 when, GSourceFunc func, gpointer data)
{
  gint64 wait = when - lb_clock_now ();
  return g_timeout_add_seconds ((guint) CLAMP (wait, 0, MAX_WAIT), func, data);
}

struct _LbClockWatch {
  GCallback func;
  gpointer data;
  GDBusConnection *system;
  guint sleep_signal;
  GFileMonitor *test_monitor;
  int timer_fd;
  guint timer_source;
};

static void
fire (LbClockWatch *w)
{
  ((void (*) (gpointer)) w->func) (w->data);
}

static void
on_prepare_for_sleep (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
                      const char *signal, GVariant *params, gpointer data)
{
  gboolean going;

  (void) connection; (void) sender; (void) path; (void) iface; (void) signal;
  if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (params, "(b)", &going);
  if (!going)
    fire (data);
}

static void
on_test_clock_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
  (void) monitor; (void) file; (void) other;
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_CREATED)
    fire (data);
}

static gboolean
arm_cancel_on_set (int fd)
{
  struct itimerspec far = { .it_value = { .tv_sec = G_MAXINT32 } };
  return timerfd_settime (fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL) == 0;
}

static gboolean
on_clock_set (int fd, GIOCondition condition, gpointer data)
{
  guint64 expirations;

  (void) condition;
  /* ECANCELED: the clock was set.  Re-arm, then tell. */
  if (read (fd, &expirations, sizeof expirations) < 0 && errno != ECANCELED && errno != EAGAIN)
    return G_SOURCE_REMOVE;
  arm_cancel_on_set (fd);
  fire (data);
  return G_SOURCE_CONTINUE;
}

LbClockWatch *
lb_clock_watch_new (GCallback func, gpointer data)
{
  LbClockWatch *w = g_new0 (LbClockWatch, 1);
  const char *path = test_clock_path ();

  w->func = func;
  w->data = data;
  w->timer_fd = -1;
  /* No system bus (a container, a headless box): no resume signal either,
   * and the timeout's one-day cap bounds how late a due time can be. */
  w->system = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  if (w->system != NULL)
    w->sleep_signal = g_dbus_connection_signal_subscribe (w->system, "org.freedesktop.login1",
                                                          "org.freedesktop.login1.Manager", "PrepareForSleep",
                                                          "/org/freedesktop/login1", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                          on_prepare_for_sleep, w, NULL);
  if (path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);
      w->test_monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, NULL);
      if (w->test_monitor != NULL)
        g_signal_connect (w->test_monitor, "changed", G_CALLBACK (on_test_clock_changed), w);
    }
  w->timer_fd = timerfd_create (CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  if (w->timer_fd >= 0 && arm_cancel_on_set (w->timer_fd))
    w->timer_source = g_unix_fd_add (w->timer_fd, G_IO_IN, on_clock_set, w);
  return w;
}

void
lb_clock_watch_free (LbClockWatch *w)
{
  if (w == NULL)
    return;
  if (w->sleep_signal)
    g_dbus_connection_signal_unsubscribe (w->system, w->sleep_signal);
  g_clear_object (&w->system);
  if (w->test_monitor)
    {
      g_signal_handlers_disconnect_by_data (w->test_monitor, w);
      g_file_monitor_cancel (w->test_monitor);
      g_object_unref (w->test_monitor);
    }
  if (w->timer_source)
    g_source_remove (w->timer_source);
  if (w->timer_fd >= 0)
    close (w->timer_fd);
  g_free (w);
}

/* Looked up again at most once a second: GLib's g_time_zone_new_local()
 * reads /etc/localtime's link at each call, which cost 20,000 readlinks
 * and stats, half of `ls -r` of a 20,000-file snapshot.  A zone changed
 * meanwhile (a laptop carried abroad) shows within a second, also in a
 * long-running `watch`.  Any thread. */
static GTimeZone *
local_zone (void)
{
  static GMutex lock;
  static GTimeZone *zone;
  static gint64 looked_at;
  gint64 now = g_get_monotonic_time ();
  GTimeZone *z;

  g_mutex_lock (&lock);
  if (zone == NULL || now - looked_at >= G_USEC_PER_SEC)
    {
      g_clear_pointer (&zone, g_time_zone_unref);
      zone = g_time_zone_new_local ();
      looked_at = now;
    }
  z = g_time_zone_ref (zone);
  g_mutex_unlock (&lock);
  return z;
}

GDateTime *
lb_clock_local_time (gint64 unix_seconds)
{
  g_autoptr(GTimeZone) zone = local_zone ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);

  return utc != NULL ? g_date_time_to_timezone (utc, zone) : NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USB hot-plug events on a libusb context of their own.
 *
 * Hot-plug callbacks only run inside libusb's event handling, so the
 * waiting thread sleeps in libusb_handle_events_timeout_completed: with no
 * device opened on this context it polls nothing but libusb's own wake-up
 * pipe and timer, and costs no CPU while the bus is quiet.  A wake from
 * another thread interrupts it (libusb keeps the interruption pending
 * until handled, so a wake before the wait is not lost). */
#include "config.h"

#include <libusb.h>

#include "lb-device-private.h"

struct _LbHotplug
{
  libusb_context *ctx;
  libusb_hotplug_callback_handle handle;
  gboolean registered;
  void (*event) (gpointer user_data);
  gpointer user_data;

  /* Without hot-plug support: waits are plain timed sleeps. */
  GMutex lock;
  GCond cond;
  gboolean woken;
};

static int
on_hotplug (libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev, void *data)
{
  LbHotplug *self = data;

  (void) ctx;
  (void) dev;
  (void) ev;
  self->event (self->user_data);
  return 0;  /* stay registered */
}

LbHotplug *
lb_hotplug_new (void (*event) (gpointer user_data), gpointer user_data)
{
  LbHotplug *self = g_new0 (LbHotplug, 1);
  int r;

  self->event = event;
  self->user_data = user_data;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  r = libusb_init (&self->ctx);
  if (r != 0)
    {
      g_warning ("Cannot watch the USB bus for phones (libusb: %s)", libusb_strerror (r));
      self->ctx = NULL;
      return self;
    }
  if (!libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG))
    {
      g_warning ("This libusb cannot report phones being plugged in; looking for them every few seconds");
      return self;
    }
  r = libusb_hotplug_register_callback (self->ctx,
                                        LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                                        0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                                        LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, self, &self->handle);
  if (r != LIBUSB_SUCCESS)
    g_warning ("Cannot watch the USB bus for phones (libusb: %s)", libusb_strerror (r));
  self->registered = r == LIBUSB_SUCCESS;
  return self;
}

libusb_context *
lb_hotplug_get_context (LbHotplug *self)
{
  return self->ctx;
}

gboolean
lb_hotplug_has_events (LbHotplug *self)
{
  return self->registered;
}

void
lb_hotplug_wait (LbHotplug *self, gint64 timeout_us)
{
  if (self->registered)
    {
      /* An hour stands for "no time-out": libusb wants one. */
      gint64 us = timeout_us < 0 ? (gint64) 3600 * G_USEC_PER_SEC : timeout_us;
      struct timeval tv = { (time_t) (us / G_USEC_PER_SEC), (suseconds_t) (us % G_USEC_PER_SEC) };

      libusb_handle_events_timeout_completed (self->ctx, &tv, NULL);
      return;
    }
  g_mutex_lock (&self->lock);
  if (!self->woken)
    {
      if (timeout_us < 0)
        g_cond_wait (&self->cond, &self->lock);
      else
        g_cond_wait_until (&self->cond, &self->lock, g_get_monotonic_time () + timeout_us);
    }
  self->woken = FALSE;
  g_mutex_unlock (&self->lock);
}

void
lb_hotplug_wake (LbHotplug *self)
{
  if (self->registered)
    {
      libusb_interrupt_event_handler (self->ctx);
      return;
    }
  g_mutex_lock (&self->lock);
  self->woken = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
lb_hotplug_free (LbHotplug *self)
{
  if (self == NULL)
    return;
  if (self->registered)
    libusb_hotplug_deregister_callback (self->ctx, self->handle);
  if (self->ctx != NULL)
    libusb_exit (self->ctx);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

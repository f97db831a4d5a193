/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbUnlockListener: see lb-hotplug.h.
 *
 * Two PTP transactions and one interrupt transfer, on the hot-plug
 * context: OpenSession, then an interrupt IN transfer kept submitted until
 * freed, then CloseSession.  Nothing else of MTP is spoken here; what the
 * phone holds is libmtp's business once the monitor probes it again.
 * Why a phone cannot be listened to goes to the debug log only: the
 * monitor then looks at it again now and then. */
#include "config.h"

#include <string.h>
#include <libusb.h>

#include "lb-device-private.h"

#define PTP_CONTAINER_COMMAND 1
#define PTP_CONTAINER_RESPONSE 3
#define PTP_CONTAINER_EVENT 4
#define PTP_OC_OPEN_SESSION 0x1002
#define PTP_OC_CLOSE_SESSION 0x1003
#define PTP_RC_OK 0x2001
#define PTP_RC_SESSION_ALREADY_OPEN 0x201E
#define PTP_EC_STORE_ADDED 0x4004

/* Any number but 0 (PTP 1.1 §9.2.1); libmtp opens its own with 1. */
#define SESSION_ID 0x4C42
/* A phone answers a command within milliseconds; one that does not in
 * this long is not worth waiting for here. */
#define ANSWER_MS 3000
#define CANCEL_TRIES 5

struct _LbUnlockListener
{
  libusb_context *ctx;
  libusb_device_handle *handle;
  int interface;
  guint8 bulk_in, bulk_out, interrupt_in;
  struct libusb_transfer *transfer;
  guint8 event[64];
  gboolean session;
  gboolean in_flight;
  gboolean ended;
  int heard;
};

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, v & 0xffff);
  put16 (p + 2, v >> 16);
}

static guint16
get16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

/* One transaction without a data phase; the response code, or 0 when the
 * phone did not answer with a response container. */
static guint16
transact (LbUnlockListener *self, guint16 code, guint32 transaction, guint32 param)
{
  guint8 command[16], response[512];
  int done = 0;

  put32 (command, sizeof command);
  put16 (command + 4, PTP_CONTAINER_COMMAND);
  put16 (command + 6, code);
  put32 (command + 8, transaction);
  put32 (command + 12, param);
  if (libusb_bulk_transfer (self->handle, self->bulk_out, command, sizeof command, &done, ANSWER_MS) != 0
      || done != sizeof command)
    return 0;
  if (libusb_bulk_transfer (self->handle, self->bulk_in, response, sizeof response, &done, ANSWER_MS) != 0
      || done < 12 || get16 (response + 4) != PTP_CONTAINER_RESPONSE)
    return 0;
  return get16 (response + 6);
}

static void LIBUSB_CALL
on_event (struct libusb_transfer *transfer)
{
  LbUnlockListener *self = transfer->user_data;

  self->in_flight = FALSE;
  if (transfer->status != LIBUSB_TRANSFER_COMPLETED)
    {
      /* Cancelled by lb_unlock_listener_free, or the phone is gone. */
      self->ended = TRUE;
      return;
    }
  /* Other events (DevicePropChanged for the battery level, say) come and
   * go all night on a charging phone and do not mean it is unlocked. */
  if (transfer->actual_length >= 12 && get16 (self->event + 4) == PTP_CONTAINER_EVENT
      && get16 (self->event + 6) == PTP_EC_STORE_ADDED)
    self->heard++;
  if (libusb_submit_transfer (transfer) == 0)
    self->in_flight = TRUE;
  else
    self->ended = TRUE;
}

static libusb_device_handle *
open_at (libusb_context *ctx, guint8 bus, guint8 address, libusb_device **found)
{
  libusb_device **list = NULL;
  libusb_device_handle *handle = NULL;
  ssize_t n = libusb_get_device_list (ctx, &list);

  *found = NULL;
  for (ssize_t i = 0; i < n; i++)
    if (libusb_get_bus_number (list[i]) == bus && libusb_get_device_address (list[i]) == address)
      {
        if (libusb_open (list[i], &handle) == 0)
          *found = libusb_ref_device (list[i]);
        break;
      }
  if (n >= 0)
    libusb_free_device_list (list, 1);
  return handle;
}

LbUnlockListener *
lb_unlock_listener_new (LbHotplug *hotplug, guint8 bus, guint8 address)
{
  g_autoptr(LbUnlockListener) self = g_new0 (LbUnlockListener, 1);
  libusb_device *dev = NULL;
  guint16 rc;
  int r;

  self->interface = -1;
  self->ctx = lb_hotplug_get_context (hotplug);
  if (self->ctx == NULL)
    {
      g_debug ("Not listening for the unlocking of a phone: libusb cannot be used");
      return NULL;
    }
  self->handle = open_at (self->ctx, bus, address, &dev);
  if (self->handle == NULL)
    {
      g_debug ("Not listening for the unlocking of the phone at %u.%u: it cannot be opened", bus, address);
      return NULL;
    }
  r = lb_usb_mtp_interface (dev, &self->bulk_in, &self->bulk_out, &self->interrupt_in);
  libusb_unref_device (dev);
  if (self->bulk_in == 0 || self->bulk_out == 0 || self->interrupt_in == 0)
    {
      g_debug ("Not listening for the unlocking of the phone at %u.%u: it has no MTP event endpoint",
                   bus, address);
      return NULL;
    }
  if (libusb_claim_interface (self->handle, r) != 0)
    {
      g_debug ("Not listening for the unlocking of the phone at %u.%u: it is claimed", bus, address);
      return NULL;
    }
  self->interface = r;
  rc = transact (self, PTP_OC_OPEN_SESSION, 0, SESSION_ID);
  if (rc != PTP_RC_OK && rc != PTP_RC_SESSION_ALREADY_OPEN)
    {
      g_debug ("Not listening for the unlocking of the phone at %u.%u: it did not open a session (0x%04x)",
                   bus, address, rc);
      return NULL;
    }
  self->session = TRUE;
  self->transfer = libusb_alloc_transfer (0);
  /* No time-out: a locked phone may stay locked all night. */
  libusb_fill_interrupt_transfer (self->transfer, self->handle, self->interrupt_in, self->event,
                                  sizeof self->event, on_event, self, 0);
  if (libusb_submit_transfer (self->transfer) != 0)
    {
      g_debug ("Not listening for the unlocking of the phone at %u.%u: its event transfer failed", bus, address);
      return NULL;
    }
  self->in_flight = TRUE;
  return g_steal_pointer (&self);
}

int
lb_unlock_listener_take (LbUnlockListener *self)
{
  int heard = self->heard;

  self->heard = 0;
  if (heard == 0 && self->ended)
    return -1;
  return heard;
}

void
lb_unlock_listener_free (LbUnlockListener *self)
{
  if (self == NULL)
    return;
  if (self->in_flight)
    {
      struct timeval tv = { 0, 200 * 1000 };

      libusb_cancel_transfer (self->transfer);
      for (int i = 0; i < CANCEL_TRIES && self->in_flight; i++)
        libusb_handle_events_timeout_completed (self->ctx, &tv, NULL);
      if (self->in_flight)
        {
          /* Freeing a transfer libusb still has would be worse than
           * keeping the phone's handle until the process ends. */
          g_warning ("A phone did not give back its event transfer; leaving it open");
          return;
        }
    }
  if (self->interface >= 0)
    {
      /* An unplugged phone fails this at once. */
      if (self->session)
        (void) transact (self, PTP_OC_CLOSE_SESSION, 1, 0);
      libusb_release_interface (self->handle, self->interface);
    }
  if (self->transfer != NULL)
    libusb_free_transfer (self->transfer);
  if (self->handle != NULL)
    libusb_close (self->handle);
  g_free (self);
}

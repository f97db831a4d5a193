/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbDevice: one open MTP phone, owned by the thread that opened it.
 *
 * libmtp is not thread-safe, so every call checks that it comes from the
 * owner, and none may come from the thread a GUI gave to
 * lb_device_forbid_thread (USB I/O there would freeze the window).  A
 * refused call logs a critical (fatal in tests) and fails with an error, as
 * g_return_val_if_fail would, so a GUI built without fatal criticals keeps
 * running.  The walk lives in lb-device-walk.c, lists in
 * lb-device-lists.c. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-device-private.h"
#include "lb-error.h"
#include "lb-thread-guard.h"

G_DEFINE_FINAL_TYPE (LbDevice, lb_device, G_TYPE_OBJECT)

void
lb_device_forbid_thread (GThread *thread)
{
  lb_thread_guard_forbid (thread);
}

/* self NULL: only the forbidden thread is checked (enumerate, open). */
gboolean
lb_device_check_thread (LbDevice *self, const char *func, GError **error)
{
  if (!lb_thread_guard_check (func, error))
    return FALSE;
  if (self != NULL && g_thread_self () != self->owner)
    {
      g_critical ("%s: an LbDevice used from a thread other than the one that opened it", func);
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
                   _("%s: the phone was opened by another thread (libmtp is not thread-safe)"), func);
      return FALSE;
    }
  return TRUE;
}

/* A write makes the fast listing out of date: walks after it go through
 * libmtp, which asks the phone as it is now. */
gboolean
lb_device_check_writer (LbDevice *self, const char *func, GError **error)
{
  if (!lb_device_check_thread (self, func, error))
    return FALSE;
  g_clear_pointer (&self->listing, lb_listing_free);
  return TRUE;
}

/* The last reference may be dropped from any thread: by then nobody uses
 * the device, so ending its session here is safe. */
static void
lb_device_finalize (GObject *object)
{
  LbDevice *self = LB_DEVICE (object);

  g_clear_pointer (&self->mtp, lb_mtp_release);
  g_clear_pointer (&self->info, lb_device_info_free);
  g_clear_pointer (&self->owner, g_thread_unref);
  g_clear_pointer (&self->lists, g_hash_table_unref);
  g_clear_pointer (&self->walked, g_hash_table_unref);
  g_clear_pointer (&self->listing, lb_listing_free);
  G_OBJECT_CLASS (lb_device_parent_class)->finalize (object);
}

static void
lb_device_class_init (LbDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lb_device_finalize;
}

static void
lb_device_init (LbDevice *self)
{
  self->lists = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->walked = g_hash_table_new (NULL, NULL);
}

/* "A, B (model), B (model)"; *repeated: some serial is there twice. */
static char *
serial_list (GPtrArray *infos, gboolean *repeated)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];
      gboolean shared = FALSE;

      for (guint j = 0; j < infos->len && !shared; j++)
        shared = j != i && g_str_equal (((const LbDeviceInfo *) infos->pdata[j])->serial, info->serial);
      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
                              *info->serial != '\0' ? info->serial : _("(no serial)"));
      /* Phones sharing a fake serial: the model is what tells them apart. */
      if (shared)
        g_string_append_printf (s, " (%s)", info->model);
      *repeated |= shared;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
speaks_mtp (const LbDeviceInfo *info)
{
  return info->state == LB_DEVICE_READY || info->state == LB_DEVICE_LOCKED;
}

/* Without a serial, only MTP phones are candidates: a charging-only phone
 * next to a ready one is no reason to ask which.  When there is none, a
 * busy or charging-only phone explains why. */
static const LbDeviceInfo *
choose (GPtrArray *infos, const char *serial, GError **error)
{
  g_autoptr(GPtrArray) matches = g_ptr_array_new ();
  const LbDeviceInfo *busy = NULL, *charging = NULL;
  g_autofree char *plain = serial != NULL ? lb_device_key_dup_serial (serial) : NULL;

  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];

      if (serial != NULL ? lb_device_info_matches (serial, info) : speaks_mtp (info))
        g_ptr_array_add (matches, (gpointer) info);
      else if (serial == NULL && info->state == LB_DEVICE_BUSY && busy == NULL)
        busy = info;
      else if (serial == NULL && info->state == LB_DEVICE_CHARGING_ONLY && charging == NULL)
        charging = info;
    }
  if (matches->len == 0 && (busy != NULL || charging != NULL))
    g_ptr_array_add (matches, (gpointer) (busy != NULL ? busy : charging));

  if (matches->len == 0 && serial == NULL)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_NO_DEVICE,
                         _("No phone is connected. Connect it with a USB cable and unlock it."));
  else if (matches->len == 0)
    g_set_error (error, LB_ERROR, LB_ERROR_NO_DEVICE, _("No phone with serial %s is connected."), plain);
  else if (matches->len > 1 && serial == NULL)
    {
      gboolean repeated = FALSE;
      g_autofree char *serials = serial_list (matches, &repeated);

      /* --device would not tell such phones apart: no use sending people there. */
      if (repeated)
        g_set_error (error, LB_ERROR, LB_ERROR_AMBIGUOUS_DEVICE,
                     _("Several phones are connected (%s), and some of them report the same serial. "
                       "Connect only the one to use."), serials);
      else
        g_set_error (error, LB_ERROR, LB_ERROR_AMBIGUOUS_DEVICE,
                     _("Several phones are connected (%s). Choose one with --device SERIAL."), serials);
    }
  else if (matches->len > 1)
    g_set_error (error, LB_ERROR, LB_ERROR_AMBIGUOUS_DEVICE,
                 _("%u connected phones report the same serial %s. Connect only the one to use."),
                 matches->len, plain);
  else if (((const LbDeviceInfo *) matches->pdata[0])->state != LB_DEVICE_READY)
    lb_device_error_for_state (((const LbDeviceInfo *) matches->pdata[0])->state, error);
  else
    return matches->pdata[0];
  return NULL;
}

/* LbScanGuard.skip: a phone whose USB descriptor names a serial (or, for
 * a key, a vendor) other than the one wanted, left alone and reported as
 * nothing. */
static gboolean
other_serial (guint8 bus, guint8 address, guint16 vendor_id, guint16 product_id, const char *usb_serial,
              LbDeviceInfo **instead, gpointer user_data)
{
  (void) bus; (void) address; (void) product_id;
  *instead = NULL;
  return usb_serial != NULL && *usb_serial != '\0' && !lb_device_key_matches (user_data, usb_serial, vendor_id, NULL);
}

LbDevice *
lb_device_open (const char *serial, GError **error)
{
  g_autoptr(GPtrArray) infos = NULL;
  const LbDeviceInfo *chosen = NULL;
  LbDeviceInfo *info = NULL;
  g_autoptr(LbListing) listing = NULL;
  LIBMTP_mtpdevice_t *mtp;
  LbDevice *self;

  if (!lb_device_check_thread (NULL, G_STRFUNC, error))
    return NULL;
  /* The serial libmtp reads from DeviceInfo is only known once a session
   * is open, so phones are opened (one at a time) by the scan, and the
   * chosen one once more.  With a serial asked for, first only the phones
   * whose USB descriptor does not name another one: opening a phone that
   * another thread or program is probing or backing up at that moment
   * (several phones docked at once) makes one of the two see it busy or
   * storageless.  The descriptor's serial is Android's MTP serial too, but
   * nothing promises it: when that finds none, every phone. */
  if (serial != NULL)
    {
      LbScanGuard only = { other_serial, NULL, (gpointer) serial };
      infos = lb_device_scan (&only, NULL);
      if (infos != NULL && (chosen = choose (infos, serial, NULL)) == NULL)
        g_clear_pointer (&infos, g_ptr_array_unref);
    }
  if (infos == NULL)
    {
      g_autoptr(GError) local_error = NULL;

      infos = lb_device_scan (NULL, error);
      if (infos == NULL)
        return NULL;
      chosen = choose (infos, serial, &local_error);
      /* The scan leaves out a phone it could not open (one that refused
       * even GetDeviceInfo, measured on the rig with flaky=2): it is on
       * the bus all the same, and "no phone" would send the user looking
       * for a cable fault. */
      if (chosen == NULL && serial == NULL && g_error_matches (local_error, LB_ERROR, LB_ERROR_NO_DEVICE) &&
          lb_device_count_mtp () > 0)
        {
          g_set_error_literal (error, LB_ERROR, LB_ERROR_FAILED,
                               _("The phone does not answer. Disconnect it, connect it again and unlock it."));
          return NULL;
        }
      if (chosen == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  /* Before libmtp opens the phone: the fast listing is a session of its
   * own, and libmtp's must come after it on the same connection. */
  listing = lb_device_fast_listing (chosen);
  mtp = lb_device_scan_open (chosen, &info, error);
  if (mtp == NULL)
    return NULL;
  if (listing != NULL && !lb_device_listing_agrees (mtp, info, listing))
    g_clear_pointer (&listing, lb_listing_free);

  self = g_object_new (LB_TYPE_DEVICE, NULL);
  self->mtp = mtp;
  self->info = info;
  self->owner = g_thread_ref (g_thread_self ());
  self->listing = g_steal_pointer (&listing);
  return self;
}

const LbDeviceInfo *
lb_device_get_info (LbDevice *self)
{
  g_return_val_if_fail (LB_IS_DEVICE (self), NULL);

  if (!lb_device_check_thread (self, G_STRFUNC, NULL))
    return NULL;
  return self->info;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct {
  LbDataFunc func;
  gpointer user_data;
  GCancellable *cancellable;
  gboolean stopped;          /* func returned FALSE */
  gboolean cancelled;        /* the cancellable fired */
  gint64 last_sign;          /* when the phone last sent something */
} ReadContext;

/* Runs inside LIBMTP_Get_File_To_Handler, once per block libmtp received
 * (16 KiB with libmtp 1.1.20): the file is never whole in memory. */
static uint16_t
put_block (void *params, void *priv, uint32_t len, unsigned char *data, uint32_t *putlen)
{
  ReadContext *ctx = priv;

  (void) params;
  *putlen = 0;
  ctx->last_sign = g_get_monotonic_time ();
  if (g_cancellable_is_cancelled (ctx->cancellable))
    {
      ctx->cancelled = TRUE;
      return LIBMTP_HANDLER_RETURN_CANCEL;
    }
  if (len > 0 && !ctx->func (data, len, ctx->user_data))
    {
      ctx->stopped = TRUE;
      return LIBMTP_HANDLER_RETURN_CANCEL;
    }
  *putlen = len;
  return LIBMTP_HANDLER_RETURN_OK;
}

/* libmtp's progress callback may also stop the transfer: a cancellation
 * is noticed even while libmtp waits between blocks. */
static int
read_progress (uint64_t const sent, uint64_t const total, void const * const data)
{
  ReadContext *ctx = (ReadContext *) data;

  (void) sent;
  (void) total;
  if (g_cancellable_is_cancelled (ctx->cancellable))
    {
      ctx->cancelled = TRUE;
      return 1;
    }
  return 0;
}

gboolean
lb_device_read (LbDevice *self,
                guint32 handle,
                LbDataFunc func,
                gpointer user_data,
                GCancellable *cancellable,
                GError **error)
{
  ReadContext ctx = { func, user_data, cancellable, FALSE, FALSE, 0 };
  int r;

  g_return_val_if_fail (LB_IS_DEVICE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lb_device_check_thread (self, G_STRFUNC, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* A playlist or album is an abstract object: no bytes, and GetObject on
   * one is an error.  What it holds comes from lb_device_get_lists. */
  if (g_hash_table_contains (self->lists, GUINT_TO_POINTER (handle)))
    return TRUE;

  LIBMTP_Clear_Errorstack (self->mtp);
  ctx.last_sign = g_get_monotonic_time ();
  /* Not wrapped in lb_quiet_begin(): func runs inside, see lb-device-mtp.c. */
  r = LIBMTP_Get_File_To_Handler (self->mtp, handle, put_block, &ctx, read_progress, &ctx);
  if (r == 0)
    {
      LIBMTP_Clear_Errorstack (self->mtp);
      return TRUE;
    }
  if (ctx.stopped || ctx.cancelled)
    {
      /* libmtp has sent PTP's cancel request and drained what was still
       * coming (until 300 ms of silence: a cancel costs about a second):
       * the session goes on. */
      LIBMTP_Clear_Errorstack (self->mtp);
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Reading was stopped."));
      return FALSE;
    }
  lb_device_error_from_mtp_about (self->mtp, self->info, handle, ctx.last_sign,
                                  _("Could not read a file from the phone"), error);
  return FALSE;
}

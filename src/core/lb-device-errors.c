/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one place where libmtp's and libusb's failures become LbError codes
 * with messages a person can act on.
 *
 * libmtp does not pass libusb's errors on: an unplugged phone and a real
 * transfer error both arrive as "PTP Layer error 02ff ... PTP I/O Error"
 * on its error stack (measured on the rig: `vphone-ctl unplug` and the
 * disconnect-after-bytes fault both give exactly that, within 0.1 s).  So
 * after an I/O error, and after any failure libmtp gave no reason for, we
 * look at the bus with libusb: a phone that is no longer there was
 * disconnected. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libusb.h>

#include "lb-device-private.h"
#include "lb-error.h"

/* libmtp's ptp.h is not installed; these are its (and the PTP/MTP
 * specifications') codes that we act on. */
#define PTP_RC_INVALID_OBJECT_HANDLE 0x2009
#define PTP_RC_STORE_FULL            0x200C
#define PTP_RC_STORE_NOT_AVAILABLE   0x2013
#define PTP_RC_DEVICE_BUSY           0x2019
#define PTP_RC_OPERATION_NOT_SUPPORTED 0x2005
#define PTP_RC_ACCESS_DENIED         0x200F
#define PTP_RC_PARAMETER_NOT_SUPPORTED 0x2006
#define MTP_RC_SPECIFICATION_BY_GROUP_UNSUPPORTED 0xA807
#define MTP_RC_SPECIFICATION_BY_DEPTH_UNSUPPORTED 0xA808
#define MTP_RC_INVALID_OBJECT_PROP_CODE   0xA801
#define MTP_RC_INVALID_OBJECT_PROP_FORMAT 0xA802
#define MTP_RC_OBJECT_PROP_NOT_SUPPORTED  0xA80A
#define MTP_RC_OBJECT_TOO_LARGE      0xA809
#define PTP_ERROR_TIMEOUT            0x02FA
#define PTP_ERROR_DATA_EXPECTED      0x02FE
#define PTP_ERROR_CANCEL             0x02FB
#define PTP_ERROR_IO                 0x02FF

/* libmtp gives up on a USB transfer after 20 s (60 s with its LONG_TIMEOUT
 * flag, 5 s for the first OpenSession), and reports that time-out as a
 * plain I/O error: its ptp_read_func and ptp_write_func turn every libusb
 * failure into PTP_ERROR_IO.  So an I/O error from a phone still on the
 * bus, after this long without a sign of life, is a time-out.  libmtp does
 * not let a caller change its time-out per device (set_usb_device_timeout
 * is not exported). */
#define SHORTEST_TIMEOUT_USEC (5 * G_USEC_PER_SEC)

static const char *
busy_message (void)
{
  return _("Another program is using the phone — often the file manager's own "
           "phone support. Close it (or unmount the phone) and try again.");
}

void
lb_device_error_for_state (LbDeviceState state, GError **error)
{
  switch (state)
    {
    case LB_DEVICE_BUSY:
      g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_BUSY, busy_message ());
      break;
    case LB_DEVICE_LOCKED:
      g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_LOCKED,
                           _("The phone is locked. Unlock its screen and try again."));
      break;
    case LB_DEVICE_CHARGING_ONLY:
      g_set_error_literal (error, LB_ERROR, LB_ERROR_CHARGING_ONLY,
                           _("The phone is connected but not in File transfer mode. On the "
                             "phone, tap the USB notification and choose File transfer."));
      break;
    case LB_DEVICE_READY:
    default:
      g_return_if_reached ();
    }
}

/* "PTP Layer error 02ff: ..." → 0x02ff; 0 when the text carries no code. */
static guint
ptp_code (const char *text)
{
  static const char prefix[] = "PTP Layer error ";
  char digits[5] = { 0 };
  guint64 code;

  if (text == NULL || !g_str_has_prefix (text, prefix))
    return 0;
  strncpy (digits, text + strlen (prefix), 4);
  if (!g_ascii_string_to_unsigned (digits, 16, 0, 0xFFFF, &code, NULL))
    return 0;
  return (guint) code;
}

/* Every distinct text on libmtp's error stack, joined; NULL when empty.
 * The stack is cleared, so the next failure starts from nothing. */
static char *
mtp_error_text (LIBMTP_mtpdevice_t *mtp)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (LIBMTP_error_t *e = LIBMTP_Get_Errorstack (mtp); e != NULL; e = e->next)
    {
      g_autofree char *line = g_strstrip (g_strdup (e->error_text ? e->error_text : ""));

      if (*line == '\0' || strstr (text->str, line) != NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, line);
    }
  LIBMTP_Clear_Errorstack (mtp);
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

typedef enum {
  ANSWERS,
  ANSWERS_WITHOUT_STORAGE,
  REFUSES,
} Answer;

/* How the phone answers plain requests right after one it refused.
 * LIBMTP_Get_Storage fails the same way (-1, nothing on the error stack)
 * for a phone without storage (locked) and one refusing everything, so
 * the friendly name, which needs no storage, decides.  (The battery level
 * cannot: lb-device-enumerate.c's open marks it broken.) */
static Answer
probe_answer (LIBMTP_mtpdevice_t *mtp)
{
  char *name = NULL;
  Answer answer = REFUSES;
  LbQuiet quiet;

  lb_quiet_begin (&quiet);
  if (LIBMTP_Get_Storage (mtp, LIBMTP_STORAGE_SORTBY_NOTSORTED) == 0 && mtp->storage != NULL)
    answer = ANSWERS;
  else if ((name = LIBMTP_Get_Friendlyname (mtp)) != NULL)
    answer = ANSWERS_WITHOUT_STORAGE;
  lb_quiet_end (&quiet);
  free (name);
  LIBMTP_Clear_Errorstack (mtp);
  return answer;
}

/* handle: the object the failed call was about (0: none); quiet_since:
 * when the phone last gave a sign of life during the call (0: unknown).
 *
 * A phone that answers a request with an error instead of the data asked
 * for reaches us only as "PTP Data Expected" (02fe): libmtp keeps the
 * response code to itself, so an object deleted since the listing
 * (InvalidObjectHandle), a phone locked meanwhile and a phone answering
 * everything with DeviceBusy look the same (measured on the rig: its
 * vanish and device-busy faults both give 02fe).  libmtp's own metadata
 * calls answer from its cache and cannot tell either; so one plain
 * request tells them apart. */
void
lb_device_error_from_mtp_about (LIBMTP_mtpdevice_t *mtp,
                                const LbDeviceInfo *info,
                                guint32 handle,
                                gint64 quiet_since,
                                const char *doing,
                                GError **error)
{
  gboolean cancelled = FALSE, full = FALSE, busy = FALSE, timeout = FALSE;
  gboolean too_large = FALSE, vanished = FALSE, unavailable = FALSE, refused = FALSE, io = FALSE;
  g_autofree char *text = NULL;
  Answer answer = ANSWERS;

  for (LIBMTP_error_t *e = LIBMTP_Get_Errorstack (mtp); e != NULL; e = e->next)
    {
      guint code = ptp_code (e->error_text);

      cancelled |= e->errornumber == LIBMTP_ERROR_CANCELLED || code == PTP_ERROR_CANCEL;
      full |= e->errornumber == LIBMTP_ERROR_STORAGE_FULL || code == PTP_RC_STORE_FULL;
      busy |= code == PTP_RC_DEVICE_BUSY;
      timeout |= code == PTP_ERROR_TIMEOUT;
      too_large |= code == MTP_RC_OBJECT_TOO_LARGE;
      vanished |= code == PTP_RC_INVALID_OBJECT_HANDLE;
      unavailable |= code == PTP_RC_STORE_NOT_AVAILABLE;
      refused |= code == PTP_ERROR_DATA_EXPECTED;
      io |= code == PTP_ERROR_IO;
    }
  timeout |= io && quiet_since > 0 && g_get_monotonic_time () - quiet_since >= SHORTEST_TIMEOUT_USEC;
  text = mtp_error_text (mtp);

  if (cancelled)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
  else if (full)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_STORAGE_FULL, _("The phone's storage is full."));
  else if (busy)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_BUSY,
                         _("The phone says it is busy. Wait a moment and try again."));
  else if (info != NULL && !lb_device_check_present (info, error))
    ;  /* checked before the time-out: a pulled phone can also time out */
  else if (timeout)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_TIMED_OUT, _("The phone stopped answering."));
  else if (too_large)
    g_set_error (error, LB_ERROR, LB_ERROR_REFUSED,
                 _("%s: the phone's storage cannot hold a file that large."), doing);
  else if (vanished)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND, _("%s: it is no longer on the phone."), doing);
  else if (unavailable)
    g_set_error (error, LB_ERROR, LB_ERROR_DEVICE_LOCKED,
                 _("%s: the storage is not available. Unlock the phone and try again."), doing);
  else if (refused && (answer = probe_answer (mtp)) == REFUSES)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_TIMED_OUT,
                         _("The phone stopped answering requests. Unlock it, or disconnect it and "
                           "connect it again."));
  else if (refused && answer == ANSWERS_WITHOUT_STORAGE)
    lb_device_error_for_state (LB_DEVICE_LOCKED, error);
  else if (refused && handle != 0)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("%s: the phone did not send it; it was probably deleted or moved since it was "
                   "listed (libmtp: %s)"), doing, text);
  else
    g_set_error (error, LB_ERROR, LB_ERROR_FAILED, "%s (libmtp: %s)", doing,
                 text != NULL ? text : _("no reason given"));
}

void
lb_device_error_from_mtp (LIBMTP_mtpdevice_t *mtp,
                          const LbDeviceInfo *info,
                          const char *doing,
                          GError **error)
{
  lb_device_error_from_mtp_about (mtp, info, 0, 0, doing, error);
}

/* FALSE, with DEVICE_GONE, when the phone has left the bus. */
gboolean
lb_device_check_present (const LbDeviceInfo *info, GError **error)
{
  if (lb_usb_is_present (info->bus, info->address, info->vendor_id, info->product_id))
    return TRUE;
  g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_GONE, _("The phone was disconnected."));
  return FALSE;
}

/* What a phone answers SetObjectPropValue with when it takes no such
 * property, for any object: the MTP specification's OperationNotSupported,
 * InvalidObjectPropCode and ObjectPropNotSupported (AOSP's
 * MtpDatabase.setObjectProperty gives that last one to everything but a
 * rename), AccessDenied for a property its GetObjectPropDesc declares
 * get-only, and InvalidObjectPropFormat for a property of another type
 * than ours.  Asking again, or for the next file, cannot help. */
static gboolean
prop_not_supported (guint code)
{
  return code == PTP_RC_OPERATION_NOT_SUPPORTED || code == PTP_RC_ACCESS_DENIED ||
         code == MTP_RC_INVALID_OBJECT_PROP_CODE || code == MTP_RC_INVALID_OBJECT_PROP_FORMAT ||
         code == MTP_RC_OBJECT_PROP_NOT_SUPPORTED;
}

void
lb_device_error_from_mtp_prop (LIBMTP_mtpdevice_t *mtp,
                               const LbDeviceInfo *info,
                               const char *doing,
                               GError **error)
{
  gboolean refused = FALSE, any_code = FALSE;

  for (LIBMTP_error_t *e = LIBMTP_Get_Errorstack (mtp); e != NULL; e = e->next)
    {
      guint code = ptp_code (e->error_text);
      any_code |= code != 0;
      refused |= prop_not_supported (code);
    }
  /* Without any response code libmtp did not ask: it refuses itself when
   * the phone's DeviceInfo lists no SetObjectPropValue. */
  if (refused || (!any_code && LIBMTP_Get_Errorstack (mtp) != NULL))
    {
      LIBMTP_Clear_Errorstack (mtp);
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_SUPPORTED, _("%s: the phone does not take it"), doing);
      return;
    }
  lb_device_error_from_mtp (mtp, info, doing, error);
}

gboolean
lb_device_error_is_transient (const GError *error)
{
  return g_error_matches (error, LB_ERROR, LB_ERROR_DEVICE_BUSY) ||
         g_error_matches (error, LB_ERROR, LB_ERROR_FAILED);
}

/* Lifeboat's own PTP session (lb-device-ptp.c) fails with a libusb error
 * (usb_error < 0) or with the phone's response code (response != 0). */
void
lb_device_error_from_ptp (int usb_error, guint16 response, const char *doing, GError **error)
{
  if (usb_error == LIBUSB_ERROR_NO_DEVICE)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_GONE, _("The phone was disconnected."));
  else if (usb_error == LIBUSB_ERROR_TIMEOUT)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_TIMED_OUT, _("The phone stopped answering."));
  else if (usb_error == LIBUSB_ERROR_BUSY || usb_error == LIBUSB_ERROR_ACCESS)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_BUSY, busy_message ());
  else if (usb_error < 0)
    g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("%s (libusb: %s)"), doing, libusb_strerror (usb_error));
  else if (response == PTP_RC_DEVICE_BUSY)
    g_set_error_literal (error, LB_ERROR, LB_ERROR_DEVICE_BUSY,
                         _("The phone says it is busy. Wait a moment and try again."));
  else if (response == PTP_RC_STORE_NOT_AVAILABLE)
    lb_device_error_for_state (LB_DEVICE_LOCKED, error);
  else if (response == PTP_RC_OPERATION_NOT_SUPPORTED || response == PTP_RC_PARAMETER_NOT_SUPPORTED ||
           response == MTP_RC_SPECIFICATION_BY_DEPTH_UNSUPPORTED ||
           response == MTP_RC_SPECIFICATION_BY_GROUP_UNSUPPORTED)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_SUPPORTED, _("%s: the phone does not offer it"), doing);
  else
    g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("%s: the phone answered 0x%04x"), doing, response);
}

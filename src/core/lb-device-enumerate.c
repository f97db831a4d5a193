/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One pass over the bus: every MTP phone libmtp detects, opened uncached
 * just long enough to read its identity and storages, the ones another
 * program holds, and phones of known makers that offer no MTP at all.
 *
 * Never a cached open (LIBMTP_Open_Raw_Device, LIBMTP_Get_First_Device):
 * those list the whole phone first, and on a phone whose folders form a
 * cycle libmtp's listing loops until it crashes. */
#include "config.h"

#include <stdlib.h>
#include <glib/gi18n-lib.h>

#include "lb-device-private.h"
#include "lb-error.h"
#include "lb-thread-guard.h"

/* Keeps *field ("") when the phone gave nothing.  Identity strings end up
 * in JSON and SQLite text: they are made valid UTF-8. */
static void
set_string (char **field, const char *value)
{
  if (value == NULL)
    return;
  g_free (*field);
  *field = g_strstrip (g_utf8_make_valid (value, -1));
}

/* The same for a string libmtp malloc()ed for us. */
static void
take_string (char **field, char *from_libmtp)
{
  set_string (field, from_libmtp);
  free (from_libmtp);
}

static LbStorageKind
storage_kind (guint16 storage_type)
{
  /* PTP StorageType: 1 fixed ROM, 2 removable ROM, 3 fixed RAM,
   * 4 removable RAM. */
  return storage_type == 2 || storage_type == 4 ? LB_STORAGE_REMOVABLE : LB_STORAGE_FIXED;
}

static LbDeviceInfo *
info_from_mtp (LIBMTP_mtpdevice_t *mtp, const LIBMTP_raw_device_t *raw)
{
  LbDeviceInfo *info = lb_device_info_new ();
  LbQuiet quiet;

  info->vendor_id = raw->device_entry.vendor_id;
  info->product_id = raw->device_entry.product_id;
  info->bus = (guint8) raw->bus_location;
  info->address = raw->devnum;

  lb_quiet_begin (&quiet);
  /* All but the friendly name come from the DeviceInfo read at open. */
  take_string (&info->serial, LIBMTP_Get_Serialnumber (mtp));
  take_string (&info->manufacturer, LIBMTP_Get_Manufacturername (mtp));
  take_string (&info->model, LIBMTP_Get_Modelname (mtp));
  take_string (&info->firmware, LIBMTP_Get_Deviceversion (mtp));
  take_string (&info->friendly_name, LIBMTP_Get_Friendlyname (mtp));
  /* Read again rather than trusting what the open left in mtp->storage:
   * this is the answer of now, and its failure is ours to see. */
  LIBMTP_Get_Storage (mtp, LIBMTP_STORAGE_SORTBY_NOTSORTED);
  lb_quiet_end (&quiet);

  for (LIBMTP_devicestorage_t *s = mtp->storage; s != NULL; s = s->next)
    {
      LbStorageInfo *storage = lb_storage_info_new ();

      storage->id = s->id;
      set_string (&storage->description, s->StorageDescription);
      set_string (&storage->volume, s->VolumeIdentifier);
      storage->kind = storage_kind (s->StorageType);
      storage->capacity = s->MaxCapacity;
      storage->free = s->FreeSpaceInBytes;
      /* MTP's StorageInfo has no maximum file size; Android answers a
       * too-large SendObjectInfo with ObjectTooLarge instead. */
      storage->max_file_size = 0;
      g_ptr_array_add (info->storages, storage);
    }
  /* An Android phone shows no storage until its screen is unlocked. */
  info->state = info->storages->len > 0 ? LB_DEVICE_READY : LB_DEVICE_LOCKED;
  /* A locked phone leaves "Get Storage information failed." behind. */
  LIBMTP_Clear_Errorstack (mtp);
  return info;
}

/* libmtp's DEVICE_FLAG_BROKEN_BATTERY_LEVEL (device-flags.h, not
 * installed; its value is part of the raw-device ABI, as music-players.h
 * sets it per device). */
#define LB_MTP_FLAG_BROKEN_BATTERY_LEVEL 0x00010000u

/* Opens one raw device uncached; NULL when libmtp cannot.
 *
 * LIBMTP_Open_Raw_Device_Uncached (1.1.20, and upstream to this day) reads
 * the battery level's PTPDevicePropDesc into a stack variable and frees it
 * with ptp_free_devicepropdesc() even when GetDevicePropDesc failed and
 * left it uninitialised: a phone unplugged during the open, after its
 * DeviceInfo, made `lifeboat-cli watch` die of "double free or corruption"
 * about one run in two of tests/cli/test-watch.sh (and in CI).  The flag
 * makes libmtp skip that read; it only fixes the maximum battery level at
 * 100 and makes LIBMTP_Get_Batterylevel() answer -1, and Lifeboat shows
 * no battery level. */
static LIBMTP_mtpdevice_t *
open_raw (LIBMTP_raw_device_t *raw)
{
  LIBMTP_mtpdevice_t *mtp;
  LbQuiet quiet;

  raw->device_entry.device_flags |= LB_MTP_FLAG_BROKEN_BATTERY_LEVEL;
  lb_quiet_begin (&quiet);
  mtp = LIBMTP_Open_Raw_Device_Uncached (raw);
  lb_quiet_end (&quiet);
  return mtp;
}

/* What libmtp detects now, or NULL with error. */
static LIBMTP_raw_device_t *
detect (int *n, GError **error)
{
  LIBMTP_raw_device_t *raw = NULL;
  LIBMTP_error_number_t err;
  LbQuiet quiet;

  lb_mtp_init ();
  *n = 0;
  lb_quiet_begin (&quiet);
  err = LIBMTP_Detect_Raw_Devices (&raw, n);
  lb_quiet_end (&quiet);
  if (err == LIBMTP_ERROR_NONE || err == LIBMTP_ERROR_NO_DEVICE_ATTACHED)
    {
      if (err != LIBMTP_ERROR_NONE)
        *n = 0;
      /* Never NULL on success, so that NULL means failure. */
      return raw != NULL ? raw : calloc (1, sizeof *raw);
    }
  free (raw);
  g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
               _("Cannot look for phones on the USB bus (libmtp error %d)."), (int) err);
  return NULL;
}

/* How many MTP devices libmtp sees on the bus, opened or not. */
guint
lb_device_count_mtp (void)
{
  LIBMTP_raw_device_t *raw;
  int n;

  raw = detect (&n, NULL);
  if (raw == NULL)
    return 0;
  free (raw);
  return (guint) n;
}

/* Opens raw uncached, unless another program holds it; NULL then, with
 * *busy set when that is why. */
static LIBMTP_mtpdevice_t *
open_unless_busy (LbUsbBus *bus, LIBMTP_raw_device_t *raw, LbDeviceInfo **busy)
{
  LIBMTP_mtpdevice_t *mtp;

  /* Asked first: libmtp keeps a busy phone's USB handle open forever
   * after failing to claim it (see lb-device-usb.c). */
  *busy = lb_usb_bus_probe_busy (bus, (guint8) raw->bus_location, raw->devnum);
  if (*busy != NULL)
    return NULL;
  mtp = open_raw (raw);
  if (mtp == NULL)
    /* Claimed in the meantime?  Or gone, or not answering. */
    *busy = lb_usb_bus_probe_busy (bus, (guint8) raw->bus_location, raw->devnum);
  return mtp;
}

static LbDeviceInfo *
probe_raw (LbUsbBus *bus, LIBMTP_raw_device_t *raw)
{
  LbDeviceInfo *info = NULL;
  LIBMTP_mtpdevice_t *mtp = open_unless_busy (bus, raw, &info);

  if (mtp != NULL)
    {
      info = info_from_mtp (mtp, raw);
      lb_mtp_release (mtp);
      /* No storage is what a locked phone shows, and also what one pulled
       * out during the open leaves: only the bus tells them apart. */
      if (info->state == LB_DEVICE_LOCKED
          && !lb_usb_bus_is_present (bus, info->bus, info->address, info->vendor_id, info->product_id))
        g_clear_pointer (&info, lb_device_info_free);
    }
  else if (info == NULL)
    /* Gone since detection, or not answering: nothing true to report. */
    g_debug ("the MTP device %04x:%04x at %u/%u cannot be opened; left out",
             raw->device_entry.vendor_id, raw->device_entry.product_id,
             raw->bus_location, raw->devnum);
  return info;
}

static gint
by_place_on_bus (gconstpointer a, gconstpointer b)
{
  const LbDeviceInfo *x = *(const LbDeviceInfo **) a, *y = *(const LbDeviceInfo **) b;

  return (x->bus << 8 | x->address) - (y->bus << 8 | y->address);
}

/* Asks the guard about raw; TRUE when the phone is to be left alone, with
 * what to report for it (possibly nothing) added to infos or, when
 * nothing, its place to left_alone (so that it is not taken for a
 * charging-only phone either). */
static gboolean
leave_alone (const LbScanGuard *guard, LbUsbBus *bus, LIBMTP_raw_device_t *raw,
             GPtrArray *infos, GPtrArray *left_alone)
{
  g_autofree char *usb_serial = NULL;
  LbDeviceInfo *instead = NULL;

  if (guard == NULL)
    return FALSE;
  usb_serial = lb_usb_bus_serial (bus, (guint8) raw->bus_location, raw->devnum);
  if (!guard->skip ((guint8) raw->bus_location, raw->devnum, raw->device_entry.vendor_id,
                    raw->device_entry.product_id, usb_serial, &instead, guard->user_data))
    return FALSE;
  if (instead == NULL)
    {
      instead = lb_device_info_new ();
      instead->bus = (guint8) raw->bus_location;
      instead->address = raw->devnum;
      g_ptr_array_add (left_alone, instead);
    }
  else
    g_ptr_array_add (infos, instead);
  return TRUE;
}

/* Every phone on the bus, in the bus's order (libmtp lists them backwards).
 * Phones are opened one at a time: a session is never kept while the next
 * phone is probed. */
GPtrArray *
lb_device_scan (const LbScanGuard *guard, GError **error)
{
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_device_info_free);
  g_autoptr(GPtrArray) left_alone = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_device_info_free);
  g_autoptr(LbUsbBus) bus = NULL;
  LIBMTP_raw_device_t *raw;
  guint n_found, n_left;
  int n;

  raw = detect (&n, error);
  if (raw == NULL)
    return NULL;
  bus = lb_usb_bus_new ();
  for (int i = 0; i < n; i++)
    {
      LbDeviceInfo *info;

      if (leave_alone (guard, bus, &raw[i], infos, left_alone))
        continue;
      info = probe_raw (bus, &raw[i]);
      if (guard != NULL && guard->closed != NULL)
        guard->closed (guard->user_data);
      if (info != NULL)
        g_ptr_array_add (infos, info);
    }
  free (raw);
  /* Placeholders for the phones left alone, only while charging-only
   * phones are looked for. */
  n_found = infos->len;
  n_left = left_alone->len;
  g_ptr_array_extend_and_steal (infos, g_steal_pointer (&left_alone));
  lb_usb_bus_add_charging_only (bus, infos);
  g_ptr_array_remove_range (infos, n_found, n_left);
  g_ptr_array_sort (infos, by_place_on_bus);
  return g_steal_pointer (&infos);
}

/* Opens, and keeps open, the MTP phone a scan found as `wanted`, found again
 * by its place on the bus.  *info is what it says now. */
LIBMTP_mtpdevice_t *
lb_device_scan_open (const LbDeviceInfo *wanted, LbDeviceInfo **info, GError **error)
{
  LIBMTP_mtpdevice_t *mtp = NULL;
  LIBMTP_raw_device_t *raw;
  g_autoptr(LbDeviceInfo) now = NULL;
  g_autoptr(LbUsbBus) bus = NULL;
  int n;

  raw = detect (&n, error);
  if (raw == NULL)
    return NULL;
  bus = lb_usb_bus_new ();
  for (int i = 0; i < n && now == NULL; i++)
    if (raw[i].bus_location == wanted->bus && raw[i].devnum == wanted->address)
      {
        mtp = open_unless_busy (bus, &raw[i], &now);
        if (mtp != NULL)
          now = info_from_mtp (mtp, &raw[i]);
      }
  free (raw);

  if (now == NULL || !g_str_equal (now->serial, wanted->serial))
    {
      /* Unplugged, replaced or silent in the moment since the scan. */
      lb_mtp_release (mtp);
      if (lb_device_check_present (wanted, error))
        g_set_error_literal (error, LB_ERROR, LB_ERROR_FAILED,
                             _("The phone does not answer. Disconnect it, connect it again and unlock it."));
      return NULL;
    }
  if (now->state != LB_DEVICE_READY)
    {
      lb_mtp_release (mtp);
      lb_device_error_for_state (now->state, error);
      return NULL;
    }
  *info = g_steal_pointer (&now);
  return mtp;
}

GPtrArray *
lb_device_enumerate (GError **error)
{
  if (!lb_thread_guard_check (G_STRFUNC, error))
    return NULL;
  return lb_device_scan (NULL, error);
}

GPtrArray *
lb_device_enumerate_guarded (const LbScanGuard *guard, GError **error)
{
  if (!lb_thread_guard_check (G_STRFUNC, error))
    return NULL;
  return lb_device_scan (guard, error);
}

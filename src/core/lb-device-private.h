/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the lb-device-*.c files share.  Only they include this header:
 * libmtp.h and libusb.h stay inside the device layer. */
#pragma once

#include <libmtp.h>

#include "lb-device.h"
#include "lb-hotplug.h"

G_BEGIN_DECLS

struct _LbDevice
{
  GObject parent_instance;

  LIBMTP_mtpdevice_t *mtp;  /* opened uncached; only ever touched by owner */
  LbDeviceInfo *info;
  GThread *owner;           /* a reference, so its address is never reused */
  GHashTable *lists;        /* handle → LbListSeen*: playlists and albums walks saw */
  GHashTable *walked;       /* storage ids walked to the end */
};

/* A playlist or album a walk came across (lb_device_get_lists reads them). */
typedef struct {
  LbListKind kind;
  guint32 storage_id;
  guint32 parent;
} LbListSeen;

/* lb-device.c */
gboolean lb_device_check_thread (LbDevice *self, const char *func, GError **error);

/* lb-device-mtp.c: libmtp's one-time setup and its stdout chatter. */
void lb_mtp_init (void);

typedef struct {
  int saved_stdout;
} LbQuiet;

void lb_quiet_begin (LbQuiet *quiet);
void lb_quiet_end (LbQuiet *quiet);
void lb_mtp_release (LIBMTP_mtpdevice_t *mtp);

/* lb-device-errors.c: the one place where libmtp's failures (and what
 * libusb says of the phone after one) become LbError codes and messages. */
void lb_device_error_from_mtp (LIBMTP_mtpdevice_t *mtp,
                               const LbDeviceInfo *info,
                               const char *doing,
                               GError **error);
void lb_device_error_from_mtp_about (LIBMTP_mtpdevice_t *mtp,
                                     const LbDeviceInfo *info,
                                     guint32 handle,
                                     gint64 quiet_since,
                                     const char *doing,
                                     GError **error);
/* A failed write of an object property (SetObjectPropValue).  A phone that
 * does not take the property at all is LB_ERROR_NOT_SUPPORTED; a busy one
 * LB_ERROR_DEVICE_BUSY; the rest as lb_device_error_from_mtp(). */
void lb_device_error_from_mtp_prop (LIBMTP_mtpdevice_t *mtp,
                                    const LbDeviceInfo *info,
                                    const char *doing,
                                    GError **error);
/* Whether an error from the phone may go away when asked again: DeviceBusy,
 * GeneralError and other failures without a better code.  Never an unplug,
 * a time-out, a full storage or NOT_SUPPORTED. */
gboolean lb_device_error_is_transient (const GError *error);
void lb_device_error_for_state (LbDeviceState state, GError **error);
gboolean lb_device_check_present (const LbDeviceInfo *info, GError **error);

/* lb-device-usb.c: what only libusb can tell. */
typedef struct _LbUsbBus LbUsbBus;

LbUsbBus *lb_usb_bus_new (void);
void lb_usb_bus_free (LbUsbBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbUsbBus, lb_usb_bus_free)
LbDeviceInfo *lb_usb_bus_probe_busy (LbUsbBus *bus, guint8 busnum, guint8 address);
void lb_usb_bus_add_charging_only (LbUsbBus *bus, GPtrArray *infos);
char *lb_usb_bus_serial (LbUsbBus *bus, guint8 busnum, guint8 address);
gboolean lb_usb_is_present (guint8 busnum, guint8 address, guint16 vendor_id, guint16 product_id);
gboolean lb_usb_bus_is_present (LbUsbBus *bus, guint8 busnum, guint8 address, guint16 vendor_id,
                                guint16 product_id);
struct libusb_context;
struct libusb_device;

/* lb-device-hotplug.c: the context LbHotplug waits on (lb-device-unlock.c
 * listens to phones on it). */
struct libusb_context *lb_hotplug_get_context (LbHotplug *self);

/* The interface libmtp would claim on dev (a struct libusb_device), and
 * its endpoints (0: none of that kind). */
int lb_usb_mtp_interface (struct libusb_device *dev, guint8 *bulk_in, guint8 *bulk_out, guint8 *interrupt_in);
/* A string descriptor's text (len bytes of it in buf, as the phone sent
 * them) as UTF-8, or NULL when it is not a string descriptor or not UTF-16.
 * Pure: tests/fuzz/fuzz-usb-string.c feeds it anything. */
char *lb_usb_string_decode (const guint8 *buf, int len);

/* lb-device-enumerate.c: passes over the bus. */
GPtrArray *lb_device_scan (const LbScanGuard *guard, GError **error);
/* MTP devices on the bus as libmtp detects them, before any is opened. */
guint lb_device_count_mtp (void);
LIBMTP_mtpdevice_t *lb_device_scan_open (const LbDeviceInfo *wanted, LbDeviceInfo **info, GError **error);

/* lb-device-walk.c */
gboolean lb_device_walk_internal (LbDevice *self,
                                  guint32 storage_id,
                                  LbObjectFunc func,
                                  LbSkipFunc skipped,
                                  gpointer user_data,
                                  GCancellable *cancellable,
                                  GError **error);

/* lb-device-info.c */
LbDeviceInfo *lb_device_info_new (void);
LbStorageInfo *lb_storage_info_new (void);

G_END_DECLS

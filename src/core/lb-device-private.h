/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the lb-device-*.c files share.  Only they include this header:
 * libmtp.h and libusb.h stay inside the device layer. */
#pragma once

#include <libmtp.h>

#include "lb-device.h"
#include "lb-hotplug.h"

G_BEGIN_DECLS

/* The fast listing (lb-device-proplist.c): owned by whoever made it; one
 * thread. */
typedef struct _LbListing LbListing;

struct _LbDevice
{
  GObject parent_instance;

  LIBMTP_mtpdevice_t *mtp;  /* opened uncached; only ever touched by owner */
  LbDeviceInfo *info;
  GThread *owner;           /* a reference, so its address is never reused */
  GHashTable *lists;        /* handle → LbListSeen*: playlists and albums walks saw */
  GHashTable *walked;       /* storage ids walked to the end */
  LbListing *listing;       /* the fast listing read before libmtp opened,
                             * or NULL: walks then list through libmtp;
                             * dropped at the first write */
};

/* lb-device-proplist.c: the whole object tree from one GetObjectPropList
 * answer, parsed as it streams in (pure: tests/fuzz/fuzz-proplist.c). */
typedef enum {
  LB_LISTED_STORAGE = 1 << 0,
  LB_LISTED_PARENT = 1 << 1,
  LB_LISTED_FORMAT = 1 << 2,
  LB_LISTED_SIZE = 1 << 3,
  LB_LISTED_NAME = 1 << 4,
  LB_LISTED_MTIME = 1 << 5,
  LB_LISTED_ALL = (1 << 6) - 1,
} LbListedHave;

/* One object, its fields as libmtp 1.1.20 would have made them. */
typedef struct {
  guint32 handle;
  guint32 parent;
  guint32 storage_id;
  guint16 format;
  guint8 have;              /* LbListedHave */
  guint32 filetype;         /* LIBMTP_filetype_t, from format */
  guint64 size;
  gint64 mtime;             /* DateModified through mktime(), unchecked */
  char *name;
} LbListed;


LbListing *lb_listing_new (void);
void lb_listing_free (LbListing *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbListing, lb_listing_free)
/* The data phase's payload (after the container header), in pieces of
 * any size.  FALSE (LB_ERROR_FAILED) at the first thing that cannot be. */
gboolean lb_listing_feed (LbListing *self, const guint8 *data, gsize len, GError **error);
/* After the last piece: checks the count and that every object has what a
 * walk needs, and indexes children. */
gboolean lb_listing_finish (LbListing *self, GError **error);
/* After finish: a folder's objects in the phone's order (parent 0: the
 * top of storage_id), or NULL for none.  Borrowed. */
const GPtrArray *lb_listing_children (LbListing *self, guint32 storage_id, guint32 parent);
const LbListed *lb_listing_lookup (LbListing *self, guint32 handle);
guint lb_listing_count (LbListing *self, guint32 storage_id);
guint lb_listing_size (LbListing *self);
const LbListed *lb_listing_nth (LbListing *self, guint i);
/* PTP is little-endian throughout. */
static inline guint16
lb_ptp_u16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static inline guint32
lb_ptp_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* libmtp 1.1.20's readings of a PTP string (n UTF-16LE units), a PTP date
 * and an object format. */
char *lb_ptp_string_decode (const guint8 *units, guint n);
gint64 lb_ptp_time_parse (const char *s);
guint32 lb_ptp_filetype (guint16 format);

/* lb-device-ptp.c: the fast listing, in a PTP session of Lifeboat's own
 * over libusb, before libmtp opens the phone at bus/address.  NULL (error
 * set) when the phone does not offer it or its answer does not check out;
 * the caller then lists through libmtp.  *lasting: whether the failure is
 * the phone's way (refused, malformed, inconsistent, too slow) rather than
 * a moment's (busy, locked, pulled, a transfer cut short). */
LbListing *lb_ptp_list_fetch (guint8 bus, guint8 address, gboolean *lasting, GError **error);

/* lb-device-listing.c: which route lists a phone.  The fast listing of
 * chosen (a scan's info), or NULL when libmtp is to list it (remembered
 * for phones whose fast listing failed for good). */
LbListing *lb_device_fast_listing (const LbDeviceInfo *chosen);
/* Whether libmtp's session reads the listing's objects alike (one of
 * them); remembers a phone that does not. */
gboolean lb_device_listing_agrees (LIBMTP_mtpdevice_t *mtp, const LbDeviceInfo *info, LbListing *listing);
void lb_device_listing_remember (const LbDeviceInfo *info, const char *reason);

/* A playlist or album a walk came across (lb_device_get_lists reads them). */
typedef struct {
  LbListKind kind;
  guint32 storage_id;
  guint32 parent;
} LbListSeen;

/* lb-device.c */
gboolean lb_device_check_thread (LbDevice *self, const char *func, GError **error);
/* The same for calls that change the phone: they also drop the listing. */
gboolean lb_device_check_writer (LbDevice *self, const char *func, GError **error);

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
/* A failure of Lifeboat's own PTP session (lb-device-ptp.c): a libusb
 * error (usb_error < 0), else the phone's response code. */
void lb_device_error_from_ptp (int usb_error, guint16 response, const char *doing, GError **error);
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device layer: the only place that talks to libmtp (and to libusb, to
 * find phones libmtp cannot see).
 *
 * libmtp is not thread-safe.  An LbDevice belongs to the thread that opened
 * it: every call on it must come from that thread (checked), and that
 * thread must not be a GUI's main thread (lb_device_forbid_thread()). */
#pragma once

#include <glib-object.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  LB_DEVICE_READY,          /* MTP session works and storages are visible */
  LB_DEVICE_LOCKED,         /* MTP works but no storage: the screen is locked */
  LB_DEVICE_CHARGING_ONLY,  /* a phone maker's device on the bus without MTP */
  LB_DEVICE_BUSY,           /* another program has claimed the interface */
} LbDeviceState;

/* "ready", "locked", "charging-only", "busy" (the CLI's JSON words). */
const char *lb_device_state_to_string (LbDeviceState state);

typedef enum {
  LB_STORAGE_FIXED,
  LB_STORAGE_REMOVABLE,
} LbStorageKind;

typedef struct {
  guint32 id;               /* MTP storage id, e.g. 0x00010001 */
  char *description;        /* "Internal shared storage", "SD card" */
  char *volume;             /* volume label, may be "" */
  LbStorageKind kind;
  guint64 capacity;
  guint64 free;
  guint64 max_file_size;    /* 0: no known limit */
} LbStorageInfo;

LbStorageInfo *lb_storage_info_copy (const LbStorageInfo *info);
void lb_storage_info_free (LbStorageInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbStorageInfo, lb_storage_info_free)

typedef struct {
  char *serial;             /* may be a fake shared one: match on all fields */
  guint16 vendor_id;
  guint16 product_id;
  char *manufacturer;
  char *model;
  char *firmware;           /* DeviceInfo's device version, "" if none */
  char *friendly_name;      /* "Anna's Pixel", "" if none */
  LbDeviceState state;
  guint8 bus;
  guint8 address;
  GPtrArray *storages;      /* LbStorageInfo*, empty unless READY */
} LbDeviceInfo;

LbDeviceInfo *lb_device_info_copy (const LbDeviceInfo *info);
void lb_device_info_free (LbDeviceInfo *info);
#define LB_TYPE_DEVICE_INFO (lb_device_info_get_type ())
GType lb_device_info_get_type (void) G_GNUC_CONST;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbDeviceInfo, lb_device_info_free)

/* A phone's identity as one string: serial, USB vendor id and model.
 * Cheap phones share a fake serial ("0123456789ABCDEF"), so the serial
 * alone does not tell them apart.  The product id stays out: a phone
 * changes it with its USB mode (file transfer, charging only); vendor and
 * model stay (Android's USB gadget names the model as product in every
 * mode).  A key is opaque, not for people.  What takes a serial to choose
 * a phone (lb_device_open, LbBackupOptions and LbRestoreOptions' serial,
 * lb_library_list_snapshots, lb_auto_last_backup, lb_monitor_hold, ...)
 * takes a key as well, and then matches all three. */
char *lb_device_key (const char *serial, guint16 vendor_id, const char *model);
char *lb_device_info_key (const LbDeviceInfo *info);
/* FALSE for a plain serial; otherwise the parts, each out parameter may be
 * NULL (strings newly allocated). */
gboolean lb_device_key_parse (const char *key, char **serial, guint16 *vendor_id, char **model);
/* The serial a key or a plain serial names, newly allocated. */
char *lb_device_key_dup_serial (const char *key_or_serial);
/* Whether a phone with these fields is the one key_or_serial names; model
 * NULL when it is not known yet (USB descriptors only: then serial and
 * vendor decide). */
gboolean lb_device_key_matches (const char *key_or_serial, const char *serial, guint16 vendor_id,
                                const char *model);
/* The same for a phone as listed.  A busy or charging-only phone's model
 * is its USB product string, which need not be its MTP model (Samsung's
 * is "SAMSUNG_Android"): there serial and vendor decide. */
gboolean lb_device_info_matches (const char *key_or_serial, const LbDeviceInfo *info);

/* One object as libmtp listed it.  Everything here came from the phone and
 * is untrusted: names can be empty, contain "/" or control characters. */
typedef struct {
  guint32 handle;
  guint32 parent;           /* 0: at the top of its storage */
  guint32 storage_id;
  const char *name;         /* exactly as libmtp returned it (UTF-8) */
  guint32 filetype;         /* libmtp's LIBMTP_filetype_t, needed to send it back */
  gboolean is_folder;
  guint64 size;             /* 64-bit size */
  gint64 mtime;             /* as libmtp parsed the phone's date; 0: none or unparsable */
} LbObject;

/* Playlists and albums (abstract objects on media players). */
typedef enum {
  LB_LIST_PLAYLIST,
  LB_LIST_ALBUM,
} LbListKind;

typedef struct {
  LbListKind kind;
  guint32 handle;
  guint32 storage_id;
  guint32 parent;
  char *name;
  char *artist;             /* albums; "" otherwise */
  GArray *members;          /* guint32 object handles, in order */
} LbMediaList;

void lb_media_list_free (LbMediaList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbMediaList, lb_media_list_free)

#define LB_TYPE_DEVICE (lb_device_get_type ())
G_DECLARE_FINAL_TYPE (LbDevice, lb_device, LB, DEVICE, GObject)

/* Every phone on the bus, as LbDeviceInfo*: MTP phones (opened briefly to
 * read identity, state and storages), busy ones (identity from USB
 * descriptors), and charging-only phones of known phone makers.  An empty
 * array when there is none. */
GPtrArray *lb_device_enumerate (GError **error);

/* What a scan asks before it opens a phone, so that phones the application
 * is using are left alone (LbMonitor).  skip() is called for each MTP phone
 * with its place, USB ids and the serial its USB descriptor gave the kernel
 * ("" if none): returning TRUE leaves the phone unopened and unclaimed, and
 * *instead (owned by the scan; may stay NULL to leave it out) is reported
 * for it.  After every phone skip() let through, closed() is called once
 * the scan has closed it again. */
typedef struct {
  gboolean (*skip) (guint8 bus, guint8 address, guint16 vendor_id, guint16 product_id,
                    const char *usb_serial, LbDeviceInfo **instead, gpointer user_data);
  void (*closed) (gpointer user_data);
  gpointer user_data;
} LbScanGuard;

/* lb_device_enumerate, asking guard (may be NULL) before each open. */
GPtrArray *lb_device_enumerate_guarded (const LbScanGuard *guard, GError **error);

/* Opens the phone with this serial, or the only MTP phone when serial is
 * NULL.  Fails with LB_ERROR_NO_DEVICE, _AMBIGUOUS_DEVICE, _DEVICE_BUSY,
 * _DEVICE_LOCKED (no storage visible), or _CHARGING_ONLY, each with a
 * message a person can act on. */
LbDevice *lb_device_open (const char *serial, GError **error);

/* Identity, state and storages as read when it was opened. */
const LbDeviceInfo *lb_device_get_info (LbDevice *self);

/* Called for every object of a storage, parents before their children.
 * Return FALSE to stop the walk (it then fails with G_IO_ERROR_CANCELLED). */
typedef gboolean (*LbObjectFunc) (const LbObject *object, gpointer user_data);
/* Called for an object left out, with the reason (a folder listed twice, a
 * folder inside itself, ...), so that nothing disappears silently. */
typedef void (*LbSkipFunc) (guint32 handle, const char *name, const char *reason, gpointer user_data);

/* Walks one storage folder by folder: from the fast listing read when the
 * phone was opened (no transaction at all), or, where the phone did not
 * give one that checks out and after any write through this device, in as
 * few MTP transactions as libmtp allows.  Never loops on a hostile phone:
 * each handle is reported once. */
gboolean lb_device_walk (LbDevice *self,
                         guint32 storage_id,
                         LbObjectFunc func,
                         LbSkipFunc skipped,
                         gpointer user_data,
                         GCancellable *cancellable,
                         GError **error);

/* Streams an object's bytes through func in chunks (never the whole file in
 * memory).  func returns FALSE to stop: the read then fails with
 * G_IO_ERROR_CANCELLED unless func set its own error in user_data. */
typedef gboolean (*LbDataFunc) (const guint8 *data, gsize len, gpointer user_data);
gboolean lb_device_read (LbDevice *self,
                         guint32 handle,
                         LbDataFunc func,
                         gpointer user_data,
                         GCancellable *cancellable,
                         GError **error);

/* Playlists and albums, as LbMediaList*; empty on phones without them. */
GPtrArray *lb_device_get_lists (LbDevice *self, GError **error);

/* ---- writing (restore) ------------------------------------------------ */

/* Re-reads every storage's capacity and free space into the info. */
gboolean lb_device_refresh_storages (LbDevice *self, GError **error);

/* Creates a folder; returns its handle, 0 on error.  parent 0: the top of
 * the storage.  A name the phone refuses is LB_ERROR_REFUSED.  *phone_name
 * (may be NULL; free it) gets the name the phone reports for the new
 * folder, which may differ from name (Android trims names on memory
 * cards), or NULL when the phone did not say. */
guint32 lb_device_create_folder (LbDevice *self, guint32 storage_id, guint32 parent,
                                 const char *name, char **phone_name, GError **error);

/* Supplies the next bytes of a file being sent: fills up to len bytes of
 * buf and returns how many, 0 at its end, or -1 to fail the send. */
typedef gssize (*LbFillFunc) (guint8 *buf, gsize len, gpointer user_data);

/* Sends a file of exactly size bytes, streamed through fill (never whole in
 * memory).  Returns the new object's handle and, in *phone_mtime, the date
 * the phone gave it (libmtp stamps the time of the transfer), in
 * *phone_name (may be NULL; free it) the name it reports, as for
 * lb_device_create_folder().  Errors:
 * LB_ERROR_STORAGE_FULL (StoreFull, also part-way), LB_ERROR_REFUSED (the
 * phone refused the name, or ObjectTooLarge), LB_ERROR_DEVICE_GONE,
 * G_IO_ERROR_CANCELLED, LB_ERROR_FAILED. */
guint32 lb_device_send_file (LbDevice *self, guint32 storage_id, guint32 parent, const char *name,
                             guint32 filetype, guint64 size, LbFillFunc fill, gpointer user_data,
                             gint64 *phone_mtime, char **phone_name, GCancellable *cancellable,
                             GError **error);

/* Sets an object's DateModified.  LB_ERROR_NOT_SUPPORTED when the phone
 * takes no date for any object, as Android; a busy or flaky answer is asked
 * again (twice), then fails with what the phone said for this object
 * alone (LB_ERROR_DEVICE_BUSY, LB_ERROR_FAILED, ...). */
gboolean lb_device_set_mtime (LbDevice *self, guint32 handle, gint64 mtime, GError **error);

gboolean lb_device_delete (LbDevice *self, guint32 handle, GError **error);

/* Creates a playlist or album (list->kind, storage_id, parent, name, artist,
 * members) and returns its handle; LB_ERROR_NOT_SUPPORTED on phones without
 * abstract lists (Android). */
guint32 lb_device_create_list (LbDevice *self, const LbMediaList *list, GError **error);

/* GUIs call this once from their main thread: device calls and
 * lb_library_open from it then fail with a critical (fatal in tests). */
void lb_device_forbid_thread (GThread *thread);

G_END_DECLS

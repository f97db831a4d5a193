/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of the library (lb-library*.c, lb-snapshot-writer.c,
 * lb-blob-store.c) share. */
#pragma once

#include "lb-library.h"
#include "lb-db.h"

G_BEGIN_DECLS

struct _LbLibrary {
  GObject parent_instance;
  char *path;
  LbLibraryMode mode;
  GThread *owner;            /* the thread that opened it: the only one allowed */
  int lock_fd;
  LbDb *db;
  LbSnapshotWriter *writer;  /* the one being written, if any (it holds a ref on us) */
};

/* Chooses devices d by what lb_library_bind_device bound as ?1..?3: a
 * serial, or a device key (lb-device.h) and then vendor and model too; ?1
 * NULL: every device. */
#define LB_SQL_DEVICE_CHOSEN \
  "(?1 IS NULL OR (d.serial = ?1 AND (?2 IS NULL OR (d.vendor_id = ?2 AND d.model = ?3))))"
void lb_library_bind_device (LbStmt *stmt, const char *key_or_serial);

/* The check every entry point makes: a library (like its SQLite
 * connection) is used only from the thread that opened it. */
gboolean lb_library_owned (LbLibrary *self);

/* ENOSPC and EDQUOT are LB_ERROR_STORAGE_FULL; other errnos G_IO_ERROR. */
void lb_library_set_io_error (GError **error, int errsv, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* fsync()s a folder, so that a rename or a new entry in it is durable. */
gboolean lb_library_sync_dir (const char *dir, GError **error);

/* A library folder (open as fd; dir names it in messages) is its owner's
 * alone: one that belongs to another user is refused with
 * LB_ERROR_LIBRARY_UNSAFE, one that others may read or write is made 0700,
 * with a warning when it already held a library (warn). */
gboolean lb_library_make_private (int fd, const char *dir, gboolean warn, GError **error);

/* Whether a file name is a blob's: 64 lower-case hex digits. */
gboolean lb_blob_name_valid (const char *name);

/* The blobs row's id for this content; 0 with no error when there is none. */
gint64 lb_library_blob_id (LbLibrary *self, const char *sha256, GError **error);
/* The blob's id, or FALSE with LB_ERROR_NOT_FOUND when the catalog has no
 * such blob. */
gboolean lb_library_require_blob (LbLibrary *self, const char *sha256, gint64 *id, GError **error);

/* The device and seq of a snapshot, LB_ERROR_NOT_FOUND when there is none. */
gboolean lb_library_snapshot_key (LbLibrary *self, gint64 id, gint64 *device_id, gint64 *seq,
                                  GError **error);

/* "/" + storage + "/" + names joined by "/".  LB_ERROR_NOT_FOUND when there
 * is no such path, LB_ERROR_LIBRARY_DAMAGED when its folders do not lead to
 * the top (a damaged catalog). */
char *lb_library_phone_path (LbLibrary *self, gint64 path_id, GError **error);
/* Deeper than any phone's folders: a climb that goes on is a loop in a
 * damaged catalog. */
#define LB_MAX_FOLDER_DEPTH 10000
/* The phone path of folder id, joined in C and kept in folders (gint64*
 * id -> char* path, both freed by the table) for its other files and
 * subfolders: one small query per folder, not one per file. */
const char *lb_library_folder_path (LbLibrary *self, GHashTable *folders, gint64 id, GError **error);
/* The phone path of a paths row whose parent id (0 at the top), storage
 * and name are stmt's columns col, col + 1 and col + 2 (newly allocated). */
char *lb_library_row_path (LbLibrary *self, GHashTable *folders, LbStmt *stmt, int col, GError **error);

/* The devices row of this device, created when new.  With new_seq it also
 * hands out the device's next snapshot seq in *seq (seq may be NULL
 * otherwise).  Runs in the caller's transaction. */
gboolean lb_library_upsert_device (LbLibrary *self, const LbDeviceInfo *device, gboolean new_seq,
                                   gint64 *device_id, gint64 *seq, GError **error);

/* The blob the restore journal recorded as sent to this device's storage
 * and path (names below the storage joined by "/") with this size and
 * date, or NULL; NULL too for phone_mtime 0.  Never fails: trouble reading
 * the catalog is logged and counts as "nothing recorded". */
char *lb_library_journal_find (LbLibrary *self, gint64 device_id, const char *storage,
                               const char *path, guint64 size, gint64 phone_mtime);

/* The tables whose rows a copy of the catalog must hold as many of. */
typedef enum {
  LB_CATALOG_DEVICES, LB_CATALOG_SNAPSHOTS, LB_CATALOG_PATHS, LB_CATALOG_VERSIONS, LB_CATALOG_BLOBS,
  LB_CATALOG_N_COUNTED
} LbCatalogTable;
/* Their names, for messages. */
extern const char *const lb_catalog_counted_tables[LB_CATALOG_N_COUNTED];
/* Each table's row count, of a catalog connection or of an open library. */
gboolean lb_catalog_count_rows (LbDb *db, gint64 counts[LB_CATALOG_N_COUNTED], GError **error);
gboolean lb_library_count_rows (LbLibrary *self, gint64 counts[LB_CATALOG_N_COUNTED], GError **error);
/* What tells one state of a catalog from a later one: its snapshots (how
 * many, the newest, which prune never removes) and how many versions and
 * blobs it holds.  Unlike the files' sizes and times, a reader's
 * checkpoint leaves it alone. */
char *lb_catalog_stamp (LbDb *db, GError **error);

G_END_DECLS

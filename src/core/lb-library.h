/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library: an SQLite catalog (LIBRARY/catalog.db) and a content-addressed
 * blob store (LIBRARY/blobs/ab/abcdef..., named by SHA-256).
 *
 * Snapshots share what did not change.  A *path* is where an object lives on
 * a device (storage, parent path, name, ordinal among equal names); a
 * *version* is what was at a path over a run of that device's snapshots,
 * [first_seq, last_seq] in the device's own snapshot sequence.  A new
 * snapshot that finds a path unchanged only moves last_seq: no new row.
 *
 * Locking: LIBRARY/lock carries Linux OFD byte-range locks (lb-lock.h):
 * byte 0 exclusive for the one writer (backup, restore, prune), byte 1
 * shared by readers and exclusive only for prune, so readers never wait for
 * a backup (they read WAL snapshots) and a backup never waits for readers.
 *
 * An LbLibrary, like the SQLite connection inside it, belongs to the thread
 * that opened it. */
#pragma once

#include <glib-object.h>
#include <gio/gio.h>
#include "lb-device.h"

G_BEGIN_DECLS

typedef enum {
  LB_LIBRARY_READ,   /* shared lock */
  LB_LIBRARY_WRITE,  /* exclusive lock; LB_ERROR_LIBRARY_LOCKED when taken */
} LbLibraryMode;

typedef enum {
  LB_SNAPSHOT_RUNNING,
  LB_SNAPSHOT_COMPLETE,
  LB_SNAPSHOT_INTERRUPTED,
} LbSnapshotState;

/* "running", "complete", "interrupted" */
const char *lb_snapshot_state_to_string (LbSnapshotState state);

typedef struct {
  gint64 id;
  gint64 device_id;
  gint64 seq;                 /* 1, 2, 3... per device */
  char *serial;
  guint16 vendor_id;
  guint16 product_id;
  char *manufacturer;
  char *model;
  char *firmware;
  char *friendly_name;
  gint64 started;             /* Unix seconds, UTC */
  gint64 finished;            /* 0 while running, or unknown (a writer that died) */
  LbSnapshotState state;
  guint64 files;
  guint64 folders;
  guint64 bytes;              /* size of the phone's files */
  guint64 transferred_bytes;  /* read from the phone for this snapshot */
  guint64 new_bytes;          /* growth of the blob store */
  guint64 skipped;            /* objects left out, with reasons in the catalog */
  gboolean automatic;         /* made by an automatic backup, not asked for */
} LbSnapshot;

LbSnapshot *lb_snapshot_copy (const LbSnapshot *snapshot);
void lb_snapshot_free (LbSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbSnapshot, lb_snapshot_free)

/* One object of a snapshot. */
typedef struct {
  gint64 path_id;
  gint64 parent_id;           /* 0 at the top of a storage */
  char *storage;              /* storage description */
  char *name;                 /* exactly as the phone gave it */
  guint ordinal;              /* 0 for the first of equal names in a folder */
  gboolean is_folder;
  guint32 filetype;           /* libmtp's LIBMTP_filetype_t */
  guint64 size;
  gint64 mtime;               /* 0: none */
  char *blob;                 /* SHA-256 hex, NULL for folders and unstored files */
  char *phone_path;           /* "/Internal shared storage/DCIM/a.jpg": names joined
                               * by "/" for display and --only matching; not a key */
} LbEntry;

void lb_entry_free (LbEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbEntry, lb_entry_free)

#define LB_TYPE_LIBRARY (lb_library_get_type ())
G_DECLARE_FINAL_TYPE (LbLibrary, lb_library, LB, LIBRARY, GObject)

/* $XDG_DATA_HOME/lifeboat */
char *lb_library_default_path (void);

/* Opens the library in dir.  create: make it when dir does not exist (only
 * for the default location; a configured library that is missing, e.g. on a
 * disk that is not mounted, is LB_ERROR_LIBRARY_MISSING and nothing is
 * created).  A writer also empties tmp/ and marks `running` snapshots whose
 * writer is gone as `interrupted`.  LB_ERROR_LIBRARY_DAMAGED when the catalog
 * is not a Lifeboat catalog or is newer than this program. */
LbLibrary *lb_library_open (const char *dir, gboolean create, LbLibraryMode mode, GError **error);
const char *lb_library_get_path (LbLibrary *self);

/* ---- reading ---------------------------------------------------------- */

/* Newest first; serial: a serial, or a device key (lb-device.h) for one
 * phone of those sharing a serial; NULL for every device. */
GPtrArray *lb_library_list_snapshots (LbLibrary *self, const char *serial, GError **error);
/* LB_ERROR_NOT_FOUND when there is no such snapshot. */
LbSnapshot *lb_library_get_snapshot (LbLibrary *self, gint64 id, GError **error);
/* Every object of a snapshot as LbEntry*, parents before children, in
 * lb_entry_compare's order. */
GPtrArray *lb_library_list_entries (LbLibrary *self, gint64 snapshot_id, GError **error);
/* By storage, phone_path (bytes), ordinal, folders first; 0: the same
 * place, which two snapshots (of any phones) can be matched on. */
int lb_entry_compare (const LbEntry *a, const LbEntry *b);
/* A file earlier snapshots of a phone hold and a later one does not. */
typedef struct {
  char *phone_path;
  guint64 size;
  gint64 mtime;
  char *blob;                 /* SHA-256, NULL when no copy was stored */
  gint64 last_snapshot_id;    /* the newest complete snapshot that holds it */
  gint64 last_seen;           /* when that one began (Unix seconds) */
  gint64 gone_snapshot_id;    /* the first complete snapshot after it without it */
  gint64 gone_at;             /* when that one began */
  char *moved_to;             /* its content is still in the snapshot asked about,
                               * at this phone path: moved, not deleted; or NULL */
} LbDeletedFile;

void lb_deleted_file_free (LbDeletedFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbDeletedFile, lb_deleted_file_free)

/* The files that earlier complete snapshots of snapshot_id's phone hold and
 * snapshot_id does not (its newest version each), most recently gone first,
 * as LbDeletedFile*.  Folders are left out: their files say it. */
GPtrArray *lb_library_list_deleted (LbLibrary *self, gint64 snapshot_id, GError **error);
/* One version of a file found by name: where, what, and the snapshots
 * (not running) that hold it. */
typedef struct {
  char *phone_path;
  guint64 size;
  gint64 mtime;
  char *blob;                 /* SHA-256, NULL when no copy was stored */
  GArray *snapshot_ids;       /* gint64, oldest first */
} LbFoundFile;

void lb_found_file_free (LbFoundFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbFoundFile, lb_found_file_free)

/* Every version of a file of snapshot_id's phone, across its whole
 * history, whose name contains text (case folded in ASCII) and whose date
 * is in [from, to) (0: no bound), by phone path then age, as LbFoundFile*.
 * A renamed file is found under each name for the snapshots that had it. */
GPtrArray *lb_library_find (LbLibrary *self, gint64 snapshot_id, const char *text, gint64 from, gint64 to,
                            GError **error);
/* Where a blob lives: LIBRARY/blobs/ab/abcdef... (it may be missing). */
char *lb_library_blob_path (LbLibrary *self, const char *sha256);
/* The SHA-256 (hex) of a stored file as it is on the disk, not in the page
 * cache, read through buf (buflen bytes), and its length in *size; NULL
 * with errno set when it cannot be read.  progress, when given, hears of
 * each read's bytes (for a job's progress and its cancellable). */
typedef void (*LbHashProgressFunc) (gsize bytes, gpointer data);
char *lb_blob_hash_file (const char *path, guint8 *buf, gsize buflen, guint64 *size,
                         LbHashProgressFunc progress, gpointer data);
/* Playlists and albums of a snapshot: LbSnapshotList*. */
typedef struct {
  LbListKind kind;
  char *storage;
  char *name;
  char *artist;
  GArray *members;            /* gint64 path ids, in order */
} LbSnapshotList;
void lb_snapshot_list_free (LbSnapshotList *list);
GPtrArray *lb_library_list_media_lists (LbLibrary *self, gint64 snapshot_id, GError **error);
/* Objects a snapshot left out, as "name: reason" strings. */
GPtrArray *lb_library_list_skipped (LbLibrary *self, gint64 snapshot_id, GError **error);

/* A snapshot's storages as LbStorageInfo*, in the phone's order. */
GPtrArray *lb_library_list_storages (LbLibrary *self, gint64 snapshot_id, GError **error);

/* ---- the restore journal (LB_LIBRARY_WRITE to record) ------------------- */

/* Records, durably and at once, that a file was sent to a phone: the target
 * device, the storage description and the path below it ("DCIM/a.jpg",
 * names joined by "/"), its size, the date the phone gave the new object,
 * and the blob it came from.  A rerun of the restore skips what is recorded
 * and still on the phone; the next backup of that phone reuses the blob for
 * a file with the same storage, path, size and date instead of reading it. */
gboolean lb_library_journal_record (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                                    const char *path, guint64 size, gint64 phone_mtime,
                                    const char *blob, GError **error);
/* The blob recorded as sent there with that size and date, or NULL. */
char *lb_library_journal_lookup (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                                 const char *path, guint64 size, gint64 phone_mtime);

/* ---- checking --------------------------------------------------------- */

/* SQLite's integrity and foreign-key checks; each problem as a string in
 * *problems.  FALSE (with an error) only when the checks could not run. */
gboolean lb_library_check_catalog (LbLibrary *self, GPtrArray **problems, GError **error);
/* Every blob the catalog references (snapshot_id 0: of every snapshot) as
 * "sha256" strings with their sizes in *sizes (guint64), sorted. */
GPtrArray *lb_library_list_blobs (LbLibrary *self, gint64 snapshot_id, GArray **sizes, GError **error);
/* Snapshots (ids, gint64) and phone paths whose entries use this blob. */
gboolean lb_library_blob_users (LbLibrary *self, const char *sha256, GArray **snapshot_ids,
                                GPtrArray **phone_paths, GError **error);

/* ---- writing a snapshot (LB_LIBRARY_WRITE only) ------------------------- */

typedef struct _LbSnapshotWriter LbSnapshotWriter;

/* Creates a `running` snapshot of this device and opens a transaction.
 * _full: automatic says an automatic backup makes it (LbSnapshot.automatic). */
LbSnapshotWriter *lb_library_begin_snapshot (LbLibrary *self, const LbDeviceInfo *device, GError **error);
LbSnapshotWriter *lb_library_begin_snapshot_full (LbLibrary *self, const LbDeviceInfo *device, gboolean automatic,
                                                  GError **error);
gint64 lb_snapshot_writer_get_id (LbSnapshotWriter *w);
gboolean lb_snapshot_writer_add_storage (LbSnapshotWriter *w, const LbStorageInfo *storage, GError **error);

/* The path for an object: found or created, with the next free ordinal for
 * this (storage, parent, name, kind) within this snapshot, so equal names in
 * one folder map to the same paths in the same listing order every time.
 * parent is 0 at the top of a storage. */
gint64 lb_snapshot_writer_path (LbSnapshotWriter *w, const char *storage, gint64 parent,
                                const char *name, gboolean is_folder, GError **error);

/* The blob a snapshot of this device (any state: an interrupted one's
 * finished files count) stored at this path with this size and date, or
 * that the restore journal says was sent there with that size and date; or
 * NULL.  Never for mtime 0. */
char *lb_snapshot_writer_reusable_blob (LbSnapshotWriter *w, gint64 path_id, guint64 size, gint64 mtime);

/* Records what is at a path in this snapshot.  Extends the path's latest
 * version when it is identical and ran up to the previous snapshot; inserts
 * a new version otherwise.  blob NULL for folders (and for a file whose
 * content could not be stored, which then counts as skipped). */
gboolean lb_snapshot_writer_record (LbSnapshotWriter *w, gint64 path_id, guint32 filetype,
                                    guint64 size, gint64 mtime, const char *blob, GError **error);

/* A playlist or album, members as path ids of this snapshot. */
gboolean lb_snapshot_writer_add_list (LbSnapshotWriter *w, LbListKind kind, const char *storage,
                                      const char *name, const char *artist, const gint64 *members,
                                      guint n_members, GError **error);
/* An object left out, with the reason, so the snapshot says what is missing. */
gboolean lb_snapshot_writer_skip (LbSnapshotWriter *w, const char *name, const char *reason, GError **error);

/* Adds to the snapshot's counters (files, folders, bytes, transferred, new). */
void lb_snapshot_writer_count (LbSnapshotWriter *w, guint64 files, guint64 folders, guint64 bytes,
                               guint64 transferred_bytes, guint64 new_bytes);

/* Commits what was recorded so far and opens the next transaction, so an
 * interruption keeps it. */
gboolean lb_snapshot_writer_checkpoint (LbSnapshotWriter *w, GError **error);
/* Marks the snapshot complete (or interrupted) in one durable commit
 * (synchronous=FULL) and frees the writer. */
gboolean lb_snapshot_writer_finish (LbSnapshotWriter *w, LbSnapshotState state, GError **error);
/* Without finish: rolls back the open transaction, marks the snapshot
 * interrupted if it can, and frees. */
void lb_snapshot_writer_free (LbSnapshotWriter *w);

/* ---- the blob store ----------------------------------------------------- */

typedef struct _LbBlobWriter LbBlobWriter;

/* A new blob, written to LIBRARY/tmp/ while it is hashed. */
LbBlobWriter *lb_library_new_blob (LbLibrary *self, GError **error);
/* Appends data; runs of zeros become holes. */
gboolean lb_blob_writer_write (LbBlobWriter *w, const guint8 *data, gsize len, GError **error);
guint64 lb_blob_writer_get_size (LbBlobWriter *w);
/* fsyncs, renames into blobs/ (or drops the temp file when that content is
 * already there), fsyncs the folder, and records the blob.  Returns the
 * SHA-256 in hex; *is_new tells whether the store grew.  Frees w. */
char *lb_blob_writer_finish (LbBlobWriter *w, gboolean *is_new, GError **error);
/* Drops an unfinished blob and its temp file. */
void lb_blob_writer_free (LbBlobWriter *w);

G_END_DECLS

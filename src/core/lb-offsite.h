/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Off-site copies of the library in a restic repository.
 *
 * A push copies one consistent view: the catalog, taken with SQLite's online
 * backup API at one moment into LIBRARY/offsite/catalog.db, and all of
 * LIBRARY/blobs/ (a superset of the blobs that catalog names: blobs enter
 * blobs/ before the catalog records them, and only prune removes them).  The
 * library's reader lock is held for the whole restic run, so prune cannot
 * remove a blob under it, while a backup goes on unhindered.  restic runs in
 * the library with the same two relative paths each time, so it finds the
 * previous push as its parent and skips unchanged blobs without reading
 * them.
 *
 * Each push is tagged "lifeboat" and "lifeboat-snapshots=1-4.7" (the
 * complete library snapshots its catalog holds), which offsite list shows.
 *
 * Push never runs `restic unlock`: a push that died leaves a non-exclusive
 * lock, which does not stop the next push (restic's backups share).  Check,
 * which needs an exclusive lock, runs it first: it removes stale locks only.
 *
 * All functions block: run them on a worker thread.  Returned structures
 * belong to the caller. */
#pragma once

#include <gio/gio.h>
#include "lb-restic.h"

G_BEGIN_DECLS

typedef struct {
  const char *phase;          /* translated: "Copying the catalog", "Sending", "Restoring"... */
  double fraction;            /* 0..1, or -1 when unknown */
  guint64 bytes_done, bytes_total;
  guint64 files_done, files_total;
} LbOffsiteProgress;

/* Called on the worker thread. */
typedef void (*LbOffsiteProgressFunc) (const LbOffsiteProgress *p, gpointer user_data);

/* restic init. */
gboolean lb_offsite_init (const LbResticRepo *repo, GCancellable *cancellable, GError **error);

typedef struct {
  char *restic_id;            /* the new restic snapshot, as restic names it (0.14: its short id) */
  guint64 bytes_added;        /* what restic added to the repository (data_added) */
  guint64 bytes_processed;    /* what the push covered */
  guint64 files_new, files_changed, files_unmodified;
  double seconds;             /* restic's own duration */
  GArray *library_snapshots;  /* gint64: complete snapshots the copied catalog holds */
} LbOffsitePush;

void lb_offsite_push_free (LbOffsitePush *push);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbOffsitePush, lb_offsite_push_free)

/* Copies the library in library_dir.  Errors: those of lb_library_open
 * (LB_ERROR_LIBRARY_LOCKED while prune runs, or while another push of this
 * library runs), those of lb_restic_run.  The library is never changed,
 * apart from the staging copy in LIBRARY/offsite/, removed again at the end. */
LbOffsitePush *lb_offsite_push (const char *library_dir, const LbResticRepo *repo,
                                LbOffsiteProgressFunc progress, gpointer user_data,
                                GCancellable *cancellable, GError **error);

typedef struct {
  char *restic_id;
  char *short_id;
  char *parent;               /* restic's parent snapshot, or NULL */
  gint64 time;                /* Unix seconds */
  char *hostname;
  char *library_path;         /* where the library was on that PC */
  GArray *library_snapshots;  /* gint64 */
} LbOffsiteCopy;

void lb_offsite_copy_free (LbOffsiteCopy *copy);

/* Lifeboat's copies in the repository, oldest first, as LbOffsiteCopy*. */
GPtrArray *lb_offsite_list (const LbResticRepo *repo, GCancellable *cancellable, GError **error);

/* Rebuilds a library in dest (absent, or an empty folder) from the copy `at` (a restic snapshot id, or NULL for the newest
 * Lifeboat copy); missing parent folders are created.  The files arrive in dest/.lifeboat-offsite-partial/ and
 * become a library only when all are there, with private modes (folders
 * 0700, files 0600).  The catalog passes SQLite's checks before this
 * returns.  Errors: LB_ERROR_BAD_INPUT (dest not empty, or `at` is not a
 * Lifeboat copy), LB_ERROR_LIBRARY_DAMAGED, those of lb_restic_run. */
gboolean lb_offsite_restore (const LbResticRepo *repo, const char *at, const char *dest,
                             LbOffsiteProgressFunc progress, gpointer user_data,
                             GCancellable *cancellable, GError **error);

/* restic unlock (stale locks only: a push that died leaves one, and check
 * needs the repository to itself), restic check (with --read-data-subset
 * when given: "10%", "1/5"...), then
 * the copy `at` (NULL: the newest) restored into a temporary folder, which
 * needs room for the whole library, and verified as `verify` does.
 * Returns the verify's problems (LbProblem*, see lb-verify.h; empty when
 * all is well), or NULL with an error: restic's (LB_ERROR_LIBRARY_DAMAGED
 * when its check finds the repository damaged) or the restore's. */
GPtrArray *lb_offsite_check (const LbResticRepo *repo, const char *at, const char *read_data_subset,
                             LbOffsiteProgressFunc progress, gpointer user_data,
                             GCancellable *cancellable, GError **error);

/* Snapshot ids (gint64, ascending) as ranges: "1-4" + separator + "7". */
char *lb_offsite_format_ranges (GArray *ids, const char *separator);

/* Folder names inside a library and a restore's destination. */
#define LB_OFFSITE_STAGING "offsite"
#define LB_OFFSITE_PARTIAL ".lifeboat-offsite-partial"

G_END_DECLS

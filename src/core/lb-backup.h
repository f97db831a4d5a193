/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The backup job: one snapshot of one phone into the library.
 *
 * lb_backup_run runs in a worker thread of the caller's (a GTask), which
 * owns both the device and the library for the job's whole life, as each
 * requires. */
#pragma once

#include <gio/gio.h>
#include "lb-library.h"

G_BEGIN_DECLS

typedef enum {
  LB_BACKUP_OPENING,
  LB_BACKUP_LISTING,
  LB_BACKUP_COPYING,
  LB_BACKUP_FINISHING,
} LbBackupPhase;

typedef struct {
  LbBackupPhase phase;
  guint64 objects_listed;   /* while listing */
  guint64 files_done;       /* files stored or recognised as unchanged */
  guint64 files_total;      /* known once listing is done */
  guint64 bytes_done;       /* of bytes_total, unchanged files included */
  guint64 bytes_total;
  guint64 transferred;      /* bytes read from the phone so far */
  const char *current;      /* phone path being copied, or NULL */
  gint64 eta_seconds;       /* -1 while unknown */
} LbBackupProgress;

/* Called on the worker thread, at most about ten times a second; a front
 * end passes it on to its own thread. */
typedef void (*LbBackupProgressFunc) (const LbBackupProgress *progress, gpointer user_data);

/* A copy to hand to another thread (current copied too); free with
 * lb_backup_progress_free, which takes NULL. */
LbBackupProgress *lb_backup_progress_copy (const LbBackupProgress *progress);
void lb_backup_progress_free (LbBackupProgress *progress);

typedef struct {
  const char *library;      /* the library's folder */
  gboolean create_library;  /* may create it (the default location only) */
  const char *serial;       /* or a device key (lb-device.h); NULL: the only phone connected */
  /* 0, or (with serial): when the library already holds a complete
   * snapshot of this phone begun at or after this time (Unix seconds),
   * do nothing and fail with LB_ERROR_UP_TO_DATE.  Decided once the
   * library is held for writing, so that a backup someone else made
   * while this one waited for the library counts. */
  gint64 unless_since;
  /* An automatic backup (docked), not one someone asked for: the snapshot
   * says so (LbSnapshot.automatic). */
  gboolean automatic;
} LbBackupOptions;

/* Runs a backup in the calling thread: the snapshot on success (complete).
 * On cancel or failure after the snapshot was begun, the snapshot is left
 * `interrupted` with what was done, and the error says why. */
LbSnapshot *lb_backup_run (const LbBackupOptions *options,
                           LbBackupProgressFunc progress,
                           gpointer progress_data,
                           GCancellable *cancellable,
                           GError **error);

G_END_DECLS

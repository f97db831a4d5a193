/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Restore and migrate: put a snapshot back onto a phone, the same one or a
 * new handset.  A plan comes first and nothing is written to the phone
 * before it shows that everything fits. */
#pragma once

#include <gio/gio.h>
#include "lb-library.h"

G_BEGIN_DECLS

typedef struct {
  const char *library;
  gint64 snapshot_id;
  const char *serial;             /* target phone (or its device key, lb-device.h); NULL: the only one */
  const char *const *only;        /* phone paths to restore; NULL: all */
  const char *const *map;         /* "SD card=Internal shared storage" */
  gboolean to_new_device;         /* allow a target other than the snapshot's phone */
  gboolean mirror;                /* replace and remove what differs on the phone */
  gboolean rename_invalid;        /* make names the phone refuses acceptable */
  gboolean no_merge;              /* a snapshot storage the phone has no storage
                                   * for is left out, not put onto another */
  gboolean dry_run;               /* plan only */
  gboolean plain_hints;           /* a front end without options (the window):
                                   * messages say what to do without naming
                                   * --map, --only or --rename-invalid */
} LbRestoreOptions;

typedef enum {
  LB_RESTORE_SEND,                /* not on the phone: send it */
  LB_RESTORE_IDENTICAL,           /* already there and the same: skip */
  LB_RESTORE_CONFLICT,            /* a different file is there: send ours beside it */
  LB_RESTORE_REPLACE,             /* --mirror: replace the phone's file */
  LB_RESTORE_REMOVE,              /* --mirror: not in the snapshot, remove it */
  LB_RESTORE_CANNOT,              /* the phone cannot take it (reason says why) */
} LbRestoreActionKind;

typedef struct {
  LbRestoreActionKind kind;
  char *phone_path;               /* as in the snapshot (or on the phone, for REMOVE) */
  char *target_path;              /* where it goes: "/Storage/dir/name" */
  char *reason;                   /* CANNOT: why; CONFLICT and renames: the new name */
  guint64 size;
} LbRestoreAction;

typedef struct {
  char *source;                   /* storage description in the snapshot */
  char *target;                   /* on the phone, or NULL when unmapped */
  guint64 files;                  /* to send */
  guint64 bytes;                  /* to send */
  guint64 folders;                /* to create */
  guint64 identical;
  guint64 free;
  guint64 capacity;
  gboolean fits;                  /* target's free space holds what every storage
                                   * mapped onto it sends */
  gboolean merged;                /* the phone has no storage of its own for it:
                                   * it goes onto target, into its folders */
  gboolean left_out;              /* none for it and no_merge (or no_room): nothing
                                   * of it is sent; files and bytes count what it holds */
  gboolean no_room;               /* left out because, merged, it would not fit */
} LbRestoreStorage;

typedef struct {
  LbSnapshot *snapshot;
  LbDeviceInfo *target;
  gboolean migration;             /* the target is not the snapshot's phone */
  GPtrArray *storages;            /* LbRestoreStorage* */
  GPtrArray *actions;             /* LbRestoreAction*, in push order */
  GPtrArray *problems;            /* char*: what stops the restore */
  gboolean fits;                  /* no problem: it may go ahead */
} LbRestorePlan;

/* An empty plan whose arrays free what is added to them (g_new0'd
 * LbRestoreStorage and LbRestoreAction with g_strdup'd strings, strings). */
LbRestorePlan *lb_restore_plan_new (void);
void lb_restore_plan_free (LbRestorePlan *plan);
/* One line (translated, newly allocated) about a storage that was merged
 * onto another or left out, or NULL: what a summary says instead of one
 * line per file.  plain_hints as in LbRestoreOptions. */
char *lb_restore_storage_note (const LbRestoreStorage *s, gboolean plain_hints);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbRestorePlan, lb_restore_plan_free)

typedef struct {
  guint64 files_done;
  guint64 files_total;
  guint64 bytes_done;
  guint64 bytes_total;
  const char *current;
  gint64 eta_seconds;             /* -1 while unknown */
  gboolean planning;              /* still reading what the phone holds */
  guint64 objects_listed;         /* of the phone's, read so far */
} LbRestoreProgress;

typedef void (*LbRestoreProgressFunc) (const LbRestoreProgress *progress, gpointer user_data);

typedef struct {
  LbRestorePlan *plan;
  guint64 sent;
  guint64 sent_bytes;
  guint64 identical;
  guint64 conflicts;              /* sent under a "(restored DATE)" name */
  guint64 removed;
  guint64 lists;                  /* playlists and albums recreated */
  GPtrArray *failed;              /* char*: "path: why" */
  guint64 dates_kept;
  guint64 dates_lost;             /* the phone set the time of the transfer */
  guint64 dates_failed;           /* the phone takes dates, but not this file's (in notes) */
  GPtrArray *notes;               /* char*: "path: what the phone did otherwise" (another
                                   * name, a date it would not take); restored all the same */
  gboolean interrupted;
} LbRestoreReport;

void lb_restore_report_free (LbRestoreReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbRestoreReport, lb_restore_report_free)

/* Plans, and unless options->dry_run, pushes.  Runs in the calling thread,
 * which owns the phone and the library meanwhile.  A plan that does not fit,
 * or a migration without to_new_device, fails before anything is written
 * (LB_ERROR_STORAGE_FULL, LB_ERROR_BAD_INPUT) and still returns its report
 * in *report so the front end can show the plan. */
LbRestoreReport *lb_restore_run (const LbRestoreOptions *options,
                                 LbRestoreProgressFunc progress,
                                 gpointer progress_data,
                                 GCancellable *cancellable,
                                 LbRestoreReport **failed_report,
                                 GError **error);

G_END_DECLS

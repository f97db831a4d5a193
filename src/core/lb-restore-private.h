/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What planning a restore (lb-restore-plan.c) and pushing it
 * (lb-restore.c) share: the job's state and the plan's steps. */
#pragma once

#include "lb-restore.h"

G_BEGIN_DECLS

/* The journal's date for a file being sent: no phone dates a file so. */
#define LB_RESTORE_IN_FLIGHT (-1)

/* What the phone already holds at a path. */
typedef struct {
  guint32 handle;
  guint64 size;
  gint64 mtime;
  gboolean is_folder;
  gboolean matched;          /* the snapshot has something here */
} TargetObject;

/* An entry of the plan with what the push needs. */
typedef struct {
  LbRestoreActionKind kind;
  LbEntry *entry;            /* NULL for REMOVE */
  const LbStorageInfo *storage;
  char *name;                /* the name it gets on the phone */
  char *rel;                 /* path below the storage on the phone */
  guint32 existing;          /* handle of what is there (IDENTICAL, REPLACE, REMOVE) */
  char *reason;              /* CANNOT: why */
} Step;

/* The blob the restore journal records as sent to rel on the storage
 * described so, with that size and date, or NULL.  Owned by the caller. */
typedef char *(*LbRestoreJournalFunc) (gpointer data, const char *storage, const char *rel, guint64 size,
                                       gint64 mtime);

typedef struct {
  LbLibrary *library;
  LbDevice *device;
  const LbDeviceInfo *info;  /* the target phone's, for planning */
  LbRestoreJournalFunc journal;
  gpointer journal_data;
  const LbRestoreOptions *options;
  GCancellable *cancellable;
  LbRestoreProgressFunc progress_func;
  gpointer progress_data;
  LbRestoreProgress progress;
  gint64 last_progress;
  gint64 started;

  LbRestorePlan *plan;
  GPtrArray *entries;        /* LbEntry* of the snapshot */
  GPtrArray *steps;          /* Step* */
  GHashTable *targets;       /* "storage id/rel" -> TargetObject* */
  GHashTable *storage_for;   /* source description -> const LbStorageInfo* (target) */
  GHashTable *rel_of;        /* path id -> rel on the phone (folders) */
  GHashTable *handle_of;     /* path id -> phone handle */
  GHashTable *blocked;       /* path ids whose folder cannot be restored */
  GHashTable *children;      /* "storage id/rel" of a phone folder -> GPtrArray of names */
  GHashTable *planned;       /* "storage id/rel" the plan puts something of the snapshot at
                              * -> the LbEntry* it puts there first */
  GHashTable *alias_of;      /* path id of a folder merged into one of another storage
                              * -> that folder's path id */
  GHashTable *merged;        /* source descriptions put onto another's storage (set) */
  GHashTable *phone_rel;     /* path id -> rel of a folder the phone named otherwise, or below one */
} Restore;

/* The key of a phone path in Restore's tables: "storage id/rel". */
char *lb_restore_target_key (guint32 storage_id, const char *rel);
void lb_restore_step_free (gpointer step);

/* Empty tables and steps, for r->plan (an empty plan) and options. */
void lb_restore_init (Restore *r, const LbRestoreOptions *options);
/* Frees what lb_restore_init made, and r->entries; not the plan, the
 * device or the library. */
void lb_restore_clear (Restore *r);

/* Reads what the phone holds and fills r->plan and r->steps: what to send,
 * skip, send beside, replace or remove, and whether it fits.  FALSE with
 * the first problem as the error when the restore must not start.
 * lb_restore_plan_storages, the phone's listing, lb_restore_plan_decide. */
gboolean lb_restore_make_plan (Restore *r, GError **error);
/* Calls the progress function, at most about ten times a second unless
 * forced (lb-restore.c). */
void lb_restore_report_progress (Restore *r, gboolean force);

/* Planning as pure functions, plan in and decisions out (no phone, no
 * library: what they would say comes in as r->info, r->entries, the
 * listing and r->journal), so that tests can hand it any situation. */
/* Maps the snapshot's storages (sources: LbStorageInfo*) onto r->info's
 * and starts r->plan->storages; refuses another phone without
 * to_new_device. */
gboolean lb_restore_plan_storages (Restore *r, GPtrArray *sources, GError **error);
/* One object the phone holds, name in the folder parent_rel ("" at the
 * top of the storage).  Its path below the storage, owned by the caller. */
char *lb_restore_note_target (Restore *r, guint32 storage_id, const char *parent_rel, const char *name,
                              guint32 handle, guint64 size, gint64 mtime, gboolean is_folder);
/* Decides each entry of r->entries against the listing, then whether it
 * fits. */
gboolean lb_restore_plan_decide (Restore *r, GError **error);

G_END_DECLS

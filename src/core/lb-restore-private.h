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

typedef struct {
  LbLibrary *library;
  LbDevice *device;
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
  GHashTable *planned;       /* "storage id/rel" the plan puts something of the snapshot at */
  GHashTable *phone_rel;     /* path id -> rel of a folder the phone named otherwise, or below one */
} Restore;

/* The key of a phone path in Restore's tables: "storage id/rel". */
char *lb_restore_target_key (guint32 storage_id, const char *rel);
void lb_restore_step_free (gpointer step);

/* Reads what the phone holds and fills r->plan and r->steps: what to send,
 * skip, send beside, replace or remove, and whether it fits.  FALSE with
 * the first problem as the error when the restore must not start. */
gboolean lb_restore_make_plan (Restore *r, GError **error);

G_END_DECLS

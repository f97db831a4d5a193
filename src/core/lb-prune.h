/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Retention: which snapshots a library lets go, by restic's keep rules
 * counted per phone, and letting them go crash-safely.
 *
 * Only complete snapshots are counted by the rules.  The newest complete
 * snapshot of a phone always stays; an interrupted one stays (with its
 * data, which the next backup resumes from) until a later complete one
 * exists; a phone with no complete snapshot keeps everything.
 *
 * Ownership: the report and everything in it belong to the caller
 * (lb_prune_report_free); the library is only borrowed. */
#pragma once

#include <gio/gio.h>
#include "lb-library.h"

G_BEGIN_DECLS

/* How many to keep: the newest `last`, and the newest snapshot of each of
 * the newest `hourly` hours (days, ISO weeks, months, years) that have
 * one.  A snapshot kept by several rules counts for each. */
typedef struct {
  guint last;
  guint hourly;
  guint daily;
  guint weekly;
  guint monthly;
  guint yearly;
} LbKeepRules;

/* FALSE when no rule keeps anything: nothing to prune by. */
gboolean lb_keep_rules_any (const LbKeepRules *rules);

/* "daily=30,weekly=12" (any of last, hourly, daily, weekly, monthly,
 * yearly, each at most once) or "everything" (no rule: nothing pruned);
 * FALSE with LB_ERROR_BAD_INPUT naming the part it cannot read. */
gboolean lb_keep_rules_parse (const char *text, LbKeepRules *rules, GError **error);
/* The same form back: "everything" when no rule is set. */
char *lb_keep_rules_to_string (const LbKeepRules *rules);

/* The snapshots of ONE phone (LbSnapshot*, any order) that the rules let go,
 * newest first, as pointers into the given array (not copies).  Hours,
 * days... are those of tz (the user's local time). */
GPtrArray *lb_prune_select (GPtrArray *snapshots, const LbKeepRules *rules, GTimeZone *tz);

/* A file whose every copy in the library goes with the pruned snapshots:
 * a photo deleted from the phone long ago, say. */
typedef struct {
  char *serial;
  char *phone_path;
  guint64 size;
  gint64 snapshot_id;         /* the newest snapshot that held it */
} LbLastCopy;

typedef struct {
  gboolean dry_run;
  GPtrArray *removed;         /* LbSnapshot*, newest first */
  guint kept;                 /* snapshots that stay (of the phones pruned) */
  guint64 blobs;              /* stored files no snapshot left uses */
  guint64 freed_bytes;        /* their size */
  GPtrArray *last_copies;     /* LbLastCopy* */
  guint64 strays;             /* blob files the catalog did not know (a crash's leftovers), removed */
} LbPruneReport;

void lb_prune_report_free (LbPruneReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbPruneReport, lb_prune_report_free)

/* Applies the rules to each phone of the library (serial NULL) or to one.
 * With dry_run nothing changes and the library may be open for reading;
 * otherwise it must be open for writing, and no reader may be using it
 * (LB_ERROR_LIBRARY_LOCKED: a window's browser, an extract...).  The
 * catalog changes in one transaction before any stored file is removed,
 * so a crash at any point leaves no snapshot pointing at a missing file;
 * files a crash left behind are removed by the next prune. */
LbPruneReport *lb_prune (LbLibrary *library, const char *serial, const LbKeepRules *rules,
                         GTimeZone *tz, gboolean dry_run, GCancellable *cancellable, GError **error);

G_END_DECLS

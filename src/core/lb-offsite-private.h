/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading what restic says about off-site copies, apart from running it, so
 * that tests/fuzz/fuzz-restic.c can feed it anything.  Only lb-offsite.c
 * and the fuzz target include this header. */
#pragma once

#include "lb-offsite.h"

G_BEGIN_DECLS

/* The most library snapshots one copy's tags may name: a snapshot a day
 * for 270 years, and a bound on what a hostile tag can make us allocate. */
#define LB_OFFSITE_MAX_SNAPSHOTS 100000

typedef struct {
  LbOffsitePush *result;
  LbOffsiteProgressFunc progress;
  gpointer user_data;
} LbOffsitePushJson;

/* An LbResticJsonFunc for `restic backup --json`: progress to
 * data's progress, the summary into its result. */
void lb_offsite_on_backup_json (JsonObject *o, gpointer data);
/* `restic snapshots --json` as LbOffsiteCopy*; LB_ERROR_BAD_INPUT when it
 * is not a JSON array. */
GPtrArray *lb_offsite_parse_list (const char *output, GError **error);

G_END_DECLS

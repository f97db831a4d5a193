/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What automatic backups keep (lb_auto_get_keep), read or saved in a
 * worker together with what a prune by those rules would remove from the
 * library now (a dry run over every phone): the Preferences' "Keep"
 * choice and its warning.
 *
 * Ownership: the LbKeepSetting returned by _finish belongs to the caller
 * (lb_keep_setting_free). */
#pragma once

#include <gio/gio.h>
#include "lb-prune.h"

G_BEGIN_DECLS

typedef struct {
  LbKeepRules rules;
  gboolean chosen;          /* FALSE: the default rules apply */
  guint removed;            /* snapshots a prune would remove now */
  guint64 freed_bytes;
  guint last_copies;        /* files whose last copy would go with them */
  guint64 last_copy_bytes;
} LbKeepSetting;

void lb_keep_setting_free (LbKeepSetting *setting);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbKeepSetting, lb_keep_setting_free)

/* save: rules to keep from now on, or NULL only to read. */
void lb_keep_setting_load_async (const char *library, const LbKeepRules *save, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
LbKeepSetting *lb_keep_setting_load_finish (GAsyncResult *result, GError **error);

/* "the newest 10, and the newest of each of the last 30 days and
 * 12 weeks", for people; NULL when the rules keep everything. */
char *lb_keep_rules_describe (const LbKeepRules *rules);

G_END_DECLS

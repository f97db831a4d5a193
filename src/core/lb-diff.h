/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What changed between two snapshots. */
#pragma once

#include "lb-library.h"

G_BEGIN_DECLS

typedef struct {
  GPtrArray *added;    /* phone paths (char *), sorted */
  GPtrArray *removed;
  GPtrArray *changed;  /* files whose size, date or content differ */
  guint64 files_added;   /* of added and removed, how many are files */
  guint64 files_removed;
} LbDiff;

void lb_diff_free (LbDiff *diff);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbDiff, lb_diff_free)

/* Folders count as added or removed, never as changed: a folder's date moves
 * whenever anything inside it does, which says nothing new. */
LbDiff *lb_diff_snapshots (LbLibrary *library, gint64 a, gint64 b, GError **error);

G_END_DECLS

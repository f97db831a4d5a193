/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Re-reads every stored blob and checks the catalog. */
#pragma once

#include <gio/gio.h>
#include "lb-library.h"

G_BEGIN_DECLS

typedef struct {
  char *what;             /* "missing", "damaged", or a catalog check's message */
  char *sha256;           /* NULL for catalog problems */
  GArray *snapshot_ids;   /* gint64: snapshots that hold the blob */
  GPtrArray *phone_paths; /* the files affected */
} LbProblem;

void lb_problem_free (LbProblem *problem);

/* Called after each blob with how many of how many are done. */
typedef void (*LbVerifyProgressFunc) (guint done, guint total, gpointer user_data);

/* Checks the catalog (SQLite's own checks) and re-hashes every blob of the
 * snapshot (0: of every snapshot), comparing with its name and size.
 * Problems found are returned in *problems (never an error); the return is
 * FALSE only when the check itself could not run. */
gboolean lb_verify (LbLibrary *library,
                    gint64 snapshot_id,
                    LbVerifyProgressFunc progress,
                    gpointer user_data,
                    GPtrArray **problems,
                    GCancellable *cancellable,
                    GError **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The restore dialog's text, apart from its widgets.  Every function
 * returns a new string (g_free) and reads only what it is given. */
#pragma once

#include <glib.h>
#include "lb-restore.h"

G_BEGIN_DECLS

/* "1,204": a count as people read it (the locale's grouping). */
char *lb_restore_text_count (guint64 n);
/* A snapshot in the dialog's list: date · state · files · size. */
char *lb_restore_text_snapshot (const LbSnapshot *snapshot);
/* One sentence: what the restore will do onto target_name (NULL: "the
 * phone"), or that it cannot start. */
char *lb_restore_text_plan_summary (const LbRestorePlan *plan, const char *target_name);
/* Markup: what stops it, the storages, and the files listed by kind. */
char *lb_restore_text_plan_details (const LbRestorePlan *plan);
/* Markup: what the run did; error (may be NULL) and whether it was
 * cancelled say how it ended. */
char *lb_restore_text_report_details (const LbRestoreReport *report, const GError *error, gboolean cancelled);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Restore…: choose a snapshot and a target phone, see the plan, confirm
 * (explicitly for a migration to another phone), then progress and the
 * final report. */
#pragma once

#include <gtk/gtk.h>
#include "lb-monitor.h"
#include "lb-phone.h"

G_BEGIN_DECLS

#define LB_TYPE_RESTORE_DIALOG (lb_restore_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LbRestoreDialog, lb_restore_dialog, LB, RESTORE_DIALOG, GtkDialog)

/* phones: every LbPhone of the window (the source's snapshots and the
 * connected targets come from there); source: the phone whose snapshots are
 * offered; snapshot_id: preselected, 0 for the newest complete one; only:
 * NULL for everything, or the phone paths (files and folders) of that
 * snapshot to restore, the snapshot then fixed (the browser's "Restore to
 * Phone…"; copied); target: the device key (lb_phone_get_key) of the
 * phone to offer first, NULL
 * for the source itself (a new phone's page restores another's backup onto
 * it).  Emits "finished" after a restore ran (the window
 * reloads its history). */
GtkWidget *lb_restore_dialog_new (GtkWindow *parent, LbMonitor *monitor, GPtrArray *phones,
                                  LbPhone *source, gint64 snapshot_id, const char *const *only,
                                  const char *target);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbOffsiteCopier: the window's off-site copies.  Copies the library into
 * the restic repository the settings name (offsite-repository), with the
 * password from the desktop keyring (lb-keyring.h), on a worker thread
 * (lb_offsite_push, which only reads the library); remembers how the last
 * one went in the settings; tells of a failure in a desktop notification.
 *
 * One per application, shared by the window (a copy after a backup by
 * hand), the background service (after an automatic backup) and the
 * Preferences.  Ownership: the application owns it; it keeps a weak
 * pointer to the application, whose notifications it sends. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LB_TYPE_OFFSITE_COPIER (lb_offsite_copier_get_type ())
G_DECLARE_FINAL_TYPE (LbOffsiteCopier, lb_offsite_copier, LB, OFFSITE_COPIER, GObject)

LbOffsiteCopier *lb_offsite_copier_new (GApplication *app);

/* A copy now.  While one runs, one more follows it, so the copy holds
 * the newest backup. */
void lb_offsite_copier_copy (LbOffsiteCopier *self);
/* A backup just ended with a new snapshot: a copy when the settings ask for
 * one after each backup. */
void lb_offsite_copier_after_backup (LbOffsiteCopier *self);
/* Stops a running copy (restic is interrupted; the repository keeps what
 * it had, and the next copy completes it). */
void lb_offsite_copier_cancel (LbOffsiteCopier *self);

gboolean lb_offsite_copier_is_running (LbOffsiteCopier *self);
/* What the running copy does ("Sending… 42 %"), or NULL. */
const char *lb_offsite_copier_get_phase (LbOffsiteCopier *self);

/* Signals:
 *   "changed" (): a copy started, progressed or ended (the settings then
 *                hold how it went) */

G_END_DECLS

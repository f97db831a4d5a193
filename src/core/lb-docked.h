/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbDocked: automatic backups of the phones that are plugged in ("docked").
 *
 * It follows the USB bus through an LbMonitor of its own, asks the library
 * (lb-auto.h) whether each ready phone is due, backs up the due ones one
 * after the other, and arms one timeout to the next due time, so that a
 * phone that stays on its cable is backed up again when its interval runs
 * out.  Due times are wall-clock (lb-clock.h): a resume or a clock jump
 * recomputes them.  When another Lifeboat holds the library, the backup's
 * worker waits in the kernel's lock queue (no polling) and the decision is
 * taken again once the library is free: a snapshot made meanwhile counts.
 *
 * All library and phone work runs in worker threads; signals are emitted
 * on the main context the object was created on.
 *
 * Ownership: the caller owns the LbDocked; signal arguments are valid for
 * the emission only. */
#pragma once

#include <glib-object.h>
#include "lb-device.h"
#include "lb-monitor.h"

G_BEGIN_DECLS

#define LB_TYPE_DOCKED (lb_docked_get_type ())
G_DECLARE_FINAL_TYPE (LbDocked, lb_docked, LB, DOCKED, GObject)

/* Starts at once: phones already plugged in are looked at shortly. */
LbDocked *lb_docked_new (const char *library, gboolean may_create_library);
/* The same on a monitor the caller shares with others (the window's): one
 * monitor per process probes each phone once.  Takes a reference. */
LbDocked *lb_docked_new_with_monitor (const char *library, gboolean may_create_library, LbMonitor *monitor);

/* The library moved (its location setting changed): automatic backups go
 * on there.  Nothing while a backup runs can be lost: a move holds the
 * library's writer lock, so none runs. */
void lb_docked_set_library (LbDocked *self, const char *library, gboolean may_create_library);

/* Stops: no new backup starts, a running one is cancelled (its snapshot
 * is kept as interrupted, and the next backup resumes from it); "stopped"
 * is emitted when nothing runs any more. */
void lb_docked_stop (LbDocked *self);

/* The device key (lb-device.h) of the phone being backed up, or NULL;
 * and, when asked, the
 * backup's cancellable (owned by the LbDocked, valid until
 * "backup-finished").  Cancelling it is its owner's "Stop": the backup
 * ends as cancelled, its snapshot kept as interrupted, and the phone is
 * not backed up automatically again until its next connection. */
const char *lb_docked_get_running (LbDocked *self, GCancellable **cancellable);

/* Signals:
 *   "phone-waiting"     (LbDeviceInfo *info): plugged in but not ready
 *                       (locked, charging only, held by another program);
 *                       once per phone and state
 *   "phone-not-enabled" (LbDeviceInfo *info, gboolean chosen): automatic
 *                       backups are off for it (chosen: by someone; else
 *                       a phone never backed up); once per connection
 *   "phone-scheduled"   (LbDeviceInfo *info, gint64 due): up to date (not
 *                       emitted while a failed backup waits for its retry); the
 *                       next automatic backup is at due (Unix seconds, or
 *                       G_MAXINT64: at the next connection)
 *   "backup-started"    (LbDeviceInfo *info)
 *   "backup-progress"   (const char *key, gpointer progress): the newest
 *                       LbBackupProgress* of the running backup, at most
 *                       one report per main-loop turn (LbRelay)
 *   "backup-waiting"    (const char *key): another Lifeboat holds the
 *                       library; the backup waits for it
 *   "backup-finished"   (const char *key, gpointer snapshot, GError *error):
 *                       snapshot an LbSnapshot*, or NULL with error
 *                       (LB_ERROR_UP_TO_DATE: someone else backed it up
 *                       while we waited for the library)
 *   "pruned"            (const char *key, guint removed, guint64 freed,
 *                       GError *error): after a complete backup, the
 *                       phone's snapshots were pruned by the keep rules
 *                       (lb_auto_get_keep; not emitted when they keep
 *                       everything); error LB_ERROR_LIBRARY_LOCKED: put
 *                       off to the next automatic backup, as someone
 *                       was reading the library
 *   "library-error"     (GError *error): the library cannot be read; once
 *                       per cause (asked again every 10 minutes, and at
 *                       each event, silently).  A prune or move under way
 *                       is waited for, never an error
 *   "stopped"           () */

G_END_DECLS

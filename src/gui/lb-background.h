/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbBackground: what `lifeboat --background` runs: automatic backups of
 * docked phones (LbDocked, on the application's monitor) told through
 * desktop notifications, one per phone and cause until its state changes.
 *
 * Ownership: the application owns it; it keeps a weak pointer to the
 * application, whose notifications it sends. */
#pragma once

#include <gio/gio.h>
#include "lb-docked.h"
#include "lb-monitor.h"

G_BEGIN_DECLS

#define LB_TYPE_BACKGROUND (lb_background_get_type ())
G_DECLARE_FINAL_TYPE (LbBackground, lb_background, LB, BACKGROUND, GObject)

/* Starts at once on the library the settings name. */
LbBackground *lb_background_new (GApplication *app, LbMonitor *monitor);

/* Stops: a running backup is interrupted safely (kept, resumed next
 * time); "stopped" follows when nothing runs any more. */
void lb_background_stop (LbBackground *self);

/* The automatic backups it runs (owned by it), for the window to show. */
LbDocked *lb_background_get_docked (LbBackground *self);

/* Signals:
 *   "backup-finished" (gboolean made): an automatic backup ended (the
 *                     window re-reads the library); made: with a new
 *                     snapshot (an off-site copy may follow)
 *   "stopped"         () */

G_END_DECLS

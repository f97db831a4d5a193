/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Automatic backups: whether and how often each phone is backed up by
 * itself (its policy, kept in the library so that the window, `watch` and
 * the command line share it), and when it is next due.
 *
 * The policy is no part of any snapshot: it is read and written with the
 * library open for reading too, so that turning a phone off never waits
 * for a backup to end.
 *
 * Ownership: everything returned belongs to the caller; the library is
 * borrowed and, like every LbLibrary, used from its own thread only. */
#pragma once

#include <glib.h>
#include "lb-library.h"
#include "lb-prune.h"

G_BEGIN_DECLS

/* Nobody chose: a phone the library holds a complete snapshot of is backed
 * up at most once a day, and a new phone waits to be asked. */
#define LB_AUTO_DEFAULT_EVERY (24 * 60 * 60)

typedef struct {
  gboolean enabled;
  gboolean chosen;       /* FALSE: the default above applies */
  gint64 every;          /* seconds between backups at most; 0: one per connection */
} LbAutoPolicy;

/* serial: a serial or a device key (lb-device.h).  The choice is kept per
 * serial: phones sharing a fake one share it. */
gboolean lb_auto_get_policy (LbLibrary *library, const char *serial, LbAutoPolicy *policy, GError **error);
gboolean lb_auto_set_policy (LbLibrary *library, const char *serial, gboolean enabled, gint64 every,
                             GError **error);
/* What automatic backups keep, pruning the phone just backed up by these
 * rules afterwards (never a phone's newest complete snapshot, nor an
 * interrupted one no complete one has followed yet).  Unless chosen: the
 * newest 10 snapshots, and the newest of each of the last 30 days, 12
 * weeks, 24 months and 10 years that have one.  Several backups in a day
 * (a phone backed up at each connection) all stay for a while; a file
 * deleted from the phone stays in the library at least a month, and for
 * years if it was there at a month's last backup.  Kept files are stored
 * once, so the library grows only by what the phone no longer has. */
#define LB_AUTO_DEFAULT_KEEP \
  ((LbKeepRules) { .last = 10, .daily = 30, .weekly = 12, .monthly = 24, .yearly = 10 })

/* rules all 0 ("everything"): automatic backups prune nothing.  chosen
 * (may be NULL): FALSE when the default above applies. */
gboolean lb_auto_get_keep (LbLibrary *library, LbKeepRules *rules, gboolean *chosen, GError **error);
gboolean lb_auto_set_keep (LbLibrary *library, const LbKeepRules *rules, GError **error);

/* When the newest complete snapshot of the phone (a serial or a device
 * key) began (Unix seconds), 0 when there is none.  Manual backups count
 * as much as automatic ones. */
gboolean lb_auto_last_backup (LbLibrary *library, const char *serial, gint64 *started, GError **error);
/* A file of the library rewritten after each change of a policy, for a
 * file monitor to notice. */
char *lb_auto_changed_path (const char *library);

/* Serials the library knows: backed up, or with a policy; sorted. */
GPtrArray *lb_auto_list_serials (LbLibrary *library, GError **error);

/* When a phone connected since connected_at, last backed up at
 * last_backup (0: never), is due (Unix seconds); G_MAXINT64: not while
 * it stays connected. */
gint64 lb_auto_due_at (const LbAutoPolicy *policy, gint64 last_backup, gint64 connected_at);

/* "connect", "hourly", "daily", "weekly" and back. */
gboolean lb_auto_parse_every (const char *text, gint64 *every);
const char *lb_auto_every_name (gint64 every);

G_END_DECLS

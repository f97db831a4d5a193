/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One phone as the window knows it: connected or only remembered from the
 * library, with its snapshots and the backup job running on it. */
#pragma once

#include <gio/gio.h>
#include "lb-auto.h"
#include "lb-backup.h"
#include "lb-device.h"
#include "lb-library.h"
#include "lb-monitor.h"

G_BEGIN_DECLS

#define LB_TYPE_PHONE (lb_phone_get_type ())
G_DECLARE_FINAL_TYPE (LbPhone, lb_phone, LB, PHONE, GObject)

typedef enum {
  LB_PHONE_IDLE,
  LB_PHONE_BACKING_UP,
  LB_PHONE_RESTORING,        /* a restore dialog has it */
} LbPhoneActivity;

/* What the last backup did, for the result line. */
typedef struct {
  gboolean ok;
  gboolean cancelled;
  char *error;               /* for people; NULL when ok */
  gint error_code;           /* LbError, -1 when none */
  guint64 files, added, changed, unchanged;
  guint64 transferred, new_bytes;
  gint64 seconds;
  gboolean automatic;        /* an automatic backup, followed: no breakdown
                              * into added/changed/unchanged */
} LbBackupResult;

/* key: lb_device_key (lb-device.h), what the phone is known by.
 * monitor: told to keep its hands off the phone while a job has it. */
LbPhone *lb_phone_new (const char *key, LbMonitor *monitor);
const char *lb_phone_get_key (LbPhone *self);
/* Its serial, for people. */
const char *lb_phone_get_serial (LbPhone *self);

/* The phone's name for people: its own name, else maker and model. */
char *lb_phone_dup_display_name (LbPhone *self);
char *lb_phone_dup_model (LbPhone *self);

/* NULL while it is not connected. */
const LbDeviceInfo *lb_phone_get_info (LbPhone *self);
void lb_phone_set_info (LbPhone *self, const LbDeviceInfo *info);

/* LbSnapshot*, newest first; empty when it was never backed up. */
GPtrArray *lb_phone_get_snapshots (LbPhone *self);
void lb_phone_set_snapshots (LbPhone *self, GPtrArray *snapshots);
/* The newest complete snapshot, or NULL. */
const LbSnapshot *lb_phone_get_last_backup (LbPhone *self);

LbPhoneActivity lb_phone_get_activity (LbPhone *self);
void lb_phone_set_activity (LbPhone *self, LbPhoneActivity activity);

/* Latest backup progress while backing up (NULL otherwise), and the speed
 * in bytes per second averaged since the copy began. */
const LbBackupProgress *lb_phone_get_progress (LbPhone *self, double *speed);
const LbBackupResult *lb_phone_get_result (LbPhone *self);

/* Starts a backup into the library at path.  "changed" tells the window,
 * "backup-finished" when it is over (the history must then be reloaded). */
void lb_phone_back_up (LbPhone *self, const char *library, gboolean may_create);
/* Cancels the running backup, ours or the followed automatic one. */
void lb_phone_cancel (LbPhone *self);

/* An automatic backup (LbDocked's, in this process) runs on the phone: it
 * shows as a backup without a job of the phone's own, and lb_phone_cancel
 * cancels cancellable (its owner's Stop; a reference is kept until it is
 * over).  Nothing when the phone is busy with a job of its own. */
void lb_phone_follow_backup (LbPhone *self, GCancellable *cancellable);
void lb_phone_follow_progress (LbPhone *self, const LbBackupProgress *progress);
/* snapshot, or NULL with error: the result, and "backup-finished". */
void lb_phone_follow_finished (LbPhone *self, const LbSnapshot *snapshot, const GError *error);
/* Backing up, and the backup is a followed automatic one. */
gboolean lb_phone_is_following (LbPhone *self);

/* Its automatic-backup policy as the library holds it (lb-auto.h), NULL
 * until the library was read; set by the window after each read. */
const LbAutoPolicy *lb_phone_get_auto (LbPhone *self);
void lb_phone_set_auto (LbPhone *self, const LbAutoPolicy *policy);
/* Saves a new policy into the library at path, in a worker; "changed"
 * when it is saved (or, on failure, with the old policy back and
 * lb_phone_get_auto_error set). */
void lb_phone_save_auto (LbPhone *self, const char *library, gboolean may_create, gboolean enabled, gint64 every);
/* Why the last save failed (for people), or NULL. */
const char *lb_phone_get_auto_error (LbPhone *self);

G_END_DECLS

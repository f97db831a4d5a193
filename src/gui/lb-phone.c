/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-diff.h"
#include "lb-error.h"
#include "lb-phone.h"
#include "lb-relay.h"

struct _LbPhone {
  GObject parent_instance;

  char *key;                   /* lb_device_key: cheap phones share serials */
  char *serial;
  LbMonitor *monitor;          /* weak: the application outlives phones' jobs */
  LbDeviceInfo *info;          /* NULL: not connected */
  LbDeviceInfo *last_info;     /* kept after an unplug, for the name */
  GPtrArray *snapshots;
  LbPhoneActivity activity;

  GCancellable *cancellable;  /* the running backup's: our job's, or the
                               * automatic one's we follow (a ref) */
  gboolean following;          /* the backup is an automatic one, not ours */
  gint64 started;              /* monotonic µs, when the backup began */
  LbRelay *relay;
  LbBackupProgress *progress;  /* latest, current path owned */
  gint64 copy_started;         /* monotonic µs when bytes began to move */
  guint64 copy_base;           /* bytes_done then */
  double speed;
  LbBackupResult result;
  gboolean has_result;

  LbAutoPolicy auto_policy;
  gboolean auto_known;
  char *auto_error;
  gboolean auto_saving;        /* a save in flight: a read landing meanwhile is older */
  struct AutoJob *auto_next;   /* the newest choice made meanwhile, saved after it */
};

G_DEFINE_FINAL_TYPE (LbPhone, lb_phone, G_TYPE_OBJECT)

enum { CHANGED, PROGRESS, BACKUP_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct AutoJob {
  char *library;
  char *key;
  gboolean may_create;
  LbAutoPolicy policy;
} AutoJob;

static void
auto_job_free (AutoJob *job)
{
  g_free (job->library);
  g_free (job->key);
  g_free (job);
}

static void
backup_result_clear (LbBackupResult *r)
{
  g_clear_pointer (&r->error, g_free);
  memset (r, 0, sizeof *r);
  r->error_code = -1;
}

static void
lb_phone_finalize (GObject *object)
{
  LbPhone *self = LB_PHONE (object);

  /* A running job holds a reference, so there is none here. */
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->progress, lb_backup_progress_free);
  g_clear_pointer (&self->info, lb_device_info_free);
  g_clear_pointer (&self->last_info, lb_device_info_free);
  g_clear_pointer (&self->snapshots, g_ptr_array_unref);
  g_clear_weak_pointer (&self->monitor);
  backup_result_clear (&self->result);
  g_free (self->auto_error);
  g_clear_pointer (&self->auto_next, auto_job_free);
  g_free (self->key);
  g_free (self->serial);
  G_OBJECT_CLASS (lb_phone_parent_class)->finalize (object);
}

static void
lb_phone_class_init (LbPhoneClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lb_phone_finalize;

  /* Identity, connection, snapshots or activity changed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* New backup progress (lb_phone_get_progress). */
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A backup ended (lb_phone_get_result). */
  signals[BACKUP_FINISHED] = g_signal_new ("backup-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lb_phone_init (LbPhone *self)
{
  self->snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free);
  self->result.error_code = -1;
}

LbPhone *
lb_phone_new (const char *key, LbMonitor *monitor)
{
  LbPhone *self = g_object_new (LB_TYPE_PHONE, NULL);

  self->key = g_strdup (key);
  self->serial = lb_device_key_dup_serial (key);
  g_set_weak_pointer (&self->monitor, monitor);
  return self;
}

const char *
lb_phone_get_key (LbPhone *self)
{
  return self->key;
}

const char *
lb_phone_get_serial (LbPhone *self)
{
  return self->serial;
}

static const LbSnapshot *
newest_snapshot (LbPhone *self)
{
  return self->snapshots->len > 0 ? g_ptr_array_index (self->snapshots, 0) : NULL;
}

char *
lb_phone_dup_display_name (LbPhone *self)
{
  const LbDeviceInfo *info = self->info ? self->info : self->last_info;
  const LbSnapshot *s = newest_snapshot (self);
  const char *friendly = info ? info->friendly_name : s ? s->friendly_name : NULL;

  if (friendly != NULL && *friendly != '\0')
    return g_utf8_make_valid (friendly, -1);
  return lb_phone_dup_model (self);
}

char *
lb_phone_dup_model (LbPhone *self)
{
  const LbDeviceInfo *info = self->info ? self->info : self->last_info;
  const LbSnapshot *s = newest_snapshot (self);
  const char *maker = info ? info->manufacturer : s ? s->manufacturer : NULL;
  const char *model = info ? info->model : s ? s->model : NULL;
  g_autofree char *joined = NULL;

  if ((maker == NULL || *maker == '\0') && (model == NULL || *model == '\0'))
    return g_strdup (_("Unknown phone"));
  /* "Google Pixel 7", but not "Google Google Pixel 7". */
  if (maker == NULL || *maker == '\0' || (model != NULL && g_str_has_prefix (model, maker)))
    joined = g_strdup (model);
  else if (model == NULL || *model == '\0')
    joined = g_strdup (maker);
  else
    joined = g_strdup_printf ("%s %s", maker, model);
  return g_utf8_make_valid (joined, -1);
}

const LbDeviceInfo *
lb_phone_get_info (LbPhone *self)
{
  return self->info;
}

void
lb_phone_set_info (LbPhone *self, const LbDeviceInfo *info)
{
  g_clear_pointer (&self->info, lb_device_info_free);
  if (info != NULL)
    {
      self->info = lb_device_info_copy (info);
      g_clear_pointer (&self->last_info, lb_device_info_free);
      self->last_info = lb_device_info_copy (info);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

GPtrArray *
lb_phone_get_snapshots (LbPhone *self)
{
  return self->snapshots;
}

void
lb_phone_set_snapshots (LbPhone *self, GPtrArray *snapshots)
{
  g_ptr_array_set_size (self->snapshots, 0);
  for (guint i = 0; i < snapshots->len; i++)
    g_ptr_array_add (self->snapshots, lb_snapshot_copy (g_ptr_array_index (snapshots, i)));
  g_signal_emit (self, signals[CHANGED], 0);
}

const LbSnapshot *
lb_phone_get_last_backup (LbPhone *self)
{
  for (guint i = 0; i < self->snapshots->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (self->snapshots, i);
      if (s->state == LB_SNAPSHOT_COMPLETE)
        return s;
    }
  return NULL;
}

LbPhoneActivity
lb_phone_get_activity (LbPhone *self)
{
  return self->activity;
}

void
lb_phone_set_activity (LbPhone *self, LbPhoneActivity activity)
{
  if (self->activity == activity)
    return;
  /* While a job has the phone open, the monitor must not open it too:
   * a second MTP session would make the phone look busy. */
  if (self->monitor != NULL && !self->following)
    {
      if (activity != LB_PHONE_IDLE && self->activity == LB_PHONE_IDLE)
        lb_monitor_hold (self->monitor, self->key);
      else if (activity == LB_PHONE_IDLE)
        lb_monitor_unhold (self->monitor, self->key);
    }
  self->activity = activity;
  g_signal_emit (self, signals[CHANGED], 0);
}

const LbBackupProgress *
lb_phone_get_progress (LbPhone *self, double *speed)
{
  if (speed != NULL)
    *speed = self->speed;
  return self->activity == LB_PHONE_BACKING_UP ? self->progress : NULL;
}

const LbBackupResult *
lb_phone_get_result (LbPhone *self)
{
  return self->has_result ? &self->result : NULL;
}

/* ---- the backup job ------------------------------------------------------ */

typedef struct {
  char *library;
  gboolean may_create;
  char *key;
  LbRelay *relay;
  LbMonitor *monitor;      /* may be NULL */
  gint64 started;
} BackupJob;

static void
backup_job_free (BackupJob *job)
{
  g_clear_object (&job->monitor);
  g_free (job->library);
  g_free (job->key);
  g_free (job);
}

/* Worker thread. */
static void
on_backup_progress (const LbBackupProgress *progress, gpointer user_data)
{
  BackupJob *job = user_data;
  lb_relay_post (job->relay, lb_backup_progress_copy (progress));
}

/* Main thread. */
static void
take_progress (LbPhone *self, const LbBackupProgress *p)
{
  gint64 now = g_get_monotonic_time ();

  if (p->phase == LB_BACKUP_COPYING && self->copy_started == 0)
    {
      self->copy_started = now;
      self->copy_base = p->transferred;
    }
  if (self->copy_started != 0 && now - self->copy_started > G_USEC_PER_SEC / 2)
    self->speed = (p->transferred - self->copy_base) / ((now - self->copy_started) / (double) G_USEC_PER_SEC);
  lb_backup_progress_free (self->progress);
  self->progress = lb_backup_progress_copy (p);
  g_signal_emit (self, signals[PROGRESS], 0);
}

static void
show_progress (gpointer report, gpointer user_data)
{
  take_progress (user_data, report);
}

/* The backup is over (ours or followed): the result replaces the progress. */
static void
end_backup (LbPhone *self, LbBackupResult *r)
{
  backup_result_clear (&self->result);
  self->result = *r;
  self->has_result = TRUE;
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->progress, lb_backup_progress_free);
  lb_phone_set_activity (self, LB_PHONE_IDLE);
  self->following = FALSE;
  g_signal_emit (self, signals[BACKUP_FINISHED], 0);
}

/* The start of a backup, ours or followed. */
static void
begin_backup (LbPhone *self, GCancellable *cancellable, gboolean following)
{
  self->cancellable = g_object_ref (cancellable);
  self->following = following;
  self->started = g_get_monotonic_time ();
  self->copy_started = 0;
  self->speed = 0;
  self->has_result = FALSE;
  lb_phone_set_activity (self, LB_PHONE_BACKING_UP);
}

/* Counts what the new snapshot changed against the phone's previous one. */
static void
count_changes (const char *library, const LbSnapshot *snapshot, LbBackupResult *r)
{
  g_autoptr(LbLibrary) lib = lb_library_open (library, FALSE, LB_LIBRARY_READ, NULL);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(LbDiff) diff = NULL;
  const LbSnapshot *previous = NULL;

  r->files = snapshot->files;
  r->added = snapshot->files;
  if (lib == NULL || (all = lb_library_list_snapshots (lib, snapshot->serial, NULL)) == NULL)
    return;
  for (guint i = 0; i < all->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (all, i);
      if (s->device_id == snapshot->device_id && s->seq < snapshot->seq &&
          (previous == NULL || s->seq > previous->seq))
        previous = s;
    }
  if (previous == NULL || (diff = lb_diff_snapshots (lib, previous->id, snapshot->id, NULL)) == NULL)
    return;
  r->added = MIN (diff->files_added, r->files);
  r->changed = diff->changed->len;
  r->unchanged = r->files - MIN (r->files, r->added + r->changed);
}

/* Worker thread: the job owns the phone and the library here. */
static void
backup_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  BackupJob *job = data;
  LbBackupOptions options = { .library = job->library, .create_library = job->may_create, .serial = job->key };
  LbBackupResult *r = g_new0 (LbBackupResult, 1);
  g_autoptr(LbSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  r->error_code = -1;
  /* The monitor may be looking at the phone this very moment. */
  if (job->monitor != NULL)
    lb_monitor_wait_unused (job->monitor, job->key);
  snapshot = lb_backup_run (&options, on_backup_progress, job, cancellable, &error);
  r->seconds = (g_get_monotonic_time () - job->started) / G_USEC_PER_SEC;
  if (snapshot != NULL)
    {
      r->ok = TRUE;
      r->transferred = snapshot->transferred_bytes;
      r->new_bytes = snapshot->new_bytes;
      count_changes (job->library, snapshot, r);
    }
  else
    {
      r->cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      r->error = g_strdup (error->message);
      r->error_code = error->domain == LB_ERROR ? error->code : LB_ERROR_FAILED;
    }
  g_task_return_pointer (task, r, NULL);
}

/* Main thread. */
static void
backup_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbPhone *self = LB_PHONE (source);
  BackupJob *job = g_task_get_task_data (G_TASK (res));
  LbBackupResult *r = g_task_propagate_pointer (G_TASK (res), NULL);

  /* The worker is done: no report can arrive any more. */
  g_clear_pointer (&job->relay, lb_relay_free);
  end_backup (self, r);
  g_free (r);
  if (g_application_get_default () != NULL)
    g_application_release (g_application_get_default ());
}

void
lb_phone_back_up (LbPhone *self, const char *library, gboolean may_create)
{
  g_autoptr(GTask) task = NULL;
  BackupJob *job;

  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_return_if_fail (self->activity == LB_PHONE_IDLE);

  job = g_new0 (BackupJob, 1);
  job->library = g_strdup (library);
  job->may_create = may_create;
  job->key = g_strdup (self->key);
  job->started = g_get_monotonic_time ();
  job->relay = lb_relay_new (show_progress, self, (GDestroyNotify) lb_backup_progress_free);
  job->monitor = self->monitor ? g_object_ref (self->monitor) : NULL;

  begin_backup (self, cancellable, FALSE);

  /* Closing the window cancels the backup; the process stays until the
   * job has marked its snapshot and let go of the phone and the library. */
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());
  task = g_task_new (self, self->cancellable, backup_done, NULL);
  g_task_set_source_tag (task, lb_phone_back_up);
  g_task_set_task_data (task, job, (GDestroyNotify) backup_job_free);
  /* A cancelled backup still has a result to show (what was kept). */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, backup_thread);
}

void
lb_phone_cancel (LbPhone *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

gboolean
lb_phone_is_following (LbPhone *self)
{
  return self->activity == LB_PHONE_BACKING_UP && self->following;
}

void
lb_phone_follow_backup (LbPhone *self, GCancellable *cancellable)
{
  g_return_if_fail (LB_IS_PHONE (self));
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));
  if (self->activity != LB_PHONE_IDLE)
    return;  /* ours, or already followed */
  begin_backup (self, cancellable, TRUE);
}

void
lb_phone_follow_progress (LbPhone *self, const LbBackupProgress *progress)
{
  g_return_if_fail (LB_IS_PHONE (self));
  if (lb_phone_is_following (self))
    take_progress (self, progress);
}

void
lb_phone_follow_finished (LbPhone *self, const LbSnapshot *snapshot, const GError *error)
{
  LbBackupResult r = { .error_code = -1, .automatic = TRUE };

  g_return_if_fail (LB_IS_PHONE (self));
  if (!lb_phone_is_following (self))
    return;
  r.seconds = (g_get_monotonic_time () - self->started) / G_USEC_PER_SEC;
  if (snapshot != NULL)
    {
      r.ok = TRUE;
      r.files = snapshot->files;
      r.transferred = snapshot->transferred_bytes;
      r.new_bytes = snapshot->new_bytes;
    }
  else
    {
      r.cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      r.error = g_strdup (error != NULL ? error->message : "");
      r.error_code = error != NULL && error->domain == LB_ERROR ? error->code : LB_ERROR_FAILED;
    }
  end_backup (self, &r);
}

/* ---- automatic backups ---------------------------------------------------------- */

const LbAutoPolicy *
lb_phone_get_auto (LbPhone *self)
{
  return self->auto_known ? &self->auto_policy : NULL;
}

void
lb_phone_set_auto (LbPhone *self, const LbAutoPolicy *policy)
{
  if (self->auto_saving ||
      (self->auto_known && memcmp (&self->auto_policy, policy, sizeof *policy) == 0))
    return;
  self->auto_policy = *policy;
  self->auto_known = TRUE;
  g_signal_emit (self, signals[CHANGED], 0);
}

const char *
lb_phone_get_auto_error (LbPhone *self)
{
  return self->auto_error;
}

static void start_save (LbPhone *self, AutoJob *job);

static void
save_auto_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  AutoJob *job = data;
  g_autoptr(LbLibrary) library = NULL;
  GError *error = NULL;

  (void) source;
  (void) cancellable;
  /* The policy is no part of a snapshot: read access is enough, and a
   * backup running meanwhile does not make this wait (lb-auto.h). */
  library = lb_library_open (job->library, job->may_create, LB_LIBRARY_READ, &error);
  if (library == NULL || !lb_auto_set_policy (library, job->key, job->policy.enabled, job->policy.every, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_auto_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbPhone *self = LB_PHONE (source);
  AutoJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;

  (void) user_data;
  self->auto_saving = FALSE;
  g_clear_pointer (&self->auto_error, g_free);
  if (g_task_propagate_boolean (G_TASK (res), &error))
    {
      self->auto_policy = job->policy;
      self->auto_known = TRUE;
    }
  else
    self->auto_error = g_strdup_printf (_("The setting could not be saved: %s"), error->message);
  /* Saved in the order chosen: only the newest choice waiting goes next. */
  if (self->auto_next != NULL)
    {
      start_save (self, self->auto_next);
      self->auto_next = NULL;
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Takes job. */
static void
start_save (LbPhone *self, AutoJob *job)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, save_auto_done, NULL);

  self->auto_saving = TRUE;
  g_task_set_source_tag (task, lb_phone_save_auto);
  g_task_set_task_data (task, job, (GDestroyNotify) auto_job_free);
  g_task_run_in_thread (task, save_auto_thread);
}

void
lb_phone_save_auto (LbPhone *self, const char *library, gboolean may_create, gboolean enabled, gint64 every)
{
  AutoJob *job = g_new0 (AutoJob, 1);

  job->library = g_strdup (library);
  job->key = g_strdup (self->key);
  job->may_create = may_create;
  job->policy = (LbAutoPolicy) { .enabled = enabled, .chosen = TRUE, .every = every };
  if (!self->auto_saving)
    {
      start_save (self, job);
      return;
    }
  g_clear_pointer (&self->auto_next, auto_job_free);
  self->auto_next = job;
}

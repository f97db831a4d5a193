/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbDocked (lb-docked.h). */
#include "config.h"
#include "lb-docked.h"
#include "lb-auto.h"
#include "lb-backup.h"
#include "lb-clock.h"
#include "lb-error.h"
#include "lb-lock.h"
#include "lb-monitor.h"
#include "lb-relay.h"

#include <gio/gio.h>

/* A backup that failed with the phone still plugged in is tried again
 * this much later (an unplug retries at the next plug anyway). */
#define RETRY_SECONDS (10 * 60)

typedef struct {
  LbDeviceInfo *info;
  gint64 connected_at;      /* wall clock, when it was plugged in */
  gboolean looked_at;       /* the library was asked about it this connection */
  LbAutoPolicy policy;
  gint64 due;               /* G_MAXINT64: not this connection */
  gint64 retry_at;          /* after a failure: not before; G_MAXINT64 after
                             * its owner stopped it: not this connection */
  gboolean told_off;        /* "phone-not-enabled" emitted */
  gint waiting_state;       /* state of the last "phone-waiting", -1 none */
  gint64 scheduled;         /* due of the last "phone-scheduled", 0 none */
} Phone;

struct _LbDocked
{
  GObject parent_instance;

  char *library;
  gboolean may_create;
  LbMonitor *monitor;
  LbClockWatch *clock;
  GFileMonitor *policies;   /* lb_auto_changed_path */
  /* Phones go by device key (lb-device.h): cheap ones share serials. */
  GHashTable *phones;       /* key → Phone* */
  GQueue queue;             /* keys due, oldest first */
  char *running;            /* key of the phone being backed up, or NULL */
  GCancellable *cancellable;
  guint timer;
  guint known;              /* feeds a shared monitor's phones, once */
  GCancellable *asking;     /* a look-up of the library is under way */
  gboolean ask_again;
  char *library_error;      /* the last "library-error" told, until an ask succeeds */
  gboolean stopping;
  /* Our own look-ups and prunes take turns: a prune keeps readers out of
   * the library, and finding one of ours there would put it off to the
   * next backup for a read that lasts milliseconds. */
  GMutex turns;
};

G_DEFINE_FINAL_TYPE (LbDocked, lb_docked, G_TYPE_OBJECT)

enum { PHONE_WAITING, PHONE_NOT_ENABLED, PHONE_SCHEDULED, BACKUP_STARTED, BACKUP_WAITING,
       BACKUP_PROGRESS, BACKUP_FINISHED, PRUNED, LIBRARY_ERROR, STOPPED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void ask_library (LbDocked *self);

/* When the phone is next up: its due time, or after a failure the retry. */
static gint64
next_try (const Phone *p)
{
  return MAX (p->due, p->retry_at);
}

static void run_next (LbDocked *self);

static void
phone_free (Phone *p)
{
  lb_device_info_free (p->info);
  g_free (p);
}

/* ---- the library, in a worker ------------------------------------------------ */

typedef struct {
  char *key;
  LbAutoPolicy policy;
  gint64 last;
} Answer;

typedef struct {
  char *library;
  GPtrArray *keys;          /* char* */
  GArray *answers;          /* Answer */
} Question;

static void
clear_answers (Question *q)
{
  for (guint i = 0; q->answers && i < q->answers->len; i++)
    g_free (g_array_index (q->answers, Answer, i).key);
  g_clear_pointer (&q->answers, g_array_unref);
}

static void
question_free (Question *q)
{
  g_free (q->library);
  g_ptr_array_unref (q->keys);
  clear_answers (q);
  g_free (q);
}

/* The policy and last backup of each phone asked about; lib is open. */
static gboolean
read_answers (Question *q, LbLibrary *lib, GError **error)
{
  q->answers = g_array_new (FALSE, TRUE, sizeof (Answer));
  for (guint i = 0; i < q->keys->len; i++)
    {
      Answer a = { g_strdup (q->keys->pdata[i]), { 0 }, 0 };
      if (!lb_auto_get_policy (lib, a.key, &a.policy, error) ||
          !lb_auto_last_backup (lib, a.key, &a.last, error))
        {
          g_free (a.key);
          return FALSE;
        }
      g_array_append_val (q->answers, a);
    }
  return TRUE;
}

static void
ask_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LbDocked *self = source;
  Question *q = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *lock = g_build_filename (q->library, "lock", NULL);
  gboolean ok;

  (void) cancellable;
  /* Reading: a backup running meanwhile does not keep us out.  A prune
   * (lifeboat-cli prune's, or another Lifeboat's after its backup) or a
   * move does, for as long as it takes: no fault of the library, so queue
   * in the kernel behind it, as a backup queues behind a writer.  Failing
   * instead would tell the owner the library cannot be read, and leave a
   * phone plugged in meanwhile unasked about until its next event. */
  for (;;)
    {
      g_autoptr(LbLibrary) lib = NULL;

      g_mutex_lock (&self->turns);
      lib = lb_library_open (q->library, FALSE, LB_LIBRARY_READ, &error);
      ok = lib != NULL && read_answers (q, lib, &error);
      g_clear_object (&lib);
      g_mutex_unlock (&self->turns);
      if (ok || !g_error_matches (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED))
        break;
      g_clear_error (&error);
      clear_answers (q);
      /* Cancelling (a stop) returns at once and leaves this thread to its wait. */
      if (!g_task_set_return_on_cancel (task, TRUE))
        return;
      ok = lb_lock_wait_free (lock, LB_LOCK_READER, &error);
      if (!g_task_set_return_on_cancel (task, FALSE))
        return;
      if (!ok)
        break;
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static gboolean
on_timer (gpointer data)
{
  LbDocked *self = data;

  self->timer = 0;
  ask_library (self);
  return G_SOURCE_REMOVE;
}

/* One timeout, to the earliest due time of a phone still plugged in. */
static void
arm_timer (LbDocked *self)
{
  GHashTableIter it;
  gpointer value;
  gint64 next = G_MAXINT64;

  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->stopping)
    return;
  g_hash_table_iter_init (&it, self->phones);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Phone *p = value;
      if (p->looked_at && p->info->state == LB_DEVICE_READY)
        next = MIN (next, next_try (p));
    }
  if (next != G_MAXINT64)
    self->timer = lb_clock_timeout_at (next, on_timer, self);
}

static gboolean
queued (LbDocked *self, const char *key)
{
  return g_strcmp0 (self->running, key) == 0 ||
         g_queue_find_custom (&self->queue, key, (GCompareFunc) g_strcmp0) != NULL;
}

static void
on_answers (GObject *source, GAsyncResult *result, gpointer data)
{
  LbDocked *self = LB_DOCKED (source);
  Question *q = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gint64 now = lb_clock_now ();

  (void) data;
  if (self->stopping)
    {
      g_clear_object (&self->asking);
      return;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Said once, not at each retry. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          g_strcmp0 (self->library_error, error->message) != 0)
        {
          g_free (self->library_error);
          self->library_error = g_strdup (error->message);
          g_signal_emit (self, signals[LIBRARY_ERROR], 0, error);
        }
      /* The disk it is on may come back (mounted again, space freed):
       * ask again later, or the phones plugged in now wait for a replug. */
      g_clear_object (&self->asking);
      g_clear_handle_id (&self->timer, g_source_remove);
      if (self->ask_again)
        {
          self->ask_again = FALSE;
          ask_library (self);
        }
      else
        self->timer = lb_clock_timeout_at (now + RETRY_SECONDS, on_timer, self);
      return;
    }
  g_clear_pointer (&self->library_error, g_free);
  for (guint i = 0; q->answers != NULL && i < q->answers->len; i++)
    {
      Answer *a = &g_array_index (q->answers, Answer, i);
      Phone *p = g_hash_table_lookup (self->phones, a->key);

      if (p == NULL || p->info->state != LB_DEVICE_READY)
        continue;  /* unplugged meanwhile */
      p->looked_at = TRUE;
      p->policy = a->policy;
      p->due = lb_auto_due_at (&a->policy, a->last, p->connected_at);
      if (!a->policy.enabled)
        {
          if (!p->told_off)
            g_signal_emit (self, signals[PHONE_NOT_ENABLED], 0, p->info, a->policy.chosen);
          p->told_off = TRUE;
          continue;
        }
      p->told_off = FALSE;
      if (next_try (p) <= now)
        {
          if (!queued (self, a->key))
            g_queue_push_tail (&self->queue, g_strdup (a->key));
        }
      else if (!queued (self, a->key) && p->scheduled != next_try (p))
        {
          p->scheduled = next_try (p);
          /* Up to date only when its due time decides; a retry after a
           * failure (or not before a replug, after its owner's Stop) was
           * said with the failure. */
          if (p->retry_at <= p->due)
            g_signal_emit (self, signals[PHONE_SCHEDULED], 0, p->info, p->scheduled);
        }
    }
  g_clear_object (&self->asking);
  if (self->ask_again)
    {
      self->ask_again = FALSE;
      ask_library (self);
      return;
    }
  arm_timer (self);
  run_next (self);
}

static void
ask_library (LbDocked *self)
{
  g_autoptr(GTask) task = NULL;
  Question *q;
  GHashTableIter it;
  gpointer key, value;

  if (self->stopping)
    return;
  if (self->asking != NULL)
    {
      self->ask_again = TRUE;
      return;
    }
  q = g_new0 (Question, 1);
  q->library = g_strdup (self->library);
  q->keys = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&it, self->phones);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (((Phone *) value)->info->state == LB_DEVICE_READY)
      g_ptr_array_add (q->keys, g_strdup (key));
  self->asking = g_cancellable_new ();
  task = g_task_new (self, self->asking, on_answers, NULL);
  g_task_set_source_tag (task, ask_library);
  g_task_set_task_data (task, q, (GDestroyNotify) question_free);
  g_task_run_in_thread (task, ask_thread);
}

/* ---- one backup, in a worker ------------------------------------------------- */

typedef struct {
  char *library;
  char *lock_path;
  char *key;
  gboolean may_create;
  gint64 unless_since;
  LbMonitor *monitor;
  LbDocked *docked;         /* a ref: "backup-waiting" is emitted on its context */
  GMainContext *context;
  LbRelay *relay;           /* progress to "backup-progress"; freed on the main
                             * context once the worker is done */
  /* The prune after a complete backup, set by the worker for "pruned". */
  gboolean pruned;          /* the keep rules were applied, or deferred */
  LbPruneReport *prune_report;
  GError *prune_error;
} Job;

static void
job_free (Job *job)
{
  g_free (job->library);
  g_free (job->lock_path);
  g_free (job->key);
  g_object_unref (job->monitor);
  g_object_unref (job->docked);
  g_main_context_unref (job->context);
  g_clear_pointer (&job->prune_report, lb_prune_report_free);
  g_clear_error (&job->prune_error);
  g_free (job);
}

/* Backup, then prune: the keep rules applied to the phone just backed up.
 * A prune never fails the backup: when a reader (the window's browser, an
 * extract, an off-site copy) or another writer holds the library, it waits
 * for the next automatic backup, and any other failure is only reported. */
static void
prune_after (Job *job, GCancellable *cancellable)
{
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  LbKeepRules rules;

  g_mutex_lock (&job->docked->turns);
  library = lb_library_open (job->library, FALSE, LB_LIBRARY_WRITE, &job->prune_error);
  if (library == NULL || !lb_auto_get_keep (library, &rules, NULL, &job->prune_error) || lb_keep_rules_any (&rules))
    {
      /* (Otherwise everything is kept: nothing to do, nothing to tell.) */
      job->pruned = TRUE;
      if (job->prune_error == NULL)
        job->prune_report = lb_prune (library, job->key, &rules, tz, FALSE, cancellable, &job->prune_error);
    }
  g_clear_object (&library);
  g_mutex_unlock (&job->docked->turns);
}

typedef struct {
  LbDocked *docked;
  char *key;
} Waiting;

static gboolean
emit_waiting (gpointer data)
{
  Waiting *w = data;

  if (g_strcmp0 (w->docked->running, w->key) == 0)
    g_signal_emit (w->docked, signals[BACKUP_WAITING], 0, w->key);
  g_object_unref (w->docked);
  g_free (w->key);
  g_free (w);
  return G_SOURCE_REMOVE;
}

/* Worker thread. */
static void
post_progress (const LbBackupProgress *progress, gpointer data)
{
  Job *job = data;

  lb_relay_post (job->relay, lb_backup_progress_copy (progress));
}

/* Main context, with the newest report only. */
static void
emit_progress (gpointer report, gpointer data)
{
  LbDocked *self = data;

  if (self->running != NULL)
    g_signal_emit (self, signals[BACKUP_PROGRESS], 0, self->running, report);
}

static void
backup_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  LbBackupOptions options = { .library = job->library, .create_library = job->may_create,
                              .serial = job->key, .unless_since = job->unless_since,
                              .automatic = TRUE };

  (void) source;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      LbSnapshot *snapshot;

      /* Another Lifeboat writing: queue in the kernel until it is done.
       * Cancelling returns at once and leaves this thread to its wait. */
      if (!g_task_set_return_on_cancel (task, TRUE))
        return;
      if (lb_lock_held_by_other (job->lock_path, LB_LOCK_WRITER))
        {
          Waiting *w = g_new0 (Waiting, 1);
          w->docked = g_object_ref (job->docked);
          w->key = g_strdup (job->key);
          g_main_context_invoke (job->context, emit_waiting, w);
        }
      if (g_file_test (job->library, G_FILE_TEST_IS_DIR) &&
          !lb_lock_wait_free (job->lock_path, LB_LOCK_WRITER, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (!g_task_set_return_on_cancel (task, FALSE))
        return;
      lb_monitor_wait_unused (job->monitor, job->key);
      snapshot = lb_backup_run (&options, post_progress, job, cancellable, &error);
      if (snapshot != NULL)
        {
          prune_after (job, cancellable);
          g_task_return_pointer (task, snapshot, (GDestroyNotify) lb_snapshot_free);
          return;
        }
      /* Someone was quicker between our wait and our open: wait again. */
      if (!g_error_matches (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
}

static void
on_backup_done (GObject *source, GAsyncResult *result, gpointer data)
{
  LbDocked *self = LB_DOCKED (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSnapshot) snapshot = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *key = NULL;
  Phone *p;
  Job *job = g_task_get_task_data (G_TASK (result));

  (void) data;
  /* The worker has returned, or was left to a lock wait it never comes
   * back from to copy anything: no report can arrive any more. */
  g_clear_pointer (&job->relay, lb_relay_free);
  key = g_steal_pointer (&self->running);
  p = g_hash_table_lookup (self->phones, key);
  g_clear_object (&self->cancellable);
  lb_monitor_unhold (self->monitor, key);
  lb_monitor_refresh (self->monitor);
  if (p != NULL && !self->stopping && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    p->retry_at = G_MAXINT64;  /* stopped by its owner (lb_docked_get_running) */
  else if (p != NULL && snapshot == NULL && !g_error_matches (error, LB_ERROR, LB_ERROR_UP_TO_DATE))
    p->retry_at = lb_clock_now () + RETRY_SECONDS;
  else if (p != NULL)
    p->retry_at = 0;
  if (p != NULL)
    p->scheduled = 0;
  g_signal_emit (self, signals[BACKUP_FINISHED], 0, key, snapshot, error);
  if (job->pruned)
    g_signal_emit (self, signals[PRUNED], 0, key,
                   job->prune_report ? job->prune_report->removed->len : 0u,
                   job->prune_report ? job->prune_report->freed_bytes : (guint64) 0, job->prune_error);
  if (self->stopping)
    {
      g_signal_emit (self, signals[STOPPED], 0);
      return;
    }
  /* The snapshot moves the phone's next due time. */
  ask_library (self);
}

static void
run_next (LbDocked *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;
  Phone *p = NULL;
  char *key = NULL;

  if (self->running != NULL || self->stopping)
    return;
  while (p == NULL && (key = g_queue_pop_head (&self->queue)) != NULL)
    {
      p = g_hash_table_lookup (self->phones, key);
      if (p == NULL || p->info->state != LB_DEVICE_READY)
        {
          p = NULL;
          g_free (key);
        }
    }
  if (p == NULL)
    return;
  self->running = key;
  self->cancellable = g_cancellable_new ();
  job = g_new0 (Job, 1);
  job->library = g_strdup (self->library);
  job->lock_path = g_build_filename (self->library, "lock", NULL);
  job->key = g_strdup (key);
  job->may_create = self->may_create;
  /* Due means: no complete snapshot since the connection began (once per
   * connection), or within the interval. */
  job->unless_since = p->policy.every == 0 ? p->connected_at : lb_clock_now () - p->policy.every + 1;
  job->monitor = g_object_ref (self->monitor);
  job->docked = g_object_ref (self);
  job->context = g_main_context_ref_thread_default ();
  job->relay = lb_relay_new (emit_progress, self, (GDestroyNotify) lb_backup_progress_free);
  lb_monitor_hold (self->monitor, key);
  g_signal_emit (self, signals[BACKUP_STARTED], 0, p->info);
  task = g_task_new (self, self->cancellable, on_backup_done, NULL);
  g_task_set_source_tag (task, run_next);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, backup_thread);
}

/* ---- the bus ----------------------------------------------------------------- */

static void
on_device (LbMonitor *monitor, LbDeviceInfo *info, gpointer data)
{
  LbDocked *self = data;
  g_autofree char *key = lb_device_info_key (info);
  Phone *p = g_hash_table_lookup (self->phones, key);

  (void) monitor;
  if (p == NULL)
    {
      p = g_new0 (Phone, 1);
      p->connected_at = lb_clock_now ();
      p->waiting_state = -1;
      p->due = G_MAXINT64;
      g_hash_table_insert (self->phones, g_strdup (key), p);
    }
  else if (p->info->bus != info->bus || p->info->address != info->address)
    {
      /* Replugged faster than the monitor saw it go (it was held by our
       * backup): a new connection all the same. */
      p->connected_at = lb_clock_now ();
      p->retry_at = 0;
      p->told_off = FALSE;
      p->scheduled = 0;
    }
  lb_device_info_free (p->info);
  p->info = lb_device_info_copy (info);
  if (info->state != LB_DEVICE_READY)
    {
      if (p->waiting_state != (gint) info->state)
        g_signal_emit (self, signals[PHONE_WAITING], 0, info);
      p->waiting_state = info->state;
      return;
    }
  p->waiting_state = -1;
  ask_library (self);
}

static void
on_device_removed (LbMonitor *monitor, const char *key, gpointer data)
{
  LbDocked *self = data;
  GList *l;

  (void) monitor;
  g_hash_table_remove (self->phones, key);
  while ((l = g_queue_find_custom (&self->queue, key, (GCompareFunc) g_strcmp0)) != NULL)
    {
      g_free (l->data);
      g_queue_delete_link (&self->queue, l);
    }
  arm_timer (self);
}

static void
on_clock_jump (gpointer data)
{
  ask_library (data);
}

static void
on_policy_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
  (void) monitor; (void) file; (void) other;
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT || event == G_FILE_MONITOR_EVENT_CREATED ||
      event == G_FILE_MONITOR_EVENT_RENAMED || event == G_FILE_MONITOR_EVENT_MOVED_IN)
    ask_library (data);
}

/* ---- the object -------------------------------------------------------------- */

static void
drop_policies (LbDocked *self)
{
  if (self->policies == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->policies, self);
  g_file_monitor_cancel (self->policies);
  g_clear_object (&self->policies);
}

const char *
lb_docked_get_running (LbDocked *self, GCancellable **cancellable)
{
  g_return_val_if_fail (LB_IS_DOCKED (self), NULL);
  if (cancellable != NULL)
    *cancellable = self->running != NULL ? self->cancellable : NULL;
  return self->running;
}

void
lb_docked_stop (LbDocked *self)
{
  g_return_if_fail (LB_IS_DOCKED (self));
  if (self->stopping)
    return;
  self->stopping = TRUE;
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->asking)
    g_cancellable_cancel (self->asking);
  if (self->running != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    g_signal_emit (self, signals[STOPPED], 0);
}

static void
lb_docked_dispose (GObject *object)
{
  LbDocked *self = LB_DOCKED (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_handle_id (&self->known, g_source_remove);
  if (self->monitor)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->clock, lb_clock_watch_free);
  drop_policies (self);
  G_OBJECT_CLASS (lb_docked_parent_class)->dispose (object);
}

static void
lb_docked_finalize (GObject *object)
{
  LbDocked *self = LB_DOCKED (object);

  g_hash_table_unref (self->phones);
  g_queue_clear_full (&self->queue, g_free);
  g_free (self->running);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->asking);
  g_free (self->library);
  g_free (self->library_error);
  g_mutex_clear (&self->turns);
  G_OBJECT_CLASS (lb_docked_parent_class)->finalize (object);
}

static void
lb_docked_class_init (LbDockedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType info = LB_TYPE_DEVICE_INFO | G_SIGNAL_TYPE_STATIC_SCOPE;

  object_class->dispose = lb_docked_dispose;
  object_class->finalize = lb_docked_finalize;
  signals[PHONE_WAITING] = g_signal_new ("phone-waiting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, info);
  signals[PHONE_NOT_ENABLED] = g_signal_new ("phone-not-enabled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 2, info, G_TYPE_BOOLEAN);
  signals[PHONE_SCHEDULED] = g_signal_new ("phone-scheduled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 2, info, G_TYPE_INT64);
  signals[BACKUP_STARTED] = g_signal_new ("backup-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, info);
  signals[BACKUP_WAITING] = g_signal_new ("backup-waiting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[BACKUP_PROGRESS] = g_signal_new ("backup-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_POINTER);
  signals[BACKUP_FINISHED] = g_signal_new ("backup-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 3,
                                           G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_POINTER,
                                           G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[PRUNED] = g_signal_new ("pruned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                                  G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[LIBRARY_ERROR] = g_signal_new ("library-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[STOPPED] = g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lb_docked_init (LbDocked *self)
{
  self->phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) phone_free);
  g_queue_init (&self->queue);
  g_mutex_init (&self->turns);
}

/* A shared monitor reported its phones before we listened: they arrive
 * now, from the main loop, as if just added (after the caller connected). */
static gboolean
feed_known (gpointer data)
{
  LbDocked *self = data;
  GPtrArray *devices = lb_monitor_get_devices (self->monitor);

  self->known = 0;
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    on_device (self->monitor, g_ptr_array_index (devices, i), self);
  return G_SOURCE_REMOVE;
}

/* The library in use, and the watch on its policies. */
static void
use_library (LbDocked *self, const char *library, gboolean may_create_library)
{
  g_autofree char *path = lb_auto_changed_path (library);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_free (self->library);
  self->library = g_strdup (library);
  self->may_create = may_create_library;
  drop_policies (self);
  /* A missing library (a disk not mounted) has no such file yet: the
   * monitor still reports it when it appears. */
  self->policies = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->policies != NULL)
    g_signal_connect (self->policies, "changed", G_CALLBACK (on_policy_changed), self);
}

void
lb_docked_set_library (LbDocked *self, const char *library, gboolean may_create_library)
{
  g_return_if_fail (LB_IS_DOCKED (self));
  g_return_if_fail (library != NULL);
  if (g_strcmp0 (library, self->library) == 0 || self->stopping)
    return;
  use_library (self, library, may_create_library);
  g_clear_pointer (&self->library_error, g_free);
  /* A look-up queued on the old place (behind the move's lock) gives way
   * to one of the new; the phones keep their connection times, so a
   * phone backed up this connection is not backed up again for the move. */
  if (self->asking != NULL)
    {
      self->ask_again = TRUE;
      g_cancellable_cancel (self->asking);
    }
  else
    ask_library (self);
}

static LbDocked *
docked_new (const char *library, gboolean may_create_library, LbMonitor *monitor)
{
  LbDocked *self = g_object_new (LB_TYPE_DOCKED, NULL);

  self->monitor = g_object_ref (monitor);
  g_signal_connect (self->monitor, "device-added", G_CALLBACK (on_device), self);
  g_signal_connect (self->monitor, "device-changed", G_CALLBACK (on_device), self);
  g_signal_connect (self->monitor, "device-removed", G_CALLBACK (on_device_removed), self);
  self->clock = lb_clock_watch_new (G_CALLBACK (on_clock_jump), self);
  use_library (self, library, may_create_library);
  return self;
}

LbDocked *
lb_docked_new (const char *library, gboolean may_create_library)
{
  g_autoptr(LbMonitor) monitor = lb_monitor_new ();

  return docked_new (library, may_create_library, monitor);
}

LbDocked *
lb_docked_new_with_monitor (const char *library, gboolean may_create_library, LbMonitor *monitor)
{
  LbDocked *self = docked_new (library, may_create_library, monitor);

  self->known = g_idle_add (feed_known, self);
  return self;
}

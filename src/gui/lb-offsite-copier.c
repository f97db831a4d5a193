/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-offsite-copier.h"
#include "lb-config.h"
#include "lb-keyring.h"
#include "lb-offsite.h"
#include "lb-relay.h"

#include <glib/gi18n.h>

struct _LbOffsiteCopier {
  GObject parent_instance;

  GApplication *app;             /* weak */
  GCancellable *running;         /* the copy in flight, or NULL */
  gboolean again;                /* a backup ended during it: one more */
  char *phase;
  LbRelay *relay;
};

G_DEFINE_FINAL_TYPE (LbOffsiteCopier, lb_offsite_copier, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  char *library;
  char *repository;
  LbRelay *relay;                /* borrowed: the copier outlives its copies */
} CopyJob;

static void
copy_job_free (CopyJob *job)
{
  g_free (job->library);
  g_free (job->repository);
  g_free (job);
}

/* Worker thread. */
static void
on_progress (const LbOffsiteProgress *p, gpointer user_data)
{
  CopyJob *job = user_data;
  char *text = p->fraction >= 0 ? g_strdup_printf (_("%s… %d %%"), p->phase, (int) (p->fraction * 100))
                                : g_strdup_printf (_("%s…"), p->phase);

  lb_relay_post (job->relay, text);
}

static void
copy_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  CopyJob *job = data;
  GError *error = NULL;
  char *password = lb_keyring_lookup (job->repository, cancellable, &error);
  LbResticRepo repo = { job->repository, NULL, NULL, password };
  LbOffsitePush *push;

  if (password == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  push = lb_offsite_push (job->library, &repo, on_progress, job, cancellable, &error);
  lb_keyring_free (password);
  if (push == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, push, (GDestroyNotify) lb_offsite_push_free);
}

/* Main thread. */
static void
show_phase (gpointer report, gpointer user_data)
{
  LbOffsiteCopier *self = user_data;

  if (self->running == NULL)
    return;
  g_free (self->phase);
  self->phase = g_strdup (report);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
remember (gboolean ok, const char *message)
{
  g_autoptr(GSettings) settings = lb_config_settings ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  if (settings == NULL)
    return;
  g_settings_set_int64 (settings, "offsite-last-time", g_date_time_to_unix (now));
  g_settings_set_boolean (settings, "offsite-last-ok", ok);
  g_settings_set_string (settings, "offsite-last-message", message);
}

static void
notify_failure (LbOffsiteCopier *self, const GError *error)
{
  g_autoptr(GNotification) n = NULL;
  g_autofree char *body = NULL;

  if (self->app == NULL)
    return;
  n = g_notification_new (_("The off-site copy failed"));
  body = g_strdup_printf (_("%s The backups on this computer are not touched; the next copy sends what is missing."),
                          error->message);
  g_notification_set_body (n, body);
  g_notification_set_priority (n, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (n, "app.preferences");
  g_notification_add_button (n, _("Preferences"), "app.preferences");
  g_application_send_notification (self->app, "offsite", n);
}

static void start (LbOffsiteCopier *self);

static void
copy_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbOffsiteCopier *self = LB_OFFSITE_COPIER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbOffsitePush) push = g_task_propagate_pointer (G_TASK (res), &error);

  g_clear_object (&self->running);
  g_clear_pointer (&self->phase, g_free);
  if (push != NULL)
    {
      g_autofree char *sent = g_format_size (push->bytes_added);
      /* Translators: the size sent, and restic's name for the copy */
      g_autofree char *text = g_strdup_printf (_("%s sent (restic snapshot %s)"), sent, push->restic_id);

      remember (TRUE, text);
      if (self->app != NULL)
        g_application_withdraw_notification (self->app, "offsite");
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      remember (FALSE, error->message);
      notify_failure (self, error);
    }
  if (self->again && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    start (self);
  else
    {
      self->again = FALSE;
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

static void
start (LbOffsiteCopier *self)
{
  g_autoptr(GSettings) settings = lb_config_settings ();
  g_autoptr(GTask) task = NULL;
  CopyJob *job;
  gboolean may_create;

  self->again = FALSE;
  if (settings == NULL)
    return;
  job = g_new0 (CopyJob, 1);
  job->repository = g_settings_get_string (settings, "offsite-repository");
  if (*job->repository == '\0')
    {
      copy_job_free (job);
      return;
    }
  job->library = lb_config_library_path (&may_create);
  job->relay = self->relay;
  self->running = g_cancellable_new ();
  self->phase = g_strdup (_("Starting the copy…"));
  /* The task holds the copier until its callback has run. */
  task = g_task_new (self, self->running, copy_done, NULL);
  g_task_set_source_tag (task, start);
  g_task_set_task_data (task, job, (GDestroyNotify) copy_job_free);
  g_task_run_in_thread (task, copy_thread);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
lb_offsite_copier_copy (LbOffsiteCopier *self)
{
  g_return_if_fail (LB_IS_OFFSITE_COPIER (self));

  if (self->running != NULL)
    self->again = TRUE;
  else
    start (self);
}

void
lb_offsite_copier_after_backup (LbOffsiteCopier *self)
{
  g_autoptr(GSettings) settings = lb_config_settings ();

  g_return_if_fail (LB_IS_OFFSITE_COPIER (self));
  if (settings != NULL && g_settings_get_boolean (settings, "offsite-after-backup"))
    lb_offsite_copier_copy (self);
}

void
lb_offsite_copier_cancel (LbOffsiteCopier *self)
{
  g_return_if_fail (LB_IS_OFFSITE_COPIER (self));

  self->again = FALSE;
  if (self->running != NULL)
    g_cancellable_cancel (self->running);
}

gboolean
lb_offsite_copier_is_running (LbOffsiteCopier *self)
{
  g_return_val_if_fail (LB_IS_OFFSITE_COPIER (self), FALSE);
  return self->running != NULL;
}

const char *
lb_offsite_copier_get_phase (LbOffsiteCopier *self)
{
  g_return_val_if_fail (LB_IS_OFFSITE_COPIER (self), NULL);
  return self->phase;
}

static void
lb_offsite_copier_dispose (GObject *object)
{
  LbOffsiteCopier *self = LB_OFFSITE_COPIER (object);

  /* A running copy's task holds a reference: disposing means none runs. */
  g_clear_pointer (&self->relay, lb_relay_free);
  g_clear_weak_pointer (&self->app);
  G_OBJECT_CLASS (lb_offsite_copier_parent_class)->dispose (object);
}

static void
lb_offsite_copier_finalize (GObject *object)
{
  LbOffsiteCopier *self = LB_OFFSITE_COPIER (object);

  g_free (self->phase);
  G_OBJECT_CLASS (lb_offsite_copier_parent_class)->finalize (object);
}

static void
lb_offsite_copier_class_init (LbOffsiteCopierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lb_offsite_copier_dispose;
  object_class->finalize = lb_offsite_copier_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
lb_offsite_copier_init (LbOffsiteCopier *self)
{
  self->relay = lb_relay_new (show_phase, self, g_free);
}

LbOffsiteCopier *
lb_offsite_copier_new (GApplication *app)
{
  LbOffsiteCopier *self = g_object_new (LB_TYPE_OFFSITE_COPIER, NULL);

  g_set_weak_pointer (&self->app, app);
  return self;
}

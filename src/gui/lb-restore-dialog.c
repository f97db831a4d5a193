/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-config.h"
#include "lb-error.h"
#include "lb-format.h"
#include "lb-relay.h"
#include "lb-restore-dialog.h"
#include "lb-restore.h"
#include "lb-restore-text.h"

struct _LbRestoreDialog {
  GtkDialog parent_instance;

  LbMonitor *monitor;
  GPtrArray *phones;             /* the window's LbPhone*, shared */
  LbPhone *source;
  char *library;
  gint64 preselected;
  char *target;                 /* the phone offered first, or NULL for the source */
  GStrv only;                    /* the chosen paths of the snapshot, or NULL: all */
  GHashTable *map;               /* backup storage → the phone storage the person chose */
  char *map_key;                 /* the phone those choices are for (lb_device_key) */
  gboolean destroyed;            /* widgets are gone: late callbacks only clean up */
  gboolean filling;              /* combos being refilled: not a user's choice */

  GCancellable *plan_cancellable; /* the plan in flight, NULL when none */
  gboolean replan;               /* the choice changed meanwhile: plan again after it */
  LbRestoreReport *plan;         /* the newest plan (a dry run's report), NULL when none */
  char *plan_key;                /* the target it was made for */

  GCancellable *run_cancellable; /* the restore running, NULL when none */
  gint64 run_started;            /* monotonic µs */

  GtkButton *cancel_button;
  GtkButton *restore_button;
  GtkStack *stack;
  GtkComboBox *snapshot_combo;
  GtkComboBox *target_combo;
  GtkToggleButton *mirror_check;
  GtkToggleButton *merge_check;
  GtkGrid *map_grid;
  GtkWidget *mirror_warning;
  GtkSpinner *plan_spinner;
  GtkLabel *plan_label;
  GtkLabel *plan_details_label;
  GtkWidget *migration_box;
  GtkLabel *migration_label;
  GtkToggleButton *migration_check;
  GtkLabel *progress_label;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_files_label;
  GtkLabel *current_label;
  GtkLabel *progress_note_label;
  GtkLabel *report_title;
  GtkLabel *report_label;
};

G_DEFINE_FINAL_TYPE (LbRestoreDialog, lb_restore_dialog, GTK_TYPE_DIALOG)

enum { FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The text first: a screen reader names a combo box by the first text
 * column of its model. */
enum { COL_TEXT, COL_ID, N_COLS };

/* ---- the choices -------------------------------------------------------------- */

static const LbSnapshot *
chosen_snapshot (LbRestoreDialog *self)
{
  const char *id = gtk_combo_box_get_active_id (self->snapshot_combo);
  GPtrArray *snapshots = lb_phone_get_snapshots (self->source);

  for (guint i = 0; id != NULL && i < snapshots->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (snapshots, i);
      if (s->id == g_ascii_strtoll (id, NULL, 10))
        return s;
    }
  return NULL;
}

static gboolean
is_target (LbPhone *phone)
{
  const LbDeviceInfo *info = lb_phone_get_info (phone);

  /* A phone a backup is using is not free to receive files. */
  return info != NULL && info->state == LB_DEVICE_READY && lb_phone_get_activity (phone) != LB_PHONE_BACKING_UP;
}

static LbPhone *
chosen_target (LbRestoreDialog *self)
{
  const char *key = gtk_combo_box_get_active_id (self->target_combo);

  for (guint i = 0; key != NULL && i < self->phones->len; i++)
    {
      LbPhone *phone = g_ptr_array_index (self->phones, i);
      if (g_strcmp0 (lb_phone_get_key (phone), key) == 0 && is_target (phone))
        return phone;
    }
  return NULL;
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  const LbSnapshot *sa = *(const LbSnapshot *const *) a, *sb = *(const LbSnapshot *const *) b;

  return sa->id < sb->id ? 1 : sa->id > sb->id ? -1 : 0;
}

/* Newest first, whatever order the phone keeps them in; the preselected one
 * active, else the newest complete one. */
static void
fill_snapshots (LbRestoreDialog *self)
{
  g_autoptr(GPtrArray) snapshots = g_ptr_array_copy (lb_phone_get_snapshots (self->source), NULL, NULL);
  GtkListStore *store = gtk_list_store_new (N_COLS, G_TYPE_STRING, G_TYPE_STRING);
  gint64 active = 0;

  /* The copy borrows the phone's snapshots: it must not free them. */
  g_ptr_array_set_free_func (snapshots, NULL);
  g_ptr_array_sort (snapshots, newest_first);
  for (guint i = 0; i < snapshots->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (snapshots, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, s->id);
      g_autofree char *text = lb_restore_text_snapshot (s);

      gtk_list_store_insert_with_values (store, NULL, -1, COL_ID, id, COL_TEXT, text, -1);
      if (s->id == self->preselected || (self->preselected == 0 && active == 0 && s->state == LB_SNAPSHOT_COMPLETE))
        active = s->id;
    }
  gtk_combo_box_set_model (self->snapshot_combo, GTK_TREE_MODEL (store));
  g_object_unref (store);
  if (active != 0)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, active);
      gtk_combo_box_set_active_id (self->snapshot_combo, id);
    }
  else
    gtk_combo_box_set_active (self->snapshot_combo, 0);
}

static char *
target_text (LbRestoreDialog *self, LbPhone *phone)
{
  g_autofree char *name = lb_phone_dup_display_name (phone);
  g_autofree char *model = lb_phone_dup_model (phone);
  g_autofree char *both = g_strcmp0 (name, model) == 0 ? g_strdup (name)
                                                       /* Translators: phone name — maker and model */
                                                       : g_strdup_printf (_("%s — %s"), name, model);

  g_autofree char *source_name = lb_phone_dup_display_name (self->source);

  if (phone == self->source)
    /* Translators: the phone the backup was made of */
    return g_strdup_printf (_("%s (this backup’s phone)"), both);
  /* Two phones of one model look alike: the serial tells them apart. */
  if (g_strcmp0 (name, source_name) == 0)
    {
      g_autofree char *serial = g_utf8_make_valid (lb_phone_get_serial (phone), -1);
      /* Translators: phone name, then its serial number */
      return g_strdup_printf (_("%s (serial %s)"), both, serial);
    }
  return g_steal_pointer (&both);
}

/* Rebuilt whenever phones come and go; keeps the choice when it can.
 * Returns whether the chosen phone changed. */
static gboolean
fill_targets (LbRestoreDialog *self)
{
  GtkListStore *store = gtk_list_store_new (N_COLS, G_TYPE_STRING, G_TYPE_STRING);
  /* The first time there is no model yet, hence no choice. */
  g_autofree char *was = gtk_combo_box_get_model (self->target_combo)
                           ? g_strdup (gtk_combo_box_get_active_id (self->target_combo)) : NULL;
  const char *now;
  guint n = 0;

  self->filling = TRUE;
  for (guint i = 0; i < self->phones->len; i++)
    {
      LbPhone *phone = g_ptr_array_index (self->phones, i);
      g_autofree char *text = NULL;

      if (!is_target (phone))
        continue;
      text = target_text (self, phone);
      gtk_list_store_insert_with_values (store, NULL, -1, COL_ID, lb_phone_get_key (phone), COL_TEXT, text, -1);
      n++;
    }
  gtk_combo_box_set_model (self->target_combo, GTK_TREE_MODEL (store));
  g_object_unref (store);
  if (was == NULL || !gtk_combo_box_set_active_id (self->target_combo, was))
    {
      /* The phone asked for, else the backup's own phone: restoring onto it
       * is the common case. */
      if (!(self->target != NULL && gtk_combo_box_set_active_id (self->target_combo, self->target)) &&
          (!is_target (self->source) ||
           !gtk_combo_box_set_active_id (self->target_combo, lb_phone_get_key (self->source))))
        gtk_combo_box_set_active (self->target_combo, n > 0 ? 0 : -1);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->target_combo), n > 0);
  self->filling = FALSE;
  now = gtk_combo_box_get_active_id (self->target_combo);
  return g_strcmp0 (was, now) != 0;
}

/* ---- the plan ----------------------------------------------------------------- */

typedef struct {
  char *library;
  gint64 snapshot_id;
  GStrv only;
  GStrv map;                     /* "SD card=Internal shared storage", as --map */
  char *key;                     /* the target's lb_device_key */
  gboolean mirror;
  gboolean no_merge;
  gboolean to_new_device;
  gboolean dry_run;
  LbMonitor *monitor;            /* plans hold the phone themselves */
  LbPhone *target;               /* restores mark it busy */
  LbRelay *relay;                /* restores report progress */
  LbRestoreReport *report;       /* whatever lb_restore_run left, also on failure */
  GError *error;
} Job;

static void
job_free (Job *job)
{
  g_free (job->library);
  g_strfreev (job->only);
  g_strfreev (job->map);
  g_free (job->key);
  g_clear_object (&job->monitor);
  g_clear_object (&job->target);
  g_clear_pointer (&job->report, lb_restore_report_free);
  g_clear_error (&job->error);
  g_free (job);
}

/* Worker thread: owns the phone and the library until it returns. */
static void
on_run_progress (const LbRestoreProgress *p, gpointer user_data)
{
  Job *job = user_data;
  LbRestoreProgress *copy;

  if (job->relay == NULL)
    return;
  copy = g_memdup2 (p, sizeof *p);
  copy->current = g_strdup (p->current);
  lb_relay_post (job->relay, copy);
}

static void
progress_free (LbRestoreProgress *p)
{
  g_free ((char *) p->current);
  g_free (p);
}

static void
job_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  LbRestoreOptions options = { 0 };
  LbRestoreReport *failed = NULL;

  (void) source;
  options.library = job->library;
  options.snapshot_id = job->snapshot_id;
  options.only = (const char *const *) job->only;
  options.map = (const char *const *) job->map;
  options.serial = job->key;
  options.mirror = job->mirror;
  options.no_merge = job->no_merge;
  options.to_new_device = job->to_new_device;
  options.dry_run = job->dry_run;
  options.plain_hints = TRUE;
  /* Held by now; the monitor may still be looking at the phone this moment. */
  if (job->monitor != NULL)
    lb_monitor_wait_unused (job->monitor, job->key);
  job->report = lb_restore_run (&options, on_run_progress, job, cancellable, &failed, &job->error);
  if (job->report == NULL)
    job->report = failed;
  g_task_return_boolean (task, TRUE);
}

static gboolean
can_restore (LbRestoreDialog *self)
{
  const LbRestorePlan *plan = self->plan ? self->plan->plan : NULL;

  return plan != NULL && self->plan_cancellable == NULL && self->run_cancellable == NULL && plan->fits &&
         plan->problems->len == 0 && chosen_target (self) != NULL &&
         g_strcmp0 (lb_phone_get_key (chosen_target (self)), self->plan_key) == 0 &&
         (!plan->migration || gtk_toggle_button_get_active (self->migration_check));
}

static void
update_restore_button (LbRestoreDialog *self)
{
  if (self->destroyed)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_button), can_restore (self));
}

static void
show_migration (LbRestoreDialog *self, const LbRestorePlan *plan)
{
  g_autofree char *text = NULL, *from = NULL, *to = NULL, *from_serial = NULL, *to_serial = NULL;

  gtk_widget_set_visible (self->migration_box, plan != NULL && plan->migration);
  if (plan == NULL || !plan->migration || plan->snapshot == NULL || plan->target == NULL)
    return;
  from = g_utf8_make_valid (plan->snapshot->model ? plan->snapshot->model : "", -1);
  to = g_utf8_make_valid (plan->target->model ? plan->target->model : "", -1);
  from_serial = g_utf8_make_valid (plan->snapshot->serial ? plan->snapshot->serial : "", -1);
  to_serial = g_utf8_make_valid (plan->target->serial ? plan->target->serial : "", -1);
  text = g_strdup_printf (_("This backup was made of another phone (%s, serial %s) than the one chosen (%s, serial %s). "
                            "Its files will be added to this phone."),
                          from, from_serial, to, to_serial);
  gtk_label_set_text (self->migration_label, text);
}

static void
set_planning (LbRestoreDialog *self, gboolean planning)
{
  gtk_widget_set_visible (GTK_WIDGET (self->plan_spinner), planning);
  if (planning)
    gtk_spinner_start (self->plan_spinner);
  else
    gtk_spinner_stop (self->plan_spinner);
}

/* A message instead of a plan: why there is none yet. */
static void
show_no_plan (LbRestoreDialog *self, const char *why)
{
  /* why may quote a core message that quotes the phone. */
  g_autofree char *valid = g_utf8_make_valid (why, -1);

  set_planning (self, FALSE);
  gtk_label_set_text (self->plan_label, valid);
  gtk_label_set_markup (self->plan_details_label, "");
  show_migration (self, NULL);
  update_restore_button (self);
}

/* Offered only where it changes something: a storage of the backup that
 * this phone has none for, and that would fit merged. */
static void
show_merge_choice (LbRestoreDialog *self, const LbRestorePlan *plan)
{
  gboolean matters = FALSE;

  for (guint i = 0; i < plan->storages->len; i++)
    {
      const LbRestoreStorage *s = g_ptr_array_index (plan->storages, i);
      matters |= s->merged || (s->left_out && !s->no_room);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->merge_check), matters);
}

/* ---- where each storage goes ------------------------------------------------- */

static void start_plan (LbRestoreDialog *self);

/* The person's choices, as lb_restore_run takes them (--map's form). */
static GStrv
map_choices (LbRestoreDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter it;
  gpointer source, target;

  g_hash_table_iter_init (&it, self->map);
  while (g_hash_table_iter_next (&it, &source, &target))
    {
      g_autofree char *pair = g_strdup_printf ("%s=%s", (char *) source, (char *) target);
      g_strv_builder_add (builder, pair);
    }
  return g_strv_builder_end (builder);
}

static void
on_map_changed (GtkComboBox *combo, LbRestoreDialog *self)
{
  const char *source = g_object_get_data (G_OBJECT (combo), "lb-source");
  const char *target = gtk_combo_box_get_active_id (combo);

  if (self->filling || self->destroyed || target == NULL)
    return;
  g_hash_table_replace (self->map, g_strdup (source), g_strdup (target));
  start_plan (self);
}

static void
show_child (GtkWidget *child, gpointer data)
{
  (void) data;
  gtk_widget_show (child);
}

/* One row per storage of the backup, with the phone's storages to choose
 * from; shown when there is a choice to make. */
static void
show_map (LbRestoreDialog *self, const LbRestorePlan *plan)
{
  g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (self->map_grid));
  GtkWidget *title;

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  if (plan == NULL || plan->target == NULL || plan->target->storages->len == 0 ||
      (plan->storages->len < 2 && plan->target->storages->len < 2))
    {
      gtk_widget_hide (GTK_WIDGET (self->map_grid));
      return;
    }
  self->filling = TRUE;
  title = gtk_label_new (_("Where each storage of the backup goes on the phone:"));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_grid_attach (self->map_grid, title, 0, 0, 2, 1);
  for (guint i = 0; i < plan->storages->len; i++)
    {
      const LbRestoreStorage *s = g_ptr_array_index (plan->storages, i);
      g_autofree char *shown = g_utf8_make_valid (s->source, -1);
      GtkWidget *label = gtk_label_new (shown);
      GtkWidget *combo = gtk_combo_box_text_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_set_margin_start (label, 12);
      /* The storage's name names the choice, for a screen reader too. */
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), combo);
      for (guint t = 0; t < plan->target->storages->len; t++)
        {
          const LbStorageInfo *st = g_ptr_array_index (plan->target->storages, t);
          g_autofree char *text = g_strdup_printf (_("→ %s"), st->description);
          gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (combo), st->description, text);
        }
      if (s->target != NULL && !s->left_out)
        gtk_combo_box_set_active_id (GTK_COMBO_BOX (combo), s->target);
      gtk_widget_set_hexpand (combo, TRUE);
      gtk_widget_set_name (combo, "map_combo");
      g_object_set_data_full (G_OBJECT (combo), "lb-source", g_strdup (s->source), g_free);
      g_signal_connect (combo, "changed", G_CALLBACK (on_map_changed), self);
      gtk_grid_attach (self->map_grid, label, 0, (int) i + 1, 1, 1);
      gtk_grid_attach (self->map_grid, combo, 1, (int) i + 1, 1, 1);
    }
  /* no-show-all (hidden until there is a choice): its children one by one. */
  gtk_container_foreach (GTK_CONTAINER (self->map_grid), show_child, NULL);
  gtk_widget_show (GTK_WIDGET (self->map_grid));
  self->filling = FALSE;
}

static void
show_plan (LbRestoreDialog *self, const LbRestorePlan *plan, const GError *error)
{
  g_autofree char *summary = NULL, *details = NULL, *name = NULL;
  LbPhone *target;

  set_planning (self, FALSE);
  /* A plan that does not fit still comes with its figures: show those. */
  if (plan == NULL || (error != NULL && !g_error_matches (error, LB_ERROR, LB_ERROR_STORAGE_FULL)))
    {
      g_autofree char *text = g_strdup_printf (_("The plan could not be made: %s"), error ? error->message : _("unknown error"));
      show_no_plan (self, text);
      return;
    }
  target = chosen_target (self);
  name = target ? lb_phone_dup_display_name (target) : NULL;
  summary = lb_restore_text_plan_summary (plan, name);
  details = lb_restore_text_plan_details (plan);
  show_merge_choice (self, plan);
  gtk_label_set_text (self->plan_label, summary);
  gtk_label_set_markup (self->plan_details_label, details);
  show_migration (self, plan);
  update_restore_button (self);
}

static void start_plan (LbRestoreDialog *self);

/* What the plan is doing: reading the phone can take a while. */
static void
show_planning (gpointer report, gpointer user_data)
{
  LbRestoreDialog *self = user_data;
  const LbRestoreProgress *p = report;
  g_autofree char *n = NULL, *text = NULL;

  if (self->destroyed || !p->planning || self->plan_cancellable == NULL)
    return;
  n = lb_restore_text_count (p->objects_listed);
  text = g_strdup_printf (_("Planning: reading what the phone holds: %s objects…"), n);
  gtk_label_set_text (self->plan_label, text);
}

static void
plan_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbRestoreDialog *self = LB_RESTORE_DIALOG (source);
  Job *job = g_task_get_task_data (G_TASK (res));

  (void) user_data;
  /* The worker has returned: nothing posts to the relay any more. */
  g_clear_pointer (&job->relay, lb_relay_free);
  /* The job has closed the phone: the monitor may look at it again. */
  lb_monitor_unhold (job->monitor, job->key);
  g_clear_object (&self->plan_cancellable);
  if (self->destroyed)
    return;
  if (self->replan)
    {
      self->replan = FALSE;
      start_plan (self);
      return;
    }
  g_clear_pointer (&self->plan, lb_restore_report_free);
  g_free (self->plan_key);
  self->plan_key = g_strdup (job->key);
  self->plan = g_steal_pointer (&job->report);
  show_map (self, self->plan ? self->plan->plan : NULL);
  show_plan (self, self->plan ? self->plan->plan : NULL, job->error);
}

static void
start_plan (LbRestoreDialog *self)
{
  const LbSnapshot *snapshot = chosen_snapshot (self);
  LbPhone *target = chosen_target (self);
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->destroyed || self->run_cancellable != NULL)
    return;
  g_clear_pointer (&self->plan, lb_restore_report_free);
  if (target == NULL || g_strcmp0 (lb_phone_get_key (target), self->plan_key) != 0)
    gtk_toggle_button_set_active (self->migration_check, FALSE);
  g_clear_pointer (&self->plan_key, g_free);
  update_restore_button (self);
  /* One plan at a time: two would open the same phone at once. */
  if (self->plan_cancellable != NULL)
    {
      g_cancellable_cancel (self->plan_cancellable);
      self->replan = TRUE;
      return;
    }
  if (snapshot == NULL)
    {
      show_no_plan (self, _("This phone has no backup to restore."));
      return;
    }
  if (snapshot->state != LB_SNAPSHOT_COMPLETE)
    {
      show_no_plan (self, _("This backup is not complete, so it cannot be restored. Choose a complete one."));
      return;
    }
  if (target == NULL)
    {
      show_no_plan (self, _("Connect the phone to restore onto, unlock it, and choose “File transfer” on it."));
      return;
    }

  job = g_new0 (Job, 1);
  job->library = g_strdup (self->library);
  job->snapshot_id = snapshot->id;
  job->only = g_strdupv (self->only);
  job->key = g_strdup (lb_phone_get_key (target));
  /* Choices made for another phone do not carry over. */
  if (g_strcmp0 (self->map_key, job->key) != 0)
    {
      g_hash_table_remove_all (self->map);
      g_free (self->map_key);
      self->map_key = g_strdup (job->key);
    }
  job->map = map_choices (self);
  job->mirror = gtk_toggle_button_get_active (self->mirror_check);
  job->no_merge = !gtk_toggle_button_get_active (self->merge_check);
  /* The plan itself tells whether this is a migration; the person confirms
   * it before the real run. */
  job->to_new_device = TRUE;
  job->dry_run = TRUE;
  job->monitor = g_object_ref (self->monitor);
  /* The plan opens the phone: the monitor must not open it meanwhile. */
  lb_monitor_hold (self->monitor, job->key);

  self->plan_cancellable = g_cancellable_new ();
  set_planning (self, TRUE);
  gtk_label_set_text (self->plan_label, _("Planning: looking at what the phone already holds…"));
  gtk_label_set_markup (self->plan_details_label, "");
  show_migration (self, NULL);
  job->relay = lb_relay_new (show_planning, self, (GDestroyNotify) progress_free);
  task = g_task_new (self, self->plan_cancellable, plan_done, NULL);
  g_task_set_source_tag (task, start_plan);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

static void
on_choice_changed (LbRestoreDialog *self)
{
  if (self->filling || self->destroyed)
    return;
  gtk_widget_set_visible (self->mirror_warning, gtk_toggle_button_get_active (self->mirror_check));
  start_plan (self);
}

/* Main thread: a phone came, went or changed state. */
static void
on_devices_changed (LbRestoreDialog *self)
{
  if (self->destroyed || self->run_cancellable != NULL)
    return;
  if (fill_targets (self))
    start_plan (self);
}

/* ---- the restore ------------------------------------------------------------- */

static void
show_progress (gpointer report, gpointer user_data)
{
  LbRestoreDialog *self = user_data;
  const LbRestoreProgress *p = report;
  g_autofree char *done = lb_restore_text_count (p->files_done), *total = lb_restore_text_count (p->files_total);
  g_autofree char *bytes_done = g_format_size (p->bytes_done), *bytes_total = g_format_size (p->bytes_total);
  g_autofree char *figures = NULL, *line = NULL, *current = NULL;

  if (self->destroyed)
    return;
  if (p->planning)
    {
      /* A restore plans again before it sends: its first seconds. */
      g_autofree char *n = lb_restore_text_count (p->objects_listed);
      g_autofree char *text = g_strdup_printf (_("Reading what the phone holds: %s objects…"), n);
      gtk_label_set_text (self->progress_files_label, text);
      return;
    }
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 p->bytes_total > 0 ? (double) p->bytes_done / p->bytes_total
                                 : p->files_total > 0 ? (double) p->files_done / p->files_total : 0);
  figures = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %s file · %s of %s", "%s of %s files · %s of %s", p->files_total),
                             done, total, bytes_done, bytes_total);
  if (p->eta_seconds >= 0)
    {
      g_autofree char *eta = lb_format_duration (p->eta_seconds);
      /* Translators: progress figures, then the time left */
      line = g_strdup_printf (_("%s · about %s left"), figures, eta);
    }
  gtk_label_set_text (self->progress_files_label, line ? line : figures);
  current = g_utf8_make_valid (p->current ? p->current : "", -1);
  gtk_label_set_text (self->current_label, current);
}

static void
show_report (LbRestoreDialog *self, const LbRestoreReport *r, const GError *error)
{
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_autofree char *details = NULL;
  g_autofree char *seconds = lb_format_duration ((g_get_monotonic_time () - self->run_started) / G_USEC_PER_SEC);
  g_autofree char *title = NULL;

  if (cancelled)
    title = g_strdup (_("Restore cancelled"));
  else if (error != NULL || r == NULL || r->interrupted)
    title = g_strdup (_("Restore stopped"));
  else if (r->failed->len > 0)
    title = g_strdup_printf (_("Restore done in %s, but some files were not restored"), seconds);
  else
    title = g_strdup_printf (_("Restore done in %s"), seconds);
  gtk_label_set_text (self->report_title, title);
  if (r != NULL)
    details = lb_restore_text_report_details (r, error, cancelled);
  else
    details = g_markup_escape_text (error ? error->message : "", -1);
  gtk_label_set_markup (self->report_label, details);
  gtk_stack_set_visible_child_name (self->stack, "report");
  gtk_widget_hide (GTK_WIDGET (self->restore_button));
  gtk_button_set_label (self->cancel_button, _("_Close"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), TRUE);
}

static void
run_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbRestoreDialog *self = LB_RESTORE_DIALOG (source);
  Job *job = g_task_get_task_data (G_TASK (res));

  (void) user_data;
  /* The worker has returned: nothing posts to the relay any more. */
  g_clear_pointer (&job->relay, lb_relay_free);
  g_clear_object (&self->run_cancellable);
  lb_phone_set_activity (job->target, LB_PHONE_IDLE);
  /* Its free space and files changed: look at it again. */
  lb_monitor_refresh (job->monitor);
  if (self->destroyed)
    return;
  show_report (self, job->report, job->error);
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
on_restore_clicked (LbRestoreDialog *self)
{
  LbPhone *target = chosen_target (self);
  const LbRestorePlan *plan = self->plan ? self->plan->plan : NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL, *text = NULL;
  Job *job;

  if (!can_restore (self) || lb_phone_get_activity (target) != LB_PHONE_IDLE)
    return;
  job = g_new0 (Job, 1);
  job->library = g_strdup (self->library);
  job->snapshot_id = plan->snapshot->id;
  job->only = g_strdupv (self->only);
  job->map = map_choices (self);
  job->key = g_strdup (self->plan_key);
  job->mirror = gtk_toggle_button_get_active (self->mirror_check);
  job->no_merge = !gtk_toggle_button_get_active (self->merge_check);
  job->to_new_device = plan->migration && gtk_toggle_button_get_active (self->migration_check);
  job->monitor = g_object_ref (self->monitor);
  job->target = g_object_ref (target);
  job->relay = lb_relay_new (show_progress, self, (GDestroyNotify) progress_free);
  /* Busy: the hot-plug monitor keeps its hands off, and the window offers
   * no backup of it meanwhile. */
  lb_phone_set_activity (target, LB_PHONE_RESTORING);

  name = lb_phone_dup_display_name (target);
  text = g_strdup_printf (_("Restoring onto %s…"), name);
  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_files_label, _("Starting: looking at the phone again…"));
  gtk_label_set_text (self->current_label, "");
  gtk_stack_set_visible_child_name (self->stack, "progress");
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_button), FALSE);

  self->run_started = g_get_monotonic_time ();
  self->run_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->run_cancellable, run_done, NULL);
  g_task_set_source_tag (task, on_restore_clicked);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

static void
on_cancel_clicked (LbRestoreDialog *self)
{
  if (self->run_cancellable != NULL)
    {
      g_cancellable_cancel (self->run_cancellable);
      gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), FALSE);
      gtk_label_set_text (self->progress_note_label, _("Cancelling: the file being sent is finished first…"));
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- life cycle ---------------------------------------------------------------- */

/* A running restore keeps the dialog: closing it would hide the only place
 * that says how far it got and lets it be stopped. */
static gboolean
lb_restore_dialog_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  LbRestoreDialog *self = LB_RESTORE_DIALOG (widget);

  (void) event;
  if (self->run_cancellable != NULL)
    {
      gtk_label_set_text (self->progress_note_label,
                          _("The restore is still running. Cancel it first, or wait until it is done."));
      return TRUE;
    }
  return FALSE;
}

static void
lb_restore_dialog_dispose (GObject *object)
{
  LbRestoreDialog *self = LB_RESTORE_DIALOG (object);

  /* Jobs still running hold what they need; they only clean up now. */
  self->destroyed = TRUE;
  if (self->plan_cancellable != NULL)
    g_cancellable_cancel (self->plan_cancellable);
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->source);
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  g_clear_pointer (&self->plan, lb_restore_report_free);
  g_clear_pointer (&self->plan_key, g_free);
  g_clear_pointer (&self->library, g_free);
  g_clear_pointer (&self->only, g_strfreev);
  g_clear_pointer (&self->target, g_free);
  g_clear_pointer (&self->map, g_hash_table_unref);
  g_clear_pointer (&self->map_key, g_free);
  G_OBJECT_CLASS (lb_restore_dialog_parent_class)->dispose (object);
}

static void
lb_restore_dialog_finalize (GObject *object)
{
  LbRestoreDialog *self = LB_RESTORE_DIALOG (object);

  g_clear_object (&self->plan_cancellable);
  g_clear_object (&self->run_cancellable);
  G_OBJECT_CLASS (lb_restore_dialog_parent_class)->finalize (object);
}

static void
lb_restore_dialog_class_init (LbRestoreDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_restore_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = lb_restore_dialog_finalize;
  widget_class->delete_event = lb_restore_dialog_delete_event;

  /* A restore ran (finished, failed or cancelled): the phone and the
   * library's journal changed. */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-restore-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, restore_button);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, snapshot_combo);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, target_combo);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, mirror_check);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, merge_check);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, map_grid);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, mirror_warning);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, plan_spinner);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, plan_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, plan_details_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, migration_box);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, migration_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, migration_check);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, progress_files_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, current_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, progress_note_label);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, report_title);
  gtk_widget_class_bind_template_child (widget_class, LbRestoreDialog, report_label);
  gtk_widget_class_bind_template_callback (widget_class, on_choice_changed);
  gtk_widget_class_bind_template_callback (widget_class, update_restore_button);
  gtk_widget_class_bind_template_callback (widget_class, on_restore_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
lb_restore_dialog_init (LbRestoreDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

GtkWidget *
lb_restore_dialog_new (GtkWindow *parent, LbMonitor *monitor, GPtrArray *phones, LbPhone *source, gint64 snapshot_id,
                       const char *const *only, const char *target)
{
  LbRestoreDialog *self = g_object_new (LB_TYPE_RESTORE_DIALOG, "transient-for", parent, "use-header-bar", TRUE, NULL);
  gboolean may_create;
  g_autofree char *name = lb_phone_dup_display_name (source);
  g_autofree char *title = g_strdup_printf (_("Restore %s"), name);

  gtk_window_set_title (GTK_WINDOW (self), title);
  self->monitor = g_object_ref (monitor);
  self->phones = g_ptr_array_ref (phones);
  self->source = g_object_ref (source);
  self->preselected = snapshot_id;
  self->target = g_strdup (target);
  self->only = g_strdupv ((char **) only);
  self->library = lb_config_library_path (&may_create);
  /* After the window's own handlers (connected first), so the phones are
   * up to date when the targets are rebuilt. */
  g_signal_connect_swapped (self->monitor, "device-added", G_CALLBACK (on_devices_changed), self);
  g_signal_connect_swapped (self->monitor, "device-changed", G_CALLBACK (on_devices_changed), self);
  g_signal_connect_swapped (self->monitor, "device-removed", G_CALLBACK (on_devices_changed), self);

  self->filling = TRUE;
  fill_snapshots (self);
  self->filling = FALSE;
  if (self->only != NULL)
    {
      guint n = g_strv_length (self->only);
      g_autofree char *count = lb_restore_text_count (n);
      g_autofree char *subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Only the chosen file or folder",
                                                                "Only the %s chosen files and folders", n), count);

      /* The paths are that snapshot's. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->snapshot_combo), FALSE);
      gtk_header_bar_set_subtitle (GTK_HEADER_BAR (gtk_dialog_get_header_bar (GTK_DIALOG (self))), subtitle);
    }
  fill_targets (self);
  start_plan (self);
  return GTK_WIDGET (self);
}

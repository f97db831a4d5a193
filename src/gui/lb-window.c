/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-browser.h"
#include "lb-config.h"
#include "lb-docked.h"
#include "lb-error.h"
#include "lb-first-run.h"
#include "lb-gvfs.h"
#include "lb-phone-page.h"
#include "lb-phone-row.h"
#include "lb-restore-dialog.h"
#include "lb-window.h"

struct _LbWindow {
  GtkApplicationWindow parent_instance;

  LbMonitor *monitor;
  LbDocked *docked;            /* the process's automatic backups, or NULL */
  LbOffsiteCopier *copier;     /* the application's off-site copies, or NULL */
  GPtrArray *phones;           /* LbPhone*, in list order */
  GCancellable *cancellable;   /* library reads and releases */
  GCancellable *load;          /* the library read in flight: a newer one replaces it */
  gboolean closing;            /* the user agreed to stop running backups */

  gboolean first_run_kept;      /* "Keep Here": not asked again while this process runs */
  GtkInfoBar *first_run_bar;
  GtkLabel *first_run_label;
  GtkWidget *first_run_choose;
  GtkWidget *first_run_keep;
  GtkInfoBar *library_bar;
  GtkLabel *library_label;
  GtkListBox *phone_list;
  GtkStack *main_stack;
  LbPhonePage *phone_page;
};

G_DEFINE_FINAL_TYPE (LbWindow, lb_window, GTK_TYPE_APPLICATION_WINDOW)

static LbPhone *
find_phone (LbWindow *self, const char *key)
{
  for (guint i = 0; i < self->phones->len; i++)
    {
      LbPhone *phone = g_ptr_array_index (self->phones, i);
      if (g_strcmp0 (lb_phone_get_key (phone), key) == 0)
        return phone;
    }
  return NULL;
}

/* The row for a phone as the monitor lists it.  A busy or charging-only
 * phone's USB product string stands in for its model, so its key may not
 * be its row's: then the row its serial and vendor match, the one at its
 * place on the bus first. */
static LbPhone *
find_phone_for (LbWindow *self, const LbDeviceInfo *info)
{
  g_autofree char *key = lb_device_info_key (info);
  LbPhone *phone = find_phone (self, key), *any = NULL;

  for (guint i = 0; phone == NULL && i < self->phones->len; i++)
    {
      LbPhone *p = g_ptr_array_index (self->phones, i);
      const LbDeviceInfo *was = lb_phone_get_info (p);

      if (!lb_device_info_matches (lb_phone_get_key (p), info))
        continue;
      if (was != NULL && was->bus == info->bus && was->address == info->address)
        phone = p;
      else if (any == NULL)
        any = p;
    }
  return phone != NULL ? phone : any;
}

static GtkListBoxRow *
find_row (LbWindow *self, LbPhone *phone)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->phone_list));

  for (GList *l = rows; l != NULL; l = l->next)
    if (LB_IS_PHONE_ROW (l->data) && lb_phone_row_get_phone (l->data) == phone)
      return l->data;
  return NULL;
}

/* The phone, other than PHONE, whose last backup is the newest: what a
 * new phone's Restore… offers. */
static LbPhone *
newest_backed_up_other (LbWindow *self, LbPhone *phone)
{
  LbPhone *best = NULL;
  gint64 newest = G_MININT64;

  for (guint i = 0; i < self->phones->len; i++)
    {
      LbPhone *other = g_ptr_array_index (self->phones, i);
      GPtrArray *snapshots = lb_phone_get_snapshots (other);

      /* Newest first (load_done). */
      if (other != phone && snapshots->len > 0 && ((LbSnapshot *) snapshots->pdata[0])->started > newest)
        {
          best = other;
          newest = ((LbSnapshot *) snapshots->pdata[0])->started;
        }
    }
  return best;
}

static void
update_actions (LbWindow *self)
{
  LbPhone *phone = lb_window_get_selected_phone (self);
  const LbDeviceInfo *info = phone ? lb_phone_get_info (phone) : NULL;
  gboolean idle = phone != NULL && lb_phone_get_activity (phone) == LB_PHONE_IDLE;
  gboolean has_snapshot = phone != NULL && lb_phone_get_snapshots (phone)->len > 0;
  GAction *a;

  a = g_action_map_lookup_action (G_ACTION_MAP (self), "back-up");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), idle && info != NULL && info->state == LB_DEVICE_READY &&
                               !gtk_widget_get_visible (GTK_WIDGET (self->library_bar)));
  a = g_action_map_lookup_action (G_ACTION_MAP (self), "cancel");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), phone != NULL && lb_phone_get_activity (phone) == LB_PHONE_BACKING_UP);
  a = g_action_map_lookup_action (G_ACTION_MAP (self), "restore");
  /* A connected phone with no backup of its own can take another's. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), idle && (has_snapshot ||
                               (info != NULL && info->state == LB_DEVICE_READY &&
                                newest_backed_up_other (self, phone) != NULL)));
  a = g_action_map_lookup_action (G_ACTION_MAP (self), "browse");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (a), has_snapshot);
}

static void
show_selected (LbWindow *self)
{
  LbPhone *phone = lb_window_get_selected_phone (self);

  lb_phone_page_set_phone (self->phone_page, phone);
  gtk_stack_set_visible_child_name (self->main_stack, phone ? "phone" : "welcome");
  update_actions (self);
}

static void
on_phone_selected (LbWindow *self, GtkListBoxRow *row)
{
  show_selected (self);
}

static void on_backup_finished (LbWindow *self, LbPhone *phone);

/* ---- automatic backups, shown on their phone ------------------------------ */

/* The phone an automatic backup is running on shows it, from its start or
 * from whenever the window first lists the phone. */
static void
follow_if_running (LbWindow *self, LbPhone *phone)
{
  GCancellable *cancellable = NULL;
  const char *running = self->docked ? lb_docked_get_running (self->docked, &cancellable) : NULL;

  if (running != NULL && cancellable != NULL && g_strcmp0 (running, lb_phone_get_key (phone)) == 0)
    lb_phone_follow_backup (phone, cancellable);
}

static void
on_auto_started (LbWindow *self, const LbDeviceInfo *info)
{
  LbPhone *phone = find_phone_for (self, info);

  if (phone != NULL)
    follow_if_running (self, phone);
}

static void
on_auto_progress (LbWindow *self, const char *key, const LbBackupProgress *progress)
{
  LbPhone *phone = find_phone (self, key);

  if (phone != NULL)
    lb_phone_follow_progress (phone, progress);
}

static void
on_auto_finished (LbWindow *self, const char *key, const LbSnapshot *snapshot, const GError *error)
{
  LbPhone *phone = find_phone (self, key);

  if (phone != NULL)
    lb_phone_follow_finished (phone, snapshot, error);
}

void
lb_window_set_copier (LbWindow *self, LbOffsiteCopier *copier)
{
  g_return_if_fail (LB_IS_WINDOW (self));
  g_set_object (&self->copier, copier);
}

void
lb_window_set_docked (LbWindow *self, LbDocked *docked)
{
  g_return_if_fail (LB_IS_WINDOW (self));
  if (self->docked == docked)
    return;
  if (self->docked != NULL)
    g_signal_handlers_disconnect_by_data (self->docked, self);
  g_set_object (&self->docked, docked);
  if (docked == NULL)
    return;
  g_signal_connect_swapped (docked, "backup-started", G_CALLBACK (on_auto_started), self);
  g_signal_connect_swapped (docked, "backup-progress", G_CALLBACK (on_auto_progress), self);
  g_signal_connect_swapped (docked, "backup-finished", G_CALLBACK (on_auto_finished), self);
  for (guint i = 0; i < self->phones->len; i++)
    follow_if_running (self, g_ptr_array_index (self->phones, i));
}

static LbPhone *
add_phone (LbWindow *self, const char *key)
{
  LbPhone *phone = lb_phone_new (key, self->monitor);
  GtkWidget *row = lb_phone_row_new (phone);

  g_ptr_array_add (self->phones, phone);
  g_signal_connect_swapped (phone, "changed", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (phone, "backup-finished", G_CALLBACK (on_backup_finished), self);
  gtk_container_add (GTK_CONTAINER (self->phone_list), row);
  if (gtk_list_box_get_selected_row (self->phone_list) == NULL)
    gtk_list_box_select_row (self->phone_list, GTK_LIST_BOX_ROW (row));
  follow_if_running (self, phone);
  return phone;
}

static void
remove_phone (LbWindow *self, LbPhone *phone)
{
  GtkListBoxRow *row = find_row (self, phone);

  g_signal_handlers_disconnect_by_data (phone, self);
  if (row != NULL)
    gtk_widget_destroy (GTK_WIDGET (row));
  g_ptr_array_remove (self->phones, phone);
  if (gtk_list_box_get_selected_row (self->phone_list) == NULL)
    {
      GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->phone_list, 0);
      if (first != NULL)
        gtk_list_box_select_row (self->phone_list, first);
    }
  show_selected (self);
}

/* Main thread: the monitor's signals. */
static void
on_device (LbWindow *self, const LbDeviceInfo *info)
{
  LbPhone *phone = find_phone_for (self, info);
  gboolean was_connected;

  if (phone == NULL)
    {
      g_autofree char *key = lb_device_info_key (info);
      phone = add_phone (self, key);
      /* Its automatic-backup policy may be in the library already. */
      lb_window_reload (self);
    }
  was_connected = lb_phone_get_info (phone) != NULL;
  lb_phone_set_info (phone, info);
  /* A phone just plugged in is what the user wants to see. */
  if (!was_connected)
    gtk_list_box_select_row (self->phone_list, find_row (self, phone));
  show_selected (self);
}

static void
on_device_removed (LbWindow *self, const char *key)
{
  LbPhone *phone = NULL;

  /* The row showing it, which find_phone_for may have chosen by serial. */
  for (guint i = 0; phone == NULL && i < self->phones->len; i++)
    {
      LbPhone *p = g_ptr_array_index (self->phones, i);
      g_autofree char *shown = lb_phone_get_info (p) ? lb_device_info_key (lb_phone_get_info (p)) : NULL;

      if (g_strcmp0 (shown, key) == 0)
        phone = p;
    }
  if (phone == NULL)
    phone = find_phone (self, key);

  if (phone == NULL)
    return;
  /* A phone with backups stays listed: they can still be browsed and
   * restored onto another phone. */
  if (lb_phone_get_snapshots (phone)->len == 0 && lb_phone_get_activity (phone) == LB_PHONE_IDLE &&
      lb_phone_get_result (phone) == NULL)
    remove_phone (self, phone);
  else
    lb_phone_set_info (phone, NULL);
  update_actions (self);
}

/* ---- reading the library (worker thread) ---------------------------------- */

typedef struct {
  char *path;
  gboolean may_create;
  gboolean first_run;          /* the default library, not made yet, and no place chosen */
  GHashTable *policies;        /* serial -> LbAutoPolicy*, filled by the worker */
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_clear_pointer (&job->policies, g_hash_table_unref);
  g_free (job);
}

/* Every phone the library knows, with its automatic-backup policy. */
static gboolean
load_policies (LbLibrary *library, GHashTable *policies, GError **error)
{
  g_autoptr(GPtrArray) serials = lb_auto_list_serials (library, error);

  for (guint i = 0; serials != NULL && i < serials->len; i++)
    {
      LbAutoPolicy *p = g_new0 (LbAutoPolicy, 1);
      if (!lb_auto_get_policy (library, serials->pdata[i], p, error))
        {
          g_free (p);
          return FALSE;
        }
      g_hash_table_insert (policies, g_strdup (serials->pdata[i]), p);
    }
  return serials != NULL;
}

static void
load_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LoadJob *job = data;
  g_autoptr(LbLibrary) library = NULL;
  GError *error = NULL;
  GPtrArray *snapshots;

  /* Reading never creates the default library: a first backup does. */
  if (job->may_create && !g_file_test (job->path, G_FILE_TEST_EXISTS))
    {
      job->first_run = TRUE;
      g_task_return_pointer (task, g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  library = lb_library_open (job->path, FALSE, LB_LIBRARY_READ, &error);
  if (library == NULL || (snapshots = lb_library_list_snapshots (library, NULL, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!load_policies (library, job->policies, &error))
    {
      g_ptr_array_unref (snapshots);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, snapshots, (GDestroyNotify) g_ptr_array_unref);
}

static void
show_library_problem (LbWindow *self, const char *path, const GError *error)
{
  g_autofree char *text = NULL;

  if (error == NULL)
    {
      gtk_widget_hide (GTK_WIDGET (self->library_bar));
      return;
    }
  if (g_error_matches (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING))
    text = g_strdup_printf (_("The backup library at %s cannot be found. If it is on an external disk, "
                              "connect that disk and press Try Again, or choose another place in Preferences. "
                              "Nothing is backed up until then."), path);
  else
    text = g_strdup_printf (_("The backup library at %s cannot be read: %s"), path, error->message);
  gtk_label_set_text (self->library_label, text);
  gtk_widget_show (GTK_WIDGET (self->library_bar));
}

/* ---- the first run: where the library goes ------------------------------- */

static void
show_first_run (LbWindow *self, const LoadJob *job)
{
  g_autofree char *text = NULL;

  if (!job->first_run || self->first_run_kept)
    {
      gtk_widget_hide (GTK_WIDGET (self->first_run_bar));
      return;
    }
  text = g_strdup_printf (_("Backups will be kept in %s, on this computer’s own disk. To keep them on another "
                            "disk, choose a folder there now; Preferences can move them later too."), job->path);
  gtk_label_set_text (self->first_run_label, text);
  gtk_info_bar_set_message_type (self->first_run_bar, GTK_MESSAGE_INFO);
  gtk_widget_show (GTK_WIDGET (self->first_run_bar));
}

static void
first_run_chosen (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbWindow *self = LB_WINDOW (source);
  g_autoptr(GError) error = NULL;
  gboolean created = FALSE;
  g_autofree char *library = lb_first_run_choose_finish (res, &created, &error);

  gtk_widget_set_sensitive (self->first_run_choose, TRUE);
  gtk_widget_set_sensitive (self->first_run_keep, TRUE);
  if (library == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup_printf (_("The library cannot go there: %s"), error->message);
      gtk_label_set_text (self->first_run_label, text);
      gtk_info_bar_set_message_type (self->first_run_bar, GTK_MESSAGE_ERROR);
      return;
    }
  g_debug ("library %s: %s", created ? "started" : "found", library);
  gtk_widget_hide (GTK_WIDGET (self->first_run_bar));
  /* The saved place is the library from now on; one found there may
   * bring a whole history with it. */
  lb_window_reload (self);
}

static void
on_first_run_choose (LbWindow *self)
{
  gtk_widget_set_sensitive (self->first_run_choose, FALSE);
  gtk_widget_set_sensitive (self->first_run_keep, FALSE);
  lb_first_run_choose (GTK_WINDOW (self), self->cancellable, first_run_chosen, NULL);
}

static void
on_first_run_keep (LbWindow *self)
{
  self->first_run_kept = TRUE;
  gtk_widget_hide (GTK_WIDGET (self->first_run_bar));
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  const LbSnapshot *x = *(const LbSnapshot *const *) a, *y = *(const LbSnapshot *const *) b;

  return (y->id > x->id) - (y->id < x->id);
}

/* A phone the library does not know yet waits to be asked (lb-auto.h).
 * Choices are kept per serial; the default, on once backed up, is the
 * phone's own: a phone sharing a fake serial with one backed up is new. */
static void
set_policy (LbPhone *phone, GHashTable *policies)
{
  const LbAutoPolicy *p = g_hash_table_lookup (policies, lb_phone_get_serial (phone));
  LbAutoPolicy policy = { .enabled = FALSE, .chosen = FALSE, .every = LB_AUTO_DEFAULT_EVERY };

  if (p != NULL)
    policy = *p;
  if (!policy.chosen)
    policy.enabled = lb_phone_get_last_backup (phone) != NULL;
  lb_phone_set_auto (phone, &policy);
}

static void
load_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbWindow *self = LB_WINDOW (source);
  LoadJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = g_task_propagate_pointer (G_TASK (res), &error);
  /* Phones go by device key: cheap ones share a fake serial. */
  g_autoptr(GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_ptr_array_unref);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_library_problem (self, job->path, error);
  show_first_run (self, job);
  if (all == NULL)
    all = g_ptr_array_new ();
  /* Newest first, per phone, whatever order the catalog gives. */
  g_ptr_array_sort (all, newest_first);
  for (guint i = 0; i < all->len; i++)
    {
      LbSnapshot *s = g_ptr_array_index (all, i);
      g_autofree char *key = lb_device_key (s->serial, s->vendor_id, s->model);
      GPtrArray *list = g_hash_table_lookup (by_key, key);

      if (list == NULL)
        g_hash_table_insert (by_key, g_steal_pointer (&key), list = g_ptr_array_new ());
      g_ptr_array_add (list, s);
    }
  for (guint i = 0; i < self->phones->len; i++)
    {
      LbPhone *phone = g_ptr_array_index (self->phones, i);
      GPtrArray *list = g_hash_table_lookup (by_key, lb_phone_get_key (phone));
      g_autoptr(GPtrArray) none = g_ptr_array_new ();

      lb_phone_set_snapshots (phone, list ? list : none);
      g_hash_table_remove (by_key, lb_phone_get_key (phone));
      set_policy (phone, job->policies);
    }
  /* Phones known only from the library, after the others. */
  for (guint i = 0; i < all->len; i++)
    {
      LbSnapshot *s = g_ptr_array_index (all, i);
      g_autofree char *key = lb_device_key (s->serial, s->vendor_id, s->model);
      GPtrArray *list = g_hash_table_lookup (by_key, key);

      if (list != NULL && find_phone (self, key) == NULL)
        {
          LbPhone *phone = add_phone (self, key);
          lb_phone_set_snapshots (phone, list);
          set_policy (phone, job->policies);
        }
    }
  show_selected (self);
}

void
lb_window_reload (LbWindow *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job = g_new0 (LoadJob, 1);

  job->path = lb_config_library_path (&job->may_create);
  job->policies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Only the newest read may land: an older one finishing last would
   * bring back a history without the backup just made. */
  if (self->load != NULL)
    g_cancellable_cancel (self->load);
  g_clear_object (&self->load);
  self->load = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel), self->load,
                           G_CONNECT_SWAPPED);
  task = g_task_new (self, self->load, load_done, NULL);
  g_task_set_source_tag (task, lb_window_reload);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);
}

static void
on_backup_finished (LbWindow *self, LbPhone *phone)
{
  const LbBackupResult *r = lb_phone_get_result (phone);

  lb_window_reload (self);
  /* An automatic one is the background service's to follow up. */
  if (self->copier != NULL && r != NULL && r->ok && !r->automatic)
    lb_offsite_copier_after_backup (self->copier);
  /* Whatever the backup met (an unplug, a lock), look at the phone again. */
  lb_monitor_refresh (self->monitor);
}

/* ---- guidance actions ----------------------------------------------------- */

static void
on_retry (LbWindow *self)
{
  lb_phone_page_set_guidance_note (self->phone_page, _("Looking at the phone again…"));
  lb_monitor_refresh (self->monitor);
}

static void
release_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(LbWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (lb_gvfs_release_finish (res, &error))
    {
      lb_phone_page_set_guidance_note (self->phone_page, _("Released from the file manager. Looking at the phone again…"));
      lb_monitor_refresh (self->monitor);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    lb_phone_page_set_guidance_note (self->phone_page, error->message);
}

static void
on_release (LbWindow *self)
{
  LbPhone *phone = lb_phone_page_get_phone (self->phone_page);
  const LbDeviceInfo *info = phone ? lb_phone_get_info (phone) : NULL;

  if (info == NULL)
    return;
  lb_phone_page_set_guidance_note (self->phone_page, _("Asking the file manager to let go of the phone…"));
  lb_gvfs_release_async (info, self->cancellable, release_done, g_object_ref (self));
}

static void
on_browse (LbWindow *self)
{
  g_action_group_activate_action (G_ACTION_GROUP (self), "browse", NULL);
}

/* ---- window actions ------------------------------------------------------- */

static void
back_up_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbWindow *self = user_data;
  LbPhone *phone = lb_window_get_selected_phone (self);
  gboolean may_create;
  g_autofree char *library = lb_config_library_path (&may_create);

  if (phone == NULL || lb_phone_get_activity (phone) != LB_PHONE_IDLE)
    return;
  lb_phone_back_up (phone, library, may_create);
}

/* "win.restore-only" (snapshot id, phone paths): the browser's "Restore to
 * Phone…", the Restore dialog limited to what was chosen in a snapshot. */
/* The restore dialog for the phone's snapshot id (0: the dialog's
 * choice), limited to paths (NULL: everything); the window reloads when
 * it is done. */
static void
open_restore (LbWindow *self, LbPhone *phone, gint64 id, const char *const *paths, const char *target)
{
  GtkWidget *dialog = lb_restore_dialog_new (GTK_WINDOW (self), self->monitor, self->phones, phone, id, paths, target);

  g_signal_connect_swapped (dialog, "finished", G_CALLBACK (lb_window_reload), self);
  /* Presented, not only shown: it takes the keyboard focus. */
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restore_only_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbWindow *self = user_data;
  gint64 id;
  g_autofree const char **paths = NULL;

  (void) action;
  g_variant_get (param, "(x^a&s)", &id, &paths);
  for (guint i = 0; i < self->phones->len; i++)
    {
      LbPhone *phone = g_ptr_array_index (self->phones, i);
      GPtrArray *snapshots = lb_phone_get_snapshots (phone);

      for (guint j = 0; j < snapshots->len; j++)
        if (((LbSnapshot *) g_ptr_array_index (snapshots, j))->id == id)
          {
            open_restore (self, phone, id, (const char *const *) paths, NULL);
            return;
          }
    }
}

static void
cancel_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbWindow *self = user_data;
  LbPhone *phone = lb_window_get_selected_phone (self);

  if (phone != NULL)
    lb_phone_cancel (phone);
}

static const LbSnapshot *
selected_snapshot (LbWindow *self, LbPhone *phone)
{
  gint64 id = lb_phone_page_get_selected_snapshot (self->phone_page);
  GPtrArray *snapshots = lb_phone_get_snapshots (phone);

  for (guint i = 0; i < snapshots->len; i++)
    if (((LbSnapshot *) g_ptr_array_index (snapshots, i))->id == id)
      return g_ptr_array_index (snapshots, i);
  return lb_phone_get_last_backup (phone);
}

static void
restore_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbWindow *self = user_data;
  LbPhone *phone = lb_window_get_selected_phone (self);
  const LbSnapshot *s = phone ? selected_snapshot (self, phone) : NULL;
  LbPhone *source;

  if (phone == NULL)
    return;
  if (lb_phone_get_snapshots (phone)->len > 0)
    open_restore (self, phone, s ? s->id : 0, NULL, NULL);
  /* A new phone, selected because it was just plugged in: the newest
   * backup of the one it replaces, onto it. */
  else if ((source = newest_backed_up_other (self, phone)) != NULL)
    open_restore (self, source, 0, NULL, lb_phone_get_key (phone));
}

static void
browse_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbWindow *self = user_data;
  LbPhone *phone = lb_window_get_selected_phone (self);
  const LbSnapshot *s = phone ? selected_snapshot (self, phone) : NULL;
  gboolean may_create;
  g_autofree char *library = lb_config_library_path (&may_create);
  GtkWidget *browser;

  if (s == NULL)
    return;
  browser = lb_browser_new (GTK_WINDOW (self), library, s);
  gtk_window_present (GTK_WINDOW (browser));
}

static void
reload_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbWindow *self = user_data;

  lb_window_reload (self);
  lb_monitor_refresh (self->monitor);
}

static const GActionEntry win_entries[] = {
  { "back-up", back_up_activated, NULL, NULL, NULL, { 0 } },
  { "cancel", cancel_activated, NULL, NULL, NULL, { 0 } },
  { "restore-only", restore_only_activated, "(xas)", NULL, NULL, { 0 } },
  { "restore", restore_activated, NULL, NULL, NULL, { 0 } },
  { "browse", browse_activated, NULL, NULL, NULL, { 0 } },
  { "reload", reload_activated, NULL, NULL, NULL, { 0 } },
};

/* ---- life cycle ----------------------------------------------------------- */

static void
save_geometry (LbWindow *self)
{
  g_autoptr(GSettings) settings = lb_config_settings ();
  int w, h;

  if (settings == NULL)
    return;
  gtk_window_get_size (GTK_WINDOW (self), &w, &h);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)))
    {
      g_settings_set_int (settings, "window-width", w);
      g_settings_set_int (settings, "window-height", h);
    }
}

static void
restore_geometry (LbWindow *self)
{
  g_autoptr(GSettings) settings = lb_config_settings ();

  if (settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static guint
backups_running (LbWindow *self)
{
  guint n = 0;

  /* An automatic backup goes on without the window. */
  for (guint i = 0; i < self->phones->len; i++)
    n += lb_phone_get_activity (g_ptr_array_index (self->phones, i)) == LB_PHONE_BACKING_UP &&
         !lb_phone_is_following (g_ptr_array_index (self->phones, i));
  return n;
}

static void
on_close_answer (GtkDialog *dialog, int response, LbWindow *self)
{
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response != GTK_RESPONSE_ACCEPT)
    return;
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
lb_window_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  LbWindow *self = LB_WINDOW (widget);
  GtkWidget *dialog;

  /* Stopping a backup is safe, but should not happen by surprise. */
  if (!self->closing && backups_running (self) > 0)
    {
      dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                       GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                       _("Stop the backup and close?"));
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                                _("What was copied so far is kept, and the next backup carries on "
                                                  "from there."));
      gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Keep Backing Up"), GTK_RESPONSE_CANCEL,
                              _("_Stop and Close"), GTK_RESPONSE_ACCEPT, NULL);
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
      g_signal_connect (dialog, "response", G_CALLBACK (on_close_answer), self);
      gtk_widget_show (dialog);
      return TRUE;
    }
  save_geometry (self);
  return GTK_WIDGET_CLASS (lb_window_parent_class)->delete_event
           ? GTK_WIDGET_CLASS (lb_window_parent_class)->delete_event (widget, event) : FALSE;
}

static void
lb_window_dispose (GObject *object)
{
  LbWindow *self = LB_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->load != NULL)
    g_cancellable_cancel (self->load);
  g_clear_object (&self->load);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  if (self->docked != NULL)
    g_signal_handlers_disconnect_by_data (self->docked, self);
  g_clear_object (&self->docked);
  g_clear_object (&self->copier);
  if (self->phones != NULL)
    for (guint i = 0; i < self->phones->len; i++)
      {
        LbPhone *phone = g_ptr_array_index (self->phones, i);
        g_signal_handlers_disconnect_by_data (phone, self);
        /* A backup still running stops at its next checkpoint; an
         * automatic one goes on without the window. */
        if (!lb_phone_is_following (phone))
          lb_phone_cancel (phone);
      }
  g_clear_pointer (&self->phones, g_ptr_array_unref);
  G_OBJECT_CLASS (lb_window_parent_class)->dispose (object);
}

static void
lb_window_class_init (LbWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_window_dispose;
  widget_class->delete_event = lb_window_delete_event;

  g_type_ensure (LB_TYPE_PHONE_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LbWindow, first_run_bar);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, first_run_label);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, first_run_choose);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, first_run_keep);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, library_bar);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, library_label);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, phone_list);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, phone_page);
  gtk_widget_class_bind_template_callback (widget_class, on_phone_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_retry);
  gtk_widget_class_bind_template_callback (widget_class, on_first_run_choose);
  gtk_widget_class_bind_template_callback (widget_class, on_first_run_keep);
  gtk_widget_class_bind_template_callback (widget_class, on_release);
  gtk_widget_class_bind_template_callback (widget_class, on_browse);
}

static void
lb_window_init (LbWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->phones = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  restore_geometry (self);
}

LbWindow *
lb_window_new (GtkApplication *app, LbMonitor *monitor)
{
  LbWindow *self = g_object_new (LB_TYPE_WINDOW, "application", app, NULL);
  GPtrArray *devices;

  self->monitor = g_object_ref (monitor);
  g_signal_connect_swapped (self->monitor, "device-added", G_CALLBACK (on_device), self);
  g_signal_connect_swapped (self->monitor, "device-changed", G_CALLBACK (on_device), self);
  g_signal_connect_swapped (self->monitor, "device-removed", G_CALLBACK (on_device_removed), self);
  devices = lb_monitor_get_devices (self->monitor);
  for (guint i = 0; i < devices->len; i++)
    on_device (self, g_ptr_array_index (devices, i));
  show_selected (self);
  lb_window_reload (self);
  return self;
}

GPtrArray *
lb_window_get_phones (LbWindow *self)
{
  return self->phones;
}

LbPhone *
lb_window_get_selected_phone (LbWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->phone_list);

  return row && LB_IS_PHONE_ROW (row) ? lb_phone_row_get_phone (LB_PHONE_ROW (row)) : NULL;
}

void
lb_window_select_phone (LbWindow *self, const char *key)
{
  LbPhone *phone = find_phone (self, key);
  GtkListBoxRow *row = phone != NULL ? find_row (self, phone) : NULL;

  g_return_if_fail (LB_IS_WINDOW (self));
  if (row != NULL)
    gtk_list_box_select_row (self->phone_list, row);
}

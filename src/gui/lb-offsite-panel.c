/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-offsite-panel.h"
#include "lb-config.h"
#include "lb-error.h"
#include "lb-format.h"
#include "lb-keyring.h"
#include "lb-offsite.h"

#include <string.h>
#include <glib/gi18n.h>

struct _LbOffsitePanel {
  GtkBox parent_instance;

  LbOffsiteCopier *copier;
  GSettings *settings;           /* NULL without the schema */
  GCancellable *closing;         /* cancelled when the panel goes */
  gboolean setting_up;

  GtkEntry *repo_entry;
  GtkEntry *password_entry;
  GtkWidget *choose_button;
  GtkWidget *setup_button;
  GtkWidget *after_check;
  GtkWidget *copy_button;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (LbOffsitePanel, lb_offsite_panel, GTK_TYPE_BOX)

static char *
saved_repository (LbOffsitePanel *self)
{
  return self->settings ? g_settings_get_string (self->settings, "offsite-repository") : g_strdup ("");
}

/* How the last copy went, or what the running one does. */
static void
show_status (LbOffsitePanel *self)
{
  g_autofree char *repository = saved_repository (self);
  g_autofree char *text = NULL;
  gint64 when;

  if (self->setting_up)
    return;
  if (self->copier != NULL && lb_offsite_copier_is_running (self->copier))
    text = g_strdup (lb_offsite_copier_get_phase (self->copier));
  else if (*repository == '\0')
    text = g_strdup (_("Not set up: type where the copy goes and a password for it, then press Set Up."));
  else if ((when = g_settings_get_int64 (self->settings, "offsite-last-time")) == 0)
    text = g_strdup (_("No copy made yet."));
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *at = lb_format_when (when, g_date_time_to_unix (now));
      g_autofree char *message = g_settings_get_string (self->settings, "offsite-last-message");

      if (g_settings_get_boolean (self->settings, "offsite-last-ok"))
        /* Translators: when ("yesterday at 14:02"), then what it sent */
        text = g_strdup_printf (_("Last copy %s: %s."), at, message);
      else
        /* Translators: when ("yesterday at 14:02"), then why */
        text = g_strdup_printf (_("The last copy, %s, failed: %s"), at, message);
    }
  gtk_label_set_text (self->status_label, text);
}

static void
update_sensitivity (LbOffsitePanel *self)
{
  g_autofree char *repository = saved_repository (self);
  g_autofree char *typed = g_strstrip (g_strdup (gtk_entry_get_text (self->repo_entry)));
  gboolean set_up = *repository != '\0';
  gboolean running = self->copier != NULL && lb_offsite_copier_is_running (self->copier);

  gtk_widget_set_sensitive (self->setup_button, !self->setting_up && self->settings != NULL &&
                            *typed != '\0' && *gtk_entry_get_text (self->password_entry) != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->repo_entry), !self->setting_up);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_entry), !self->setting_up);
  gtk_widget_set_sensitive (self->choose_button, !self->setting_up);
  gtk_widget_set_sensitive (self->after_check, set_up && !self->setting_up);
  gtk_widget_set_sensitive (self->copy_button, set_up && !self->setting_up && !running && self->copier != NULL);
}

static void
on_entry_changed (LbOffsitePanel *self)
{
  update_sensitivity (self);
}

static void
on_copier_changed (LbOffsitePanel *self)
{
  show_status (self);
  update_sensitivity (self);
}

static void
on_copy_clicked (LbOffsitePanel *self)
{
  if (self->copier != NULL)
    lb_offsite_copier_copy (self->copier);
}

/* ---- Set Up (worker thread) ------------------------------------------------ */

typedef struct {
  char *repository;
  char *password;
  gboolean created;
  guint copies;
} SetUp;

static void
set_up_free (SetUp *s)
{
  g_free (s->repository);
  if (s->password != NULL)
    memset (s->password, 0, strlen (s->password));
  g_free (s->password);
  g_free (s);
}

static void
set_up_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SetUp *s = data;
  LbResticRepo repo = { s->repository, NULL, NULL, s->password };
  GError *error = NULL;
  g_autoptr(GPtrArray) copies = lb_offsite_list (&repo, cancellable, &error);

  /* Nothing there yet: this is where the copies start. */
  if (copies == NULL && g_error_matches (error, LB_ERROR, LB_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      if (!lb_offsite_init (&repo, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      s->created = TRUE;
    }
  else if (copies == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  else
    s->copies = copies->len;
  /* Only a password that opens the repository is kept. */
  if (!lb_keyring_store (s->repository, s->password, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
set_up_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbOffsitePanel *self = LB_OFFSITE_PANEL (source);
  SetUp *s = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->setting_up = FALSE;
  if (error != NULL)
    {
      text = g_strdup_printf (_("Not set up: %s"), error->message);
      gtk_label_set_text (self->status_label, text);
      update_sensitivity (self);
      return;
    }
  g_settings_set_string (self->settings, "offsite-repository", s->repository);
  /* A new place: what the settings said of the old one no longer holds. */
  g_settings_reset (self->settings, "offsite-last-time");
  g_settings_reset (self->settings, "offsite-last-ok");
  g_settings_reset (self->settings, "offsite-last-message");
  gtk_entry_set_text (self->password_entry, "");
  gtk_entry_set_placeholder_text (self->password_entry, _("kept in the desktop keyring"));
  update_sensitivity (self);
  if (s->created)
    text = g_strdup (_("Set up: a new, empty repository was started there. Copy Now makes the first copy."));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Set up: the repository there already holds %u copy of a Lifeboat library.",
                                         "Set up: the repository there already holds %u copies of a Lifeboat library.",
                                         s->copies), s->copies);
  gtk_label_set_text (self->status_label, text);
}

static void
on_setup_clicked (LbOffsitePanel *self)
{
  g_autoptr(GTask) task = NULL;
  SetUp *s;

  if (!gtk_widget_get_sensitive (self->setup_button))
    return;
  s = g_new0 (SetUp, 1);
  s->repository = g_strstrip (g_strdup (gtk_entry_get_text (self->repo_entry)));
  s->password = g_strdup (gtk_entry_get_text (self->password_entry));
  self->setting_up = TRUE;
  update_sensitivity (self);
  gtk_label_set_text (self->status_label, _("Opening the repository…"));
  task = g_task_new (self, self->closing, set_up_done, NULL);
  g_task_set_source_tag (task, on_setup_clicked);
  g_task_set_task_data (task, s, (GDestroyNotify) set_up_free);
  g_task_run_in_thread (task, set_up_thread);
}

static void
on_folder_chosen (GtkNativeDialog *chooser, int response, LbOffsitePanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));

      if (path != NULL)
        gtk_entry_set_text (self->repo_entry, path);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
on_choose_clicked (LbOffsitePanel *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Where Should the Off-site Copy Go?"), GTK_WINDOW (gtk_widget_get_toplevel (GTK_WIDGET (self))),
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Use This Folder"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_create_folders (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_folder_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- life cycle ------------------------------------------------------------ */

void
lb_offsite_panel_set_copier (LbOffsitePanel *self, LbOffsiteCopier *copier)
{
  g_return_if_fail (LB_IS_OFFSITE_PANEL (self));
  g_return_if_fail (copier == NULL || LB_IS_OFFSITE_COPIER (copier));

  if (self->copier != NULL)
    g_signal_handlers_disconnect_by_data (self->copier, self);
  g_set_object (&self->copier, copier);
  if (copier != NULL)
    g_signal_connect_swapped (copier, "changed", G_CALLBACK (on_copier_changed), self);
  on_copier_changed (self);
}

static void
lb_offsite_panel_dispose (GObject *object)
{
  LbOffsitePanel *self = LB_OFFSITE_PANEL (object);

  if (self->closing != NULL)
    g_cancellable_cancel (self->closing);
  g_clear_object (&self->closing);
  if (self->copier != NULL)
    g_signal_handlers_disconnect_by_data (self->copier, self);
  g_clear_object (&self->copier);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (lb_offsite_panel_parent_class)->dispose (object);
}

static void
lb_offsite_panel_class_init (LbOffsitePanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_offsite_panel_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-offsite-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, repo_entry);
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, password_entry);
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, choose_button);
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, setup_button);
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, after_check);
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, copy_button);
  gtk_widget_class_bind_template_child (widget_class, LbOffsitePanel, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_setup_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);
}

static void
lb_offsite_panel_init (LbOffsitePanel *self)
{
  g_autofree char *repository = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->closing = g_cancellable_new ();
  self->settings = lb_config_settings ();
  repository = saved_repository (self);
  gtk_entry_set_text (self->repo_entry, repository);
  if (*repository != '\0')
    gtk_entry_set_placeholder_text (self->password_entry, _("kept in the desktop keyring"));
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "offsite-after-backup", self->after_check, "active", G_SETTINGS_BIND_DEFAULT);
      g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (on_copier_changed), self);
    }
  show_status (self);
  update_sensitivity (self);
}

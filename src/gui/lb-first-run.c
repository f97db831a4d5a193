/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-first-run.h"
#include "lb-config.h"

#include <glib/gi18n.h>

typedef struct {
  GtkFileChooserNative *chooser;
  char *chosen;
  char *library;
  gboolean created;
} Choice;

static void
choice_free (Choice *c)
{
  /* on_response destroyed the chooser already. */
  g_warn_if_fail (c->chooser == NULL);
  g_free (c->chosen);
  g_free (c->library);
  g_free (c);
}

static void
start_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Choice *c = data;
  GError *error = NULL;

  c->library = lb_config_start_library (c->chosen, &c->created, &error);
  if (c->library == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_response (GtkNativeDialog *chooser, int response, GTask *task)
{
  Choice *c = g_task_get_task_data (task);
  g_autoptr(GFile) file = NULL;

  gtk_native_dialog_hide (chooser);
  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  /* Gone here, on the main thread: the task's data may be freed on the
   * worker's, where no GTK call belongs. */
  g_signal_handlers_disconnect_by_data (chooser, task);
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&c->chooser);
  if (file == NULL || (c->chosen = g_file_get_path (file)) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("No folder was chosen"));
      g_object_unref (task);
      return;
    }
  /* Opening or making the library touches the disk: not on this thread. */
  g_task_run_in_thread (task, start_thread);
  g_object_unref (task);
}

void
lb_first_run_choose (GtkWindow *parent, GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task = g_task_new (parent, cancellable, callback, user_data);
  Choice *c = g_new0 (Choice, 1);

  g_task_set_source_tag (task, lb_first_run_choose);
  g_task_set_task_data (task, c, (GDestroyNotify) choice_free);
  c->chooser = gtk_file_chooser_native_new (_("Where Should the Backups Go?"), parent,
                                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                            _("_Use This Folder"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (c->chooser), TRUE);
  gtk_file_chooser_set_create_folders (GTK_FILE_CHOOSER (c->chooser), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (c->chooser), g_get_home_dir ());
  /* The task is the response's: it lives until the person answers. */
  g_signal_connect (c->chooser, "response", G_CALLBACK (on_response), task);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (c->chooser));
}

char *
lb_first_run_choose_finish (GAsyncResult *result, gboolean *created, GError **error)
{
  Choice *c;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lb_first_run_choose, NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  c = g_task_get_task_data (G_TASK (result));
  *created = c->created;
  return g_strdup (c->library);
}

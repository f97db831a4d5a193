/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lb-autostart.h"

static char *
user_entry (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", LB_AUTOSTART_FILE, NULL);
}

/* An entry is on unless it says otherwise (the XDG Autostart spec's Hidden,
 * GNOME's X-GNOME-Autostart-enabled). */
static gboolean
entry_enabled (GKeyFile *kf)
{
  g_autoptr(GError) error = NULL;
  gboolean hidden = g_key_file_get_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL);
  gboolean enabled = g_key_file_get_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", &error);

  return !hidden && (error != NULL || enabled);
}

/* Worker thread: the person's copy decides; without one, the first
 * installed entry on the system's configuration path. */
static void
get_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autofree char *mine = user_entry ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  const char *const *dirs = g_get_system_config_dirs ();

  (void) source; (void) data; (void) cancellable;
  if (g_key_file_load_from_file (kf, mine, G_KEY_FILE_NONE, &error))
    {
      g_task_return_int (task, entry_enabled (kf));
      return;
    }
  if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (gsize i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "autostart", LB_AUTOSTART_FILE, NULL);
      g_autoptr(GKeyFile) sys = g_key_file_new ();

      if (g_key_file_load_from_file (sys, path, G_KEY_FILE_NONE, NULL))
        {
          g_task_return_int (task, entry_enabled (sys));
          return;
        }
    }
  g_task_return_int (task, 0);
}

void
lb_autostart_get_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, lb_autostart_get_async);
  g_task_run_in_thread (task, get_thread);
}

int
lb_autostart_get_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* Worker thread: the person's copy, whole (it stands in for the installed
 * entry, which may not exist in a prefix the session does not look in). */
static void
set_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  gboolean enabled = GPOINTER_TO_INT (data);
  g_autofree char *mine = user_entry ();
  g_autofree char *dir = g_path_get_dirname (mine);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *text = NULL;
  GError *error = NULL;

  (void) source; (void) cancellable;
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE, "Application");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, "Lifeboat");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         "Backs up your phone when it is connected");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, "lifeboat --background");
  g_key_file_set_string (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, "io.github.lifeboat.Lifeboat");
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TERMINAL, FALSE);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY, TRUE);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, !enabled);
  g_key_file_set_boolean (kf, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", enabled);
  text = g_key_file_to_data (kf, NULL, NULL);
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int errsv = errno;
      g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (errsv), _("Could not create %s: %s"),
                               dir, g_strerror (errsv));
      return;
    }
  if (!g_file_set_contents_full (mine, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
lb_autostart_set_async (gboolean enabled, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, lb_autostart_set_async);
  g_task_set_task_data (task, GINT_TO_POINTER (enabled), NULL);
  g_task_run_in_thread (task, set_thread);
}

gboolean
lb_autostart_set_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "lb-application.h"
#include "lb-background.h"
#include "lb-offsite-copier.h"
#include "lb-config.h"
#include "lb-device.h"
#include "lb-help.h"
#include "lb-preferences.h"
#include "lb-window.h"

struct _LbApplication {
  GtkApplication parent_instance;

  LbMonitor *monitor;
  /* --background: automatic backups, the process kept without a window. */
  LbBackground *background;
  LbOffsiteCopier *copier;  /* off-site copies, after backups or asked for */
  gboolean no_window_once;  /* the --background start shows no window */
  guint on_term, on_int;    /* its SIGTERM and SIGINT sources */
};

G_DEFINE_FINAL_TYPE (LbApplication, lb_application, GTK_TYPE_APPLICATION)

/* src/gui/lb-resources.c, generated.  Registered by hand: a static
 * library's constructor would not be linked in. */
GResource *lb_get_resource (void);
void lb_register_resource (void);

static LbWindow *
main_window (LbApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (LB_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
library_moved (LbApplication *self)
{
  LbWindow *window = main_window (self);

  if (window != NULL)
    lb_window_reload (window);
}

static void
preferences_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbApplication *self = user_data;
  GtkWidget *dialog = lb_preferences_new (GTK_WINDOW (main_window (self)), self->copier);

  g_signal_connect_object (dialog, "library-moved", G_CALLBACK (library_moved), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "start-background", G_CALLBACK (lb_application_start_background), self,
                           G_CONNECT_SWAPPED);

  gtk_widget_show (dialog);
}

static void
help_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbApplication *self = user_data;

  lb_help_show (GTK_WINDOW (main_window (self)));
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbApplication *self = user_data;
  const char *authors[] = { _("The Lifeboat developers"), NULL };

  gtk_show_about_dialog (GTK_WINDOW (main_window (self)),
                         "program-name", _("Lifeboat"),
                         "logo-icon-name", LB_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Back up your phone over USB, look inside the backups, and put them back "
                                       "onto the same phone or a new one."),
                         "authors", authors,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static LbWindow *
show_window (LbApplication *self)
{
  LbWindow *window = main_window (self);

  if (window == NULL)
    {
      window = lb_window_new (GTK_APPLICATION (self), self->monitor);
      lb_window_set_copier (window, self->copier);
      if (self->background != NULL)
        lb_window_set_docked (window, lb_background_get_docked (self->background));
    }
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/* A notification's button or body: the window, on that phone. */
static void
show_phone_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbApplication *self = user_data;

  lb_window_select_phone (show_window (self), g_variant_get_string (param, NULL));
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbApplication *self = user_data;
  LbWindow *window = main_window (self);

  if (window != NULL)
    gtk_window_close (GTK_WINDOW (window));
  else
    g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_entries[] = {
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "help", help_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "show-phone", show_phone_activated, "s", NULL, NULL, { 0 } },
};

static void
lb_application_startup (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);
  static const struct { const char *action; const char *accels[2]; } accels[] = {
    { "app.quit", { "<Primary>q", NULL } },
    { "app.preferences", { "<Primary>comma", NULL } },
    { "app.help", { "F1", NULL } },
    { "win.back-up", { "<Primary>b", NULL } },
    { "win.restore", { "<Primary>r", NULL } },
    { "win.browse", { "<Primary>o", NULL } },
    { "win.reload", { "F5", NULL } },
    { "win.show-help-overlay", { "<Primary>question", NULL } },
  };

  G_APPLICATION_CLASS (lb_application_parent_class)->startup (app);

  /* USB, disk and SQLite work on this thread would freeze the window: the
   * device layer and the library refuse it outright. */
  lb_device_forbid_thread (g_thread_self ());
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
  gtk_window_set_default_icon_name (LB_APPLICATION_ID);
  self->monitor = lb_monitor_new ();
  self->copier = lb_offsite_copier_new (app);
}

static void
lb_application_activate (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);

  if (self->no_window_once)
    {
      self->no_window_once = FALSE;
      return;
    }
  show_window (self);
}

static void
background_backup_finished (LbApplication *self, gboolean made)
{
  LbWindow *window = main_window (self);

  if (window != NULL)
    lb_window_reload (window);
  if (made)
    lb_offsite_copier_after_backup (self->copier);
}

static void
background_stopped (LbApplication *self)
{
  g_application_quit (G_APPLICATION (self));
}

/* Logout (SIGTERM) or Ctrl-C: a running backup is interrupted safely,
 * then the process ends. */
static gboolean
on_stop_signal (gpointer data)
{
  LbApplication *self = data;

  lb_background_stop (self->background);
  return G_SOURCE_CONTINUE;
}

/* --background: this process becomes the session's one Lifeboat, held
 * without a window; started again (from the menu) it shows the window in
 * this same process.  Another --background while one runs does nothing. */
static gint
lb_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  LbApplication *self = LB_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  if (!g_variant_dict_contains (options, "background"))
    return -1;
  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("lifeboat: %s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (app))
    return 0;
  self->no_window_once = TRUE;
  lb_application_start_background (self);
  return -1;
}

void
lb_application_start_background (LbApplication *self)
{
  g_return_if_fail (LB_IS_APPLICATION (self));

  if (self->background != NULL)
    return;
  self->background = lb_background_new (G_APPLICATION (self), self->monitor);
  g_signal_connect_object (self->background, "backup-finished", G_CALLBACK (background_backup_finished), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->background, "stopped", G_CALLBACK (background_stopped), self, G_CONNECT_SWAPPED);
  if (main_window (self) != NULL)
    lb_window_set_docked (main_window (self), lb_background_get_docked (self->background));
  self->on_term = g_unix_signal_add (SIGTERM, on_stop_signal, self);
  self->on_int = g_unix_signal_add (SIGINT, on_stop_signal, self);
  g_application_hold (G_APPLICATION (self));
}

static void
lb_application_shutdown (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);

  G_APPLICATION_CLASS (lb_application_parent_class)->shutdown (app);
  g_clear_handle_id (&self->on_term, g_source_remove);
  g_clear_handle_id (&self->on_int, g_source_remove);
  g_clear_object (&self->background);
  /* restic is told to stop; the repository keeps what it had. */
  lb_offsite_copier_cancel (self->copier);
  g_clear_object (&self->copier);
  g_clear_object (&self->monitor);
  lb_device_forbid_thread (NULL);
}

static void
lb_application_class_init (LbApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = lb_application_startup;
  app_class->activate = lb_application_activate;
  app_class->shutdown = lb_application_shutdown;
  app_class->handle_local_options = lb_application_handle_local_options;

  lb_register_resource ();
}

static void
lb_application_init (LbApplication *self)
{
  static const GOptionEntry options[] = {
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run without a window, backing up connected phones automatically (started at login)"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

LbApplication *
lb_application_new (void)
{
  return g_object_new (LB_TYPE_APPLICATION,
                       "application-id", LB_APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/lifeboat/Lifeboat",
                       NULL);
}

LbBackground *
lb_application_get_background (LbApplication *self)
{
  g_return_val_if_fail (LB_IS_APPLICATION (self), NULL);
  return self->background;
}

LbMonitor *
lb_application_get_monitor (LbApplication *self)
{
  return self->monitor;
}

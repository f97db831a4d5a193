/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-background.h"
#include "lb-config.h"
#include "lb-docked.h"
#include "lb-error.h"
#include "lb-library.h"

struct _LbBackground {
  GObject parent_instance;

  GApplication *app;        /* weak */
  GSettings *settings;      /* the library's location: followed when it moves */
  LbDocked *docked;
  GHashTable *names;        /* device key (lb-device.h) → the phone's name for people */
};

G_DEFINE_FINAL_TYPE (LbBackground, lb_background, G_TYPE_OBJECT)

enum { BACKUP_FINISHED, STOPPED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Text from the phone, fit for a notification: valid UTF-8, no control
 * characters, and none of the characters a notification server that
 * speaks markup would take for markup (the freedesktop protocol lets it). */
static char *
plain (const char *text, gsize max_chars)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_new (NULL);
  gsize n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      if (n == max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else if (c == '<')
        g_string_append_unichar (out, 0x2039);  /* ‹ */
      else if (c == '>')
        g_string_append_unichar (out, 0x203A);  /* › */
      else if (c == '&')
        g_string_append_unichar (out, 0xFF06);  /* ＆ */
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static void
remember_name (LbBackground *self, const LbDeviceInfo *info)
{
  const char *name = info->friendly_name != NULL && *info->friendly_name ? info->friendly_name : info->model;

  g_hash_table_replace (self->names, lb_device_info_key (info), plain (name, 60));
}

static const char *
name_of (LbBackground *self, const char *key)
{
  const char *name = g_hash_table_lookup (self->names, key);

  return name != NULL && *name ? name : _("The phone");
}

/* One notification per phone: a new one replaces the last (its id), so a
 * phone never stacks up a storm of them. */
static void
notify_with (LbBackground *self, const char *key, const char *title, const char *body, gboolean urgent,
             const char *button, const char *button_action)
{
  g_autoptr(GNotification) n = g_notification_new (title);
  g_autofree char *id = g_strdup_printf ("phone-%s", key);
  g_autofree char *safe_body = body != NULL ? plain (body, 300) : NULL;

  if (self->app == NULL)
    return;
  if (safe_body != NULL)
    g_notification_set_body (n, safe_body);
  g_notification_set_priority (n, urgent ? G_NOTIFICATION_PRIORITY_HIGH : G_NOTIFICATION_PRIORITY_NORMAL);
  g_notification_set_default_action_and_target (n, "app.show-phone", "s", key);
  if (button != NULL && button_action != NULL)
    g_notification_add_button (n, button, button_action);
  else if (button != NULL)
    g_notification_add_button_with_target (n, button, "app.show-phone", "s", key);
  g_application_send_notification (self->app, id, n);
}

/* button, when given, opens the window on the phone. */
static void
notify (LbBackground *self, const char *key, const char *title, const char *body, gboolean urgent,
        const char *button)
{
  notify_with (self, key, title, body, urgent, button, NULL);
}

static void
on_waiting (LbDocked *d, LbDeviceInfo *info, LbBackground *self)
{
  g_autofree char *key = lb_device_info_key (info);
  g_autofree char *title = NULL;
  const char *body = NULL;

  (void) d;
  remember_name (self, info);
  switch (info->state)
    {
    case LB_DEVICE_LOCKED:
      title = g_strdup_printf (_("Unlock %s to back it up"), name_of (self, key));
      body = _("The phone is connected, but its files stay hidden while it is locked. "
               "The backup starts as soon as it is unlocked.");
      break;
    case LB_DEVICE_CHARGING_ONLY:
      title = g_strdup_printf (_("Choose “File transfer” on %s"), name_of (self, key));
      body = _("The phone is connected for charging only. On the phone, tap the “Charging this device "
               "via USB” notification and choose “File transfer”; the backup then starts by itself.");
      break;
    case LB_DEVICE_BUSY:
      title = g_strdup_printf (_("%s is in use by another program"), name_of (self, key));
      body = _("Another program (the file manager?) holds the phone. Release it there, and the backup starts.");
      break;
    default:
      return;
    }
  notify (self, key, title, body, FALSE, NULL);
}

static void
on_not_enabled (LbDocked *d, LbDeviceInfo *info, gboolean chosen, LbBackground *self)
{
  g_autofree char *key = lb_device_info_key (info);
  g_autofree char *title = NULL;

  (void) d;
  remember_name (self, info);
  /* Turned off by its owner: nothing to say at each connection. */
  if (chosen)
    return;
  title = g_strdup_printf (_("Back up %s automatically?"), name_of (self, key));
  notify (self, key, title,
          _("This phone has never been backed up. Open Lifeboat to back it up now, and to turn on "
            "automatic backups when it is connected."),
          FALSE, _("Open Lifeboat"));
}

static void
on_started (LbDocked *d, LbDeviceInfo *info, LbBackground *self)
{
  (void) d;
  remember_name (self, info);
}

static void
on_finished (LbDocked *d, const char *key, LbSnapshot *s, GError *error, LbBackground *self)
{
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  (void) d;
  if (s != NULL)
    {
      g_autofree char *read = g_format_size (s->transferred_bytes);
      g_autofree char *grew = g_format_size (s->new_bytes);

      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, s->files);

      title = g_strdup_printf (_("%s is backed up"), name_of (self, key));
      body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s file; %s read from the phone, the library grew by %s.",
                                           "%s files; %s read from the phone, the library grew by %s.",
                                           s->files > G_MAXULONG ? G_MAXULONG : (gulong) s->files),
                              count, read, grew);
      notify (self, key, title, body, FALSE, NULL);
    }
  else if (g_error_matches (error, LB_ERROR, LB_ERROR_UP_TO_DATE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Backed up meanwhile by another Lifeboat, or stopped at logout:
       * nothing the owner has to do. */
    }
  else
    {
      title = g_strdup_printf (_("The automatic backup of %s failed"), name_of (self, key));
      body = g_strdup_printf (_("%s What was copied is kept; the backup is tried again at the next "
                                "connection, or in 10 minutes."),
                              error != NULL ? error->message : "");
      /* The message names the two ways out, pruning and moving the
       * library: both are in Preferences. */
      if (g_error_matches (error, LB_ERROR, LB_ERROR_STORAGE_FULL))
        notify_with (self, key, title, body, TRUE, _("Make Room…"), "app.preferences");
      else
        notify (self, key, title, body, TRUE, _("Open Lifeboat"));
    }
  g_signal_emit (self, signals[BACKUP_FINISHED], 0, s != NULL);
}

/* Put off (a reader held the library) is routine; only a failure is
 * worth a word, as the library may need looking after. */
static void
on_pruned (LbDocked *d, const char *key, guint removed, guint64 freed, GError *error, LbBackground *self)
{
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  (void) d; (void) removed; (void) freed;
  if (error == NULL || g_error_matches (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED))
    return;
  title = g_strdup_printf (_("Old snapshots of %s could not be removed"), name_of (self, key));
  body = g_strdup_printf (_("%s The backup itself is complete; removing is tried again after the next one."),
                          error->message);
  notify (self, key, title, body, TRUE, _("Open Lifeboat"));
}

static void
on_library_error (LbDocked *d, GError *error, LbBackground *self)
{
  g_autoptr(GNotification) n = g_notification_new (_("Lifeboat cannot read its library"));
  g_autofree char *body = plain (error->message, 300);

  (void) d;
  if (self->app == NULL)
    return;
  g_notification_set_body (n, body);
  g_notification_set_priority (n, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (n, "app.activate");
  g_application_send_notification (self->app, "library", n);
}

static void
on_stopped (LbDocked *d, LbBackground *self)
{
  (void) d;
  g_signal_emit (self, signals[STOPPED], 0);
}

static void
lb_background_dispose (GObject *object)
{
  LbBackground *self = LB_BACKGROUND (object);

  if (self->docked != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->docked, self);
      /* A job in flight keeps the LbDocked alive (its GTask's reference)
       * past ours: it must start nothing new once it is done. */
      lb_docked_stop (self->docked);
    }
  g_clear_object (&self->docked);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_weak_pointer (&self->app);
  G_OBJECT_CLASS (lb_background_parent_class)->dispose (object);
}

static void
lb_background_finalize (GObject *object)
{
  LbBackground *self = LB_BACKGROUND (object);

  g_hash_table_unref (self->names);
  G_OBJECT_CLASS (lb_background_parent_class)->finalize (object);
}

static void
lb_background_class_init (LbBackgroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lb_background_dispose;
  object_class->finalize = lb_background_finalize;
  signals[BACKUP_FINISHED] = g_signal_new ("backup-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[STOPPED] = g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lb_background_init (LbBackground *self)
{
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Preferences → Move, or lifeboat-cli move-library through the desktop's
 * settings: automatic backups go on in the new place. */
static void
on_location_changed (GSettings *settings, const char *key, LbBackground *self)
{
  gboolean may_create;
  g_autofree char *library = lb_config_library_path (&may_create);

  (void) settings; (void) key;
  lb_docked_set_library (self->docked, library, may_create);
}

LbBackground *
lb_background_new (GApplication *app, LbMonitor *monitor)
{
  LbBackground *self = g_object_new (LB_TYPE_BACKGROUND, NULL);
  gboolean may_create;
  g_autofree char *library = lb_config_library_path (&may_create);

  g_set_weak_pointer (&self->app, app);
  self->docked = lb_docked_new_with_monitor (library, may_create, monitor);
  g_signal_connect (self->docked, "phone-waiting", G_CALLBACK (on_waiting), self);
  g_signal_connect (self->docked, "phone-not-enabled", G_CALLBACK (on_not_enabled), self);
  g_signal_connect (self->docked, "backup-started", G_CALLBACK (on_started), self);
  g_signal_connect (self->docked, "backup-finished", G_CALLBACK (on_finished), self);
  g_signal_connect (self->docked, "pruned", G_CALLBACK (on_pruned), self);
  g_signal_connect (self->docked, "library-error", G_CALLBACK (on_library_error), self);
  g_signal_connect (self->docked, "stopped", G_CALLBACK (on_stopped), self);
  self->settings = lb_config_settings ();
  if (self->settings != NULL)
    g_signal_connect (self->settings, "changed::" LB_CONFIG_LIBRARY_KEY, G_CALLBACK (on_location_changed), self);
  return self;
}

LbDocked *
lb_background_get_docked (LbBackground *self)
{
  g_return_val_if_fail (LB_IS_BACKGROUND (self), NULL);
  return self->docked;
}

void
lb_background_stop (LbBackground *self)
{
  g_return_if_fail (LB_IS_BACKGROUND (self));
  lb_docked_stop (self->docked);
}

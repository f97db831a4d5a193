/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli auto (each phone's automatic-backup policy) and watch (the
 * headless service that applies it to docked phones). */
#include "config.h"
#include "lb-cli.h"
#include "lb-auto.h"
#include "lb-clock.h"
#include "lb-docked.h"
#include "lb-error.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

/* ---- auto ------------------------------------------------------------------- */

static char *
describe_every (gint64 every)
{
  switch (every)
    {
    case 0:
      return g_strdup (_("at each connection"));
    case 60 * 60:
      return g_strdup (_("at most hourly"));
    case 24 * 60 * 60:
      return g_strdup (_("at most daily"));
    case 7 * 24 * 60 * 60:
      return g_strdup (_("at most weekly"));
    default:
      return g_strdup_printf (_("at most every %" PRId64 " seconds"), every);
    }
}

static void
policy_json (JsonBuilder *b, const char *serial, const LbAutoPolicy *p, gint64 last, const char *keep)
{
  const char *every = lb_auto_every_name (p->every);
  g_autofree char *when = lb_cli_iso8601 (last);

  json_builder_begin_object (b);
  lb_cli_json_string (b, "device", serial);
  lb_cli_json_bool (b, "enabled", p->enabled);
  lb_cli_json_bool (b, "chosen", p->chosen);
  json_builder_set_member_name (b, "every");
  if (every != NULL)
    json_builder_add_string_value (b, every);
  else
    json_builder_add_int_value (b, p->every);
  lb_cli_json_string_or_null (b, "last_backup", last != 0 ? when : NULL);
  /* The same for every phone: what its automatic backups leave. */
  lb_cli_json_string (b, "keep", keep);
  json_builder_end_object (b);
}

int
lb_cli_auto (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) serials = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *every_text = NULL, *keep_text = NULL, *keep = NULL;
  gint64 every = LB_AUTO_DEFAULT_EVERY;
  LbKeepRules rules;
  gboolean keep_chosen;
  GOptionEntry extra[] = {
    { "every", 'e', 0, G_OPTION_ARG_STRING, &every_text,
      N_("How often: connect (each time it is plugged in), hourly, daily (the default) or weekly"), N_("WHEN") },
    { "keep", 'k', 0, G_OPTION_ARG_STRING, &keep_text,
      N_("What each automatic backup leaves of the phone's snapshots, as prune's --keep-… rules "
         "(e.g. last=10,daily=30,weekly=12,monthly=24,yearly=10, the default), or everything"), N_("RULES") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };

  if (!lb_cli_parse (cli, "auto", _("[SERIAL on|off]"),
                     _("Shows or sets, for each phone, whether `lifeboat-cli watch` (or Lifeboat running in\n"
                       "the background) backs it up by itself when it is connected, and how often. A phone\n"
                       "backed up before is on, daily, unless you choose otherwise; a new phone is off until\n"
                       "you turn it on. Without arguments, lists the phones the library knows.\n"
                       "\n"
                       "After each automatic backup, the phone's snapshots are pruned by the --keep rules,\n"
                       "as lifeboat-cli prune does (see its --dry-run for the files whose last copy would go);\n"
                       "when the library is being read then, the prune waits for the next backup."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc != 1 && argc != 3)
    return lb_cli_usage ("auto", _("give a phone's serial and on or off, or nothing to list"));
  if (argc == 3 && g_strcmp0 (argv[2], "on") != 0 && g_strcmp0 (argv[2], "off") != 0)
    return lb_cli_usage ("auto", _("say on or off after the serial"));
  if (every_text != NULL && !lb_auto_parse_every (every_text, &every))
    return lb_cli_usage ("auto", _("--every takes connect, hourly, daily or weekly"));
  if (every_text != NULL && argc == 1)
    return lb_cli_usage ("auto", _("--every goes with a serial and on"));
  if (keep_text != NULL && !lb_keep_rules_parse (keep_text, &rules, &error))
    return lb_cli_usage ("auto", error->message);

  /* The policy is no part of a snapshot: reading mode, so that it can be
   * changed while a backup runs. */
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL)
    return lb_cli_fail (error);
  if (argc == 3)
    {
      gboolean on = g_strcmp0 (argv[2], "on") == 0;
      LbAutoPolicy was;
      if (!lb_auto_get_policy (library, argv[1], &was, &error))
        return lb_cli_fail (error);
      /* "off" keeps the frequency for when it is turned on again. */
      if (!lb_auto_set_policy (library, argv[1], on, every_text != NULL || on ? every : was.every, &error))
        return lb_cli_fail (error);
      serials = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (serials, g_strdup (argv[1]));
    }
  else if ((serials = lb_auto_list_serials (library, &error)) == NULL)
    return lb_cli_fail (error);
  if (keep_text != NULL && !lb_auto_set_keep (library, &rules, &error))
    return lb_cli_fail (error);
  if (!lb_auto_get_keep (library, &rules, &keep_chosen, &error))
    return lb_cli_fail (error);
  keep = lb_keep_rules_to_string (&rules);
  if (!cli->json && !cli->quiet)
    {
      if (!lb_keep_rules_any (&rules))
        printf ("%s\n", _("Automatic backups keep every snapshot."));
      else if (keep_chosen)
        printf (_("After each automatic backup, the phone's snapshots are pruned to %s.\n"), keep);
      else
        printf (_("After each automatic backup, the phone's snapshots are pruned to %s (the default).\n"), keep);
    }

  json_builder_begin_array (b);
  for (guint i = 0; i < serials->len; i++)
    {
      const char *serial = serials->pdata[i];
      LbAutoPolicy p;
      gint64 last;
      if (!lb_auto_get_policy (library, serial, &p, &error) || !lb_auto_last_backup (library, serial, &last, &error))
        return lb_cli_fail (error);
      policy_json (b, serial, &p, last, keep);
      if (cli->json || cli->quiet)
        continue;
      {
        g_autofree char *printable = lb_cli_printable (serial);
        g_autofree char *often = describe_every (p.every);
        g_autofree char *when = last ? lb_cli_local_time (last) : g_strdup (_("never"));
        if (p.enabled)
          printf (_("%s: automatic backups on, %s (last backup: %s)\n"), printable, often, when);
        else
          printf (_("%s: automatic backups off (last backup: %s)\n"), printable, when);
      }
    }
  json_builder_end_array (b);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (serials->len == 0 && !cli->quiet)
    printf ("%s\n", _("The library knows no phone yet: back one up, or turn one on with lifeboat-cli auto SERIAL on."));
  return LB_EXIT_OK;
}

/* ---- watch ------------------------------------------------------------------ */

typedef struct {
  LbCli *cli;
  GMainLoop *loop;
  LbDocked *docked;
} Watch;

/* One line per event, with the time, flushed: this is a service's log. */
static void G_GNUC_PRINTF (2, 3)
say (Watch *w, const char *format, ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  g_autofree char *text = NULL;
  va_list args;

  if (w->cli->quiet)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("%s  %s\n", stamp, text);
  fflush (stdout);
}

static char *
phone_name (const LbDeviceInfo *info)
{
  g_autofree char *model = lb_cli_printable (info->model);
  g_autofree char *serial = lb_cli_printable (info->serial);
  return g_strdup_printf ("%s (%s)", model, serial);
}

static void
on_waiting (LbDocked *d, LbDeviceInfo *info, Watch *w)
{
  g_autofree char *name = phone_name (info);

  (void) d;
  switch (info->state)
    {
    case LB_DEVICE_LOCKED:
      say (w, _("%s is connected but locked: unlock it to back it up"), name);
      break;
    case LB_DEVICE_CHARGING_ONLY:
      say (w, _("%s is connected for charging only: choose File transfer on the phone to back it up"), name);
      break;
    case LB_DEVICE_BUSY:
      say (w, _("%s is held by another program (the file manager?): release it there to back it up"), name);
      break;
    default:
      break;
    }
}

static void
on_not_enabled (LbDocked *d, LbDeviceInfo *info, gboolean chosen, Watch *w)
{
  g_autofree char *name = phone_name (info);
  g_autofree char *serial = lb_cli_printable (info->serial);

  (void) d;
  if (chosen)
    say (w, _("%s is connected; automatic backups are off for it (lifeboat-cli auto %s on turns them on)"), name, serial);
  else
    say (w, _("%s is connected and was never backed up; to back it up automatically: lifeboat-cli auto %s on"), name, serial);
}

static void
on_scheduled (LbDocked *d, LbDeviceInfo *info, gint64 due, Watch *w)
{
  g_autofree char *name = phone_name (info);

  (void) d;
  if (due == G_MAXINT64)
    say (w, _("%s is up to date; next automatic backup at its next connection"), name);
  else
    {
      g_autofree char *when = lb_cli_local_time (due);
      say (w, _("%s is up to date; next automatic backup at %s"), name, when);
    }
}

static void
on_started (LbDocked *d, LbDeviceInfo *info, Watch *w)
{
  g_autofree char *name = phone_name (info);

  (void) d;
  say (w, _("%s: automatic backup started"), name);
}

/* The docked phones' signals name them by device key (lb-device.h). */
static char *
key_printable (const char *key)
{
  g_autofree char *serial = lb_device_key_dup_serial (key);
  return lb_cli_printable (serial);
}

static void
on_backup_waiting (LbDocked *d, const char *key, Watch *w)
{
  g_autofree char *printable = key_printable (key);

  (void) d;
  say (w, _("%s: waiting for another Lifeboat to finish with the library"), printable);
}

static void
on_finished (LbDocked *d, const char *key, LbSnapshot *s, GError *error, Watch *w)
{
  g_autofree char *printable = key_printable (key);

  (void) d;
  if (s != NULL)
    {
      g_autofree char *read = g_format_size (s->transferred_bytes);
      g_autofree char *grew = g_format_size (s->new_bytes);
      say (w, _("%s: snapshot %" PRId64 " complete, %" PRIu64 " files; read %s, the library grew by %s"),
           printable, s->id, s->files, read, grew);
    }
  else if (g_error_matches (error, LB_ERROR, LB_ERROR_UP_TO_DATE))
    say (w, _("%s: backed up meanwhile by another Lifeboat; nothing to do"), printable);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    say (w, _("%s: backup stopped; what was copied is kept, and the next backup carries on from it"), printable);
  else
    say (w, _("%s: automatic backup failed: %s (tried again at the next connection, or in 10 minutes)"),
         printable, error->message);
}

static void
on_pruned (LbDocked *d, const char *key, guint removed, guint64 freed, GError *error, Watch *w)
{
  g_autofree char *printable = key_printable (key);
  g_autofree char *size = g_format_size (freed);

  (void) d;
  if (g_error_matches (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED))
    say (w, _("%s: pruning put off to the next automatic backup: %s"), printable, error->message);
  else if (error != NULL)
    say (w, _("%s: pruning failed: %s"), printable, error->message);
  else if (removed > 0)
    say (w, g_dngettext (GETTEXT_PACKAGE, "%s: pruned by the keep rules: %u snapshot removed, %s freed",
                         "%s: pruned by the keep rules: %u snapshots removed, %s freed", removed),
         printable, removed, size);
}

static void
on_library_error (LbDocked *d, GError *error, Watch *w)
{
  (void) d;
  say (w, _("The library cannot be read: %s"), error->message);
}

static void
on_stopped (LbDocked *d, Watch *w)
{
  (void) d;
  g_main_loop_quit (w->loop);
}

static void
on_cancelled (GCancellable *cancellable, Watch *w)
{
  (void) cancellable;
  lb_docked_stop (w->docked);
}

int
lb_cli_watch (LbCli *cli, int argc, char **argv)
{
  g_autofree char *path = NULL;
  gboolean may_create;
  Watch w = { cli, NULL, NULL };
  gulong cancelled;

  if (!lb_cli_parse (cli, "watch", "",
                     _("Runs until stopped (Ctrl-C, or SIGTERM from systemd), backing up each phone that is\n"
                       "connected and due by its automatic-backup setting (lifeboat-cli auto), one after the\n"
                       "other, and again when its interval runs out while it stays connected. Logs one line\n"
                       "per event to standard output. Stopping interrupts a running backup safely."),
                     NULL, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 1)
    return lb_cli_usage ("watch", _("takes no arguments"));
  if (cli->json)
    return lb_cli_usage ("watch", _("has no --json output: it logs lines"));

  path = lb_cli_library_path (cli, &may_create);
  w.loop = g_main_loop_new (NULL, FALSE);
  w.docked = lb_docked_new (path, may_create);
  g_signal_connect (w.docked, "phone-waiting", G_CALLBACK (on_waiting), &w);
  g_signal_connect (w.docked, "phone-not-enabled", G_CALLBACK (on_not_enabled), &w);
  g_signal_connect (w.docked, "phone-scheduled", G_CALLBACK (on_scheduled), &w);
  g_signal_connect (w.docked, "backup-started", G_CALLBACK (on_started), &w);
  g_signal_connect (w.docked, "backup-waiting", G_CALLBACK (on_backup_waiting), &w);
  g_signal_connect (w.docked, "backup-finished", G_CALLBACK (on_finished), &w);
  g_signal_connect (w.docked, "pruned", G_CALLBACK (on_pruned), &w);
  g_signal_connect (w.docked, "library-error", G_CALLBACK (on_library_error), &w);
  g_signal_connect (w.docked, "stopped", G_CALLBACK (on_stopped), &w);
  cancelled = g_cancellable_connect (cli->cancellable, G_CALLBACK (on_cancelled), &w, NULL);
  {
    g_autofree char *where = g_canonicalize_filename (path, NULL);
    say (&w, _("Watching for phones; library %s"), where);
  }
  g_main_loop_run (w.loop);
  say (&w, "%s", _("Stopped."));
  g_cancellable_disconnect (cli->cancellable, cancelled);
  g_object_unref (w.docked);
  g_main_loop_unref (w.loop);
  return LB_EXIT_OK;
}

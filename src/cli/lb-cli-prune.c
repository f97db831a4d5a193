/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli prune: forget old snapshots by keep rules, and say first
 * which files would have no copy left. */
#include "config.h"
#include "lb-cli.h"
#include "lb-prune.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

/* Files whose last copy goes are listed in full with --json; on a terminal
 * the first ones and a count. */
#define LAST_COPIES_SHOWN 20

static void
print_text (const LbPruneReport *r)
{
  g_autofree char *freed = g_format_size (r->freed_bytes);

  if (r->removed->len == 0)
    printf ("%s\n", _("Nothing to prune: the rules keep every snapshot."));
  else
    printf (r->dry_run ? ngettext ("Would remove %u snapshot and keep %u:\n", "Would remove %u snapshots and keep %u:\n", r->removed->len)
                       : ngettext ("Removed %u snapshot and kept %u:\n", "Removed %u snapshots and kept %u:\n", r->removed->len),
            r->removed->len, r->kept);
  for (guint i = 0; i < r->removed->len; i++)
    {
      const LbSnapshot *s = r->removed->pdata[i];
      g_autofree char *when = lb_cli_local_time (s->started);
      g_autofree char *model = lb_cli_printable (s->model);
      g_autofree char *serial = lb_cli_printable (s->serial);
      printf ("  %" G_GINT64_FORMAT "  %s  %s (%s)  %s\n", s->id, when, model, serial,
              lb_snapshot_state_to_string (s->state));
    }
  if (r->blobs > 0)
    printf (r->dry_run ? ngettext ("That would free %s (%" PRIu64 " stored file no snapshot left uses).\n",
                                   "That would free %s (%" PRIu64 " stored files no snapshot left uses).\n", r->blobs)
                       : ngettext ("Freed %s (%" PRIu64 " stored file no snapshot left used).\n",
                                   "Freed %s (%" PRIu64 " stored files no snapshot left used).\n", r->blobs),
            freed, r->blobs);
  if (r->last_copies->len > 0)
    {
      printf ("%s\n", r->dry_run ? _("These files have no other copy in the library and would go with them:")
                                 : _("These files had no other copy in the library and are gone:"));
      for (guint i = 0; i < r->last_copies->len && i < LAST_COPIES_SHOWN; i++)
        {
          const LbLastCopy *c = r->last_copies->pdata[i];
          g_autofree char *path = lb_cli_printable (c->phone_path);
          g_autofree char *size = g_format_size (c->size);
          printf (_("  %s  (%s, last in snapshot %" PRId64 ")\n"), path, size, c->snapshot_id);
        }
      if (r->last_copies->len > LAST_COPIES_SHOWN)
        printf (_("  … and %u more (--json lists them all)\n"), r->last_copies->len - LAST_COPIES_SHOWN);
    }
}

static void
print_json (const LbPruneReport *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (b);
  lb_cli_json_bool (b, "dry_run", r->dry_run);
  json_builder_set_member_name (b, "removed");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->removed->len; i++)
    json_builder_add_value (b, lb_cli_snapshot_json (r->removed->pdata[i]));
  json_builder_end_array (b);
  lb_cli_json_int (b, "kept", r->kept);
  lb_cli_json_int (b, "blobs", r->blobs);
  lb_cli_json_int (b, "freed_bytes", r->freed_bytes);
  lb_cli_json_int (b, "strays", r->strays);
  json_builder_set_member_name (b, "last_copies");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->last_copies->len; i++)
    {
      const LbLastCopy *c = r->last_copies->pdata[i];
      json_builder_begin_object (b);
      lb_cli_json_string (b, "serial", c->serial);
      lb_cli_json_string (b, "path", c->phone_path);
      lb_cli_json_int (b, "size", c->size);
      lb_cli_json_int (b, "snapshot", c->snapshot_id);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  lb_cli_print_json (node);
}

int
lb_cli_prune (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(LbPruneReport) report = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  gint last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  gboolean dry_run = FALSE;
  LbKeepRules rules;
  GOptionEntry extra[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &cli->device, N_("Prune only this phone's snapshots"), N_("SERIAL") },
    { "keep-last", 0, 0, G_OPTION_ARG_INT, &last, N_("Keep the newest N snapshots"), "N" },
    { "keep-hourly", 0, 0, G_OPTION_ARG_INT, &hourly, N_("Keep the newest snapshot of each of the last N hours that have one"), "N" },
    { "keep-daily", 0, 0, G_OPTION_ARG_INT, &daily, N_("… of each of the last N days that have one"), "N" },
    { "keep-weekly", 0, 0, G_OPTION_ARG_INT, &weekly, N_("… of each of the last N weeks that have one"), "N" },
    { "keep-monthly", 0, 0, G_OPTION_ARG_INT, &monthly, N_("… of each of the last N months that have one"), "N" },
    { "keep-yearly", 0, 0, G_OPTION_ARG_INT, &yearly, N_("… of each of the last N years that have one"), "N" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Say what would go, and change nothing"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };

  if (!lb_cli_parse (cli, "prune", "",
                     _("Removes old snapshots by keep rules, counted for each phone on its own, and the\n"
                       "stored files no snapshot left uses. Only complete snapshots are counted; the\n"
                       "newest complete snapshot of a phone always stays, and an interrupted one stays\n"
                       "until a later backup completes. Lists the files whose last copy in the library\n"
                       "goes with them: run it with --dry-run first."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 1)
    return lb_cli_usage ("prune", _("prune takes no arguments, only options"));
  if (last < 0 || hourly < 0 || daily < 0 || weekly < 0 || monthly < 0 || yearly < 0)
    return lb_cli_usage ("prune", _("a --keep-… count cannot be negative"));
  rules = (LbKeepRules) { last, hourly, daily, weekly, monthly, yearly };
  if (!lb_keep_rules_any (&rules))
    return lb_cli_usage ("prune", _("give at least one --keep-… rule (e.g. --keep-daily 7 --keep-weekly 4)"));

  if ((library = lb_cli_open_library (cli, dry_run ? LB_LIBRARY_READ : LB_LIBRARY_WRITE, &error)) == NULL ||
      (report = lb_prune (library, cli->device, &rules, tz, dry_run, cli->cancellable, &error)) == NULL)
    return lb_cli_fail (error);
  if (cli->json)
    print_json (report);
  else if (!cli->quiet)
    print_text (report);
  return LB_EXIT_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli verify: re-reading every stored file and checking the
 * catalog. */
#include "config.h"
#include "lb-cli.h"
#include "lb-verify.h"

#include <stdio.h>
#include <glib/gi18n.h>

static void
on_verify_progress (guint done, guint total, gpointer data)
{
  LbCli *cli = data;

  if (cli->show_progress && !cli->quiet && (done % 50 == 0 || done == total))
    {
      g_printerr ("\r\033[K");
      g_printerr (_("Checked %u of %u stored files"), done, total);
    }
}

/* Shared with `offsite check`: the problems as JSON or lines; all_well
 * is said when there are none.  The exit status. */
int
lb_cli_print_problems (LbCli *cli, GPtrArray *problems, const char *all_well)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < problems->len; i++)
    {
      LbProblem *p = problems->pdata[i];
      g_autoptr(GString) snaps = g_string_new (NULL);

      for (guint s = 0; p->snapshot_ids && s < p->snapshot_ids->len; s++)
        g_string_append_printf (snaps, "%s%" G_GINT64_FORMAT, s ? ", " : "", g_array_index (p->snapshot_ids, gint64, s));
      json_builder_begin_object (b);
      lb_cli_json_string (b, "problem", p->what);
      lb_cli_json_string_or_null (b, "sha256", p->sha256);
      lb_cli_json_strings (b, "paths", p->phone_paths);
      lb_cli_json_ids (b, "snapshots", p->snapshot_ids);
      json_builder_end_object (b);

      if (cli->json)
        continue;
      if (p->phone_paths == NULL || p->phone_paths->len == 0)
        printf ("%s\n", p->what);
      for (guint k = 0; p->phone_paths && k < p->phone_paths->len; k++)
        {
          g_autofree char *path = lb_cli_printable (p->phone_paths->pdata[k]);
          printf (_("%s: %s (in snapshots %s)\n"), p->what, path, snaps->str);
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (problems->len == 0 && !cli->quiet)
    printf ("%s\n", all_well);
  return problems->len == 0 ? LB_EXIT_OK : LB_EXIT_FAILED;
}

int
lb_cli_verify (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  gint64 id = 0;

  if (!lb_cli_parse (cli, "verify", _("[SNAPSHOT]"),
                     _("Re-reads every stored file (or those of one snapshot) and checks its checksum,\n"
                       "and runs SQLite's checks on the catalog. Names every damaged file and the\n"
                       "snapshots it belongs to. Exit status 1 when anything is wrong."),
                     NULL, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 2)
    return lb_cli_usage ("verify", _("give at most one snapshot"));
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      (argc == 2 && !lb_cli_parse_snapshot (cli, library, argv[1], &id, &error)) ||
      !lb_verify (library, id, on_verify_progress, cli, &problems, cli->cancellable, &error))
    return lb_cli_fail (error);
  if (cli->show_progress && !cli->quiet)
    g_printerr ("\r\033[K");

  return lb_cli_print_problems (cli, problems, _("Every stored file is intact and the catalog passes its checks."));
}


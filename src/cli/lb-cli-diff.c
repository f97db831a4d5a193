/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli diff: what was added, removed and changed between two
 * snapshots. */
#include "config.h"
#include "lb-cli.h"
#include "lb-diff.h"

#include <stdio.h>
#include <glib/gi18n.h>

static void
print_paths (const char *mark, GPtrArray *paths)
{
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *p = lb_cli_printable (paths->pdata[i]);
      printf ("%s %s\n", mark, p);
    }
}

int
lb_cli_diff (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(LbDiff) diff = NULL;
  gint64 a, b;

  if (!lb_cli_parse (cli, "diff", _("SNAPSHOT_A SNAPSHOT_B"),
                     _("Lists what was added (+), removed (-) and changed (~) from A to B."), NULL, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc != 3)
    return lb_cli_usage ("diff", _("give two snapshots"));
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      !lb_cli_parse_snapshot (cli, library, argv[1], &a, &error) ||
      !lb_cli_parse_snapshot (cli, library, argv[2], &b, &error) ||
      (diff = lb_diff_snapshots (library, a, b, &error)) == NULL)
    return lb_cli_fail (error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) jb = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      json_builder_begin_object (jb);
      lb_cli_json_strings (jb, "added", diff->added);
      lb_cli_json_strings (jb, "removed", diff->removed);
      lb_cli_json_strings (jb, "changed", diff->changed);
      json_builder_end_object (jb);
      node = json_builder_get_root (jb);
      lb_cli_print_json (node);
    }
  else if (!cli->quiet)
    {
      print_paths ("+", diff->added);
      print_paths ("-", diff->removed);
      print_paths ("~", diff->changed);
      if (diff->added->len + diff->removed->len + diff->changed->len == 0)
        printf ("%s\n", _("No differences."));
    }
  return LB_EXIT_OK;
}


/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli snapshots: the library's snapshots, newest first. */
#include "config.h"
#include "lb-cli.h"

#include <stdio.h>
#include <glib/gi18n.h>

int
lb_cli_snapshots (LbCli *cli, int argc, char **argv)
{
  GOptionEntry extra[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &cli->device, N_("Only this phone's snapshots"), N_("SERIAL") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) all = NULL;

  if (!lb_cli_parse (cli, "snapshots", "", _("Lists the library's snapshots, newest first."), extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 1)
    return lb_cli_usage ("snapshots", _("takes no arguments"));
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      (all = lb_library_list_snapshots (library, cli->device, &error)) == NULL)
    return lb_cli_fail (error);
  if (cli->json)
    {
      g_autoptr(JsonArray) arr = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      for (guint i = 0; i < all->len; i++)
        json_array_add_element (arr, lb_cli_snapshot_json (all->pdata[i]));
      json_node_set_array (node, arr);
      lb_cli_print_json (node);
      return LB_EXIT_OK;
    }
  if (cli->quiet)
    return LB_EXIT_OK;
  if (all->len == 0)
    {
      printf ("%s\n", _("No snapshots yet: connect a phone and run “lifeboat-cli backup”."));
      return LB_EXIT_OK;
    }
  printf ("%-5s %-16s %-12s %-6s %-22s %8s %10s %10s %10s\n", _("ID"), _("STARTED"), _("STATE"),
          /* TRANSLATORS: a column: "auto" (an automatic backup) or "manual" (asked for) */
          _("HOW"), _("PHONE"), _("FILES"), _("SIZE"), _("READ"), _("NEW"));
  for (guint i = 0; i < all->len; i++)
    {
      LbSnapshot *s = all->pdata[i];
      g_autofree char *when = lb_cli_local_time (s->started);
      g_autofree char *model = lb_cli_printable (s->model);
      g_autofree char *size = g_format_size (s->bytes);
      g_autofree char *read = g_format_size (s->transferred_bytes);
      g_autofree char *grew = g_format_size (s->new_bytes);
      printf ("%-5" G_GINT64_FORMAT " %-16s %-12s %-6s %-22.22s %8" G_GUINT64_FORMAT " %10s %10s %10s\n", s->id,
              when, lb_snapshot_state_to_string (s->state),
              /* TRANSLATORS: the HOW column; keep it to 6 characters */
              s->automatic ? C_("how", "auto") : C_("how", "manual"), model, s->files, size, read, grew);
    }
  return LB_EXIT_OK;
}


/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli deleted: the files earlier snapshots of a phone hold that a
 * later one does not, to find what was deleted and put it back. */
#include "config.h"
#include "lb-cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

int
lb_cli_deleted (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) files = NULL;
  GOptionEntry extra[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &cli->device, N_("The phone whose snapshots to look in (by default the one backed up last)"), N_("SERIAL") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  gint64 id;

  if (!lb_cli_parse (cli, "deleted", _("[SNAPSHOT]"),
                     _("Lists the files that earlier snapshots of the phone hold and SNAPSHOT (by default the\n"
                       "newest complete one; --device chooses the phone) does not: deleted from the phone,\n"
                       "newest first, each with the last snapshot that holds it. A file whose content is still\n"
                       "on the phone under another name is shown as moved. Put one back with\n"
                       "“lifeboat-cli restore LAST --only PATH”."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 2)
    return lb_cli_usage ("deleted", _("give at most one snapshot"));
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      !lb_cli_parse_snapshot (cli, library, argc == 2 ? argv[1] : "latest", &id, &error) ||
      (files = lb_library_list_deleted (library, id, &error)) == NULL)
    return lb_cli_fail (error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < files->len; i++)
        {
          LbDeletedFile *f = files->pdata[i];
          json_builder_begin_object (b);
          lb_cli_json_file (b, f->phone_path, f->size, f->mtime, f->blob);
          lb_cli_json_int (b, "last_snapshot", f->last_snapshot_id);
          lb_cli_json_int (b, "last_seen", f->last_seen);
          lb_cli_json_int (b, "gone_snapshot", f->gone_snapshot_id);
          lb_cli_json_int (b, "gone_at", f->gone_at);
          lb_cli_json_string_or_null (b, "moved_to", f->moved_to);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
      return LB_EXIT_OK;
    }
  if (cli->quiet)
    return LB_EXIT_OK;
  for (guint i = 0; i < files->len; i++)
    {
      LbDeletedFile *f = files->pdata[i];
      g_autofree char *path = lb_cli_printable (f->phone_path);
      g_autofree char *size = g_format_size (f->size);
      g_autofree char *seen = lb_cli_local_time (f->last_seen);
      g_autofree char *gone = lb_cli_local_time (f->gone_at);

      if (f->moved_to != NULL)
        {
          g_autofree char *to = lb_cli_printable (f->moved_to);
          /* Translators: path, size, the snapshot that last had it there, its date, the new path */
          printf (_("%s (%s): moved; last here in snapshot %" PRId64 " (%s), now at %s\n"), path, size,
                  f->last_snapshot_id, seen, to);
        }
      else
        /* Translators: path, size, the snapshot that last had it, its date, when it was found gone */
        printf (_("%s (%s): last in snapshot %" PRId64 " (%s), gone by %s\n"), path, size, f->last_snapshot_id,
                seen, gone);
    }
  if (files->len == 0)
    printf ("%s\n", _("Nothing was deleted: every file of the earlier snapshots is in this one."));
  return LB_EXIT_OK;
}

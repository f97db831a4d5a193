/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli ls: what a snapshot holds, in a folder or below it. */
#include "config.h"
#include "lb-cli.h"
#include "lb-error.h"
#include "lb-extract.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <inttypes.h>

/* Is e directly inside the folder (or storage) at dir? */
static gboolean
directly_in (LbEntry *e, GHashTable *paths_by_id, const char *dir)
{
  if (e->parent_id == 0)
    {
      g_autofree char *top = g_strconcat ("/", e->storage, NULL);
      return strcmp (top, dir) == 0;
    }
  return g_strcmp0 (g_hash_table_lookup (paths_by_id, &e->parent_id), dir) == 0;
}

static void
entry_json (JsonBuilder *b, LbEntry *e)
{
  g_autofree char *when = lb_cli_iso8601 (e->mtime);

  json_builder_begin_object (b);
  lb_cli_json_string (b, "path", e->phone_path);
  lb_cli_json_string (b, "name", e->name);
  lb_cli_json_string (b, "type", e->is_folder ? "folder" : "file");
  lb_cli_json_int (b, "size", (gint64) e->size);
  lb_cli_json_string (b, "modified", when);
  lb_cli_json_string_or_null (b, "sha256", e->blob);
  json_builder_end_object (b);
}

static void
entry_line (LbEntry *e, gboolean full_path)
{
  g_autofree char *when = lb_cli_local_time (e->mtime);
  g_autofree char *size = e->is_folder ? g_strdup ("") : g_format_size (e->size);
  g_autofree char *name = lb_cli_printable (full_path ? e->phone_path : e->name);

  printf ("%s  %-16s %10s  %s%s%s\n", e->is_folder ? "d" : (e->blob ? "-" : "!"), when, size, name,
          e->is_folder ? "/" : "", e->blob || e->is_folder ? "" : _("  (not stored)"));
}

int
lb_cli_ls (LbCli *cli, int argc, char **argv)
{
  gboolean recursive = FALSE;
  GOptionEntry extra[] = {
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &recursive, N_("Everything below PATH, not just what is directly in it"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) paths_by_id = NULL;
  g_autoptr(GHashTable) storages = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *dir = NULL;
  gboolean found;
  gint64 id;

  if (!lb_cli_parse (cli, "ls", _("SNAPSHOT [PATH]"),
                     _("Shows what a snapshot holds. PATH starts with the storage, e.g.\n"
                       "\"/Internal shared storage/DCIM\"; \"/\" (the default) lists the storages."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc < 2 || argc > 3)
    return lb_cli_usage ("ls", _("give a snapshot and at most one path"));
  dir = g_strdup (argc > 2 ? argv[2] : "/");
  while (strlen (dir) > 1 && g_str_has_suffix (dir, "/"))
    dir[strlen (dir) - 1] = '\0';
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      !lb_cli_parse_snapshot (cli, library, argv[1], &id, &error) ||
      (entries = lb_library_list_entries (library, id, &error)) == NULL)
    return lb_cli_fail (error);

  paths_by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  storages = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < entries->len; i++)
    {
      LbEntry *e = entries->pdata[i];
      g_hash_table_insert (paths_by_id, &e->path_id, e->phone_path);
    }
  found = strcmp (dir, "/") == 0;
  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      LbEntry *e = entries->pdata[i];
      gboolean show;

      found = found || lb_phone_path_under (e->phone_path, dir);
      if (strcmp (dir, "/") == 0 && !recursive)
        {
          /* The top level is the storages. */
          if (!g_hash_table_add (storages, e->storage))
            continue;
          if (cli->json)
            {
              g_autofree char *top = g_strconcat ("/", e->storage, NULL);
              json_builder_begin_object (b);
              lb_cli_json_string (b, "path", top);
              lb_cli_json_string (b, "type", "storage");
              json_builder_end_object (b);
            }
          else if (!cli->quiet)
            {
              g_autofree char *name = lb_cli_printable (e->storage);
              printf ("d  %-16s %10s  %s/\n", "", "", name);
            }
          continue;
        }
      show = recursive ? lb_phone_path_under (e->phone_path, dir) && strcmp (e->phone_path, dir) != 0
                       : directly_in (e, paths_by_id, dir);
      if (!show)
        continue;
      if (cli->json)
        entry_json (b, e);
      else if (!cli->quiet)
        entry_line (e, recursive);
    }
  json_builder_end_array (b);
  if (!found)
    {
      g_set_error (&error, LB_ERROR, LB_ERROR_NOT_FOUND, _("Snapshot %" PRId64 " has nothing at %s"), id, dir);
      return lb_cli_fail (error);
    }
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  return LB_EXIT_OK;
}


/* snapshots, ls, diff: reading the library. */
#include "config.h"
#include "lb-cli.h"
#include "lb-diff.h"
#include "lb-error.h"
#include "lb-extract.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
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
  printf ("%-5s %-16s %-12s %-22s %8s %10s %10s %10s\n", _("ID"), _("STARTED"), _("STATE"), _("PHONE"),
          _("FILES"), _("SIZE"), _("READ"), _("NEW"));
  for (guint i = 0; i < all->len; i++)
    {
      LbSnapshot *s = all->pdata[i];
      g_autofree char *when = lb_cli_local_time (s->started);
      g_autofree char *model = lb_cli_printable (s->model);
      g_autofree char *size = g_format_size (s->bytes);
      g_autofree char *read = g_format_size (s->transferred_bytes);
      g_autofree char *grew = g_format_size (s->new_bytes);
      printf ("%-5" G_GINT64_FORMAT " %-16s %-12s %-22.22s %8" G_GUINT64_FORMAT " %10s %10s %10s\n", s->id, when,
              lb_snapshot_state_to_string (s->state), model, s->files, size, read, grew);
    }
  return LB_EXIT_OK;
}

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
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, e->phone_path);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, e->name);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, e->is_folder ? "folder" : "file");
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, (gint64) e->size);
  json_builder_set_member_name (b, "modified");
  json_builder_add_string_value (b, when);
  json_builder_set_member_name (b, "sha256");
  if (e->blob)
    json_builder_add_string_value (b, e->blob);
  else
    json_builder_add_null_value (b);
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
              json_builder_set_member_name (b, "path");
              json_builder_add_string_value (b, top);
              json_builder_set_member_name (b, "type");
              json_builder_add_string_value (b, "storage");
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

static void
add_paths (JsonBuilder *b, const char *member, GPtrArray *paths)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (guint i = 0; i < paths->len; i++)
    json_builder_add_string_value (b, paths->pdata[i]);
  json_builder_end_array (b);
}

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
      add_paths (jb, "added", diff->added);
      add_paths (jb, "removed", diff->removed);
      add_paths (jb, "changed", diff->changed);
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

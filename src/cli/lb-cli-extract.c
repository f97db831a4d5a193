/* extract, verify: getting files out of the library and checking it. */
#include "config.h"
#include "lb-cli.h"
#include "lb-error.h"
#include "lb-extract.h"
#include "lb-verify.h"

#include <stdio.h>
#include <glib/gi18n.h>

typedef struct {
  LbCli *cli;
  JsonBuilder *renamed;
} ExtractRun;

static void
on_renamed (const char *phone_path, const char *written_as, gpointer data)
{
  ExtractRun *run = data;

  if (run->cli->json)
    {
      json_builder_begin_object (run->renamed);
      json_builder_set_member_name (run->renamed, "path");
      json_builder_add_string_value (run->renamed, phone_path);
      json_builder_set_member_name (run->renamed, "written_as");
      json_builder_add_string_value (run->renamed, written_as);
      json_builder_end_object (run->renamed);
    }
  else if (!run->cli->quiet)
    {
      g_autofree char *from = lb_cli_printable (phone_path);
      g_autofree char *to = lb_cli_printable (written_as);
      g_printerr (_("renamed: %s → %s\n"), from, to);
    }
}

int
lb_cli_extract (LbCli *cli, int argc, char **argv)
{
  g_autofree char *to = NULL;
  GOptionEntry extra[] = {
    { "to", 't', 0, G_OPTION_ARG_FILENAME, &to, N_("The folder to write into (required)"), N_("DIR") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(JsonBuilder) renamed = json_builder_new ();
  ExtractRun run = { cli, renamed };
  guint64 n = 0;
  gint64 id;

  if (!lb_cli_parse (cli, "extract", _("SNAPSHOT PATH... --to DIR"),
                     _("Copies files of a snapshot into DIR as DIR/STORAGE/FOLDERS/NAME, with the phone's\n"
                       "dates. PATH \"/\" means the whole phone. Names a desktop cannot hold (with \"/\",\n"
                       "control characters, \"..\", too long) are changed, and each change is listed."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc < 3)
    return lb_cli_usage ("extract", _("give a snapshot and at least one path"));
  if (to == NULL)
    return lb_cli_usage ("extract", _("say where to write with --to DIR"));
  if ((library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      !lb_cli_parse_snapshot (cli, library, argv[1], &id, &error))
    return lb_cli_fail (error);
  json_builder_begin_array (renamed);
  if (!lb_extract (library, id, (const char *const *) argv + 2, to, on_renamed, &run, &n, cli->cancellable, &error))
    return lb_cli_fail (error);
  json_builder_end_array (renamed);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "files");
      json_builder_add_int_value (b, (gint64) n);
      json_builder_set_member_name (b, "renamed");
      json_builder_add_value (b, json_builder_get_root (renamed));
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (!cli->quiet)
    printf (g_dngettext (GETTEXT_PACKAGE, "Extracted %" G_GUINT64_FORMAT " file into %s\n",
                         "Extracted %" G_GUINT64_FORMAT " files into %s\n", n), n, to);
  return LB_EXIT_OK;
}

static void
on_verify_progress (guint done, guint total, gpointer data)
{
  LbCli *cli = data;

  if (cli->show_progress && !cli->quiet && (done % 50 == 0 || done == total))
    g_printerr (_("\r\033[KChecked %u of %u stored files"), done, total);
}

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
      json_builder_set_member_name (b, "problem");
      json_builder_add_string_value (b, p->what);
      json_builder_set_member_name (b, "sha256");
      if (p->sha256)
        json_builder_add_string_value (b, p->sha256);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "paths");
      json_builder_begin_array (b);
      for (guint k = 0; p->phone_paths && k < p->phone_paths->len; k++)
        json_builder_add_string_value (b, p->phone_paths->pdata[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "snapshots");
      json_builder_begin_array (b);
      for (guint s = 0; p->snapshot_ids && s < p->snapshot_ids->len; s++)
        json_builder_add_int_value (b, g_array_index (p->snapshot_ids, gint64, s));
      json_builder_end_array (b);
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

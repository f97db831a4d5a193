/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli extract: copying files of a snapshot into a folder. */
#include "config.h"
#include "lb-cli.h"
#include "lb-error.h"
#include "lb-extract.h"

#include <stdio.h>
#include <glib/gi18n.h>
#include <inttypes.h>

typedef struct {
  LbCli *cli;
  JsonBuilder *renamed;
  LbCliProgress *progress;
  const char *snapshot;
  const char *const *paths;
  const char *to;
  guint64 files;
  GError *error;
} ExtractRun;

static void
on_renamed (const char *phone_path, const char *written_as, gpointer data)
{
  ExtractRun *run = data;

  if (run->cli->json)
    {
      json_builder_begin_object (run->renamed);
      lb_cli_json_string (run->renamed, "path", phone_path);
      lb_cli_json_string (run->renamed, "written_as", written_as);
      json_builder_end_object (run->renamed);
    }
  else if (!run->cli->quiet)
    {
      g_autofree char *from = lb_cli_printable (phone_path);
      g_autofree char *to = lb_cli_printable (written_as);
      g_printerr (_("renamed: %s → %s\n"), from, to);
    }
}

/* Worker thread. */
static void
on_progress (const LbExtractProgress *p, gpointer data)
{
  ExtractRun *run = data;

  lb_cli_progress_update (run->progress, _("Extracting"),
                          p->bytes_total ? (double) p->bytes_done / p->bytes_total : -1, p->bytes_done,
                          p->bytes_total, p->files_done, p->files_total, p->eta_seconds);
}

/* Worker thread: the library is this thread's, as every LbLibrary is the
 * thread's that opened it. */
static void
extract_work (gpointer data, GCancellable *cancellable)
{
  ExtractRun *run = data;
  g_autoptr(LbLibrary) library = NULL;
  gint64 id;

  if ((library = lb_cli_open_library (run->cli, LB_LIBRARY_READ, &run->error)) == NULL ||
      !lb_cli_parse_snapshot (run->cli, library, run->snapshot, &id, &run->error))
    return;
  lb_extract (library, id, run->paths, run->to, on_renamed, on_progress, run, &run->files, cancellable, &run->error);
}

int
lb_cli_extract (LbCli *cli, int argc, char **argv)
{
  g_autofree char *to = NULL;
  GOptionEntry extra[] = {
    { "to", 't', 0, G_OPTION_ARG_FILENAME, &to, N_("The folder to write into (required)"), N_("DIR") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(JsonBuilder) renamed = json_builder_new ();
  ExtractRun run = { cli, renamed, NULL, NULL, NULL, NULL, 0, NULL };
  guint64 n;

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
  run.snapshot = argv[1];
  run.paths = (const char *const *) argv + 2;
  run.to = to;
  json_builder_begin_array (renamed);
  run.progress = lb_cli_progress_new (cli);
  lb_cli_run_in_thread (cli, extract_work, &run);
  lb_cli_progress_free (run.progress);
  if (run.error != NULL)
    {
      g_autoptr(GError) error = run.error;
      return lb_cli_fail (error);
    }
  json_builder_end_array (renamed);
  n = run.files;
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      json_builder_begin_object (b);
      lb_cli_json_int (b, "files", (gint64) n);
      json_builder_set_member_name (b, "renamed");
      json_builder_add_value (b, json_builder_get_root (renamed));
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (!cli->quiet)
    printf (g_dngettext (GETTEXT_PACKAGE, "Extracted %" PRIu64 " file into %s\n",
                         "Extracted %" PRIu64 " files into %s\n", n), n, to);
  return LB_EXIT_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-cli.h"
#include "lb-backup.h"
#include "lb-error.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

typedef struct {
  LbCli *cli;
  const LbBackupOptions *options;
  LbSnapshot *snapshot;
  GError *error;
  LbCliProgress *progress;
  gint64 started;
} Run;

/* Worker thread: a copy of the figures for the main thread to draw. */
static void
on_progress (const LbBackupProgress *p, gpointer data)
{
  Run *run = data;

  lb_cli_progress_post (run->progress, lb_backup_progress_copy (p));
}

static char *
progress_line (gconstpointer report, gpointer data)
{
  const LbBackupProgress *p = report;
  Run *run = data;
  g_autofree char *done = NULL, *total = NULL;
  char *line = NULL;
  double secs = (g_get_monotonic_time () - run->started) / (double) G_USEC_PER_SEC;

  switch (p->phase)
    {
    case LB_BACKUP_OPENING:
      line = g_strdup (_("Opening the phone…"));
      break;
    case LB_BACKUP_LISTING:
      line = g_strdup_printf (_("Listing the phone: %" PRIu64 " objects"), p->objects_listed);
      break;
    case LB_BACKUP_COPYING:
      done = g_format_size (p->bytes_done);
      total = g_format_size (p->bytes_total);
      {
        g_autofree char *speed = g_format_size ((guint64) (p->transferred / MAX (secs, 0.001)));
        g_autofree char *eta = p->eta_seconds >= 0
                                 ? g_strdup_printf (_(", %" PRId64 ":%02d left"), p->eta_seconds / 60, (int) (p->eta_seconds % 60))
                                 : g_strdup ("");
        g_autofree char *where = p->current ? lb_cli_printable (p->current) : g_strdup ("");
        line = g_strdup_printf (_("%" PRIu64 "/%" PRIu64 " files, %s of %s, %s/s%s  %s"),
                                p->files_done, p->files_total, done, total, speed, eta, where);
      }
      break;
    case LB_BACKUP_FINISHING:
      line = g_strdup (_("Finishing the snapshot…"));
      break;
    }
  return line;
}

/* Worker thread. */
static void
backup_work (gpointer data, GCancellable *cancellable)
{
  Run *run = data;

  run->snapshot = lb_backup_run (run->options, on_progress, run, cancellable, &run->error);
}

static void
print_result (LbCli *cli, LbLibrary *library, const LbSnapshot *s)
{
  g_autofree char *bytes = g_format_size (s->bytes);
  g_autofree char *read = g_format_size (s->transferred_bytes);
  g_autofree char *grew = g_format_size (s->new_bytes);
  g_autofree char *model = lb_cli_printable (s->model);

  (void) cli;
  printf (_("Snapshot %" PRId64 " of %s (%s) is complete: %" PRIu64 " files in %" PRIu64 " folders, %s.\n"),
          s->id, model, s->serial, s->files, s->folders, bytes);
  printf (_("Read %s from the phone; the library grew by %s.\n"), read, grew);
  if (s->skipped > 0)
    {
      g_autoptr(GPtrArray) skipped = lb_library_list_skipped (library, s->id, NULL);
      printf (g_dngettext (GETTEXT_PACKAGE, "%" PRIu64 " object was left out or needs attention:\n",
                           "%" PRIu64 " objects were left out or need attention:\n", s->skipped),
              s->skipped);
      for (guint i = 0; skipped && i < skipped->len && i < 20; i++)
        {
          g_autofree char *line = lb_cli_printable (skipped->pdata[i]);
          printf ("  %s\n", line);
        }
      if (skipped && skipped->len > 20)
        printf (_("  … and %u more\n"), skipped->len - 20);
    }
}

int
lb_cli_backup (LbCli *cli, int argc, char **argv)
{
  GOptionEntry extra[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &cli->device, N_("The phone to back up (when several are connected)"), N_("SERIAL") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autofree char *path = NULL;
  gboolean may_create;
  LbBackupOptions options = { 0 };
  Run run = { 0 };
  int status = LB_EXIT_OK;

  if (!lb_cli_parse (cli, "backup", "",
                     _("Takes a snapshot of a phone: every file and folder it shows in File transfer mode.\n"
                       "Files unchanged since an earlier snapshot are not read again. Ctrl-C stops and keeps\n"
                       "what was done; the next backup carries on from there."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 1)
    return lb_cli_usage ("backup", _("takes no arguments; choose the phone with --device SERIAL"));

  path = lb_cli_library_path (cli, &may_create);
  options.library = path;
  options.create_library = may_create;
  options.serial = cli->device;
  run.cli = cli;
  run.options = &options;
  run.started = g_get_monotonic_time ();
  run.progress = lb_cli_progress_new_custom (cli, progress_line, &run, (GDestroyNotify) lb_backup_progress_free);
  lb_cli_run_in_thread (cli, backup_work, &run);
  lb_cli_progress_free (run.progress);

  if (run.snapshot == NULL)
    {
      if (g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("%s\n", _("lifeboat-cli: backup stopped. What was copied is kept in an interrupted snapshot; the next backup carries on from it."));
          status = LB_EXIT_FAILED;
        }
      else
        status = lb_cli_fail (run.error);
      g_clear_error (&run.error);
    }
  else if (cli->json)
    {
      g_autoptr(JsonNode) node = lb_cli_snapshot_json (run.snapshot);
      lb_cli_print_json (node);
    }
  else if (!cli->quiet)
    {
      g_autoptr(LbLibrary) library = lb_library_open (path, FALSE, LB_LIBRARY_READ, NULL);
      if (library != NULL)
        print_result (cli, library, run.snapshot);
    }
  g_clear_pointer (&run.snapshot, lb_snapshot_free);
  return status;
}

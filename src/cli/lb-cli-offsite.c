/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli offsite init|push|list|restore|check: copies of the library in a
 * restic repository.  The work runs on a worker thread (lb-offsite.h
 * blocks), so Ctrl-C and the progress line keep working on this one. */
#include "config.h"
#include "lb-cli.h"
#include "lb-offsite.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

typedef enum { OFFSITE_INIT, OFFSITE_PUSH, OFFSITE_LIST, OFFSITE_RESTORE, OFFSITE_CHECK } Sub;

typedef struct {
  LbCli *cli;
  Sub sub;
  LbResticRepo repo;
  char *library;            /* push */
  const char *at;           /* restore, check */
  const char *subset;       /* check */
  char *dest;               /* restore */
  /* results */
  gboolean ok;
  GError *error;
  LbOffsitePush *push;
  GPtrArray *copies;
  GPtrArray *problems;      /* check */
  LbCliProgress *progress;
} Job;

static void
on_progress (const LbOffsiteProgress *p, gpointer data)
{
  Job *job = data;

  lb_cli_progress_update (job->progress, p->phase, p->fraction, p->bytes_done, p->bytes_total, p->files_done,
                          p->files_total, -1);
}

/* Worker thread. */
static void
run_job (gpointer data, GCancellable *cancellable)
{
  Job *job = data;

  switch (job->sub)
    {
    case OFFSITE_INIT:
      job->ok = lb_offsite_init (&job->repo, cancellable, &job->error);
      break;
    case OFFSITE_PUSH:
      job->push = lb_offsite_push (job->library, &job->repo, on_progress, job, cancellable, &job->error);
      job->ok = job->push != NULL;
      break;
    case OFFSITE_LIST:
      job->copies = lb_offsite_list (&job->repo, cancellable, &job->error);
      job->ok = job->copies != NULL;
      break;
    case OFFSITE_RESTORE:
      job->ok = lb_offsite_restore (&job->repo, job->at, job->dest, on_progress, job, cancellable, &job->error);
      break;
    case OFFSITE_CHECK:
      job->problems = lb_offsite_check (&job->repo, job->at, job->subset, on_progress, job, cancellable, &job->error);
      job->ok = job->problems != NULL;
      break;
    }
}

/* "1-4, 7" for people. */
static char *
snapshot_ranges (GArray *ids)
{
  char *ranges = lb_offsite_format_ranges (ids, ", ");

  if (*ranges)
    return ranges;
  g_free (ranges);
  return g_strdup ("-");
}

static const char *
repo_name (Job *job)
{
  const char *env = g_getenv ("RESTIC_REPOSITORY");
  return job->repo.repo ? job->repo.repo : env ? env : "";
}

static void
print_push (Job *job)
{
  LbOffsitePush *r = job->push;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *ranges = NULL, *sent = NULL, *covered = NULL;

  if (!job->cli->json)
    {
      if (job->cli->quiet)
        return;
      ranges = snapshot_ranges (r->library_snapshots);
      sent = g_format_size (r->bytes_added);
      covered = g_format_size (r->bytes_processed);
      printf (_("Copied the library to %s as %.8s (snapshots %s): %s sent for %s, in %.1f s.\n"), repo_name (job),
              r->restic_id, ranges, sent, covered, r->seconds);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  lb_cli_json_string (b, "id", r->restic_id);
  lb_cli_json_int (b, "bytes_added", (gint64) r->bytes_added);
  lb_cli_json_int (b, "bytes_processed", (gint64) r->bytes_processed);
  lb_cli_json_int (b, "files_new", (gint64) r->files_new);
  lb_cli_json_int (b, "files_changed", (gint64) r->files_changed);
  lb_cli_json_int (b, "files_unmodified", (gint64) r->files_unmodified);
  lb_cli_json_double (b, "seconds", r->seconds);
  lb_cli_json_ids (b, "snapshots", r->library_snapshots);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  lb_cli_print_json (node);
}

static void
print_list (Job *job)
{
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!job->cli->json)
    {
      if (job->copies->len == 0)
        {
          if (!job->cli->quiet)
            printf (_("The repository %s holds no copy of a Lifeboat library yet.\n"), repo_name (job));
          return;
        }
      printf ("%-10s %-16s %-16s %s\n", _("COPY"), _("DATE"), _("COMPUTER"), _("SNAPSHOTS"));
      for (guint i = 0; i < job->copies->len; i++)
        {
          LbOffsiteCopy *c = job->copies->pdata[i];
          g_autofree char *when = lb_cli_local_time (c->time);
          g_autofree char *host = lb_cli_printable (c->hostname);
          g_autofree char *ranges = snapshot_ranges (c->library_snapshots);
          printf ("%-10s %-16s %-16s %s\n", c->short_id, when, host, ranges);
        }
      return;
    }
  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < job->copies->len; i++)
    {
      LbOffsiteCopy *c = job->copies->pdata[i];
      g_autofree char *when = lb_cli_iso8601 (c->time);

      json_builder_begin_object (b);
      lb_cli_json_string (b, "id", c->restic_id);
      lb_cli_json_string (b, "short_id", c->short_id);
      lb_cli_json_string_or_null (b, "parent", c->parent);
      lb_cli_json_string (b, "time", when);
      lb_cli_json_string (b, "computer", c->hostname);
      lb_cli_json_string (b, "library", c->library_path ? c->library_path : "");
      lb_cli_json_ids (b, "snapshots", c->library_snapshots);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  node = json_builder_get_root (b);
  lb_cli_print_json (node);
}

static void
print_simple (Job *job, const char *key, const char *value, const char *text)
{
  if (job->cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      lb_cli_json_string (b, key, value);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (!job->cli->quiet)
    printf ("%s\n", text);
}

static void
report_failure (Job *job)
{
  if (!g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      lb_cli_fail (job->error);
      return;
    }
  if (job->sub == OFFSITE_PUSH)
    g_printerr ("%s\n", _("lifeboat-cli: push stopped. The library is unchanged; the next push sends what this one "
                          "did not."));
  else if (job->sub == OFFSITE_RESTORE)
    g_printerr (_("lifeboat-cli: restore stopped. %s is not a library yet: remove it and start again.\n"),
                job->dest);
  else
    g_printerr ("%s\n", _("lifeboat-cli: stopped."));
}

int
lb_cli_offsite (LbCli *cli, int argc, char **argv)
{
  g_autofree char *repo = NULL, *password_file = NULL, *password_command = NULL, *at = NULL, *subset = NULL;
  GOptionEntry entries[] = {
    { "repo", 'r', 0, G_OPTION_ARG_STRING, &repo, N_("The restic repository (default: $RESTIC_REPOSITORY)"), N_("REPO") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, N_("Read the repository's password from FILE"), N_("FILE") },
    { "password-command", 0, 0, G_OPTION_ARG_STRING, &password_command,
      N_("Run COMMAND for the repository's password"), N_("COMMAND") },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at, N_("restore, check: the copy to use (default: the newest)"), N_("ID") },
    { "read-data-subset", 0, 0, G_OPTION_ARG_STRING, &subset,
      N_("check: also re-read this part of the repository's data (restic's syntax: 10%, 1/5...)"), N_("SUBSET") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  static const char *const subs[] = { "init", "push", "list", "restore", "check", NULL };
  Job job = { 0 };
  int status = LB_EXIT_OK;
  gboolean may_create;

  if (!lb_cli_parse (cli, "offsite", _("init|push|list|restore DEST|check"),
                     _("Keeps copies of the library off this PC, encrypted, in a restic repository: a folder on\n"
                       "another disk, or sftp:, rest:, s3:, rclone: and every other place restic reaches.\n\n"
                       "  init             create the repository\n"
                       "  push             copy the library there (only what is new is sent)\n"
                       "  list             the copies there, with the snapshots each one holds\n"
                       "  restore DEST     rebuild the library in the new or empty folder DEST\n"
                       "  check            restic's check of the repository, then the newest copy\n"
                       "                   (or --at) restored into a temporary folder, which needs\n"
                       "                   room for the library, and verified like `verify`\n\n"
                       "The repository and its password come from the options or restic's own\n"
                       "RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, RESTIC_PASSWORD_COMMAND and\n"
                       "RESTIC_PASSWORD. Without the password the copies cannot be read: keep it\n"
                       "somewhere other than this PC. A push reads the library while backups go on,\n"
                       "and changes nothing in it; Ctrl-C stops it safely."),
                     entries, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc < 2 || !g_strv_contains (subs, argv[1]))
    return lb_cli_usage ("offsite", _("say what to do: init, push, list, restore or check"));
  for (Sub s = OFFSITE_INIT; s <= OFFSITE_CHECK; s++)
    if (strcmp (argv[1], subs[s]) == 0)
      job.sub = s;
  if (job.sub == OFFSITE_RESTORE ? argc != 3 : argc != 2)
    return lb_cli_usage ("offsite", job.sub == OFFSITE_RESTORE ? _("give the one folder to restore the library into")
                                                                 : _("too many arguments"));
  if (at != NULL && job.sub != OFFSITE_RESTORE && job.sub != OFFSITE_CHECK)
    return lb_cli_usage ("offsite", _("--at is for restore and check"));
  if (subset != NULL && job.sub != OFFSITE_CHECK)
    return lb_cli_usage ("offsite", _("--read-data-subset is for check"));

  job.cli = cli;
  job.repo.repo = repo;
  job.repo.password_file = password_file;
  job.repo.password_command = password_command;
  job.at = at;
  job.subset = subset;
  if (job.sub == OFFSITE_PUSH)
    job.library = lb_cli_library_path (cli, &may_create);
  if (job.sub == OFFSITE_RESTORE)
    job.dest = g_canonicalize_filename (argv[2], NULL);
  job.progress = lb_cli_progress_new (cli);
  lb_cli_run_in_thread (cli, run_job, &job);
  lb_cli_progress_free (job.progress);

  if (!job.ok)
    {
      report_failure (&job);
      status = LB_EXIT_FAILED;
    }
  else if (job.sub == OFFSITE_INIT)
    {
      g_autofree char *text = g_strdup_printf (_("Created a restic repository at %s. Keep its password somewhere "
                                                 "other than this PC: without it the copies cannot be read."),
                                               repo_name (&job));
      print_simple (&job, "repository", repo_name (&job), text);
    }
  else if (job.sub == OFFSITE_PUSH)
    print_push (&job);
  else if (job.sub == OFFSITE_LIST)
    print_list (&job);
  else if (job.sub == OFFSITE_CHECK)
    status = lb_cli_print_problems (cli, job.problems, _("The repository passes restic's check, and its copy restores "
                                                         "into a library whose every stored file is intact."));
  else
    {
      g_autofree char *text = g_strdup_printf (_("The library is restored in %s. Use it with --library %s or "
                                                 "LIFEBOAT_LIBRARY=%s, or choose it in the window's Preferences."),
                                               job.dest, job.dest, job.dest);
      print_simple (&job, "library", job.dest, text);
    }

  g_clear_error (&job.error);
  lb_offsite_push_free (job.push);
  if (job.copies)
    g_ptr_array_unref (job.copies);
  if (job.problems)
    g_ptr_array_unref (job.problems);
  g_free (job.library);
  g_free (job.dest);
  return status;
}

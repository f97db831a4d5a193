/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-cli.h"
#include "lb-error.h"
#include "lb-restore.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

static const char *
kind_word (LbRestoreActionKind k)
{
  switch (k)
    {
    case LB_RESTORE_SEND: return "send";
    case LB_RESTORE_IDENTICAL: return "identical";
    case LB_RESTORE_CONFLICT: return "conflict";
    case LB_RESTORE_REPLACE: return "replace";
    case LB_RESTORE_REMOVE: return "remove";
    case LB_RESTORE_CANNOT: return "cannot";
    default: return "";
    }
}

static JsonNode *
plan_json (const LbRestorePlan *plan, const LbRestoreReport *report)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  lb_cli_json_int (b, "snapshot", plan->snapshot ? plan->snapshot->id : 0);
  lb_cli_json_string (b, "target", plan->target ? plan->target->serial : "");
  lb_cli_json_bool (b, "migration", plan->migration);
  lb_cli_json_bool (b, "fits", plan->fits);
  json_builder_set_member_name (b, "storages");
  json_builder_begin_array (b);
  for (guint i = 0; i < plan->storages->len; i++)
    {
      LbRestoreStorage *s = plan->storages->pdata[i];
      json_builder_begin_object (b);
      lb_cli_json_string (b, "storage", s->source);
      lb_cli_json_string_or_null (b, "mapped_to", s->target);
      lb_cli_json_int (b, "files", (gint64) s->files);
      lb_cli_json_int (b, "bytes", (gint64) s->bytes);
      lb_cli_json_int (b, "folders", (gint64) s->folders);
      lb_cli_json_int (b, "identical", (gint64) s->identical);
      lb_cli_json_int (b, "free", (gint64) s->free);
      lb_cli_json_bool (b, "fits", s->fits);
      lb_cli_json_bool (b, "merged", s->merged);
      lb_cli_json_bool (b, "left_out", s->left_out);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "actions");
  json_builder_begin_array (b);
  for (guint i = 0; i < plan->actions->len; i++)
    {
      LbRestoreAction *a = plan->actions->pdata[i];
      json_builder_begin_object (b);
      lb_cli_json_string (b, "action", kind_word (a->kind));
      lb_cli_json_string (b, "path", a->phone_path);
      lb_cli_json_string_or_null (b, "target", a->target_path);
      lb_cli_json_string_or_null (b, "reason", a->reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  lb_cli_json_strings (b, "problems", plan->problems);
  if (report != NULL)
    {
      json_builder_set_member_name (b, "report");
      json_builder_begin_object (b);
      lb_cli_json_int (b, "sent", (gint64) report->sent);
      lb_cli_json_int (b, "sent_bytes", (gint64) report->sent_bytes);
      lb_cli_json_int (b, "identical", (gint64) report->identical);
      lb_cli_json_int (b, "conflicts", (gint64) report->conflicts);
      lb_cli_json_int (b, "removed", (gint64) report->removed);
      lb_cli_json_int (b, "lists", (gint64) report->lists);
      lb_cli_json_int (b, "dates_kept", (gint64) report->dates_kept);
      lb_cli_json_int (b, "dates_lost", (gint64) report->dates_lost);
      lb_cli_json_int (b, "dates_failed", (gint64) report->dates_failed);
      lb_cli_json_bool (b, "interrupted", report->interrupted);
      lb_cli_json_strings (b, "failed", report->failed);
      lb_cli_json_strings (b, "notes", report->notes);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* The storages merged onto another or left out, one line each: said
 * even when the plan is not shown. */
static void
print_storage_notes (const LbRestorePlan *plan)
{
  for (guint i = 0; i < plan->storages->len; i++)
    {
      g_autofree char *note = lb_restore_storage_note (plan->storages->pdata[i], FALSE);
      if (note != NULL)
        printf ("%s\n", note);
    }
}

static void
print_plan (const LbRestorePlan *plan)
{
  if (plan->snapshot && plan->target)
    {
      g_autofree char *when = lb_cli_local_time (plan->snapshot->started);
      g_autofree char *to = lb_cli_printable (plan->target->model);
      printf (_("Snapshot %" PRId64 " (%s, %s) onto %s (serial %s)%s:\n"), plan->snapshot->id, plan->snapshot->model,
              when, to, plan->target->serial, plan->migration ? _(", a different phone") : "");
    }
  for (guint i = 0; i < plan->storages->len; i++)
    {
      LbRestoreStorage *s = plan->storages->pdata[i];
      g_autofree char *bytes = g_format_size (s->bytes);
      g_autofree char *free_ = g_format_size (s->free);
      g_autofree char *note = lb_restore_storage_note (s, FALSE);
      if (note != NULL)
        printf ("  %s\n", note);
      if (s->left_out)
        continue;
      printf (_("  %s → %s: %" PRIu64 " files to send (%s), %" PRIu64 " folders to create, %" PRIu64 " already there; %s free%s\n"),
              s->source, s->target ? s->target : _("(no storage)"), s->files, bytes, s->folders, s->identical, free_,
              s->fits ? "" : _(" — does not fit"));
    }
  for (guint i = 0; i < plan->actions->len; i++)
    {
      LbRestoreAction *a = plan->actions->pdata[i];
      g_autofree char *path = lb_cli_printable (a->phone_path);
      g_autofree char *why = a->reason ? lb_cli_printable (a->reason) : NULL;
      if (a->kind == LB_RESTORE_CONFLICT)
        printf (_("  conflict: %s differs from the phone's; the phone's is kept, ours goes to “%s”\n"), path, why);
      else if (a->kind == LB_RESTORE_CANNOT)
        printf (_("  cannot: %s: %s\n"), path, why);
      else if (a->kind == LB_RESTORE_REMOVE)
        printf (_("  remove: %s (not in the snapshot; --mirror)\n"), path);
      else if (a->kind == LB_RESTORE_REPLACE)
        printf (_("  replace: %s (--mirror)\n"), path);
      else if (why != NULL)
        printf ("  %s: %s\n", path, why);
    }
  for (guint i = 0; i < plan->problems->len; i++)
    printf (_("  problem: %s\n"), (char *) plan->problems->pdata[i]);
}

static void
print_report (const LbRestoreReport *r)
{
  g_autofree char *bytes = g_format_size (r->sent_bytes);

  printf (_("Sent %" PRIu64 " files (%s); %" PRIu64 " were already on the phone.\n"), r->sent, bytes, r->identical);
  if (r->conflicts)
    printf (_("%" PRIu64 " files differed from the phone's: the phone's are kept, ours sit beside them as “NAME (restored DATE)”.\n"), r->conflicts);
  if (r->removed)
    printf (_("Removed %" PRIu64 " objects the snapshot does not have.\n"), r->removed);
  if (r->lists)
    printf (_("Recreated %" PRIu64 " playlists and albums.\n"), r->lists);
  if (r->dates_lost)
    printf (g_dngettext (GETTEXT_PACKAGE,
                         "The date of %" PRIu64 " file could not be kept: this phone sets the time of the transfer.\n",
                         "The dates of %" PRIu64 " files could not be kept: this phone sets the time of the transfer.\n",
                         r->dates_lost), r->dates_lost);
  if (r->dates_failed)
    printf (g_dngettext (GETTEXT_PACKAGE,
                         "The phone would not take the date of %" PRIu64 " file (listed below).\n",
                         "The phone would not take the dates of %" PRIu64 " files (listed below).\n",
                         r->dates_failed), r->dates_failed);
  for (guint i = 0; i < r->notes->len; i++)
    {
      g_autofree char *line = lb_cli_printable (r->notes->pdata[i]);
      printf (_("Note: %s\n"), line);
    }
  for (guint i = 0; i < r->failed->len; i++)
    {
      g_autofree char *line = lb_cli_printable (r->failed->pdata[i]);
      printf (_("Could not restore %s\n"), line);
    }
}

typedef struct {
  LbRestoreOptions options;
  LbRestoreReport *report;
  LbRestoreReport *failed;
  GError *error;
  LbCliProgress *progress;  /* NULL under --json */
} Job;

/* Worker thread. */
static void
on_progress (const LbRestoreProgress *p, gpointer data)
{
  Job *job = data;

  if (p->planning)
    {
      g_autofree char *phase = g_strdup_printf (_("Reading what the phone holds: %" PRIu64 " objects"), p->objects_listed);
      lb_cli_progress_update (job->progress, phase, -1, 0, 0, 0, 0, -1);
      return;
    }
  lb_cli_progress_update (job->progress, _("Restoring"), -1, p->bytes_done, p->bytes_total, p->files_done,
                          p->files_total, p->eta_seconds);
}

/* Worker thread. */
static void
restore_work (gpointer data, GCancellable *cancellable)
{
  Job *job = data;

  job->report = lb_restore_run (&job->options, on_progress, job, cancellable, &job->failed, &job->error);
}

int
lb_cli_restore (LbCli *cli, int argc, char **argv)
{
  g_auto(GStrv) only = NULL, map = NULL;
  gboolean dry_run = FALSE, to_new = FALSE, mirror = FALSE, rename_invalid = FALSE, no_merge = FALSE;
  GOptionEntry extra[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &cli->device, N_("The phone to restore onto"), N_("SERIAL") },
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only, N_("Restore only this path (a folder means all below it); repeatable"), N_("PATH") },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, N_("Show the plan and change nothing"), NULL },
    { "to-new-device", 0, 0, G_OPTION_ARG_NONE, &to_new, N_("Allow restoring onto a phone other than the snapshot's"), NULL },
    { "mirror", 0, 0, G_OPTION_ARG_NONE, &mirror, N_("Make the phone match exactly: replace what differs, remove what the snapshot lacks"), NULL },
    { "map", 0, 0, G_OPTION_ARG_STRING_ARRAY, &map, N_("Put a snapshot storage on a phone storage: \"SD card=Internal shared storage\""), N_("FROM=TO") },
    { "rename-invalid", 0, 0, G_OPTION_ARG_NONE, &rename_invalid, N_("Rename files whose names the phone refuses, and list each change"), NULL },
    { "no-merge-storages", 0, 0, G_OPTION_ARG_NONE, &no_merge, N_("Leave out a snapshot storage the phone has no storage for, instead of putting its files onto the phone's internal storage"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean may_create;
  Job job = { 0 };
  LbRestoreReport *report;
  int status = LB_EXIT_OK;

  if (!lb_cli_parse (cli, "restore", _("SNAPSHOT"),
                     _("Puts a snapshot back onto a phone: the same one, or a new one with --to-new-device.\n"
                       "It plans first (--dry-run shows the plan) and refuses before writing anything when the\n"
                       "files do not fit. Nothing on the phone is deleted or replaced unless you ask for\n"
                       "--mirror; a different file at the same path is kept, and ours is sent beside it as\n"
                       "“NAME (restored DATE)”. A storage the phone lacks (a memory card) goes onto its internal\n"
                       "storage, into the same folders, when it fits. Running the same restore again sends only\n"
                       "what is missing."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc != 2)
    return lb_cli_usage ("restore", _("give exactly one snapshot"));
  path = lb_cli_library_path (cli, &may_create);
  {
    g_autoptr(LbLibrary) library = lb_library_open (path, FALSE, LB_LIBRARY_READ, &error);
    if (library == NULL || !lb_cli_parse_snapshot (cli, library, argv[1], &job.options.snapshot_id, &error))
      return lb_cli_fail (error);
  }
  job.options.library = path;
  job.options.serial = cli->device;
  job.options.only = (const char *const *) only;
  job.options.map = (const char *const *) map;
  job.options.dry_run = dry_run;
  job.options.to_new_device = to_new;
  job.options.mirror = mirror;
  job.options.rename_invalid = rename_invalid;
  job.options.no_merge = no_merge;
  if (!cli->quiet && !cli->json && cli->show_progress)
    g_printerr ("%s\n", _("Planning: reading what the phone already holds…"));
  if (!cli->json)
    job.progress = lb_cli_progress_new (cli);
  lb_cli_run_in_thread (cli, restore_work, &job);
  lb_cli_progress_free (job.progress);

  report = job.report ? job.report : job.failed;
  if (cli->json && report != NULL)
    {
      g_autoptr(JsonNode) node = plan_json (report->plan, dry_run ? NULL : report);
      lb_cli_print_json (node);
    }
  else if (!cli->quiet && report != NULL)
    {
      if (dry_run || job.error != NULL)
        print_plan (report->plan);
      else
        print_storage_notes (report->plan);
      if (!dry_run && (job.report != NULL || report->sent + report->identical > 0))
        print_report (report);
    }
  if (job.error != NULL)
    {
      if (g_error_matches (job.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("%s\n", _("lifeboat-cli: restore stopped. Run the same restore again to send what is still missing."));
      else if (report != NULL && report->sent > 0)
        g_printerr (_("lifeboat-cli: %s\nRun the same restore again to carry on: it sends only what is missing.\n"), job.error->message);
      else
        lb_cli_fail (job.error);
      status = LB_EXIT_FAILED;
      g_clear_error (&job.error);
    }
  else if (report != NULL && report->failed->len > 0 && !dry_run)
    status = LB_EXIT_FAILED;
  g_clear_pointer (&job.report, lb_restore_report_free);
  g_clear_pointer (&job.failed, lb_restore_report_free);
  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Restoring: the job (the library and the phone opened, the plan made by
 * lb-restore-plan.c) and pushing its steps onto the phone, each file
 * journaled before and after it is sent, then the playlists and albums. */
#include "config.h"
#include "lb-restore-private.h"
#include "lb-error.h"
#include "lb-eta.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <libmtp.h>
#include <inttypes.h>

void
lb_restore_step_free (gpointer p)
{
  Step *s = p;
  g_free (s->name);
  g_free (s->rel);
  g_free (s->reason);
  g_free (s);
}

static void
action_free (gpointer p)
{
  LbRestoreAction *a = p;
  g_free (a->phone_path);
  g_free (a->target_path);
  g_free (a->reason);
  g_free (a);
}

static void
storage_plan_free (gpointer p)
{
  LbRestoreStorage *s = p;
  g_free (s->source);
  g_free (s->target);
  g_free (s);
}

LbRestorePlan *
lb_restore_plan_new (void)
{
  LbRestorePlan *plan = g_new0 (LbRestorePlan, 1);

  plan->storages = g_ptr_array_new_with_free_func (storage_plan_free);
  plan->actions = g_ptr_array_new_with_free_func (action_free);
  plan->problems = g_ptr_array_new_with_free_func (g_free);
  return plan;
}

void
lb_restore_plan_free (LbRestorePlan *plan)
{
  if (plan == NULL)
    return;
  g_clear_pointer (&plan->snapshot, lb_snapshot_free);
  g_clear_pointer (&plan->target, lb_device_info_free);
  g_ptr_array_unref (plan->storages);
  g_ptr_array_unref (plan->actions);
  g_ptr_array_unref (plan->problems);
  g_free (plan);
}

void
lb_restore_report_free (LbRestoreReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->plan, lb_restore_plan_free);
  g_ptr_array_unref (report->failed);
  g_ptr_array_unref (report->notes);
  g_free (report);
}

char *
lb_restore_target_key (guint32 storage_id, const char *rel)
{
  return g_strdup_printf ("%08x/%s", storage_id, rel);
}

/* ---- pushing ------------------------------------------------------------------ */

void
lb_restore_report_progress (Restore *r, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (r->progress_func == NULL || !lb_progress_due (&r->last_progress, now, force))
    return;
  r->progress.eta_seconds = lb_eta_seconds (r->progress.bytes_done, r->progress.bytes_total, r->started, now);
  r->progress_func (&r->progress, r->progress_data);
}

typedef struct {
  Restore *r;
  int fd;
} Fill;

static gssize
fill_from_blob (guint8 *buf, gsize len, gpointer data)
{
  Fill *f = data;
  ssize_t n;

  do
    n = read (f->fd, buf, len);
  while (n < 0 && errno == EINTR);
  if (n > 0)
    {
      f->r->progress.bytes_done += n;
      lb_restore_report_progress (f->r, FALSE);
    }
  return n;
}

/* A folder merged into another storage's folder of the same path is
 * that folder on the phone. */
static const gint64 *
folder_id (Restore *r, const gint64 *path_id)
{
  const gint64 *other = g_hash_table_lookup (r->alias_of, path_id);
  return other != NULL ? other : path_id;
}

static guint32
parent_handle (Restore *r, LbEntry *e)
{
  return e->parent_id ? GPOINTER_TO_UINT (g_hash_table_lookup (r->handle_of, folder_id (r, &e->parent_id))) : 0;
}

/* Where a step's object really is on the phone: below a folder the phone
 * named otherwise its planned rel is off, and the phone may name this
 * object otherwise too (got: the name it reported, NULL if unknown).
 * Returns the rel, and notes a name other than planned in the report. */
static char *
actual_rel (Restore *r, Step *s, const char *got, LbRestoreReport *report)
{
  const char *parent = s->entry->parent_id ? g_hash_table_lookup (r->phone_rel, folder_id (r, &s->entry->parent_id)) : NULL;
  const char *name = got != NULL ? got : s->name;
  char *rel;

  if (parent == NULL)
    {
      const char *slash = strrchr (s->rel, '/');
      g_autofree char *planned_parent = slash ? g_strndup (s->rel, slash - s->rel) : g_strdup ("");
      rel = *planned_parent ? g_strconcat (planned_parent, "/", name, NULL) : g_strdup (name);
    }
  else
    rel = g_strconcat (parent, "/", name, NULL);
  if (got != NULL && strcmp (got, s->name) != 0)
    g_ptr_array_add (report->notes, g_strdup_printf (_("%s: the phone named it “%s”, not “%s”"),
                                                     s->entry->phone_path, got, s->name));
  if (s->entry->is_folder && strcmp (rel, s->rel) != 0)
    g_hash_table_insert (r->phone_rel, g_memdup2 (&s->entry->path_id, sizeof (gint64)), g_strdup (rel));
  return rel;
}

/* FALSE when the whole restore must stop (error set). */
static gboolean
push_step (Restore *r, Step *s, LbRestoreReport *report, gboolean *dates_supported, GError **error)
{
  LbEntry *e = s->entry;
  g_autoptr(GError) local = NULL;
  g_autofree char *blob_path = NULL;
  g_autofree char *got = NULL, *rel = NULL;
  g_autoptr(GError) date_error = NULL;
  Fill fill = { r, -1 };
  gint64 phone_mtime = 0;
  guint32 handle;
  gboolean date_failed = FALSE;

  switch (s->kind)
    {
    case LB_RESTORE_IDENTICAL:
      report->identical++;
      r->progress.files_done += !e->is_folder;
      return TRUE;
    case LB_RESTORE_CANNOT:
      g_ptr_array_add (report->failed, g_strdup_printf ("%s: %s", e ? e->phone_path : s->rel, s->reason));
      return TRUE;
    case LB_RESTORE_REMOVE:
      if (!lb_device_delete (r->device, s->existing, &local))
        {
          if (!g_error_matches (local, LB_ERROR, LB_ERROR_DEVICE_GONE))
            {
              g_ptr_array_add (report->failed, g_strdup_printf ("/%s/%s: %s", s->storage->description, s->rel, local->message));
              return TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      report->removed++;
      return TRUE;
    default:
      break;
    }

  r->progress.current = e->phone_path;
  /* Its folder could not be created (the failure is listed): sending it
   * anyway would put it at the top of the storage. */
  if (e->parent_id != 0 && parent_handle (r, e) == 0)
    return TRUE;
  if (e->is_folder)
    {
      handle = lb_device_create_folder (r->device, s->storage->id, parent_handle (r, e), s->name, &got, &local);
      if (handle == 0)
        goto failed;
      g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (handle));
      g_free (actual_rel (r, s, got, report));
      return TRUE;
    }
  if (s->kind == LB_RESTORE_REPLACE && !lb_device_delete (r->device, s->existing, &local))
    goto failed;
  /* Marked as on its way first, so a half-sent copy left by an unplug is
   * recognised as ours next time. */
  if (!lb_library_journal_record (r->library, lb_device_get_info (r->device), s->storage->description, s->rel,
                                  e->size, LB_RESTORE_IN_FLIGHT, e->blob, error))
    return FALSE;
  blob_path = lb_library_blob_path (r->library, e->blob);
  fill.fd = open (blob_path, O_RDONLY | O_CLOEXEC);
  if (fill.fd < 0)
    {
      g_set_error (&local, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("its stored copy is missing from the library; run “lifeboat-cli verify”"));
      goto failed;
    }
  handle = lb_device_send_file (r->device, s->storage->id, parent_handle (r, e), s->name, e->filetype, e->size,
                                fill_from_blob, &fill, &phone_mtime, &got, r->cancellable, &local);
  close (fill.fd);
  if (handle == 0)
    goto failed;
  g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (handle));
  rel = actual_rel (r, s, got, report);
  if (*dates_supported && e->mtime != 0)
    {
      if (lb_device_set_mtime (r->device, handle, e->mtime, &date_error))
        phone_mtime = e->mtime;
      else if (g_error_matches (date_error, LB_ERROR, LB_ERROR_NOT_SUPPORTED))
        *dates_supported = FALSE;
      else if (!g_error_matches (date_error, LB_ERROR, LB_ERROR_DEVICE_GONE))
        {
          /* This file's date only: the next file's may well be taken. */
          date_failed = TRUE;
          g_ptr_array_add (report->notes, g_strdup_printf (_("%s: its date could not be set: %s"),
                                                           e->phone_path, date_error->message));
        }
    }
  if (phone_mtime == e->mtime)
    report->dates_kept++;
  else if (date_failed)
    report->dates_failed++;
  else
    report->dates_lost++;
  report->sent++;
  report->sent_bytes += e->size;
  report->conflicts += s->kind == LB_RESTORE_CONFLICT;
  r->progress.files_done++;
  /* Recorded as soon as the phone has it, under the name the phone gave
   * it: a rerun skips it, and the next backup recognises it by the date
   * the phone gave it. */
  if (!lb_library_journal_record (r->library, lb_device_get_info (r->device), s->storage->description, rel,
                                  e->size, phone_mtime, e->blob, error))
    return FALSE;
  if (g_error_matches (date_error, LB_ERROR, LB_ERROR_DEVICE_GONE))
    {
      g_propagate_error (error, g_steal_pointer (&date_error));
      return FALSE;
    }
  return TRUE;

failed:
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (local, LB_ERROR, LB_ERROR_DEVICE_GONE) ||
      g_error_matches (local, LB_ERROR, LB_ERROR_TIMED_OUT) ||
      g_error_matches (local, LB_ERROR, LB_ERROR_STORAGE_FULL))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_ptr_array_add (report->failed, g_strdup_printf ("%s: %s", e->phone_path, local->message));
  return TRUE;
}

static void
push_lists (Restore *r, LbRestoreReport *report)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lists = lb_library_list_media_lists (r->library, r->plan->snapshot->id, &error);

  for (guint i = 0; lists && i < lists->len; i++)
    {
      LbSnapshotList *l = lists->pdata[i];
      const LbStorageInfo *st = g_hash_table_lookup (r->storage_for, l->storage);
      LbMediaList ml = { 0 };
      g_autoptr(GError) local = NULL;

      if (st == NULL)
        continue;
      ml.kind = l->kind;
      ml.storage_id = st->id;
      ml.name = l->name;
      ml.artist = l->artist;
      ml.members = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (guint m = 0; m < l->members->len; m++)
        {
          guint32 h = GPOINTER_TO_UINT (g_hash_table_lookup (r->handle_of, &g_array_index (l->members, gint64, m)));
          if (h != 0)
            g_array_append_val (ml.members, h);
        }
      if (lb_device_create_list (r->device, &ml, &local) != 0)
        report->lists++;
      else if (g_error_matches (local, LB_ERROR, LB_ERROR_NOT_SUPPORTED))
        {
          g_ptr_array_add (report->failed, g_strdup_printf (_("%s: this phone keeps no playlists or albums"), l->name));
          g_array_unref (ml.members);
          break;
        }
      else
        g_ptr_array_add (report->failed, g_strdup_printf ("%s: %s", l->name, local->message));
      g_array_unref (ml.members);
    }
}

void
lb_restore_init (Restore *r, const LbRestoreOptions *options)
{
  r->options = options;
  r->steps = g_ptr_array_new_with_free_func (lb_restore_step_free);
  r->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->storage_for = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->rel_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  r->handle_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  r->blocked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  r->children = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  r->planned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->alias_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  r->merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->phone_rel = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}

void
lb_restore_clear (Restore *r)
{
  g_clear_pointer (&r->entries, g_ptr_array_unref);
  g_clear_pointer (&r->steps, g_ptr_array_unref);
  g_clear_pointer (&r->targets, g_hash_table_unref);
  g_clear_pointer (&r->storage_for, g_hash_table_unref);
  g_clear_pointer (&r->rel_of, g_hash_table_unref);
  g_clear_pointer (&r->handle_of, g_hash_table_unref);
  g_clear_pointer (&r->blocked, g_hash_table_unref);
  g_clear_pointer (&r->children, g_hash_table_unref);
  g_clear_pointer (&r->planned, g_hash_table_unref);
  g_clear_pointer (&r->alias_of, g_hash_table_unref);
  g_clear_pointer (&r->merged, g_hash_table_unref);
  g_clear_pointer (&r->phone_rel, g_hash_table_unref);
}

/* The restore journal in the library, for planning. */
static char *
journal_lookup (gpointer data, const char *storage, const char *rel, guint64 size, gint64 mtime)
{
  Restore *r = data;

  return lb_library_journal_lookup (r->library, r->info, storage, rel, size, mtime);
}

LbRestoreReport *
lb_restore_run (const LbRestoreOptions *options, LbRestoreProgressFunc progress, gpointer progress_data,
                GCancellable *cancellable, LbRestoreReport **failed_report, GError **error)
{
  Restore r = { 0 };
  LbRestoreReport *report = g_new0 (LbRestoreReport, 1);
  gboolean ok = FALSE, dates_supported = TRUE;

  report->failed = g_ptr_array_new_with_free_func (g_free);
  report->notes = g_ptr_array_new_with_free_func (g_free);
  report->plan = r.plan = lb_restore_plan_new ();
  lb_restore_init (&r, options);
  r.cancellable = cancellable;
  r.progress_func = progress;
  r.progress_data = progress_data;
  r.progress.eta_seconds = -1;

  /* A restore writes its journal: it is a writer, and never runs beside a
   * backup. */
  r.library = lb_library_open (options->library, FALSE, options->dry_run ? LB_LIBRARY_READ : LB_LIBRARY_WRITE, error);
  if (r.library == NULL)
    goto out;
  if ((r.plan->snapshot = lb_library_get_snapshot (r.library, options->snapshot_id, error)) == NULL ||
      (r.entries = lb_library_list_entries (r.library, options->snapshot_id, error)) == NULL)
    goto out;
  if (r.plan->snapshot->state != LB_SNAPSHOT_COMPLETE)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("Snapshot %" PRId64 " is %s, not complete; restore a complete one (see “lifeboat-cli snapshots”)"),
                   options->snapshot_id, lb_snapshot_state_to_string (r.plan->snapshot->state));
      goto out;
    }
  if ((r.device = lb_device_open (options->serial, error)) == NULL)
    goto out;
  r.info = lb_device_get_info (r.device);
  r.journal = journal_lookup;
  r.journal_data = &r;
  if (!lb_restore_make_plan (&r, error))
    goto out;
  if (options->dry_run)
    {
      ok = TRUE;
      goto out;
    }

  for (guint i = 0; i < r.steps->len; i++)
    {
      Step *s = r.steps->pdata[i];
      if (s->entry != NULL && !s->entry->is_folder &&
          (s->kind == LB_RESTORE_SEND || s->kind == LB_RESTORE_CONFLICT || s->kind == LB_RESTORE_REPLACE || s->kind == LB_RESTORE_IDENTICAL))
        {
          r.progress.files_total++;
          if (s->kind != LB_RESTORE_IDENTICAL)
            r.progress.bytes_total += s->entry->size;
        }
    }
  r.started = g_get_monotonic_time ();
  r.progress.planning = FALSE;
  lb_restore_report_progress (&r, TRUE);
  ok = TRUE;
  for (guint i = 0; ok && i < r.steps->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else
        ok = push_step (&r, r.steps->pdata[i], report, &dates_supported, error);
    }
  if (ok)
    push_lists (&r, report);
  report->interrupted = !ok;
  lb_restore_report_progress (&r, TRUE);

out:
  lb_restore_clear (&r);
  g_clear_object (&r.device);
  g_clear_object (&r.library);
  if (ok)
    return report;
  if (failed_report != NULL)
    *failed_report = report;
  else
    lb_restore_report_free (report);
  return NULL;
}


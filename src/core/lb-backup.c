/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-backup.h"
#include "lb-library-move.h"
#include "lb-auto.h"
#include "lb-error.h"
#include "lb-eta.h"

#include <inttypes.h>
#include <sys/statvfs.h>
#include <glib/gi18n-lib.h>

/* Entries are committed this often, so an interruption keeps the work. */
#define CHECKPOINT_FILES 256
#define CHECKPOINT_USEC (2 * G_USEC_PER_SEC)
/* A file dated this close to the listing may still be being written. */
#define FRESH_SECONDS 2
/* Room an automatic backup wants beyond the files it must read: the
 * catalog's growth, its WAL, and the filesystem's blocks. */
#define ROOM_MARGIN (16 << 20)

typedef struct {
  guint32 handle;
  gint64 path_id;
  guint32 filetype;
  guint64 size;
  gint64 mtime;
  char *phone_path;
  char *reuse;              /* blob of an earlier snapshot to reuse, or NULL */
} PendingFile;

typedef struct {
  LbDevice *device;
  LbLibrary *library;
  LbSnapshotWriter *writer;
  GCancellable *cancellable;
  gboolean automatic;
  LbBackupProgressFunc progress_func;
  gpointer progress_data;

  /* the storage being walked */
  const LbStorageInfo *storage;
  GHashTable *paths;        /* handle -> path id (gint64 boxed) */
  GHashTable *names;        /* folder handle -> phone path */
  GArray *files;            /* PendingFile */
  gint64 listed_at;         /* when this storage's listing started */
  GError *walk_error;

  LbBackupProgress progress;
  gint64 last_progress;
  gint64 last_checkpoint;
  guint since_checkpoint;
  gint64 copy_started;
  guint64 copy_bytes_total;
  guint64 copied_bytes;     /* of files that had to be read */
} Job;

static void
pending_file_clear (gpointer p)
{
  g_free (((PendingFile *) p)->phone_path);
  g_free (((PendingFile *) p)->reuse);
}

static void
report (Job *job, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (job->progress_func == NULL || !lb_progress_due (&job->last_progress, now, force))
    return;
  job->progress.eta_seconds = -1;
  /* Only bytes that must cross the cable take time. */
  if (job->progress.phase == LB_BACKUP_COPYING && job->copy_bytes_total > 0)
    job->progress.eta_seconds = lb_eta_seconds (job->copied_bytes, job->copy_bytes_total, job->copy_started, now);
  job->progress_func (&job->progress, job->progress_data);
}

static gboolean
maybe_checkpoint (Job *job, GError **error)
{
  gint64 now = g_get_monotonic_time ();

  if (++job->since_checkpoint < CHECKPOINT_FILES && now - job->last_checkpoint < CHECKPOINT_USEC)
    return TRUE;
  job->since_checkpoint = 0;
  job->last_checkpoint = now;
  return lb_snapshot_writer_checkpoint (job->writer, error);
}

static char *
child_path (Job *job, guint32 parent, const char *name)
{
  const char *base = parent ? g_hash_table_lookup (job->names, GUINT_TO_POINTER (parent)) : NULL;

  if (base == NULL)
    return g_strconcat ("/", job->storage->description, "/", name, NULL);
  return g_strconcat (base, "/", name, NULL);
}

static gboolean
on_object (const LbObject *object, gpointer user_data)
{
  Job *job = user_data;
  gint64 parent_path = 0;
  gint64 path_id;

  if (object->parent != 0)
    {
      gint64 *p = g_hash_table_lookup (job->paths, GUINT_TO_POINTER (object->parent));
      if (p == NULL)
        {
          /* The walk lists parents first, so this parent was left out. */
          if (!lb_snapshot_writer_skip (job->writer, object->name, _("its folder was left out"), &job->walk_error))
            return FALSE;
          return TRUE;
        }
      parent_path = *p;
    }
  path_id = lb_snapshot_writer_path (job->writer, job->storage->description, parent_path, object->name,
                                     object->is_folder, &job->walk_error);
  if (path_id <= 0)
    return FALSE;
  g_hash_table_insert (job->paths, GUINT_TO_POINTER (object->handle), g_memdup2 (&path_id, sizeof path_id));
  job->progress.objects_listed++;
  report (job, FALSE);

  if (object->is_folder)
    {
      /* Only folders' paths are looked up (their children's start with
       * them): a file's is its PendingFile's alone, one copy of 100,000. */
      g_hash_table_insert (job->names, GUINT_TO_POINTER (object->handle), child_path (job, object->parent, object->name));
      if (!lb_snapshot_writer_record (job->writer, path_id, object->filetype, 0, object->mtime, NULL, &job->walk_error))
        return FALSE;
      lb_snapshot_writer_count (job->writer, 0, 1, 0, 0, 0);
      return TRUE;
    }
  {
    PendingFile f = {
      .handle = object->handle,
      .path_id = path_id,
      .filetype = object->filetype,
      .size = object->size,
      .mtime = object->mtime,
      .phone_path = child_path (job, object->parent, object->name),
    };
    g_array_append_val (job->files, f);
    job->progress.files_total++;
    job->progress.bytes_total += object->size;
  }
  return TRUE;
}

static void
on_skipped (guint32 handle, const char *name, const char *reason, gpointer user_data)
{
  Job *job = user_data;

  (void) handle;
  if (job->walk_error == NULL)
    lb_snapshot_writer_skip (job->writer, name, reason, &job->walk_error);
}

typedef struct {
  Job *job;
  LbBlobWriter *blob;
  GError *error;
} CopyState;

static gboolean
on_data (const guint8 *data, gsize len, gpointer user_data)
{
  CopyState *cs = user_data;
  Job *job = cs->job;

  if (!lb_blob_writer_write (cs->blob, data, len, &cs->error))
    return FALSE;
  job->progress.bytes_done += len;
  job->progress.transferred += len;
  job->copied_bytes += len;
  report (job, FALSE);
  return !g_cancellable_is_cancelled (job->cancellable);
}

static gboolean
reusable_date (Job *job, gint64 mtime)
{
  /* No date, or one so fresh the file may still be growing: read it. */
  return mtime != 0 && (mtime < job->listed_at - FRESH_SECONDS || mtime > job->listed_at + FRESH_SECONDS);
}

/* Stores one file.  FALSE with an error only when the whole job must stop;
 * a file that cannot be read is recorded as skipped. */
static gboolean
store_file (Job *job, PendingFile *f, GError **error)
{
  g_autofree char *blob = NULL;
  CopyState cs = { job, NULL, NULL };
  g_autoptr(GError) read_error = NULL;
  gboolean is_new = FALSE;
  guint64 got;

  job->progress.current = f->phone_path;
  if (f->reuse != NULL)
    {
      job->progress.bytes_done += f->size;
      job->progress.files_done++;
      lb_snapshot_writer_count (job->writer, 1, 0, f->size, 0, 0);
      return lb_snapshot_writer_record (job->writer, f->path_id, f->filetype, f->size, f->mtime, f->reuse, error);
    }

  cs.blob = lb_library_new_blob (job->library, error);
  if (cs.blob == NULL)
    return FALSE;
  if (!lb_device_read (job->device, f->handle, on_data, &cs, job->cancellable, &read_error))
    {
      lb_blob_writer_free (cs.blob);
      if (cs.error != NULL)
        {
          /* The library side failed (disk full...): that stops everything. */
          g_propagate_error (error, cs.error);
          return FALSE;
        }
      /* A phone that went, stopped answering or was locked mid-way would
       * fail every file after this one: stop, keep what was done. */
      if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (read_error, LB_ERROR, LB_ERROR_DEVICE_GONE) ||
          g_error_matches (read_error, LB_ERROR, LB_ERROR_TIMED_OUT) ||
          g_error_matches (read_error, LB_ERROR, LB_ERROR_DEVICE_LOCKED))
        {
          g_propagate_error (error, g_steal_pointer (&read_error));
          return FALSE;
        }
      /* One object failed (it vanished, the phone refused it): say so and
       * go on with the others. */
      return lb_snapshot_writer_skip (job->writer, f->phone_path, read_error->message, error);
    }
  got = lb_blob_writer_get_size (cs.blob);
  blob = lb_blob_writer_finish (cs.blob, &is_new, error);
  if (blob == NULL)
    return FALSE;
  if (got != f->size)
    {
      /* A phone that lies about a size: keep what it sent, and say so. */
      g_autofree char *why = g_strdup_printf (_("the phone announced %" PRIu64 " bytes but sent %" PRIu64 "; kept what it sent"),
                                              f->size, got);
      if (!lb_snapshot_writer_skip (job->writer, f->phone_path, why, error))
        return FALSE;
      job->progress.bytes_done += got;
      job->progress.bytes_done -= MIN (job->progress.bytes_done, f->size);
      f->size = got;
    }
  job->progress.files_done++;
  lb_snapshot_writer_count (job->writer, 1, 0, f->size, got, is_new ? got : 0);
  /* The date only qualifies a later reuse when it was not fresh. */
  return lb_snapshot_writer_record (job->writer, f->path_id, f->filetype, f->size, f->mtime, blob, error);
}

/* An automatic backup does not fill the library's disk: nobody is there
 * to make room, and a full disk fails every later backup.  needed: the
 * size of the files the library does not hold yet (an upper bound, before
 * deduplication).  Someone who asked for a backup gets as much of it as
 * fits instead (a full disk ends it interrupted, crash-safely). */
static gboolean
check_room (Job *job, guint64 needed, GError **error)
{
  const char *path = lb_library_get_path (job->library);
  struct statvfs vfs;
  guint64 free_bytes;

  if (!job->automatic || statvfs (path, &vfs) != 0)
    return TRUE;
  free_bytes = (guint64) vfs.f_bavail * vfs.f_frsize;
  if (free_bytes >= needed + ROOM_MARGIN)
    return TRUE;
  {
    g_autofree char *have = g_format_size (free_bytes);
    g_autofree char *need = g_format_size (needed + ROOM_MARGIN);
    g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL,
                 _("Not enough room for this automatic backup: the library's disk has %s free, and it needs up to %s "
                   "for what the library does not hold yet. Make room by pruning old snapshots (Preferences → Keep, "
                   "or lifeboat-cli prune), or move the library to a larger disk (Preferences → Move, or "
                   "lifeboat-cli move-library)."), have, need);
    return FALSE;
  }
}

static gboolean
backup_storage (Job *job, const LbStorageInfo *storage, GError **error)
{
  guint64 to_read = 0;

  job->storage = storage;
  job->listed_at = g_get_real_time () / G_USEC_PER_SEC;
  /* current points into the files about to be freed. */
  job->progress.current = NULL;
  g_array_set_size (job->files, 0);
  if (!lb_snapshot_writer_add_storage (job->writer, storage, error))
    return FALSE;

  job->progress.phase = LB_BACKUP_LISTING;
  report (job, TRUE);
  if (!lb_device_walk (job->device, storage->id, on_object, on_skipped, job, job->cancellable, error))
    {
      if (job->walk_error != NULL)
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&job->walk_error));
        }
      return FALSE;
    }
  if (job->walk_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->walk_error));
      return FALSE;
    }
  /* Folders are in: make them durable before the long copy. */
  if (!lb_snapshot_writer_checkpoint (job->writer, error))
    return FALSE;

  job->progress.phase = LB_BACKUP_COPYING;
  /* Decide up front what must cross the cable, for an honest ETA. */
  for (guint i = 0; i < job->files->len; i++)
    {
      PendingFile *f = &g_array_index (job->files, PendingFile, i);
      if (reusable_date (job, f->mtime))
        f->reuse = lb_snapshot_writer_reusable_blob (job->writer, f->path_id, f->size, f->mtime);
      if (f->reuse == NULL)
        to_read += f->size;
    }
  if (!check_room (job, to_read, error))
    return FALSE;
  job->copy_bytes_total += to_read;
  for (guint i = 0; i < job->files->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return FALSE;
      if (!store_file (job, &g_array_index (job->files, PendingFile, i), error))
        return FALSE;
      report (job, FALSE);
      if (!maybe_checkpoint (job, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
backup_lists (Job *job, GError **error)
{
  g_autoptr(GPtrArray) lists = lb_device_get_lists (job->device, error);

  if (lists == NULL)
    return FALSE;
  for (guint i = 0; i < lists->len; i++)
    {
      LbMediaList *l = lists->pdata[i];
      g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (gint64));
      const char *storage = NULL;
      const LbDeviceInfo *info = lb_device_get_info (job->device);

      for (guint s = 0; s < info->storages->len; s++)
        if (((LbStorageInfo *) info->storages->pdata[s])->id == l->storage_id)
          storage = ((LbStorageInfo *) info->storages->pdata[s])->description;
      for (guint m = 0; m < l->members->len; m++)
        {
          gint64 *p = g_hash_table_lookup (job->paths, GUINT_TO_POINTER (g_array_index (l->members, guint32, m)));
          if (p != NULL)
            g_array_append_val (members, *p);
        }
      if (!lb_snapshot_writer_add_list (job->writer, l->kind, storage ? storage : "", l->name, l->artist,
                                        (gint64 *) members->data, members->len, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
still_due (LbLibrary *library, const LbBackupOptions *options, GError **error)
{
  gint64 last = 0;

  g_return_val_if_fail (options->serial != NULL, FALSE);
  if (!lb_auto_last_backup (library, options->serial, &last, error))
    return FALSE;
  if (last >= options->unless_since)
    {
      g_autofree char *serial = lb_device_key_dup_serial (options->serial);
      g_set_error (error, LB_ERROR, LB_ERROR_UP_TO_DATE,
                   _("The library already holds a snapshot of %s from after the due time"), serial);
      return FALSE;
    }
  return TRUE;
}

LbSnapshot *
lb_backup_run (const LbBackupOptions *options, LbBackupProgressFunc progress, gpointer progress_data,
               GCancellable *cancellable, GError **error)
{
  Job job = { 0 };
  g_autoptr(GError) local = NULL;
  const LbDeviceInfo *info;
  LbSnapshot *snapshot = NULL;
  gint64 id;
  gboolean ok = TRUE;

  job.cancellable = cancellable;
  job.automatic = options->automatic;
  job.progress_func = progress;
  job.progress_data = progress_data;
  job.progress.phase = LB_BACKUP_OPENING;
  job.progress.eta_seconds = -1;
  report (&job, TRUE);

  /* A move of this library cut short after its switch left the old copy
   * behind; a backup, often the first thing after, finishes removing it. */
  if (options->library != NULL)
    {
      g_autofree char *old = lb_library_move_finish_leftover (options->library);
      if (old != NULL)
        g_debug ("removed %s, the old copy a cut-short move left behind", old);
    }
  /* The library first: when another Lifeboat holds it, the phone is not
   * touched at all. */
  job.library = lb_library_open (options->library, options->create_library, LB_LIBRARY_WRITE, error);
  if (job.library == NULL)
    return NULL;
  if (options->unless_since != 0 && !still_due (job.library, options, error))
    {
      g_object_unref (job.library);
      return NULL;
    }
  job.device = lb_device_open (options->serial, error);
  if (job.device == NULL)
    {
      g_object_unref (job.library);
      return NULL;
    }
  info = lb_device_get_info (job.device);
  job.writer = lb_library_begin_snapshot_full (job.library, info, options->automatic, error);
  if (job.writer == NULL)
    {
      g_object_unref (job.device);
      g_object_unref (job.library);
      return NULL;
    }
  id = lb_snapshot_writer_get_id (job.writer);
  job.paths = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  job.names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  job.files = g_array_new (FALSE, TRUE, sizeof (PendingFile));
  g_array_set_clear_func (job.files, pending_file_clear);
  job.last_checkpoint = job.copy_started = g_get_monotonic_time ();

  for (guint i = 0; ok && i < info->storages->len; i++)
    ok = backup_storage (&job, info->storages->pdata[i], &local);
  if (ok)
    ok = backup_lists (&job, &local);

  job.progress.phase = LB_BACKUP_FINISHING;
  job.progress.current = NULL;
  report (&job, TRUE);
  if (!lb_snapshot_writer_finish (job.writer, ok ? LB_SNAPSHOT_COMPLETE : LB_SNAPSHOT_INTERRUPTED,
                                  ok ? &local : NULL))
    ok = FALSE;
  job.writer = NULL;
  if (ok)
    snapshot = lb_library_get_snapshot (job.library, id, &local);

  g_array_unref (job.files);
  g_hash_table_unref (job.paths);
  g_hash_table_unref (job.names);
  g_object_unref (job.device);
  g_object_unref (job.library);
  if (snapshot == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return snapshot;
}

LbBackupProgress *
lb_backup_progress_copy (const LbBackupProgress *progress)
{
  LbBackupProgress *copy = g_memdup2 (progress, sizeof *progress);

  copy->current = g_strdup (progress->current);
  return copy;
}

void
lb_backup_progress_free (LbBackupProgress *progress)
{
  if (progress == NULL)
    return;
  g_free ((char *) progress->current);
  g_free (progress);
}

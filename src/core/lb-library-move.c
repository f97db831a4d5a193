/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving a library: copy → verify → switch → delete.  See lb-library-move.h. */
#include "config.h"

#include "lb-config.h"
#include "lb-library-move-job.h"
#include "lb-error.h"
#include "lb-eta.h"
#include "lb-lock.h"
#include "lb-offsite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

void (*lb_move_test_after_blob) (const char *copied_path, gpointer data) = NULL;
gpointer lb_move_test_data = NULL;
void (*lb_move_test_removing) (const char *old_path, gpointer data) = NULL;
gint64 lb_move_test_free_space = -1;

/* What a library folder holds besides blobs/ and tmp/. */
const char *const lb_move_catalog_files[8] = {
  "catalog.db", "catalog.db-wal", "catalog.db-shm", "catalog.db-journal",
  "catalog.db.partial", "catalog.db.partial-journal", "catalog.db.partial-wal",
  "catalog.db.partial-shm",
};

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* The catalog and every descriptor, the lock's included. */
static void
move_close (Move *m)
{
  g_clear_pointer (&m->db, lb_db_close);
  close_fd (&m->lock_fd);
  close_fd (&m->to_fd);
  close_fd (&m->blobs_fd);
  close_fd (&m->tmp_fd);
}

static void
move_free (Move *m)
{
  g_free (m->from);
  g_free (m->to);
  g_free (m->warning);
  g_clear_object (&m->cancellable);
  move_close (m);
  g_clear_pointer (&m->blobs, g_ptr_array_unref);
  g_clear_pointer (&m->sizes, g_array_unref);
  g_free (m);
}

void
lb_move_report (Move *m, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (m->progress == NULL || !lb_progress_due (&m->last_report, now, force))
    return;
  m->progress (&m->p, m->user_data);
}

void
lb_move_start_phase (Move *m, const char *phase, guint64 files, guint64 bytes)
{
  m->p = (LbMoveProgress) { .phase = phase, .files_total = files, .bytes_total = bytes };
  lb_move_report (m, TRUE);
}

void
lb_move_io_error (GError **error, int errsv, const char *format, const char *path)
{
  lb_library_set_io_error (error, errsv, format, path);
}

/* ---- where ---------------------------------------------------------------- */

/* `to` without symlinks: its parent must exist (a disk that is not mounted
 * must not get a library in its bare mount point). */
static char *
resolve_dest (const char *to, GError **error)
{
  g_autofree char *abs = g_canonicalize_filename (to, NULL);
  g_autofree char *parent = g_path_get_dirname (abs);
  g_autofree char *base = g_path_get_basename (abs);
  char *real;

  if ((real = realpath (abs, NULL)) != NULL)
    return real;
  if (errno != ENOENT)
    {
      lb_move_io_error (error, errno, _("Could not look at %s"), abs);
      return NULL;
    }
  if ((real = realpath (parent, NULL)) == NULL)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("The folder %s does not exist. If it is on an external disk, connect and mount "
                     "the disk; otherwise create the folder first."), parent);
      return NULL;
    }
  {
    char *full = g_build_filename (real, base, NULL);
    free (real);
    return full;
  }
}

static gboolean
resolve_paths (Move *m, const char *from, const char *to, GError **error)
{
  g_autofree char *abs = g_canonicalize_filename (from, NULL);
  g_autofree char *catalog = NULL;
  g_autofree char *prefix = NULL;
  char *real = realpath (abs, NULL);

  if (real == NULL)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING,
                   _("The library at %s is not there. If it is on an external disk, connect and "
                     "mount the disk."), abs);
      return FALSE;
    }
  m->from = g_strdup (real);
  free (real);
  catalog = g_build_filename (m->from, "catalog.db", NULL);
  if (!g_file_test (catalog, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING,
                   _("There is no Lifeboat library at %s (it has no catalog.db)."), m->from);
      return FALSE;
    }
  if ((m->to = resolve_dest (to, error)) == NULL)
    return FALSE;
  prefix = g_str_has_suffix (m->from, "/") ? g_strdup (m->from) : g_strconcat (m->from, "/", NULL);
  if (strcmp (m->to, m->from) == 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT, _("The library is already at %s."), m->to);
      return FALSE;
    }
  if (g_str_has_prefix (m->to, prefix))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("%s is inside the library itself (%s). Choose a folder outside it."), m->to, m->from);
      return FALSE;
    }
  return TRUE;
}

/* ---- the destination's contents --------------------------------------------- */

static void
note_tree_failure (GString *failed, int at, const char *path)
{
  if (failed != NULL && failed->len == 0)
    {
      int errsv = errno;
      if (at == AT_FDCWD)
        g_string_printf (failed, "%s: %s", path, g_strerror (errsv));
      else
        g_string_printf (failed, ".../%s: %s", path, g_strerror (errsv));
    }
}

gboolean
lb_move_remove_tree (int at, const char *path, GString *failed)
{
  struct stat st;
  gboolean ok = TRUE;
  int fd;
  DIR *d;
  struct dirent *de;

  if (fstatat (at, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      note_tree_failure (failed, at, path);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      if (unlinkat (at, path, 0) < 0 && errno != ENOENT)
        {
          note_tree_failure (failed, at, path);
          return FALSE;
        }
      return TRUE;
    }
  /* O_NOFOLLOW: a folder swapped for a symlink since the fstatat. */
  if ((fd = openat (at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
      (d = fdopendir (fd)) != NULL)
    {
      while ((de = readdir (d)) != NULL)
        if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
          ok = lb_move_remove_tree (dirfd (d), de->d_name, failed) && ok;
      closedir (d);
    }
  else if (fd >= 0)
    close (fd);
  if (unlinkat (at, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
    {
      note_tree_failure (failed, at, path);
      return FALSE;
    }
  return ok;
}

static void
remove_parts (const char *dir)
{
  /* thumbnails/: the window's cache of pictures (src/gui/lb-thumbnails.c),
   * not moved: made again where the library goes. */
  static const char *const parts[] = { "blobs", "tmp", "thumbnails", LB_OFFSITE_STAGING, "lock",
                                       LB_MOVE_FROM_RECORD, LB_MOVE_INCOMPLETE_MARKER };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *path = g_build_filename (dir, parts[i], NULL);
      lb_move_remove_tree (AT_FDCWD, path, NULL);
    }
}

void
lb_move_remove_library (const char *dir)
{
  for (gsize i = 0; i < G_N_ELEMENTS (lb_move_catalog_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, lb_move_catalog_files[i], NULL);
      g_unlink (path);
    }
  lb_library_sync_dir (dir, NULL);
  remove_parts (dir);
}

gboolean
lb_move_mark (const char *dir, const char *text)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  gboolean ok = fd >= 0 && lb_move_write_note (fd, dir, LB_MOVE_INCOMPLETE_MARKER, text, NULL);

  if (fd >= 0)
    close (fd);
  return ok;
}

static void
discard_dest (Move *m)
{
  if (!m->dest_dirty)
    return;
  lb_move_remove_library (m->to);
  if (m->made_to)
    g_rmdir (m->to);
  m->dest_dirty = FALSE;
}

/* `to` must be new or empty; a folder left by a move of this library that
 * crashed before its switch (it has the marker, or the record naming this
 * library while the settings do not name `to`) counts as empty once our
 * parts of it are gone. */
static gboolean
check_dest (Move *m, GError **error)
{
  g_autofree char *marker = g_build_filename (m->to, LB_MOVE_INCOMPLETE_MARKER, NULL);
  g_autofree char *catalog = g_build_filename (m->to, "catalog.db", NULL);
  g_autoptr(GDir) d = NULL;
  g_autoptr(GError) local = NULL;
  struct stat st;

  if (g_stat (m->to, &st) < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      lb_move_io_error (error, errno, _("Could not look at %s"), m->to);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("%s is a file, not a folder. Choose a new or an empty folder for the library."), m->to);
      return FALSE;
    }
  if (g_file_test (marker, G_FILE_TEST_EXISTS) ||
      (lb_move_record_names (m->to, m->from) && !lb_config_names_library (m->to)))
    lb_move_remove_library (m->to);
  if ((d = g_dir_open (m->to, 0, &local)) == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (g_dir_read_name (d) == NULL)
    return TRUE;
  if (g_file_test (catalog, G_FILE_TEST_EXISTS))
    g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                 _("%s already holds a Lifeboat library. Choose a new or an empty folder."), m->to);
  else
    g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                 _("The folder %s is not empty. Choose a new or an empty folder for the library."), m->to);
  return FALSE;
}

/* ---- removing the old copy ---------------------------------------------------- */

static void
note_failure (GString *failed, const char *path)
{
  if (failed->len == 0)
    g_string_printf (failed, "%s: %s", path, g_strerror (errno));
}

/* The fan folders no blob of the catalog's is in: a prune leaves them
 * empty, for the next backup.  Anything still in one keeps it. */
static void
remove_empty_fans (const char *blobs)
{
  g_autoptr(GDir) d = g_dir_open (blobs, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *fan = g_build_filename (blobs, name, NULL);
      g_rmdir (fan);
    }
}

/* Only what the library consists of: anything else someone put in the
 * folder stays, and so does the folder then. */
static void
remove_old (Move *m, GString *failed)
{
  g_autofree char *blobs = g_build_filename (m->from, "blobs", NULL);
  g_autofree char *tmp = g_build_filename (m->from, "tmp", NULL);
  g_autofree char *lock = g_build_filename (m->from, "lock", NULL);
  g_autofree char *marker = g_build_filename (m->from, LB_MOVE_INCOMPLETE_MARKER, NULL);
  /* An off-site push's staging folder: nothing in it outlives a push. */
  g_autofree char *offsite = g_build_filename (m->from, LB_OFFSITE_STAGING, NULL);

  lb_move_start_phase (m, _("Removing the old copy"), m->blobs->len, 0);
  /* Marked first, as a crashed move marks its destination: a crash while
   * the old copy goes leaves a folder that a later move may take (its
   * parts are ours), not one refused as "not empty".  Before the catalog
   * is closed: closing may checkpoint it, and a crash just after that,
   * unmarked, would no longer match the new library's record. */
  {
    g_autofree char *text = g_strdup_printf ("A Lifeboat library was here and has been moved to %s.\n"
                                             "What is left in this folder can be deleted.\n", m->to);
    if (!lb_move_mark (m->from, text))
      note_failure (failed, m->from);
  }
  lb_db_close (m->db);
  m->db = NULL;
  /* The catalog first: a crash halfway leaves a folder that no longer
   * passes for a library rather than one with its files missing. */
  for (gsize i = 0; i < G_N_ELEMENTS (lb_move_catalog_files); i++)
    {
      g_autofree char *path = g_build_filename (m->from, lb_move_catalog_files[i], NULL);
      if (g_unlink (path) < 0 && errno != ENOENT)
        note_failure (failed, path);
    }
  lb_library_sync_dir (m->from, NULL);
  if (lb_move_test_removing != NULL)
    lb_move_test_removing (m->from, lb_move_test_data);
  for (guint i = 0; i < m->blobs->len; i++)
    {
      g_autofree char *path = g_build_filename (blobs, m->blobs->pdata[i], NULL);
      g_autofree char *fan = g_path_get_dirname (path);

      if (g_unlink (path) < 0 && errno != ENOENT)
        note_failure (failed, path);
      /* Fails until the fan folder's last blob is gone. */
      g_rmdir (fan);
      m->p.files_done++;
      lb_move_report (m, FALSE);
    }
  remove_empty_fans (blobs);
  if (g_rmdir (blobs) < 0 && errno != ENOENT)
    note_failure (failed, blobs);
  lb_move_remove_tree (AT_FDCWD, tmp, failed);
  lb_move_remove_tree (AT_FDCWD, offsite, failed);
  if (g_unlink (lock) < 0 && errno != ENOENT)
    note_failure (failed, lock);
  /* Kept while anything of ours is left: a later move may take it. */
  if (failed->len == 0 && g_unlink (marker) < 0 && errno != ENOENT)
    note_failure (failed, marker);
  close (m->lock_fd);
  m->lock_fd = -1;
  if (g_rmdir (m->from) < 0 && errno != ENOENT)
    note_failure (failed, m->from);
  lb_move_report (m, TRUE);
}

/* ---- the job ------------------------------------------------------------------ */

static gboolean
lock_source (Move *m, GError **error)
{
  g_autofree char *lock = g_build_filename (m->from, "lock", NULL);

  /* Our own open file description: the old library's locks stay taken
   * until its lock file is gone, with no LbLibrary open on it. */
  if ((m->lock_fd = lb_lock_open (lock, error)) < 0 || !lb_lock_take (m->lock_fd, LB_LOCK_WRITER, error))
    return FALSE;
  if (!lb_lock_take (m->lock_fd, LB_LOCK_NO_READERS, NULL))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                   _("The library is being read right now (a restore or an extraction is running, "
                     "or a window shows it); try moving it when that has finished."));
      return FALSE;
    }
  return TRUE;
}

static char *
make_warning (Move *m, const GString *failed)
{
  GString *w = g_string_new (NULL);

  if (m->damaged > 0)
    g_string_append_printf (w, g_dngettext (GETTEXT_PACKAGE,
                                            "%u stored file was already damaged in the old library and was moved as it was; “lifeboat-cli verify” names it.",
                                            "%u stored files were already damaged in the old library and were moved as they were; “lifeboat-cli verify” names them.",
                                            m->damaged), m->damaged);
  if (m->missing > 0)
    g_string_append_printf (w, "%s%s", w->len ? " " : "",
                            g_dngettext (GETTEXT_PACKAGE,
                                         "A stored file was already missing from the old library; “lifeboat-cli verify” names it.",
                                         "Some stored files were already missing from the old library; “lifeboat-cli verify” names them.",
                                         m->missing));
  if (m->network)
    g_string_append_printf (w, _("%sThe library is now on a network file system: that works, but only "
                                 "while no two computers use it at once, and a dropped connection "
                                 "during a backup can damage the catalog."), w->len ? " " : "");
  if (failed->len > 0)
    g_string_append_printf (w, _("%sThe library was moved, but its old copy at %s could not be removed "
                                 "completely (%s); you can delete that folder yourself."),
                            w->len ? " " : "", m->from, failed->str);
  return g_string_free (w, w->len == 0);
}

static gboolean
move_run (Move *m, GError **error)
{
  g_autoptr(GString) failed = g_string_new (NULL);
  guint64 allocated, catalog_bytes = 0;
  const char *const side[] = { "catalog.db", "catalog.db-wal" };

  if (!lock_source (m, error) || !check_dest (m, error) || !lb_move_list_blobs (m, &allocated, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (side); i++)
    {
      g_autofree char *path = g_build_filename (m->from, side[i], NULL);
      struct stat st;
      if (g_stat (path, &st) == 0)
        catalog_bytes += st.st_size;
    }
  /* Room for the catalog, the blobs as they sit on disk (holes stay holes),
   * and the folders: a block per 100 blobs is generous. */
  if (!lb_move_check_space (m, allocated + catalog_bytes + (m->blobs->len / 100 + 16) * 4096, error))
    return FALSE;
  if (!lb_move_make_dest (m, error) || !lb_move_copy_all (m, catalog_bytes, error) ||
      !lb_move_verify_all (m, error))
    goto undo;

  /* Verified: from here a crash leaves a good library at `to` that is not
   * configured yet, and the old one intact and configured.  The record,
   * written before the marker goes, lets a rerun take `to` back and,
   * after the switch, lets the new library finish what a crash cut
   * short (lb_library_move_finish_leftover). */
  if (!lb_move_write_record (m, error))
    goto undo;
  {
    g_autofree char *marker = g_build_filename (m->to, LB_MOVE_INCOMPLETE_MARKER, NULL);
    if (g_unlink (marker) < 0 || !lb_library_sync_dir (m->to, error))
      {
        if (error && *error == NULL)
          lb_move_io_error (error, errno, _("Could not remove %s"), marker);
        goto undo;
      }
  }
  if (g_cancellable_set_error_if_cancelled (m->cancellable, error))
    goto undo;
  if (m->switch_func != NULL && !m->switch_func (m->to, m->user_data, error))
    goto undo;
  /* The new location must be durable before the old catalog goes, or a
   * power cut can leave the setting naming a library that is no more.
   * Where the setting lives is the settings backend's business (dconf,
   * a keyfile), and none of them syncs its folder after the rename that
   * saves it: only sync() reaches it.  (tests/faults/explore, scenario
   * move, found this.) */
  if (m->switch_func != NULL)
    sync ();

  remove_old (m, failed);
  /* Whatever remove_old() could not remove is the owner's now (the
   * warning says so): the record has done its work. */
  {
    g_autofree char *record = g_build_filename (m->to, LB_MOVE_FROM_RECORD, NULL);
    g_unlink (record);
  }
  m->warning = make_warning (m, failed);
  return TRUE;

undo:
  discard_dest (m);
  return FALSE;
}

static Move *
move_new (LbMoveProgressFunc progress, LbMoveSwitchFunc switch_func, gpointer user_data,
          GCancellable *cancellable)
{
  Move *m = g_new0 (Move, 1);

  m->lock_fd = m->to_fd = m->blobs_fd = m->tmp_fd = -1;
  m->progress = progress;
  m->switch_func = switch_func;
  m->user_data = user_data;
  m->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  return m;
}

static gboolean
move_with_paths (Move *m, const char *from, const char *to, GError **error)
{
  return resolve_paths (m, from, to, error) && move_run (m, error);
}

static void
move_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Move *m = data;
  GError *error = NULL;
  char **paths = g_object_get_data (G_OBJECT (task), "lb-move-paths");
  gboolean ok;

  (void) source;
  (void) cancellable;
  ok = move_with_paths (m, paths[0], paths[1], &error);
  /* Before the caller hears of it: the task (and with it m) may outlive
   * the callback, and a library opened there must find its lock free
   * (test-library-move's /move/cancel failed so on a loaded machine). */
  move_close (m);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lb_library_move_async (const char *from, const char *to, LbMoveProgressFunc progress,
                       LbMoveSwitchFunc switch_func, gpointer user_data, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer cb_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, cb_data);
  char *paths[] = { g_strdup (from), g_strdup (to), NULL };

  g_return_if_fail (from != NULL && to != NULL);

  g_task_set_source_tag (task, lb_library_move_async);
  g_task_set_return_on_cancel (task, FALSE);
  /* The job decides what a cancel means: after the switch it finishes. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, move_new (progress, switch_func, user_data, cancellable), (GDestroyNotify) move_free);
  g_object_set_data_full (G_OBJECT (task), "lb-move-paths", g_memdup2 (paths, sizeof paths),
                          (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, move_thread);
}

gboolean
lb_library_move_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

char *
lb_library_move_dup_warning (GAsyncResult *result)
{
  Move *m;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  m = g_task_get_task_data (G_TASK (result));
  return g_strdup (m->warning);
}

gboolean
lb_library_move_run (const char *from, const char *to, LbMoveProgressFunc progress,
                     LbMoveSwitchFunc switch_func, gpointer user_data, GCancellable *cancellable,
                     char **warning, GError **error)
{
  Move *m = move_new (progress, switch_func, user_data, cancellable);
  gboolean ok;

  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  ok = move_with_paths (m, from, to, error);
  if (warning != NULL)
    *warning = ok ? g_steal_pointer (&m->warning) : NULL;
  move_free (m);
  return ok;
}


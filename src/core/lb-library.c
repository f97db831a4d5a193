/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library object: opening it (folder, lock, catalog) and what every
 * part of it shares.  Reading snapshots is in lb-library-snapshots.c, the
 * restore journal in lb-library-journal.c, the checks in
 * lb-library-check.c, writing a snapshot in lb-snapshot-writer.c and the
 * blob store in lb-blob-store.c. */
#include "config.h"
#include "lb-library-private.h"
#include "lb-error.h"
#include "lb-lock.h"
#include "lb-schema.h"
#include "lb-thread-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

G_DEFINE_TYPE (LbLibrary, lb_library, G_TYPE_OBJECT)

/* ---- SQL, by table ---------------------------------------------------------- */

/* WAL lets readers read while a writer writes; NORMAL syncs at checkpoints
 * only, and the final commit of a snapshot asks for FULL. */
static const char catalog_pragmas_sql[] =
  "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL";

static const char snapshot_interrupt_orphans_sql[] =
  "UPDATE snapshots SET state = 'interrupted' WHERE state = 'running'";

/* ---- the object ----------------------------------------------------------- */

static void
lb_library_finalize (GObject *object)
{
  LbLibrary *self = LB_LIBRARY (object);

  lb_db_close (self->db);
  /* Closing the descriptor drops the OFD lock. */
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_free (self->path);
  G_OBJECT_CLASS (lb_library_parent_class)->finalize (object);
}

static void
lb_library_class_init (LbLibraryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lb_library_finalize;
}

static void
lb_library_init (LbLibrary *self)
{
  self->lock_fd = -1;
}

gboolean
lb_library_owned (LbLibrary *self)
{
  return LB_IS_LIBRARY (self) && self->owner == g_thread_self ();
}

void
lb_library_set_io_error (GError **error, int errsv, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (errsv == ENOSPC || errsv == EDQUOT)
    g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL, _("The disk holding the library is full (%s)"),
                 what);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what,
                 g_strerror (errsv));
}

gboolean
lb_library_sync_dir (const char *dir, GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int errsv;

  if (fd < 0)
    {
      errsv = errno;
      lb_library_set_io_error (error, errsv, _("Could not open %s"), dir);
      return FALSE;
    }
  if (fsync (fd) < 0)
    {
      errsv = errno;
      close (fd);
      lb_library_set_io_error (error, errsv, _("Could not sync %s"), dir);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

char *
lb_library_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "lifeboat", NULL);
}

const char *
lb_library_get_path (LbLibrary *self)
{
  g_return_val_if_fail (LB_IS_LIBRARY (self), NULL);
  return self->path;
}

/* ---- opening -------------------------------------------------------------- */

gboolean
lb_library_make_private (int fd, const char *dir, gboolean warn, GError **error)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    {
      lb_library_set_io_error (error, errno, _("Could not look at the library at %s"), dir);
      return FALSE;
    }
  /* Its owner could change the snapshots under us, and what we would
   * create there (the lock, SQLite's -wal and -shm) would be ours, which
   * can lock its owner out of the library. */
  if (st.st_uid != geteuid ())
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_UNSAFE,
                   _("The library folder %s belongs to another user (user id %u), who could read and "
                     "change your backups. Use a folder of your own, or make this one yours (“chown -R”)."),
                   dir, (guint) st.st_uid);
      return FALSE;
    }
  /* Only the others' bits: a folder its owner made read-only stays so. */
  if ((st.st_mode & 077) == 0)
    return TRUE;
  /* A folder that is only now becoming a library exposed nothing yet. */
  if (fchmod (fd, st.st_mode & 0700) == 0)
    {
      if (warn)
        g_warning (_("The library folder %s could be read or changed by other users (its permissions "
                     "were %03o); it is now private to you."), dir, (guint) (st.st_mode & 0777));
    }
  else
    /* FAT, exFAT and NTFS disks keep no permissions: their mount options
     * decide who may read them. */
    g_warning (_("The library folder %s can be read or changed by other users (permissions %03o) and "
                 "they could not be changed (%s). Keep the library on a disk only you can reach."),
               dir, (guint) (st.st_mode & 0777), g_strerror (errno));
  return TRUE;
}

static gboolean
make_dir (const char *path, GError **error)
{
  if (g_mkdir (path, 0700) < 0 && errno != EEXIST)
    {
      int errsv = errno;
      lb_library_set_io_error (error, errsv, _("Could not create the folder %s"), path);
      return FALSE;
    }
  return TRUE;
}

/* Whether a folder without a catalog may become a library when nobody
 * asked to create one: only if it is empty (a fresh folder someone chose)
 * or holds no more than what a library creates before its catalog. */
static gboolean
may_initialize (const char *dir, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
  const char *name;

  if (d == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (strcmp (name, "lock") == 0 || strcmp (name, "tmp") == 0)
        continue;
      if (strcmp (name, "blobs") == 0)
        {
          g_autofree char *blobs = g_build_filename (dir, name, NULL);
          g_autoptr(GDir) b = g_dir_open (blobs, 0, NULL);

          if (b == NULL || g_dir_read_name (b) == NULL)
            continue;
          g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                       _("The library at %s has stored files but its catalog (catalog.db) is "
                         "missing"), dir);
          return FALSE;
        }
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING,
                   _("The folder %s is not a Lifeboat library: it holds other files and no "
                     "catalog.db. Choose an empty folder or an existing library."), dir);
      return FALSE;
    }
  return TRUE;
}

/* Makes sure dir can hold the library; *initialize tells whether the
 * catalog is still to be created. */
static gboolean
prepare_dir (const char *dir, gboolean create, gboolean *initialize, GError **error)
{
  g_autofree char *catalog = g_build_filename (dir, "catalog.db", NULL);
  struct stat st;

  if (g_stat (dir, &st) < 0)
    {
      int errsv = errno;

      if (errsv != ENOENT && errsv != ENOTDIR)
        {
          lb_library_set_io_error (error, errsv, _("Could not look at the library at %s"), dir);
          return FALSE;
        }
      if (!create)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING,
                       _("The library at %s is not there. If it is on an external disk, connect "
                         "and mount the disk."), dir);
          return FALSE;
        }
      if (g_mkdir_with_parents (dir, 0700) < 0)
        {
          errsv = errno;
          lb_library_set_io_error (error, errsv, _("Could not create the library at %s"), dir);
          return FALSE;
        }
      *initialize = TRUE;
      return TRUE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING,
                   _("The library at %s is not there: that is a file, not a folder."), dir);
      return FALSE;
    }
  {
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    gboolean ok;

    if (fd < 0)
      {
        lb_library_set_io_error (error, errno, _("Could not look at the library at %s"), dir);
        return FALSE;
      }
    ok = lb_library_make_private (fd, dir, g_file_test (catalog, G_FILE_TEST_EXISTS), error);
    close (fd);
    if (!ok)
      return FALSE;
  }
  if (g_file_test (catalog, G_FILE_TEST_EXISTS))
    {
      *initialize = FALSE;
      return TRUE;
    }
  if (!create && !may_initialize (dir, error))
    return FALSE;
  *initialize = TRUE;
  return TRUE;
}

/* Partial downloads of a writer that is gone. */
static void
empty_tmp (LbLibrary *self)
{
  g_autofree char *tmp = g_build_filename (self->path, "tmp", NULL);
  g_autoptr(GDir) d = g_dir_open (tmp, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      if (g_unlink (path) < 0)
        g_debug ("library: could not remove %s: %s", path, g_strerror (errno));
    }
}

static gboolean
open_catalog (LbLibrary *self, gboolean initialize, GError **error)
{
  g_autofree char *catalog = g_build_filename (self->path, "catalog.db", NULL);

  /* SQLite would create it 0644, and its -wal and -shm files take the
   * catalog's mode: the catalog lists the user's private files. */
  if (initialize)
    {
      int fd = open (catalog, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0)
        {
          int errsv = errno;
          lb_library_set_io_error (error, errsv, _("Could not create %s"), catalog);
          return FALSE;
        }
      close (fd);
    }
  self->db = lb_db_open (catalog, initialize, error);
  if (self->db == NULL)
    return FALSE;
  return lb_db_exec (self->db, catalog_pragmas_sql, error) && lb_schema_migrate (self->db, error);
}

LbLibrary *
lb_library_open (const char *dir, gboolean create, LbLibraryMode mode, GError **error)
{
  g_autoptr(LbLibrary) self = NULL;
  g_autofree char *lock = NULL;
  gboolean initialize = FALSE;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (mode == LB_LIBRARY_READ || mode == LB_LIBRARY_WRITE, NULL);

  /* SQLite and fsync stall for as long as the disk wants: never on a
   * window's thread (the one given to lb_device_forbid_thread). */
  if (!lb_thread_guard_check (G_STRFUNC, error))
    return NULL;
  if (!prepare_dir (dir, create, &initialize, error))
    return NULL;
  self = g_object_new (LB_TYPE_LIBRARY, NULL);
  self->path = g_canonicalize_filename (dir, NULL);
  self->mode = mode;
  self->owner = g_thread_self ();

  lock = g_build_filename (self->path, "lock", NULL);
  self->lock_fd = lb_lock_open (lock, error);
  if (self->lock_fd < 0 ||
      !lb_lock_take (self->lock_fd, mode == LB_LIBRARY_WRITE ? LB_LOCK_WRITER : LB_LOCK_READER, error))
    return NULL;

  if (initialize || mode == LB_LIBRARY_WRITE)
    {
      g_autofree char *blobs = g_build_filename (self->path, "blobs", NULL);
      g_autofree char *tmp = g_build_filename (self->path, "tmp", NULL);

      if (!make_dir (blobs, error) || !make_dir (tmp, error))
        return NULL;
    }
  /* Two first opens at once (the window's and its Preferences', two
   * processes) would both create or upgrade the catalog, and SQLite gives
   * the loser of BEGIN IMMEDIATE an instant "busy" rather than a wait. */
  {
    gboolean held = lb_lock_hold (self->lock_fd, LB_LOCK_CATALOG);
    gboolean ok = open_catalog (self, initialize, error);

    if (held)
      lb_lock_release (self->lock_fd, LB_LOCK_CATALOG);
    if (!ok)
      return NULL;
  }

  if (mode == LB_LIBRARY_WRITE)
    {
      /* We hold the writer lock, so whoever was writing these is gone. */
      LbStmt *stmt = lb_db_prepare (self->db, snapshot_interrupt_orphans_sql, error);
      if (stmt == NULL || !lb_db_run (self->db, stmt, error))
        return NULL;
      empty_tmp (self);
    }
  return g_steal_pointer (&self);
}

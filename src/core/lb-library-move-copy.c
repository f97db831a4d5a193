/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving a library, the copy: what there is to copy, whether it fits, and
 * copying the catalog (SQLite's online backup) and the blobs (holes kept,
 * in the kernel where it can), synced once at the end. */
/* copy_file_range, SEEK_DATA, syncfs, sync_file_range */
#define _GNU_SOURCE

#include "config.h"
#include "lb-library-move-job.h"
#include "lb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

/* FAT32 cannot hold a file of 4 GiB or more. */
#define MSDOS_MAGIC 0x4d44
#define FAT_MAX_FILE G_GUINT64_CONSTANT (0xffffffff)
/* Network file systems, where SQLite's locking cannot be trusted. */
static const guint32 network_magics[] = { 0x6969 /* NFS */, 0xff534d42 /* CIFS */, 0xfe534d42 /* SMB2 */,
                                          0x517b /* SMB */, 0x564c /* NCP */, 0x01021997 /* 9P */ };


/* ---- what there is to copy ------------------------------------------------- */

gboolean
lb_move_list_blobs (Move *m, guint64 *allocated, GError **error)
{
  g_autofree char *root = g_build_filename (m->from, "blobs", NULL);
  g_autoptr(GDir) top = NULL;
  g_autoptr(GError) local = NULL;
  const char *fan;

  m->blobs = g_ptr_array_new_with_free_func (g_free);
  m->sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  *allocated = 0;
  if ((top = g_dir_open (root, 0, &local)) == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  while ((fan = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *fan_path = g_build_filename (root, fan, NULL);
      g_autoptr(GDir) d = g_dir_open (fan_path, 0, NULL);
      const char *name;

      if (d == NULL)
        continue;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (fan_path, name, NULL);
          struct stat st;
          guint64 size;

          if (g_lstat (path, &st) < 0)
            {
              lb_move_io_error (error, errno, _("Could not look at %s"), path);
              return FALSE;
            }
          if (!S_ISREG (st.st_mode))
            continue;
          size = st.st_size;
          g_ptr_array_add (m->blobs, g_build_filename (fan, name, NULL));
          g_array_append_val (m->sizes, size);
          m->blob_bytes += size;
          m->largest = MAX (m->largest, size);
          *allocated += (guint64) st.st_blocks * 512;
        }
    }
  return TRUE;
}

gboolean
lb_move_check_space (Move *m, guint64 needed, GError **error)
{
  g_autofree char *where = g_file_test (m->to, G_FILE_TEST_IS_DIR) ? g_strdup (m->to) : g_path_get_dirname (m->to);
  struct statvfs vfs;
  struct statfs fs;
  guint64 avail;

  if (statvfs (where, &vfs) < 0)
    {
      lb_move_io_error (error, errno, _("Could not find out how much room there is at %s"), where);
      return FALSE;
    }
  avail = lb_move_test_free_space >= 0 ? (guint64) lb_move_test_free_space
                                       : (guint64) vfs.f_bavail * vfs.f_frsize;
  if (avail < needed)
    {
      g_autofree char *need = g_format_size (needed);
      g_autofree char *have = g_format_size (avail);
      g_autofree char *more = g_format_size (needed - avail);

      g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL,
                   _("There is not enough room at %s: the library needs %s and the disk has %s free. "
                     "Free up %s more there, or choose another disk."), where, need, have, more);
      return FALSE;
    }
  if (statfs (where, &fs) < 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (network_magics); i++)
    m->network = m->network || (guint32) fs.f_type == network_magics[i];
  if (fs.f_type == MSDOS_MAGIC && m->largest > FAT_MAX_FILE)
    {
      g_autofree char *size = g_format_size (m->largest);
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("The disk at %s uses FAT32, which cannot hold files of 4 GiB or more, and the "
                     "library holds one of %s. Choose a disk formatted with ext4, Btrfs, exFAT or NTFS."),
                   where, size);
      return FALSE;
    }
  return TRUE;
}

/* ---- copying ----------------------------------------------------------------- */

static gboolean
sync_fd (int fd, const char *path, GError **error)
{
  if (fsync (fd) < 0)
    {
      lb_move_io_error (error, errno, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

gboolean
lb_move_write_note (int dir_fd, const char *dir, const char *name, const char *text, GError **error)
{
  g_autofree char *marker = g_build_filename (dir, name, NULL);
  int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  size_t len = strlen (text);
  gboolean ok;

  if (fd < 0)
    {
      lb_move_io_error (error, errno, _("Could not create a file in %s"), dir);
      return FALSE;
    }
  errno = 0;
  ok = write (fd, text, len) == (ssize_t) len;
  if (!ok)
    lb_move_io_error (error, errno ? errno : EIO, _("Could not write %s"), marker);
  ok = ok && sync_fd (fd, marker, error) && sync_fd (dir_fd, dir, error);
  close (fd);
  return ok;
}

/* name below `to`, made if new, opened only if a real folder. */
static int
open_dest_dir (Move *m, int at, const char *name, GError **error)
{
  int fd;

  if (mkdirat (at, name, 0700) < 0 && errno != EEXIST)
    {
      lb_move_io_error (error, errno, _("Could not create a folder in %s"), m->to);
      return -1;
    }
  if ((fd = openat (at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    lb_move_io_error (error, errno, _("Could not open a folder in %s"), m->to);
  return fd;
}

gboolean
lb_move_make_dest (Move *m, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (m->to);

  if (g_mkdir (m->to, 0700) == 0)
    {
      m->made_to = TRUE;
      m->dest_dirty = TRUE;
      if (!lb_library_sync_dir (parent, error))
        return FALSE;
    }
  else if (errno != EEXIST)
    {
      lb_move_io_error (error, errno, _("Could not create the folder %s"), m->to);
      return FALSE;
    }
  /* `to` has no symlink in it (resolve_dest): one now is not ours. */
  if ((m->to_fd = open (m->to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    {
      lb_move_io_error (error, errno, _("Could not open the folder %s"), m->to);
      return FALSE;
    }
  /* Before anything goes in: nobody else may add to it from now on. */
  if (!lb_library_make_private (m->to_fd, m->to, FALSE, error))
    return FALSE;
  m->dest_dirty = TRUE;
  if (!lb_move_write_note (m->to_fd, m->to, LB_MOVE_INCOMPLETE_MARKER,
                             "A Lifeboat library was being moved here and the move did not finish.\n"
                             "The library is still where it was. This folder can be deleted.\n",
                             error))
    return FALSE;
  return (m->blobs_fd = open_dest_dir (m, m->to_fd, "blobs", error)) >= 0 &&
         (m->tmp_fd = open_dest_dir (m, m->to_fd, "tmp", error)) >= 0;
}

static void
on_catalog_pages (int done, int total, gpointer data)
{
  Move *m = data;

  m->p.bytes_done = m->catalog_bytes * (guint64) done / (guint64) total;
  lb_move_report (m, FALSE);
}

/* Through our own connection (nobody else writes: we hold the writer
 * lock), so in steps that report progress, whatever is still in its WAL. */
static gboolean
copy_catalog (Move *m, guint64 catalog_bytes, GError **error)
{
  g_autofree char *src = g_build_filename (m->from, "catalog.db", NULL);
  g_autofree char *partial = g_build_filename (m->to, "catalog.db.partial", NULL);
  int fd;

  if ((m->db = lb_db_open (src, FALSE, error)) == NULL)
    return FALSE;
  m->catalog_bytes = catalog_bytes;
  if (!lb_db_backup_to (m->db, partial, 256, on_catalog_pages, m, m->cancellable, error))
    return FALSE;
  if ((fd = open (partial, O_RDONLY | O_CLOEXEC)) < 0 || !sync_fd (fd, partial, error))
    {
      if (fd < 0)
        lb_move_io_error (error, errno, _("Could not open %s"), partial);
      else
        close (fd);
      return FALSE;
    }
  close (fd);
  if (renameat (m->to_fd, "catalog.db.partial", m->to_fd, "catalog.db") < 0)
    {
      lb_move_io_error (error, errno, _("Could not move the catalog into place in %s"), m->to);
      return FALSE;
    }
  return TRUE;
}

/* Copies len bytes at off, in place (copy_file_range: in the kernel, or a
 * reflink on Btrfs/XFS), falling back to read and write across file
 * systems that refuse it. */
static gboolean
copy_range (Move *m, int in, int out, off_t off, guint64 len, const char *path, GError **error)
{
  static gboolean no_cfr = FALSE;
  g_autofree guint8 *buf = NULL;

  while (len > 0)
    {
      gsize want = MIN (len, LB_MOVE_CHUNK);
      gssize n = -1;

      if (g_cancellable_set_error_if_cancelled (m->cancellable, error))
        return FALSE;
      if (!g_atomic_int_get (&no_cfr))
        {
          loff_t a = off, b = off;
          n = copy_file_range (in, &a, out, &b, want, 0);
          if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
            {
              /* EXDEV: another file system type (Linux >= 5.19). */
              if (errno == ENOSYS)
                g_atomic_int_set (&no_cfr, TRUE);
              n = -2;
            }
        }
      else
        n = -2;
      if (n == -2)
        {
          gsize done = 0;

          if (buf == NULL)
            buf = g_malloc (LB_MOVE_BUFSIZE);
          want = MIN (want, LB_MOVE_BUFSIZE);
          n = pread (in, buf, want, off);
          while (n > 0 && done < (gsize) n)
            {
              gssize w = pwrite (out, buf + done, n - done, off + done);
              if (w < 0 && errno == EINTR)
                continue;
              if (w <= 0)
                {
                  lb_move_io_error (error, w < 0 ? errno : EIO, _("Could not write %s"), path);
                  return FALSE;
                }
              done += w;
            }
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          lb_move_io_error (error, errno, _("Could not copy %s"), path);
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                       _("The stored file %s became shorter while it was copied."), path);
          return FALSE;
        }
      off += n;
      len -= n;
      m->p.bytes_done += n;
      lb_move_report (m, FALSE);
    }
  return TRUE;
}

/* Copies the data runs of a blob and leaves its holes holes. */
static gboolean
copy_data (Move *m, int in, int out, guint64 size, const char *path, GError **error)
{
  off_t off = 0;

  while ((guint64) off < size)
    {
      off_t data = lseek (in, off, SEEK_DATA), hole;

      if (data < 0 && errno == ENXIO)
        break;                      /* only a hole left */
      if (data < 0)
        {
          /* No SEEK_DATA on this file system: all of it is data. */
          data = off;
          hole = size;
        }
      else if ((hole = lseek (in, data, SEEK_HOLE)) < 0)
        hole = size;
      hole = MIN ((guint64) hole, size);
      m->p.bytes_done += data - off;
      if (data < hole && !copy_range (m, in, out, data, hole - data, path, error))
        return FALSE;
      off = hole;
    }
  m->p.bytes_done += size - MIN ((guint64) off, size);
  if (ftruncate (out, size) < 0)
    {
      lb_move_io_error (error, errno, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

/* A new file in `to`'s tmp/, as mkstemp would make it. */
static int
make_temp (Move *m, char name[static 16], GError **error)
{
  static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  for (int tries = 0; tries < 100; tries++)
    {
      int fd;

      strcpy (name, "move-");
      for (int i = 5; i < 11; i++)
        name[i] = letters[g_random_int_range (0, sizeof letters - 1)];
      name[11] = '\0';
      fd = openat (m->tmp_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0 || errno != EEXIST)
        {
          if (fd < 0)
            lb_move_io_error (error, errno, _("Could not create a file in %s"), m->to);
          return fd;
        }
    }
  lb_move_io_error (error, EEXIST, _("Could not create a file in %s"), m->to);
  return -1;
}

/* fans: "ab" -> its folder's fd + 1. */
static gboolean
copy_blob (Move *m, const char *rel, guint64 size, GHashTable *fans, GError **error)
{
  g_autofree char *src = g_build_filename (m->from, "blobs", rel, NULL);
  g_autofree char *target = g_build_filename (m->to, "blobs", rel, NULL);
  g_autofree char *fan = g_path_get_dirname (rel);
  g_autofree char *name = g_path_get_basename (rel);
  char tmp[16];
  int in, out, fan_fd = GPOINTER_TO_INT (g_hash_table_lookup (fans, fan)) - 1;
  gboolean ok;

  if (fan_fd < 0)
    {
      if ((fan_fd = open_dest_dir (m, m->blobs_fd, fan, error)) < 0)
        return FALSE;
      g_hash_table_insert (fans, g_strdup (fan), GINT_TO_POINTER (fan_fd + 1));
    }
  if ((in = open (src, O_RDONLY | O_CLOEXEC)) < 0)
    {
      lb_move_io_error (error, errno, _("Could not read %s"), src);
      return FALSE;
    }
  if ((out = make_temp (m, tmp, error)) < 0)
    {
      close (in);
      return FALSE;
    }
  ok = copy_data (m, in, out, size, target, error);
  /* Start writing it out now, so that dirty pages do not pile up and the
   * progress a slow disk shows is what it really wrote; copy_all syncs the
   * lot in one go. */
  if (ok)
    sync_file_range (out, 0, 0, SYNC_FILE_RANGE_WRITE);
  close (in);
  close (out);
  if (ok && renameat (m->tmp_fd, tmp, fan_fd, name) < 0)
    {
      lb_move_io_error (error, errno, _("Could not move %s into place"), target);
      ok = FALSE;
    }
  if (!ok)
    unlinkat (m->tmp_fd, tmp, 0);
  else if (lb_move_test_after_blob != NULL)
    lb_move_test_after_blob (target, lb_move_test_data);
  return ok;
}

static void
close_fan (gpointer fd_plus_1)
{
  close (GPOINTER_TO_INT (fd_plus_1) - 1);
}

gboolean
lb_move_copy_all (Move *m, guint64 catalog_bytes, GError **error)
{
  g_autoptr(GHashTable) fans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, close_fan);
  GHashTableIter iter;
  gpointer fd;

  lb_move_start_phase (m, _("Copying"), m->blobs->len + 1, m->blob_bytes + catalog_bytes);
  if (!copy_catalog (m, catalog_bytes, error))
    return FALSE;
  m->p.bytes_done = catalog_bytes;
  m->p.files_done = 1;
  for (guint i = 0; i < m->blobs->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (m->cancellable, error) ||
          !copy_blob (m, m->blobs->pdata[i], g_array_index (m->sizes, guint64, i), fans, error))
        return FALSE;
      m->p.files_done++;
      lb_move_report (m, FALSE);
    }
  lb_move_report (m, TRUE);
  /* Everything becomes durable here at once, one syncfs() instead of an
   * fsync() per blob (a few ms each, minutes for a big library on a USB
   * disk): until the marker goes, a crash leaves a folder that is
   * recognised as an unfinished move and discarded, so no blob needs to be
   * durable on its own before then. */
  if (syncfs (m->to_fd) < 0)
    {
      lb_move_io_error (error, errno, _("Could not write the copy at %s"), m->to);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, fans);
  while (g_hash_table_iter_next (&iter, NULL, &fd))
    if (!sync_fd (GPOINTER_TO_INT (fd) - 1, m->to, error))
      return FALSE;
  unlinkat (m->to_fd, "tmp", AT_REMOVEDIR);
  return sync_fd (m->blobs_fd, m->to, error) && sync_fd (m->to_fd, m->to, error);
}

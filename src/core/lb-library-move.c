/* Moving a library: copy → verify → switch → delete.  See lb-library-move.h. */
/* copy_file_range, SEEK_DATA */
#define _GNU_SOURCE

#include "config.h"
#include "lb-library-move-private.h"
#include "lb-library-private.h"
#include "lb-error.h"
#include "lb-lock.h"
#include "lb-offsite.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

void (*lb_move_test_after_blob) (const char *copied_path, gpointer data) = NULL;
gpointer lb_move_test_data = NULL;
gint64 lb_move_test_free_space = -1;

#define PROGRESS_INTERVAL (G_USEC_PER_SEC / 10)
/* Bytes copied or hashed between checks of the cancellable. */
#define CHUNK (8 << 20)
#define BUFSIZE (1 << 20)
/* FAT32 cannot hold a file of 4 GiB or more. */
#define MSDOS_MAGIC 0x4d44
#define FAT_MAX_FILE G_GUINT64_CONSTANT (0xffffffff)
/* Network file systems, where SQLite's locking cannot be trusted. */
static const guint32 network_magics[] = { 0x6969 /* NFS */, 0xff534d42 /* CIFS */, 0xfe534d42 /* SMB2 */,
                                          0x517b /* SMB */, 0x564c /* NCP */, 0x01021997 /* 9P */ };

/* What a library folder holds besides blobs/ and tmp/. */
static const char *const catalog_files[] = {
  "catalog.db", "catalog.db-wal", "catalog.db-shm", "catalog.db-journal",
  "catalog.db.partial", "catalog.db.partial-journal", "catalog.db.partial-wal",
  "catalog.db.partial-shm",
};

typedef struct {
  char *from;             /* both resolved: no symlinks, absolute */
  char *to;
  LbMoveProgressFunc progress;
  LbMoveSwitchFunc switch_func;
  gpointer user_data;
  GCancellable *cancellable;
  char *warning;

  int lock_fd;
  LbDb *db;               /* the old catalog, read for the online backup */
  gboolean made_to;       /* we created `to`: remove it, not only its contents */
  gboolean dest_dirty;    /* something of ours is in `to` */
  GPtrArray *blobs;       /* "ab/abcdef..." below blobs/ */
  GArray *sizes;          /* guint64 each */
  guint64 blob_bytes;
  guint64 largest;
  guint damaged;          /* blobs already damaged in the old library */
  guint missing;          /* blobs the catalog names that neither copy has */
  gboolean network;       /* `to` is on a network file system */
  LbMoveProgress p;
  gint64 last_report;
} Move;

static void
move_free (Move *m)
{
  g_free (m->from);
  g_free (m->to);
  g_free (m->warning);
  g_clear_object (&m->cancellable);
  if (m->db != NULL)
    lb_db_close (m->db);
  if (m->lock_fd >= 0)
    close (m->lock_fd);
  g_clear_pointer (&m->blobs, g_ptr_array_unref);
  g_clear_pointer (&m->sizes, g_array_unref);
  g_free (m);
}

static void
report (Move *m, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (m->progress == NULL || (!force && now - m->last_report < PROGRESS_INTERVAL))
    return;
  m->last_report = now;
  m->progress (&m->p, m->user_data);
}

static void
start_phase (Move *m, const char *phase, guint64 files, guint64 bytes)
{
  m->p = (LbMoveProgress) { .phase = phase, .files_total = files, .bytes_total = bytes };
  report (m, TRUE);
}

static void
io_error (GError **error, int errsv, const char *format, const char *path)
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
      io_error (error, errno, _("Could not look at %s"), abs);
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

static gboolean
remove_tree (const char *path, GString *failed)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;
  gboolean ok = TRUE;

  if (d != NULL)
    {
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          ok = remove_tree (child, failed) && ok;
        }
      g_dir_close (d);
    }
  if (g_remove (path) < 0 && errno != ENOENT)
    {
      if (failed != NULL && failed->len == 0)
        g_string_printf (failed, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return ok;
}

/* Removes what a move puts into a library folder, nothing else. */
static void
remove_library_parts (const char *dir)
{
  static const char *const parts[] = { "blobs", "tmp", "lock", LB_MOVE_INCOMPLETE_MARKER };

  for (gsize i = 0; i < G_N_ELEMENTS (catalog_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, catalog_files[i], NULL);
      g_unlink (path);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *path = g_build_filename (dir, parts[i], NULL);
      remove_tree (path, NULL);
    }
}

static void
discard_dest (Move *m)
{
  if (!m->dest_dirty)
    return;
  remove_library_parts (m->to);
  if (m->made_to)
    g_rmdir (m->to);
  m->dest_dirty = FALSE;
}

/* `to` must be new or empty; a folder left by a move that crashed (it has
 * the marker) counts as empty once our parts of it are gone. */
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
      io_error (error, errno, _("Could not look at %s"), m->to);
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("%s is a file, not a folder. Choose a new or an empty folder for the library."), m->to);
      return FALSE;
    }
  if (g_file_test (marker, G_FILE_TEST_EXISTS))
    remove_library_parts (m->to);
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

/* ---- what there is to copy ------------------------------------------------- */

static gboolean
list_blobs (Move *m, guint64 *allocated, GError **error)
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
              io_error (error, errno, _("Could not look at %s"), path);
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

static gboolean
check_space (Move *m, guint64 needed, GError **error)
{
  g_autofree char *where = g_file_test (m->to, G_FILE_TEST_IS_DIR) ? g_strdup (m->to) : g_path_get_dirname (m->to);
  struct statvfs vfs;
  struct statfs fs;
  guint64 avail;

  if (statvfs (where, &vfs) < 0)
    {
      io_error (error, errno, _("Could not find out how much room there is at %s"), where);
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
      io_error (error, errno, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_marker (Move *m, GError **error)
{
  g_autofree char *marker = g_build_filename (m->to, LB_MOVE_INCOMPLETE_MARKER, NULL);
  static const char text[] =
    "A Lifeboat library was being moved here and the move did not finish.\n"
    "The library is still where it was. This folder can be deleted.\n";
  int fd = open (marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  gboolean ok;

  if (fd < 0)
    {
      io_error (error, errno, _("Could not create a file in %s"), m->to);
      return FALSE;
    }
  errno = 0;
  ok = write (fd, text, sizeof text - 1) == sizeof text - 1;
  if (!ok)
    io_error (error, errno ? errno : EIO, _("Could not write %s"), marker);
  ok = ok && sync_fd (fd, marker, error);
  close (fd);
  return ok && lb_library_sync_dir (m->to, error);
}

static gboolean
make_dest (Move *m, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (m->to);
  g_autofree char *blobs = g_build_filename (m->to, "blobs", NULL);
  g_autofree char *tmp = g_build_filename (m->to, "tmp", NULL);

  if (g_mkdir (m->to, 0700) == 0)
    {
      m->made_to = TRUE;
      m->dest_dirty = TRUE;
      if (!lb_library_sync_dir (parent, error))
        return FALSE;
    }
  else if (errno != EEXIST)
    {
      io_error (error, errno, _("Could not create the folder %s"), m->to);
      return FALSE;
    }
  m->dest_dirty = TRUE;
  if (!write_marker (m, error))
    return FALSE;
  if ((g_mkdir (blobs, 0700) < 0 && errno != EEXIST) || (g_mkdir (tmp, 0700) < 0 && errno != EEXIST))
    {
      io_error (error, errno, _("Could not create a folder in %s"), m->to);
      return FALSE;
    }
  return TRUE;
}

/* The online backup API reads a consistent catalog through our own
 * connection (nobody else writes: we hold the writer lock), whatever is
 * still in its WAL. */
static gboolean
copy_catalog (Move *m, guint64 catalog_bytes, GError **error)
{
  g_autofree char *src = g_build_filename (m->from, "catalog.db", NULL);
  g_autofree char *partial = g_build_filename (m->to, "catalog.db.partial", NULL);
  g_autofree char *target = g_build_filename (m->to, "catalog.db", NULL);
  sqlite3 *dest = NULL;
  sqlite3_backup *backup;
  int rc, fd;

  if ((m->db = lb_db_open (src, FALSE, error)) == NULL)
    return FALSE;
  /* SQLite would create it 0644: the catalog lists the user's files. */
  if ((fd = open (partial, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
    {
      io_error (error, errno, _("Could not create %s"), partial);
      return FALSE;
    }
  close (fd);
  rc = sqlite3_open_v2 (partial, &dest, SQLITE_OPEN_READWRITE, NULL);
  backup = rc == SQLITE_OK ? sqlite3_backup_init (dest, "main", lb_db_handle (m->db), "main") : NULL;
  if (backup == NULL)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("Could not copy the catalog to %s: %s"), partial,
                   dest ? sqlite3_errmsg (dest) : sqlite3_errstr (rc));
      sqlite3_close (dest);
      return FALSE;
    }
  do
    {
      if (g_cancellable_is_cancelled (m->cancellable))
        break;
      rc = sqlite3_backup_step (backup, 256);
      if (sqlite3_backup_pagecount (backup) > 0)
        m->p.bytes_done = catalog_bytes * (guint64) (sqlite3_backup_pagecount (backup) - sqlite3_backup_remaining (backup)) /
                          (guint64) sqlite3_backup_pagecount (backup);
      report (m, FALSE);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (g_cancellable_set_error_if_cancelled (m->cancellable, error))
    {
      sqlite3_close (dest);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      int errsv = sqlite3_system_errno (dest);
      if (rc == SQLITE_FULL || errsv == ENOSPC || errsv == EDQUOT)
        io_error (error, ENOSPC, _("Could not copy the catalog to %s"), partial);
      else
        g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("Could not copy the catalog to %s: %s"), partial,
                     sqlite3_errstr (rc));
      sqlite3_close (dest);
      return FALSE;
    }
  /* The connection's default synchronous=FULL has synced it at the commit;
   * closing leaves no journal beside it. */
  if (sqlite3_close (dest) != SQLITE_OK)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("Could not copy the catalog to %s"), partial);
      return FALSE;
    }
  if ((fd = open (partial, O_RDONLY | O_CLOEXEC)) < 0 || !sync_fd (fd, partial, error))
    {
      if (fd < 0)
        io_error (error, errno, _("Could not open %s"), partial);
      else
        close (fd);
      return FALSE;
    }
  close (fd);
  if (g_rename (partial, target) < 0)
    {
      io_error (error, errno, _("Could not move the catalog into place in %s"), m->to);
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
      gsize want = MIN (len, CHUNK);
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
            buf = g_malloc (BUFSIZE);
          want = MIN (want, BUFSIZE);
          n = pread (in, buf, want, off);
          while (n > 0 && done < (gsize) n)
            {
              gssize w = pwrite (out, buf + done, n - done, off + done);
              if (w < 0 && errno == EINTR)
                continue;
              if (w <= 0)
                {
                  io_error (error, w < 0 ? errno : EIO, _("Could not write %s"), path);
                  return FALSE;
                }
              done += w;
            }
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          io_error (error, errno, _("Could not copy %s"), path);
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
      report (m, FALSE);
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
      io_error (error, errno, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
copy_blob (Move *m, const char *rel, guint64 size, GHashTable *fans, GError **error)
{
  g_autofree char *src = g_build_filename (m->from, "blobs", rel, NULL);
  g_autofree char *target = g_build_filename (m->to, "blobs", rel, NULL);
  g_autofree char *fan = g_path_get_dirname (target);
  g_autofree char *tmp = g_build_filename (m->to, "tmp", "move-XXXXXX", NULL);
  int in, out;
  gboolean ok;

  if (!g_hash_table_contains (fans, fan))
    {
      if (g_mkdir (fan, 0700) < 0 && errno != EEXIST)
        {
          io_error (error, errno, _("Could not create the folder %s"), fan);
          return FALSE;
        }
      g_hash_table_add (fans, g_strdup (fan));
    }
  if ((in = open (src, O_RDONLY | O_CLOEXEC)) < 0)
    {
      io_error (error, errno, _("Could not read %s"), src);
      return FALSE;
    }
  if ((out = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600)) < 0)
    {
      io_error (error, errno, _("Could not create a file in %s"), tmp);
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
  if (ok && g_rename (tmp, target) < 0)
    {
      io_error (error, errno, _("Could not move %s into place"), target);
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  else if (lb_move_test_after_blob != NULL)
    lb_move_test_after_blob (target, lb_move_test_data);
  return ok;
}

static gboolean
sync_all (const char *dir, GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int errsv;

  if (fd < 0 || syncfs (fd) < 0)
    {
      errsv = errno;
      if (fd >= 0)
        close (fd);
      io_error (error, errsv, _("Could not write the copy at %s"), dir);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
copy_all (Move *m, guint64 catalog_bytes, GError **error)
{
  g_autoptr(GHashTable) fans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *blobs = g_build_filename (m->to, "blobs", NULL);
  g_autofree char *tmp = g_build_filename (m->to, "tmp", NULL);
  GHashTableIter iter;
  gpointer fan;

  start_phase (m, _("Copying"), m->blobs->len + 1, m->blob_bytes + catalog_bytes);
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
      report (m, FALSE);
    }
  report (m, TRUE);
  /* Everything becomes durable here at once, one syncfs() instead of an
   * fsync() per blob (a few ms each, minutes for a big library on a USB
   * disk): until the marker goes, a crash leaves a folder that is
   * recognised as an unfinished move and discarded, so no blob needs to be
   * durable on its own before then. */
  if (!sync_all (m->to, error))
    return FALSE;
  g_hash_table_iter_init (&iter, fans);
  while (g_hash_table_iter_next (&iter, &fan, NULL))
    if (!lb_library_sync_dir (fan, error))
      return FALSE;
  g_rmdir (tmp);
  return lb_library_sync_dir (blobs, error) && lb_library_sync_dir (m->to, error);
}

/* ---- verifying --------------------------------------------------------------- */

/* SHA-256 of a file in hex, or NULL with errno set. */
static char *
hash_file (Move *m, const char *path, guint8 *buf, guint64 *size)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  *size = 0;
  if (fd < 0)
    return NULL;
  /* Read what reached the disk, not the page cache (the copy's pages are
   * clean after the sync, so they can be dropped). */
  posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  while ((n = read (fd, buf, BUFSIZE)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          close (fd);
          errno = errsv;
          return NULL;
        }
      g_checksum_update (sum, buf, n);
      *size += n;
      m->p.bytes_done += n;
      report (m, FALSE);
    }
  close (fd);
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
is_sha256 (const char *name)
{
  if (strlen (name) != 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
verify_blob (Move *m, const char *rel, guint64 size, guint8 *buf, GError **error)
{
  g_autofree char *copy = g_build_filename (m->to, "blobs", rel, NULL);
  g_autofree char *orig = g_build_filename (m->from, "blobs", rel, NULL);
  g_autofree char *name = g_path_get_basename (rel);
  g_autofree char *got = NULL;
  g_autofree char *was = NULL;
  guint64 got_size, was_size;

  if ((got = hash_file (m, copy, buf, &got_size)) == NULL)
    {
      io_error (error, errno, _("Could not read back %s"), copy);
      return FALSE;
    }
  if (is_sha256 (name) && got_size == size && strcmp (got, name) == 0)
    return TRUE;
  /* Either the copy is bad, or the original already was: only the first
   * is a reason to stop (the second moves as it is, and is reported). */
  m->p.bytes_total += size;
  if ((was = hash_file (m, orig, buf, &was_size)) == NULL)
    {
      io_error (error, errno, _("Could not read %s"), orig);
      return FALSE;
    }
  if (was_size == got_size && strcmp (was, got) == 0)
    {
      if (is_sha256 (name))
        m->damaged++;
      return TRUE;
    }
  g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
               _("The copy of the stored file %s does not read back the same as the original: the "
                 "disk at %s may be failing. Nothing was moved; the library stays at %s."),
               copy, m->to, m->from);
  return FALSE;
}

static gint64
count_rows (sqlite3 *db, const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* The new catalog opens as a library, passes the checks `verify` runs, and
 * holds as many snapshots, files and blobs as the old one. */
static gboolean
verify_catalog (Move *m, GError **error)
{
  static const char *const tables[] = { "devices", "snapshots", "paths", "versions", "blobs" };
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) referenced = NULL;
  g_autoptr(GError) local = NULL;

  lib = lb_library_open (m->to, FALSE, LB_LIBRARY_READ, &local);
  if (lib == NULL || !lb_library_check_catalog (lib, &problems, &local))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The copied catalog at %s does not open: %s. Nothing was moved; the library "
                     "stays at %s."), m->to, local->message, m->from);
      return FALSE;
    }
  if (problems->len > 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The copied catalog at %s fails its checks (%s). Nothing was moved; the "
                     "library stays at %s; “lifeboat-cli verify” checks it."),
                   m->to, (char *) problems->pdata[0], m->from);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (tables); i++)
    if (count_rows (lb_db_handle (lib->db), tables[i]) != count_rows (lb_db_handle (m->db), tables[i]))
      {
        g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                     _("The copied catalog at %s does not hold the same %s as the original. Nothing "
                       "was moved; the library stays at %s."), m->to, tables[i], m->from);
        return FALSE;
      }
  /* A blob the catalog names that the old library did not have either is
   * old damage: it moves as it is, and is reported. */
  if ((referenced = lb_library_list_blobs (lib, 0, NULL, &local)) == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (guint i = 0; i < referenced->len; i++)
    {
      g_autofree char *path = lb_library_blob_path (lib, referenced->pdata[i]);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        m->missing++;
    }
  return TRUE;
}

static gboolean
verify_all (Move *m, GError **error)
{
  g_autofree guint8 *buf = g_malloc (BUFSIZE);

  start_phase (m, _("Verifying"), m->blobs->len, m->blob_bytes);
  for (guint i = 0; i < m->blobs->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (m->cancellable, error) ||
          !verify_blob (m, m->blobs->pdata[i], g_array_index (m->sizes, guint64, i), buf, error))
        return FALSE;
      m->p.files_done++;
      report (m, FALSE);
    }
  report (m, TRUE);
  return verify_catalog (m, error);
}

/* ---- removing the old copy ---------------------------------------------------- */

static void
note_failure (GString *failed, const char *path)
{
  if (failed->len == 0)
    g_string_printf (failed, "%s: %s", path, g_strerror (errno));
}

/* Only what the library consists of: anything else someone put in the
 * folder stays, and so does the folder then. */
static void
remove_old (Move *m, GString *failed)
{
  g_autofree char *blobs = g_build_filename (m->from, "blobs", NULL);
  g_autofree char *tmp = g_build_filename (m->from, "tmp", NULL);
  g_autofree char *lock = g_build_filename (m->from, "lock", NULL);
  /* An off-site push's staging folder: nothing in it outlives a push. */
  g_autofree char *offsite = g_build_filename (m->from, LB_OFFSITE_STAGING, NULL);

  start_phase (m, _("Removing the old copy"), m->blobs->len, 0);
  lb_db_close (m->db);
  m->db = NULL;
  /* The catalog first: a crash halfway leaves a folder that no longer
   * passes for a library rather than one with its files missing. */
  for (gsize i = 0; i < G_N_ELEMENTS (catalog_files); i++)
    {
      g_autofree char *path = g_build_filename (m->from, catalog_files[i], NULL);
      if (g_unlink (path) < 0 && errno != ENOENT)
        note_failure (failed, path);
    }
  lb_library_sync_dir (m->from, NULL);
  for (guint i = 0; i < m->blobs->len; i++)
    {
      g_autofree char *path = g_build_filename (blobs, m->blobs->pdata[i], NULL);
      g_autofree char *fan = g_path_get_dirname (path);

      if (g_unlink (path) < 0 && errno != ENOENT)
        note_failure (failed, path);
      /* Fails until the fan folder's last blob is gone. */
      g_rmdir (fan);
      m->p.files_done++;
      report (m, FALSE);
    }
  if (g_rmdir (blobs) < 0 && errno != ENOENT)
    note_failure (failed, blobs);
  remove_tree (tmp, failed);
  remove_tree (offsite, failed);
  if (g_unlink (lock) < 0 && errno != ENOENT)
    note_failure (failed, lock);
  close (m->lock_fd);
  m->lock_fd = -1;
  if (g_rmdir (m->from) < 0 && errno != ENOENT)
    note_failure (failed, m->from);
  report (m, TRUE);
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

  if (!lock_source (m, error) || !check_dest (m, error) || !list_blobs (m, &allocated, error))
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
  if (!check_space (m, allocated + catalog_bytes + (m->blobs->len / 100 + 16) * 4096, error))
    return FALSE;
  if (!make_dest (m, error) || !copy_all (m, catalog_bytes, error) || !verify_all (m, error))
    goto undo;

  /* Verified: from here a crash leaves a good library at `to` that is not
   * configured yet, and the old one intact and configured. */
  {
    g_autofree char *marker = g_build_filename (m->to, LB_MOVE_INCOMPLETE_MARKER, NULL);
    if (g_unlink (marker) < 0 || !lb_library_sync_dir (m->to, error))
      {
        if (error && *error == NULL)
          io_error (error, errno, _("Could not remove %s"), marker);
        goto undo;
      }
  }
  if (g_cancellable_set_error_if_cancelled (m->cancellable, error))
    goto undo;
  if (m->switch_func != NULL && !m->switch_func (m->to, m->user_data, error))
    goto undo;

  remove_old (m, failed);
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

  m->lock_fd = -1;
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

  (void) source;
  (void) cancellable;
  if (move_with_paths (m, paths[0], paths[1], &error))
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

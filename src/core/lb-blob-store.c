/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The blob store: one file per distinct content in blobs/ab/abcdef...,
 * named by its SHA-256, so that plain sha256sum can check it.  A new blob
 * is written to tmp/ while it is hashed and moved into place only once it
 * is on disk. */
#include "config.h"
#include "lb-library-private.h"
#include "lb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

/* Zeros are looked for in whole blocks of this size, aligned in the file:
 * a hole smaller than a file system block saves nothing.  Any run of zeros
 * of twice this size holds at least one such block. */
#define HOLE_BLOCK 4096

struct _LbBlobWriter {
  LbLibrary *library;     /* a ref */
  int fd;
  char *tmp_path;
  GChecksum *checksum;
  guint64 size;           /* bytes given to write() */
  guint64 flushed;        /* file offset up to which data is written or left a hole */
  gsize fill;             /* bytes waiting in block: size == flushed + fill */
  guint8 block[HOLE_BLOCK];
};

static const char blob_insert_sql[] =
  "INSERT INTO blobs (sha256, size) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING";
static const char blob_find_sql[] =
  "SELECT id FROM blobs WHERE sha256 = ?";

gboolean
lb_blob_name_valid (const char *name)
{
  if (strlen (name) != 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

LbBlobWriter *
lb_library_new_blob (LbLibrary *self, GError **error)
{
  g_autofree char *tmpl = NULL;
  LbBlobWriter *w;
  int fd;

  g_return_val_if_fail (lb_library_owned (self), NULL);
  g_return_val_if_fail (self->mode == LB_LIBRARY_WRITE, NULL);

  tmpl = g_build_filename (self->path, "tmp", "blob-XXXXXX", NULL);
  fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int errsv = errno;
      lb_library_set_io_error (error, errsv, _("Could not create a file in %s"), tmpl);
      return NULL;
    }
  w = g_new0 (LbBlobWriter, 1);
  w->library = g_object_ref (self);
  w->fd = fd;
  w->tmp_path = g_steal_pointer (&tmpl);
  w->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  return w;
}

static gboolean
is_zero (const guint8 *p, gsize n)
{
  /* memcmp against itself shifted by one: as fast as libc's memcmp. */
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

static gboolean
write_at (LbBlobWriter *w, const guint8 *data, gsize len, guint64 offset, GError **error)
{
  while (len > 0)
    {
      gssize n = pwrite (w->fd, data, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : EIO;
          lb_library_set_io_error (error, errsv, _("Could not write %s"), w->tmp_path);
          return FALSE;
        }
      data += n;
      len -= n;
      offset += n;
    }
  return TRUE;
}

/* Writes whole blocks at w->flushed, skipping (leaving holes for) the
 * blocks that are all zeros, and writing runs of the others in one go. */
static gboolean
write_blocks (LbBlobWriter *w, const guint8 *data, gsize len, GError **error)
{
  while (len > 0)
    {
      gsize run = 0;

      while (run < len && is_zero (data + run, HOLE_BLOCK))
        run += HOLE_BLOCK;
      w->flushed += run;
      data += run;
      len -= run;

      run = 0;
      while (run < len && !is_zero (data + run, HOLE_BLOCK))
        run += HOLE_BLOCK;
      if (run > 0 && !write_at (w, data, run, w->flushed, error))
        return FALSE;
      w->flushed += run;
      data += run;
      len -= run;
    }
  return TRUE;
}

gboolean
lb_blob_writer_write (LbBlobWriter *w, const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  g_checksum_update (w->checksum, data, len);
  w->size += len;

  /* Complete the block started by an earlier write first. */
  if (w->fill > 0)
    {
      gsize n = MIN (HOLE_BLOCK - w->fill, len);

      memcpy (w->block + w->fill, data, n);
      w->fill += n;
      data += n;
      len -= n;
      if (w->fill < HOLE_BLOCK)
        return TRUE;
      w->fill = 0;
      if (!write_blocks (w, w->block, HOLE_BLOCK, error))
        return FALSE;
    }
  if (!write_blocks (w, data, len - len % HOLE_BLOCK, error))
    return FALSE;
  w->fill = len % HOLE_BLOCK;
  memcpy (w->block, data + len - w->fill, w->fill);
  return TRUE;
}

guint64
lb_blob_writer_get_size (LbBlobWriter *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return w->size;
}

/* The last partial block, the length (a trailing hole is made by
 * ftruncate), and the data on disk before the name is. */
static gboolean
complete_file (LbBlobWriter *w, GError **error)
{
  int errsv;

  if (w->fill > 0 && !is_zero (w->block, w->fill) &&
      !write_at (w, w->block, w->fill, w->flushed, error))
    return FALSE;
  if (ftruncate (w->fd, w->size) < 0 || fsync (w->fd) < 0)
    {
      errsv = errno;
      lb_library_set_io_error (error, errsv, _("Could not write %s"), w->tmp_path);
      return FALSE;
    }
  errsv = close (w->fd) < 0 ? errno : 0;
  w->fd = -1;
  if (errsv != 0 && errsv != EINTR)
    {
      lb_library_set_io_error (error, errsv, _("Could not write %s"), w->tmp_path);
      return FALSE;
    }
  return TRUE;
}

/* blobs/ab/, created (and made durable in blobs/) when it is the first. */
static gboolean
make_fan_dir (const char *dir, GError **error)
{
  g_autofree char *blobs = NULL;
  int errsv;

  if (g_mkdir (dir, 0700) == 0)
    {
      blobs = g_path_get_dirname (dir);
      return lb_library_sync_dir (blobs, error);
    }
  errsv = errno;
  if (errsv == EEXIST)
    return TRUE;
  lb_library_set_io_error (error, errsv, _("Could not create the folder %s"), dir);
  return FALSE;
}

/* Moves the temp file to target, or drops it when the same content is
 * there already.  A file there of the wrong size is a damaged copy: the
 * good one replaces it. */
static gboolean
move_into_store (LbBlobWriter *w, const char *target, gboolean *is_new, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (target);
  struct stat st;
  gboolean exists;
  int errsv;

  if (!make_fan_dir (dir, error))
    return FALSE;
  exists = g_lstat (target, &st) == 0;
  if (exists && S_ISREG (st.st_mode) && (guint64) st.st_size == w->size)
    {
      g_unlink (w->tmp_path);
      g_clear_pointer (&w->tmp_path, g_free);
      *is_new = FALSE;
      return TRUE;
    }
  if (g_rename (w->tmp_path, target) < 0)
    {
      errsv = errno;
      lb_library_set_io_error (error, errsv, _("Could not move %s to %s"), w->tmp_path, target);
      return FALSE;
    }
  g_clear_pointer (&w->tmp_path, g_free);
  *is_new = !exists;
  return lb_library_sync_dir (dir, error);
}

static gboolean
record_blob (LbLibrary *self, const char *sha256, guint64 size, GError **error)
{
  /* Inside the snapshot writer's transaction when there is one (it is
   * committed with the entries that use it), else on its own. */
  g_autoptr(LbStmt) stmt = lb_db_prepare (self->db, blob_insert_sql, error);

  if (stmt == NULL)
    return FALSE;
  lb_db_bind_text (stmt, 1, sha256);
  sqlite3_bind_int64 (stmt, 2, size);
  return lb_db_run (self->db, stmt, error);
}

char *
lb_blob_writer_finish (LbBlobWriter *w, gboolean *is_new, GError **error)
{
  g_autofree char *sha256 = NULL;
  g_autofree char *target = NULL;
  gboolean grew = FALSE;
  gboolean ok;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), NULL);

  sha256 = g_strdup (g_checksum_get_string (w->checksum));
  target = lb_library_blob_path (w->library, sha256);
  ok = complete_file (w, error) && move_into_store (w, target, &grew, error) &&
       record_blob (w->library, sha256, w->size, error);
  lb_blob_writer_free (w);
  if (!ok)
    return NULL;
  if (is_new != NULL)
    *is_new = grew;
  return g_steal_pointer (&sha256);
}

void
lb_blob_writer_free (LbBlobWriter *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close (w->fd);
  /* NULL once it was moved into the store. */
  if (w->tmp_path != NULL)
    g_unlink (w->tmp_path);
  g_checksum_free (w->checksum);
  g_free (w->tmp_path);
  g_object_unref (w->library);
  g_free (w);
}

/* ---- the blobs in the catalog ------------------------------------------------ */

char *
lb_library_blob_path (LbLibrary *self, const char *sha256)
{
  char ab[3];

  g_return_val_if_fail (LB_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (sha256 != NULL && strlen (sha256) >= 2, NULL);
  /* A hex digest never holds a "/", but the name comes from the catalog:
   * keep a damaged one from pointing outside blobs/. */
  g_return_val_if_fail (strchr (sha256, '/') == NULL && strcmp (sha256, "..") != 0, NULL);

  ab[0] = sha256[0];
  ab[1] = sha256[1];
  ab[2] = '\0';
  return g_build_filename (self->path, "blobs", ab, sha256, NULL);
}

gint64
lb_library_blob_id (LbLibrary *self, const char *sha256, GError **error)
{
  LbStmt *stmt = lb_db_prepare (self->db, blob_find_sql, error);
  gint64 id = 0;

  if (stmt == NULL)
    return 0;
  lb_db_bind_text (stmt, 1, sha256);
  lb_db_query_int (self->db, stmt, &id, NULL, error);
  return id;
}

gboolean
lb_library_require_blob (LbLibrary *self, const char *sha256, gint64 *id, GError **error)
{
  g_autoptr(GError) local = NULL;

  *id = lb_library_blob_id (self, sha256, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (*id == 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND, _("The blob %s is not in the library's catalog"), sha256);
      return FALSE;
    }
  return TRUE;
}

/* ---- reading a stored file back ---------------------------------------------- */

char *
lb_blob_hash_file (const char *path, guint8 *buf, gsize buflen, guint64 *size,
                   LbHashProgressFunc progress, gpointer data)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  *size = 0;
  if (fd < 0)
    return NULL;
  /* What reached the disk, not the page cache: clean pages can be dropped
   * (a copy's are, once it is synced). */
  posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  while ((n = read (fd, buf, buflen)) != 0)
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
      if (progress != NULL)
        progress (n, data);
    }
  close (fd);
  return g_strdup (g_checksum_get_string (sum));
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-extract.h"
#include "lb-eta.h"
#include "lb-error.h"
#include "lb-safe-name.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#define COPY_CHUNK (1 << 20)

typedef struct {
  LbLibrary *library;
  int root_fd;
  const char *root;
  GHashTable *entries;       /* path id -> LbEntry* (borrowed) */
  GHashTable *written_as;    /* path id -> safe name chosen */
  GHashTable *taken;         /* "parent-id/safe name" -> TRUE */
  GHashTable *storage_taken; /* safe storage names used */
  GHashTable *storage_names; /* storage -> safe name */
  GHashTable *dir_ids;       /* path id -> DirId of the folder this run opened */
  LbRenamedFunc renamed;
  gpointer renamed_data;
  LbExtractProgressFunc progress_func;
  LbExtractProgress progress;
  gint64 started, last_report;  /* monotonic µs */
  guint8 *buffer;
} Extract;

typedef struct {
  dev_t dev;
  ino_t ino;
} DirId;

gboolean
lb_phone_path_under (const char *phone_path, const char *prefix)
{
  gsize n;

  if (prefix == NULL || strcmp (prefix, "/") == 0 || *prefix == '\0')
    return TRUE;
  n = strlen (prefix);
  while (n > 1 && prefix[n - 1] == '/')
    n--;
  return strncmp (phone_path, prefix, n) == 0 && (phone_path[n] == '\0' || phone_path[n] == '/');
}

static gboolean
io_error (GError **error, int errsv, const char *what, const char *name)
{
  if (errsv == ENOSPC || errsv == EDQUOT)
    g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL, _("The disk is full while writing %s"), name);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s %s: %s", what, name, g_strerror (errsv));
  return FALSE;
}

/* The safe name an entry is written under, unique in its folder. */
static const char *
name_for (Extract *x, LbEntry *e)
{
  const char *known = g_hash_table_lookup (x->written_as, &e->path_id);
  gboolean changed = FALSE;
  g_autofree char *safe = NULL;
  char *chosen = NULL;

  if (known != NULL)
    return known;
  safe = lb_safe_name (e->name, &changed);
  for (guint n = e->ordinal > 0 ? e->ordinal + 1 : 1;; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (safe) : lb_numbered_name (safe, n);
      /* Top-level entries of every storage share parent 0. */
      g_autofree char *key = g_strdup_printf ("%s\x1f%" G_GINT64_FORMAT "/%s", e->storage, e->parent_id, candidate);
      if (!g_hash_table_contains (x->taken, key))
        {
          g_hash_table_add (x->taken, g_steal_pointer (&key));
          chosen = g_steal_pointer (&candidate);
          changed = changed || n > 1;
          break;
        }
    }
  if (changed && x->renamed != NULL)
    x->renamed (e->phone_path, chosen, x->renamed_data);
  g_hash_table_insert (x->written_as, g_memdup2 (&e->path_id, sizeof (gint64)), chosen);
  return chosen;
}

static const char *
storage_name (Extract *x, const char *storage)
{
  char *safe = g_hash_table_lookup (x->storage_names, storage);

  if (safe == NULL)
    {
      g_autofree char *base = lb_safe_name (storage, NULL);
      safe = g_strdup (base);
      for (guint n = 2; g_hash_table_contains (x->storage_taken, safe); n++)
        {
          g_free (safe);
          safe = lb_numbered_name (base, n);
        }
      g_hash_table_add (x->storage_taken, g_strdup (safe));
      g_hash_table_insert (x->storage_names, g_strdup (storage), safe);
    }
  return safe;
}

/* Opens (creating as needed) one folder below a folder fd. */
static int
open_child_dir (int dirfd, const char *name, GError **error)
{
  int fd;

  if (mkdirat (dirfd, name, 0777) != 0 && errno != EEXIST)
    {
      io_error (error, errno, _("Cannot create folder"), name);
      return -1;
    }
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      struct stat st;

      if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                     _("%s in the target folder is a symbolic link, which extract does not write "
                       "through; extract into an empty folder"), name);
      else
        io_error (error, errsv, _("Cannot open folder"), name);
    }
  return fd;
}

/* Opens the folder an entry goes into: the storage folder, then each
 * ancestor, one openat() at a time. */
static int
open_parent (Extract *x, LbEntry *e, GError **error)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  int fd;

  for (gint64 p = e->parent_id; p != 0;)
    {
      LbEntry *pe = g_hash_table_lookup (x->entries, &p);
      if (pe == NULL)
        break;
      g_ptr_array_add (chain, pe);
      p = pe->parent_id;
    }
  fd = open_child_dir (x->root_fd, storage_name (x, e->storage), error);
  for (guint i = chain->len; fd >= 0 && i > 0; i--)
    {
      int next = open_child_dir (fd, name_for (x, chain->pdata[i - 1]), error);
      close (fd);
      fd = next;
    }
  return fd;
}

static void
report (Extract *x, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (x->progress_func == NULL || !lb_progress_due (&x->last_report, now, force))
    return;
  x->progress.eta_seconds = lb_eta_seconds (x->progress.bytes_done, x->progress.bytes_total, x->started, now);
  x->progress_func (&x->progress, x->renamed_data);
}

static gboolean
all_zero (const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] != 0)
      return FALSE;
  return TRUE;
}

static gboolean
write_file (Extract *x, LbEntry *e, int dirfd, const char *name, GCancellable *cancellable, GError **error)
{
  g_autofree char *blob = lb_library_blob_path (x->library, e->blob);
  int in = open (blob, O_RDONLY | O_CLOEXEC), out;
  guint64 total = 0;
  ssize_t n;
  struct timespec times[2];

  if (in < 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The stored copy of %s is missing from the library (%s); run “lifeboat-cli verify”"),
                   e->phone_path, blob);
      return FALSE;
    }
  /* Extracted files are the user's again, as any they copy: the umask
   * decides who else may read them. */
  out = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (out < 0)
    {
      int errsv = errno;
      close (in);
      if (errsv == EEXIST)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       _("%s already exists in the target folder; extract into an empty folder"), name);
          return FALSE;
        }
      return io_error (error, errsv, _("Cannot create"), name);
    }
  while ((n = read (in, x->buffer, COPY_CHUNK)) > 0)
    {
      /* Keep the holes the blob store made. */
      if (all_zero (x->buffer, n))
        {
          if (lseek (out, n, SEEK_CUR) < 0)
            break;
        }
      else if (write (out, x->buffer, n) != n)
        {
          n = -1;
          break;
        }
      total += n;
      x->progress.bytes_done += n;
      report (x, FALSE);
      if (g_cancellable_is_cancelled (cancellable))
        break;
    }
  if (n < 0 || ftruncate (out, (off_t) total) != 0)
    {
      int errsv = errno;
      close (in);
      close (out);
      unlinkat (dirfd, name, 0);
      return io_error (error, errsv, _("Cannot write"), name);
    }
  close (in);
  times[0].tv_sec = times[1].tv_sec = e->mtime;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  if (e->mtime != 0)
    futimens (out, times);
  if (close (out) != 0)
    return io_error (error, errno, _("Cannot write"), name);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      unlinkat (dirfd, name, 0);
      return FALSE;
    }
  return TRUE;
}

/* "..": the folder parent_id, or -1 when it is not the one this run
 * opened there. */
static int
open_parent_of (Extract *x, int dirfd, gint64 parent_id)
{
  DirId *want = g_hash_table_lookup (x->dir_ids, &parent_id);
  struct stat st;
  int fd;

  if (want == NULL)
    return -1;
  fd = openat (dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 && (fstat (fd, &st) != 0 || st.st_dev != want->dev || st.st_ino != want->ino))
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

static gboolean
selected (LbEntry *e, const char *const *phone_paths)
{
  for (guint i = 0; phone_paths && phone_paths[i]; i++)
    if (lb_phone_path_under (e->phone_path, phone_paths[i]))
      return TRUE;
  return phone_paths == NULL;
}

gboolean
lb_extract (LbLibrary *library, gint64 snapshot_id, const char *const *phone_paths, const char *dir,
            LbRenamedFunc renamed, LbExtractProgressFunc progress, gpointer user_data, guint64 *n_files,
            GCancellable *cancellable,
            GError **error)
{
  g_autoptr(GPtrArray) entries = lb_library_list_entries (library, snapshot_id, error);
  g_autoptr(GPtrArray) folders = g_ptr_array_new ();
  Extract x = { 0 };
  gboolean ok = TRUE;
  guint64 count = 0;
  gint64 cached_id = -1;
  int cached_fd = -1;

  if (entries == NULL)
    return FALSE;
  if (g_mkdir_with_parents (dir, 0777) != 0)
    return io_error (error, errno, _("Cannot create folder"), dir);
  x.root_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (x.root_fd < 0)
    return io_error (error, errno, _("Cannot open folder"), dir);
  x.library = library;
  x.root = dir;
  x.renamed = renamed;
  x.renamed_data = user_data;
  x.progress_func = progress;
  x.progress.eta_seconds = -1;
  x.entries = g_hash_table_new (g_int64_hash, g_int64_equal);
  x.written_as = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  x.taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  x.storage_taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  x.storage_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  x.dir_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  x.buffer = g_malloc (COPY_CHUNK);
  for (guint i = 0; i < entries->len; i++)
    {
      LbEntry *e = entries->pdata[i];
      g_hash_table_insert (x.entries, &e->path_id, e);
      if (!e->is_folder && e->blob != NULL && selected (e, phone_paths))
        {
          x.progress.files_total++;
          x.progress.bytes_total += e->size;
        }
    }
  x.started = g_get_monotonic_time ();
  report (&x, TRUE);

  /* Names are settled in listing order, so equal names number the same way
   * on every run. */
  for (guint i = 0; i < entries->len; i++)
    name_for (&x, entries->pdata[i]);

  /* The folder written last stays open: its children, and a chain of
   * folders deeper than PATH_MAX, then cost one openat() each. */
  for (guint i = 0; ok && i < entries->len; i++)
    {
      LbEntry *e = entries->pdata[i];
      int dirfd;

      if (!selected (e, phone_paths))
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      dirfd = e->parent_id != 0 && e->parent_id == cached_id ? dup (cached_fd) : open_parent (&x, e, error);
      if (dirfd < 0)
        {
          ok = FALSE;
          break;
        }
      if (e->is_folder)
        {
          int fd = open_child_dir (dirfd, name_for (&x, e), error);
          struct stat st;

          ok = fd >= 0;
          if (fd >= 0 && fstat (fd, &st) == 0)
            {
              DirId *id = g_new (DirId, 1);
              id->dev = st.st_dev;
              id->ino = st.st_ino;
              g_hash_table_insert (x.dir_ids, g_memdup2 (&e->path_id, sizeof (gint64)), id);
            }
          if (fd >= 0)
            {
              if (cached_fd >= 0)
                close (cached_fd);
              cached_fd = fd;
              cached_id = e->path_id;
            }
          g_ptr_array_add (folders, e);
        }
      else if (e->blob != NULL)
        {
          x.progress.current = e->phone_path;
          ok = write_file (&x, e, dirfd, name_for (&x, e), cancellable, error);
          count += ok;
          x.progress.files_done += ok;
          report (&x, FALSE);
        }
      close (dirfd);
    }
  if (cached_fd >= 0)
    close (cached_fd);
  x.progress.current = NULL;
  report (&x, TRUE);

  /* Folder dates last, deepest first: writing into a folder changes its
   * date.  Walking back up goes through "..", checked to be the folder
   * this run opened: one moved out of the target meanwhile would lead
   * outside it. */
  cached_fd = -1;
  cached_id = -1;
  for (guint i = folders->len; ok && i > 0; i--)
    {
      LbEntry *e = folders->pdata[i - 1];
      struct timespec times[2] = { { e->mtime, 0 }, { e->mtime, 0 } };

      if (e->parent_id == 0 || e->parent_id != cached_id)
        {
          int fd = -1;
          if (cached_fd >= 0 && e->path_id == cached_id)
            fd = open_parent_of (&x, cached_fd, e->parent_id);
          if (fd < 0)
            fd = open_parent (&x, e, NULL);
          if (cached_fd >= 0)
            close (cached_fd);
          cached_fd = fd;
          cached_id = e->parent_id;
          if (fd < 0)
            continue;
        }
      if (e->mtime != 0)
        utimensat (cached_fd, name_for (&x, e), times, AT_SYMLINK_NOFOLLOW);
    }
  if (cached_fd >= 0)
    close (cached_fd);

  close (x.root_fd);
  g_free (x.buffer);
  g_hash_table_unref (x.entries);
  g_hash_table_unref (x.written_as);
  g_hash_table_unref (x.taken);
  g_hash_table_unref (x.storage_taken);
  g_hash_table_unref (x.storage_names);
  g_hash_table_unref (x.dir_ids);
  if (n_files != NULL)
    *n_files = count;
  return ok;
}

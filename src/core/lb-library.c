/* The library: opening (folder, lock, catalog), the value types,
 * everything that reads the catalog, and the restore journal.  Writing a
 * snapshot is in lb-snapshot-writer.c, the blob store in lb-blob-store.c. */
#include "config.h"
#include "lb-library-private.h"
#include "lb-device-private.h"
#include "lb-error.h"
#include "lb-lock.h"
#include "lb-schema.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <glib/gi18n-lib.h>

G_DEFINE_TYPE (LbLibrary, lb_library, G_TYPE_OBJECT)

/* ---- value types ---------------------------------------------------------- */

static const char *const state_names[] = { "running", "complete", "interrupted" };

const char *
lb_snapshot_state_to_string (LbSnapshotState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

static LbSnapshotState
state_from_string (const char *s)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (s, state_names[i]) == 0)
      return i;
  /* The schema's CHECK constraint makes this unreachable. */
  return LB_SNAPSHOT_INTERRUPTED;
}

LbSnapshot *
lb_snapshot_copy (const LbSnapshot *snapshot)
{
  LbSnapshot *copy = g_memdup2 (snapshot, sizeof *snapshot);

  copy->serial = g_strdup (snapshot->serial);
  copy->manufacturer = g_strdup (snapshot->manufacturer);
  copy->model = g_strdup (snapshot->model);
  copy->firmware = g_strdup (snapshot->firmware);
  copy->friendly_name = g_strdup (snapshot->friendly_name);
  return copy;
}

void
lb_snapshot_free (LbSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_free (snapshot->serial);
  g_free (snapshot->manufacturer);
  g_free (snapshot->model);
  g_free (snapshot->firmware);
  g_free (snapshot->friendly_name);
  g_free (snapshot);
}

void
lb_entry_free (LbEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->storage);
  g_free (entry->name);
  g_free (entry->blob);
  g_free (entry->phone_path);
  g_free (entry);
}

void
lb_snapshot_list_free (LbSnapshotList *list)
{
  if (list == NULL)
    return;
  g_free (list->storage);
  g_free (list->name);
  g_free (list->artist);
  g_clear_pointer (&list->members, g_array_unref);
  g_free (list);
}

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
  /* WAL lets readers read while a writer writes; NORMAL syncs at
   * checkpoints only, and the final commit of a snapshot asks for FULL. */
  return lb_db_exec (self->db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
                               "PRAGMA synchronous = NORMAL", error) &&
         lb_schema_migrate (self->db, error);
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
  if (!lb_device_check_thread (NULL, G_STRFUNC, error))
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
  if (!open_catalog (self, initialize, error))
    return NULL;

  if (mode == LB_LIBRARY_WRITE)
    {
      /* We hold the writer lock, so whoever was writing these is gone. */
      LbStmt *stmt = lb_db_prepare (self->db, "UPDATE snapshots SET state = 'interrupted' "
                                              "WHERE state = 'running'", error);
      if (stmt == NULL || !lb_db_run (self->db, stmt, error))
        return NULL;
      empty_tmp (self);
    }
  return g_steal_pointer (&self);
}

/* ---- reading -------------------------------------------------------------- */

#define SNAPSHOT_COLUMNS \
  "SELECT s.id, s.device_id, s.seq, d.serial, d.vendor_id, d.product_id, d.manufacturer, " \
  "  d.model, s.firmware, s.friendly_name, s.started, s.finished, s.state, s.files, " \
  "  s.folders, s.bytes, s.transferred_bytes, s.new_bytes, s.skipped " \
  "FROM snapshots s JOIN devices d ON d.id = s.device_id "

static LbSnapshot *
snapshot_from_row (LbStmt *stmt)
{
  LbSnapshot *s = g_new0 (LbSnapshot, 1);

  s->id = sqlite3_column_int64 (stmt, 0);
  s->device_id = sqlite3_column_int64 (stmt, 1);
  s->seq = sqlite3_column_int64 (stmt, 2);
  s->serial = g_strdup (lb_db_column_text (stmt, 3));
  s->vendor_id = sqlite3_column_int (stmt, 4);
  s->product_id = sqlite3_column_int (stmt, 5);
  s->manufacturer = g_strdup (lb_db_column_text (stmt, 6));
  s->model = g_strdup (lb_db_column_text (stmt, 7));
  s->firmware = g_strdup (lb_db_column_text (stmt, 8));
  s->friendly_name = g_strdup (lb_db_column_text (stmt, 9));
  s->started = sqlite3_column_int64 (stmt, 10);
  s->finished = sqlite3_column_int64 (stmt, 11);
  s->state = state_from_string (lb_db_column_text (stmt, 12));
  s->files = sqlite3_column_int64 (stmt, 13);
  s->folders = sqlite3_column_int64 (stmt, 14);
  s->bytes = sqlite3_column_int64 (stmt, 15);
  s->transferred_bytes = sqlite3_column_int64 (stmt, 16);
  s->new_bytes = sqlite3_column_int64 (stmt, 17);
  s->skipped = sqlite3_column_int64 (stmt, 18);
  return s;
}

GPtrArray *
lb_library_list_snapshots (LbLibrary *self, const char *serial, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free);
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  /* Newest first by id: the wall clock may have jumped between snapshots. */
  stmt = lb_db_prepare (self->db, SNAPSHOT_COLUMNS "WHERE ?1 IS NULL OR d.serial = ?1 "
                                  "ORDER BY s.id DESC", error);
  if (stmt == NULL)
    return NULL;
  lb_db_bind_text (stmt, 1, serial);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (list, snapshot_from_row (stmt));
  return rc == SQLITE_DONE ? g_steal_pointer (&list) : NULL;
}

LbSnapshot *
lb_library_get_snapshot (LbLibrary *self, gint64 id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  stmt = lb_db_prepare (self->db, SNAPSHOT_COLUMNS "WHERE s.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = lb_db_step (self->db, stmt, error);
  if (rc == SQLITE_ROW)
    return snapshot_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("There is no snapshot %" PRId64 " in the library"), id);
  return NULL;
}

/* The device and seq of a snapshot, LB_ERROR_NOT_FOUND when there is none. */
static gboolean
snapshot_key (LbLibrary *self, gint64 id, gint64 *device_id, gint64 *seq, GError **error)
{
  g_autoptr(LbSnapshot) s = lb_library_get_snapshot (self, id, error);

  if (s == NULL)
    return FALSE;
  *device_id = s->device_id;
  *seq = s->seq;
  return TRUE;
}

/* Every path of the device with its phone path, joined to the versions live
 * at the seq.  Sorting by phone path puts parents before their children: a
 * parent's phone path is a prefix of theirs. */
static const char entries_sql[] =
  "WITH RECURSIVE tree (id, phone_path) AS ("
  "  SELECT id, '/' || storage || '/' || name FROM paths"
  "    WHERE device_id = ?1 AND parent_id IS NULL"
  "  UNION ALL"
  "  SELECT p.id, t.phone_path || '/' || p.name FROM paths p JOIN tree t ON p.parent_id = t.id)"
  "SELECT p.id, ifnull(p.parent_id, 0), p.storage, p.name, p.ordinal, p.is_folder,"
  "  v.filetype, v.size, v.mtime, b.sha256, t.phone_path "
  "FROM tree t JOIN paths p ON p.id = t.id JOIN versions v ON v.path_id = p.id "
  "  LEFT JOIN blobs b ON b.id = v.blob_id "
  "WHERE v.first_seq <= ?2 AND v.last_seq >= ?2 "
  "ORDER BY p.storage, t.phone_path, p.ordinal, p.is_folder DESC, p.id";

GPtrArray *
lb_library_list_entries (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_entry_free);
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (!snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, entries_sql, error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      LbEntry *e = g_new0 (LbEntry, 1);

      e->path_id = sqlite3_column_int64 (stmt, 0);
      e->parent_id = sqlite3_column_int64 (stmt, 1);
      e->storage = g_strdup (lb_db_column_text (stmt, 2));
      e->name = g_strdup (lb_db_column_text (stmt, 3));
      e->ordinal = sqlite3_column_int (stmt, 4);
      e->is_folder = sqlite3_column_int (stmt, 5) != 0;
      e->filetype = sqlite3_column_int64 (stmt, 6);
      e->size = sqlite3_column_int64 (stmt, 7);
      e->mtime = sqlite3_column_int64 (stmt, 8);
      if (sqlite3_column_type (stmt, 9) != SQLITE_NULL)
        e->blob = g_strdup (lb_db_column_text (stmt, 9));
      e->phone_path = g_strdup (lb_db_column_text (stmt, 10));
      g_ptr_array_add (list, e);
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&list) : NULL;
}

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
  LbStmt *stmt = lb_db_prepare (self->db, "SELECT id FROM blobs WHERE sha256 = ?", error);
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

static const char *const kind_names[] = { "playlist", "album" };

GPtrArray *
lb_library_list_media_lists (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_list_free);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (!snapshot_key (self, snapshot_id, &device_id, &seq, error))
    return NULL;
  {
    g_autoptr(LbStmt) stmt = lb_db_prepare (self->db, "SELECT id, kind, storage, name, artist "
                                                      "FROM lists WHERE snapshot_id = ? ORDER BY id",
                                            error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, snapshot_id);
    while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
      {
        LbSnapshotList *l = g_new0 (LbSnapshotList, 1);
        gint64 id = sqlite3_column_int64 (stmt, 0);

        l->kind = g_strcmp0 (lb_db_column_text (stmt, 1), kind_names[LB_LIST_ALBUM]) == 0
                    ? LB_LIST_ALBUM : LB_LIST_PLAYLIST;
        l->storage = g_strdup (lb_db_column_text (stmt, 2));
        l->name = g_strdup (lb_db_column_text (stmt, 3));
        l->artist = g_strdup (lb_db_column_text (stmt, 4));
        l->members = g_array_new (FALSE, FALSE, sizeof (gint64));
        g_ptr_array_add (lists, l);
        g_array_append_val (ids, id);
      }
    if (rc != SQLITE_DONE)
      return NULL;
  }
  for (guint i = 0; i < lists->len; i++)
    {
      g_autoptr(LbStmt) stmt = lb_db_prepare (self->db, "SELECT path_id FROM list_members "
                                                        "WHERE list_id = ? ORDER BY position",
                                              error);
      LbSnapshotList *l = lists->pdata[i];

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, g_array_index (ids, gint64, i));
      while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
        {
          gint64 path_id = sqlite3_column_int64 (stmt, 0);
          g_array_append_val (l->members, path_id);
        }
      if (rc != SQLITE_DONE)
        return NULL;
    }
  return g_steal_pointer (&lists);
}

GPtrArray *
lb_library_list_skipped (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (!snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, "SELECT name, reason FROM skipped WHERE snapshot_id = ? "
                                       "ORDER BY rowid", error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, snapshot_id);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (list, g_strdup_printf ("%s: %s", lb_db_column_text (stmt, 0),
                                            lb_db_column_text (stmt, 1)));
  return rc == SQLITE_DONE ? g_steal_pointer (&list) : NULL;
}

GPtrArray *
lb_library_list_storages (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_storage_info_free);
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  /* Rows are never updated or moved: rowid is the order of add_storage(),
   * which is the phone's. */
  if (!snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, "SELECT storage_id, description, volume, kind, capacity, "
                                       "free, max_file_size FROM storages WHERE snapshot_id = ? "
                                       "ORDER BY rowid", error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, snapshot_id);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      LbStorageInfo *s = g_new0 (LbStorageInfo, 1);

      s->id = (guint32) sqlite3_column_int64 (stmt, 0);
      s->description = g_strdup (lb_db_column_text (stmt, 1));
      s->volume = g_strdup (lb_db_column_text (stmt, 2));
      s->kind = g_strcmp0 (lb_db_column_text (stmt, 3), "removable") == 0 ? LB_STORAGE_REMOVABLE
                                                                           : LB_STORAGE_FIXED;
      s->capacity = sqlite3_column_int64 (stmt, 4);
      s->free = sqlite3_column_int64 (stmt, 5);
      s->max_file_size = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (list, s);
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&list) : NULL;
}

char *
lb_library_phone_path (LbLibrary *self, gint64 path_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  stmt = lb_db_prepare (self->db,
                        "WITH RECURSIVE up (parent_id, path, storage) AS ("
                        "  SELECT parent_id, name, storage FROM paths WHERE id = ?1"
                        "  UNION ALL"
                        "  SELECT p.parent_id, p.name || '/' || up.path, up.storage"
                        "    FROM paths p JOIN up ON p.id = up.parent_id)"
                        "SELECT '/' || storage || '/' || path FROM up WHERE parent_id IS NULL",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, path_id);
  rc = lb_db_step (self->db, stmt, error);
  if (rc == SQLITE_ROW)
    return g_strdup (lb_db_column_text (stmt, 0));
  if (rc == SQLITE_DONE)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("There is no path %" PRId64 " in the library"), path_id);
  return NULL;
}

/* ---- devices and the restore journal ---------------------------------------- */

/* A device is all four of serial, vendor and product id and model (cheap
 * phones share fake serials); the manufacturer is kept up to date.  A new
 * snapshot takes the next seq; the journal only needs the row. */
static const char device_upsert_seq_sql[] =
  "INSERT INTO devices (serial, vendor_id, product_id, model, manufacturer, last_seq) "
  "VALUES (?1, ?2, ?3, ?4, ?5, 1) "
  "ON CONFLICT (serial, vendor_id, product_id, model) "
  "DO UPDATE SET manufacturer = excluded.manufacturer, last_seq = last_seq + 1 "
  "RETURNING id, last_seq";
static const char device_upsert_sql[] =
  "INSERT INTO devices (serial, vendor_id, product_id, model, manufacturer) "
  "VALUES (?1, ?2, ?3, ?4, ?5) "
  "ON CONFLICT (serial, vendor_id, product_id, model) "
  "DO UPDATE SET manufacturer = excluded.manufacturer "
  "RETURNING id, last_seq";
static const char device_find_sql[] =
  "SELECT id FROM devices WHERE serial = ?1 AND vendor_id = ?2 AND product_id = ?3 AND model = ?4";

static const char journal_upsert_sql[] =
  "INSERT INTO restore_journal (device_id, storage, path, size, phone_mtime, blob_id, sent_at) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
  "ON CONFLICT (device_id, storage, path) DO UPDATE SET size = excluded.size, "
  "phone_mtime = excluded.phone_mtime, blob_id = excluded.blob_id, sent_at = excluded.sent_at";
static const char journal_find_sql[] =
  "SELECT b.sha256 FROM restore_journal j JOIN blobs b ON b.id = j.blob_id "
  "WHERE j.device_id = ?1 AND j.storage = ?2 AND j.path = ?3 AND j.size = ?4 "
  "AND j.phone_mtime = ?5";

/* Identity comes from the phone: a missing string is an empty one.  The
 * statements above number their parameters alike: the key, then the
 * manufacturer when they write it. */
static void
bind_device (LbStmt *stmt, const LbDeviceInfo *device)
{
  lb_db_bind_text (stmt, 1, device->serial ? device->serial : "");
  sqlite3_bind_int (stmt, 2, device->vendor_id);
  sqlite3_bind_int (stmt, 3, device->product_id);
  lb_db_bind_text (stmt, 4, device->model ? device->model : "");
  if (sqlite3_bind_parameter_count (stmt) >= 5)
    lb_db_bind_text (stmt, 5, device->manufacturer ? device->manufacturer : "");
}

gboolean
lb_library_upsert_device (LbLibrary *self, const LbDeviceInfo *device, gboolean new_seq,
                          gint64 *device_id, gint64 *seq, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  stmt = lb_db_prepare (self->db, new_seq ? device_upsert_seq_sql : device_upsert_sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_device (stmt, device);
  rc = lb_db_step (self->db, stmt, error);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("The library's catalog did not record the device"));
      return FALSE;
    }
  *device_id = sqlite3_column_int64 (stmt, 0);
  if (seq != NULL)
    *seq = sqlite3_column_int64 (stmt, 1);
  return lb_db_run (self->db, stmt, error);
}

/* The devices row of this device without creating it; 0 when the library
 * has never seen it (error set only on failure). */
static gint64
find_device (LbLibrary *self, const LbDeviceInfo *device, GError **error)
{
  LbStmt *stmt = lb_db_prepare (self->db, device_find_sql, error);
  gint64 id = 0;

  if (stmt == NULL)
    return 0;
  bind_device (stmt, device);
  lb_db_query_int (self->db, stmt, &id, NULL, error);
  return id;
}

static gboolean
journal_insert (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                const char *path, guint64 size, gint64 phone_mtime, const char *blob,
                GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  gint64 blob_id, device_id;

  if (!lb_library_require_blob (self, blob, &blob_id, error))
    return FALSE;
  if (!lb_library_upsert_device (self, target, FALSE, &device_id, NULL, error) ||
      (stmt = lb_db_prepare (self->db, journal_upsert_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, device_id);
  lb_db_bind_text (stmt, 2, storage);
  lb_db_bind_text (stmt, 3, path);
  sqlite3_bind_int64 (stmt, 4, size);
  sqlite3_bind_int64 (stmt, 5, phone_mtime);
  sqlite3_bind_int64 (stmt, 6, blob_id);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time () / G_USEC_PER_SEC);
  return lb_db_run (self->db, stmt, error);
}

gboolean
lb_library_journal_record (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                           const char *path, guint64 size, gint64 phone_mtime,
                           const char *blob, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (lb_library_owned (self), FALSE);
  g_return_val_if_fail (target != NULL && storage != NULL && path != NULL, FALSE);
  g_return_val_if_fail (blob != NULL, FALSE);

  /* A reader's connection could write (SQLite does not know our lock), and
   * would then write beside the one writer: refuse, as an error the
   * restore can report rather than a critical it cannot. */
  if (self->mode != LB_LIBRARY_WRITE)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
                   _("The restore journal of the library at %s cannot be recorded: the library "
                     "was opened for reading only"), self->path);
      return FALSE;
    }
  /* Refused rather than nested in a SAVEPOINT: inside a snapshot writer's
   * transaction the row would hold only from the writer's next checkpoint,
   * and go with its rollback, while a caller of this trusts it at once. */
  if (self->writer != NULL || lb_db_in_transaction (self->db))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
                   _("The restore journal cannot be recorded while a snapshot of the library at "
                     "%s is being written; finish the snapshot first"), self->path);
      return FALSE;
    }

  /* One commit per file, at the library's usual sync level: in WAL mode
   * that survives a crash or kill -9 of this process at any moment.  A
   * power cut may lose the last few rows; the rerun then finds those files
   * on the phone and, unable to prove they are ours, sends ours beside
   * them.  A synced commit per file cost ~10 ms each, doubling a restore. */
  ok = lb_db_begin (self->db, error) &&
       journal_insert (self, target, storage, path, size, phone_mtime, blob, error) &&
       lb_db_commit (self->db, error);
  if (!ok)
    lb_db_rollback (self->db);
  return ok;
}

char *
lb_library_journal_find (LbLibrary *self, gint64 device_id, const char *storage,
                         const char *path, guint64 size, gint64 phone_mtime)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  /* Without a date, "same size" is no evidence of the same content. */
  if (phone_mtime == 0)
    return NULL;
  stmt = lb_db_prepare (self->db, journal_find_sql, &error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, device_id);
      lb_db_bind_text (stmt, 2, storage);
      lb_db_bind_text (stmt, 3, path);
      sqlite3_bind_int64 (stmt, 4, size);
      sqlite3_bind_int64 (stmt, 5, phone_mtime);
      switch (lb_db_step (self->db, stmt, &error))
        {
        case SQLITE_ROW:
          return g_strdup (lb_db_column_text (stmt, 0));
        case SQLITE_DONE:
          return NULL;
        default:
          break;
        }
    }
  g_debug ("library: no restore journal for %s/%s: %s", storage, path, error->message);
  return NULL;
}

char *
lb_library_journal_lookup (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                           const char *path, guint64 size, gint64 phone_mtime)
{
  g_autoptr(GError) error = NULL;
  gint64 device_id;

  g_return_val_if_fail (lb_library_owned (self), NULL);
  g_return_val_if_fail (target != NULL && storage != NULL && path != NULL, NULL);

  if (phone_mtime == 0)
    return NULL;
  device_id = find_device (self, target, &error);
  if (error != NULL)
    g_debug ("library: no restore journal for %s/%s: %s", storage, path, error->message);
  if (device_id == 0)
    return NULL;
  return lb_library_journal_find (self, device_id, storage, path, size, phone_mtime);
}

/* ---- checking ------------------------------------------------------------- */

/* Consistency rules SQLite cannot state: each query lists what breaks one,
 * as the problem's text. */
static const char *const consistency_checks[] = {
  "SELECT 'version ' || id || ' of path ' || path_id || ' ends before it starts'"
  "  FROM versions WHERE first_seq > last_seq",
  "SELECT 'path ' || a.path_id || ' has two versions (' || a.id || ', ' || b.id || ')"
  " in one snapshot' FROM versions a JOIN versions b ON b.path_id = a.path_id AND b.id > a.id"
  "  WHERE a.first_seq <= b.last_seq AND b.first_seq <= a.last_seq",
  "SELECT 'version ' || v.id || ' of path ' || v.path_id || ' runs past its device''s newest"
  " snapshot' FROM versions v JOIN paths p ON p.id = v.path_id JOIN devices d ON d.id = p.device_id"
  "  WHERE v.last_seq > d.last_seq",
  "SELECT 'snapshot ' || s.id || ' has a seq its device never handed out'"
  "  FROM snapshots s JOIN devices d ON d.id = s.device_id WHERE s.seq > d.last_seq",
  "SELECT 'path ' || c.id || ' is in another device or storage than its parent ' || p.id"
  "  FROM paths c JOIN paths p ON p.id = c.parent_id"
  "  WHERE p.device_id != c.device_id OR p.storage != c.storage",
  "SELECT 'version ' || v.id || ' of path ' || v.path_id || ' is ' || v.size || ' bytes but its"
  " blob ' || b.sha256 || ' is ' || b.size FROM versions v JOIN blobs b ON b.id = v.blob_id"
  "  WHERE v.size != b.size",
};

static gboolean
collect_problems (LbLibrary *self, const char *sql, GPtrArray *problems, GError **error)
{
  g_autoptr(LbStmt) stmt = lb_db_prepare (self->db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      /* PRAGMA foreign_key_check: table, rowid, parent table, fk index. */
      if (sqlite3_column_count (stmt) == 4)
        g_ptr_array_add (problems, g_strdup_printf ("%s row %lld refers to a missing row of %s",
                                                    lb_db_column_text (stmt, 0),
                                                    sqlite3_column_int64 (stmt, 1),
                                                    lb_db_column_text (stmt, 2)));
      else if (g_strcmp0 (lb_db_column_text (stmt, 0), "ok") != 0)
        g_ptr_array_add (problems, g_strdup (lb_db_column_text (stmt, 0)));
    }
  return rc == SQLITE_DONE;
}

gboolean
lb_library_check_catalog (LbLibrary *self, GPtrArray **problems, GError **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (lb_library_owned (self), FALSE);
  g_return_val_if_fail (problems != NULL, FALSE);

  if (!collect_problems (self, "PRAGMA integrity_check", found, error) ||
      !collect_problems (self, "PRAGMA foreign_key_check", found, error))
    return FALSE;
  /* Rules on top of a catalog that SQLite already found broken would only
   * add noise. */
  if (found->len == 0)
    for (guint i = 0; i < G_N_ELEMENTS (consistency_checks); i++)
      if (!collect_problems (self, consistency_checks[i], found, error))
        return FALSE;
  *problems = g_steal_pointer (&found);
  return TRUE;
}

GPtrArray *
lb_library_list_blobs (LbLibrary *self, gint64 snapshot_id, GArray **sizes, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) list_sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  gint64 device_id = 0, seq = 0;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (snapshot_id == 0)
    stmt = lb_db_prepare (self->db, "SELECT b.sha256, b.size FROM blobs b WHERE EXISTS "
                                    "(SELECT 1 FROM versions v WHERE v.blob_id = b.id) "
                                    "ORDER BY b.sha256", error);
  else if (snapshot_key (self, snapshot_id, &device_id, &seq, error))
    stmt = lb_db_prepare (self->db, "SELECT DISTINCT b.sha256, b.size FROM paths p "
                                    "JOIN versions v ON v.path_id = p.id "
                                    "JOIN blobs b ON b.id = v.blob_id "
                                    "WHERE p.device_id = ?1 AND v.first_seq <= ?2 "
                                    "AND v.last_seq >= ?2 ORDER BY b.sha256", error);
  if (stmt == NULL)
    return NULL;
  if (snapshot_id != 0)
    {
      sqlite3_bind_int64 (stmt, 1, device_id);
      sqlite3_bind_int64 (stmt, 2, seq);
    }
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      guint64 size = sqlite3_column_int64 (stmt, 1);

      g_ptr_array_add (list, g_strdup (lb_db_column_text (stmt, 0)));
      g_array_append_val (list_sizes, size);
    }
  if (rc != SQLITE_DONE)
    return NULL;
  if (sizes != NULL)
    *sizes = g_steal_pointer (&list_sizes);
  return g_steal_pointer (&list);
}

static int
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

gboolean
lb_library_blob_users (LbLibrary *self, const char *sha256, GArray **snapshot_ids,
                       GPtrArray **phone_paths, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GHashTable) snapshots = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) paths = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);

  stmt = lb_db_prepare (self->db,
                        "SELECT DISTINCT s.id, v.path_id FROM blobs b "
                        "JOIN versions v ON v.blob_id = b.id JOIN paths p ON p.id = v.path_id "
                        "JOIN snapshots s ON s.device_id = p.device_id "
                        "  AND s.seq BETWEEN v.first_seq AND v.last_seq "
                        "WHERE b.sha256 = ?", error);
  if (stmt == NULL)
    return FALSE;
  lb_db_bind_text (stmt, 1, sha256);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      g_hash_table_add (snapshots, g_memdup2 (&(gint64) { sqlite3_column_int64 (stmt, 0) }, sizeof (gint64)));
      g_hash_table_add (paths, g_memdup2 (&(gint64) { sqlite3_column_int64 (stmt, 1) }, sizeof (gint64)));
    }
  if (rc != SQLITE_DONE)
    return FALSE;
  lb_stmt_release (stmt);

  g_hash_table_iter_init (&iter, snapshots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (ids, *(gint64 *) key);
  g_array_sort (ids, compare_int64);
  g_hash_table_iter_init (&iter, paths);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      char *path = lb_library_phone_path (self, *(gint64 *) key, error);
      if (path == NULL)
        return FALSE;
      g_ptr_array_add (names, path);
    }
  g_ptr_array_sort (names, compare_strings);
  /* Equal names in one folder are different paths with one phone path. */
  for (guint i = 1; i < names->len;)
    if (strcmp (names->pdata[i - 1], names->pdata[i]) == 0)
      g_ptr_array_remove_index (names, i);
    else
      i++;

  if (snapshot_ids != NULL)
    *snapshot_ids = g_steal_pointer (&ids);
  if (phone_paths != NULL)
    *phone_paths = g_steal_pointer (&names);
  return TRUE;
}

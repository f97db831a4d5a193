/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing a snapshot: one transaction from checkpoint to checkpoint, so an
 * interruption keeps what was committed, and one durable commit at the end
 * that marks it complete. */
#include "config.h"
#include "lb-library-private.h"
#include "lb-error.h"
#include "lb-clock.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <glib/gi18n-lib.h>

struct _LbSnapshotWriter {
  LbLibrary *library;     /* a ref */
  gint64 id;
  gint64 device_id;
  gint64 seq;
  GHashTable *ordinals;   /* (parent, kind, storage, name) key -> next ordinal */
  /* For the restore journal, which knows files by path string: folder path
   * id -> its names below the storage joined by "/" ("DCIM/Camera"). */
  GHashTable *folder_paths;
  int has_journal;        /* whether the journal has rows for this device; -1 unknown */
  guint64 files, folders, bytes, transferred_bytes, new_bytes;
  guint64 skipped;        /* skip() calls and files recorded without content */
};

/* ---- SQL, by table ---------------------------------------------------------- */

static const char snapshot_insert_sql[] =
  "INSERT INTO snapshots (device_id, seq, started, firmware, friendly_name, automatic) "
  "VALUES (?, ?, ?, ?, ?, ?)";
static const char snapshot_counters_sql[] =
  "UPDATE snapshots SET files = ?2, folders = ?3, bytes = ?4, transferred_bytes = ?5, "
  "new_bytes = ?6, skipped = ?7 WHERE id = ?1";
static const char snapshot_end_sql[] =
  "UPDATE snapshots SET state = ?2, finished = ?3 WHERE id = ?1";
static const char snapshot_interrupt_sql[] =
  "UPDATE snapshots SET state = 'interrupted', finished = ?2 WHERE id = ?1 AND state = 'running'";

static const char storage_insert_sql[] =
  "INSERT INTO storages (snapshot_id, storage_id, description, volume, kind, capacity, free, "
  "max_file_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

/* The expression must be paths_key's, or the index is not used. */
static const char path_find_sql[] =
  "SELECT id FROM paths WHERE device_id = ?1 AND storage = ?2 AND ifnull(parent_id, 0) = ?3 "
  "AND name = ?4 AND ordinal = ?5 AND is_folder = ?6";
static const char path_insert_sql[] =
  "INSERT INTO paths (device_id, storage, parent_id, name, ordinal, is_folder) "
  "VALUES (?1, ?2, nullif(?3, 0), ?4, ?5, ?6)";

static const char version_latest_sql[] =
  "SELECT p.device_id, p.is_folder, v.id, v.first_seq, v.last_seq, v.filetype, v.size, "
  "  v.mtime, ifnull(v.blob_id, 0) "
  "FROM paths p LEFT JOIN versions v ON v.path_id = p.id WHERE p.id = ?1 "
  "ORDER BY v.first_seq DESC LIMIT 1";
static const char version_extend_sql[] =
  "UPDATE versions SET last_seq = ?2 WHERE id = ?1";
static const char version_delete_sql[] =
  "DELETE FROM versions WHERE id = ?1";
static const char version_insert_sql[] =
  "INSERT INTO versions (path_id, first_seq, last_seq, filetype, size, mtime, blob_id) "
  "VALUES (?1, ?2, ?2, ?3, ?4, ?5, nullif(?6, 0))";
/* Path ids belong to one device: another's is never evidence for ours. */
static const char version_reusable_sql[] =
  "SELECT b.sha256 FROM versions v JOIN blobs b ON b.id = v.blob_id "
  "JOIN paths p ON p.id = v.path_id "
  "WHERE v.path_id = ?1 AND v.size = ?2 AND v.mtime = ?3 AND p.device_id = ?4 "
  "ORDER BY v.first_seq DESC LIMIT 1";

static const char path_row_sql[] =
  "SELECT device_id, storage, ifnull(parent_id, 0), name FROM paths WHERE id = ?1";
static const char journal_any_sql[] =
  "SELECT EXISTS (SELECT 1 FROM restore_journal WHERE device_id = ?1)";

static const char list_insert_sql[] =
  "INSERT INTO lists (snapshot_id, kind, storage, name, artist) VALUES (?, ?, ?, ?, ?)";
static const char list_member_insert_sql[] =
  "INSERT INTO list_members (list_id, position, path_id) VALUES (?, ?, ?)";

static const char skipped_insert_sql[] =
  "INSERT INTO skipped (snapshot_id, name, reason) VALUES (?, ?, ?)";

/* ---- helpers ---------------------------------------------------------------- */

static LbDb *
writer_db (LbSnapshotWriter *w)
{
  return w->library->db;
}

/* Every write goes into the open transaction.  After a failed commit
 * SQLite may have rolled back; the next write then opens a new one. */
static gboolean
writer_ready (LbSnapshotWriter *w, GError **error)
{
  return lb_db_in_transaction (writer_db (w)) || lb_db_begin (writer_db (w), error);
}

/* Runs a prepared statement whose parameters the caller bound. */
#define RUN_OR_FAIL(w, stmt, error) \
  G_STMT_START { if (!lb_db_run (writer_db (w), (stmt), (error))) return FALSE; } G_STMT_END

static gboolean
write_counters (LbSnapshotWriter *w, GError **error)
{
  g_autoptr(LbStmt) stmt = lb_db_prepare (writer_db (w), snapshot_counters_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, w->id);
  sqlite3_bind_int64 (stmt, 2, w->files);
  sqlite3_bind_int64 (stmt, 3, w->folders);
  sqlite3_bind_int64 (stmt, 4, w->bytes);
  sqlite3_bind_int64 (stmt, 5, w->transferred_bytes);
  sqlite3_bind_int64 (stmt, 6, w->new_bytes);
  sqlite3_bind_int64 (stmt, 7, w->skipped);
  RUN_OR_FAIL (w, stmt, error);
  return TRUE;
}

/* The schedules' clock (lb-clock.h): snapshot times are what automatic
 * backups and retention count from. */
static gint64
now (void)
{
  return lb_clock_now ();
}

static void
writer_dispose (LbSnapshotWriter *w)
{
  w->library->writer = NULL;
  g_object_unref (w->library);
  g_hash_table_destroy (w->ordinals);
  g_hash_table_destroy (w->folder_paths);
  g_free (w);
}

/* ---- beginning -------------------------------------------------------------- */

static gboolean
insert_snapshot (LbSnapshotWriter *w, const LbDeviceInfo *device, gboolean automatic, GError **error)
{
  LbDb *db = writer_db (w);
  g_autoptr(LbStmt) insert = NULL;

  if (!lb_library_upsert_device (w->library, device, TRUE, &w->device_id, &w->seq, error) ||
      (insert = lb_db_prepare (db, snapshot_insert_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, w->device_id);
  sqlite3_bind_int64 (insert, 2, w->seq);
  sqlite3_bind_int64 (insert, 3, now ());
  lb_db_bind_text (insert, 4, device->firmware ? device->firmware : "");
  lb_db_bind_text (insert, 5, device->friendly_name ? device->friendly_name : "");
  sqlite3_bind_int (insert, 6, automatic ? 1 : 0);
  RUN_OR_FAIL (w, insert, error);
  w->id = sqlite3_last_insert_rowid (lb_db_handle (db));
  return TRUE;
}

LbSnapshotWriter *
lb_library_begin_snapshot (LbLibrary *self, const LbDeviceInfo *device, GError **error)
{
  return lb_library_begin_snapshot_full (self, device, FALSE, error);
}

LbSnapshotWriter *
lb_library_begin_snapshot_full (LbLibrary *self, const LbDeviceInfo *device, gboolean automatic, GError **error)
{
  LbSnapshotWriter *w;

  g_return_val_if_fail (lb_library_owned (self), NULL);
  g_return_val_if_fail (device != NULL, NULL);
  g_return_val_if_fail (self->mode == LB_LIBRARY_WRITE, NULL);
  g_return_val_if_fail (self->writer == NULL, NULL);

  w = g_new0 (LbSnapshotWriter, 1);
  w->library = g_object_ref (self);
  w->ordinals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->folder_paths = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  w->has_journal = -1;
  self->writer = w;

  /* The `running` row is committed at once: a reader sees the backup
   * going on, and the seq is taken even if nothing else gets committed. */
  if (!lb_db_begin (self->db, error) || !insert_snapshot (w, device, automatic, error) ||
      !lb_db_commit (self->db, error) || !lb_db_begin (self->db, error))
    {
      lb_db_rollback (self->db);
      writer_dispose (w);
      return NULL;
    }
  return w;
}

gint64
lb_snapshot_writer_get_id (LbSnapshotWriter *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return w->id;
}

/* ---- what the snapshot holds -------------------------------------------------- */

gboolean
lb_snapshot_writer_add_storage (LbSnapshotWriter *w, const LbStorageInfo *storage, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);
  g_return_val_if_fail (storage != NULL, FALSE);

  if (!writer_ready (w, error) ||
      (stmt = lb_db_prepare (writer_db (w), storage_insert_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, w->id);
  sqlite3_bind_int64 (stmt, 2, storage->id);
  lb_db_bind_text (stmt, 3, storage->description ? storage->description : "");
  lb_db_bind_text (stmt, 4, storage->volume ? storage->volume : "");
  lb_db_bind_text (stmt, 5, storage->kind == LB_STORAGE_REMOVABLE ? "removable" : "fixed");
  sqlite3_bind_int64 (stmt, 6, storage->capacity);
  sqlite3_bind_int64 (stmt, 7, storage->free);
  sqlite3_bind_int64 (stmt, 8, storage->max_file_size);
  RUN_OR_FAIL (w, stmt, error);
  return TRUE;
}

/* Takes the next ordinal among equal names in one folder.  The key is
 * unambiguous whatever the names hold: the storage comes with its length. */
static guint
next_ordinal (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name,
              gboolean is_folder)
{
  char *key = g_strdup_printf ("%" G_GINT64_FORMAT "/%d/%" G_GSIZE_FORMAT ":%s/%s", parent,
                               is_folder ? 1 : 0, strlen (storage), storage, name);
  gpointer value = NULL;
  guint ordinal = 0;

  if (g_hash_table_lookup_extended (w->ordinals, key, NULL, &value))
    ordinal = GPOINTER_TO_UINT (value);
  g_hash_table_insert (w->ordinals, key, GUINT_TO_POINTER (ordinal + 1));
  return ordinal;
}

static void
bind_path_key (LbStmt *stmt, LbSnapshotWriter *w, const char *storage, gint64 parent,
               const char *name, guint ordinal, gboolean is_folder)
{
  sqlite3_bind_int64 (stmt, 1, w->device_id);
  lb_db_bind_text (stmt, 2, storage);
  sqlite3_bind_int64 (stmt, 3, parent);
  lb_db_bind_text (stmt, 4, name);
  sqlite3_bind_int64 (stmt, 5, ordinal);
  sqlite3_bind_int (stmt, 6, is_folder ? 1 : 0);
}

gint64
lb_snapshot_writer_path (LbSnapshotWriter *w, const char *storage, gint64 parent,
                         const char *name, gboolean is_folder, GError **error)
{
  LbDb *db;
  LbStmt *stmt;
  guint ordinal;
  gint64 id = 0;
  gboolean found = FALSE;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), 0);
  g_return_val_if_fail (storage != NULL && name != NULL && parent >= 0, 0);

  db = writer_db (w);
  if (!writer_ready (w, error))
    return 0;
  ordinal = next_ordinal (w, storage, parent, name, is_folder);
  if ((stmt = lb_db_prepare (db, path_find_sql, error)) == NULL)
    return 0;
  bind_path_key (stmt, w, storage, parent, name, ordinal, is_folder);
  if (!lb_db_query_int (db, stmt, &id, &found, error))
    return 0;
  lb_stmt_release (stmt);
  if (found)
    return id;

  if ((stmt = lb_db_prepare (db, path_insert_sql, error)) == NULL)
    return 0;
  bind_path_key (stmt, w, storage, parent, name, ordinal, is_folder);
  if (!lb_db_run (db, stmt, error))
    {
      lb_stmt_release (stmt);
      return 0;
    }
  lb_stmt_release (stmt);
  return sqlite3_last_insert_rowid (lb_db_handle (db));
}

/* The blob an earlier version of the path holds with this size and date. */
static char *
version_blob (LbSnapshotWriter *w, gint64 path_id, guint64 size, gint64 mtime)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  stmt = lb_db_prepare (writer_db (w), version_reusable_sql, &error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, path_id);
      sqlite3_bind_int64 (stmt, 2, size);
      sqlite3_bind_int64 (stmt, 3, mtime);
      sqlite3_bind_int64 (stmt, 4, w->device_id);
      switch (lb_db_step (writer_db (w), stmt, &error))
        {
        case SQLITE_ROW:
          return g_strdup (lb_db_column_text (stmt, 0));
        case SQLITE_DONE:
          return NULL;
        default:
          break;
        }
    }
  g_debug ("library: no reuse for path %" G_GINT64_FORMAT ": %s", path_id, error->message);
  return NULL;
}

typedef struct {
  char *storage;
  gint64 parent;          /* 0 at the top of the storage */
  char *name;
} PathRow;

static void
path_row_clear (PathRow *row)
{
  g_clear_pointer (&row->storage, g_free);
  g_clear_pointer (&row->name, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PathRow, path_row_clear)

/* One paths row, by id.  FALSE with an error when the catalog cannot say,
 * or the path is not one of this device's. */
static gboolean
load_path_row (LbSnapshotWriter *w, gint64 path_id, PathRow *row, GError **error)
{
  g_autoptr(LbStmt) stmt = lb_db_prepare (writer_db (w), path_row_sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, path_id);
  rc = lb_db_step (writer_db (w), stmt, error);
  if (rc == SQLITE_ROW && sqlite3_column_int64 (stmt, 0) == w->device_id)
    {
      row->storage = g_strdup (lb_db_column_text (stmt, 1));
      row->parent = sqlite3_column_int64 (stmt, 2);
      row->name = g_strdup (lb_db_column_text (stmt, 3));
      return TRUE;
    }
  if (rc != -1)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("Path %" PRId64 " is not a path of this snapshot's device"), path_id);
  return FALSE;
}

/* A folder's names below its storage joined by "/" ("DCIM/Camera"), owned
 * by the writer.  Each folder is read from the catalog once per writer and
 * then kept, so that a file costs a hash lookup here, not a query per
 * level of folders above it. */
static const char *
folder_path (LbSnapshotWriter *w, gint64 folder_id, GError **error)
{
  g_autoptr(GArray) chain = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *base;
  gint64 id = folder_id;

  /* Up to the first folder already known, or the top of the storage:
   * chain and names hold the folders on the way, deepest first. */
  while ((base = g_hash_table_lookup (w->folder_paths, &id)) == NULL)
    {
      g_auto(PathRow) row = { 0 };

      if (!load_path_row (w, id, &row, error))
        return NULL;
      /* A parent is created before its children, so ids go down on the
       * way up: only a damaged catalog could send us round in a loop. */
      if (row.parent >= id)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                       _("Path %" PRId64 " has a parent created after it"), id);
          return NULL;
        }
      g_array_append_val (chain, id);
      g_ptr_array_add (names, g_steal_pointer (&row.name));
      if (row.parent == 0)
        break;
      id = row.parent;
    }
  for (guint i = chain->len; i-- > 0;)
    {
      char *path = base != NULL ? g_strconcat (base, "/", names->pdata[i], NULL)
                                : g_strdup (names->pdata[i]);

      g_hash_table_insert (w->folder_paths,
                           g_memdup2 (&g_array_index (chain, gint64, i), sizeof (gint64)), path);
      base = path;
    }
  return base;
}

/* Whether the restore journal has anything for this device.  It cannot
 * change while the writer lives (recording it needs the library without a
 * writer), so it is asked once: the first backup of a phone that was never
 * restored to builds no path strings at all. */
static gboolean
has_journal (LbSnapshotWriter *w)
{
  g_autoptr(GError) error = NULL;
  LbStmt *stmt;
  gint64 any = 0;

  if (w->has_journal < 0)
    {
      stmt = lb_db_prepare (writer_db (w), journal_any_sql, &error);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, w->device_id);
          lb_db_query_int (writer_db (w), stmt, &any, NULL, &error);
        }
      if (error != NULL)
        {
          /* Asked again next time: a busy catalog may answer then. */
          g_debug ("library: could not read the restore journal: %s", error->message);
          return FALSE;
        }
      w->has_journal = any != 0;
    }
  return w->has_journal;
}

/* The blob the restore journal says was sent to this path with this size
 * and date.  The journal knows the path as the phone does, by storage and
 * names: a restore has no path ids of ours for what it created. */
static char *
journal_blob (LbSnapshotWriter *w, gint64 path_id, guint64 size, gint64 mtime)
{
  g_autoptr(GError) error = NULL;
  g_auto(PathRow) row = { 0 };
  g_autofree char *path = NULL;
  const char *parent = NULL;

  if (!has_journal (w))
    return NULL;
  if (!load_path_row (w, path_id, &row, &error) ||
      (row.parent != 0 && (parent = folder_path (w, row.parent, &error)) == NULL))
    {
      g_debug ("library: no restore journal for path %" G_GINT64_FORMAT ": %s", path_id,
               error->message);
      return NULL;
    }
  path = parent != NULL ? g_strconcat (parent, "/", row.name, NULL) : g_strdup (row.name);
  return lb_library_journal_find (w->library, w->device_id, row.storage, path, size, mtime);
}

/* A blob that went missing (or was cut short) is read again, which repairs
 * the store instead of carrying the loss into a new snapshot. */
static gboolean
blob_file_ok (LbSnapshotWriter *w, const char *sha256, guint64 size)
{
  g_autofree char *file = lb_library_blob_path (w->library, sha256);
  struct stat st;

  return file != NULL && g_stat (file, &st) == 0 && (guint64) st.st_size == size;
}

char *
lb_snapshot_writer_reusable_blob (LbSnapshotWriter *w, gint64 path_id, guint64 size, gint64 mtime)
{
  g_autofree char *sha256 = NULL;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), NULL);

  /* Without a date, "same size" is no evidence of the same content. */
  if (mtime == 0)
    return NULL;
  sha256 = version_blob (w, path_id, size, mtime);
  if (sha256 != NULL && blob_file_ok (w, sha256, size))
    return g_steal_pointer (&sha256);
  g_clear_pointer (&sha256, g_free);
  /* A file a restore sent: the phone dated it at the restore, so no
   * earlier snapshot has it with that date, but the journal does. */
  sha256 = journal_blob (w, path_id, size, mtime);
  if (sha256 != NULL && blob_file_ok (w, sha256, size))
    return g_steal_pointer (&sha256);
  return NULL;
}

typedef struct {
  gboolean exists;
  gint64 device_id;
  gboolean is_folder;
  gint64 id;              /* 0: the path has no version yet */
  gint64 first_seq, last_seq;
  guint32 filetype;
  guint64 size;
  gint64 mtime;
  gint64 blob_id;
} Latest;

static gboolean
load_latest (LbSnapshotWriter *w, gint64 path_id, Latest *l, GError **error)
{
  g_autoptr(LbStmt) stmt = lb_db_prepare (writer_db (w), version_latest_sql, error);
  int rc;

  memset (l, 0, sizeof *l);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, path_id);
  rc = lb_db_step (writer_db (w), stmt, error);
  if (rc == SQLITE_ROW)
    {
      l->exists = TRUE;
      l->device_id = sqlite3_column_int64 (stmt, 0);
      l->is_folder = sqlite3_column_int (stmt, 1) != 0;
      l->id = sqlite3_column_int64 (stmt, 2);
      l->first_seq = sqlite3_column_int64 (stmt, 3);
      l->last_seq = sqlite3_column_int64 (stmt, 4);
      l->filetype = sqlite3_column_int64 (stmt, 5);
      l->size = sqlite3_column_int64 (stmt, 6);
      l->mtime = sqlite3_column_int64 (stmt, 7);
      l->blob_id = sqlite3_column_int64 (stmt, 8);
    }
  return rc != -1;
}

static gboolean
same_version (const Latest *l, guint32 filetype, guint64 size, gint64 mtime, gint64 blob_id)
{
  return l->id != 0 && l->filetype == filetype && l->size == size && l->mtime == mtime &&
         l->blob_id == blob_id;
}

/* Runs one of the statements above that take an id (?1) and a value (?2). */
static gboolean
run_id_value (LbSnapshotWriter *w, const char *sql, gint64 id, gint64 value, GError **error)
{
  g_autoptr(LbStmt) stmt = lb_db_prepare (writer_db (w), sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, value);
  RUN_OR_FAIL (w, stmt, error);
  return TRUE;
}

gboolean
lb_snapshot_writer_record (LbSnapshotWriter *w, gint64 path_id, guint32 filetype,
                           guint64 size, gint64 mtime, const char *blob, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  gint64 s, blob_id = 0;
  Latest l;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);

  s = w->seq;
  if (!writer_ready (w, error) || !load_latest (w, path_id, &l, error))
    return FALSE;
  if (!l.exists || l.device_id != w->device_id)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                   _("Path %" PRId64 " is not a path of this snapshot's device"), path_id);
      return FALSE;
    }
  if (blob != NULL && !lb_library_require_blob (w->library, blob, &blob_id, error))
    return FALSE;

  if (l.id != 0 && l.last_seq == s)
    {
      /* Recorded twice in one snapshot: the newest record wins.  Undo the
       * first one, then record as if it had never happened. */
      if (same_version (&l, filetype, size, mtime, blob_id))
        return TRUE;
      if (!l.is_folder && l.blob_id == 0)
        w->skipped--;
      if (!(l.first_seq == s ? run_id_value (w, version_delete_sql, l.id, 0, error)
                             : run_id_value (w, version_extend_sql, l.id, s - 1, error)) ||
          !load_latest (w, path_id, &l, error))
        return FALSE;
    }

  if (l.id != 0 && l.last_seq == s - 1 && same_version (&l, filetype, size, mtime, blob_id))
    {
      /* Unchanged since the device's previous snapshot: no new row. */
      if (!run_id_value (w, version_extend_sql, l.id, s, error))
        return FALSE;
    }
  else
    {
      if ((stmt = lb_db_prepare (writer_db (w), version_insert_sql, error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, path_id);
      sqlite3_bind_int64 (stmt, 2, s);
      sqlite3_bind_int64 (stmt, 3, filetype);
      sqlite3_bind_int64 (stmt, 4, size);
      sqlite3_bind_int64 (stmt, 5, mtime);
      sqlite3_bind_int64 (stmt, 6, blob_id);
      RUN_OR_FAIL (w, stmt, error);
    }
  /* A file whose content could not be stored is in the listing but missing
   * from the snapshot's data. */
  if (!l.is_folder && blob_id == 0)
    w->skipped++;
  return TRUE;
}

gboolean
lb_snapshot_writer_add_list (LbSnapshotWriter *w, LbListKind kind, const char *storage,
                             const char *name, const char *artist, const gint64 *members,
                             guint n_members, GError **error)
{
  LbDb *db;
  g_autoptr(LbStmt) stmt = NULL;
  gint64 list_id;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);
  g_return_val_if_fail (kind == LB_LIST_PLAYLIST || kind == LB_LIST_ALBUM, FALSE);
  g_return_val_if_fail (members != NULL || n_members == 0, FALSE);

  db = writer_db (w);
  if (!writer_ready (w, error) || (stmt = lb_db_prepare (db, list_insert_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, w->id);
  lb_db_bind_text (stmt, 2, kind == LB_LIST_ALBUM ? "album" : "playlist");
  lb_db_bind_text (stmt, 3, storage ? storage : "");
  lb_db_bind_text (stmt, 4, name ? name : "");
  lb_db_bind_text (stmt, 5, artist ? artist : "");
  RUN_OR_FAIL (w, stmt, error);
  list_id = sqlite3_last_insert_rowid (lb_db_handle (db));
  lb_stmt_release (g_steal_pointer (&stmt));

  for (guint i = 0; i < n_members; i++)
    {
      g_autoptr(LbStmt) member = lb_db_prepare (db, list_member_insert_sql, error);

      if (member == NULL)
        return FALSE;
      sqlite3_bind_int64 (member, 1, list_id);
      sqlite3_bind_int64 (member, 2, i);
      sqlite3_bind_int64 (member, 3, members[i]);
      RUN_OR_FAIL (w, member, error);
    }
  return TRUE;
}

gboolean
lb_snapshot_writer_skip (LbSnapshotWriter *w, const char *name, const char *reason, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);

  if (!writer_ready (w, error) ||
      (stmt = lb_db_prepare (writer_db (w), skipped_insert_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, w->id);
  lb_db_bind_text (stmt, 2, name ? name : "");
  lb_db_bind_text (stmt, 3, reason ? reason : "");
  RUN_OR_FAIL (w, stmt, error);
  w->skipped++;
  return TRUE;
}

void
lb_snapshot_writer_count (LbSnapshotWriter *w, guint64 files, guint64 folders, guint64 bytes,
                          guint64 transferred_bytes, guint64 new_bytes)
{
  g_return_if_fail (w != NULL);

  w->files += files;
  w->folders += folders;
  w->bytes += bytes;
  w->transferred_bytes += transferred_bytes;
  w->new_bytes += new_bytes;
}

/* ---- committing ----------------------------------------------------------------- */

gboolean
lb_snapshot_writer_checkpoint (LbSnapshotWriter *w, GError **error)
{
  LbDb *db;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);

  db = writer_db (w);
  /* The counters go with the entries they count, so an interrupted
   * snapshot still says how much it holds. */
  if (!writer_ready (w, error) || !write_counters (w, error) || !lb_db_commit (db, error))
    return FALSE;
  return lb_db_begin (db, error);
}

/* Whatever happens, a snapshot whose writer goes away is not `running`. */
static void
mark_interrupted (LbSnapshotWriter *w)
{
  LbDb *db = writer_db (w);
  g_autoptr(GError) error = NULL;

  lb_db_rollback (db);
  if (!run_id_value (w, snapshot_interrupt_sql, w->id, now (), &error))
    /* The next writer to open the library does it. */
    g_debug ("library: could not mark snapshot %" G_GINT64_FORMAT " interrupted: %s", w->id,
             error->message);
}

gboolean
lb_snapshot_writer_finish (LbSnapshotWriter *w, LbSnapshotState state, GError **error)
{
  LbDb *db;
  g_autoptr(LbStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (w != NULL && lb_library_owned (w->library), FALSE);
  g_return_val_if_fail (state == LB_SNAPSHOT_COMPLETE || state == LB_SNAPSHOT_INTERRUPTED, FALSE);

  db = writer_db (w);
  /* SQLite cannot change its sync level inside a transaction: commit the
   * entries first, then mark the snapshot in a small commit that is
   * synced (and syncs the WAL, and so everything before it). */
  ok = (!lb_db_in_transaction (db) || (write_counters (w, error) && lb_db_commit (db, error))) &&
       lb_db_set_durable (db, TRUE, error) &&
       lb_db_begin (db, error) && write_counters (w, error) &&
       (stmt = lb_db_prepare (db, snapshot_end_sql, error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, w->id);
      lb_db_bind_text (stmt, 2, lb_snapshot_state_to_string (state));
      sqlite3_bind_int64 (stmt, 3, now ());
      ok = lb_db_run (db, stmt, error) && lb_db_commit (db, error);
    }
  g_clear_pointer (&stmt, lb_stmt_release);
  if (!ok)
    mark_interrupted (w);
  lb_db_set_durable (db, FALSE, NULL);
  writer_dispose (w);
  return ok;
}

void
lb_snapshot_writer_free (LbSnapshotWriter *w)
{
  if (w == NULL)
    return;
  g_return_if_fail (lb_library_owned (w->library));

  mark_interrupted (w);
  writer_dispose (w);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading snapshots: the value types, the snapshots, and what one holds
 * (entries with their versions, playlists and albums, what it left out,
 * its storages). */
#include "config.h"
#include "lb-library-private.h"
#include "lb-lock.h"
#include "lb-error.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>

/* ---- SQL, by table ---------------------------------------------------------- */

#define SNAPSHOT_COLUMNS \
  "SELECT s.id, s.device_id, s.seq, d.serial, d.vendor_id, d.product_id, d.manufacturer, " \
  "  d.model, s.firmware, s.friendly_name, s.started, s.finished, s.state, s.files, " \
  "  s.folders, s.bytes, s.transferred_bytes, s.new_bytes, s.skipped, s.automatic " \
  "FROM snapshots s JOIN devices d ON d.id = s.device_id "
/* Newest first by id: the wall clock may have jumped between snapshots. */
static const char snapshot_list_sql[] =
  SNAPSHOT_COLUMNS "WHERE " LB_SQL_DEVICE_CHOSEN " ORDER BY s.id DESC";
static const char snapshot_get_sql[] =
  SNAPSHOT_COLUMNS "WHERE s.id = ?";

/* The paths of the device with a version live at the seq.  Their phone
 * paths are joined in C from these same rows (entry_phone_path): naming
 * every path the device ever had in a recursive query, then sorting those
 * strings, cost a second for a phone of 100,000 files.  Versions first
 * (CROSS JOIN fixes the order): one pass over the versions table and a
 * rowid lookup per live one costs a quarter of what an index seek into
 * versions per path of the device does (8 ms against 34 ms at 365
 * snapshots x 20,000 files), and stays linear in the catalog's size with
 * several phones in it. */
static const char entries_sql[] =
  "SELECT p.id, ifnull(p.parent_id, 0), p.storage, p.name, p.ordinal, p.is_folder,"
  "  v.filetype, v.size, v.mtime, b.sha256 "
  "FROM versions v CROSS JOIN paths p ON p.id = v.path_id LEFT JOIN blobs b ON b.id = v.blob_id "
  "WHERE p.device_id = ?1 AND v.first_seq <= ?2 AND v.last_seq >= ?2";
/* A path's folders up to the top of the storage, one row each, nearest
 * first (each step finds at most one parent, so the rows come in order).
 * In a damaged catalog they may never get there (a loop of folders, a
 * parent gone): the climb stops at MAX_PATH_DEPTH folders or
 * MAX_PATH_BYTES of names, and the names are joined in C, since joining
 * them in the query costs the square of the depth. */
#define MAX_PATH_DEPTH LB_MAX_FOLDER_DEPTH
#define MAX_PATH_BYTES (16 << 20)
static const char path_folders_sql[] =
  "WITH RECURSIVE up (parent_id, name, storage, depth) AS ("
  "  SELECT parent_id, name, storage, 1 FROM paths WHERE id = ?1"
  "  UNION ALL"
  "  SELECT p.parent_id, p.name, up.storage, up.depth + 1"
  "    FROM paths p JOIN up ON p.id = up.parent_id WHERE up.depth < " G_STRINGIFY (MAX_PATH_DEPTH) ")"
  "SELECT parent_id IS NULL, name, storage FROM up";

static const char list_of_snapshot_sql[] =
  "SELECT id, kind, storage, name, artist FROM lists WHERE snapshot_id = ? ORDER BY id";
static const char list_members_sql[] =
  "SELECT path_id FROM list_members WHERE list_id = ? ORDER BY position";

static const char skipped_of_snapshot_sql[] =
  "SELECT name, reason FROM skipped WHERE snapshot_id = ? ORDER BY rowid";

/* Rows are never updated or moved: rowid is the order of add_storage(),
 * which is the phone's. */
static const char storages_of_snapshot_sql[] =
  "SELECT storage_id, description, volume, kind, capacity, free, max_file_size "
  "FROM storages WHERE snapshot_id = ? ORDER BY rowid";

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

/* ---- reading -------------------------------------------------------------- */

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
  s->automatic = sqlite3_column_int (stmt, 19) != 0;
  return s;
}

static gboolean
writer_alive (LbLibrary *self)
{
  g_autofree char *lock = g_build_filename (self->path, "lock", NULL);

  return lb_lock_held_by_other (lock, LB_LOCK_WRITER);
}

/* A snapshot still "running" with no writer left: its writer died (kill -9,
 * a power cut), and the next writer to open the library will mark it
 * interrupted (lb_library_open).  Until then a reader showed a backup as
 * running that nobody runs (measured: `lifeboat-cli snapshots` after a
 * backup was killed -9).  The writer is looked for before and after the
 * rows are read, so that one starting or finishing meanwhile keeps its
 * own state. */
static void
settle_orphans (GPtrArray *list, gboolean alive_before, gboolean alive_after)
{
  if (alive_before || alive_after)
    return;
  for (guint i = 0; i < list->len; i++)
    {
      LbSnapshot *s = list->pdata[i];
      if (s->state == LB_SNAPSHOT_RUNNING)
        s->state = LB_SNAPSHOT_INTERRUPTED;
    }
}

void
lb_library_bind_device (LbStmt *stmt, const char *key_or_serial)
{
  g_autofree char *serial = NULL, *model = NULL;
  guint16 vendor_id;

  if (!lb_device_key_parse (key_or_serial, &serial, &vendor_id, &model))
    {
      lb_db_bind_text (stmt, 1, key_or_serial);
      return;
    }
  lb_db_bind_text (stmt, 1, serial);
  sqlite3_bind_int (stmt, 2, vendor_id);
  lb_db_bind_text (stmt, 3, model);
}

GPtrArray *
lb_library_list_snapshots (LbLibrary *self, const char *serial, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free);
  gboolean alive;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  alive = writer_alive (self);
  stmt = lb_db_prepare (self->db, snapshot_list_sql, error);
  if (stmt == NULL)
    return NULL;
  lb_library_bind_device (stmt, serial);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (list, snapshot_from_row (stmt));
  if (rc != SQLITE_DONE)
    return NULL;
  settle_orphans (list, alive, writer_alive (self));
  return g_steal_pointer (&list);
}

LbSnapshot *
lb_library_get_snapshot (LbLibrary *self, gint64 id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  gboolean alive;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  alive = writer_alive (self);
  stmt = lb_db_prepare (self->db, snapshot_get_sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = lb_db_step (self->db, stmt, error);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free);
      g_ptr_array_add (one, snapshot_from_row (stmt));
      settle_orphans (one, alive, writer_alive (self));
      return g_ptr_array_steal_index (one, 0);
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("There is no snapshot %" PRId64 " in the library"), id);
  return NULL;
}

gboolean
lb_library_snapshot_key (LbLibrary *self, gint64 id, gint64 *device_id, gint64 *seq, GError **error)
{
  g_autoptr(LbSnapshot) s = lb_library_get_snapshot (self, id, error);

  if (s == NULL)
    return FALSE;
  *device_id = s->device_id;
  *seq = s->seq;
  return TRUE;
}

/* E's phone path, from its parents among the live entries (by_id), each
 * joined once.  A parent that is not live at the seq (a damaged catalog)
 * is asked of the catalog; an entry whose folders lead nowhere (a loop)
 * gets no path and goes into `lost`, as the old recursive query left it
 * out.  Iterative: a phone's folders may nest thousands deep. */
static const char *
entry_phone_path (LbLibrary *self, GHashTable *by_id, GHashTable *lost, LbEntry *e)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();  /* e, then parents without a path yet */
  LbEntry *at = e;

  while (at->phone_path == NULL)
    {
      LbEntry *parent;

      if (g_hash_table_contains (lost, at) || chain->len > MAX_PATH_DEPTH)
        {
          for (guint i = 0; i < chain->len; i++)
            g_hash_table_add (lost, chain->pdata[i]);
          return NULL;
        }
      if (at->parent_id == 0)
        {
          at->phone_path = g_strconcat ("/", at->storage, "/", at->name, NULL);
          break;
        }
      g_ptr_array_add (chain, at);
      if ((parent = g_hash_table_lookup (by_id, &at->parent_id)) == NULL)
        {
          g_autoptr(GError) local = NULL;
          g_autofree char *above = lb_library_phone_path (self, at->parent_id, &local);

          if (above == NULL)
            {
              g_debug ("path %" PRId64 " left out: %s", at->path_id, local->message);
              for (guint i = 0; i < chain->len; i++)
                g_hash_table_add (lost, chain->pdata[i]);
              return NULL;
            }
          at->phone_path = g_strconcat (above, "/", at->name, NULL);
          g_ptr_array_remove_index (chain, chain->len - 1);
          break;
        }
      at = parent;
    }
  /* Down again, each from its parent's. */
  for (guint i = chain->len; i > 0; i--)
    {
      LbEntry *child = chain->pdata[i - 1];
      LbEntry *parent = g_hash_table_lookup (by_id, &child->parent_id);

      child->phone_path = g_strconcat (parent->phone_path, "/", child->name, NULL);
    }
  return e->phone_path;
}

/* Storage, then phone path: parents before their children, since a
 * parent's phone path is a prefix of theirs (byte order, as SQLite's). */
int
lb_entry_compare (const LbEntry *x, const LbEntry *y)
{
  int c;

  if ((c = strcmp (x->storage, y->storage)) != 0 || (c = strcmp (x->phone_path, y->phone_path)) != 0)
    return c;
  if (x->ordinal != y->ordinal)
    return x->ordinal < y->ordinal ? -1 : 1;
  if (x->is_folder != y->is_folder)
    return x->is_folder ? -1 : 1;
  return 0;
}

static int
entry_order (gconstpointer a, gconstpointer b)
{
  const LbEntry *x = *(const LbEntry *const *) a, *y = *(const LbEntry *const *) b;
  int c = lb_entry_compare (x, y);

  return c != 0 ? c : (x->path_id > y->path_id) - (x->path_id < y->path_id);
}

GPtrArray *
lb_library_list_entries (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_entry_free);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) lost = g_hash_table_new (NULL, NULL);
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
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
      g_ptr_array_add (all, e);
      /* One version of a path is live at a seq; a damaged catalog with two
       * keeps the first for the parents' sake and lists both. */
      if (!g_hash_table_contains (by_id, &e->path_id))
        g_hash_table_insert (by_id, &e->path_id, e);
    }
  if (rc != SQLITE_DONE)
    return NULL;
  list = g_ptr_array_new_full (all->len, (GDestroyNotify) lb_entry_free);
  for (guint i = 0; i < all->len; i++)
    {
      LbEntry *e = all->pdata[i];

      if (entry_phone_path (self, by_id, lost, e) != NULL)
        g_ptr_array_add (list, e);
      else
        lb_entry_free (e);
      all->pdata[i] = NULL;
    }
  g_ptr_array_sort (list, entry_order);
  return g_steal_pointer (&list);
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

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error))
    return NULL;
  {
    g_autoptr(LbStmt) stmt = lb_db_prepare (self->db, list_of_snapshot_sql, error);
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
      g_autoptr(LbStmt) stmt = lb_db_prepare (self->db, list_members_sql, error);
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

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, skipped_of_snapshot_sql, error)) == NULL)
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

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, storages_of_snapshot_sql, error)) == NULL)
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
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *storage = NULL;
  gboolean at_top = FALSE;
  gsize bytes = 0;
  GString *path;
  int rc;

  stmt = lb_db_prepare (self->db, path_folders_sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, path_id);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      at_top = sqlite3_column_int (stmt, 0);
      g_ptr_array_add (names, g_strdup (lb_db_column_text (stmt, 1)));
      if (storage == NULL)
        storage = g_strdup (lb_db_column_text (stmt, 2));
      if ((bytes += sqlite3_column_bytes (stmt, 1) + 1) > MAX_PATH_BYTES)
        {
          at_top = FALSE;
          break;
        }
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return NULL;
  if (names->len == 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                   _("There is no path %" PRId64 " in the library"), path_id);
      return NULL;
    }
  if (!at_top)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The library's catalog is damaged: the folders above path %" PRId64
                     " do not lead to the top of a storage (a loop, or a folder missing)"), path_id);
      return NULL;
    }
  path = g_string_new ("/");
  g_string_append (path, storage);
  for (guint i = names->len; i > 0; i--)
    {
      g_string_append_c (path, '/');
      g_string_append (path, names->pdata[i - 1]);
    }
  return g_string_free (path, FALSE);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checking the library: the catalog's consistency, and which blobs it
 * references and who uses them (for verify and for moving a library). */
#include "lb-library-private.h"
#include "lb-error.h"

#include <string.h>

/* ---- SQL, by table ---------------------------------------------------------- */

static const char integrity_check_sql[] = "PRAGMA integrity_check";
static const char foreign_key_check_sql[] = "PRAGMA foreign_key_check";

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

static const char blobs_referenced_sql[] =
  "SELECT b.sha256, b.size FROM blobs b WHERE EXISTS "
  "(SELECT 1 FROM versions v WHERE v.blob_id = b.id) ORDER BY b.sha256";
static const char blobs_of_snapshot_sql[] =
  "SELECT DISTINCT b.sha256, b.size FROM paths p "
  "JOIN versions v ON v.path_id = p.id JOIN blobs b ON b.id = v.blob_id "
  "WHERE p.device_id = ?1 AND v.first_seq <= ?2 AND v.last_seq >= ?2 ORDER BY b.sha256";
static const char blob_users_sql[] =
  "SELECT DISTINCT s.id, v.path_id FROM blobs b "
  "JOIN versions v ON v.blob_id = b.id JOIN paths p ON p.id = v.path_id "
  "JOIN snapshots s ON s.device_id = p.device_id "
  "  AND s.seq BETWEEN v.first_seq AND v.last_seq "
  "WHERE b.sha256 = ?";

/* In LbCatalogTable's order. */
static const char *const count_sql[LB_CATALOG_N_COUNTED] = {
  "SELECT count(*) FROM devices",
  "SELECT count(*) FROM snapshots",
  "SELECT count(*) FROM paths",
  "SELECT count(*) FROM versions",
  "SELECT count(*) FROM blobs",
};
const char *const lb_catalog_counted_tables[LB_CATALOG_N_COUNTED] = {
  "devices", "snapshots", "paths", "versions", "blobs",
};

/* ---- checking ------------------------------------------------------------- */

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

  if (!collect_problems (self, integrity_check_sql, found, error) ||
      !collect_problems (self, foreign_key_check_sql, found, error))
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
    stmt = lb_db_prepare (self->db, blobs_referenced_sql, error);
  else if (lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error))
    stmt = lb_db_prepare (self->db, blobs_of_snapshot_sql, error);
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

  stmt = lb_db_prepare (self->db, blob_users_sql, error);
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

gboolean
lb_catalog_count_rows (LbDb *db, gint64 counts[LB_CATALOG_N_COUNTED], GError **error)
{
  for (guint i = 0; i < LB_CATALOG_N_COUNTED; i++)
    {
      LbStmt *stmt = lb_db_prepare (db, count_sql[i], error);

      if (stmt == NULL || !lb_db_query_int (db, stmt, &counts[i], NULL, error))
        return FALSE;
    }
  return TRUE;
}

char *
lb_catalog_stamp (LbDb *db, GError **error)
{
  gint64 counts[LB_CATALOG_N_COUNTED], newest = 0;
  LbStmt *stmt;

  if (!lb_catalog_count_rows (db, counts, error) ||
      (stmt = lb_db_prepare (db, "SELECT coalesce(max(id), 0) FROM snapshots", error)) == NULL ||
      !lb_db_query_int (db, stmt, &newest, NULL, error))
    return NULL;
  return g_strdup_printf ("snapshots %" G_GINT64_FORMAT " newest %" G_GINT64_FORMAT " versions %" G_GINT64_FORMAT
                          " blobs %" G_GINT64_FORMAT,
                          counts[LB_CATALOG_SNAPSHOTS], newest, counts[LB_CATALOG_VERSIONS],
                          counts[LB_CATALOG_BLOBS]);
}

gboolean
lb_library_count_rows (LbLibrary *self, gint64 counts[LB_CATALOG_N_COUNTED], GError **error)
{
  g_return_val_if_fail (lb_library_owned (self), FALSE);
  return lb_catalog_count_rows (self->db, counts, error);
}

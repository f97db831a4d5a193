/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Deleted from the phone": what earlier snapshots of a phone hold that a
 * later one does not, with when it was last seen and when it went, and
 * whether its content is still on the phone elsewhere (moved). */
#include "config.h"
#include "lb-library-private.h"

/* ---- SQL, by table ---------------------------------------------------------- */

/* ?1 the device, ?2 the seq asked about.  A path is gone when no version
 * of it is live at ?2; of its versions the newest that some complete
 * snapshot before ?2 holds is the one shown (the bare columns of max()
 * come from the row holding the maximum). */
static const char deleted_sql[] =
  LB_SQL_PHONE_PATHS ","
  /* Each version no longer live at ?2 with the newest complete snapshot
   * before ?2 that holds it: a lookup in the (device_id, seq) index, not a
   * join with every snapshot. */
  " held (path_id, size, mtime, blob_id, seen_seq) AS ("
  "  SELECT v.path_id, v.size, v.mtime, v.blob_id,"
  "    (SELECT max(s.seq) FROM snapshots s WHERE s.device_id = ?1 AND s.state = 'complete'"
  "       AND s.seq BETWEEN v.first_seq AND min(v.last_seq, ?2 - 1))"
  "    FROM paths p JOIN versions v ON v.path_id = p.id"
  "    WHERE p.device_id = ?1 AND p.is_folder = 0 AND v.last_seq < ?2"
  "      AND NOT EXISTS (SELECT 1 FROM versions w WHERE w.path_id = p.id"
  "                        AND w.first_seq <= ?2 AND w.last_seq >= ?2)),"
  " gone (path_id, size, mtime, blob_id, seen_seq) AS ("
  "  SELECT path_id, size, mtime, blob_id, max(seen_seq) FROM held"
  "    WHERE seen_seq IS NOT NULL GROUP BY path_id)"
  "SELECT t.phone_path, g.size, g.mtime, b.sha256, seen.id, seen.started,"
  "  next.id, next.started,"
  "  (SELECT t2.phone_path FROM versions w JOIN tree t2 ON t2.id = w.path_id"
  "     WHERE g.blob_id IS NOT NULL AND w.blob_id = g.blob_id AND w.first_seq <= ?2 AND w.last_seq >= ?2"
  "     ORDER BY t2.phone_path LIMIT 1) "
  "FROM gone g JOIN tree t ON t.id = g.path_id"
  "  JOIN snapshots seen ON seen.device_id = ?1 AND seen.seq = g.seen_seq"
  "  JOIN snapshots next ON next.device_id = ?1 AND next.seq ="
  "    (SELECT min(seq) FROM snapshots WHERE device_id = ?1 AND state = 'complete' AND seq > g.seen_seq)"
  "  LEFT JOIN blobs b ON b.id = g.blob_id "
  "ORDER BY next.seq DESC, t.phone_path";

/* ---- reading ---------------------------------------------------------------- */

void
lb_deleted_file_free (LbDeletedFile *file)
{
  if (file == NULL)
    return;
  g_free (file->phone_path);
  g_free (file->blob);
  g_free (file->moved_to);
  g_free (file);
}

GPtrArray *
lb_library_list_deleted (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_deleted_file_free);
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, deleted_sql, error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      LbDeletedFile *f = g_new0 (LbDeletedFile, 1);

      f->phone_path = g_strdup (lb_db_column_text (stmt, 0));
      f->size = sqlite3_column_int64 (stmt, 1);
      f->mtime = sqlite3_column_int64 (stmt, 2);
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        f->blob = g_strdup (lb_db_column_text (stmt, 3));
      f->last_snapshot_id = sqlite3_column_int64 (stmt, 4);
      f->last_seen = sqlite3_column_int64 (stmt, 5);
      f->gone_snapshot_id = sqlite3_column_int64 (stmt, 6);
      f->gone_at = sqlite3_column_int64 (stmt, 7);
      if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        f->moved_to = g_strdup (lb_db_column_text (stmt, 8));
      g_ptr_array_add (list, f);
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&list) : NULL;
}

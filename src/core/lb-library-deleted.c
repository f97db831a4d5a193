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
  " complete (id, seq, started) AS ("
  "  SELECT id, seq, started FROM snapshots"
  "    WHERE device_id = ?1 AND state = 'complete' AND seq < ?2),"
  " held (path_id, size, mtime, blob_id, seen_seq) AS ("
  "  SELECT v.path_id, v.size, v.mtime, v.blob_id, max(c.seq)"
  "    FROM paths p JOIN versions v ON v.path_id = p.id"
  "      JOIN complete c ON c.seq BETWEEN v.first_seq AND v.last_seq"
  "    WHERE p.device_id = ?1 AND p.is_folder = 0 AND v.last_seq < ?2"
  "      AND NOT EXISTS (SELECT 1 FROM versions w WHERE w.path_id = p.id"
  "                        AND w.first_seq <= ?2 AND w.last_seq >= ?2)"
  "    GROUP BY v.path_id)"
  "SELECT t.phone_path, h.size, h.mtime, b.sha256, seen.id, seen.started,"
  "  (SELECT id FROM snapshots WHERE device_id = ?1 AND state = 'complete' AND seq > h.seen_seq"
  "     ORDER BY seq LIMIT 1) AS gone_id,"
  "  (SELECT started FROM snapshots WHERE device_id = ?1 AND state = 'complete' AND seq > h.seen_seq"
  "     ORDER BY seq LIMIT 1) AS gone_at,"
  "  (SELECT t2.phone_path FROM versions w JOIN tree t2 ON t2.id = w.path_id"
  "     WHERE h.blob_id IS NOT NULL AND w.blob_id = h.blob_id AND w.first_seq <= ?2 AND w.last_seq >= ?2"
  "     ORDER BY t2.phone_path LIMIT 1) AS moved_to "
  "FROM held h JOIN tree t ON t.id = h.path_id JOIN complete seen ON seen.seq = h.seen_seq"
  "  LEFT JOIN blobs b ON b.id = h.blob_id "
  "ORDER BY gone_id DESC, t.phone_path";

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

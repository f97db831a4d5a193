/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Deleted from the phone": what earlier snapshots of a phone hold that a
 * later one does not, with when it was last seen and when it went, and
 * whether its content is still on the phone elsewhere (moved). */
#include "config.h"
#include <string.h>
#include "lb-library-private.h"

/* ---- SQL, by table ---------------------------------------------------------- */

/* ?1 the device, ?2 the seq asked about.  A path is gone when no version
 * of it is live at ?2; of its versions the newest that some complete
 * snapshot before ?2 holds is the one shown (the bare columns of max()
 * come from the row holding the maximum).  One row per live path at ?2
 * holding the same content (moved, not deleted), or one with NULLs.
 * Phone paths are joined in C (lb_library_folder_path): a recursive query
 * naming every path the device ever had cost more than the rest. */
static const char deleted_sql[] =
  "WITH"
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
  "SELECT g.path_id, ifnull(p.parent_id, 0), p.storage, p.name, g.size, g.mtime, b.sha256,"
  "  seen.id, seen.started, next.id, next.started, next.seq,"
  "  m.id, ifnull(m.parent_id, 0), m.storage, m.name "
  "FROM gone g JOIN paths p ON p.id = g.path_id"
  "  JOIN snapshots seen ON seen.device_id = ?1 AND seen.seq = g.seen_seq"
  "  JOIN snapshots next ON next.device_id = ?1 AND next.seq ="
  "    (SELECT min(seq) FROM snapshots WHERE device_id = ?1 AND state = 'complete' AND seq > g.seen_seq)"
  "  LEFT JOIN blobs b ON b.id = g.blob_id"
  "  LEFT JOIN versions w ON g.blob_id IS NOT NULL AND w.blob_id = g.blob_id"
  "    AND w.first_seq <= ?2 AND w.last_seq >= ?2"
  "  LEFT JOIN paths m ON m.id = w.path_id AND m.device_id = ?1 "
  "ORDER BY g.path_id";

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

typedef struct {
  LbDeletedFile *file;
  gint64 gone_seq;
} Gone;

/* Most recently gone first, then by phone path (bytes). */
static int
gone_order (gconstpointer a, gconstpointer b)
{
  const Gone *x = a, *y = b;

  if (x->gone_seq != y->gone_seq)
    return x->gone_seq > y->gone_seq ? -1 : 1;
  return strcmp (x->file->phone_path, y->file->phone_path);
}

GPtrArray *
lb_library_list_deleted (LbLibrary *self, gint64 snapshot_id, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (Gone));
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  GPtrArray *list;
  gint64 device_id, seq, last_path = 0;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (stmt = lb_db_prepare (self->db, deleted_sql, error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      gint64 path_id = sqlite3_column_int64 (stmt, 0);
      LbDeletedFile *f;

      if (gone->len == 0 || path_id != last_path)
        {
          Gone g = { g_new0 (LbDeletedFile, 1), sqlite3_column_int64 (stmt, 11) };

          last_path = path_id;
          g_array_append_val (gone, g);
          f = g.file;
          if ((f->phone_path = lb_library_row_path (self, folders, stmt, 1, error)) == NULL)
            break;  /* the catalog is damaged: said, never listed without a path */
          f->size = sqlite3_column_int64 (stmt, 4);
          f->mtime = sqlite3_column_int64 (stmt, 5);
          if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
            f->blob = g_strdup (lb_db_column_text (stmt, 6));
          f->last_snapshot_id = sqlite3_column_int64 (stmt, 7);
          f->last_seen = sqlite3_column_int64 (stmt, 8);
          f->gone_snapshot_id = sqlite3_column_int64 (stmt, 9);
          f->gone_at = sqlite3_column_int64 (stmt, 10);
        }
      f = g_array_index (gone, Gone, gone->len - 1).file;
      /* Where its content is now: the first such path, by bytes. */
      if (sqlite3_column_type (stmt, 12) != SQLITE_NULL)
        {
          char *now = lb_library_row_path (self, folders, stmt, 13, error);

          if (now == NULL)
            break;
          if (f->moved_to == NULL || strcmp (now, f->moved_to) < 0)
            {
              g_free (f->moved_to);
              f->moved_to = now;
            }
          else
            g_free (now);
        }
    }
  if (rc != SQLITE_DONE)
    {
      for (guint i = 0; i < gone->len; i++)
        lb_deleted_file_free (g_array_index (gone, Gone, i).file);
      return NULL;
    }
  g_array_sort (gone, gone_order);
  list = g_ptr_array_new_full (gone->len, (GDestroyNotify) lb_deleted_file_free);
  for (guint i = 0; i < gone->len; i++)
    g_ptr_array_add (list, g_array_index (gone, Gone, i).file);
  return list;
}

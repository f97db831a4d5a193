/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding a file by name across a phone's whole history: each version with
 * the snapshots that hold it. */
#include "config.h"

#include <string.h>

#include "lb-library-private.h"

/* ---- SQL, by table ---------------------------------------------------------- */

/* ?1 the device, ?2 the text, ?3 and ?4 the dates (0: none).  A version
 * holds for the device's snapshots first_seq..last_seq.  The phone paths
 * of the matches are made in C from their folders' (lb_library_row_path,
 * each folder once): naming every path of the phone first (a recursive query)
 * cost 80 ms on 30,000 paths, for a handful of matches. */
static const char find_sql[] =
  "SELECT p.parent_id, p.storage, p.name, v.size, v.mtime, b.sha256, v.first_seq, v.last_seq "
  "FROM paths p JOIN versions v ON v.path_id = p.id"
  "  LEFT JOIN blobs b ON b.id = v.blob_id "
  "WHERE p.device_id = ?1 AND p.is_folder = 0 AND instr(lower(p.name), lower(?2)) > 0"
  "  AND (?3 = 0 OR v.mtime >= ?3) AND (?4 = 0 OR v.mtime < ?4)";
/* The device's snapshots by seq: a version's seqs become snapshot ids in
 * C, which costs a binary search, not a query per version. */
static const char find_snapshots_sql[] =
  "SELECT seq, id FROM snapshots WHERE device_id = ?1 AND state != 'running' ORDER BY seq";

/* ---- reading ---------------------------------------------------------------- */

void
lb_found_file_free (LbFoundFile *file)
{
  if (file == NULL)
    return;
  g_free (file->phone_path);
  g_free (file->blob);
  g_array_unref (file->snapshot_ids);
  g_free (file);
}

typedef struct {
  LbFoundFile *file;
  gint64 first_seq;
} Found;

static int
by_path_then_seq (gconstpointer a, gconstpointer b)
{
  const Found *x = a, *y = b;
  int c = strcmp (x->file->phone_path, y->file->phone_path);

  if (c != 0)
    return c;
  return (x->first_seq > y->first_seq) - (x->first_seq < y->first_seq);
}

/* The ids of the snapshots (seqs[i], ids[i] sorted by seq) in first..last. */
static GArray *
ids_between (GArray *seqs, GArray *ids, gint64 first, gint64 last)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint lo = 0, hi = seqs->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (seqs, gint64, mid) < first)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint i = lo; i < seqs->len && g_array_index (seqs, gint64, i) <= last; i++)
    g_array_append_val (out, g_array_index (ids, gint64, i));
  return out;
}

GPtrArray *
lb_library_find (LbLibrary *self, gint64 snapshot_id, const char *text, gint64 from, gint64 to, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL, snaps = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_found_file_free);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Found));
  gint64 device_id, seq;
  int rc;

  g_return_val_if_fail (lb_library_owned (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  if (!lb_library_snapshot_key (self, snapshot_id, &device_id, &seq, error) ||
      (snaps = lb_db_prepare (self->db, find_snapshots_sql, error)) == NULL ||
      (stmt = lb_db_prepare (self->db, find_sql, error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (snaps, 1, device_id);
  while ((rc = lb_db_step (self->db, snaps, error)) == SQLITE_ROW)
    {
      gint64 s = sqlite3_column_int64 (snaps, 0), id = sqlite3_column_int64 (snaps, 1);
      g_array_append_val (seqs, s);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, from);
  sqlite3_bind_int64 (stmt, 4, to);
  while ((rc = lb_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      GArray *held = ids_between (seqs, ids, sqlite3_column_int64 (stmt, 6), sqlite3_column_int64 (stmt, 7));
      LbFoundFile *f;

      /* A version only a running snapshot holds: nothing to restore from. */
      if (held->len == 0)
        {
          g_array_unref (held);
          continue;
        }
      f = g_new0 (LbFoundFile, 1);
      f->snapshot_ids = held;
      g_ptr_array_add (list, f);
      g_array_append_vals (found, &(Found) { f, sqlite3_column_int64 (stmt, 6) }, 1);
      if ((f->phone_path = lb_library_row_path (self, folders, stmt, 0, error)) == NULL)
        return NULL;
      f->size = sqlite3_column_int64 (stmt, 3);
      f->mtime = sqlite3_column_int64 (stmt, 4);
      if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
        f->blob = g_strdup (lb_db_column_text (stmt, 5));
    }
  if (rc != SQLITE_DONE)
    return NULL;
  /* By phone path (byte order, as SQLite's), then oldest version first. */
  g_array_sort (found, by_path_then_seq);
  for (guint i = 0; i < found->len; i++)
    list->pdata[i] = g_array_index (found, Found, i).file;
  return g_steal_pointer (&list);
}

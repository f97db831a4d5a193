/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding a file by name across a phone's whole history: each version with
 * the snapshots that hold it. */
#include "config.h"

#include <string.h>

#include "lb-library-private.h"
#include "lb-error.h"

#include <glib/gi18n-lib.h>


/* ---- SQL, by table ---------------------------------------------------------- */

/* ?1 the device, ?2 the text, ?3 and ?4 the dates (0: none).  A version
 * holds for the device's snapshots first_seq..last_seq.  The phone paths
 * of the matches are made in C from their folders' (folder_sql, each
 * folder once): naming every path of the phone first (a recursive query)
 * cost 80 ms on 30,000 paths, for a handful of matches. */
static const char find_sql[] =
  "SELECT p.parent_id, p.storage, p.name, v.size, v.mtime, b.sha256, v.first_seq, v.last_seq "
  "FROM paths p JOIN versions v ON v.path_id = p.id"
  "  LEFT JOIN blobs b ON b.id = v.blob_id "
  "WHERE p.device_id = ?1 AND p.is_folder = 0 AND instr(lower(p.name), lower(?2)) > 0"
  "  AND (?3 = 0 OR v.mtime >= ?3) AND (?4 = 0 OR v.mtime < ?4)";
/* paths */
static const char folder_sql[] = "SELECT parent_id, storage, name FROM paths WHERE id = ?1";

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

/* One folder's row: its parent (0 at the top), storage and name; FALSE
 * with error when the catalog fails or lacks it. */
static gboolean
folder_row (LbLibrary *self, gint64 id, gint64 *parent_id, char **storage, char **name, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  if ((stmt = lb_db_prepare (self->db, folder_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = lb_db_step (self->db, stmt, error);
  if (rc == SQLITE_ROW)
    {
      *parent_id = sqlite3_column_int64 (stmt, 0);
      *storage = g_strdup (lb_db_column_text (stmt, 1));
      *name = g_strdup (lb_db_column_text (stmt, 2));
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The library’s catalog is damaged: folder %s of the phone is missing from it. "
                     "“lifeboat-cli verify” checks the whole library."), number);
    }
  return FALSE;
}

typedef struct {
  gint64 id;
  char *name;
} Climbed;

static void
climbed_clear (gpointer data)
{
  g_free (((Climbed *) data)->name);
}

const char *
lb_library_folder_path (LbLibrary *self, GHashTable *folders, gint64 id, GError **error)
{
  g_autoptr(GArray) up = g_array_new (FALSE, FALSE, sizeof (Climbed));  /* id, then its parents */
  g_autofree char *top = NULL;
  const char *path;

  g_array_set_clear_func (up, climbed_clear);
  /* Up to a folder already joined or to the storage; iterative, as a
   * phone's folders may nest thousands deep, and bounded, as a damaged
   * catalog's may go round in a circle. */
  while ((path = g_hash_table_lookup (folders, &id)) == NULL)
    {
      Climbed c = { id, NULL };
      g_autofree char *storage = NULL;
      gint64 parent_id;

      if (up->len > LB_MAX_FOLDER_DEPTH)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                       _("The library’s catalog is damaged: its folders go round in a circle. "
                         "“lifeboat-cli verify” checks the whole library."));
          return NULL;
        }
      if (!folder_row (self, id, &parent_id, &storage, &c.name, error))
        return NULL;
      g_array_append_val (up, c);
      if (parent_id == 0)
        {
          path = top = g_strconcat ("/", storage, NULL);
          break;
        }
      id = parent_id;
    }
  /* Down again, each folder from its parent's. */
  for (guint i = up->len; i > 0; i--)
    {
      const Climbed *f = &g_array_index (up, Climbed, i - 1);
      gint64 *key = g_memdup2 (&f->id, sizeof f->id);
      char *joined = g_strconcat (path, "/", f->name, NULL);

      g_hash_table_insert (folders, key, joined);
      path = joined;
    }
  return path;
}

char *
lb_library_row_path (LbLibrary *self, GHashTable *folders, LbStmt *stmt, int col, GError **error)
{
  gint64 parent_id = sqlite3_column_int64 (stmt, col);
  const char *storage = lb_db_column_text (stmt, col + 1), *name = lb_db_column_text (stmt, col + 2);
  const char *folder;

  if (parent_id == 0)
    return g_strconcat ("/", storage, "/", name, NULL);
  if ((folder = lb_library_folder_path (self, folders, parent_id, error)) == NULL)
    return NULL;
  return g_strconcat (folder, "/", name, NULL);
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

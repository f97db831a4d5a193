/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Phone paths ("/Internal shared storage/DCIM/a.jpg") of catalog rows,
 * joined in C one folder at a time, for find and the deleted files. */
#include "config.h"

#include "lb-library-private.h"
#include "lb-error.h"

#include <glib/gi18n-lib.h>

/* ---- SQL, by table ---------------------------------------------------------- */

/* paths */
static const char folder_sql[] = "SELECT parent_id, storage, name FROM paths WHERE id = ?1";

/* ---- joining ---------------------------------------------------------------- */

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

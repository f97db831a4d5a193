/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-library-util.h"

#include <string.h>
#include <glib/gstdio.h>

LbDeviceInfo pixel = {
  .serial = "0123456789ABCDEF",
  .vendor_id = 0x18d1,
  .product_id = 0x4ee1,
  .manufacturer = "Google",
  .model = "Pixel 7",
  .firmware = "UQ1A.240205.004",
  .friendly_name = "Anna's Pixel",
};

/* The same fake serial on another model: another device. */
LbDeviceInfo cheap = {
  .serial = "0123456789ABCDEF",
  .vendor_id = 0x0e8d,
  .product_id = 0x201d,
  .manufacturer = "MediaTek",
  .model = "Cheap Phone",
  .firmware = "",
  .friendly_name = "",
};

void
remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d != NULL)
    {
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (d);
    }
  g_remove (path);
}

void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  f->tmp = g_dir_make_tmp ("lifeboat-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->lib = g_build_filename (f->tmp, "library", NULL);
}

void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->lib);
}

LbLibrary *
open_library (const char *dir, LbLibraryMode mode)
{
  g_autoptr(GError) error = NULL;
  LbLibrary *lib = lb_library_open (dir, TRUE, mode, &error);

  g_assert_no_error (error);
  g_assert_nonnull (lib);
  return lib;
}

guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

char *
store_blob (LbLibrary *lib, const void *data, gsize len, gboolean *is_new)
{
  g_autoptr(GError) error = NULL;
  LbBlobWriter *w = lb_library_new_blob (lib, &error);
  char *sha256;

  g_assert_no_error (error);
  lb_blob_writer_write (w, data, len, &error);
  g_assert_no_error (error);
  sha256 = lb_blob_writer_finish (w, is_new, &error);
  g_assert_no_error (error);
  return sha256;
}

char *
store_text (LbLibrary *lib, const char *text)
{
  return store_blob (lib, text, strlen (text), NULL);
}

gint64
add_path (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name, gboolean folder)
{
  g_autoptr(GError) error = NULL;
  gint64 id = lb_snapshot_writer_path (w, storage, parent, name, folder, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

void
record (LbSnapshotWriter *w, gint64 path, guint64 size, gint64 mtime, const char *blob)
{
  g_autoptr(GError) error = NULL;

  lb_snapshot_writer_record (w, path, blob ? 3 /* a text file */ : 1 /* folder */, size, mtime,
                             blob, &error);
  g_assert_no_error (error);
}

gint64
add_folder (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name)
{
  gint64 id = add_path (w, storage, parent, name, TRUE);

  record (w, id, 0, 1700000000, NULL);
  return id;
}

gint64
add_file (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name,
          const char *blob, guint64 size, gint64 mtime)
{
  gint64 id = add_path (w, storage, parent, name, FALSE);

  record (w, id, size, mtime, blob);
  return id;
}

void
finish (LbSnapshotWriter *w, LbSnapshotState state)
{
  g_autoptr(GError) error = NULL;

  lb_snapshot_writer_finish (w, state, &error);
  g_assert_no_error (error);
}

void
checkpoint (LbSnapshotWriter *w)
{
  g_autoptr(GError) error = NULL;

  lb_snapshot_writer_checkpoint (w, &error);
  g_assert_no_error (error);
}

GPtrArray *
entries (LbLibrary *lib, gint64 snapshot)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list = lb_library_list_entries (lib, snapshot, &error);

  g_assert_no_error (error);
  return list;
}

LbEntry *
find_kind (GPtrArray *list, const char *phone_path, guint ordinal, gboolean folder)
{
  for (guint i = 0; i < list->len; i++)
    {
      LbEntry *e = list->pdata[i];
      if (strcmp (e->phone_path, phone_path) == 0 && e->ordinal == ordinal && e->is_folder == folder)
        return e;
    }
  return NULL;
}

LbEntry *
find_entry (GPtrArray *list, const char *phone_path, guint ordinal)
{
  return find_kind (list, phone_path, ordinal, FALSE);
}

LbSnapshot *
get_snapshot (LbLibrary *lib, gint64 id)
{
  g_autoptr(GError) error = NULL;
  LbSnapshot *s = lb_library_get_snapshot (lib, id, &error);

  g_assert_no_error (error);
  return s;
}

sqlite3 *
open_catalog (const char *lib)
{
  g_autofree char *path = g_build_filename (lib, "catalog.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

gint64
sql_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

void
sql_exec (sqlite3 *db, const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

gint64
catalog_size (const char *lib)
{
  sqlite3 *db = open_catalog (lib);
  gint64 size;

  sql_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)");
  size = sql_int (db, "PRAGMA page_count") * sql_int (db, "PRAGMA page_size");
  sqlite3_close (db);
  return size;
}

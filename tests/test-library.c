/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library against real SQLite files and blob files in a temp folder.
 * This file: opening, locking, the catalog's checks and migrations; the
 * snapshots and the blob store have their own files. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "lb-db.h"
#include "lb-lock.h"
#include "lb-schema.h"
#include "test-library-util.h"

static void
test_open_create (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(LbLibrary) reader = NULL;
  g_autofree char *blobs = g_build_filename (f->lib, "blobs", NULL);
  g_autofree char *tmp = g_build_filename (f->lib, "tmp", NULL);
  g_autofree char *catalog = g_build_filename (f->lib, "catalog.db", NULL);
  g_autofree char *def = lb_library_default_path ();
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  g_assert_cmpstr (lb_library_get_path (lib), ==, f->lib);
  g_assert_cmpint (g_stat (f->lib, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_file_test (blobs, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (tmp, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (g_stat (catalog, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* A reader beside the writer. */
  reader = lb_library_open (f->lib, FALSE, LB_LIBRARY_READ, &error);
  g_assert_no_error (error);
  list = lb_library_list_snapshots (reader, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  g_assert_true (g_str_has_suffix (def, "/lifeboat"));
  g_assert_true (g_str_has_prefix (def, g_get_user_data_dir ()));
}

static void
test_open_missing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->tmp, "a-file", NULL);
  LbLibrary *lib;

  (void) data;
  lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_WRITE, &error);
  g_assert_null (lib);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING);
  g_assert_nonnull (strstr (error->message, "is not there"));
  g_assert_nonnull (strstr (error->message, "connect and mount the disk"));
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_READ, &error);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  lib = lb_library_open (file, TRUE, LB_LIBRARY_WRITE, &error);
  g_assert_null (lib);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING);
}

static void
test_open_foreign (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = g_build_filename (f->lib, "holiday.jpg", NULL);
  g_autofree char *empty = g_build_filename (f->tmp, "empty", NULL);
  g_autofree char *catalog = g_build_filename (empty, "catalog.db", NULL);
  LbLibrary *lib;

  (void) data;
  g_assert_cmpint (g_mkdir (f->lib, 0700), ==, 0);
  g_assert_true (g_file_set_contents (photo, "JFIF", 4, NULL));
  lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_WRITE, &error);
  g_assert_null (lib);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING);
  g_assert_nonnull (strstr (error->message, "is not a Lifeboat library"));
  /* Nothing was written into it. */
  g_assert_cmpuint (count_files (f->lib), ==, 1);
  g_clear_error (&error);

  /* An empty folder someone chose becomes a library. */
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  lib = lb_library_open (empty, FALSE, LB_LIBRARY_WRITE, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (catalog, G_FILE_TEST_IS_REGULAR));
  g_object_unref (lib);
}

static void
test_open_not_a_catalog (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *catalog = g_build_filename (f->lib, "catalog.db", NULL);
  g_autofree char *junk = g_strnfill (8192, 'x');
  sqlite3 *db;
  LbLibrary *lib;

  (void) data;
  g_assert_cmpint (g_mkdir (f->lib, 0700), ==, 0);
  g_assert_true (g_file_set_contents (catalog, junk, -1, NULL));
  lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_READ, &error);
  g_assert_null (lib);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED);
  g_assert_nonnull (strstr (error->message, "not an SQLite database"));
  g_clear_error (&error);

  /* Another program's database. */
  g_assert_cmpint (g_unlink (catalog), ==, 0);
  db = open_catalog (f->lib);
  sql_exec (db, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)");
  sqlite3_close (db);
  lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_READ, &error);
  g_assert_null (lib);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED);
  g_assert_nonnull (strstr (error->message, "not a Lifeboat catalog"));
}

static void
test_stale_running (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *partial = g_build_filename (f->lib, "tmp", "blob-abcdef", NULL);
  g_autofree char *tmp = g_build_filename (f->lib, "tmp", NULL);
  g_autofree char *lock = g_build_filename (f->lib, "lock", NULL);
  LbLibrary *lib;
  LbSnapshotWriter *w;
  LbSnapshot *s;
  GPtrArray *list;
  gint64 id;
  sqlite3 *db;
  int fd;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id = lb_snapshot_writer_get_id (w);
  finish (w, LB_SNAPSHOT_COMPLETE);
  g_object_unref (lib);
  /* What a writer that died leaves behind. */
  db = open_catalog (f->lib);
  sql_exec (db, "UPDATE snapshots SET state = 'running', finished = 0");
  sqlite3_close (db);
  g_assert_true (g_file_set_contents (partial, "half a photo", -1, NULL));

  /* A reader changes nothing, but tells by the writer's lock whether the
   * writer is still there: running while someone holds it, interrupted
   * (as the next writer will mark it) once nobody does. */
  fd = lb_lock_open (lock, &error);
  g_assert_no_error (error);
  g_assert_true (lb_lock_take (fd, LB_LOCK_WRITER, &error));
  lib = open_library (f->lib, LB_LIBRARY_READ);
  s = get_snapshot (lib, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_RUNNING);
  lb_snapshot_free (s);
  close (fd);
  s = get_snapshot (lib, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
  lb_snapshot_free (s);
  list = lb_library_list_snapshots (lib, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((LbSnapshot *) list->pdata[0])->state, ==, LB_SNAPSHOT_INTERRUPTED);
  g_ptr_array_unref (list);
  g_object_unref (lib);
  db = open_catalog (f->lib);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM snapshots WHERE state = 'running'"), ==, 1);
  sqlite3_close (db);
  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));

  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  s = get_snapshot (lib, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
  lb_snapshot_free (s);
  g_assert_cmpuint (count_files (tmp), ==, 0);
  g_object_unref (lib);
}

static void
test_lock (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lock = g_build_filename (f->lib, "lock", NULL);
  LbLibrary *writer, *reader, *reader2, *other;
  int fd;

  (void) data;
  writer = open_library (f->lib, LB_LIBRARY_WRITE);
  other = lb_library_open (f->lib, FALSE, LB_LIBRARY_WRITE, &error);
  g_assert_null (other);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
  g_assert_nonnull (strstr (error->message, "Another Lifeboat is using this library right now"));
  g_clear_error (&error);

  /* Readers share, and do not mind the writer. */
  reader = open_library (f->lib, LB_LIBRARY_READ);
  reader2 = open_library (f->lib, LB_LIBRARY_READ);

  /* What prune will do: readers keep it out, and it keeps them out. */
  fd = lb_lock_open (lock, &error);
  g_assert_no_error (error);
  g_assert_false (lb_lock_take (fd, LB_LOCK_NO_READERS, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
  g_clear_error (&error);
  g_object_unref (reader);
  g_object_unref (reader2);
  g_assert_true (lb_lock_take (fd, LB_LOCK_NO_READERS, &error));
  g_assert_no_error (error);
  reader = lb_library_open (f->lib, FALSE, LB_LIBRARY_READ, &error);
  g_assert_null (reader);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
  g_clear_error (&error);
  close (fd);

  /* The lock goes with the library. */
  g_object_unref (writer);
  other = open_library (f->lib, LB_LIBRARY_WRITE);
  g_object_unref (other);
}

static void
test_reader_sees_commits (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) writer = NULL;
  g_autoptr(LbLibrary) reader = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(LbSnapshot) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL;
  LbSnapshotWriter *w;
  gint64 id, dcim;

  (void) data;
  writer = open_library (f->lib, LB_LIBRARY_WRITE);
  reader = open_library (f->lib, LB_LIBRARY_READ);
  blob = store_text (writer, "hello");
  w = lb_library_begin_snapshot (writer, &pixel, &error);
  g_assert_no_error (error);
  id = lb_snapshot_writer_get_id (w);

  /* The snapshot itself is committed at once, as running. */
  list = lb_library_list_snapshots (reader, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((LbSnapshot *) list->pdata[0])->state, ==, LB_SNAPSHOT_RUNNING);
  g_assert_cmpint (((LbSnapshot *) list->pdata[0])->finished, ==, 0);

  dcim = add_folder (w, STORAGE, 0, "DCIM");
  add_file (w, STORAGE, dcim, "a.txt", blob, 5, 1700000000);
  lb_snapshot_writer_count (w, 1, 1, 5, 5, 5);
  /* A reader that comes while a transaction is open does not wait for it. */
  g_clear_object (&reader);
  reader = open_library (f->lib, LB_LIBRARY_READ);
  seen = entries (reader, id);
  g_assert_cmpuint (seen->len, ==, 0);
  g_clear_pointer (&seen, g_ptr_array_unref);

  checkpoint (w);
  seen = entries (reader, id);
  g_assert_cmpuint (seen->len, ==, 2);
  s = get_snapshot (reader, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_RUNNING);
  g_assert_cmpuint (s->files, ==, 1);
  g_clear_pointer (&s, lb_snapshot_free);

  finish (w, LB_SNAPSHOT_COMPLETE);
  s = get_snapshot (reader, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_COMPLETE);
  g_assert_cmpint (s->finished, >=, s->started);
}

static void
test_migrations (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *catalog = g_build_filename (f->lib, "catalog.db", NULL);
  LbLibrary *lib;
  sqlite3 *db;

  (void) data;
  /* From every older version, up to this one in one go; version 0 is a
   * new, empty file. */
  for (int v = 0; v < LB_SCHEMA_VERSION; v++)
    {
      g_autoptr(GPtrArray) problems = NULL;
      LbDb *old;

      remove_tree (f->lib);
      g_assert_cmpint (g_mkdir (f->lib, 0700), ==, 0);
      old = lb_db_open (catalog, TRUE, &error);
      g_assert_no_error (error);
      lb_schema_migrate_to (old, v, &error);
      g_assert_no_error (error);
      lb_db_close (old);

      /* A reader upgrades too: it could not read the catalog otherwise. */
      lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_READ, &error);
      g_assert_no_error (error);
      db = open_catalog (f->lib);
      g_assert_cmpint (sql_int (db, "PRAGMA user_version"), ==, LB_SCHEMA_VERSION);
      g_assert_cmpint (sql_int (db, "PRAGMA application_id"), ==, LB_SCHEMA_APPLICATION_ID);
      g_assert_cmpint (sql_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'versions'"), ==, 1);
      g_assert_cmpint (sql_int (db, "SELECT count(*) FROM sqlite_master "
                                    "WHERE name IN ('restore_journal', 'restore_journal_key')"), ==, 2);
      sqlite3_close (db);
      g_assert_true (lb_library_check_catalog (lib, &problems, &error));
      g_assert_cmpuint (problems->len, ==, 0);
      g_object_unref (lib);
    }

  /* A newer Lifeboat's catalog is left alone. */
  db = open_catalog (f->lib);
  sql_exec (db, "PRAGMA user_version = 99");
  sqlite3_close (db);
  lib = lb_library_open (f->lib, FALSE, LB_LIBRARY_WRITE, &error);
  g_assert_null (lib);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED);
  g_assert_cmpstr (error->message, ==,
                   "This library was written by a newer Lifeboat (catalog version 99); update Lifeboat");
  db = open_catalog (f->lib);
  g_assert_cmpint (sql_int (db, "PRAGMA user_version"), ==, 99);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM restore_journal"), ==, 0);
  sqlite3_close (db);
}

/* A blob file as any version stores it. */
static char *
put_blob (const char *lib, const char *content)
{
  char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
  g_autofree char *ab = g_strndup (sha, 2);
  g_autofree char *dir = g_build_filename (lib, "blobs", ab, NULL);
  g_autofree char *file = g_build_filename (dir, sha, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, content, -1, NULL));
  return sha;
}

/* What Lifeboat wrote at version 1, spelt out in SQL of that version (not
 * written by today's code, which writes today's version): the pixel phone
 * with a complete snapshot and an interrupted one. */
static void
write_v1_catalog (const char *lib, const char *a, const char *b)
{
  g_autofree char *catalog = g_build_filename (lib, "catalog.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *blobs = NULL;
  LbDb *old;
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (lib, 0700), ==, 0);
  old = lb_db_open (catalog, TRUE, &error);
  g_assert_no_error (error);
  lb_schema_migrate_to (old, 1, &error);
  g_assert_no_error (error);
  lb_db_close (old);

  db = open_catalog (lib);
  sql_exec (db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; BEGIN;"
                "INSERT INTO devices VALUES (1, '0123456789ABCDEF', 6353, 20193, 'Google', 'Pixel 7', 2);"
                "INSERT INTO snapshots VALUES (1, 1, 1, 1700000000, 1700000060, 'complete',"
                "  'UQ1A.240205.004', 'Anna''s Pixel', 2, 1, 13, 13, 13, 1);"
                "INSERT INTO snapshots VALUES (2, 1, 2, 1700100000, 0, 'interrupted', '', '',"
                "  1, 1, 9, 0, 0, 0);"
                "INSERT INTO storages VALUES (1, 65537, 'Internal shared storage', '', 'fixed',"
                "  68719476736, 10737418240, 0);"
                "INSERT INTO storages VALUES (1, 131073, 'SD card', '3061-6232', 'removable',"
                "  34359738368, 1073741824, 4294967296);"
                "INSERT INTO storages VALUES (2, 65537, 'Internal shared storage', '', 'fixed',"
                "  68719476736, 10737418000, 0);"
                "INSERT INTO paths VALUES (1, 1, 'Internal shared storage', NULL, 'DCIM', 0, 1);"
                "INSERT INTO paths VALUES (2, 1, 'Internal shared storage', 1, 'a.jpg', 0, 0);"
                "INSERT INTO paths VALUES (3, 1, 'Internal shared storage', NULL, 'note.txt', 0, 0);"
                "INSERT INTO lists VALUES (1, 1, 'album', 'Internal shared storage', 'Holiday', 'Anna');"
                "INSERT INTO list_members VALUES (1, 0, 2);"
                "INSERT INTO skipped VALUES (1, 'broken.jpg', 'the phone refused to send it');");
  blobs = g_strdup_printf ("INSERT INTO blobs VALUES (1, '%s', 9), (2, '%s', 4);"
                           "INSERT INTO versions VALUES (1, 1, 1, 2, 1, 0, 1700000000, NULL);"
                           "INSERT INTO versions VALUES (2, 2, 1, 2, 14, 9, 1700000001, 1);"
                           "INSERT INTO versions VALUES (3, 3, 1, 1, 3, 4, 1700000002, 2);"
                           "COMMIT", a, b);
  sql_exec (db, blobs);
  g_assert_cmpint (sql_int (db, "PRAGMA user_version"), ==, 1);
  sqlite3_close (db);
}

static void
test_migrate_v1_data (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) snaps = NULL, list = NULL, storages = NULL, lists = NULL, skipped = NULL;
  g_autoptr(GPtrArray) problems = NULL, blobs = NULL;
  g_autofree char *a = NULL, *b = NULL, *found = NULL, *sent = NULL;
  LbSnapshotWriter *w;
  LbLibrary *lib;
  LbSnapshot *s;
  LbEntry *e;
  sqlite3 *db;

  (void) data;
  g_assert_cmpint (g_mkdir (f->lib, 0700), ==, 0);
  a = put_blob (f->lib, "photo one");
  b = put_blob (f->lib, "note");
  write_v1_catalog (f->lib, a, b);

  /* Everything reads as it did. */
  lib = open_library (f->lib, LB_LIBRARY_READ);
  db = open_catalog (f->lib);
  g_assert_cmpint (sql_int (db, "PRAGMA user_version"), ==, LB_SCHEMA_VERSION);
  sqlite3_close (db);
  g_assert_true (lb_library_check_catalog (lib, &problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  snaps = lb_library_list_snapshots (lib, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snaps->len, ==, 2);
  s = snaps->pdata[0];
  g_assert_cmpint (s->id, ==, 2);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
  /* Version 4's column: every snapshot from before was asked for. */
  g_assert_false (s->automatic);
  s = snaps->pdata[1];
  g_assert_cmpint (s->seq, ==, 1);
  g_assert_cmpstr (s->model, ==, "Pixel 7");
  g_assert_false (s->automatic);
  g_assert_cmpstr (s->friendly_name, ==, "Anna's Pixel");
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_COMPLETE);
  g_assert_cmpint (s->finished, ==, 1700000060);
  g_assert_cmpuint (s->files, ==, 2);
  g_assert_cmpuint (s->bytes, ==, 13);
  g_assert_cmpuint (s->skipped, ==, 1);

  list = entries (lib, 1);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_true (find_kind (list, "/" STORAGE "/DCIM", 0, TRUE) != NULL);
  e = find_entry (list, "/" STORAGE "/DCIM/a.jpg", 0);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->blob, ==, a);
  g_assert_cmpint (e->mtime, ==, 1700000001);
  g_assert_cmpuint (e->filetype, ==, 14);
  e = find_entry (list, "/" STORAGE "/note.txt", 0);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->blob, ==, b);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = entries (lib, 2);
  g_assert_cmpuint (list->len, ==, 2);

  storages = lb_library_list_storages (lib, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (storages->len, ==, 2);
  g_assert_cmpstr (((LbStorageInfo *) storages->pdata[1])->volume, ==, "3061-6232");
  g_assert_cmpuint (((LbStorageInfo *) storages->pdata[1])->max_file_size, ==, 4ull << 30);
  lists = lb_library_list_media_lists (lib, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lists->len, ==, 1);
  g_assert_cmpint (g_array_index (((LbSnapshotList *) lists->pdata[0])->members, gint64, 0), ==, 2);
  skipped = lb_library_list_skipped (lib, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (skipped->len, ==, 1);
  blobs = lb_library_list_blobs (lib, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blobs->len, ==, 2);
  g_object_unref (lib);

  /* The journal works on the old phone and blobs; the old snapshots keep
   * serving reuse, and the device's seqs go on. */
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  g_assert_true (lb_library_journal_record (lib, &pixel, STORAGE, "DCIM/b.jpg", 9, 1710000000, a, &error));
  g_assert_no_error (error);
  sent = lb_library_journal_lookup (lib, &pixel, STORAGE, "DCIM/b.jpg", 9, 1710000000);
  g_assert_cmpstr (sent, ==, a);
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  g_assert_cmpint (add_folder (w, STORAGE, 0, "DCIM"), ==, 1);
  g_assert_cmpint (add_path (w, STORAGE, 1, "a.jpg", FALSE), ==, 2);
  found = lb_snapshot_writer_reusable_blob (w, 2, 9, 1700000001);
  g_assert_cmpstr (found, ==, a);
  g_clear_pointer (&found, g_free);
  found = lb_snapshot_writer_reusable_blob (w, add_path (w, STORAGE, 1, "b.jpg", FALSE), 9, 1710000000);
  g_assert_cmpstr (found, ==, a);
  finish (w, LB_SNAPSHOT_COMPLETE);
  s = get_snapshot (lib, 3);
  g_assert_cmpint (s->seq, ==, 3);
  g_assert_cmpint (s->device_id, ==, 1);
  lb_snapshot_free (s);
  db = open_catalog (f->lib);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM devices"), ==, 1);
  sqlite3_close (db);
  g_object_unref (lib);
}

static void
test_check_catalog (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *blob = NULL;
  LbSnapshotWriter *w;
  sqlite3 *db;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "x");
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  add_file (w, STORAGE, add_folder (w, STORAGE, 0, "a"), "b", blob, 1, 5);
  finish (w, LB_SNAPSHOT_COMPLETE);
  g_assert_true (lb_library_check_catalog (lib, &problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&problems, g_ptr_array_unref);

  db = open_catalog (f->lib);
  sql_exec (db, "UPDATE versions SET first_seq = 5 WHERE blob_id IS NOT NULL");
  sql_exec (db, "UPDATE versions SET blob_id = 77 WHERE blob_id IS NOT NULL");
  sqlite3_close (db);
  g_assert_true (lb_library_check_catalog (lib, &problems, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("problem: %s", (char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_nonnull (strstr (problems->pdata[0], "versions row"));
  g_clear_pointer (&problems, g_ptr_array_unref);

  db = open_catalog (f->lib);
  sql_exec (db, "UPDATE versions SET blob_id = 1 WHERE blob_id = 77");
  sql_exec (db, "UPDATE versions SET last_seq = 9 WHERE blob_id IS NULL");
  sqlite3_close (db);
  g_assert_true (lb_library_check_catalog (lib, &problems, &error));
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_nonnull (strstr (problems->pdata[0], "ends before it starts"));
  g_assert_nonnull (strstr (problems->pdata[1], "runs past"));
}

static void
test_blob_users (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL, sizes = NULL;
  g_autoptr(GPtrArray) paths = NULL, blobs = NULL;
  g_autofree char *x = NULL, *y = NULL;
  LbSnapshotWriter *w;
  gint64 s1, s2, s3, dir;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  x = store_text (lib, "shared content");
  y = store_text (lib, "other");

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  s1 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "A", x, 14, 10);
  add_file (w, STORAGE, 0, "Y", y, 5, 10);
  finish (w, LB_SNAPSHOT_COMPLETE);
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  s2 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "A", x, 14, 10);
  dir = add_folder (w, STORAGE, 0, "dir");
  add_file (w, STORAGE, dir, "B", x, 14, 20);
  finish (w, LB_SNAPSHOT_COMPLETE);
  w = lb_library_begin_snapshot (lib, &cheap, &error);
  s3 = lb_snapshot_writer_get_id (w);
  add_file (w, CARD, 0, "C", y, 5, 10);
  finish (w, LB_SNAPSHOT_COMPLETE);

  g_assert_true (lb_library_blob_users (lib, x, &ids, &paths, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, s1);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, s2);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_cmpstr (paths->pdata[0], ==, "/" STORAGE "/A");
  g_assert_cmpstr (paths->pdata[1], ==, "/" STORAGE "/dir/B");
  g_clear_pointer (&ids, g_array_unref);
  g_clear_pointer (&paths, g_ptr_array_unref);

  g_assert_true (lb_library_blob_users (lib, y, &ids, &paths, &error));
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, s1);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, s3);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_cmpstr (paths->pdata[0], ==, "/" STORAGE "/Y");
  g_assert_cmpstr (paths->pdata[1], ==, "/" CARD "/C");
  g_clear_pointer (&ids, g_array_unref);
  g_clear_pointer (&paths, g_ptr_array_unref);

  g_assert_true (lb_library_blob_users (lib, "0000", &ids, &paths, &error));
  g_assert_cmpuint (ids->len, ==, 0);
  g_assert_cmpuint (paths->len, ==, 0);

  blobs = lb_library_list_blobs (lib, 0, &sizes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blobs->len, ==, 2);
  g_assert_cmpint (strcmp (blobs->pdata[0], blobs->pdata[1]), <, 0);
  g_assert_cmpuint (g_array_index (sizes, guint64, strcmp (blobs->pdata[0], x) == 0 ? 0 : 1), ==, 14);
  g_clear_pointer (&blobs, g_ptr_array_unref);
  g_clear_pointer (&sizes, g_array_unref);
  blobs = lb_library_list_blobs (lib, s2, &sizes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blobs->len, ==, 1);
  g_assert_cmpstr (blobs->pdata[0], ==, x);
  g_assert_cmpuint (g_array_index (sizes, guint64, 0), ==, 14);
  g_clear_pointer (&blobs, g_ptr_array_unref);
  blobs = lb_library_list_blobs (lib, 12345, NULL, &error);
  g_assert_null (blobs);
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
}

static void
test_io_errors (void)
{
  GError *error = NULL;

  lb_library_set_io_error (&error, ENOSPC, "Could not write %s", "/lib/tmp/blob-1");
  g_assert_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL);
  g_assert_true (g_str_has_prefix (error->message, "The disk holding the library is full"));
  g_clear_error (&error);
  lb_library_set_io_error (&error, EDQUOT, "Could not write %s", "/lib/tmp/blob-1");
  g_assert_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL);
  g_clear_error (&error);
  lb_library_set_io_error (&error, EACCES, "Could not write %s", "/lib/tmp/blob-1");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "/lib/tmp/blob-1"));
  g_clear_error (&error);
}

/* ---- first opens at once ------------------------------------------------ */

typedef struct {
  const char *dir;
  GError *error;
} FirstOpen;

static gpointer
first_open_thread (gpointer data)
{
  FirstOpen *o = data;
  LbLibrary *lib = lb_library_open (o->dir, TRUE, LB_LIBRARY_READ, &o->error);

  if (lib != NULL)
    g_object_unref (lib);
  return NULL;
}

/* The window and its Preferences open a new library at the same moment:
 * both must get it, each seeing the catalog created and upgraded once.
 * Before the catalog lock, one lost BEGIN IMMEDIATE at once ("busy") about
 * one run in ten under a sanitizer. */
static void
test_first_opens_at_once (Fixture *f, gconstpointer data)
{
  (void) data;
  for (guint round = 0; round < 40; round++)
    {
      g_autofree char *dir = g_strdup_printf ("%s-%u", f->lib, round);
      FirstOpen opens[4];
      GThread *threads[4];

      g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        {
          opens[i] = (FirstOpen) { dir, NULL };
          threads[i] = g_thread_new ("first-open", first_open_thread, &opens[i]);
        }
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        {
          g_thread_join (threads[i]);
          g_assert_no_error (opens[i].error);
        }
    }
}

static gpointer
list_from_thread (gpointer lib)
{
  return lb_library_list_snapshots (lib, NULL, NULL);
}

static void
test_other_thread (void)
{
  if (g_test_subprocess ())
    {
      LbLibrary *lib = open_library (g_getenv (LIBRARY_ENV), LB_LIBRARY_READ);
      g_thread_join (g_thread_new ("other", list_from_thread, lib));
      return;
    }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *tmpdir = g_dir_make_tmp ("lifeboat-test-XXXXXX", &error);

    g_object_unref (open_library (tmpdir, LB_LIBRARY_WRITE));
    g_setenv (LIBRARY_ENV, tmpdir, TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed ();
    g_test_trap_assert_stderr ("*lb_library_owned*");
    remove_tree (tmpdir);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/library/open/create", test_open_create);
  ADD_TEST ("/library/open/missing", test_open_missing);
  ADD_TEST ("/library/open/foreign-folder", test_open_foreign);
  ADD_TEST ("/library/open/not-a-catalog", test_open_not_a_catalog);
  ADD_TEST ("/library/open/stale-running", test_stale_running);
  ADD_TEST ("/library/lock/writers-and-readers", test_lock);
  ADD_TEST ("/library/lock/reader-sees-commits", test_reader_sees_commits);
  ADD_TEST ("/library/lock/first-opens-at-once", test_first_opens_at_once);
  g_test_add_func ("/library/lock/other-thread", test_other_thread);
  ADD_TEST ("/library/catalog/migrations", test_migrations);
  ADD_TEST ("/library/catalog/migrate-v1-data", test_migrate_v1_data);
  ADD_TEST ("/library/catalog/check", test_check_catalog);
  ADD_TEST ("/library/catalog/blob-users", test_blob_users);
  g_test_add_func ("/library/errors/io", test_io_errors);
  add_snapshot_tests ();
  add_blob_tests ();
  add_journal_tests ();
  return g_test_run ();
}

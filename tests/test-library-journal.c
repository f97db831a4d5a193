/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The restore journal: what a restore sent to a phone, kept durably, so a
 * rerun skips it and the next backup of that phone reads none of it. */
#include "test-library-util.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* The date a phone gives a restored file: the time of the transfer. */
#define SENT 1710000000

static void
journal (LbLibrary *lib, const LbDeviceInfo *target, const char *storage, const char *path,
         guint64 size, gint64 mtime, const char *blob)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_library_journal_record (lib, target, storage, path, size, mtime, blob, &error));
  g_assert_no_error (error);
}

static void
assert_lookup (LbLibrary *lib, const LbDeviceInfo *target, const char *storage, const char *path,
               guint64 size, gint64 mtime, const char *expected)
{
  g_autofree char *found = lb_library_journal_lookup (lib, target, storage, path, size, mtime);

  g_assert_cmpstr (found, ==, expected);
}

static void
test_record_lookup (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(LbLibrary) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL;
  LbDeviceInfo pro = pixel;
  LbSnapshotWriter *w;
  sqlite3 *db;
  gint64 before;

  (void) data;
  pro.model = "Pixel 7 Pro";
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "photo");
  journal (lib, &pixel, STORAGE, "DCIM/Camera/a.jpg", 5, SENT, blob);

  assert_lookup (lib, &pixel, STORAGE, "DCIM/Camera/a.jpg", 5, SENT, blob);
  assert_lookup (lib, &pixel, STORAGE, "DCIM/Camera/a.jpg", 6, SENT, NULL);
  assert_lookup (lib, &pixel, STORAGE, "DCIM/Camera/a.jpg", 5, SENT + 1, NULL);
  assert_lookup (lib, &pixel, CARD, "DCIM/Camera/a.jpg", 5, SENT, NULL);
  assert_lookup (lib, &pixel, STORAGE, "DCIM/Camera/b.jpg", 5, SENT, NULL);
  assert_lookup (lib, &pixel, STORAGE, "dcim/camera/a.jpg", 5, SENT, NULL);
  /* The same fake serial on another model, or another vendor: another phone. */
  assert_lookup (lib, &pro, STORAGE, "DCIM/Camera/a.jpg", 5, SENT, NULL);
  assert_lookup (lib, &cheap, STORAGE, "DCIM/Camera/a.jpg", 5, SENT, NULL);

  /* A file the phone gave no date is recorded, but never matches. */
  journal (lib, &pixel, STORAGE, "undated.jpg", 5, 0, blob);
  assert_lookup (lib, &pixel, STORAGE, "undated.jpg", 5, 0, NULL);

  /* Readers look it up too, beside the writer. */
  reader = open_library (f->lib, LB_LIBRARY_READ);
  assert_lookup (reader, &pixel, STORAGE, "DCIM/Camera/a.jpg", 5, SENT, blob);

  db = open_catalog (f->lib);
  before = sql_int (db, "SELECT count(*) FROM devices");
  g_assert_cmpint (before, ==, 1);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM restore_journal"), ==, 2);
  g_assert_cmpint (sql_int (db, "SELECT sent_at FROM restore_journal WHERE path = 'undated.jpg'"),
                   >=, g_get_real_time () / G_USEC_PER_SEC - 60);
  /* Looking up a phone the library never saw does not make it known. */
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM devices"), ==, before);

  /* A phone first met by a restore has had no snapshot: its first is 1. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sql_int (db, "SELECT seq FROM snapshots"), ==, 1);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM devices"), ==, 1);
  sqlite3_close (db);
  finish (w, LB_SNAPSHOT_COMPLETE);
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autofree char *a = NULL, *b = NULL;
  sqlite3 *db;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  a = store_text (lib, "first");
  b = store_text (lib, "second!");
  journal (lib, &pixel, STORAGE, "Music/song.mp3", 5, SENT, a);
  journal (lib, &pixel, CARD, "Music/song.mp3", 5, SENT, a);
  journal (lib, &cheap, STORAGE, "Music/song.mp3", 5, SENT, a);

  /* Sent again to the same place: only the latest can be what is there. */
  journal (lib, &pixel, STORAGE, "Music/song.mp3", 7, SENT + 60, b);
  assert_lookup (lib, &pixel, STORAGE, "Music/song.mp3", 7, SENT + 60, b);
  assert_lookup (lib, &pixel, STORAGE, "Music/song.mp3", 5, SENT, NULL);
  /* Other storages and phones keep their own. */
  assert_lookup (lib, &pixel, CARD, "Music/song.mp3", 5, SENT, a);
  assert_lookup (lib, &cheap, STORAGE, "Music/song.mp3", 5, SENT, a);

  db = open_catalog (f->lib);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM restore_journal"), ==, 3);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM devices"), ==, 2);
  sqlite3_close (db);
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(LbLibrary) reader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL;
  g_autofree char *unknown = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "never stored", -1);
  LbSnapshotWriter *w;
  sqlite3 *db;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "photo");

  g_assert_false (lb_library_journal_record (lib, &pixel, STORAGE, "a.jpg", 12, SENT, unknown, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, unknown));
  g_clear_error (&error);

  reader = open_library (f->lib, LB_LIBRARY_READ);
  g_assert_false (lb_library_journal_record (reader, &pixel, STORAGE, "a.jpg", 5, SENT, blob, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "opened for reading only"));
  g_clear_error (&error);

  /* Not nested in the writer's transaction, where it would not be durable. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  g_assert_false (lb_library_journal_record (lib, &pixel, STORAGE, "a.jpg", 5, SENT, blob, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "finish the snapshot first"));
  g_clear_error (&error);
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* Nothing of those was kept, not even the phone of the unknown blob. */
  db = open_catalog (f->lib);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM restore_journal"), ==, 0);
  g_assert_cmpint (sql_int (db, "SELECT count(*) FROM devices"), ==, 1);
  sqlite3_close (db);

  journal (lib, &pixel, STORAGE, "a.jpg", 5, SENT, blob);
  assert_lookup (lib, &pixel, STORAGE, "a.jpg", 5, SENT, blob);
}

static void
test_durable (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL;
  pid_t pid;
  int status;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "sent to the phone");
  /* The child takes the writer lock itself, and SQLite connections must
   * not cross a fork. */
  g_clear_object (&lib);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* A restore that dies just after the phone confirmed a file: no
       * unref, no close, no atexit handlers, nothing flushed. */
      LbLibrary *child = lb_library_open (f->lib, FALSE, LB_LIBRARY_WRITE, NULL);

      if (child == NULL ||
          !lb_library_journal_record (child, &pixel, STORAGE, "DCIM/a.jpg", 17, SENT, blob, NULL))
        _exit (1);
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  lib = open_library (f->lib, LB_LIBRARY_READ);
  assert_lookup (lib, &pixel, STORAGE, "DCIM/a.jpg", 17, SENT, blob);
  g_clear_object (&lib);
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  assert_lookup (lib, &pixel, STORAGE, "DCIM/a.jpg", 17, SENT, blob);
  g_assert_true (lb_library_check_catalog (lib, &problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
}

static char *
reusable (LbSnapshotWriter *w, gint64 path, guint64 size, gint64 mtime)
{
  return lb_snapshot_writer_reusable_blob (w, path, size, mtime);
}

/* The first backup after a restore: the phone dated every restored file
 * at the restore, no snapshot has those dates, the journal does. */
static void
test_reusable_blob (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL, *top = NULL, *lost = NULL, *deep = NULL, *lost_file = NULL;
  g_autofree char *found = NULL;
  LbSnapshotWriter *w;
  gint64 folder, sub, x, c, p;
  sqlite3 *db;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  photo = store_text (lib, "restored photo");
  top = store_text (lib, "top");
  lost = store_text (lib, "lost");
  deep = store_text (lib, "deep");

  /* A backup from before: the folders exist, the files do not yet. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  folder = add_folder (w, STORAGE, 0, "Folder");
  sub = add_folder (w, STORAGE, folder, "sub");
  finish (w, LB_SNAPSHOT_COMPLETE);

  journal (lib, &pixel, STORAGE, "Folder/sub/x.jpg", 14, SENT, photo);
  journal (lib, &pixel, STORAGE, "top.txt", 3, SENT, top);
  journal (lib, &pixel, STORAGE, "Folder/sub/lost.jpg", 4, SENT, lost);
  journal (lib, &pixel, STORAGE, "New/a/b/c/d.txt", 4, SENT, deep);
  journal (lib, &pixel, STORAGE, "New/a/b/c/e.txt", 3, SENT, top);
  lost_file = lb_library_blob_path (lib, lost);
  g_assert_cmpint (g_unlink (lost_file), ==, 0);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  g_assert_cmpint (add_folder (w, STORAGE, 0, "Folder"), ==, folder);
  g_assert_cmpint (add_folder (w, STORAGE, folder, "sub"), ==, sub);
  x = add_path (w, STORAGE, sub, "x.jpg", FALSE);
  found = reusable (w, x, 14, SENT);
  g_assert_cmpstr (found, ==, photo);
  g_assert_null (reusable (w, x, 15, SENT));
  g_assert_null (reusable (w, x, 14, SENT + 1));
  g_assert_null (reusable (w, x, 14, 0));
  g_assert_null (reusable (w, add_path (w, STORAGE, sub, "y.jpg", FALSE), 14, SENT));
  /* Recorded, but its blob file went missing: read it again. */
  g_assert_null (reusable (w, add_path (w, STORAGE, sub, "lost.jpg", FALSE), 4, SENT));
  g_clear_pointer (&found, g_free);
  found = reusable (w, add_path (w, STORAGE, 0, "top.txt", FALSE), 3, SENT);
  g_assert_cmpstr (found, ==, top);
  g_clear_pointer (&found, g_free);
  /* Folders this snapshot is the first to see, several levels deep. */
  c = add_folder (w, STORAGE, add_folder (w, STORAGE, add_folder (w, STORAGE,
                  add_folder (w, STORAGE, 0, "New"), "a"), "b"), "c");
  found = reusable (w, add_path (w, STORAGE, c, "d.txt", FALSE), 4, SENT);
  g_assert_cmpstr (found, ==, deep);
  g_clear_pointer (&found, g_free);
  found = reusable (w, add_path (w, STORAGE, c, "e.txt", FALSE), 3, SENT);
  g_assert_cmpstr (found, ==, top);
  g_clear_pointer (&found, g_free);
  /* The same path on the other storage is another file. */
  p = add_folder (w, CARD, add_folder (w, CARD, 0, "Folder"), "sub");
  g_assert_null (reusable (w, add_path (w, CARD, p, "x.jpg", FALSE), 14, SENT));
  /* Recorded as a backup would: the blob reused, nothing read. */
  found = reusable (w, x, 14, SENT);
  record (w, x, 14, SENT, found);
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* The same fake serial on another phone: the journal is not its. */
  w = lb_library_begin_snapshot (lib, &cheap, &error);
  g_assert_no_error (error);
  p = add_folder (w, STORAGE, add_folder (w, STORAGE, 0, "Folder"), "sub");
  g_assert_null (reusable (w, add_path (w, STORAGE, p, "x.jpg", FALSE), 14, SENT));
  /* Nor is another phone's path id, though a version of it matches. */
  g_assert_null (reusable (w, x, 14, SENT));
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* A damaged catalog, a folder inside itself: no reuse, and no loop. */
  db = open_catalog (f->lib);
  sql_exec (db, "UPDATE paths SET parent_id = id WHERE name = 'c'");
  sqlite3_close (db);
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  g_assert_null (reusable (w, add_path (w, STORAGE, c, "e.txt", FALSE), 3, SENT));
  finish (w, LB_SNAPSHOT_COMPLETE);
}

void
add_journal_tests (void)
{
  ADD_TEST ("/library/journal/record-lookup", test_record_lookup);
  ADD_TEST ("/library/journal/replace", test_replace);
  ADD_TEST ("/library/journal/refused", test_refused);
  ADD_TEST ("/library/journal/durable", test_durable);
  ADD_TEST ("/library/journal/reusable-blob", test_reusable_blob);
}

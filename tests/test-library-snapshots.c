/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Snapshots: what goes in comes out, unchanged files cost nothing, and an
 * interrupted or killed writer leaves a consistent catalog. */
#include "test-library-util.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

/* Names as a hostile phone gives them: control characters, a "/", and
 * the same name three times in one folder (twice a file, once a folder). */
static const char weird_name[] = "line\nbreak\ttab\x01\x1b[31m.txt";
static const char slash_name[] = "AC/DC - Back in Black.mp3";

typedef struct {
  gint64 dcim, dup0, dup1, dup_folder, weird, slash, card_file;
} RoundTrip;

static void
write_round_trip (LbSnapshotWriter *w, const char *blob_a, const char *blob_b, RoundTrip *ids)
{
  g_autoptr(GError) error = NULL;
  LbStorageInfo internal = { 0x10001, STORAGE, "", LB_STORAGE_FIXED, 64ull << 30, 10ull << 30, 0 };
  LbStorageInfo card = { 0x20001, CARD, "3061-6232", LB_STORAGE_REMOVABLE, 32ull << 30, 1ull << 30,
                         4ull << 30 };
  gint64 music;

  lb_snapshot_writer_add_storage (w, &internal, &error);
  g_assert_no_error (error);
  lb_snapshot_writer_add_storage (w, &card, &error);
  g_assert_no_error (error);

  ids->dcim = add_folder (w, STORAGE, 0, "DCIM");
  ids->dup0 = add_file (w, STORAGE, ids->dcim, "dup.jpg", blob_a, 1, 1700000001);
  ids->dup1 = add_file (w, STORAGE, ids->dcim, "dup.jpg", blob_b, 1, 1700000002);
  ids->dup_folder = add_folder (w, STORAGE, ids->dcim, "dup.jpg");
  ids->weird = add_file (w, STORAGE, ids->dup_folder, weird_name, blob_a, 1, 1700000003);
  music = add_folder (w, CARD, 0, "Music");
  ids->slash = add_file (w, CARD, music, slash_name, blob_b, 1, 1700000004);
  ids->card_file = ids->slash;
  lb_snapshot_writer_count (w, 4, 3, 4, 2, 2);
  lb_snapshot_writer_skip (w, "broken.jpg", "the phone refused to send it", &error);
  g_assert_no_error (error);
  {
    gint64 members[] = { ids->slash, ids->dup0 };
    lb_snapshot_writer_add_list (w, LB_LIST_PLAYLIST, CARD, "Road trip", "", members, 2, &error);
    g_assert_no_error (error);
    lb_snapshot_writer_add_list (w, LB_LIST_ALBUM, CARD, "Back in Black", "AC/DC", members, 1, &error);
    g_assert_no_error (error);
  }
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_autofree char *weird_path = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) snaps = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(GPtrArray) storages = NULL;
  g_autoptr(LbSnapshot) s = NULL;
  RoundTrip first, second;
  LbSnapshotWriter *w;
  gint64 id1, id2, id3;
  LbEntry *e;
  LbStorageInfo *st;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  a = store_text (lib, "A");
  b = store_text (lib, "B");

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  id1 = lb_snapshot_writer_get_id (w);
  write_round_trip (w, a, b, &first);
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* The same listing maps to the same paths. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  id2 = lb_snapshot_writer_get_id (w);
  write_round_trip (w, a, b, &second);
  finish (w, LB_SNAPSHOT_COMPLETE);
  g_assert_cmpmem (&first, sizeof first, &second, sizeof second);
  g_assert_cmpint (first.dup0, !=, first.dup1);
  g_assert_cmpint (first.dup0, !=, first.dup_folder);

  /* Same serial, other model: another device with its own seqs. */
  w = lb_library_begin_snapshot (lib, &cheap, &error);
  g_assert_no_error (error);
  id3 = lb_snapshot_writer_get_id (w);
  finish (w, LB_SNAPSHOT_INTERRUPTED);

  s = get_snapshot (lib, id2);
  g_assert_cmpint (s->seq, ==, 2);
  g_assert_cmpstr (s->serial, ==, pixel.serial);
  g_assert_cmpuint (s->vendor_id, ==, pixel.vendor_id);
  g_assert_cmpuint (s->product_id, ==, pixel.product_id);
  g_assert_cmpstr (s->manufacturer, ==, "Google");
  g_assert_cmpstr (s->model, ==, "Pixel 7");
  g_assert_cmpstr (s->firmware, ==, pixel.firmware);
  g_assert_cmpstr (s->friendly_name, ==, "Anna's Pixel");
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_COMPLETE);
  g_assert_cmpuint (s->files, ==, 4);
  g_assert_cmpuint (s->folders, ==, 3);
  g_assert_cmpuint (s->bytes, ==, 4);
  g_assert_cmpuint (s->transferred_bytes, ==, 2);
  g_assert_cmpuint (s->new_bytes, ==, 2);
  g_assert_cmpuint (s->skipped, ==, 1);
  g_clear_pointer (&s, lb_snapshot_free);
  s = get_snapshot (lib, id3);
  g_assert_cmpint (s->seq, ==, 1);
  g_assert_cmpint (s->device_id, !=, 0);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
  g_assert_cmpstr (lb_snapshot_state_to_string (s->state), ==, "interrupted");

  snaps = lb_library_list_snapshots (lib, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snaps->len, ==, 3);
  g_assert_cmpint (((LbSnapshot *) snaps->pdata[0])->id, ==, id3);
  g_assert_cmpint (((LbSnapshot *) snaps->pdata[2])->id, ==, id1);
  g_clear_pointer (&snaps, g_ptr_array_unref);
  snaps = lb_library_list_snapshots (lib, "no such serial", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snaps->len, ==, 0);

  g_assert_null (lb_library_get_snapshot (lib, 9999, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = entries (lib, id1);
  g_assert_cmpuint (list->len, ==, 7);
  /* Storage, then phone path: parents come before their children. */
  e = list->pdata[0];
  g_assert_cmpstr (e->phone_path, ==, "/" STORAGE "/DCIM");
  g_assert_true (e->is_folder);
  g_assert_cmpint (e->parent_id, ==, 0);
  g_assert_cmpstr (e->storage, ==, STORAGE);
  for (guint i = 0; i < list->len; i++)
    {
      LbEntry *child = list->pdata[i];
      gboolean parent_seen = child->parent_id == 0;
      for (guint j = 0; j < i; j++)
        parent_seen |= ((LbEntry *) list->pdata[j])->path_id == child->parent_id;
      g_assert_true (parent_seen);
    }

  e = find_entry (list, "/" STORAGE "/DCIM/dup.jpg", 1);
  g_assert_nonnull (e);
  g_assert_false (e->is_folder);
  g_assert_cmpint (e->path_id, ==, first.dup1);
  g_assert_cmpstr (e->blob, ==, b);
  g_assert_cmpint (e->mtime, ==, 1700000002);
  g_assert_cmpuint (e->size, ==, 1);
  g_assert_cmpuint (e->filetype, ==, 3);
  e = find_entry (list, "/" STORAGE "/DCIM/dup.jpg", 0);
  g_assert_nonnull (e);
  g_assert_cmpint (e->path_id, ==, first.dup0);
  g_assert_cmpstr (e->blob, ==, a);
  /* A folder of that name is not a third file: its own ordinal 0. */
  e = find_kind (list, "/" STORAGE "/DCIM/dup.jpg", 0, TRUE);
  g_assert_nonnull (e);
  g_assert_cmpint (e->path_id, ==, first.dup_folder);
  g_assert_null (e->blob);
  weird_path = g_strconcat ("/" STORAGE "/DCIM/dup.jpg/", weird_name, NULL);
  e = find_entry (list, weird_path, 0);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->name, ==, weird_name);
  g_assert_cmpint (e->parent_id, ==, first.dup_folder);
  e = find_entry (list, "/" CARD "/Music/" "AC/DC - Back in Black.mp3", 0);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->name, ==, slash_name);
  g_assert_cmpstr (e->storage, ==, CARD);

  lists = lb_library_list_media_lists (lib, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lists->len, ==, 2);
  {
    LbSnapshotList *l = lists->pdata[1];
    g_assert_cmpint (l->kind, ==, LB_LIST_ALBUM);
    g_assert_cmpstr (l->artist, ==, "AC/DC");
    g_assert_cmpstr (l->storage, ==, CARD);
    l = lists->pdata[0];
    g_assert_cmpint (l->kind, ==, LB_LIST_PLAYLIST);
    g_assert_cmpstr (l->name, ==, "Road trip");
    g_assert_cmpuint (l->members->len, ==, 2);
    g_assert_cmpint (g_array_index (l->members, gint64, 0), ==, first.slash);
    g_assert_cmpint (g_array_index (l->members, gint64, 1), ==, first.dup0);
  }
  skipped = lb_library_list_skipped (lib, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (skipped->len, ==, 1);
  g_assert_cmpstr (skipped->pdata[0], ==, "broken.jpg: the phone refused to send it");

  /* Storages in the phone's order, every field as it was given. */
  storages = lb_library_list_storages (lib, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (storages->len, ==, 2);
  st = storages->pdata[0];
  g_assert_cmpuint (st->id, ==, 0x10001);
  g_assert_cmpstr (st->description, ==, STORAGE);
  g_assert_cmpstr (st->volume, ==, "");
  g_assert_cmpint (st->kind, ==, LB_STORAGE_FIXED);
  g_assert_cmpuint (st->capacity, ==, 64ull << 30);
  g_assert_cmpuint (st->free, ==, 10ull << 30);
  g_assert_cmpuint (st->max_file_size, ==, 0);
  st = storages->pdata[1];
  g_assert_cmpuint (st->id, ==, 0x20001);
  g_assert_cmpstr (st->description, ==, CARD);
  g_assert_cmpstr (st->volume, ==, "3061-6232");
  g_assert_cmpint (st->kind, ==, LB_STORAGE_REMOVABLE);
  g_assert_cmpuint (st->capacity, ==, 32ull << 30);
  g_assert_cmpuint (st->free, ==, 1ull << 30);
  g_assert_cmpuint (st->max_file_size, ==, 4ull << 30);
  g_clear_pointer (&storages, g_ptr_array_unref);
  /* Each snapshot has its own; one without any has none. */
  storages = lb_library_list_storages (lib, id2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (storages->len, ==, 2);
  g_clear_pointer (&storages, g_ptr_array_unref);
  storages = lb_library_list_storages (lib, id3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (storages->len, ==, 0);
  g_clear_pointer (&storages, g_ptr_array_unref);
  g_assert_null (lb_library_list_storages (lib, 9999, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
}

/* Twenty folders of a hundred photos, recorded as a backup would. */
#define GROWTH_FILES 2000

static gint64
write_big_snapshot (LbLibrary *lib)
{
  g_autoptr(GError) error = NULL;
  LbSnapshotWriter *w = lb_library_begin_snapshot (lib, &pixel, &error);
  LbStorageInfo internal = { 0x10001, STORAGE, "", LB_STORAGE_FIXED, 64ull << 30, 10ull << 30, 0 };
  gint64 dcim, folder = 0, id;

  g_assert_no_error (error);
  id = lb_snapshot_writer_get_id (w);
  lb_snapshot_writer_add_storage (w, &internal, &error);
  g_assert_no_error (error);
  dcim = add_folder (w, STORAGE, 0, "DCIM");
  for (guint i = 0; i < GROWTH_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_20240%u%02u_%06u.jpg", 1 + i % 9, i % 28 + 1, i * 37);
      g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, -1);

      if (i % 100 == 0)
        {
          g_autofree char *fname = g_strdup_printf ("Camera %02u", i / 100);
          folder = add_folder (w, STORAGE, dcim, fname);
        }
      add_file (w, STORAGE, folder, name, sha, 1000000 + i * 4099, 1700000000 + i * 61);
      if (i % 500 == 499)
        checkpoint (w);
    }
  finish (w, LB_SNAPSHOT_COMPLETE);
  return id;
}

static void
test_no_change_growth (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  gint64 before, after, rows_before, rows_after, id1, id2;
  g_autoptr(GPtrArray) list1 = NULL;
  g_autoptr(GPtrArray) list2 = NULL;
  sqlite3 *db;

  (void) data;
  g_object_unref (open_library (f->lib, LB_LIBRARY_WRITE));
  /* The blobs rows, without 2,000 files and fsyncs: only the catalog is
   * measured here. */
  db = open_catalog (f->lib);
  sql_exec (db, "BEGIN");
  for (guint i = 0; i < GROWTH_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_20240%u%02u_%06u.jpg", 1 + i % 9, i % 28 + 1, i * 37);
      g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, -1);
      g_autofree char *sql = g_strdup_printf ("INSERT INTO blobs (sha256, size) VALUES ('%s', %u)",
                                              sha, 1000000 + i * 4099);
      sql_exec (db, sql);
    }
  sql_exec (db, "COMMIT");
  sqlite3_close (db);

  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  id1 = write_big_snapshot (lib);
  g_clear_object (&lib);
  before = catalog_size (f->lib);
  db = open_catalog (f->lib);
  rows_before = sql_int (db, "SELECT count(*) FROM versions");
  sqlite3_close (db);

  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  id2 = write_big_snapshot (lib);
  g_clear_object (&lib);
  after = catalog_size (f->lib);
  db = open_catalog (f->lib);
  rows_after = sql_int (db, "SELECT count(*) FROM versions");
  sqlite3_close (db);

  g_test_message ("catalog: %" G_GINT64_FORMAT " bytes after the first snapshot of %d files, "
                  "+%" G_GINT64_FORMAT " bytes for a no-change second one",
                  before, GROWTH_FILES, after - before);
  g_assert_cmpint (rows_after, ==, rows_before);
  g_assert_cmpint (after - before, <, 64 * 1024);

  lib = open_library (f->lib, LB_LIBRARY_READ);
  list1 = entries (lib, id1);
  list2 = entries (lib, id2);
  g_assert_cmpuint (list1->len, ==, GROWTH_FILES + 21);
  g_assert_cmpuint (list2->len, ==, list1->len);
}

static void
test_changed_file (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *v1 = NULL, *v2 = NULL, *v3 = NULL;
  g_autoptr(GPtrArray) l1 = NULL, l2 = NULL, l3 = NULL;
  LbSnapshotWriter *w;
  gint64 s1, s2, s3, path;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  v1 = store_text (lib, "first");
  v2 = store_text (lib, "second!");
  v3 = store_text (lib, "third");

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  s1 = lb_snapshot_writer_get_id (w);
  path = add_file (w, STORAGE, 0, "notes.txt", v1, 5, 1000);
  add_file (w, STORAGE, 0, "gone.txt", v3, 5, 1000);
  finish (w, LB_SNAPSHOT_COMPLETE);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  s2 = lb_snapshot_writer_get_id (w);
  g_assert_cmpint (add_file (w, STORAGE, 0, "notes.txt", v2, 7, 2000), ==, path);
  add_file (w, STORAGE, 0, "new.txt", v3, 5, 1000);
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* Recorded twice in one snapshot: the newest record wins, and going back
   * to what the previous snapshot had extends that version again. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  s3 = lb_snapshot_writer_get_id (w);
  g_assert_cmpint (add_file (w, STORAGE, 0, "notes.txt", v1, 5, 1000), ==, path);
  record (w, path, 7, 2000, v2);
  finish (w, LB_SNAPSHOT_COMPLETE);

  l1 = entries (lib, s1);
  l2 = entries (lib, s2);
  l3 = entries (lib, s3);
  g_assert_cmpuint (l1->len, ==, 2);
  g_assert_cmpstr (find_entry (l1, "/" STORAGE "/notes.txt", 0)->blob, ==, v1);
  g_assert_cmpuint (find_entry (l1, "/" STORAGE "/notes.txt", 0)->size, ==, 5);
  g_assert_nonnull (find_entry (l1, "/" STORAGE "/gone.txt", 0));
  g_assert_null (find_entry (l1, "/" STORAGE "/new.txt", 0));
  g_assert_cmpuint (l2->len, ==, 2);
  g_assert_cmpstr (find_entry (l2, "/" STORAGE "/notes.txt", 0)->blob, ==, v2);
  g_assert_cmpint (find_entry (l2, "/" STORAGE "/notes.txt", 0)->mtime, ==, 2000);
  g_assert_null (find_entry (l2, "/" STORAGE "/gone.txt", 0));
  g_assert_nonnull (find_entry (l2, "/" STORAGE "/new.txt", 0));
  g_assert_cmpuint (l3->len, ==, 1);
  g_assert_cmpstr (find_entry (l3, "/" STORAGE "/notes.txt", 0)->blob, ==, v2);

  {
    sqlite3 *db = open_catalog (f->lib);
    char sql[128];

    g_snprintf (sql, sizeof sql, "SELECT count(*) FROM versions WHERE path_id = %" G_GINT64_FORMAT, path);
    g_assert_cmpint (sql_int (db, sql), ==, 2);
    sqlite3_close (db);
  }
}

static void
test_reusable_blob (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL, *lost = NULL, *found = NULL, *found_lost = NULL, *lost_file = NULL;
  LbSnapshotWriter *w;
  gint64 path, undated, missing;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "photo");
  lost = store_text (lib, "lost");

  /* An interrupted snapshot's finished files count. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  path = add_file (w, STORAGE, 0, "a.jpg", blob, 5, 1700000000);
  undated = add_file (w, STORAGE, 0, "undated.jpg", blob, 5, 0);
  missing = add_file (w, STORAGE, 0, "lost.jpg", lost, 4, 1700000000);
  checkpoint (w);
  lb_snapshot_writer_free (w);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  g_assert_cmpint (add_path (w, STORAGE, 0, "a.jpg", FALSE), ==, path);
  found = lb_snapshot_writer_reusable_blob (w, path, 5, 1700000000);
  g_assert_cmpstr (found, ==, blob);
  g_assert_null (lb_snapshot_writer_reusable_blob (w, path, 6, 1700000000));
  g_assert_null (lb_snapshot_writer_reusable_blob (w, path, 5, 1700000001));
  g_assert_null (lb_snapshot_writer_reusable_blob (w, undated, 5, 0));
  g_assert_null (lb_snapshot_writer_reusable_blob (w, path + 1000, 5, 1700000000));
  /* A blob file that went missing is read again rather than trusted. */
  found_lost = lb_snapshot_writer_reusable_blob (w, missing, 4, 1700000000);
  g_assert_cmpstr (found_lost, ==, lost);
  lost_file = lb_library_blob_path (lib, lost);
  g_assert_cmpint (g_unlink (lost_file), ==, 0);
  g_assert_null (lb_snapshot_writer_reusable_blob (w, missing, 4, 1700000000));
  finish (w, LB_SNAPSHOT_COMPLETE);
}

static void
test_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(LbSnapshot) s = NULL;
  LbSnapshotWriter *w;
  gint64 id;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "kept");
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "kept.txt", blob, 4, 1000);
  lb_snapshot_writer_count (w, 1, 0, 4, 4, 4);
  checkpoint (w);
  add_file (w, STORAGE, 0, "lost.txt", blob, 4, 1000);
  lb_snapshot_writer_count (w, 1, 0, 4, 0, 0);
  lb_snapshot_writer_free (w);

  s = get_snapshot (lib, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
  g_assert_cmpint (s->finished, >=, s->started);
  g_assert_cmpuint (s->files, ==, 1);
  list = entries (lib, id);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((LbEntry *) list->pdata[0])->name, ==, "kept.txt");

  /* The library takes the next writer. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  finish (w, LB_SNAPSHOT_COMPLETE);
}

/* A full disk half-way through a backup: the error says so, and the
 * snapshot is kept as interrupted with what was checkpointed. */
static void
test_catalog_full (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *blob = NULL;
  LbSnapshotWriter *w;
  LbSnapshot *s;
  gint64 id, folder;
  guint i;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  blob = store_text (lib, "x");
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id = lb_snapshot_writer_get_id (w);
  folder = add_folder (w, STORAGE, 0, "Download");
  checkpoint (w);
  /* SQLite's own limit stands in for the disk: it fails the same way. */
  g_assert_true (lb_db_exec (lib->db, "PRAGMA max_page_count = 1", &error));
  for (i = 0; i < 100000; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%u", i);
      gint64 path = lb_snapshot_writer_path (w, STORAGE, folder, name, FALSE, &error);

      if (path == 0 || !lb_snapshot_writer_record (w, path, 3, 1, 1000, blob, &error))
        break;
    }
  g_assert_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL);
  g_assert_true (g_str_has_prefix (error->message, "The disk holding the library is full"));
  g_assert_cmpuint (i, >, 0);
  lb_snapshot_writer_free (w);
  g_assert_true (lb_db_exec (lib->db, "PRAGMA max_page_count = 1073741823", NULL));

  s = get_snapshot (lib, id);
  g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
  lb_snapshot_free (s);
  list = entries (lib, id);
  g_assert_cmpuint (list->len, ==, 1);
}

static void
test_crash (void)
{
  const char *dir = g_getenv (LIBRARY_ENV);
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      /* The backup that dies: half of it checkpointed, a blob half written. */
      LbLibrary *lib = open_library (dir, LB_LIBRARY_WRITE);
      LbSnapshotWriter *w = lb_library_begin_snapshot (lib, &pixel, &error);
      g_autofree char *blob = store_text (lib, "content");
      LbBlobWriter *partial;
      gint64 folder = add_folder (w, STORAGE, 0, "Download");

      for (guint i = 0; i < 200; i++)
        {
          g_autofree char *name = g_strdup_printf ("file-%03u", i);
          add_file (w, STORAGE, folder, name, blob, 7, 1000 + i);
          if (i == 99)
            checkpoint (w);
        }
      partial = lb_library_new_blob (lib, &error);
      lb_blob_writer_write (partial, (const guint8 *) "half", 4, &error);
      raise (SIGKILL);
      return;
    }

  {
    g_autofree char *tmpdir = g_dir_make_tmp ("lifeboat-test-XXXXXX", &error);
    g_autofree char *lib_dir = g_build_filename (tmpdir, "library", NULL);
    g_autofree char *tmp = g_build_filename (lib_dir, "tmp", NULL);
    g_autoptr(GPtrArray) before = NULL, after = NULL, killed = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    g_autofree char *blob = NULL;
    LbSnapshotWriter *w;
    LbLibrary *lib;
    LbSnapshot *s;
    gint64 first;

    lib = open_library (lib_dir, LB_LIBRARY_WRITE);
    blob = store_text (lib, "first");
    w = lb_library_begin_snapshot (lib, &pixel, &error);
    first = lb_snapshot_writer_get_id (w);
    add_file (w, STORAGE, add_folder (w, STORAGE, 0, "Download"), "file-000", blob, 5, 1000);
    finish (w, LB_SNAPSHOT_COMPLETE);
    before = entries (lib, first);
    /* The child must not inherit our lock. */
    g_object_unref (lib);

    g_setenv (LIBRARY_ENV, lib_dir, TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_failed ();
    g_assert_cmpuint (count_files (tmp), ==, 1);

    lib = open_library (lib_dir, LB_LIBRARY_WRITE);
    s = get_snapshot (lib, first + 1);
    g_assert_cmpint (s->state, ==, LB_SNAPSHOT_INTERRUPTED);
    lb_snapshot_free (s);
    killed = entries (lib, first + 1);
    g_assert_cmpuint (killed->len, ==, 101);
    g_assert_cmpstr (((LbEntry *) killed->pdata[100])->name, ==, "file-099");
    after = entries (lib, first);
    g_assert_cmpuint (after->len, ==, before->len);
    for (guint i = 0; i < after->len; i++)
      {
        LbEntry *a = before->pdata[i], *b = after->pdata[i];
        g_assert_cmpstr (a->phone_path, ==, b->phone_path);
        g_assert_cmpstr (a->blob, ==, b->blob);
        g_assert_cmpint (a->mtime, ==, b->mtime);
      }
    s = get_snapshot (lib, first);
    g_assert_cmpint (s->state, ==, LB_SNAPSHOT_COMPLETE);
    lb_snapshot_free (s);
    g_assert_cmpuint (count_files (tmp), ==, 0);
    g_assert_true (lb_library_check_catalog (lib, &problems, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (problems->len, ==, 0);
    g_object_unref (lib);
    remove_tree (tmpdir);
  }
}

static LbDeletedFile *
find_deleted (GPtrArray *list, const char *phone_path)
{
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((LbDeletedFile *) list->pdata[i])->phone_path, phone_path) == 0)
      return list->pdata[i];
  return NULL;
}

/* "Deleted from the phone": b.jpg deleted, c.jpg moved into Moved/, then
 * Moved/c.jpg deleted too; an interrupted snapshot between counts for
 * nothing. */
static void
test_deleted (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  g_autoptr(GPtrArray) at2 = NULL, at4 = NULL, at1 = NULL;
  g_autoptr(LbSnapshot) s1 = NULL, s2 = NULL;
  LbSnapshotWriter *w;
  gint64 id1, id2, id4, moved;
  LbDeletedFile *d;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  a = store_text (lib, "A");
  b = store_text (lib, "B");
  c = store_text (lib, "C");

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id1 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "a.jpg", a, 1, 1700000000);
  add_file (w, STORAGE, 0, "b.jpg", b, 1, 1700000001);
  add_file (w, STORAGE, 0, "c.jpg", c, 1, 1700000002);
  finish (w, LB_SNAPSHOT_COMPLETE);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id2 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "a.jpg", a, 1, 1700000000);
  moved = add_folder (w, STORAGE, 0, "Moved");
  add_file (w, STORAGE, moved, "c.jpg", c, 1, 1700000002);
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* Interrupted before it listed anything but a.jpg. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  add_file (w, STORAGE, 0, "a.jpg", a, 1, 1700000000);
  finish (w, LB_SNAPSHOT_INTERRUPTED);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id4 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "a.jpg", a, 1, 1700000000);
  finish (w, LB_SNAPSHOT_COMPLETE);
  g_assert_no_error (error);

  at1 = lb_library_list_deleted (lib, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (at1->len, ==, 0);

  at2 = lb_library_list_deleted (lib, id2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (at2->len, ==, 2);
  d = find_deleted (at2, "/" STORAGE "/b.jpg");
  g_assert_nonnull (d);
  g_assert_cmpint (d->last_snapshot_id, ==, id1);
  g_assert_cmpint (d->gone_snapshot_id, ==, id2);
  s1 = get_snapshot (lib, id1);
  s2 = get_snapshot (lib, id2);
  g_assert_cmpint (d->last_seen, ==, s1->started);
  g_assert_cmpint (d->gone_at, ==, s2->started);
  g_assert_cmpstr (d->blob, ==, b);
  g_assert_cmpint (d->mtime, ==, 1700000001);
  g_assert_null (d->moved_to);
  d = find_deleted (at2, "/" STORAGE "/c.jpg");
  g_assert_nonnull (d);
  g_assert_cmpstr (d->moved_to, ==, "/" STORAGE "/Moved/c.jpg");

  /* By the last snapshot c.jpg's content is gone too: deleted, both
   * paths; the interrupted one in between changes nothing. */
  at4 = lb_library_list_deleted (lib, id4, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (at4->len, ==, 3);
  d = find_deleted (at4, "/" STORAGE "/Moved/c.jpg");
  g_assert_nonnull (d);
  g_assert_cmpint (d->last_snapshot_id, ==, id2);
  g_assert_cmpint (d->gone_snapshot_id, ==, id4);
  g_assert_null (d->moved_to);
  g_assert_null (find_deleted (at4, "/" STORAGE "/c.jpg")->moved_to);
  g_assert_cmpint (find_deleted (at4, "/" STORAGE "/b.jpg")->gone_snapshot_id, ==, id2);
  /* Most recently gone first (by snapshot: they all began within a second). */
  g_assert_cmpstr (((LbDeletedFile *) at4->pdata[0])->phone_path, ==, "/" STORAGE "/Moved/c.jpg");
}

/* A file deep in folders nesting thousands deep is listed with its whole
 * path (joined without recursion); of two paths now holding a deleted
 * file's content the first by bytes is named; a damaged catalog whose
 * folders go round in a circle is said to be damaged, not walked forever. */
static void
test_deleted_deep (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr(GPtrArray) gone = NULL, damaged = NULL;
  g_autoptr(GString) want = g_string_new (NULL);
  LbSnapshotWriter *w;
  gint64 folder = 0, id2;
  sqlite3 *db;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  a = store_text (lib, "deep");
  b = store_text (lib, "twice");
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_string_append (want, "/" STORAGE);
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u", i);
      folder = add_folder (w, STORAGE, folder, name);
      g_string_append_printf (want, "/%s", name);
    }
  g_string_append (want, "/deep.txt");
  add_file (w, STORAGE, folder, "deep.txt", a, 4, 1700000000);
  add_file (w, STORAGE, 0, "twice.txt", b, 5, 1700000000);
  finish (w, LB_SNAPSHOT_COMPLETE);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  id2 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, add_folder (w, STORAGE, 0, "b"), "copy.txt", b, 5, 1700000000);
  add_file (w, STORAGE, add_folder (w, STORAGE, 0, "a"), "copy.txt", b, 5, 1700000000);
  finish (w, LB_SNAPSHOT_COMPLETE);
  g_assert_no_error (error);

  gone = lb_library_list_deleted (lib, id2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gone->len, ==, 2);
  g_assert_cmpstr (find_deleted (gone, want->str)->blob, ==, a);
  g_assert_cmpstr (find_deleted (gone, "/" STORAGE "/twice.txt")->moved_to, ==, "/" STORAGE "/a/copy.txt");

  db = open_catalog (f->lib);
  sql_exec (db, "UPDATE paths SET parent_id = (SELECT id FROM paths WHERE name = 'f2000') WHERE name = 'f10'");
  sqlite3_close (db);
  damaged = lb_library_list_deleted (lib, id2, &error);
  g_assert_null (damaged);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED);
}

static gint64
found_ids (GPtrArray *found, guint i, guint j)
{
  return g_array_index (((LbFoundFile *) found->pdata[i])->snapshot_ids, gint64, j);
}

/* Search: a photo renamed between snapshots 2 and 3 is found under its
 * old name in 1-2 and its new one in 3-4, the same content both times; a
 * running snapshot holds nothing one could restore from. */
static void
test_find (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL, *other = NULL;
  g_autoptr(GPtrArray) old_name = NULL, new_name = NULL, both = NULL, dated = NULL, none = NULL;
  gint64 ids[4];
  LbSnapshotWriter *w;
  LbFoundFile *found;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  photo = store_text (lib, "kids at the lake");
  other = store_text (lib, "notes");
  for (guint i = 0; i < 4; i++)
    {
      w = lb_library_begin_snapshot (lib, &pixel, &error);
      g_assert_no_error (error);
      ids[i] = lb_snapshot_writer_get_id (w);
      add_file (w, STORAGE, 0, i < 2 ? "IMG_Lake.jpg" : "Summer lake.jpg", photo, 16, 1720000000);
      add_file (w, STORAGE, 0, "notes.txt", other, 5, 1600000000);
      finish (w, LB_SNAPSHOT_COMPLETE);
    }
  old_name = lb_library_find (lib, ids[3], "img_lake", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (old_name->len, ==, 1);
  found = old_name->pdata[0];
  g_assert_cmpstr (found->phone_path, ==, "/" STORAGE "/IMG_Lake.jpg");
  g_assert_cmpuint (found->snapshot_ids->len, ==, 2);
  g_assert_cmpint (found_ids (old_name, 0, 0), ==, ids[0]);
  g_assert_cmpint (found_ids (old_name, 0, 1), ==, ids[1]);

  new_name = lb_library_find (lib, ids[3], "Summer", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (new_name->len, ==, 1);
  g_assert_cmpint (found_ids (new_name, 0, 0), ==, ids[2]);
  g_assert_cmpint (found_ids (new_name, 0, 1), ==, ids[3]);
  g_assert_cmpstr (((LbFoundFile *) new_name->pdata[0])->blob, ==, found->blob);

  /* "lake": both names, by path; not the file of a snapshot still running. */
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  add_file (w, STORAGE, 0, "lake-running.jpg", photo, 16, 1720000000);
  checkpoint (w);
  both = lb_library_find (lib, ids[0], "LAKE", 0, 0, &error);
  lb_snapshot_writer_free (w);
  g_assert_no_error (error);
  g_assert_cmpuint (both->len, ==, 2);
  g_assert_cmpstr (((LbFoundFile *) both->pdata[0])->phone_path, ==, "/" STORAGE "/IMG_Lake.jpg");
  g_assert_cmpstr (((LbFoundFile *) both->pdata[1])->phone_path, ==, "/" STORAGE "/Summer lake.jpg");

  /* By date: the notes are from 2020, the photos from 2024 (the third now
   * in an interrupted snapshot: what it stored counts). */
  dated = lb_library_find (lib, ids[3], "", 1700000000, 1730000000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dated->len, ==, 3);
  none = lb_library_find (lib, ids[3], "notes", 1700000000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

void
add_snapshot_tests (void)
{
  ADD_TEST ("/library/snapshot/round-trip", test_round_trip);
  ADD_TEST ("/library/snapshot/no-change-growth", test_no_change_growth);
  ADD_TEST ("/library/snapshot/changed-file", test_changed_file);
  ADD_TEST ("/library/snapshot/reusable-blob", test_reusable_blob);
  ADD_TEST ("/library/snapshot/interrupted", test_interrupted);
  ADD_TEST ("/library/snapshot/catalog-full", test_catalog_full);
  ADD_TEST ("/library/snapshot/deleted", test_deleted);
  ADD_TEST ("/library/snapshot/deleted-deep", test_deleted_deep);
  ADD_TEST ("/library/snapshot/find", test_find);
  g_test_add_func ("/library/snapshot/killed-writer", test_crash);
}

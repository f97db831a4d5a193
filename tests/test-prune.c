/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Retention: the keep rules over synthetic snapshot dates (table-driven),
 * and what a prune does to a real catalog and blob store. */
#include "test-library-util.h"
#include "lb-lock.h"
#include "lb-prune.h"
#include "lb-verify.h"

#include <string.h>
#include <glib/gstdio.h>

/* ---- the rules ------------------------------------------------------------ */

typedef struct {
  const char *when;     /* "2026-01-05 10:00" UTC */
  char state;           /* 'c'omplete, 'i'nterrupted */
} Snap;

typedef struct {
  const char *name;
  LbKeepRules rules;
  const char *zone;     /* NULL: UTC */
  Snap snaps[8];        /* seq and id are the position + 1 */
  const char *removed;  /* ids, newest first: "4 2 1" */
} RuleCase;

static const RuleCase rule_cases[] = {
  { "last", { .last = 2 }, NULL,
    { { "2026-01-01 10:00", 'c' }, { "2026-01-02 10:00", 'c' }, { "2026-01-03 10:00", 'c' },
      { "2026-01-04 10:00", 'c' }, { "2026-01-05 10:00", 'c' } },
    "3 2 1" },
  { "daily: the newest of each day", { .daily = 2 }, NULL,
    { { "2026-01-01 09:00", 'c' }, { "2026-01-01 18:00", 'c' }, { "2026-01-02 10:00", 'c' },
      { "2026-01-03 08:00", 'c' }, { "2026-01-03 20:00", 'c' } },
    "4 2 1" },
  { "hourly", { .hourly = 2 }, NULL,
    { { "2026-01-01 09:05", 'c' }, { "2026-01-01 09:55", 'c' }, { "2026-01-01 10:10", 'c' },
      { "2026-01-01 10:50", 'c' } },
    "3 1" },
  /* 2025-12-30 is in ISO week 1 of 2026, as is 2026-01-04 (a Sunday). */
  { "weekly: ISO weeks, across the new year", { .weekly = 4 }, NULL,
    { { "2025-12-30 12:00", 'c' }, { "2026-01-04 12:00", 'c' }, { "2026-01-05 12:00", 'c' },
      { "2026-01-11 12:00", 'c' }, { "2026-01-12 12:00", 'c' }, { "2026-01-14 12:00", 'c' } },
    "5 3 1" },
  { "monthly", { .monthly = 2 }, NULL,
    { { "2024-12-31 12:00", 'c' }, { "2025-06-01 12:00", 'c' }, { "2025-06-30 12:00", 'c' },
      { "2026-01-01 12:00", 'c' } },
    "2 1" },
  { "monthly and yearly count each", { .monthly = 1, .yearly = 3 }, NULL,
    { { "2024-12-31 12:00", 'c' }, { "2025-06-01 12:00", 'c' }, { "2025-06-30 12:00", 'c' },
      { "2026-01-01 12:00", 'c' } },
    "2" },
  { "an interrupted snapshot stays until a later one completes", { .last = 1 }, NULL,
    { { "2026-01-01 10:00", 'c' }, { "2026-01-02 10:00", 'i' }, { "2026-01-03 10:00", 'c' },
      { "2026-01-04 10:00", 'i' } },
    "2 1" },
  { "the rules count complete snapshots only", { .last = 2 }, NULL,
    { { "2026-01-01 10:00", 'c' }, { "2026-01-02 10:00", 'i' }, { "2026-01-03 10:00", 'c' },
      { "2026-01-04 10:00", 'c' } },
    "2 1" },
  { "no complete snapshot: everything stays", { .last = 1 }, NULL,
    { { "2026-01-01 10:00", 'i' }, { "2026-01-02 10:00", 'i' } },
    "" },
  { "days are the user's: one day in UTC...", { .daily = 2 }, NULL,
    { { "2026-03-01 14:30", 'c' }, { "2026-03-01 16:30", 'c' } },
    "1" },
  { "...are two in Tokyo", { .daily = 2 }, "Asia/Tokyo",
    { { "2026-03-01 14:30", 'c' }, { "2026-03-01 16:30", 'c' } },
    "" },
  /* A clock set back: snapshots are ordered by when they started. */
  { "order by start time, not by sequence", { .last = 1 }, NULL,
    { { "2026-01-05 10:00", 'c' }, { "2026-01-01 10:00", 'c' } },
    "2" },
};

static gint64
parse_utc (const char *when)
{
  int y, mo, d, h, mi;
  g_autoptr(GDateTime) t = NULL;

  g_assert_cmpint (sscanf (when, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi), ==, 5);
  t = g_date_time_new_utc (y, mo, d, h, mi, 0);
  return g_date_time_to_unix (t);
}

static void
test_rules (gconstpointer data)
{
  const RuleCase *c = data;
  g_autoptr(GPtrArray) snaps = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free);
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GTimeZone) tz = c->zone ? g_time_zone_new_identifier (c->zone) : g_time_zone_new_utc ();
  g_autoptr(GString) got = g_string_new (NULL);

  g_assert_nonnull (tz);
  for (guint i = 0; i < G_N_ELEMENTS (c->snaps) && c->snaps[i].when; i++)
    {
      LbSnapshot *s = g_new0 (LbSnapshot, 1);
      s->id = s->seq = i + 1;
      s->device_id = 1;
      s->started = parse_utc (c->snaps[i].when);
      s->state = c->snaps[i].state == 'c' ? LB_SNAPSHOT_COMPLETE : LB_SNAPSHOT_INTERRUPTED;
      /* Any order in: the function sorts. */
      g_ptr_array_insert (snaps, i % 2 ? 0 : -1, s);
    }
  removed = lb_prune_select (snaps, &c->rules, tz);
  for (guint i = 0; i < removed->len; i++)
    g_string_append_printf (got, "%s%" G_GINT64_FORMAT, i ? " " : "", ((LbSnapshot *) removed->pdata[i])->id);
  g_assert_cmpstr (got->str, ==, c->removed);
}

/* ---- a real catalog -------------------------------------------------------- */

typedef struct {
  char *a, *b, *b2, *c;      /* blobs: a.jpg; doc.txt, then edited; new.txt */
  gint64 s1, s2, s3;
} Built;

static void
built_clear (Built *b)
{
  g_free (b->a);
  g_free (b->b);
  g_free (b->b2);
  g_free (b->c);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Built, built_clear)

/* s1: DCIM/a.jpg, doc.txt; s2: doc.txt edited; s3: a.jpg deleted, new.txt.
 * The restore journal says a.jpg was once sent back to the phone. */
static void
build (const char *dir, Built *out)
{
  g_autoptr(LbLibrary) lib = open_library (dir, LB_LIBRARY_WRITE);
  GError *error = NULL;
  LbSnapshotWriter *w;
  gint64 dcim;

  out->a = store_text (lib, "a photo");
  out->b = store_text (lib, "a document");
  out->b2 = store_text (lib, "a document, edited");
  out->c = store_text (lib, "new");

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  out->s1 = lb_snapshot_writer_get_id (w);
  dcim = add_folder (w, STORAGE, 0, "DCIM");
  add_file (w, STORAGE, dcim, "a.jpg", out->a, 7, 1700000001);
  add_file (w, STORAGE, 0, "doc.txt", out->b, 10, 1700000002);
  finish (w, LB_SNAPSHOT_COMPLETE);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  out->s2 = lb_snapshot_writer_get_id (w);
  dcim = add_folder (w, STORAGE, 0, "DCIM");
  add_file (w, STORAGE, dcim, "a.jpg", out->a, 7, 1700000001);
  add_file (w, STORAGE, 0, "doc.txt", out->b2, 18, 1700000100);
  finish (w, LB_SNAPSHOT_COMPLETE);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  out->s3 = lb_snapshot_writer_get_id (w);
  add_file (w, STORAGE, 0, "doc.txt", out->b2, 18, 1700000100);
  add_file (w, STORAGE, 0, "new.txt", out->c, 3, 1700000200);
  finish (w, LB_SNAPSHOT_COMPLETE);

  g_assert_true (lb_library_journal_record (lib, &pixel, STORAGE, "DCIM/a.jpg", 7, 1700009999, out->a, &error));
  g_assert_no_error (error);
}

static gboolean
blob_exists (const char *dir, const char *sha)
{
  g_autoptr(LbLibrary) lib = open_library (dir, LB_LIBRARY_READ);
  g_autofree char *path = lb_library_blob_path (lib, sha);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static LbPruneReport *
prune (const char *dir, LbLibraryMode mode, const LbKeepRules *rules, gboolean dry_run, GError **error)
{
  g_autoptr(LbLibrary) lib = open_library (dir, mode);
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();
  return lb_prune (lib, NULL, rules, tz, dry_run, NULL, error);
}

static void
assert_verifies (const char *dir)
{
  g_autoptr(LbLibrary) lib = open_library (dir, LB_LIBRARY_READ);
  g_autoptr(GPtrArray) problems = NULL;
  GError *error = NULL;

  g_assert_true (lb_verify (lib, 0, NULL, NULL, &problems, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
}

/* What a catalog holds, to compare before and after. */
static char *
catalog_counts (const char *dir)
{
  sqlite3 *db = open_catalog (dir);
  char *s = g_strdup_printf ("snapshots %" G_GINT64_FORMAT " versions %" G_GINT64_FORMAT " blobs %" G_GINT64_FORMAT
                             " paths %" G_GINT64_FORMAT " journal %" G_GINT64_FORMAT,
                             sql_int (db, "SELECT count(*) FROM snapshots"), sql_int (db, "SELECT count(*) FROM versions"),
                             sql_int (db, "SELECT count(*) FROM blobs"), sql_int (db, "SELECT count(*) FROM paths"),
                             sql_int (db, "SELECT count(*) FROM restore_journal"));
  sqlite3_close (db);
  return s;
}

static void
test_prune_catalog (Fixture *f, gconstpointer data)
{
  LbKeepRules last1 = { .last = 1 };
  g_auto(Built) built = { 0 };
  g_autoptr(LbPruneReport) dry = NULL, r = NULL, again = NULL;
  g_autofree char *before = NULL, *after_dry = NULL, *after = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GError *error = NULL;
  (void) data;

  build (f->lib, &built);
  before = catalog_counts (f->lib);

  dry = prune (f->lib, LB_LIBRARY_READ, &last1, TRUE, &error);
  g_assert_no_error (error);
  after_dry = catalog_counts (f->lib);
  g_assert_cmpstr (after_dry, ==, before);
  g_assert_true (blob_exists (f->lib, built.a) && blob_exists (f->lib, built.b));

  r = prune (f->lib, LB_LIBRARY_WRITE, &last1, FALSE, &error);
  g_assert_no_error (error);
  /* The dry run said exactly what the prune did. */
  g_assert_cmpuint (dry->removed->len, ==, 2);
  g_assert_cmpuint (r->removed->len, ==, 2);
  g_assert_cmpint (((LbSnapshot *) r->removed->pdata[0])->id, ==, built.s2);
  g_assert_cmpint (((LbSnapshot *) r->removed->pdata[1])->id, ==, built.s1);
  g_assert_cmpuint (r->kept, ==, 1);
  g_assert_cmpuint (dry->blobs, ==, 2);
  g_assert_cmpuint (r->blobs, ==, 2);
  g_assert_cmpuint (r->freed_bytes, ==, strlen ("a photo") + strlen ("a document"));
  g_assert_cmpuint (dry->freed_bytes, ==, r->freed_bytes);

  /* a.jpg (last in s2) and the first doc.txt (last in s1) had no other copy. */
  g_assert_cmpuint (r->last_copies->len, ==, 2);
  g_assert_cmpuint (dry->last_copies->len, ==, 2);
  for (guint i = 0; i < r->last_copies->len; i++)
    {
      LbLastCopy *c = r->last_copies->pdata[i];
      LbLastCopy *d = dry->last_copies->pdata[i];
      g_assert_cmpstr (c->phone_path, ==, d->phone_path);
      g_assert_cmpstr (c->serial, ==, pixel.serial);
      if (g_str_has_suffix (c->phone_path, "/DCIM/a.jpg"))
        g_assert_cmpint (c->snapshot_id, ==, built.s2);
      else
        {
          g_assert_cmpstr (c->phone_path, ==, "/" STORAGE "/doc.txt");
          g_assert_cmpint (c->snapshot_id, ==, built.s1);
          g_assert_cmpuint (c->size, ==, 10);
        }
    }

  /* Gone: the two blobs, their files, the journal row of a.jpg, the paths
   * of a.jpg and DCIM.  Kept: s3 whole. */
  g_assert_false (blob_exists (f->lib, built.a));
  g_assert_false (blob_exists (f->lib, built.b));
  g_assert_true (blob_exists (f->lib, built.b2) && blob_exists (f->lib, built.c));
  after = catalog_counts (f->lib);
  g_assert_cmpstr (after, ==, "snapshots 1 versions 2 blobs 2 paths 2 journal 0");
  {
    g_autoptr(LbLibrary) lib = open_library (f->lib, LB_LIBRARY_READ);
    list = entries (lib, built.s3);
    g_assert_cmpuint (list->len, ==, 2);
    g_assert_cmpstr (find_entry (list, "/" STORAGE "/doc.txt", 0)->blob, ==, built.b2);
    g_assert_cmpstr (find_entry (list, "/" STORAGE "/new.txt", 0)->blob, ==, built.c);
  }
  assert_verifies (f->lib);

  /* Nothing more to do the second time. */
  again = prune (f->lib, LB_LIBRARY_WRITE, &last1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->removed->len, ==, 0);
  g_assert_cmpuint (again->blobs, ==, 0);
}

/* The next backup after a prune goes on from the kept snapshot: an
 * unchanged file still extends its version (no new row). */
static void
test_prune_then_backup (Fixture *f, gconstpointer data)
{
  LbKeepRules last1 = { .last = 1 };
  g_auto(Built) built = { 0 };
  g_autoptr(LbPruneReport) r = NULL;
  GError *error = NULL;
  gint64 versions;
  (void) data;

  build (f->lib, &built);
  r = prune (f->lib, LB_LIBRARY_WRITE, &last1, FALSE, &error);
  g_assert_no_error (error);
  {
    sqlite3 *db = open_catalog (f->lib);
    versions = sql_int (db, "SELECT count(*) FROM versions");
    sqlite3_close (db);
  }
  {
    g_autoptr(LbLibrary) lib = open_library (f->lib, LB_LIBRARY_WRITE);
    LbSnapshotWriter *w = lb_library_begin_snapshot (lib, &pixel, &error);
    g_assert_no_error (error);
    add_file (w, STORAGE, 0, "doc.txt", built.b2, 18, 1700000100);
    add_file (w, STORAGE, 0, "new.txt", built.c, 3, 1700000200);
    finish (w, LB_SNAPSHOT_COMPLETE);
  }
  {
    sqlite3 *db = open_catalog (f->lib);
    /* Two new path rows would also fail: the files keep their paths. */
    g_assert_cmpint (sql_int (db, "SELECT count(*) FROM versions"), ==, versions);
    g_assert_cmpint (sql_int (db, "SELECT count(*) FROM paths"), ==, 2);
    g_assert_cmpint (sql_int (db, "SELECT max(last_seq) FROM versions"), ==, 4);
    sqlite3_close (db);
  }
  assert_verifies (f->lib);
}

/* A reader (the window's browser, an extract) keeps a prune out, and
 * nothing changes; a dry run goes beside it. */
static void
test_prune_readers (Fixture *f, gconstpointer data)
{
  LbKeepRules last1 = { .last = 1 };
  g_auto(Built) built = { 0 };
  g_autoptr(LbLibrary) reader = NULL;
  g_autoptr(LbPruneReport) dry = NULL, r = NULL;
  g_autofree char *before = NULL, *after = NULL;
  GError *error = NULL;
  (void) data;

  build (f->lib, &built);
  before = catalog_counts (f->lib);
  reader = open_library (f->lib, LB_LIBRARY_READ);
  r = prune (f->lib, LB_LIBRARY_WRITE, &last1, FALSE, &error);
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
  g_assert_null (r);
  g_assert_nonnull (strstr (error->message, "being read"));
  g_clear_error (&error);
  after = catalog_counts (f->lib);
  g_assert_cmpstr (after, ==, before);
  g_assert_true (blob_exists (f->lib, built.a));

  dry = prune (f->lib, LB_LIBRARY_READ, &last1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dry->removed->len, ==, 2);
  g_clear_object (&reader);
}

/* Blob files the catalog does not know (a prune or backup killed at the
 * wrong moment) go with the next prune; other files in blobs/ stay. */
static void
test_prune_strays (Fixture *f, gconstpointer data)
{
  LbKeepRules last5 = { .last = 5 };
  g_auto(Built) built = { 0 };
  g_autoptr(LbPruneReport) r = NULL;
  const char *stray = "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
  g_autofree char *dir = NULL, *stray_path = NULL, *other = NULL;
  GError *error = NULL;
  (void) data;

  build (f->lib, &built);
  dir = g_build_filename (f->lib, "blobs", "ab", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  stray_path = g_build_filename (dir, stray, NULL);
  other = g_build_filename (dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (stray_path, "left by a crash", -1, NULL));
  g_assert_true (g_file_set_contents (other, "not a blob", -1, NULL));

  r = prune (f->lib, LB_LIBRARY_WRITE, &last5, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->removed->len, ==, 0);
  g_assert_cmpuint (r->strays, ==, 1);
  g_assert_false (g_file_test (stray_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_true (blob_exists (f->lib, built.a) && blob_exists (f->lib, built.b) &&
                 blob_exists (f->lib, built.b2) && blob_exists (f->lib, built.c));
  assert_verifies (f->lib);
}

/* lifeboat-cli auto --keep's form, both ways. */
static void
test_rules_text (void)
{
  static const struct { const char *text; LbKeepRules rules; const char *back; } good[] = {
    { "everything", { 0 }, "everything" },
    { "last=10,daily=30,weekly=12,monthly=24,yearly=10", { 10, 0, 30, 12, 24, 10 }, NULL },
    { "yearly=3,hourly=2", { 0, 2, 0, 0, 0, 3 }, "hourly=2,yearly=3" },
    { "daily=100000", { .daily = 100000 }, NULL },
  };
  static const char *const bad[] = {
    "", "daily", "daily=", "daily=0", "daily=-1", "daily=7x", "daily=100001", "dayly=7",
    "daily=7,daily=8", "daily=7,", ",daily=7", "Daily=7", "daily =7", "everything,daily=7",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *back = NULL;
      LbKeepRules r;

      g_assert_true (lb_keep_rules_parse (good[i].text, &r, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (&r, sizeof r, &good[i].rules, sizeof good[i].rules);
      back = lb_keep_rules_to_string (&r);
      g_assert_cmpstr (back, ==, good[i].back ? good[i].back : good[i].text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      LbKeepRules r = { 1, 1, 1, 1, 1, 1 };

      g_assert_false (lb_keep_rules_parse (bad[i], &r, &error));
      g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
      /* Left as it was. */
      g_assert_cmpuint (r.last + r.hourly + r.daily + r.weekly + r.monthly + r.yearly, ==, 6);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prune/rules-text", test_rules_text);
  for (guint i = 0; i < G_N_ELEMENTS (rule_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/prune/rules/%u", i);
      g_test_add_data_func (path, &rule_cases[i], test_rules);
    }
  ADD_TEST ("/prune/catalog", test_prune_catalog);
  ADD_TEST ("/prune/then-backup", test_prune_then_backup);
  ADD_TEST ("/prune/readers", test_prune_readers);
  ADD_TEST ("/prune/strays", test_prune_strays);
  return g_test_run ();
}

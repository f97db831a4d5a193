/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A library whose catalog.db is anything at all: a damaged disk, a file of
 * another program, a catalog of an older or newer Lifeboat with rows no
 * writer of ours would make.  Opening it (and so upgrading it) and reading
 * what the CLI and the window read must give an error or an answer, never
 * a crash or a critical.
 *
 * An input is one of two things:
 *  - an SQLite file ("SQLite format 3"), taken as the catalog as it is:
 *    damage of every kind.  Seeds: one catalog of each schema version
 *    (tests/fuzz/corpus/catalog/v*.db, make-catalog-seeds.c);
 *  - else a schema version (the first byte, modulo the versions: '0' to '3')
 *    and SQL run on a new catalog of that version: rows and schemas no
 *    writer of ours makes (NULLs, wrong types, cycles, dropped
 *    constraints), which byte mutations of a file seldom reach.  Seeds:
 *    tests/fuzz/corpus/catalog/NAME.sql. */
#include "fuzz.h"
#include "lb-library.h"
#include "lb-schema.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

/* Enough to reach every reader; a few snapshots' worth keeps each run
 * short. */
#define MAX_SNAPSHOTS 4

static char *library;

static void
remove_library (void)
{
  const char *names[] = { "catalog.db", "catalog.db-wal", "catalog.db-shm", "catalog.db-journal", "lock",
                          "blobs", "tmp" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (library, names[i], NULL);
      g_remove (path);
    }
}

static void
remove_library_at_exit (void)
{
  remove_library ();
  g_rmdir (library);
}

static int
stop_after_a_while (void *data)
{
  int *calls = data;

  /* About a million SQLite instructions. */
  return ++*calls > 1000;
}

/* The SQL form: the catalog as the input's SQL leaves it. */
static void
write_catalog_from_sql (const char *catalog, const uint8_t *data, size_t size)
{
  int version = size > 0 ? data[0] % (LB_SCHEMA_VERSION + 1) : 0;
  g_autofree char *sql = size > 1 ? g_strndup ((const char *) data + 1, size - 1) : g_strdup ("");
  LbDb *db = lb_db_open (catalog, TRUE, NULL);

  FUZZ_CHECK (db != NULL);
  FUZZ_CHECK (lb_schema_migrate_to (db, version, NULL));
  /* No ATTACH nor VACUUM INTO (which attaches): the SQL writes this one
   * file and nothing else on the computer that runs the fuzzer.  And a
   * bound on its work and its values, so that a time-out or a full disk is
   * Lifeboat's, never the SQL's own. */
  sqlite3_limit (lb_db_handle (db), SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit (lb_db_handle (db), SQLITE_LIMIT_LENGTH, 1 << 16);
  sqlite3_progress_handler (lb_db_handle (db), 1000, stop_after_a_while, &(int) { 0 });
  sqlite3_exec (lb_db_handle (db), sql, NULL, NULL, NULL);
  sqlite3_progress_handler (lb_db_handle (db), 0, NULL, NULL);
  lb_db_close (db);
}

static void
read_snapshot (LbLibrary *lib, gint64 id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = lb_library_list_entries (lib, id, &error);
  g_autoptr(GPtrArray) storages = NULL, skipped = NULL, lists = NULL, blobs = NULL;
  g_autoptr(GArray) sizes = NULL;
  g_autoptr(LbSnapshot) snapshot = NULL;

  FUZZ_CHECK ((entries == NULL) == (error != NULL));
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      LbEntry *e = entries->pdata[i];
      FUZZ_CHECK (e->storage != NULL && e->name != NULL && e->phone_path != NULL);
    }
  g_clear_error (&error);
  storages = lb_library_list_storages (lib, id, &error);
  FUZZ_CHECK ((storages == NULL) == (error != NULL));
  g_clear_error (&error);
  skipped = lb_library_list_skipped (lib, id, &error);
  FUZZ_CHECK ((skipped == NULL) == (error != NULL));
  g_clear_error (&error);
  lists = lb_library_list_media_lists (lib, id, &error);
  FUZZ_CHECK ((lists == NULL) == (error != NULL));
  g_clear_error (&error);
  blobs = lb_library_list_blobs (lib, id, &sizes, &error);
  FUZZ_CHECK ((blobs == NULL) == (error != NULL));
  g_clear_error (&error);
  /* What verify asks of a missing or damaged blob. */
  if (blobs != NULL && blobs->len > 0)
    {
      g_autoptr(GArray) users = NULL;
      g_autoptr(GPtrArray) paths = NULL;

      if (lb_library_blob_users (lib, blobs->pdata[0], &users, &paths, &error))
        FUZZ_CHECK (users != NULL && paths != NULL);
      else
        FUZZ_CHECK (error != NULL);
      g_clear_error (&error);
    }
  snapshot = lb_library_get_snapshot (lib, id, &error);
  FUZZ_CHECK ((snapshot == NULL) == (error != NULL));
  if (snapshot != NULL)
    FUZZ_CHECK (lb_snapshot_state_to_string (snapshot->state) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GPtrArray) snapshots = NULL, problems = NULL;

  fuzz_strict ();
  if (library == NULL)
    {
      library = g_dir_make_tmp ("lifeboat-fuzz-catalog.XXXXXX", NULL);
      FUZZ_CHECK (library != NULL);
      atexit (remove_library_at_exit);
    }
  remove_library ();
  catalog = g_build_filename (library, "catalog.db", NULL);
  if (size >= 16 && memcmp (data, "SQLite format 3", 16) == 0)
    FUZZ_CHECK (g_file_set_contents (catalog, (const char *) data, size, NULL));
  else
    write_catalog_from_sql (catalog, data, size);

  lib = lb_library_open (library, FALSE, LB_LIBRARY_WRITE, &error);
  if (lib == NULL)
    {
      FUZZ_CHECK (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  snapshots = lb_library_list_snapshots (lib, NULL, &error);
  FUZZ_CHECK ((snapshots == NULL) == (error != NULL));
  for (guint i = 0; snapshots != NULL && i < snapshots->len && i < MAX_SNAPSHOTS; i++)
    read_snapshot (lib, ((LbSnapshot *) snapshots->pdata[i])->id);
  g_clear_error (&error);
  if (lb_library_check_catalog (lib, &problems, &error))
    FUZZ_CHECK (problems != NULL);
  else
    FUZZ_CHECK (error != NULL);
  return 0;
}

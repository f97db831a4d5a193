/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A library whose catalog.db is anything at all: a damaged disk, a file of
 * another program, a catalog of an older or newer Lifeboat with rows no
 * writer of ours would make.  Opening it (and so upgrading it) and reading
 * what the CLI and the window read must give an error or an answer, never
 * a crash or a critical.  Seeds: tests/fuzz/corpus/catalog/, one catalog
 * of each schema version (make-catalog-seeds.c). */
#include "fuzz.h"
#include "lb-library.h"

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
  FUZZ_CHECK (g_file_set_contents (catalog, (const char *) data, size, NULL));

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

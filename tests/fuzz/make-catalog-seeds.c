/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes the catalog fuzzer's seeds into a folder: a catalog of every
 * schema version Lifeboat ever wrote (v0 is the empty file a new library
 * starts from), each with a row in every table of its version, so that the
 * fuzzer starts from upgrades that succeed and readers that find data.
 * Small pages keep the files (and each fuzzing run) small.
 *
 *   make tests/fuzz/make-catalog-seeds && tests/fuzz/make-catalog-seeds tests/fuzz/corpus/catalog
 *
 * The seeds are committed; run this again only when a schema version is
 * added (then commit the new one next to the old ones, unchanged). */
#include "config.h"
#include "lb-error.h"
#include "lb-schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>

/* rows[v] fills the tables that version v added. */
static const char *const rows[] = {
  [1] =
    "INSERT INTO devices VALUES (1, 'SERIAL1', 6353, 20193, 'Google', 'Pixel 7', 2);"
    "INSERT INTO snapshots (id, device_id, seq, started, finished, state, files, folders, bytes)"
    "  VALUES (1, 1, 1, 1700000000, 1700000100, 'complete', 2, 1, 5),"
    "         (2, 1, 2, 1700001000, 0, 'running', 2, 1, 5);"
    "INSERT INTO storages VALUES (1, 65537, 'Internal shared storage', 'vol', 'fixed', 1000000, 500000, 4294967295),"
    "                            (2, 65537, 'Internal shared storage', 'vol', 'fixed', 1000000, 500000, 4294967295);"
    "INSERT INTO blobs VALUES"
    "  (1, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0),"
    "  (2, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 5);"
    "INSERT INTO paths VALUES (1, 1, 'Internal shared storage', NULL, 'DCIM', 0, 1),"
    "                         (2, 1, 'Internal shared storage', 1, 'a.jpg', 0, 0),"
    "                         (3, 1, 'Internal shared storage', 1, 'a.jpg', 1, 0);"
    "INSERT INTO versions VALUES (1, 1, 1, 2, 0, 0, 0, NULL),"
    "                            (2, 2, 1, 2, 6, 5, 1700000000, 2),"
    "                            (3, 3, 1, 1, 6, 0, 1600000000, 1);"
    "INSERT INTO lists VALUES (1, 1, 'playlist', 'Internal shared storage', 'Mix', 'Ann');"
    "INSERT INTO list_members VALUES (1, 0, 2), (1, 1, 3);"
    "INSERT INTO skipped VALUES (1, 'bad.bin', 'the phone refused to send it');",
  [2] =
    "INSERT INTO restore_journal VALUES (1, 1, 'Internal shared storage', 'DCIM/a.jpg', 5, 1700002000, 2, 1700002000);",
  [3] =
    "INSERT INTO auto_backup VALUES ('SERIAL1', 1, 3600);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (rows) == LB_SCHEMA_VERSION + 1);

static void
die (const char *what, GError *error)
{
  fprintf (stderr, "make-catalog-seeds: %s: %s\n", what, error ? error->message : g_strerror (errno));
  exit (1);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: make-catalog-seeds FOLDER\n");
      return 2;
    }
  if (g_mkdir_with_parents (argv[1], 0755) < 0)
    die (argv[1], NULL);
  for (int v = 0; v <= LB_SCHEMA_VERSION; v++)
    {
      g_autofree char *name = g_strdup_printf ("v%d.db", v);
      g_autofree char *path = g_build_filename (argv[1], name, NULL);
      GError *error = NULL;
      LbDb *db;

      g_unlink (path);
      if ((db = lb_db_open (path, TRUE, &error)) == NULL)
        die (path, error);
      if (!lb_db_exec (db, "PRAGMA page_size = 512", &error) || !lb_schema_migrate_to (db, v, &error))
        die (path, error);
      for (int w = 1; w <= v; w++)
        if (!lb_db_exec (db, rows[w], &error))
          die (path, error);
      if (!lb_db_exec (db, "VACUUM", &error))
        die (path, error);
      lb_db_close (db);
      printf ("%s\n", path);
    }
  return 0;
}

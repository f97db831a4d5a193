/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the library's tests share: a temp folder per test, devices, and
 * helpers that assert success so that each test reads as what it checks. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "lb-error.h"
#include "lb-library-private.h"

#define STORAGE "Internal shared storage"
#define CARD "SD card"
/* Where g_test_trap_subprocess children find their library. */
#define LIBRARY_ENV "LB_TEST_LIBRARY"

typedef struct {
  char *tmp;      /* removed with all it holds */
  char *lib;      /* tmp/library, not created */
} Fixture;

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

extern LbDeviceInfo pixel;
extern LbDeviceInfo cheap;

void remove_tree (const char *path);
void fixture_set_up (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);
guint count_files (const char *dir);

LbLibrary *open_library (const char *dir, LbLibraryMode mode);
char *store_blob (LbLibrary *lib, const void *data, gsize len, gboolean *is_new);
char *store_text (LbLibrary *lib, const char *text);

gint64 add_path (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name, gboolean folder);
void record (LbSnapshotWriter *w, gint64 path, guint64 size, gint64 mtime, const char *blob);
gint64 add_folder (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name);
gint64 add_file (LbSnapshotWriter *w, const char *storage, gint64 parent, const char *name,
                 const char *blob, guint64 size, gint64 mtime);
void finish (LbSnapshotWriter *w, LbSnapshotState state);
void checkpoint (LbSnapshotWriter *w);

GPtrArray *entries (LbLibrary *lib, gint64 snapshot);
LbEntry *find_kind (GPtrArray *list, const char *phone_path, guint ordinal, gboolean folder);
LbEntry *find_entry (GPtrArray *list, const char *phone_path, guint ordinal);
LbSnapshot *get_snapshot (LbLibrary *lib, gint64 id);

/* A connection of the test's own, to look at (or damage) the catalog. */
sqlite3 *open_catalog (const char *lib);
gint64 sql_int (sqlite3 *db, const char *sql);
void sql_exec (sqlite3 *db, const char *sql);
/* The catalog's size after a checkpoint: what it holds, not its WAL. */
gint64 catalog_size (const char *lib);

void add_snapshot_tests (void);
void add_blob_tests (void);
void add_journal_tests (void);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-schema.h"
#include "lb-error.h"
#include <inttypes.h>
#include <glib/gi18n-lib.h>

/* Version 1.  A snapshot is (device, seq); a version of a path holds for
 * that device's snapshots first_seq..last_seq, so an unchanged file costs
 * an in-place update of last_seq in the next snapshot, not a new row.
 * The catalog is meant to be readable with sqlite3 alone (README). */
static const char schema_v1[] =
  "CREATE TABLE devices ("
  "  id INTEGER PRIMARY KEY,"
  "  serial TEXT NOT NULL,"
  "  vendor_id INTEGER NOT NULL,"
  "  product_id INTEGER NOT NULL,"
  "  manufacturer TEXT NOT NULL,"
  "  model TEXT NOT NULL,"
  /* The newest seq handed out, so that a seq is never given twice even
   * when snapshots are deleted and their versions linger. */
  "  last_seq INTEGER NOT NULL DEFAULT 0,"
  /* Cheap phones share fake serials: a device is all four. */
  "  UNIQUE (serial, vendor_id, product_id, model));"

  "CREATE TABLE snapshots ("
  "  id INTEGER PRIMARY KEY,"
  "  device_id INTEGER NOT NULL REFERENCES devices,"
  "  seq INTEGER NOT NULL,"
  "  started INTEGER NOT NULL,"
  "  finished INTEGER NOT NULL DEFAULT 0,"
  "  state TEXT NOT NULL DEFAULT 'running'"
  "    CHECK (state IN ('running', 'complete', 'interrupted')),"
  "  firmware TEXT NOT NULL DEFAULT '',"
  "  friendly_name TEXT NOT NULL DEFAULT '',"
  "  files INTEGER NOT NULL DEFAULT 0,"
  "  folders INTEGER NOT NULL DEFAULT 0,"
  "  bytes INTEGER NOT NULL DEFAULT 0,"
  "  transferred_bytes INTEGER NOT NULL DEFAULT 0,"
  "  new_bytes INTEGER NOT NULL DEFAULT 0,"
  "  skipped INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (device_id, seq));"

  "CREATE TABLE storages ("
  "  snapshot_id INTEGER NOT NULL REFERENCES snapshots ON DELETE CASCADE,"
  "  storage_id INTEGER NOT NULL,"
  "  description TEXT NOT NULL,"
  "  volume TEXT NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('fixed', 'removable')),"
  "  capacity INTEGER NOT NULL,"
  "  free INTEGER NOT NULL,"
  "  max_file_size INTEGER NOT NULL);"
  "CREATE INDEX storages_by_snapshot ON storages (snapshot_id);"

  "CREATE TABLE blobs ("
  "  id INTEGER PRIMARY KEY,"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  size INTEGER NOT NULL);"

  /* Names are kept exactly as the phone gave them, so the same name can
   * appear several times in a folder: ordinal tells them apart. */
  "CREATE TABLE paths ("
  "  id INTEGER PRIMARY KEY,"
  "  device_id INTEGER NOT NULL REFERENCES devices,"
  "  storage TEXT NOT NULL,"
  "  parent_id INTEGER REFERENCES paths,"
  "  name TEXT NOT NULL,"
  "  ordinal INTEGER NOT NULL,"
  "  is_folder INTEGER NOT NULL);"
  "CREATE UNIQUE INDEX paths_key"
  "  ON paths (device_id, storage, ifnull(parent_id, 0), name, ordinal, is_folder);"
  "CREATE INDEX paths_by_parent ON paths (parent_id);"

  "CREATE TABLE versions ("
  "  id INTEGER PRIMARY KEY,"
  "  path_id INTEGER NOT NULL REFERENCES paths,"
  "  first_seq INTEGER NOT NULL,"
  "  last_seq INTEGER NOT NULL,"
  "  filetype INTEGER NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  mtime INTEGER NOT NULL,"
  "  blob_id INTEGER REFERENCES blobs);"
  /* The latest version of a path is the one with the greatest first_seq
   * (versions of a path never overlap), and through paths_key the versions
   * live at a seq of a device are found by path, first_seq <= seq.  Not
   * last_seq: it moves with every snapshot, and an index on it would be
   * rewritten each time. */
  "CREATE INDEX versions_by_path ON versions (path_id, first_seq);"
  "CREATE INDEX versions_by_blob ON versions (blob_id) WHERE blob_id IS NOT NULL;"

  "CREATE TABLE lists ("
  "  id INTEGER PRIMARY KEY,"
  "  snapshot_id INTEGER NOT NULL REFERENCES snapshots ON DELETE CASCADE,"
  "  kind TEXT NOT NULL CHECK (kind IN ('playlist', 'album')),"
  "  storage TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  artist TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX lists_by_snapshot ON lists (snapshot_id);"

  "CREATE TABLE list_members ("
  "  list_id INTEGER NOT NULL REFERENCES lists ON DELETE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  path_id INTEGER NOT NULL REFERENCES paths,"
  "  PRIMARY KEY (list_id, position)) WITHOUT ROWID;"
  "CREATE INDEX list_members_by_path ON list_members (path_id);"

  "CREATE TABLE skipped ("
  "  snapshot_id INTEGER NOT NULL REFERENCES snapshots ON DELETE CASCADE,"
  "  name TEXT NOT NULL,"
  "  reason TEXT NOT NULL);"
  "CREATE INDEX skipped_by_snapshot ON skipped (snapshot_id);";

/* Version 2: the restore journal.  One row per file a restore sent to a
 * phone, keyed like the phone sees it (device, storage description, path
 * below the storage with names joined by "/"), because the next backup
 * finds the file by that path and not by any path id of ours.  A file sent
 * again to the same place replaces its row: only the latest send can be
 * what is there now. */
static const char schema_v2[] =
  "CREATE TABLE restore_journal ("
  "  id INTEGER PRIMARY KEY,"
  "  device_id INTEGER NOT NULL REFERENCES devices,"
  "  storage TEXT NOT NULL,"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  /* The date the phone gave the new object (0: none), not the snapshot's:
   * Android stamps restored files with the time of the transfer. */
  "  phone_mtime INTEGER NOT NULL,"
  "  blob_id INTEGER NOT NULL REFERENCES blobs,"
  "  sent_at INTEGER NOT NULL);"
  "CREATE UNIQUE INDEX restore_journal_key ON restore_journal (device_id, storage, path);"
  /* Without it, deleting a blobs row (prune) would scan the journal for
   * the foreign key, once per blob. */
  "CREATE INDEX restore_journal_by_blob ON restore_journal (blob_id);";

/* Version 3: automatic backups, per phone.  Keyed by serial alone, so that
 * a phone never backed up (no devices row yet) can be turned on or off.
 * Not part of any snapshot: written outside the writer lock (lb-auto.c).
 * every: at most one automatic backup per this many seconds; 0: one per
 * connection. */
static const char schema_v3[] =
  "CREATE TABLE auto_backup ("
  "  serial TEXT PRIMARY KEY,"
  "  enabled INTEGER NOT NULL,"
  "  every INTEGER NOT NULL) WITHOUT ROWID;";

/* Version 4: whether a snapshot was made by an automatic backup (docked,
 * lifeboat --background or lifeboat-cli watch) or asked for by someone;
 * History shows which.  Snapshots from before were all asked for. */
static const char schema_v4[] =
  "ALTER TABLE snapshots ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0;";

/* Version 5: what automatic backups keep (lb-auto.h), one row or none
 * (none: the default rules).  Counts as lifeboat-cli prune's --keep-…. */
static const char schema_v5[] =
  "CREATE TABLE auto_keep ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  keep_last INTEGER NOT NULL,"
  "  keep_hourly INTEGER NOT NULL,"
  "  keep_daily INTEGER NOT NULL,"
  "  keep_weekly INTEGER NOT NULL,"
  "  keep_monthly INTEGER NOT NULL,"
  "  keep_yearly INTEGER NOT NULL);";

/* migrations[n] takes a catalog from version n to n + 1.  Never edit a
 * step once released: add the next one. */
static const char *const migrations[] = {
  schema_v1,
  schema_v2,
  schema_v3,
  schema_v4,
  schema_v5,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == LB_SCHEMA_VERSION);

static gboolean
read_int (LbDb *db, const char *sql, gint64 *value, GError **error)
{
  LbStmt *stmt = lb_db_prepare (db, sql, error);

  return stmt != NULL && lb_db_query_int (db, stmt, value, NULL, error);
}

static gboolean
read_header (LbDb *db, gint64 *version, gint64 *app_id, gint64 *n_tables, GError **error)
{
  return read_int (db, "PRAGMA user_version", version, error) &&
         read_int (db, "PRAGMA application_id", app_id, error) &&
         read_int (db, "SELECT count(*) FROM sqlite_master", n_tables, error);
}

/* FALSE with an error when the catalog is not one this program can use. */
static gboolean
check_header (gint64 version, gint64 app_id, gint64 n_tables, GError **error)
{
  if (version == 0 && app_id == 0 && n_tables == 0)
    return TRUE;  /* a new, empty database */
  if (app_id != LB_SCHEMA_APPLICATION_ID)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The library's catalog is an SQLite database of another program, not a "
                     "Lifeboat catalog"));
      return FALSE;
    }
  /* user_version is any 32-bit number in the file; a negative one would
   * index migrations[] before its start. */
  if (version < 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The library's catalog is damaged: it says it has version %" PRId64
                     ", which no Lifeboat ever wrote"), version);
      return FALSE;
    }
  if (version > LB_SCHEMA_VERSION)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("This library was written by a newer Lifeboat (catalog version %" PRId64
                     "); update Lifeboat"), version);
      return FALSE;
    }
  return TRUE;
}

gboolean
lb_schema_migrate_to (LbDb *db, int target, GError **error)
{
  gint64 version, app_id, n_tables;
  g_autofree char *set_version = NULL;

  g_return_val_if_fail (target >= 0 && target <= LB_SCHEMA_VERSION, FALSE);

  /* Readers open often and must not queue behind a writer's transaction
   * only to find that nothing needs doing. */
  if (!read_header (db, &version, &app_id, &n_tables, error) ||
      !check_header (version, app_id, n_tables, error))
    return FALSE;
  if (version >= target)
    return TRUE;

  if (!lb_db_begin (db, error))
    return FALSE;
  /* Another process may have upgraded it meanwhile. */
  if (!read_header (db, &version, &app_id, &n_tables, error) ||
      !check_header (version, app_id, n_tables, error))
    goto fail;
  for (gint64 v = version; v < target; v++)
    {
      g_debug ("catalog: upgrading from version %" G_GINT64_FORMAT, v);
      if (!lb_db_exec (db, migrations[v], error))
        goto fail;
    }
  set_version = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d",
                                 LB_SCHEMA_APPLICATION_ID, target);
  if (!lb_db_exec (db, set_version, error) || !lb_db_commit (db, error))
    goto fail;
  return TRUE;

fail:
  lb_db_rollback (db);
  return FALSE;
}

gboolean
lb_schema_migrate (LbDb *db, GError **error)
{
  return lb_schema_migrate_to (db, LB_SCHEMA_VERSION, error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Devices, and the restore journal: what a restore sent to a phone, so a
 * rerun skips it and the next backup of that phone does not read it. */
#include "config.h"
#include "lb-library-private.h"
#include "lb-error.h"
#include <glib/gi18n-lib.h>

/* ---- SQL, by table ---------------------------------------------------------- */

/* A device is all four of serial, vendor and product id and model (cheap
 * phones share fake serials); the manufacturer is kept up to date.  A new
 * snapshot takes the next seq; the journal only needs the row. */
static const char device_upsert_seq_sql[] =
  "INSERT INTO devices (serial, vendor_id, product_id, model, manufacturer, last_seq) "
  "VALUES (?1, ?2, ?3, ?4, ?5, 1) "
  "ON CONFLICT (serial, vendor_id, product_id, model) "
  "DO UPDATE SET manufacturer = excluded.manufacturer, last_seq = last_seq + 1 "
  "RETURNING id, last_seq";
static const char device_upsert_sql[] =
  "INSERT INTO devices (serial, vendor_id, product_id, model, manufacturer) "
  "VALUES (?1, ?2, ?3, ?4, ?5) "
  "ON CONFLICT (serial, vendor_id, product_id, model) "
  "DO UPDATE SET manufacturer = excluded.manufacturer "
  "RETURNING id, last_seq";
static const char device_find_sql[] =
  "SELECT id FROM devices WHERE serial = ?1 AND vendor_id = ?2 AND product_id = ?3 AND model = ?4";

static const char journal_upsert_sql[] =
  "INSERT INTO restore_journal (device_id, storage, path, size, phone_mtime, blob_id, sent_at) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
  "ON CONFLICT (device_id, storage, path) DO UPDATE SET size = excluded.size, "
  "phone_mtime = excluded.phone_mtime, blob_id = excluded.blob_id, sent_at = excluded.sent_at";
static const char journal_find_sql[] =
  "SELECT b.sha256 FROM restore_journal j JOIN blobs b ON b.id = j.blob_id "
  "WHERE j.device_id = ?1 AND j.storage = ?2 AND j.path = ?3 AND j.size = ?4 "
  "AND j.phone_mtime = ?5";

/* Identity comes from the phone: a missing string is an empty one.  The
 * statements above number their parameters alike: the key, then the
 * manufacturer when they write it. */
static void
bind_device (LbStmt *stmt, const LbDeviceInfo *device)
{
  lb_db_bind_text (stmt, 1, device->serial ? device->serial : "");
  sqlite3_bind_int (stmt, 2, device->vendor_id);
  sqlite3_bind_int (stmt, 3, device->product_id);
  lb_db_bind_text (stmt, 4, device->model ? device->model : "");
  if (sqlite3_bind_parameter_count (stmt) >= 5)
    lb_db_bind_text (stmt, 5, device->manufacturer ? device->manufacturer : "");
}

gboolean
lb_library_upsert_device (LbLibrary *self, const LbDeviceInfo *device, gboolean new_seq,
                          gint64 *device_id, gint64 *seq, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  stmt = lb_db_prepare (self->db, new_seq ? device_upsert_seq_sql : device_upsert_sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_device (stmt, device);
  rc = lb_db_step (self->db, stmt, error);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("The library's catalog did not record the device"));
      return FALSE;
    }
  *device_id = sqlite3_column_int64 (stmt, 0);
  if (seq != NULL)
    *seq = sqlite3_column_int64 (stmt, 1);
  return lb_db_run (self->db, stmt, error);
}

/* The devices row of this device without creating it; 0 when the library
 * has never seen it (error set only on failure). */
static gint64
find_device (LbLibrary *self, const LbDeviceInfo *device, GError **error)
{
  LbStmt *stmt = lb_db_prepare (self->db, device_find_sql, error);
  gint64 id = 0;

  if (stmt == NULL)
    return 0;
  bind_device (stmt, device);
  lb_db_query_int (self->db, stmt, &id, NULL, error);
  return id;
}

static gboolean
journal_insert (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                const char *path, guint64 size, gint64 phone_mtime, const char *blob,
                GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  gint64 blob_id, device_id;

  if (!lb_library_require_blob (self, blob, &blob_id, error))
    return FALSE;
  if (!lb_library_upsert_device (self, target, FALSE, &device_id, NULL, error) ||
      (stmt = lb_db_prepare (self->db, journal_upsert_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, device_id);
  lb_db_bind_text (stmt, 2, storage);
  lb_db_bind_text (stmt, 3, path);
  sqlite3_bind_int64 (stmt, 4, size);
  sqlite3_bind_int64 (stmt, 5, phone_mtime);
  sqlite3_bind_int64 (stmt, 6, blob_id);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time () / G_USEC_PER_SEC);
  return lb_db_run (self->db, stmt, error);
}

gboolean
lb_library_journal_record (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                           const char *path, guint64 size, gint64 phone_mtime,
                           const char *blob, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (lb_library_owned (self), FALSE);
  g_return_val_if_fail (target != NULL && storage != NULL && path != NULL, FALSE);
  g_return_val_if_fail (blob != NULL, FALSE);

  /* A reader's connection could write (SQLite does not know our lock), and
   * would then write beside the one writer: refuse, as an error the
   * restore can report rather than a critical it cannot. */
  if (self->mode != LB_LIBRARY_WRITE)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
                   _("The restore journal of the library at %s cannot be recorded: the library "
                     "was opened for reading only"), self->path);
      return FALSE;
    }
  /* Refused rather than nested in a SAVEPOINT: inside a snapshot writer's
   * transaction the row would hold only from the writer's next checkpoint,
   * and go with its rollback, while a caller of this trusts it at once. */
  if (self->writer != NULL || lb_db_in_transaction (self->db))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED,
                   _("The restore journal cannot be recorded while a snapshot of the library at "
                     "%s is being written; finish the snapshot first"), self->path);
      return FALSE;
    }

  /* One commit per file, at the library's usual sync level: in WAL mode
   * that survives a crash or kill -9 of this process at any moment.  A
   * power cut may lose the last few rows; the rerun then finds those files
   * on the phone and, unable to prove they are ours, sends ours beside
   * them.  A synced commit per file cost ~10 ms each, doubling a restore. */
  ok = lb_db_begin (self->db, error) &&
       journal_insert (self, target, storage, path, size, phone_mtime, blob, error) &&
       lb_db_commit (self->db, error);
  if (!ok)
    lb_db_rollback (self->db);
  return ok;
}

char *
lb_library_journal_find (LbLibrary *self, gint64 device_id, const char *storage,
                         const char *path, guint64 size, gint64 phone_mtime)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  /* Without a date, "same size" is no evidence of the same content. */
  if (phone_mtime == 0)
    return NULL;
  stmt = lb_db_prepare (self->db, journal_find_sql, &error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, device_id);
      lb_db_bind_text (stmt, 2, storage);
      lb_db_bind_text (stmt, 3, path);
      sqlite3_bind_int64 (stmt, 4, size);
      sqlite3_bind_int64 (stmt, 5, phone_mtime);
      switch (lb_db_step (self->db, stmt, &error))
        {
        case SQLITE_ROW:
          return g_strdup (lb_db_column_text (stmt, 0));
        case SQLITE_DONE:
          return NULL;
        default:
          break;
        }
    }
  g_debug ("library: no restore journal for %s/%s: %s", storage, path, error->message);
  return NULL;
}

char *
lb_library_journal_lookup (LbLibrary *self, const LbDeviceInfo *target, const char *storage,
                           const char *path, guint64 size, gint64 phone_mtime)
{
  g_autoptr(GError) error = NULL;
  gint64 device_id;

  g_return_val_if_fail (lb_library_owned (self), NULL);
  g_return_val_if_fail (target != NULL && storage != NULL && path != NULL, NULL);

  if (phone_mtime == 0)
    return NULL;
  device_id = find_device (self, target, &error);
  if (error != NULL)
    g_debug ("library: no restore journal for %s/%s: %s", storage, path, error->message);
  if (device_id == 0)
    return NULL;
  return lb_library_journal_find (self, device_id, storage, path, size, phone_mtime);
}

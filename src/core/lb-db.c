/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-db.h"
#include "lb-error.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <fcntl.h>
#include <unistd.h>
#include <gio/gio.h>

/* Long enough for another process's commit or checkpoint to finish, short
 * enough that a stuck one is reported instead of hanging a backup. */
#define BUSY_TIMEOUT_MS 5000

struct _LbDb {
  sqlite3 *handle;
  char *path;
  GHashTable *stmts;   /* SQL text -> sqlite3_stmt* */
};

void
lb_stmt_release (LbStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

void
lb_db_set_error (LbDb *db, int rc, const char *what, GError **error)
{
  /* SQLite quotes a damaged schema's bytes in its message: the window and
   * --json need UTF-8. */
  g_autofree char *msg = g_utf8_make_valid (db->handle != NULL ? sqlite3_errmsg (db->handle) : sqlite3_errstr (rc), -1);
  int sys = db->handle != NULL ? sqlite3_system_errno (db->handle) : 0;

  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The library's catalog %s is not an SQLite database: it is damaged, or "
                     "it is not a Lifeboat catalog (%s: %s)"), db->path, what, msg);
      return;
    case SQLITE_CORRUPT:
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The library's catalog %s is damaged (%s: %s)"), db->path, what, msg);
      return;
    case SQLITE_FULL:
      g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL,
                   _("The disk holding the library is full (%s: %s)"), what, msg);
      return;
    case SQLITE_IOERR:
      if (sys == ENOSPC || sys == EDQUOT)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL,
                       _("The disk holding the library is full (%s: %s)"), what, msg);
          return;
        }
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      /* Not always after BUSY_TIMEOUT_MS: SQLite answers BUSY at once where
       * waiting could deadlock (a reader's snapshot too old to write). */
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                   _("The library's catalog %s is busy: another program is using it (%s: %s)"),
                   db->path, what, msg);
      return;
    default:
      break;
    }
  g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("%s failed on the library's catalog %s: %s"),
               what, db->path, msg);
}

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

LbDb *
lb_db_open (const char *path, gboolean create, GError **error)
{
  LbDb *db = g_new0 (LbDb, 1);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc;

  db->path = g_strdup (path);
  db->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     finalize_stmt);
  rc = sqlite3_open_v2 (path, &db->handle, flags, NULL);
  if (rc != SQLITE_OK)
    {
      lb_db_set_error (db, rc, _("opening"), error);
      lb_db_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db->handle, 1);
  sqlite3_busy_timeout (db->handle, BUSY_TIMEOUT_MS);
  /* SQLite opens lazily: read the schema now so that a file that is not a
   * database is reported by open, not by the first query. */
  if (!lb_db_exec (db, "SELECT count(*) FROM sqlite_master", error))
    {
      lb_db_close (db);
      return NULL;
    }
  return db;
}

void
lb_db_close (LbDb *db)
{
  if (db == NULL)
    return;
  g_hash_table_destroy (db->stmts);
  sqlite3_close_v2 (db->handle);
  g_free (db->path);
  g_free (db);
}

sqlite3 *
lb_db_handle (LbDb *db)
{
  return db->handle;
}

/* For messages: people read them, so no SQL in them (it goes to the debug log). */
static const char *
what_for (const char *sql, gboolean readonly)
{
  g_debug ("catalog: failed: %s", sql);
  return readonly ? _("reading the catalog") : _("writing the catalog");
}

gboolean
lb_db_exec (LbDb *db, const char *sql, GError **error)
{
  int rc = sqlite3_exec (db->handle, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      lb_db_set_error (db, rc, what_for (sql, g_str_has_prefix (sql, "SELECT")), error);
      return FALSE;
    }
  return TRUE;
}

LbStmt *
lb_db_prepare (LbDb *db, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (db->stmts, sql);
  int rc;

  if (stmt != NULL)
    {
      lb_stmt_release (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      lb_db_set_error (db, rc, _("preparing a query"), error);
      return NULL;
    }
  g_hash_table_insert (db->stmts, g_strdup (sql), stmt);
  return stmt;
}

int
lb_db_step (LbDb *db, LbStmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  lb_db_set_error (db, rc, what_for (sqlite3_sql (stmt), sqlite3_stmt_readonly (stmt)), error);
  return -1;
}

gboolean
lb_db_run (LbDb *db, LbStmt *stmt, GError **error)
{
  int rc;

  while ((rc = lb_db_step (db, stmt, error)) == SQLITE_ROW)
    ;
  return rc == SQLITE_DONE;
}

gboolean
lb_db_query_int (LbDb *db, LbStmt *stmt, gint64 *value, gboolean *found, GError **error)
{
  int rc = lb_db_step (db, stmt, error);

  *value = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  if (found != NULL)
    *found = rc == SQLITE_ROW;
  lb_stmt_release (stmt);
  return rc != -1;
}

gboolean
lb_db_begin (LbDb *db, GError **error)
{
  return lb_db_exec (db, "BEGIN IMMEDIATE", error);
}

gboolean
lb_db_commit (LbDb *db, GError **error)
{
  return lb_db_exec (db, "COMMIT", error);
}

void
lb_db_rollback (LbDb *db)
{
  /* SQLite may have rolled back already (after SQLITE_FULL, say). */
  if (lb_db_in_transaction (db))
    sqlite3_exec (db->handle, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
lb_db_set_durable (LbDb *db, gboolean durable, GError **error)
{
  return lb_db_exec (db, durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", error);
}

gboolean
lb_db_in_transaction (LbDb *db)
{
  return !sqlite3_get_autocommit (db->handle);
}

const char *
lb_db_column_text (LbStmt *stmt, int column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? text : "";
}

void
lb_db_bind_text (LbStmt *stmt, int index, const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

gboolean
lb_db_backup_to (LbDb *db, const char *path, int pages_per_step, LbDbCopyProgress progress, gpointer user_data,
                 GCancellable *cancellable, GError **error)
{
  LbDb *dest;
  sqlite3_backup *backup;
  int rc = SQLITE_OK, fd;

  /* SQLite would create it 0644: the catalog lists the user's files.  A
   * symlink there is nobody's copy: truncating through it could destroy
   * any file of the user's. */
  if ((fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
    {
      int errsv = errno;
      g_set_error (error, errsv == ENOSPC || errsv == EDQUOT ? LB_ERROR : G_IO_ERROR,
                   errsv == ENOSPC || errsv == EDQUOT ? LB_ERROR_STORAGE_FULL : g_io_error_from_errno (errsv),
                   _("Could not create %s: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  close (fd);
  if ((dest = lb_db_open (path, FALSE, error)) == NULL)
    return FALSE;
  backup = sqlite3_backup_init (dest->handle, "main", db->handle, "main");
  if (backup == NULL)
    {
      lb_db_set_error (dest, sqlite3_errcode (dest->handle), "copying the catalog", error);
      lb_db_close (dest);
      return FALSE;
    }
  do
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      rc = sqlite3_backup_step (backup, pages_per_step);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        g_usleep (G_USEC_PER_SEC / 100);
      else if (progress != NULL && sqlite3_backup_pagecount (backup) > 0)
        progress (sqlite3_backup_pagecount (backup) - sqlite3_backup_remaining (backup),
                  sqlite3_backup_pagecount (backup), user_data);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      lb_db_close (dest);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      lb_db_set_error (dest, rc, "copying the catalog", error);
      lb_db_close (dest);
      return FALSE;
    }
  /* synchronous=FULL (the default) synced it at the backup's commit. */
  lb_db_close (dest);
  return TRUE;
}

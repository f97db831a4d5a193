/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small wrapper around one SQLite connection: every failure becomes a
 * GError in Lifeboat's domain (translated here and nowhere else), and
 * statements are prepared once per connection and reused.
 *
 * Not thread-safe: the connection belongs to its LbLibrary's thread. */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _LbDb LbDb;

/* A cached statement.  g_autoptr(LbStmt) resets it at the end of the scope
 * (it stays prepared), so a half-read SELECT never holds a read
 * transaction open behind the caller's back. */
typedef sqlite3_stmt LbStmt;
void lb_stmt_release (LbStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbStmt, lb_stmt_release)

/* Opens (and with create, creates) the file; sets the busy timeout.
 * LB_ERROR_LIBRARY_DAMAGED when it is not an SQLite database. */
LbDb *lb_db_open (const char *path, gboolean create, GError **error);
void lb_db_close (LbDb *db);
sqlite3 *lb_db_handle (LbDb *db);

/* Sets error from the connection's last failure (rc is what SQLite
 * returned).  what says what was being done, for the message. */
void lb_db_set_error (LbDb *db, int rc, const char *what, GError **error);

/* One or more statements without results (DDL, PRAGMAs that set). */
gboolean lb_db_exec (LbDb *db, const char *sql, GError **error);

/* The cached statement for this SQL text, reset and unbound.  One SQL text
 * is one statement: do not run a query again while stepping through its
 * rows. */
LbStmt *lb_db_prepare (LbDb *db, const char *sql, GError **error);
/* SQLITE_ROW or SQLITE_DONE; -1 with error set on failure. */
int lb_db_step (LbDb *db, LbStmt *stmt, GError **error);
/* Steps a statement that returns no rows (or whose rows do not matter). */
gboolean lb_db_run (LbDb *db, LbStmt *stmt, GError **error);
/* The first column of the first row as an integer in *value; *found FALSE
 * (and *value 0) when there is no row.  found may be NULL.  Resets stmt. */
gboolean lb_db_query_int (LbDb *db, LbStmt *stmt, gint64 *value, gboolean *found, GError **error);

/* BEGIN IMMEDIATE: writers take SQLite's write lock up front, so a busy
 * catalog fails here (after the busy timeout), not halfway through. */
gboolean lb_db_begin (LbDb *db, GError **error);
gboolean lb_db_commit (LbDb *db, GError **error);
/* Never fails in a way a caller could act on; a no-op outside a transaction. */
void lb_db_rollback (LbDb *db);
gboolean lb_db_in_transaction (LbDb *db);
/* The library runs with synchronous=NORMAL: a commit is consistent but may
 * be lost to a power cut.  TRUE makes the commits that follow durable
 * (synchronous=FULL: the WAL is synced, and with it every commit before),
 * for one whose loss would leave the library wrong: a snapshot marked
 * complete, or rows forgotten before their files are unlinked.  Set it
 * outside a transaction: SQLite ignores it inside one.  FALSE goes back
 * to NORMAL, and its failure is nothing a caller could act on. */
gboolean lb_db_set_durable (LbDb *db, gboolean durable, GError **error);

/* Text of a column, "" for NULL. */
const char *lb_db_column_text (LbStmt *stmt, int column);
/* Binds UTF-8 text (copied by SQLite); NULL binds SQL NULL. */
void lb_db_bind_text (LbStmt *stmt, int index, const char *text);

/* Called between the steps of a copy: pages copied so far, of all. */
typedef void (*LbDbCopyProgress) (int pages_done, int pages_total, gpointer user_data);

/* Copies the whole database into a new file at path (mode 0600, synced)
 * with SQLite's online backup, pages_per_step pages at a time, calling
 * progress (may be NULL) after each step and stopping between steps once
 * cancellable (may be NULL) is cancelled.  pages_per_step -1 copies it all
 * in one step: one read transaction, so the database as it was at one
 * moment, while readers and a writer on other connections go on (WAL).
 * With smaller steps a write between steps restarts the copy: use them
 * only where nobody else writes. */
gboolean lb_db_backup_to (LbDb *db, const char *path, int pages_per_step, LbDbCopyProgress progress,
                          gpointer user_data, GCancellable *cancellable, GError **error);

G_END_DECLS

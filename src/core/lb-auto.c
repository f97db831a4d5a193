/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Automatic backups' policy and schedule (lb-auto.h). */
#include "config.h"
#include "lb-auto.h"
#include "lb-library-private.h"

#include <string.h>

/* ---- auto_backup ------------------------------------------------------------ */

static const char auto_get_sql[] =
  "SELECT enabled, every FROM auto_backup WHERE serial = ?1";
static const char auto_set_sql[] =
  "INSERT INTO auto_backup (serial, enabled, every) VALUES (?1, ?2, ?3) "
  "ON CONFLICT (serial) DO UPDATE SET enabled = ?2, every = ?3";
static const char auto_serials_sql[] =
  "SELECT serial FROM devices UNION SELECT serial FROM auto_backup ORDER BY 1";

/* ---- auto_keep ---------------------------------------------------------------- */

static const char keep_get_sql[] =
  "SELECT keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly "
  "FROM auto_keep WHERE id = 1";
static const char keep_set_sql[] =
  "INSERT OR REPLACE INTO auto_keep (id, keep_last, keep_hourly, keep_daily, keep_weekly, "
  "keep_monthly, keep_yearly) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)";

/* ---- snapshots ---------------------------------------------------------------- */

static const char snapshot_last_complete_sql[] =
  "SELECT ifnull(max(s.started), 0) FROM snapshots s JOIN devices d ON d.id = s.device_id "
  "WHERE " LB_SQL_DEVICE_CHOSEN " AND s.state = 'complete'";

static const struct { const char *name; gint64 every; } frequencies[] = {
  { "connect", 0 },
  { "hourly", 60 * 60 },
  { "daily", 24 * 60 * 60 },
  { "weekly", 7 * 24 * 60 * 60 },
};

gboolean
lb_auto_last_backup (LbLibrary *lib, const char *serial, gint64 *started, GError **error)
{
  LbStmt *stmt;

  g_return_val_if_fail (lb_library_owned (lib), FALSE);
  g_return_val_if_fail (serial != NULL, FALSE);
  if ((stmt = lb_db_prepare (lib->db, snapshot_last_complete_sql, error)) == NULL)
    return FALSE;
  lb_library_bind_device (stmt, serial);
  return lb_db_query_int (lib->db, stmt, started, NULL, error);
}

gboolean
lb_auto_get_policy (LbLibrary *lib, const char *serial, LbAutoPolicy *policy, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  g_autofree char *plain = NULL;
  gint64 last = 0;
  int rc;

  g_return_val_if_fail (lb_library_owned (lib), FALSE);
  g_return_val_if_fail (serial != NULL, FALSE);
  if ((stmt = lb_db_prepare (lib->db, auto_get_sql, error)) == NULL)
    return FALSE;
  plain = lb_device_key_dup_serial (serial);
  lb_db_bind_text (stmt, 1, plain);
  if ((rc = lb_db_step (lib->db, stmt, error)) < 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    {
      policy->chosen = TRUE;
      policy->enabled = sqlite3_column_int64 (stmt, 0) != 0;
      policy->every = MAX (sqlite3_column_int64 (stmt, 1), 0);
      return TRUE;
    }
  g_clear_pointer (&stmt, lb_stmt_release);
  if (!lb_auto_last_backup (lib, serial, &last, error))
    return FALSE;
  policy->chosen = FALSE;
  policy->enabled = last != 0;
  policy->every = LB_AUTO_DEFAULT_EVERY;
  return TRUE;
}

/* A running `watch` or background window learns of the change from this
 * file (a file monitor), not by asking the catalog again and again.  Only
 * a hint: failing to write it loses nothing but promptness. */
static void
notify_changed (LbLibrary *lib)
{
  g_autofree char *path = lb_auto_changed_path (lib->path);
  g_autofree char *stamp = g_strdup_printf ("%" G_GINT64_FORMAT "\n", g_get_real_time ());

  if (!g_file_set_contents_full (path, stamp, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL))
    g_debug ("could not write %s", path);
}

char *
lb_auto_changed_path (const char *library)
{
  return g_build_filename (library, "auto-changed", NULL);
}

/* Runs sql (one row written) with serial, when not NULL, as ?1 and the
 * values after it, in a transaction; then tells the watchers. */
static gboolean
write_setting (LbLibrary *lib, const char *sql, const char *serial, const gint64 *values, guint n, GError **error)
{
  LbStmt *stmt;
  int first = serial != NULL ? 2 : 1;

  if (!lb_db_begin (lib->db, error))
    return FALSE;
  if ((stmt = lb_db_prepare (lib->db, sql, error)) == NULL)
    goto fail;
  if (serial != NULL)
    lb_db_bind_text (stmt, 1, serial);
  for (guint i = 0; i < n; i++)
    sqlite3_bind_int64 (stmt, first + (int) i, values[i]);
  if (!lb_db_run (lib->db, stmt, error) || !lb_db_commit (lib->db, error))
    goto fail;
  notify_changed (lib);
  return TRUE;
fail:
  lb_db_rollback (lib->db);
  return FALSE;
}

gboolean
lb_auto_set_policy (LbLibrary *lib, const char *serial, gboolean enabled, gint64 every, GError **error)
{
  const gint64 values[] = { enabled ? 1 : 0, every };
  g_autofree char *plain = NULL;

  g_return_val_if_fail (lb_library_owned (lib), FALSE);
  g_return_val_if_fail (serial != NULL && every >= 0, FALSE);
  plain = lb_device_key_dup_serial (serial);
  return write_setting (lib, auto_set_sql, plain, values, G_N_ELEMENTS (values), error);
}

gboolean
lb_auto_get_keep (LbLibrary *lib, LbKeepRules *rules, gboolean *chosen, GError **error)
{
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (lb_library_owned (lib), FALSE);
  if ((stmt = lb_db_prepare (lib->db, keep_get_sql, error)) == NULL || (rc = lb_db_step (lib->db, stmt, error)) < 0)
    return FALSE;
  if (chosen != NULL)
    *chosen = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW)
    {
      *rules = LB_AUTO_DEFAULT_KEEP;
      return TRUE;
    }
  /* Written by this code, or by hand: counts out of range keep more. */
  *rules = (LbKeepRules) {
    .last = (guint) CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT),
    .hourly = (guint) CLAMP (sqlite3_column_int64 (stmt, 1), 0, G_MAXUINT),
    .daily = (guint) CLAMP (sqlite3_column_int64 (stmt, 2), 0, G_MAXUINT),
    .weekly = (guint) CLAMP (sqlite3_column_int64 (stmt, 3), 0, G_MAXUINT),
    .monthly = (guint) CLAMP (sqlite3_column_int64 (stmt, 4), 0, G_MAXUINT),
    .yearly = (guint) CLAMP (sqlite3_column_int64 (stmt, 5), 0, G_MAXUINT),
  };
  return TRUE;
}

gboolean
lb_auto_set_keep (LbLibrary *lib, const LbKeepRules *rules, GError **error)
{
  const gint64 counts[] = { rules->last, rules->hourly, rules->daily, rules->weekly, rules->monthly, rules->yearly };

  g_return_val_if_fail (lb_library_owned (lib), FALSE);
  return write_setting (lib, keep_set_sql, NULL, counts, G_N_ELEMENTS (counts), error);
}

GPtrArray *
lb_auto_list_serials (LbLibrary *lib, GError **error)
{
  g_autoptr(GPtrArray) serials = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(LbStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (lb_library_owned (lib), NULL);
  if ((stmt = lb_db_prepare (lib->db, auto_serials_sql, error)) == NULL)
    return NULL;
  while ((rc = lb_db_step (lib->db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (serials, g_strdup (lb_db_column_text (stmt, 0)));
  return rc < 0 ? NULL : g_steal_pointer (&serials);
}

gint64
lb_auto_due_at (const LbAutoPolicy *policy, gint64 last_backup, gint64 connected_at)
{
  if (!policy->enabled)
    return G_MAXINT64;
  if (last_backup == 0)
    return connected_at;
  if (policy->every == 0)
    return last_backup < connected_at ? connected_at : G_MAXINT64;
  /* A clock set back puts the last backup in the future: wait for it no
   * longer than one interval from now... which "now" is the caller's. */
  return last_backup + policy->every;
}

gboolean
lb_auto_parse_every (const char *text, gint64 *every)
{
  for (gsize i = 0; i < G_N_ELEMENTS (frequencies); i++)
    if (g_strcmp0 (text, frequencies[i].name) == 0)
      {
        *every = frequencies[i].every;
        return TRUE;
      }
  return FALSE;
}

const char *
lb_auto_every_name (gint64 every)
{
  for (gsize i = 0; i < G_N_ELEMENTS (frequencies); i++)
    if (frequencies[i].every == every)
      return frequencies[i].name;
  return NULL;
}

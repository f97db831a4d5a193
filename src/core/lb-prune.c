/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Retention (lb-prune.h).  The decision is a pure function of the snapshot
 * list; the catalog work is SQL over temporary tables of what goes, so that
 * what a dry run reports is computed exactly as what a prune does. */
#include "config.h"
#include "lb-prune.h"
#include "lb-library-private.h"
#include "lb-lock.h"
#include "lb-error.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

/* ---- temporary tables: what goes ------------------------------------------ */

static const char doomed_setup_sql[] =
  "CREATE TEMP TABLE IF NOT EXISTS prune_snapshots (id INTEGER PRIMARY KEY);"
  "CREATE TEMP TABLE IF NOT EXISTS prune_versions (id INTEGER PRIMARY KEY);"
  "CREATE TEMP TABLE IF NOT EXISTS prune_blobs (id INTEGER PRIMARY KEY);"
  "DELETE FROM prune_snapshots; DELETE FROM prune_versions; DELETE FROM prune_blobs;";
static const char doomed_snapshot_add_sql[] =
  "INSERT INTO prune_snapshots (id) VALUES (?1)";
/* A version goes when no snapshot left of its device falls in its range
 * (ranges may span snapshots pruned earlier: only containment counts). */
static const char doomed_versions_sql[] =
  "INSERT INTO prune_versions (id) "
  "SELECT v.id FROM versions v JOIN paths p ON p.id = v.path_id "
  "WHERE p.device_id IN (SELECT device_id FROM snapshots WHERE id IN prune_snapshots) "
  "AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.device_id = p.device_id "
  "  AND s.seq BETWEEN v.first_seq AND v.last_seq AND s.id NOT IN prune_snapshots)";
/* Every blob no remaining version uses: those of the versions that go, and
 * any a crash or an earlier prune left (the journal alone does not keep
 * one: it only saves reading a file the library already holds). */
static const char doomed_blobs_sql[] =
  "INSERT INTO prune_blobs (id) SELECT b.id FROM blobs b WHERE NOT EXISTS "
  "(SELECT 1 FROM versions v WHERE v.blob_id = b.id AND v.id NOT IN prune_versions)";
static const char doomed_blob_totals_sql[] =
  "SELECT count(*), total(size) FROM blobs WHERE id IN prune_blobs";
static const char doomed_blob_names_sql[] =
  "SELECT sha256 FROM blobs WHERE id IN prune_blobs";
static const char doomed_last_copies_sql[] =
  "SELECT v.path_id, v.size, d.serial, "
  "  (SELECT s.id FROM snapshots s WHERE s.device_id = p.device_id "
  "   AND s.seq BETWEEN v.first_seq AND v.last_seq ORDER BY s.seq DESC LIMIT 1) AS last "
  "FROM versions v JOIN paths p ON p.id = v.path_id JOIN devices d ON d.id = p.device_id "
  "WHERE v.id IN prune_versions AND v.blob_id IN prune_blobs AND last IS NOT NULL "
  "ORDER BY d.serial, last DESC, v.path_id";

/* ---- the deletions, in foreign-key order ------------------------------------ */

static const char journal_delete_sql[] =
  "DELETE FROM restore_journal WHERE blob_id IN prune_blobs";
/* storages, lists (and their members) and skipped go with ON DELETE CASCADE */
static const char snapshots_delete_sql[] =
  "DELETE FROM snapshots WHERE id IN prune_snapshots";
static const char versions_delete_sql[] =
  "DELETE FROM versions WHERE id IN prune_versions";
static const char blobs_delete_sql[] =
  "DELETE FROM blobs WHERE id IN prune_blobs";
/* Names of files no snapshot holds any more go too (the library is
 * private, but a pruned photo's name should not outlive it).  A path stays
 * while a version, a playlist or a child path uses it. */
static const char paths_delete_sql[] =
  "DELETE FROM paths WHERE id NOT IN ("
  "  WITH RECURSIVE used (id) AS ("
  "    SELECT path_id FROM versions UNION SELECT path_id FROM list_members "
  "    UNION SELECT p.parent_id FROM paths p JOIN used u ON p.id = u.id WHERE p.parent_id IS NOT NULL) "
  "  SELECT id FROM used)";

/* ---- the rules --------------------------------------------------------------- */

gboolean
lb_keep_rules_any (const LbKeepRules *r)
{
  return r->last || r->hourly || r->daily || r->weekly || r->monthly || r->yearly;
}

/* The rules in their order on the command line (--keep-last ...). */
static guint *
rule_field (LbKeepRules *r, guint i)
{
  guint *fields[] = { &r->last, &r->hourly, &r->daily, &r->weekly, &r->monthly, &r->yearly };
  return fields[i];
}

static const char *const rule_names[] = { "last", "hourly", "daily", "weekly", "monthly", "yearly" };

gboolean
lb_keep_rules_parse (const char *text, LbKeepRules *rules, GError **error)
{
  g_auto(GStrv) parts = NULL;
  LbKeepRules r = { 0 };
  guint seen = 0;

  if (g_strcmp0 (text, "everything") == 0)
    {
      *rules = r;
      return TRUE;
    }
  parts = g_strsplit (text != NULL ? text : "", ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *eq = strchr (parts[i], '=');
      guint64 n = 0;
      guint k;

      for (k = 0; k < G_N_ELEMENTS (rule_names); k++)
        if (eq != NULL && strlen (rule_names[k]) == (gsize) (eq - parts[i])
            && strncmp (parts[i], rule_names[k], (gsize) (eq - parts[i])) == 0)
          break;
      if (k == G_N_ELEMENTS (rule_names) || (seen & (1u << k))
          || !g_ascii_string_to_unsigned (eq + 1, 10, 1, 100000, &n, NULL))
        {
          g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                       /* TRANSLATORS: keep rules as lifeboat-cli auto --keep takes them; do not translate the words in quotes */
                       _("Cannot read “%s” as a keep rule: write NAME=COUNT, with NAME one of last, hourly, daily, "
                         "weekly, monthly or yearly, each once, and COUNT from 1 to 100000 (e.g. "
                         "“daily=30,weekly=12”), or “everything”."), parts[i]);
          return FALSE;
        }
      seen |= 1u << k;
      *rule_field (&r, k) = (guint) n;
    }
  if (!lb_keep_rules_any (&r))
    {
      g_set_error_literal (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                           _("No keep rule given: write e.g. “daily=30,weekly=12”, or “everything”."));
      return FALSE;
    }
  *rules = r;
  return TRUE;
}

char *
lb_keep_rules_to_string (const LbKeepRules *rules)
{
  GString *s = g_string_new (NULL);
  LbKeepRules r = *rules;

  for (guint k = 0; k < G_N_ELEMENTS (rule_names); k++)
    if (*rule_field (&r, k) > 0)
      g_string_append_printf (s, "%s%s=%u", s->len ? "," : "", rule_names[k], *rule_field (&r, k));
  if (s->len == 0)
    g_string_append (s, "everything");
  return g_string_free (s, FALSE);
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  const LbSnapshot *x = *(LbSnapshot *const *) a, *y = *(LbSnapshot *const *) b;

  if (x->started != y->started)
    return x->started > y->started ? -1 : 1;
  return x->seq > y->seq ? -1 : x->seq < y->seq;
}

enum { RULE_HOUR, RULE_DAY, RULE_WEEK, RULE_MONTH, RULE_YEAR, N_BUCKET_RULES };

static gint64
bucket (int rule, GDateTime *t)
{
  gint64 y = g_date_time_get_year (t);

  switch (rule)
    {
    case RULE_HOUR:
      return ((y * 100 + g_date_time_get_month (t)) * 100 + g_date_time_get_day_of_month (t)) * 100 +
             g_date_time_get_hour (t);
    case RULE_DAY:
      return (y * 100 + g_date_time_get_month (t)) * 100 + g_date_time_get_day_of_month (t);
    case RULE_WEEK:
      return (gint64) g_date_time_get_week_numbering_year (t) * 100 + g_date_time_get_week_of_year (t);
    case RULE_MONTH:
      return y * 100 + g_date_time_get_month (t);
    default:
      return y;
    }
}

GPtrArray *
lb_prune_select (GPtrArray *snapshots, const LbKeepRules *rules, GTimeZone *tz)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  GPtrArray *removed = g_ptr_array_new ();
  const LbSnapshot *newest_complete = NULL;
  guint left[N_BUCKET_RULES] = { rules->hourly, rules->daily, rules->weekly, rules->monthly, rules->yearly };
  gint64 last_bucket[N_BUCKET_RULES];
  guint last_left = rules->last;

  for (guint i = 0; i < snapshots->len; i++)
    g_ptr_array_add (sorted, snapshots->pdata[i]);
  g_ptr_array_sort (sorted, newest_first);
  for (guint i = 0; i < sorted->len && newest_complete == NULL; i++)
    if (((LbSnapshot *) sorted->pdata[i])->state == LB_SNAPSHOT_COMPLETE)
      newest_complete = sorted->pdata[i];
  if (newest_complete == NULL)
    return removed;
  for (int k = 0; k < N_BUCKET_RULES; k++)
    last_bucket[k] = G_MININT64;

  for (guint i = 0; i < sorted->len; i++)
    {
      LbSnapshot *s = sorted->pdata[i];
      gboolean keep = s == newest_complete;
      g_autoptr(GDateTime) t = NULL;

      if (s->state != LB_SNAPSHOT_COMPLETE)
        {
          /* What a later complete snapshot superseded, the rules never see. */
          if (s->seq < newest_complete->seq)
            g_ptr_array_add (removed, s);
          continue;
        }
      if (last_left > 0)
        {
          last_left--;
          keep = TRUE;
        }
      t = g_date_time_new_from_unix_utc (s->started);
      if (t != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_timezone (t, tz);
          for (int k = 0; k < N_BUCKET_RULES; k++)
            {
              gint64 b = bucket (k, local);
              if (left[k] > 0 && b != last_bucket[k])
                {
                  last_bucket[k] = b;
                  left[k]--;
                  keep = TRUE;
                }
            }
        }
      if (!keep)
        g_ptr_array_add (removed, s);
    }
  return removed;
}

/* ---- the report ------------------------------------------------------------- */

static void
last_copy_free (LbLastCopy *c)
{
  g_free (c->serial);
  g_free (c->phone_path);
  g_free (c);
}

void
lb_prune_report_free (LbPruneReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->removed);
  g_ptr_array_unref (report->last_copies);
  g_free (report);
}

/* ---- the catalog ------------------------------------------------------------- */

static gboolean
run_sql (LbDb *db, const char *sql, GError **error)
{
  LbStmt *stmt = lb_db_prepare (db, sql, error);

  return stmt != NULL && lb_db_run (db, stmt, error);
}

/* Fills prune_snapshots with what the rules let go; the kept count and the
 * removed snapshots go into the report. */
static gboolean
choose (LbLibrary *lib, const char *serial, const LbKeepRules *rules, GTimeZone *tz,
        LbPruneReport *report, GError **error)
{
  g_autoptr(GPtrArray) all = lb_library_list_snapshots (lib, serial, error);
  g_autoptr(GHashTable) by_device = NULL;
  GHashTableIter it;
  gpointer value;

  if (all == NULL)
    return FALSE;
  by_device = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < all->len; i++)
    {
      LbSnapshot *s = all->pdata[i];
      GPtrArray *list = g_hash_table_lookup (by_device, &s->device_id);
      if (list == NULL)
        g_hash_table_insert (by_device, &s->device_id, list = g_ptr_array_new ());
      g_ptr_array_add (list, s);
    }
  g_hash_table_iter_init (&it, by_device);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      GPtrArray *list = value;
      g_autoptr(GPtrArray) going = lb_prune_select (list, rules, tz);

      report->kept += list->len - going->len;
      for (guint i = 0; i < going->len; i++)
        {
          LbSnapshot *s = going->pdata[i];
          LbStmt *stmt = lb_db_prepare (lib->db, doomed_snapshot_add_sql, error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, s->id);
          if (!lb_db_run (lib->db, stmt, error))
            return FALSE;
          g_ptr_array_add (report->removed, lb_snapshot_copy (s));
        }
    }
  g_ptr_array_sort (report->removed, newest_first);
  return TRUE;
}

static gboolean
measure (LbLibrary *lib, LbPruneReport *report, GError **error)
{
  LbStmt *stmt;
  int rc;

  if ((stmt = lb_db_prepare (lib->db, doomed_blob_totals_sql, error)) == NULL ||
      (rc = lb_db_step (lib->db, stmt, error)) < 0)
    return FALSE;
  report->blobs = sqlite3_column_int64 (stmt, 0);
  report->freed_bytes = (guint64) sqlite3_column_double (stmt, 1);
  lb_stmt_release (stmt);

  if ((stmt = lb_db_prepare (lib->db, doomed_last_copies_sql, error)) == NULL)
    return FALSE;
  /* Paths are looked up while this runs: copy the rows out first. */
  g_autoptr(GArray) path_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = lb_db_step (lib->db, stmt, error)) == SQLITE_ROW)
    {
      LbLastCopy *c = g_new0 (LbLastCopy, 1);
      gint64 path_id = sqlite3_column_int64 (stmt, 0);
      c->size = sqlite3_column_int64 (stmt, 1);
      c->serial = g_strdup (lb_db_column_text (stmt, 2));
      c->snapshot_id = sqlite3_column_int64 (stmt, 3);
      g_array_append_val (path_ids, path_id);
      g_ptr_array_add (report->last_copies, c);
    }
  lb_stmt_release (stmt);
  if (rc < 0)
    return FALSE;
  for (guint i = 0; i < path_ids->len; i++)
    {
      LbLastCopy *c = report->last_copies->pdata[i];
      if ((c->phone_path = lb_library_phone_path (lib, g_array_index (path_ids, gint64, i), error)) == NULL)
        return FALSE;
    }
  return TRUE;
}

static GPtrArray *
doomed_blob_names (LbLibrary *lib, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(LbStmt) stmt = lb_db_prepare (lib->db, doomed_blob_names_sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = lb_db_step (lib->db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup (lb_db_column_text (stmt, 0)));
  return rc < 0 ? NULL : g_steal_pointer (&names);
}

/* ---- the blob files ---------------------------------------------------------- */

static gboolean
remove_blob_file (LbLibrary *lib, const char *sha256, GError **error)
{
  g_autofree char *path = lb_library_blob_path (lib, sha256);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int errsv = errno;
      lb_library_set_io_error (error, errsv, "Could not remove %s", path);
      return FALSE;
    }
  return TRUE;
}

/* Blob files the catalog does not know: an earlier prune killed between its
 * commit and its unlinks, or a backup killed between storing a file and
 * recording it.  Only called with the writer lock held, so no backup is
 * storing one right now. */
static gboolean
sweep_strays (LbLibrary *lib, GCancellable *cancellable, guint64 *strays, GError **error)
{
  g_autofree char *top = g_build_filename (lib->path, "blobs", NULL);
  g_autoptr(GDir) dir = g_dir_open (top, 0, NULL);
  const char *sub;

  if (dir == NULL)
    return TRUE;  /* no blob stored yet */
  while ((sub = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *subdir = g_build_filename (top, sub, NULL);
      g_autoptr(GDir) d = g_dir_open (subdir, 0, NULL);
      const char *name;

      if (d == NULL)
        continue;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          gint64 id;
          g_autoptr(GError) local = NULL;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (!lb_blob_name_valid (name) || strncmp (name, sub, 2) != 0)
            continue;
          id = lb_library_blob_id (lib, name, &local);
          if (local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (id == 0)
            {
              if (!remove_blob_file (lib, name, error))
                return FALSE;
              (*strays)++;
            }
        }
    }
  return TRUE;
}

/* ---- prune ------------------------------------------------------------------- */

static gboolean
delete_doomed (LbDb *db, GError **error)
{
  return run_sql (db, journal_delete_sql, error) &&
         run_sql (db, snapshots_delete_sql, error) &&
         run_sql (db, versions_delete_sql, error) &&
         run_sql (db, blobs_delete_sql, error) &&
         run_sql (db, paths_delete_sql, error);
}

LbPruneReport *
lb_prune (LbLibrary *lib, const char *serial, const LbKeepRules *rules, GTimeZone *tz,
          gboolean dry_run, GCancellable *cancellable, GError **error)
{
  g_autoptr(LbPruneReport) report = g_new0 (LbPruneReport, 1);
  g_autoptr(GPtrArray) names = NULL;
  gboolean no_readers = FALSE;
  gboolean ok;

  g_return_val_if_fail (lb_library_owned (lib), NULL);
  g_return_val_if_fail (lb_keep_rules_any (rules), NULL);
  g_return_val_if_fail (dry_run || lib->mode == LB_LIBRARY_WRITE, NULL);

  report->dry_run = dry_run;
  report->removed = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_snapshot_free);
  report->last_copies = g_ptr_array_new_with_free_func ((GDestroyNotify) last_copy_free);

  /* A reader may be showing or copying a snapshot that is about to go. */
  if (!dry_run)
    {
      if (!lb_lock_take (lib->lock_fd, LB_LOCK_NO_READERS, error))
        return NULL;
      no_readers = TRUE;
    }
  /* A dry run only reads the catalog; its temporary tables are the
   * connection's own.  Both end with the catalog as it was unless the
   * prune commits. */
  /* The commit that forgets the doomed files must be durable before they
   * are unlinked: a power cut could otherwise keep the unlinks and lose
   * the commit, leaving snapshots that name files no longer there
   * (tests/faults/explore, scenario prune, found it). */
  ok = (dry_run || lb_db_set_durable (lib->db, TRUE, error)) &&
       (dry_run ? lb_db_exec (lib->db, "BEGIN", error) : lb_db_begin (lib->db, error)) &&
       lb_db_exec (lib->db, doomed_setup_sql, error) &&
       choose (lib, serial, rules, tz, report, error) &&
       run_sql (lib->db, doomed_versions_sql, error) &&
       run_sql (lib->db, doomed_blobs_sql, error) &&
       measure (lib, report, error) &&
       (names = doomed_blob_names (lib, error)) != NULL &&
       !g_cancellable_set_error_if_cancelled (cancellable, error);
  if (ok && !dry_run)
    ok = delete_doomed (lib->db, error) && lb_db_commit (lib->db, error);
  if (!ok || dry_run)
    lb_db_rollback (lib->db);
  if (!dry_run)
    lb_db_set_durable (lib->db, FALSE, NULL);

  /* Only now that no snapshot names them can the files go.  A crash from
   * here on leaves files the catalog does not know, which sweep_strays
   * removes next time. */
  for (guint i = 0; ok && !dry_run && i < names->len; i++)
    ok = remove_blob_file (lib, names->pdata[i], error);
  if (ok && !dry_run)
    ok = sweep_strays (lib, cancellable, &report->strays, error);
  if (no_readers)
    lb_lock_release (lib->lock_fd, LB_LOCK_NO_READERS);
  return ok ? g_steal_pointer (&report) : NULL;
}

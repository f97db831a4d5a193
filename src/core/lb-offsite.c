/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Off-site copies: init, push and list (restore is lb-offsite-restore.c). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-offsite-private.h"
#include "lb-library-private.h"
#include "lb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define TAG "lifeboat"
#define SNAPSHOTS_TAG "lifeboat-snapshots="

gboolean
lb_offsite_init (const LbResticRepo *repo, GCancellable *cancellable, GError **error)
{
  const char *args[] = { "init", NULL };

  return lb_restic_run (repo, args, NULL, NULL, NULL, cancellable, error);
}

void
lb_offsite_push_free (LbOffsitePush *push)
{
  if (push == NULL)
    return;
  g_free (push->restic_id);
  g_array_unref (push->library_snapshots);
  g_free (push);
}

void
lb_offsite_copy_free (LbOffsiteCopy *copy)
{
  if (copy == NULL)
    return;
  g_free (copy->restic_id);
  g_free (copy->short_id);
  g_free (copy->parent);
  g_free (copy->hostname);
  g_free (copy->library_path);
  g_array_unref (copy->library_snapshots);
  g_free (copy);
}

/* ---- the snapshot tag: "lifeboat-snapshots=1-4.7" -------------------------------- */

char *
lb_offsite_format_ranges (GArray *ids, const char *separator)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < ids->len;)
    {
      gint64 first = g_array_index (ids, gint64, i), last = first;
      while (++i < ids->len && g_array_index (ids, gint64, i) == last + 1)
        last++;
      if (s->len)
        g_string_append (s, separator);
      if (last > first)
        g_string_append_printf (s, "%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, first, last);
      else
        g_string_append_printf (s, "%" G_GINT64_FORMAT, first);
    }
  return g_string_free (s, FALSE);
}

/* Ranges keep the tag short for a library with years of snapshots; restic
 * splits tags at commas, so the ranges are joined by dots. */
static char *
encode_snapshots (GArray *ids)
{
  g_autofree char *ranges = lb_offsite_format_ranges (ids, ".");
  return g_strconcat (SNAPSHOTS_TAG, ranges, NULL);
}

/* A tag from the repository is input like any other: a range that is not
 * numbers, or numbers past gint64, is ignored, and so is one that would
 * take a copy past LB_OFFSITE_MAX_SNAPSHOTS (a 3 KB tag of long ranges
 * once asked for gigabytes).  The loop stops at last itself: an id of
 * G_MAXINT64 must not be stepped past (UBSan, in make fuzz). */
static void
decode_snapshots (const char *tag, GArray *ids)
{
  g_auto(GStrv) ranges = g_strsplit (tag + strlen (SNAPSHOTS_TAG), ".", -1);

  for (char **r = ranges; *r; r++)
    {
      char *end = NULL;
      gint64 first, last;

      errno = 0;
      first = last = g_ascii_strtoll (*r, &end, 10);
      if (end == *r || first <= 0)
        continue;
      if (*end == '-')
        last = g_ascii_strtoll (end + 1, &end, 10);
      if (errno == ERANGE || *end != '\0' || last < first ||
          last - first >= LB_OFFSITE_MAX_SNAPSHOTS - (gint64) ids->len)
        continue;
      for (gint64 id = first;; id++)
        {
          g_array_append_val (ids, id);
          if (id == last)
            break;
        }
    }
}

/* ---- push ----------------------------------------------------------------------- */

static guint64
member_uint (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) != G_TYPE_STRING
           ? (guint64) json_node_get_int (n) : 0;
}

static double
member_double (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) != G_TYPE_STRING
           ? json_node_get_double (n) : 0.0;
}

void
lb_offsite_on_backup_json (JsonObject *o, gpointer data)
{
  LbOffsitePushJson *p = data;
  const char *type = lb_restic_json_string (o, "message_type", "");

  if (strcmp (type, "status") == 0 && p->progress)
    {
      LbOffsiteProgress progress = {
        .phase = _("Sending"),
        .fraction = member_double (o, "percent_done"),
        .bytes_done = member_uint (o, "bytes_done"),
        .bytes_total = member_uint (o, "total_bytes"),
        .files_done = member_uint (o, "files_done"),
        .files_total = member_uint (o, "total_files"),
      };
      p->progress (&progress, p->user_data);
    }
  else if (strcmp (type, "summary") == 0)
    {
      LbOffsitePush *r = p->result;

      g_free (r->restic_id);
      r->restic_id = g_strdup (lb_restic_json_string (o, "snapshot_id", ""));
      r->bytes_added = member_uint (o, "data_added");
      r->bytes_processed = member_uint (o, "total_bytes_processed");
      r->files_new = member_uint (o, "files_new");
      r->files_changed = member_uint (o, "files_changed");
      r->files_unmodified = member_uint (o, "files_unmodified");
      r->seconds = member_double (o, "total_duration");
    }
}

/* The complete snapshots of the copied catalog: what this push holds. */
static GArray *
copied_snapshots (const char *catalog, GError **error)
{
  LbDb *db = lb_db_open (catalog, FALSE, error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  LbStmt *stmt;
  int rc = -1;

  if (db == NULL)
    return NULL;
  stmt = lb_db_prepare (db, "SELECT id FROM snapshots WHERE state = 'complete' ORDER BY id", error);
  if (stmt != NULL)
    {
      while ((rc = lb_db_step (db, stmt, error)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          g_array_append_val (ids, id);
        }
      lb_stmt_release (stmt);
    }
  lb_db_close (db);
  return rc == SQLITE_DONE ? g_steal_pointer (&ids) : NULL;
}

static int
take_push_lock (const char *staging, GError **error)
{
  g_autofree char *path = g_build_filename (staging, "lock", NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      lb_library_set_io_error (error, errno, _("Could not open %s"), path);
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                   _("Another off-site push of this library is running; try again when it has finished."));
      close (fd);
      return -1;
    }
  return fd;
}

LbOffsitePush *
lb_offsite_push (const char *library_dir, const LbResticRepo *repo, LbOffsiteProgressFunc progress,
                 gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(LbOffsitePush) result = g_new0 (LbOffsitePush, 1);
  g_autofree char *staging = NULL, *catalog = NULL, *partial = NULL, *tag = NULL;
  LbOffsiteProgress p = { .phase = _("Copying the catalog"), .fraction = -1 };
  LbOffsitePushJson push = { result, progress, user_data };
  gboolean ok;
  int lock_fd;

  /* The reader lock, held until library is released at the end: prune
   * (which needs all readers gone) cannot remove a blob restic is about to
   * read, and a backup (the writer) is not held up at all. */
  if ((library = lb_library_open (library_dir, FALSE, LB_LIBRARY_READ, error)) == NULL)
    return NULL;
  staging = g_build_filename (lb_library_get_path (library), LB_OFFSITE_STAGING, NULL);
  if (g_mkdir (staging, 0700) < 0 && errno != EEXIST)
    {
      lb_library_set_io_error (error, errno, _("Could not create the folder %s"), staging);
      return NULL;
    }
  if ((lock_fd = take_push_lock (staging, error)) < 0)
    return NULL;
  if (progress)
    progress (&p, user_data);

  /* Not tmp/: a backup starting now empties tmp/. */
  catalog = g_build_filename (staging, "catalog.db", NULL);
  partial = g_build_filename (staging, "catalog.db.partial", NULL);
  ok = lb_db_backup_to (library->db, partial, -1, NULL, NULL, cancellable, error);
  if (ok && g_rename (partial, catalog) < 0)
    {
      lb_library_set_io_error (error, errno, _("Could not rename %s"), partial);
      ok = FALSE;
    }
  if (ok)
    ok = (result->library_snapshots = copied_snapshots (catalog, error)) != NULL;
  if (ok)
    {
      const char *args[] = { "backup", "--json", "--tag", TAG, "--tag", NULL, "blobs",
                             LB_OFFSITE_STAGING "/catalog.db", NULL };

      args[5] = tag = encode_snapshots (result->library_snapshots);
      /* Relative paths from inside the library: the same path set every
       * time (restic's parent), and a tree with blobs/ and offsite/ at its
       * top, whatever the library's absolute path. */
      ok = lb_restic_run (repo, args, lb_library_get_path (library), lb_offsite_on_backup_json, &push, cancellable, error);
    }
  if (ok && (result->restic_id == NULL || *result->restic_id == '\0'))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("restic finished without naming the copy it made."));
      ok = FALSE;
    }
  g_unlink (partial);
  g_unlink (catalog);
  close (lock_fd);
  return ok ? g_steal_pointer (&result) : NULL;
}

/* ---- list ------------------------------------------------------------------------ */

static LbOffsiteCopy *
copy_from_json (JsonObject *o)
{
  LbOffsiteCopy *c = g_new0 (LbOffsiteCopy, 1);
  JsonArray *tags = lb_restic_json_array (o, "tags");
  const char *path = lb_restic_json_element_string (lb_restic_json_array (o, "paths"), 0);
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (lb_restic_json_string (o, "time", ""), NULL);

  c->restic_id = g_strdup (lb_restic_json_string (o, "id", ""));
  c->short_id = g_strdup (lb_restic_json_string (o, "short_id", ""));
  c->parent = g_strdup (lb_restic_json_string (o, "parent", NULL));
  c->hostname = g_strdup (lb_restic_json_string (o, "hostname", ""));
  c->time = time ? g_date_time_to_unix (time) : 0;
  c->library_snapshots = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (path != NULL)
    c->library_path = g_path_get_dirname (path);
  for (guint i = 0; tags != NULL && i < json_array_get_length (tags); i++)
    {
      const char *tag = lb_restic_json_element_string (tags, i);
      if (tag != NULL && g_str_has_prefix (tag, SNAPSHOTS_TAG))
        decode_snapshots (tag, c->library_snapshots);
    }
  return c;
}

GPtrArray *
lb_offsite_parse_list (const char *output, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_offsite_copy_free);
  JsonNode *root;
  JsonArray *array;

  /* An empty output parses, to no root at all. */
  if (!json_parser_load_from_data (parser, output, -1, NULL) || (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT, _("restic listed the repository in a form Lifeboat does not know."));
      return NULL;
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_OBJECT (n))
        g_ptr_array_add (list, copy_from_json (json_node_get_object (n)));
    }
  return g_steal_pointer (&list);
}

GPtrArray *
lb_offsite_list (const LbResticRepo *repo, GCancellable *cancellable, GError **error)
{
  const char *args[] = { "snapshots", "--json", "--tag", TAG, NULL };
  g_autofree char *output = NULL;

  if (!lb_restic_run_capture (repo, args, &output, cancellable, error))
    return NULL;
  return lb_offsite_parse_list (output, error);
}

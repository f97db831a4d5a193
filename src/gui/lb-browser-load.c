/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The snapshot browser's reading half: every entry of a snapshot made into
 * a row ready for the tree (names made displayable, sizes and dates as
 * text, which pictures get a preview), and the difference from the same
 * phone's previous snapshot; in a worker thread, off the window's. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-browser-load.h"
#include "lb-clock.h"

/* Bigger pictures are not decoded for a preview: a phone's 100 MB panorama
 * would stall the pane for a glance. */
#define PREVIEW_MAX_BYTES (20 * 1000 * 1000)

/* Names come from the phone: made valid, and line breaks or other control
 * characters shown as "�" so one name stays one line. */
char *
lb_browser_display_text (const char *name)
{
  char *valid = g_utf8_make_valid (name ? name : "", -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }
  g_free (valid);
  return g_string_free (out, FALSE);
}

char *
lb_browser_date_text (gint64 t)
{
  g_autoptr(GDateTime) dt = t != 0 ? lb_clock_local_time (t) : NULL;

  if (dt == NULL)
    return g_strdup ("");
  /* Translators: a file's date in the list, e.g. "2026-03-12 14:02" */
  return g_date_time_format (dt, _("%Y-%m-%d %H:%M"));
}

/* ---- reading the snapshot (worker thread) ------------------------------------ */

void
lb_browser_row_free (Row *r)
{
  g_free (r->storage);
  g_free (r->name);
  g_free (r->key);
  g_free (r->size_text);
  g_free (r->date_text);
  g_free (r->path);
  g_free (r->preview);
  g_free (r->video);
  g_free (r);
}

void
lb_browser_load_job_free (LoadJob *job)
{
  g_free (job->library);
  g_free (job->serial);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_clear_pointer (&job->diff, lb_diff_free);
  g_clear_error (&job->diff_error);
  g_free (job);
}

/* The content type of a stored file, judged by its name alone (no blob is
 * read to decide), or NULL for folders, empty files and files left out. */
static char *
stored_type (const LbEntry *e)
{
  if (e->is_folder || e->blob == NULL || e->size == 0)
    return NULL;
  return g_content_type_guess (e->name, NULL, 0, NULL);
}

static Row *
row_new (LbLibrary *library, const LbEntry *e)
{
  Row *r = g_new0 (Row, 1);
  g_autofree char *type = stored_type (e);
  gboolean picture = type != NULL && g_str_has_prefix (type, "image/") && e->size <= PREVIEW_MAX_BYTES;

  r->path_id = e->path_id;
  r->parent_id = e->parent_id;
  r->storage = g_strdup (e->storage);
  r->name = lb_browser_display_text (e->name);
  r->key = g_utf8_collate_key_for_filename (r->name, -1);
  r->size = e->size;
  r->mtime = e->mtime;
  r->is_folder = e->is_folder;
  r->size_text = e->is_folder ? g_strdup ("") : g_format_size (e->size);
  r->date_text = lb_browser_date_text (e->mtime);
  r->path = g_strdup (e->phone_path);
  /* A file without a blob was left out of the backup (its reason is in the
   * catalog): it shows, but nothing can be saved of it. */
  r->icon = e->is_folder ? "folder" : e->blob == NULL ? "action-unavailable-symbolic" : picture ? "image-x-generic" : "text-x-generic";
  if (picture)
    r->preview = lb_library_blob_path (library, e->blob);
  else if (type != NULL && g_str_has_prefix (type, "video/"))
    {
      r->icon = "video-x-generic";
      r->video = lb_library_blob_path (library, e->blob);
    }
  return r;
}

/* The same phone's snapshot just before this one, or 0. */
static gint64
previous_snapshot (LbLibrary *library, LoadJob *job)
{
  g_autoptr(GPtrArray) all = lb_library_list_snapshots (library, job->serial, NULL);
  const LbSnapshot *previous = NULL;

  for (guint i = 0; all != NULL && i < all->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (all, i);
      if (s->device_id == job->device_id && s->seq < job->seq && (previous == NULL || s->seq > previous->seq))
        previous = s;
    }
  return previous ? previous->id : 0;
}

void
lb_browser_load_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LoadJob *job = data;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GError *error = NULL;
  gint64 previous;

  (void) source;
  (void) cancellable;
  /* Read-only: a backup running meanwhile never waits for this window. */
  library = lb_library_open (job->library, FALSE, LB_LIBRARY_READ, &error);
  if (library == NULL || (entries = lb_library_list_entries (library, job->snapshot_id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->rows = g_ptr_array_new_full (entries->len, (GDestroyNotify) lb_browser_row_free);
  for (guint i = 0; i < entries->len; i++)
    {
      if (i % 1024 == 0 && g_task_return_error_if_cancelled (task))
        return;
      g_ptr_array_add (job->rows, row_new (library, g_ptr_array_index (entries, i)));
    }
  previous = previous_snapshot (library, job);
  if (previous != 0)
    job->diff = lb_diff_snapshots (library, previous, job->snapshot_id, &job->diff_error);
  g_task_return_boolean (task, TRUE);
}

void
lb_browser_deleted_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LoadJob *job = data;
  g_autoptr(LbLibrary) library = NULL;
  GPtrArray *deleted;
  GError *error = NULL;

  (void) source;
  (void) cancellable;
  library = lb_library_open (job->library, FALSE, LB_LIBRARY_READ, &error);
  if (library == NULL || (deleted = lb_library_list_deleted (library, job->snapshot_id, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, deleted, (GDestroyNotify) g_ptr_array_unref);
}


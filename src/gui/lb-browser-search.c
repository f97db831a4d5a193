/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-browser-load.h"
#include "lb-browser-search.h"

void
lb_browser_search_job_free (SearchJob *job)
{
  g_free (job->library);
  g_free (job->text);
  g_clear_pointer (&job->found, g_ptr_array_unref);
  g_clear_pointer (&job->started, g_hash_table_unref);
  g_free (job);
}

void
lb_browser_search_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SearchJob *job = data;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(LbSnapshot) snapshot = NULL;
  g_autoptr(GPtrArray) snapshots = NULL;
  GError *error = NULL;

  (void) source;
  (void) cancellable;
  library = lb_library_open (job->library, FALSE, LB_LIBRARY_READ, &error);
  if (library == NULL || (snapshot = lb_library_get_snapshot (library, job->snapshot_id, &error)) == NULL ||
      (snapshots = lb_library_list_snapshots (library, snapshot->serial, &error)) == NULL ||
      (job->found = lb_library_find (library, job->snapshot_id, job->text, job->from, 0, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->started = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  for (guint i = 0; i < snapshots->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (snapshots, i);
      g_hash_table_insert (job->started, g_memdup2 (&s->id, sizeof s->id), g_memdup2 (&s->started, sizeof s->started));
    }
  g_task_return_boolean (task, TRUE);
}

static gint64
started_of (const SearchJob *job, gint64 id)
{
  const gint64 *t = g_hash_table_lookup (job->started, &id);
  return t != NULL ? *t : 0;
}

GtkListStore *
lb_browser_search_store (const SearchJob *job)
{
  const GType more[] = { G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING };
  GtkListStore *store = lb_browser_files_store_new (G_N_ELEMENTS (more), more);

  for (guint i = 0; job->found != NULL && i < job->found->len; i++)
    {
      const LbFoundFile *f = g_ptr_array_index (job->found, i);
      guint n = f->snapshot_ids->len;
      gint64 oldest = n ? g_array_index (f->snapshot_ids, gint64, 0) : 0;
      gint64 newest = n ? g_array_index (f->snapshot_ids, gint64, n - 1) : 0;
      g_autofree char *date = lb_browser_date_text (f->mtime);
      g_autofree char *first = lb_browser_date_text (started_of (job, oldest));
      g_autofree char *last = lb_browser_date_text (started_of (job, newest));
      g_autofree char *in = NULL;
      GtkTreeIter iter;

      if (f->blob == NULL)
        in = g_strdup (_("No copy kept (it was left out of the backup)"));
      else if (n == 1)
        /* Translators: the one backup that holds a version of a file, by its date */
        in = g_strdup_printf (_("1 backup, %s"), last);
      else
        /* Translators: how many backups hold a version of a file, the first and the last by date */
        in = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u backup, %s to %s", "%u backups, %s to %s", n),
                              n, first, last);
      lb_browser_files_append (store, &iter, f->phone_path, f->size, f->blob != NULL, newest);
      gtk_list_store_set (store, &iter, FOUND_MTIME, f->mtime, FOUND_DATE_TEXT, date, FOUND_IN, in, -1);
    }
  return store;
}

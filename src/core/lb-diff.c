/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "lb-diff.h"

#include <string.h>

void
lb_diff_free (LbDiff *diff)
{
  if (diff == NULL)
    return;
  g_ptr_array_unref (diff->added);
  g_ptr_array_unref (diff->removed);
  g_ptr_array_unref (diff->changed);
  g_free (diff);
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
add_path (GPtrArray *to, guint64 *files, const LbEntry *e)
{
  g_ptr_array_add (to, g_strdup (e->phone_path));
  *files += !e->is_folder;
}

/* Entries are matched by where they are (lb_entry_compare), not by path
 * id, so snapshots of two different phones compare too; both lists come
 * in that order, so one pass over each matches them. */
LbDiff *
lb_diff_snapshots (LbLibrary *library, gint64 a, gint64 b, GError **error)
{
  g_autoptr(GPtrArray) ea = lb_library_list_entries (library, a, error);
  g_autoptr(GPtrArray) eb = NULL;
  guint i = 0, j = 0;
  LbDiff *d;

  if (ea == NULL || (eb = lb_library_list_entries (library, b, error)) == NULL)
    return NULL;
  d = g_new0 (LbDiff, 1);
  d->added = g_ptr_array_new_with_free_func (g_free);
  d->removed = g_ptr_array_new_with_free_func (g_free);
  d->changed = g_ptr_array_new_with_free_func (g_free);
  while (i < ea->len || j < eb->len)
    {
      const LbEntry *old = i < ea->len ? ea->pdata[i] : NULL, *e = j < eb->len ? eb->pdata[j] : NULL;
      int c = old == NULL ? 1 : e == NULL ? -1 : lb_entry_compare (old, e);

      if (c < 0)
        {
          add_path (d->removed, &d->files_removed, old);
          i++;
        }
      else if (c > 0)
        {
          add_path (d->added, &d->files_added, e);
          j++;
        }
      else
        {
          if (!e->is_folder && (old->size != e->size || old->mtime != e->mtime || g_strcmp0 (old->blob, e->blob) != 0))
            g_ptr_array_add (d->changed, g_strdup (e->phone_path));
          i++;
          j++;
        }
    }
  g_ptr_array_sort (d->added, cmp_str);
  g_ptr_array_sort (d->removed, cmp_str);
  g_ptr_array_sort (d->changed, cmp_str);
  return d;
}

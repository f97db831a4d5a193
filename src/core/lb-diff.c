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

/* Entries are matched by where they are, not by path id, so snapshots of
 * two different phones compare too. */
static char *
key_of (const LbEntry *e)
{
  return g_strdup_printf ("%s\x1f%u\x1f%d", e->phone_path, e->ordinal, e->is_folder);
}

static GHashTable *
index_entries (GPtrArray *entries)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < entries->len; i++)
    g_hash_table_insert (h, key_of (entries->pdata[i]), entries->pdata[i]);
  return h;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

LbDiff *
lb_diff_snapshots (LbLibrary *library, gint64 a, gint64 b, GError **error)
{
  g_autoptr(GPtrArray) ea = lb_library_list_entries (library, a, error);
  g_autoptr(GPtrArray) eb = NULL;
  g_autoptr(GHashTable) ia = NULL, ib = NULL;
  LbDiff *d;

  if (ea == NULL || (eb = lb_library_list_entries (library, b, error)) == NULL)
    return NULL;
  ia = index_entries (ea);
  ib = index_entries (eb);
  d = g_new0 (LbDiff, 1);
  d->added = g_ptr_array_new_with_free_func (g_free);
  d->removed = g_ptr_array_new_with_free_func (g_free);
  d->changed = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < eb->len; i++)
    {
      LbEntry *e = eb->pdata[i];
      g_autofree char *k = key_of (e);
      LbEntry *old = g_hash_table_lookup (ia, k);
      if (old == NULL)
        {
          g_ptr_array_add (d->added, g_strdup (e->phone_path));
          d->files_added += !e->is_folder;
        }
      else if (!e->is_folder && (old->size != e->size || old->mtime != e->mtime ||
                                 g_strcmp0 (old->blob, e->blob) != 0))
        g_ptr_array_add (d->changed, g_strdup (e->phone_path));
    }
  for (guint i = 0; i < ea->len; i++)
    {
      g_autofree char *k = key_of (ea->pdata[i]);
      if (!g_hash_table_contains (ib, k))
        {
          g_ptr_array_add (d->removed, g_strdup (((LbEntry *) ea->pdata[i])->phone_path));
          d->files_removed += !((LbEntry *) ea->pdata[i])->is_folder;
        }
    }
  g_ptr_array_sort (d->added, cmp_str);
  g_ptr_array_sort (d->removed, cmp_str);
  g_ptr_array_sort (d->changed, cmp_str);
  return d;
}

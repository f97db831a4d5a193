/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-browser-files.h"
#include "lb-browser-load.h"

GtkListStore *
lb_browser_files_store_new (int n_more, const GType *more)
{
  GType types[N_FILE_COLS + 16] = { G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_INT64 };

  g_return_val_if_fail (n_more >= 0 && n_more <= 16, NULL);
  for (int i = 0; i < n_more; i++)
    types[N_FILE_COLS + i] = more[i];
  return gtk_list_store_newv (N_FILE_COLS + n_more, types);
}

void
lb_browser_files_append (GtkListStore *store, GtkTreeIter *iter, const char *phone_path, guint64 size,
                         gboolean has_copy, gint64 snapshot_id)
{
  g_autofree char *shown = lb_browser_display_text (phone_path);
  g_autofree char *name = g_path_get_basename (shown);
  g_autofree char *where = g_path_get_dirname (shown);
  g_autofree char *size_text = g_format_size (size);

  gtk_list_store_insert_with_values (store, iter, -1, FILE_ICON, has_copy ? "text-x-generic" : "action-unavailable-symbolic",
                                     FILE_NAME, name, FILE_WHERE, where, FILE_SIZE, size, FILE_SIZE_TEXT, size_text,
                                     FILE_PATH, has_copy ? phone_path : NULL, FILE_SNAPSHOT, snapshot_id, -1);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-browser-deleted.h"
#include "lb-browser-load.h"

GtkListStore *
lb_browser_deleted_store (GPtrArray *deleted)
{
  GtkListStore *store = gtk_list_store_new (N_DEL_COLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64,
                                            G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING,
                                            G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_BOOLEAN);

  for (guint i = 0; deleted != NULL && i < deleted->len; i++)
    {
      const LbDeletedFile *f = g_ptr_array_index (deleted, i);
      g_autofree char *shown = lb_browser_display_text (f->phone_path);
      g_autofree char *name = g_path_get_basename (shown);
      g_autofree char *where = g_path_get_dirname (shown);
      g_autofree char *size = g_format_size (f->size);
      g_autofree char *last = lb_browser_date_text (f->last_seen);
      g_autofree char *gone = lb_browser_date_text (f->gone_at);
      g_autofree char *moved = f->moved_to ? lb_browser_display_text (f->moved_to) : NULL;
      g_autofree char *note = NULL;

      if (moved != NULL)
        /* Translators: a file gone from its place whose content the phone still has elsewhere */
        note = g_strdup_printf (_("Moved to %s"), moved);
      else if (f->blob == NULL)
        note = g_strdup (_("No copy kept (it was left out of the backup)"));
      gtk_list_store_insert_with_values (store, NULL, -1, DEL_ICON, f->blob ? "text-x-generic" : "action-unavailable-symbolic",
                                         DEL_NAME, name, DEL_WHERE, where, DEL_SIZE, f->size, DEL_SIZE_TEXT, size,
                                         DEL_LAST_SEEN, f->last_seen, DEL_LAST_TEXT, last, DEL_GONE_AT, f->gone_at,
                                         DEL_GONE_TEXT, gone, DEL_NOTE, note ? note : "", DEL_PATH, f->phone_path,
                                         DEL_SNAPSHOT, f->last_snapshot_id, DEL_SAVABLE, f->blob != NULL, -1);
    }
  return store;
}

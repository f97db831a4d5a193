/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-browser-deleted.h"
#include "lb-browser-load.h"

GtkListStore *
lb_browser_deleted_store (GPtrArray *deleted)
{
  const GType more[] = { G_TYPE_INT64, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING };
  GtkListStore *store = lb_browser_files_store_new (G_N_ELEMENTS (more), more);

  for (guint i = 0; deleted != NULL && i < deleted->len; i++)
    {
      const LbDeletedFile *f = g_ptr_array_index (deleted, i);
      g_autofree char *last = lb_browser_date_text (f->last_seen);
      g_autofree char *gone = lb_browser_date_text (f->gone_at);
      g_autofree char *moved = f->moved_to ? lb_browser_display_text (f->moved_to) : NULL;
      g_autofree char *note = NULL;

      if (moved != NULL)
        /* Translators: a file gone from its place whose content the phone still has elsewhere */
        note = g_strdup_printf (_("Moved to %s"), moved);
      else if (f->blob == NULL)
        note = g_strdup (_("No copy kept (it was left out of the backup)"));
      GtkTreeIter iter;

      lb_browser_files_append (store, &iter, f->phone_path, f->size, f->blob != NULL, f->last_snapshot_id);
      gtk_list_store_set (store, &iter, DEL_LAST_SEEN, f->last_seen, DEL_LAST_TEXT, last, DEL_GONE_AT, f->gone_at,
                          DEL_GONE_TEXT, gone, DEL_NOTE, note ? note : "", -1);
    }
  return store;
}

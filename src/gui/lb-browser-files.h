/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lists of the browser whose files come from several snapshots (the
 * deleted files, the search's results): the columns they begin with, and
 * a row's filling of them.  Each list's own columns follow N_FILE_COLS. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

enum {
  FILE_ICON,
  FILE_NAME,         /* the file's name, for people */
  FILE_WHERE,        /* its folder on the phone, for people */
  FILE_SIZE,
  FILE_SIZE_TEXT,
  FILE_PATH,         /* the phone path as stored, handed to lb_extract and
                      * never opened; NULL when the library has no copy */
  FILE_SNAPSHOT,     /* the snapshot to save it from */
  N_FILE_COLS
};

/* A list store of N_FILE_COLS columns, then n_more of these types. */
GtkListStore *lb_browser_files_store_new (int n_more, const GType *more);
/* Appends a row with the shared columns filled; the caller sets its own. */
void lb_browser_files_append (GtkListStore *store, GtkTreeIter *iter, const char *phone_path, guint64 size,
                              gboolean has_copy, gint64 snapshot_id);

G_END_DECLS

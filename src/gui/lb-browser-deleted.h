/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The browser's "Deleted from the phone" tab: the files earlier snapshots
 * of the phone hold and the browsed one does not (lb_library_list_deleted),
 * as a list for the tree view, each saved from the newest snapshot that
 * still has it (FILE_SNAPSHOT).
 *
 * Ownership: the store returned is the caller's; deleted stays the
 * caller's. */
#pragma once

#include <gtk/gtk.h>
#include "lb-browser-files.h"
#include "lb-library.h"

G_BEGIN_DECLS

/* After the shared columns (lb-browser-files.h). */
enum {
  DEL_LAST_SEEN = N_FILE_COLS, /* when the newest snapshot that has it began */
  DEL_LAST_TEXT,
  DEL_GONE_AT,       /* when the first one without it began */
  DEL_GONE_TEXT,
  DEL_NOTE,          /* "Moved to …", or "No copy kept", or "" */
  N_DEL_COLS
};

/* deleted: LbDeletedFile*, as lb_library_list_deleted gives them. */
GtkListStore *lb_browser_deleted_store (GPtrArray *deleted);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The browser's "Deleted from the phone" tab: the files earlier snapshots
 * of the phone hold and the browsed one does not (lb_library_list_deleted),
 * as a list for the tree view, each saved from the newest snapshot that
 * still has it.
 *
 * Ownership: the store returned is the caller's; deleted stays the
 * caller's. */
#pragma once

#include <gtk/gtk.h>
#include "lb-library.h"

G_BEGIN_DECLS

enum {
  DEL_ICON,
  DEL_NAME,          /* the file's name, for people */
  DEL_WHERE,         /* its folder on the phone, for people */
  DEL_SIZE,
  DEL_SIZE_TEXT,
  DEL_LAST_SEEN,     /* when the newest snapshot that has it began */
  DEL_LAST_TEXT,
  DEL_GONE_AT,       /* when the first one without it began */
  DEL_GONE_TEXT,
  DEL_NOTE,          /* "Moved to …", or "No copy kept", or "" */
  DEL_PATH,          /* the phone path as stored: handed to lb_extract, never opened */
  DEL_SNAPSHOT,      /* the snapshot to save it from */
  DEL_SAVABLE,       /* a copy of its content is in the library */
  N_DEL_COLS
};

/* deleted: LbDeletedFile*, as lb_library_list_deleted gives them. */
GtkListStore *lb_browser_deleted_store (GPtrArray *deleted);

G_END_DECLS

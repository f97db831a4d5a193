/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The browser's "Photos" tab: every picture and video of the snapshot in a grid
 * (a GtkIconView: a GtkFlowBox of thousands of children is slow in GTK 3),
 * newest first, with thumbnails made (LbThumbnails) only for what is on
 * screen and the rows around it.  A photo activated (double-click, Enter)
 * is shown in the Files tab, where Save… and Restore to Phone… take it.
 *
 * Ownership: LbBrowserPhotos is the browser's (lb_browser_photos_free,
 * before its widgets go); the view and label are the template's. */
#pragma once

#include <gtk/gtk.h>
#include "lb-thumbnails.h"

G_BEGIN_DECLS

enum {
  PHOTO_PIXBUF,      /* the thumbnail, NULL until made (or when none can be) */
  PHOTO_NAME,        /* for people */
  PHOTO_PATH,        /* the phone path as stored */
  PHOTO_BLOB,        /* the blob file the thumbnail is made from */
  PHOTO_SHA,
  PHOTO_MTIME,
  PHOTO_IS_VIDEO,
  N_PHOTO_COLS
};

typedef struct _LbBrowserPhotos LbBrowserPhotos;

LbBrowserPhotos *lb_browser_photos_new (GtkIconView *view, GtkLabel *label, const char *library);
/* Fills the grid from the load job's rows (Row*, lb-browser-load.h): those
 * with a preview or a video, newest first. */
void lb_browser_photos_fill (LbBrowserPhotos *self, GPtrArray *rows);
void lb_browser_photos_free (LbBrowserPhotos *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbThumbnails: small pictures of a library's photos and videos, for the
 * browser's grid.
 *
 * Made from the blobs in a worker thread: pictures by GdkPixbuf (EXIF
 * orientation applied), videos by ffmpegthumbnailer when it is installed
 * (a frame of the video with a film-strip edge; a child process, killed
 * after 20 s: a video that hangs or crashes its decoder costs nothing
 * else).  Kept in LIBRARY/thumbnails/ab/SHA256.png, keyed by the
 * blob's SHA-256: a blob never changes, so neither does its thumbnail, and
 * one picture kept in many backups is made once.  The cache keeps the
 * library's privacy rules (folders 0700, files 0600) and is written
 * atomically; a library moved elsewhere makes it again.
 *
 * The newest requests are served first (what is on screen now), and
 * lb_thumbnails_forget_waiting drops the ones the grid scrolled past.
 *
 * Ownership: the LbThumbnails is its creator's; it calls back on the
 * thread-default main context it was made on, and a worker holds a
 * reference until it is done, so unref never waits for one. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Thumbnails fit in a square of this many pixels. */
#define LB_THUMBNAIL_SIZE 128

#define LB_TYPE_THUMBNAILS (lb_thumbnails_get_type ())
G_DECLARE_FINAL_TYPE (LbThumbnails, lb_thumbnails, LB, THUMBNAILS, GObject)

LbThumbnails *lb_thumbnails_new (const char *library);

/* Asks for the thumbnail of the blob at blob_path (a path of
 * lb_library_blob_path: its name is the SHA-256), a video or a picture.
 * "ready" (sha256, GdkPixbuf or NULL when none can be made) comes later,
 * on the main context, once per request. */
void lb_thumbnails_request (LbThumbnails *self, const char *blob_path, gboolean video);
/* Requests not started yet are dropped: nothing is emitted for them. */
void lb_thumbnails_forget_waiting (LbThumbnails *self);
/* How many thumbnails were made from blobs, not read from the cache. */
guint lb_thumbnails_get_made (LbThumbnails *self);

G_END_DECLS

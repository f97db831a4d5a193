/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of a library move share: the job's state, its progress
 * and its errors.  lb-library-move.c runs the job (where, the destination,
 * the switch, removing the old copy), lb-library-move-copy.c copies and
 * lb-library-move-verify.c reads the copy back. */
#pragma once

#include "lb-library-move-private.h"
#include "lb-library-private.h"

G_BEGIN_DECLS

/* Bytes copied or hashed between checks of the cancellable. */
#define LB_MOVE_CHUNK (8 << 20)
#define LB_MOVE_BUFSIZE (1 << 20)

/* What a library folder holds besides blobs/ and tmp/. */
extern const char *const lb_move_catalog_files[8];

typedef struct {
  char *from;             /* both resolved: no symlinks, absolute */
  char *to;
  LbMoveProgressFunc progress;
  LbMoveSwitchFunc switch_func;
  gpointer user_data;
  GCancellable *cancellable;
  char *warning;

  int lock_fd;
  /* `to`, its blobs/ and its tmp/, opened without following symlinks:
   * the copy writes only through them, so a folder swapped for a symlink
   * while it runs cannot send it elsewhere. */
  int to_fd, blobs_fd, tmp_fd;
  LbDb *db;               /* the old catalog, read for the online backup */
  gboolean made_to;       /* we created `to`: remove it, not only its contents */
  gboolean dest_dirty;    /* something of ours is in `to` */
  GPtrArray *blobs;       /* "ab/abcdef..." below blobs/ */
  GArray *sizes;          /* guint64 each */
  guint64 blob_bytes;
  guint64 catalog_bytes;  /* the old catalog's size, for the copy's progress */
  guint64 largest;
  guint damaged;          /* blobs already damaged in the old library */
  guint missing;          /* blobs the catalog names that neither copy has */
  gboolean network;       /* `to` is on a network file system */
  LbMoveProgress p;
  gint64 last_report;
} Move;

void lb_move_report (Move *m, gboolean force);
/* A new phase: its name and totals, the counts back at 0. */
void lb_move_start_phase (Move *m, const char *phase, guint64 files, guint64 bytes);
/* lb_library_set_io_error with one path in the message. */
void lb_move_io_error (GError **error, int errsv, const char *format, const char *path);

/* lb-library-move-copy.c: the blobs to copy in m->blobs and m->sizes (and
 * the room they take on disk in *allocated); whether `to` has room for
 * needed bytes and can hold the largest; `to` made, with its marker; and
 * the catalog and every blob copied and synced. */
gboolean lb_move_list_blobs (Move *m, guint64 *allocated, GError **error);
gboolean lb_move_check_space (Move *m, guint64 needed, GError **error);
gboolean lb_move_make_dest (Move *m, GError **error);
/* Writes the file NAME (LB_MOVE_INCOMPLETE_MARKER, LB_MOVE_FROM_RECORD),
 * holding TEXT, into DIR (open as DIR_FD) and makes it durable. */
gboolean lb_move_write_note (int dir_fd, const char *dir, const char *name, const char *text, GError **error);
gboolean lb_move_copy_all (Move *m, guint64 catalog_bytes, GError **error);
/* lb-library-move-leftover.c: writes `to`'s LB_MOVE_FROM_RECORD, naming
 * `from` and how its catalog looks now; whether DIR's record names FROM. */
gboolean lb_move_write_record (Move *m, GError **error);
gboolean lb_move_record_names (const char *dir, const char *from);
/* Removes what a move puts into a library folder, nothing else: the
 * catalog first, synced (a crash then leaves a folder that no longer
 * passes for a library), then blobs/, tmp/, the lock, the marker and the
 * record. */
void lb_move_remove_library (const char *dir);
/* Writes LB_MOVE_INCOMPLETE_MARKER, holding TEXT, into the folder DIR
 * (not followed if a symlink), durably. */
gboolean lb_move_mark (const char *dir, const char *text);

/* Removes path and, if it is a folder, what it holds, never following a
 * symlink (a symlink itself is removed); the first failure goes into
 * failed, when given. */
gboolean lb_move_remove_tree (int dirfd, const char *path, GString *failed);

/* lb-library-move-verify.c: every copied blob reads back as the original,
 * and the copied catalog opens and holds what the old one held. */
gboolean lb_move_verify_all (Move *m, GError **error);

G_END_DECLS

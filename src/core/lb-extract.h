/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copies files of a snapshot out of the library into a desktop folder. */
#pragma once

#include <gio/gio.h>
#include "lb-library.h"

G_BEGIN_DECLS

/* Told of every name that had to change to be written safely. */
typedef void (*LbRenamedFunc) (const char *phone_path, const char *written_as, gpointer user_data);

typedef struct {
  guint64 files_done, files_total;  /* files of the selection */
  guint64 bytes_done, bytes_total;
  const char *current;              /* phone path being written, or NULL */
  gint64 eta_seconds;               /* -1 while unknown */
} LbExtractProgress;

/* Called on the extracting thread, at most about ten times a second and
 * once at the end; a front end passes it on to its own thread. */
typedef void (*LbExtractProgressFunc) (const LbExtractProgress *progress, gpointer user_data);

/* Writes the entries of a snapshot at or below any of phone_paths ("/" for
 * everything) into dir, as dir/STORAGE/FOLDER/.../NAME, with each name made
 * safe and the phone's dates as modification times.  Nothing is written
 * outside dir: folders are opened one level at a time without following
 * symbolic links, so even chains deeper than PATH_MAX work.  An existing
 * file is never overwritten.  *n_files counts the files written.  renamed and
 * progress (either may be NULL) get user_data. */
gboolean lb_extract (LbLibrary *library,
                     gint64 snapshot_id,
                     const char *const *phone_paths,
                     const char *dir,
                     LbRenamedFunc renamed,
                     LbExtractProgressFunc progress,
                     gpointer user_data,
                     guint64 *n_files,
                     GCancellable *cancellable,
                     GError **error);

/* TRUE when phone_path is prefix itself or lies below it ("/" covers all). */
gboolean lb_phone_path_under (const char *phone_path, const char *prefix);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving a library to another folder or disk: copy → verify → switch →
 * delete, with the source's writer lock (and its readers kept out) for the
 * whole job, so no backup, restore, prune or extraction sees a library that
 * is half moved.
 *
 * Until the switch the old library is intact and stays the configured one;
 * the destination carries a `.lifeboat-move-incomplete` marker, so a folder
 * left behind by a crash is recognised and may be moved into again. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  /* Per phase: each phase counts from 0 to its own totals. */
  guint64 bytes_done, bytes_total;
  guint64 files_done, files_total;
  /* Translated: "Copying", "Verifying", "Removing the old copy". */
  const char *phase;
} LbMoveProgress;

/* Called on the worker thread, at most about 10 times a second. */
typedef void (*LbMoveProgressFunc) (const LbMoveProgress *p, gpointer user_data);

/* Called on the worker thread once the new copy is verified, while the old
 * library is still locked for writing: it must make new_path the configured
 * location (the GUI sets GSettings "library-location" here).  Returns FALSE
 * with an error to abort: then the new copy is removed and the old one
 * stays.  May be NULL (nothing to configure, e.g. tests). */
typedef gboolean (*LbMoveSwitchFunc) (const char *new_path, gpointer user_data, GError **error);

/* Moves the library in `from` to `to`, which must not exist yet (its parent
 * must) or be an empty folder, and must not be inside `from`.
 *
 * Errors: LB_ERROR_LIBRARY_LOCKED (a backup, restore or prune is writing, or
 * something is reading it: close your own LbLibrary on `from` first),
 * LB_ERROR_LIBRARY_MISSING (no library in `from`), LB_ERROR_BAD_INPUT (a bad
 * destination), LB_ERROR_STORAGE_FULL (says how much more room is needed),
 * LB_ERROR_LIBRARY_DAMAGED (a copy that does not read back the same, or a
 * catalog failing its checks: nothing moved), G_IO_ERROR_CANCELLED.
 * Cancelling only counts before the switch; after it the job finishes
 * removing the old copy.
 *
 * Success with a warning: the library moved, but the old copy could not be
 * removed completely, or some stored files were already damaged (or
 * missing) in the old library and were moved as they were, or the new
 * place is a network file system. */
void lb_library_move_async (const char *from,
                            const char *to,
                            LbMoveProgressFunc progress,
                            LbMoveSwitchFunc switch_func,
                            gpointer user_data,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer cb_data);
gboolean lb_library_move_finish (GAsyncResult *result, GError **error);
/* The warning of a finished, successful move (translated), or NULL. */
char *lb_library_move_dup_warning (GAsyncResult *result);

/* The same, synchronously on the calling thread; *warning (may be NULL)
 * receives the warning of a successful move, or NULL. */
gboolean lb_library_move_run (const char *from,
                              const char *to,
                              LbMoveProgressFunc progress,
                              LbMoveSwitchFunc switch_func,
                              gpointer user_data,
                              GCancellable *cancellable,
                              char **warning,
                              GError **error);

/* A move cut short after the switch (a crash, kill -9 or power cut while
 * the old copy was still whole or half removed) leaves that copy behind.
 * Before the switch the new library records where it came from; this
 * finishes removing the old copy when the settings name the library in
 * DIR and the old copy is as the move left it (its catalog unchanged, or
 * its removal begun).  Call it before opening DIR for writing.  Returns
 * the old folder it removed (free it), or NULL: nothing to do, not ours
 * to decide, or the old copy is in use (tried again next time). */
char *lb_library_move_finish_leftover (const char *dir);

/* The marker a destination carries until its copy is verified, and a
 * folder the old copy is being removed from. */
#define LB_MOVE_INCOMPLETE_MARKER ".lifeboat-move-incomplete"
/* The new library's record of the folder it was moved from. */
#define LB_MOVE_FROM_RECORD ".lifeboat-moved-from"

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LIBRARY/lock: who may use the library, with Linux open file description
 * (OFD) byte-range locks.  They belong to the open file, not the process,
 * so two opens conflict even inside one process, and they vanish with the
 * last descriptor when a process dies.  Taking one never blocks: a lock
 * that is taken is an error at once (waiting is lb_lock_wait_free's).
 *
 *   byte 0, exclusive  the writer (backup, restore, prune)
 *   byte 1, shared     readers (extract, restore reading blobs, the GUI)
 *   byte 1, exclusive  keeps readers out (prune deleting blobs)
 *   byte 2, exclusive  opening the catalog, for a moment: its first
 *                      creation or an upgrade is done by one opener while
 *                      the others wait (lb_lock_hold, the one that blocks)
 *
 * Readers and the writer lock different bytes: SQLite's WAL lets readers
 * read while a writer writes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LB_LOCK_WRITER,
  LB_LOCK_READER,
  LB_LOCK_NO_READERS,
  LB_LOCK_CATALOG,
} LbLockKind;

/* Opens (creating, mode 0600) the lock file; -1 with an error. */
int lb_lock_open (const char *path, GError **error);
/* LB_ERROR_LIBRARY_LOCKED when someone else holds a conflicting lock. */
gboolean lb_lock_take (int fd, LbLockKind kind, GError **error);
void lb_lock_release (int fd, LbLockKind kind);
/* Takes kind, waiting for it (queued by the kernel): for LB_LOCK_CATALOG,
 * held for the moment an open takes.  FALSE with errno when it cannot be
 * had at all (EBADF: a lock file opened read-only, on read-only media). */
gboolean lb_lock_hold (int fd, LbLockKind kind);

/* Blocks until nobody holds kind on the lock file at path (queued by the
 * kernel, no polling), without keeping it.  Never call it on a thread
 * that must stay responsive: run it in a worker whose task returns on
 * cancel (g_task_set_return_on_cancel). */
gboolean lb_lock_wait_free (const char *path, LbLockKind kind, GError **error);
/* Whether someone holds a lock that conflicts with kind right now (a hint:
 * it may change the next moment). */
gboolean lb_lock_held_by_other (const char *path, LbLockKind kind);

G_END_DECLS

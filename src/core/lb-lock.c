/* SPDX-License-Identifier: GPL-3.0-or-later */
/* F_OFD_SETLK needs it. */
#define _GNU_SOURCE

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-lock.h"
#include "lb-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>

int
lb_lock_open (const char *path, GError **error)
{
  int fd;

  do
    fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  while (fd < 0 && errno == EINTR);
  /* A library on read-only media can still be read. */
  if (fd < 0 && (errno == EROFS || errno == EACCES))
    fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not open the library's lock file %s: %s"), path, g_strerror (saved));
    }
  return fd;
}

/* The byte each kind locks (lb-lock.h). */
static off_t
byte_of (LbLockKind kind)
{
  return kind == LB_LOCK_WRITER ? 0 : kind == LB_LOCK_CATALOG ? 2 : 1;
}

static gboolean
set_lock_cmd (int fd, LbLockKind kind, short type, int cmd)
{
  struct flock fl = {
    .l_type = type,
    .l_whence = SEEK_SET,
    .l_start = byte_of (kind),
    .l_len = 1,
    .l_pid = 0,  /* must be 0 for OFD locks */
  };

  return fcntl (fd, cmd, &fl) == 0;
}

gboolean
lb_lock_hold (int fd, LbLockKind kind)
{
  gboolean ok;

  while (!(ok = set_lock_cmd (fd, kind, kind == LB_LOCK_READER ? F_RDLCK : F_WRLCK, F_OFD_SETLKW)) && errno == EINTR)
    ;
  return ok;
}

static gboolean
set_lock (int fd, LbLockKind kind, short type)
{
  return set_lock_cmd (fd, kind, type, F_OFD_SETLK);
}

gboolean
lb_lock_take (int fd, LbLockKind kind, GError **error)
{
  int saved;

  if (set_lock (fd, kind, kind == LB_LOCK_READER ? F_RDLCK : F_WRLCK))
    return TRUE;
  saved = errno;
  if (saved == EAGAIN || saved == EACCES)
    {
      if (kind == LB_LOCK_READER)
        g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                     _("Lifeboat is removing old snapshots from this library, or moving it, right "
                       "now; try again when it has finished"));
      else if (kind == LB_LOCK_WRITER)
        g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                     _("Another Lifeboat is using this library right now (a backup or restore "
                       "is running); try again when it has finished"));
      else
        g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                     _("This library is being read right now (by Lifeboat's window, a restore, "
                       "an extraction or an off-site copy); try again when it has finished"));
      return FALSE;
    }
  /* EBADF for a write lock on a read-only open: the medium is read-only. */
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               _("Could not lock the library: %s"), g_strerror (saved));
  return FALSE;
}

void
lb_lock_release (int fd, LbLockKind kind)
{
  set_lock (fd, kind, F_UNLCK);
}

gboolean
lb_lock_wait_free (const char *path, LbLockKind kind, GError **error)
{
  int fd = lb_lock_open (path, error);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  /* The kernel queues us behind the holder: no polling.  Taken, then let
   * go at once: the caller opens the library for itself, and may find it
   * taken again by someone quicker. */
  while (!(ok = set_lock_cmd (fd, kind, kind == LB_LOCK_READER ? F_RDLCK : F_WRLCK, F_OFD_SETLKW)) &&
         errno == EINTR)
    ;
  if (!ok)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not wait for the library's lock: %s"), g_strerror (saved));
    }
  close (fd);
  return ok;
}

gboolean
lb_lock_held_by_other (const char *path, LbLockKind kind)
{
  int fd = lb_lock_open (path, NULL);
  struct flock fl = {
    .l_type = kind == LB_LOCK_READER ? F_RDLCK : F_WRLCK,
    .l_whence = SEEK_SET,
    .l_start = byte_of (kind),
    .l_len = 1,
    .l_pid = 0,
  };
  gboolean held;

  if (fd < 0)
    return FALSE;
  held = fcntl (fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  close (fd);
  return held;
}

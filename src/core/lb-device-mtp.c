/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libmtp's one-time setup, and keeping its chatter off stdout.
 *
 * libmtp prints some notices with fprintf (stdout, ...) whatever its debug
 * level ("Android device detected, assigning default bug flags", MTPZ
 * notices from LIBMTP_Init, and everything when LIBMTP_DEBUG is set); there
 * is no setting to silence them.  stdout is the CLI's JSON, so around the
 * libmtp calls that print, fd 1 is pointed at fd 2 for the duration.
 *
 * fd 1 belongs to the whole process, so the window must be safe when
 * device calls run in a worker thread while another thread prints:
 *
 *  - we hold stdout's stdio lock (flockfile) for the whole window.  libmtp's
 *    own fprintf (stdout) runs in our thread and takes the recursive lock;
 *    any other thread's printf/g_print/fputs on stdout waits until the real
 *    stdout is back, so nothing of theirs is misdirected, and two of our
 *    windows (two threads opening two phones) cannot interleave their
 *    dup/dup2 pairs.
 *  - what was already buffered in stdout is flushed to the real stdout
 *    first, and libmtp's text is flushed to stderr before switching back.
 *
 * The cost: another thread writing to stdout during a window (an open, a
 * folder listing) waits for it, at worst libmtp's USB time-out.  Only raw
 * write (1, ...) calls and children spawned by another thread inside the
 * window would land on stderr, which Lifeboat's front ends must not do.
 *
 * Calls that run a caller's callback inside libmtp (LIBMTP_Get_File_To_Handler)
 * are not wrapped: a callback that waited on a thread printing to stdout would
 * deadlock, and a window as long as a 4 GiB read would stall every other
 * thread's output.  While reading, libmtp's stdout stays quiet but for
 * LIBMTP_DEBUG output and one notice ("LIBMTP panic: unable to read in zero
 * packet") after a transfer that already failed; its transfer errors go to
 * stderr. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "lb-device-private.h"

void
lb_mtp_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      LbQuiet quiet;

      lb_quiet_begin (&quiet);
      LIBMTP_Init ();
      lb_quiet_end (&quiet);
      g_once_init_leave (&done, 1);
    }
}

void
lb_quiet_begin (LbQuiet *quiet)
{
  int target = STDERR_FILENO;
  int devnull = -1;

  flockfile (stdout);
  fflush (stdout);
  /* Close-on-exec: a child spawned meanwhile must not inherit the copy. */
  quiet->saved_stdout = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (quiet->saved_stdout < 0)
    return;  /* no stdout at all: nothing to protect */
  if (fcntl (STDERR_FILENO, F_GETFD) < 0)
    target = devnull = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (target < 0 || dup2 (target, STDOUT_FILENO) < 0)
    {
      close (quiet->saved_stdout);
      quiet->saved_stdout = -1;
    }
  if (devnull >= 0)
    close (devnull);
}

void
lb_quiet_end (LbQuiet *quiet)
{
  fflush (stdout);
  if (quiet->saved_stdout >= 0)
    {
      dup2 (quiet->saved_stdout, STDOUT_FILENO);
      close (quiet->saved_stdout);
      quiet->saved_stdout = -1;
    }
  funlockfile (stdout);
}

/* Ends the MTP session (CloseSession) and frees libmtp's device. */
void
lb_mtp_release (LIBMTP_mtpdevice_t *mtp)
{
  LbQuiet quiet;

  if (mtp == NULL)
    return;
  lb_quiet_begin (&quiet);
  LIBMTP_Release_Device (mtp);
  lb_quiet_end (&quiet);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Off-site copies: rebuilding a library from one (the "new PC" path). */
#define _XOPEN_SOURCE 700  /* nftw */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-offsite.h"
#include "lb-library-private.h"
#include "lb-error.h"
#include "lb-verify.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

typedef struct {
  LbOffsiteProgressFunc progress;
  gpointer user_data;
} LbOffsiteCheck;

/* dest must be new or empty: a restore never mixes with files already there. */
static gboolean
prepare_dest (const char *dest, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local = NULL;
  gboolean private;
  int fd;

  if (!g_file_test (dest, G_FILE_TEST_EXISTS) && g_mkdir_with_parents (dest, 0700) == 0)
    return TRUE;
  if (!g_file_test (dest, G_FILE_TEST_EXISTS))
    {
      lb_library_set_io_error (error, errno, _("Could not create the folder %s"), dest);
      return FALSE;
    }
  /* Private before it is looked into: nobody else can then add to it
   * between the look and restic's writing. */
  if ((fd = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT, _("%s is not a folder Lifeboat can restore into: %s"),
                   dest, g_strerror (errno));
      return FALSE;
    }
  private = lb_library_make_private (fd, dest, FALSE, error);
  close (fd);
  if (!private)
    return FALSE;
  if ((dir = g_dir_open (dest, 0, &local)) == NULL)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT, _("%s is not a folder Lifeboat can restore into: %s"),
                   dest, local->message);
      return FALSE;
    }
  if (g_dir_read_name (dir) != NULL)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("%s is not empty: restore the library into a new or empty folder (a restore that was "
                     "stopped leaves %s there; remove the folder and start again)."), dest, LB_OFFSITE_PARTIAL);
      return FALSE;
    }
  return TRUE;
}

static int chmod_failed;

static int
make_private (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) ftw;
  if (type == FTW_SL || S_ISLNK (st->st_mode))
    return 0;
  /* The library lists and holds the user's private files, whatever modes
   * the repository recorded. */
  if (chmod (path, S_ISDIR (st->st_mode) ? 0700 : 0600) < 0 && chmod_failed == 0)
    chmod_failed = errno;
  return 0;
}

static gboolean
move_into_place (const char *from, const char *to, GError **error)
{
  if (g_rename (from, to) < 0)
    {
      lb_library_set_io_error (error, errno, _("Could not move %s into place"), from);
      return FALSE;
    }
  return TRUE;
}

gboolean
lb_offsite_restore (const LbResticRepo *repo, const char *at, const char *dest, LbOffsiteProgressFunc progress,
                    gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autofree char *partial = g_build_filename (dest, LB_OFFSITE_PARTIAL, NULL);
  g_autofree char *staged_catalog = g_build_filename (partial, LB_OFFSITE_STAGING, "catalog.db", NULL);
  g_autofree char *staged_blobs = g_build_filename (partial, "blobs", NULL);
  g_autofree char *staging = g_build_filename (partial, LB_OFFSITE_STAGING, NULL);
  g_autofree char *blobs = g_build_filename (dest, "blobs", NULL);
  g_autofree char *catalog = g_build_filename (dest, "catalog.db", NULL);
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  LbOffsiteProgress p = { .phase = _("Restoring"), .fraction = -1 };
  const char *args[] = { "restore", at ? at : "latest", "--tag", "lifeboat", "--target", partial, NULL };

  /* An id, never an option smuggled into restic's command line. */
  if (at != NULL && (*at == '\0' || strspn (at, "0123456789abcdef") != strlen (at)))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("“%s” is not a copy: give its id (see “lifeboat-cli offsite list”)."), at);
      return FALSE;
    }
  if (!prepare_dest (dest, error))
    return FALSE;
  if (progress)
    progress (&p, user_data);
  if (!lb_restic_run (repo, args, NULL, NULL, NULL, cancellable, error))
    return FALSE;
  if (!g_file_test (staged_catalog, G_FILE_TEST_IS_REGULAR))
    {
      /* restic's own word for the newest copy, not ours to translate. */
      const char *which = at != NULL ? at : "latest";
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("The copy %s is not a Lifeboat library (it has no catalog); see “lifeboat-cli offsite list”."),
                   which);
      return FALSE;
    }

  chmod_failed = 0;
  nftw (partial, make_private, 16, FTW_PHYS);
  if (chmod_failed != 0)
    {
      lb_library_set_io_error (error, chmod_failed, _("Could not make the restored files in %s private"), dest);
      return FALSE;
    }
  /* A library with no blob yet has no blobs/ in its copy. */
  if (!g_file_test (staged_blobs, G_FILE_TEST_IS_DIR) && g_mkdir (staged_blobs, 0700) < 0)
    {
      lb_library_set_io_error (error, errno, _("Could not create the folder %s"), staged_blobs);
      return FALSE;
    }
  /* The catalog last: until it is there, dest is not a library. */
  if (!move_into_place (staged_blobs, blobs, error) || !move_into_place (staged_catalog, catalog, error) ||
      !lb_library_sync_dir (dest, error))
    return FALSE;
  g_rmdir (staging);
  g_rmdir (partial);

  /* Opening it as the writer marks snapshots that were running at the
   * push as interrupted and creates tmp/ and lock. */
  if ((library = lb_library_open (dest, FALSE, LB_LIBRARY_WRITE, error)) == NULL)
    return FALSE;
  if (!lb_library_check_catalog (library, &problems, error))
    return FALSE;
  if (problems->len > 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED, _("The restored catalog fails its checks: %s"),
                   (const char *) problems->pdata[0]);
      return FALSE;
    }
  return TRUE;
}

static int
remove_entry (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) st;
  (void) type;
  (void) ftw;
  remove (path);
  return 0;
}

static void
on_verify (guint done, guint total, gpointer data)
{
  LbOffsiteCheck *check = data;
  LbOffsiteProgress p = { .phase = _("Verifying"), .fraction = total ? (double) done / total : 1,
                          .files_done = done, .files_total = total };

  if (check->progress)
    check->progress (&p, check->user_data);
}

GPtrArray *
lb_offsite_check (const LbResticRepo *repo, const char *at, const char *read_data_subset,
                  LbOffsiteProgressFunc progress, gpointer user_data, GCancellable *cancellable, GError **error)
{
  const char *unlock[] = { "unlock", NULL };
  const char *args[] = { "check", read_data_subset ? "--read-data-subset" : NULL, read_data_subset, NULL };
  LbOffsiteProgress p = { .phase = _("Checking the repository"), .fraction = -1 };
  LbOffsiteCheck check = { progress, user_data };
  g_autofree char *scratch = NULL, *dest = NULL;
  g_autoptr(LbLibrary) library = NULL;
  GPtrArray *problems = NULL;

  if (progress)
    progress (&p, user_data);
  /* check needs the repository to itself, and a push that died (power cut,
   * kill) left its lock behind: unlock removes only such stale locks (of a
   * dead process on this computer, or not refreshed for 30 minutes), never
   * a running restic's. */
  if (!lb_restic_run (repo, unlock, NULL, NULL, NULL, cancellable, error) ||
      !lb_restic_run (repo, args, NULL, NULL, NULL, cancellable, error))
    return NULL;
  /* What a restore would give, where a restore would put it: the whole
   * library, for a while, in the temporary folder. */
  if ((scratch = g_dir_make_tmp ("lifeboat-offsite-check-XXXXXX", error)) == NULL)
    return NULL;
  dest = g_build_filename (scratch, "library", NULL);
  if (lb_offsite_restore (repo, at, dest, progress, user_data, cancellable, error) &&
      (library = lb_library_open (dest, FALSE, LB_LIBRARY_READ, error)) != NULL)
    lb_verify (library, 0, on_verify, &check, &problems, cancellable, error);
  g_clear_object (&library);
  nftw (scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return problems;
}

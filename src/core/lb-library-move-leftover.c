/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The new library's record of where it came from, and finishing the
 * removal of an old copy that a move cut short left behind.  See
 * lb-library-move.h. */
#include "config.h"

#include "lb-config.h"
#include "lb-library-move-job.h"
#include "lb-lock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#define GROUP "move"

gboolean
lb_move_write_record (Move *m, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *stamp = lb_catalog_stamp (m->db, error);
  g_autofree char *text = NULL;

  if (stamp == NULL)
    return FALSE;
  g_key_file_set_string (kf, GROUP, "from", m->from);
  g_key_file_set_string (kf, GROUP, "catalog", stamp);
  g_key_file_set_comment (kf, NULL, NULL,
                          " Lifeboat: this library was moved here from the folder named below.\n"
                          " If the move was cut short after its new place was saved, the old copy\n"
                          " is removed the next time this library is opened for writing.",
                          NULL);
  text = g_key_file_to_data (kf, NULL, NULL);
  return lb_move_write_note (m->to_fd, m->to, LB_MOVE_FROM_RECORD, text, error);
}

/* The old folder and its stamp, from DIR's record; FALSE without one. */
static gboolean
read_record (const char *dir, char **from, char **stamp)
{
  g_autofree char *path = g_build_filename (dir, LB_MOVE_FROM_RECORD, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  *from = *stamp = NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  *from = g_key_file_get_string (kf, GROUP, "from", NULL);
  *stamp = g_key_file_get_string (kf, GROUP, "catalog", NULL);
  if (*from != NULL && *stamp != NULL && g_path_is_absolute (*from))
    return TRUE;
  g_clear_pointer (from, g_free);
  g_clear_pointer (stamp, g_free);
  return FALSE;
}

gboolean
lb_move_record_names (const char *dir, const char *from)
{
  g_autofree char *named = NULL;
  g_autofree char *stamp = NULL;

  return read_record (dir, &named, &stamp) && strcmp (named, from) == 0;
}

static gboolean
exists_here (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct stat st;

  return lstat (path, &st) == 0;
}

/* Whether the catalog in FROM is still the one the move copied: any
 * backup or prune since makes it somebody's library again. */
static gboolean
same_catalog (const char *from, const char *stamp)
{
  g_autofree char *path = g_build_filename (from, "catalog.db", NULL);
  g_autofree char *now = NULL;
  LbDb *db;

  if ((db = lb_db_open (path, FALSE, NULL)) == NULL)
    return FALSE;
  now = lb_catalog_stamp (db, NULL);
  lb_db_close (db);
  return g_strcmp0 (now, stamp) == 0;
}

typedef enum { REMOVED, IN_USE, NOT_OURS } Outcome;

/* Removes the old copy in FROM, the way remove_old() does: marked first,
 * the catalog next, then the rest.  Without the marker its removal had
 * not begun, and it goes only while its catalog is the one copied (STAMP). */
static Outcome
remove_copy (const char *from, const char *stamp)
{
  g_autofree char *lock = g_build_filename (from, "lock", NULL);
  int lock_fd;
  gboolean ok = TRUE;

  if ((lock_fd = lb_lock_open (lock, NULL)) < 0)
    return IN_USE;
  if (!lb_lock_take (lock_fd, LB_LOCK_WRITER, NULL) || !lb_lock_take (lock_fd, LB_LOCK_NO_READERS, NULL))
    {
      close (lock_fd);
      return IN_USE;
    }
  if (!exists_here (from, LB_MOVE_INCOMPLETE_MARKER))
    {
      if (!same_catalog (from, stamp))
        {
          close (lock_fd);
          return NOT_OURS;
        }
      ok = lb_move_mark (from, "A Lifeboat library was here and has been moved.\n"
                               "What is left in this folder can be deleted.\n");
    }
  if (ok)
    {
      lb_move_remove_library (from);
      g_rmdir (from);
    }
  close (lock_fd);
  return ok ? REMOVED : IN_USE;
}

char *
lb_library_move_finish_leftover (const char *dir)
{
  g_autofree char *real = realpath (dir, NULL);
  g_autofree char *record = NULL;
  g_autofree char *from = NULL;
  g_autofree char *stamp = NULL;
  gboolean removed = FALSE;
  struct stat st;

  if (real == NULL || !read_record (real, &from, &stamp))
    return NULL;
  /* Until the settings name this library the old one is still the library
   * (the move was cut short before its switch): not ours to remove. */
  if (!lb_config_names_library (real))
    return NULL;
  record = g_build_filename (real, LB_MOVE_FROM_RECORD, NULL);
  if (strcmp (from, real) != 0 && lstat (from, &st) == 0 && S_ISDIR (st.st_mode) &&
      (exists_here (from, LB_MOVE_INCOMPLETE_MARKER) || exists_here (from, "catalog.db")))
    {
      Outcome outcome = remove_copy (from, stamp);
      /* In use right now: tried again at the next opening. */
      if (outcome == IN_USE)
        return NULL;
      removed = outcome == REMOVED;
    }
  g_unlink (record);
  return removed ? g_steal_pointer (&from) : NULL;
}

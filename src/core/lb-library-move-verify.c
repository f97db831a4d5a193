/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving a library, the check: every copied blob read back from the disk
 * and compared with its name (or, when that fails, with the original), and
 * the copied catalog opened and checked as `verify` would. */
#include "config.h"
#include "lb-library-move-job.h"
#include "lb-error.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>

/* ---- verifying --------------------------------------------------------------- */

static void
hashed (gsize bytes, gpointer data)
{
  Move *m = data;

  m->p.bytes_done += bytes;
  lb_move_report (m, FALSE);
}

static gboolean
verify_blob (Move *m, const char *rel, guint64 size, guint8 *buf, GError **error)
{
  g_autofree char *copy = g_build_filename (m->to, "blobs", rel, NULL);
  g_autofree char *orig = g_build_filename (m->from, "blobs", rel, NULL);
  g_autofree char *name = g_path_get_basename (rel);
  g_autofree char *got = NULL;
  g_autofree char *was = NULL;
  guint64 got_size, was_size;

  if ((got = lb_blob_hash_file (copy, buf, LB_MOVE_BUFSIZE, &got_size, hashed, m)) == NULL)
    {
      lb_move_io_error (error, errno, _("Could not read back %s"), copy);
      return FALSE;
    }
  if (lb_blob_name_valid (name) && got_size == size && strcmp (got, name) == 0)
    return TRUE;
  /* Either the copy is bad, or the original already was: only the first
   * is a reason to stop (the second moves as it is, and is reported). */
  m->p.bytes_total += size;
  if ((was = lb_blob_hash_file (orig, buf, LB_MOVE_BUFSIZE, &was_size, hashed, m)) == NULL)
    {
      lb_move_io_error (error, errno, _("Could not read %s"), orig);
      return FALSE;
    }
  if (was_size == got_size && strcmp (was, got) == 0)
    {
      if (lb_blob_name_valid (name))
        m->damaged++;
      return TRUE;
    }
  g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
               _("The copy of the stored file %s does not read back the same as the original: the "
                 "disk at %s may be failing. Nothing was moved; the library stays at %s."),
               copy, m->to, m->from);
  return FALSE;
}

/* The new catalog opens as a library, passes the checks `verify` runs, and
 * holds as many snapshots, files and blobs as the old one. */
static gboolean
verify_catalog (Move *m, GError **error)
{
  gint64 copied[LB_CATALOG_N_COUNTED], original[LB_CATALOG_N_COUNTED];
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) referenced = NULL;
  g_autoptr(GError) local = NULL;

  lib = lb_library_open (m->to, FALSE, LB_LIBRARY_READ, &local);
  if (lib == NULL || !lb_library_check_catalog (lib, &problems, &local))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The copied catalog at %s does not open: %s. Nothing was moved; the library "
                     "stays at %s."), m->to, local->message, m->from);
      return FALSE;
    }
  if (problems->len > 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                   _("The copied catalog at %s fails its checks (%s). Nothing was moved; the "
                     "library stays at %s; “lifeboat-cli verify” checks it."),
                   m->to, (char *) problems->pdata[0], m->from);
      return FALSE;
    }
  if (!lb_library_count_rows (lib, copied, error) || !lb_catalog_count_rows (m->db, original, error))
    return FALSE;
  for (gsize i = 0; i < LB_CATALOG_N_COUNTED; i++)
    if (copied[i] != original[i])
      {
        g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                     _("The copied catalog at %s does not hold the same %s as the original. Nothing "
                       "was moved; the library stays at %s."), m->to, lb_catalog_counted_tables[i], m->from);
        return FALSE;
      }
  /* A blob the catalog names that the old library did not have either is
   * old damage: it moves as it is, and is reported. */
  if ((referenced = lb_library_list_blobs (lib, 0, NULL, &local)) == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (guint i = 0; i < referenced->len; i++)
    {
      g_autofree char *path = lb_library_blob_path (lib, referenced->pdata[i]);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        m->missing++;
    }
  return TRUE;
}

gboolean
lb_move_verify_all (Move *m, GError **error)
{
  g_autofree guint8 *buf = g_malloc (LB_MOVE_BUFSIZE);

  lb_move_start_phase (m, _("Verifying"), m->blobs->len, m->blob_bytes);
  for (guint i = 0; i < m->blobs->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (m->cancellable, error) ||
          !verify_blob (m, m->blobs->pdata[i], g_array_index (m->sizes, guint64, i), buf, error))
        return FALSE;
      m->p.files_done++;
      lb_move_report (m, FALSE);
    }
  lb_move_report (m, TRUE);
  return verify_catalog (m, error);
}


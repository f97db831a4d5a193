/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-verify.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>

void
lb_problem_free (LbProblem *p)
{
  if (p == NULL)
    return;
  g_free (p->what);
  g_free (p->sha256);
  g_clear_pointer (&p->snapshot_ids, g_array_unref);
  g_clear_pointer (&p->phone_paths, g_ptr_array_unref);
  g_free (p);
}

/* NULL when the blob is intact, otherwise what is wrong with it. */
static char *
check_blob (const char *path, const char *sha256, guint64 size, guint8 *buffer, gsize buflen)
{
  guint64 total;
  g_autofree char *got = lb_blob_hash_file (path, buffer, buflen, &total, NULL, NULL);

  if (got == NULL)
    return errno == ENOENT ? g_strdup (_("missing")) : g_strdup_printf (_("unreadable: %s"), g_strerror (errno));
  if (total != size)
    return g_strdup_printf (_("damaged: %" PRIu64 " bytes instead of %" PRIu64), total, size);
  if (g_strcmp0 (got, sha256) != 0)
    return g_strdup (_("damaged: its content no longer matches its checksum"));
  return NULL;
}

gboolean
lb_verify (LbLibrary *library, gint64 snapshot_id, LbVerifyProgressFunc progress, gpointer user_data,
           GPtrArray **problems, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) catalog = NULL;
  g_autoptr(GPtrArray) blobs = NULL;
  g_autoptr(GArray) sizes = NULL;
  g_autofree guint8 *buffer = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_problem_free);

  if (!lb_library_check_catalog (library, &catalog, error))
    goto fail;
  for (guint i = 0; catalog && i < catalog->len; i++)
    {
      LbProblem *p = g_new0 (LbProblem, 1);
      p->what = g_strdup_printf (_("catalog: %s"), (char *) catalog->pdata[i]);
      g_ptr_array_add (out, p);
    }
  blobs = lb_library_list_blobs (library, snapshot_id, &sizes, error);
  if (blobs == NULL)
    goto fail;
  buffer = g_malloc (1 << 20);
  for (guint i = 0; i < blobs->len; i++)
    {
      const char *sha = blobs->pdata[i];
      g_autofree char *path = lb_library_blob_path (library, sha);
      char *what;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      what = check_blob (path, sha, g_array_index (sizes, guint64, i), buffer, 1 << 20);
      if (what != NULL)
        {
          LbProblem *p = g_new0 (LbProblem, 1);
          p->what = what;
          p->sha256 = g_strdup (sha);
          if (!lb_library_blob_users (library, sha, &p->snapshot_ids, &p->phone_paths, error))
            {
              lb_problem_free (p);
              goto fail;
            }
          g_ptr_array_add (out, p);
        }
      if (progress != NULL)
        progress (i + 1, blobs->len, user_data);
    }
  *problems = out;
  return TRUE;

fail:
  g_ptr_array_unref (out);
  return FALSE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lb_extract's progress: what Save… in the window shows.  A real library
 * (a temp folder, SQLite, blobs), no phone. */
#include "config.h"
#include "lb-extract.h"
#include "test-library-util.h"

#include <string.h>

typedef struct {
  GArray *reports;   /* LbExtractProgress, current dropped */
} Seen;

static void
on_progress (const LbExtractProgress *p, gpointer data)
{
  Seen *seen = data;
  LbExtractProgress copy = *p;

  copy.current = NULL;
  g_array_append_val (seen->reports, copy);
}

static void
test_progress (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *big = NULL, *small = NULL, *out = NULL;
  g_autofree guint8 *bytes = g_malloc (3 << 20);
  const char *only[] = { "/" STORAGE "/DCIM", NULL };
  Seen seen = { g_array_new (FALSE, FALSE, sizeof (LbExtractProgress)) };
  const LbExtractProgress *first, *last;
  LbSnapshotWriter *w;
  gint64 dcim, id;
  guint64 n = 0;

  (void) data;
  for (gsize i = 0; i < (3 << 20); i++)
    bytes[i] = (guint8) (i * 7 + 1);
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  big = store_blob (lib, bytes, 3 << 20, NULL);
  small = store_text (lib, "a note");
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  dcim = add_folder (w, STORAGE, 0, "DCIM");
  add_file (w, STORAGE, dcim, "clip.mp4", big, 3 << 20, 1700000000);
  add_file (w, STORAGE, dcim, "b.jpg", small, 6, 1700000000);
  add_file (w, STORAGE, 0, "notes.txt", small, 6, 1700000000);
  id = lb_snapshot_writer_get_id (w);
  finish (w, LB_SNAPSHOT_COMPLETE);

  /* Only DCIM: the totals count the selection, not the snapshot. */
  out = g_build_filename (f->tmp, "out", NULL);
  g_assert_true (lb_extract (lib, id, only, out, NULL, on_progress, &seen, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (seen.reports->len, >=, 2);
  first = &g_array_index (seen.reports, LbExtractProgress, 0);
  last = &g_array_index (seen.reports, LbExtractProgress, seen.reports->len - 1);
  g_assert_cmpuint (first->files_done, ==, 0);
  g_assert_cmpuint (first->bytes_done, ==, 0);
  g_assert_cmpint (first->eta_seconds, ==, -1);
  g_assert_cmpuint (first->files_total, ==, 2);
  g_assert_cmpuint (first->bytes_total, ==, (3 << 20) + 6);
  g_assert_cmpuint (last->files_done, ==, 2);
  g_assert_cmpuint (last->bytes_done, ==, last->bytes_total);
  for (guint i = 1; i < seen.reports->len; i++)
    g_assert_cmpuint (g_array_index (seen.reports, LbExtractProgress, i).bytes_done, >=,
                      g_array_index (seen.reports, LbExtractProgress, i - 1).bytes_done);
  g_array_unref (seen.reports);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD_TEST ("/extract/progress", test_progress);
  return g_test_run ();
}

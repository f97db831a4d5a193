/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The blob store: content named by its SHA-256, stored once, zeros as
 * holes, nothing left in tmp/. */
#include "test-library-util.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

static void
assert_file_is (const char *path, const guint8 *data, gsize len)
{
  g_autofree char *contents = NULL;
  gsize got = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, &got, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, got, data, len);
}

static void
assert_sha256sum (const char *path, const char *sha256)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sha256sum", path, NULL };
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (out, sha256));
}

static void
test_blob_write (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *bytes = g_malloc (100000);
  g_autofree char *expected = NULL, *sha = NULL, *again = NULL, *path = NULL, *fan = NULL;
  g_autofree char *tmp = g_build_filename (f->lib, "tmp", NULL);
  static const gsize chunks[] = { 1, 4095, 4097, 3, 8192, 10000, 30000 };
  LbBlobWriter *w;
  gboolean is_new = FALSE;
  gsize done = 0;
  struct stat st;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  /* Data with zero runs of every kind: aligned, unaligned, across writes,
   * shorter than a block, and at the end. */
  for (gsize i = 0; i < 100000; i++)
    bytes[i] = (guint8) (i * 7 + 1);
  memset (bytes + 100, 0, 20000);
  memset (bytes + 40960, 0, 4096);
  memset (bytes + 50000, 0, 3000);
  memset (bytes + 90000, 0, 10000);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, 100000);

  w = lb_library_new_blob (lib, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (tmp), ==, 1);
  for (guint i = 0; done < 100000; i = (i + 1) % G_N_ELEMENTS (chunks))
    {
      gsize n = MIN (chunks[i], 100000 - done);
      g_assert_true (lb_blob_writer_write (w, bytes + done, n, &error));
      g_assert_no_error (error);
      done += n;
    }
  g_assert_cmpuint (lb_blob_writer_get_size (w), ==, 100000);
  sha = lb_blob_writer_finish (w, &is_new, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sha, ==, expected);
  g_assert_true (is_new);
  g_assert_cmpuint (count_files (tmp), ==, 0);

  path = lb_library_blob_path (lib, sha);
  fan = g_path_get_dirname (path);
  g_assert_true (g_str_has_suffix (fan, (char[]) { '/', sha[0], sha[1], '\0' }));
  assert_file_is (path, bytes, 100000);
  assert_sha256sum (path, sha);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* The unaligned 20,000-byte run holds three whole blocks: holes. */
  g_assert_cmpint (st.st_blocks * 512, <, 100000);
  g_assert_cmpint (g_stat (fan, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* The same content again: no second file. */
  again = store_blob (lib, bytes, 100000, &is_new);
  g_assert_cmpstr (again, ==, sha);
  g_assert_false (is_new);
  g_assert_cmpuint (count_files (fan), ==, 1);
  g_assert_cmpuint (count_files (tmp), ==, 0);

  /* Dropped: the temp file goes too. */
  w = lb_library_new_blob (lib, &error);
  lb_blob_writer_write (w, bytes, 1000, &error);
  g_assert_cmpuint (count_files (tmp), ==, 1);
  lb_blob_writer_free (w);
  g_assert_cmpuint (count_files (tmp), ==, 0);

  /* The empty file is a blob like any other. */
  g_free (again);
  again = store_blob (lib, "", 0, &is_new);
  g_assert_cmpstr (again, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_blob_sparse (Fixture *f, gconstpointer data)
{
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc0 (1 << 20);
  g_autofree char *sha = NULL, *path = NULL;
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  LbBlobWriter *w;
  struct stat st;

  (void) data;
  lib = open_library (f->lib, LB_LIBRARY_WRITE);
  w = lb_library_new_blob (lib, &error);
  g_assert_no_error (error);
  /* 64 MiB of zeros with a few bytes of data, ending in zeros. */
  for (guint i = 0; i < 64; i++)
    {
      chunk[0] = i == 0 || i == 32 ? 0xff : 0;
      chunk[12345] = i == 40 ? 0x42 : 0;
      g_checksum_update (sum, chunk, 1 << 20);
      g_assert_true (lb_blob_writer_write (w, chunk, 1 << 20, &error));
    }
  sha = lb_blob_writer_finish (w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sha, ==, g_checksum_get_string (sum));
  g_checksum_free (sum);

  path = lb_library_blob_path (lib, sha);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 64 << 20);
  g_test_message ("64 MiB of mostly zeros: %" G_GINT64_FORMAT " bytes allocated",
                  (gint64) st.st_blocks * 512);
  g_assert_cmpint (st.st_blocks * 512, <=, 64 * 1024);
  assert_sha256sum (path, sha);
}

void
add_blob_tests (void)
{
  ADD_TEST ("/library/blob/write", test_blob_write);
  ADD_TEST ("/library/blob/sparse", test_blob_sparse);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving a library: copy → verify → switch → delete, and every way it can
 * stop before the switch leaving the old library as it was. */
#include "test-library-util.h"
#include "lb-config.h"
#include "lb-library-move-private.h"
#include "lb-verify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define SPARSE_SIZE (3 << 20)

typedef struct {
  char *sparse;           /* the sparse blob's SHA-256 */
  guint n_blobs;
} Built;

/* Two snapshots of one phone: some small files, one changed between them,
 * and a 3 MiB file that is mostly zeros (stored with holes). */
static void
build_library (const char *dir, Built *built)
{
  g_autoptr(LbLibrary) lib = open_library (dir, LB_LIBRARY_WRITE);
  g_autofree guint8 *sparse = g_malloc0 (SPARSE_SIZE);
  g_autofree char *a = NULL, *b = NULL, *b2 = NULL;
  LbSnapshotWriter *w;
  gint64 dcim;
  GError *error = NULL;

  memset (sparse, 'x', 4096);
  memset (sparse + (2 << 20), 'y', 4096);
  a = store_text (lib, "first photo");
  b = store_text (lib, "a document");
  built->sparse = store_blob (lib, sparse, SPARSE_SIZE, NULL);

  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  dcim = add_folder (w, STORAGE, 0, "DCIM");
  add_file (w, STORAGE, dcim, "a.jpg", a, 11, 1700000001);
  add_file (w, STORAGE, 0, "doc.txt", b, 10, 1700000002);
  add_file (w, STORAGE, 0, "video.mp4", built->sparse, SPARSE_SIZE, 1700000003);
  finish (w, LB_SNAPSHOT_COMPLETE);

  for (int i = 0; i < 8; i++)
    {
      g_autofree char *text = g_strdup_printf ("file number %d", i);
      g_autofree char *sha = store_text (lib, text);
      (void) sha;
    }
  b2 = store_text (lib, "a document, edited");
  w = lb_library_begin_snapshot (lib, &pixel, &error);
  g_assert_no_error (error);
  dcim = add_folder (w, STORAGE, 0, "DCIM");
  add_file (w, STORAGE, dcim, "a.jpg", a, 11, 1700000001);
  add_file (w, STORAGE, 0, "doc.txt", b2, 18, 1700000100);
  add_file (w, STORAGE, 0, "video.mp4", built->sparse, SPARSE_SIZE, 1700000003);
  finish (w, LB_SNAPSHOT_COMPLETE);
  /* 3 + 8 + 1 */
  built->n_blobs = 12;
}

static void
built_clear (Built *built)
{
  g_free (built->sparse);
}

static guint
count_blobs_in (const char *blobs)
{
  g_autoptr(GDir) d = g_dir_open (blobs, 0, NULL);
  const char *fan;
  guint n = 0;

  while (d != NULL && (fan = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (blobs, fan, NULL);
      n += count_files (path);
    }
  return n;
}

static guint
count_blobs (const char *lib)
{
  g_autofree char *blobs = g_build_filename (lib, "blobs", NULL);
  return count_blobs_in (blobs);
}

/* A library that opens, passes `verify`, and has both snapshots. */
static void
assert_library_good (const char *dir, guint n_blobs)
{
  g_autoptr(LbLibrary) lib = open_library (dir, LB_LIBRARY_READ);
  g_autoptr(GPtrArray) snaps = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *marker = g_build_filename (dir, LB_MOVE_INCOMPLETE_MARKER, NULL);

  snaps = lb_library_list_snapshots (lib, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snaps->len, ==, 2);
  for (guint i = 0; i < snaps->len; i++)
    g_assert_cmpint (((LbSnapshot *) snaps->pdata[i])->state, ==, LB_SNAPSHOT_COMPLETE);
  files = entries (lib, ((LbSnapshot *) snaps->pdata[0])->id);
  g_assert_nonnull (find_entry (files, "/" STORAGE "/doc.txt", 0));
  g_assert_cmpuint (find_entry (files, "/" STORAGE "/doc.txt", 0)->size, ==, 18);
  lb_verify (lib, 0, NULL, NULL, &problems, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (count_blobs (dir), ==, n_blobs);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

static gboolean
move (const char *from, const char *to, LbMoveSwitchFunc switch_func, gpointer data, GCancellable *cancellable,
      char **warning, GError **error)
{
  return lb_library_move_run (from, to, NULL, switch_func, data, cancellable, warning, error);
}

typedef struct {
  const char *from;
  char *switched_to;
  GPtrArray *phases;
  guint reports;
  gboolean fail;
} Watch;

static void
on_progress (const LbMoveProgress *p, gpointer data)
{
  Watch *watch = data;

  g_assert_cmpuint (p->files_done, <=, p->files_total);
  if (watch->phases->len == 0 || strcmp (g_ptr_array_index (watch->phases, watch->phases->len - 1), p->phase) != 0)
    g_ptr_array_add (watch->phases, g_strdup (p->phase));
  watch->reports++;
}

static gboolean
on_switch (const char *new_path, gpointer data, GError **error)
{
  Watch *watch = data;
  g_autofree char *marker = g_build_filename (new_path, LB_MOVE_INCOMPLETE_MARKER, NULL);
  g_autofree char *old_catalog = g_build_filename (watch->from, "catalog.db", NULL);

  /* Verified, no longer marked, and the old library still whole. */
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (old_catalog, G_FILE_TEST_EXISTS));
  watch->switched_to = g_strdup (new_path);
  if (watch->fail)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "the setting is locked");
      return FALSE;
    }
  return TRUE;
}

static void
test_move (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "elsewhere", "Lifeboat", NULL);
  g_autofree char *parent = g_path_get_dirname (to);
  g_autofree char *sparse = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(GError) error = NULL;
  Watch watch = { .from = f->lib, .phases = g_ptr_array_new_with_free_func (g_free) };
  Built built;
  struct stat st;
  gint64 started;
  double seconds;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir (parent, 0700), ==, 0);
  started = g_get_monotonic_time ();
  g_assert_true (lb_library_move_run (f->lib, to, on_progress, on_switch, &watch, NULL, &warning, &error));
  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  g_assert_no_error (error);
  g_assert_null (warning);

  g_assert_cmpstr (watch.switched_to, ==, to);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  assert_library_good (to, built.n_blobs);
  sparse = g_build_filename (to, "blobs", (char[]) { built.sparse[0], built.sparse[1], 0 }, built.sparse, NULL);
  g_assert_cmpint (g_stat (sparse, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, SPARSE_SIZE);
  /* Two 4 KiB runs of data in 3 MiB: the holes stayed holes. */
  g_assert_cmpint ((gint64) st.st_blocks * 512, <=, 64 * 1024);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (to, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  g_assert_cmpuint (watch.phases->len, ==, 3);
  g_assert_cmpstr (watch.phases->pdata[0], ==, "Copying");
  g_assert_cmpstr (watch.phases->pdata[1], ==, "Verifying");
  g_assert_cmpstr (watch.phases->pdata[2], ==, "Removing the old copy");
  /* Throttled: each phase's start and end, and at most 10 a second
   * between them. */
  g_assert_cmpuint (watch.reports, <=, 2 * 3 + 10 * seconds + 3);
  g_ptr_array_unref (watch.phases);
  g_free (watch.switched_to);
  built_clear (&built);
}

/* Into an existing empty folder: the folder becomes the library. */
static void
test_move_into_empty_folder (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "empty", NULL);
  g_autoptr(GError) error = NULL;
  struct stat st;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir (to, 0700), ==, 0);
  g_assert_cmpint (g_chmod (to, 0755), ==, 0);
  /* Others could read it: it is made the library's own (quietly: it held
   * nothing of the user's yet). */
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (to, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  assert_library_good (to, built.n_blobs);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  built_clear (&built);
}

static void
test_dest_not_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "full", NULL);
  g_autofree char *mine = g_build_filename (to, "holiday.jpg", NULL);
  g_autofree char *other = g_build_filename (f->tmp, "other-library", NULL);
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir (to, 0700), ==, 0);
  g_assert_true (g_file_set_contents (mine, "mine", -1, NULL));
  g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_assert_nonnull (strstr (error->message, "not empty"));
  g_assert_cmpuint (count_files (to), ==, 1);
  assert_library_good (f->lib, built.n_blobs);

  /* Another library is not an empty folder either. */
  g_clear_error (&error);
  g_object_unref (open_library (other, LB_LIBRARY_WRITE));
  g_assert_false (move (f->lib, other, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_assert_nonnull (strstr (error->message, "already holds a Lifeboat library"));
  assert_library_good (f->lib, built.n_blobs);

  /* A file, and a folder whose parent is not there (a disk not mounted). */
  g_clear_error (&error);
  g_assert_false (move (f->lib, mine, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_clear_error (&error);
  {
    g_autofree char *unmounted = g_build_filename (f->tmp, "media", "disk", "Lifeboat", NULL);
    g_autofree char *media = g_build_filename (f->tmp, "media", NULL);
    g_assert_false (move (f->lib, unmounted, NULL, NULL, NULL, NULL, &error));
    g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
    g_assert_false (g_file_test (media, G_FILE_TEST_EXISTS));
  }
  assert_library_good (f->lib, built.n_blobs);
  built_clear (&built);
}

static void
test_dest_inside_source (Fixture *f, gconstpointer data)
{
  g_autofree char *inside = g_build_filename (f->lib, "blobs", "new", NULL);
  g_autofree char *link = g_build_filename (f->tmp, "link", NULL);
  g_autofree char *via_link = g_build_filename (link, "sub", NULL);
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_false (move (f->lib, inside, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_assert_nonnull (strstr (error->message, "inside the library"));
  g_assert_false (g_file_test (inside, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* Through a symbolic link to the library. */
  g_assert_cmpint (symlink (f->lib, link), ==, 0);
  g_assert_false (move (f->lib, via_link, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_clear_error (&error);
  /* Onto itself. */
  g_assert_false (move (f->lib, link, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  assert_library_good (f->lib, built.n_blobs);
  built_clear (&built);
}

static void
test_locked (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  {
    /* A backup holds the writer lock (another open of the lock file: OFD
     * locks conflict between opens as between processes). */
    g_autoptr(LbLibrary) writer = open_library (f->lib, LB_LIBRARY_WRITE);
    g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
    g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
    g_assert_false (g_file_test (to, G_FILE_TEST_EXISTS));
    g_clear_error (&error);
  }
  {
    /* Someone reads it (an extraction, a window showing it). */
    g_autoptr(LbLibrary) reader = open_library (f->lib, LB_LIBRARY_READ);
    g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
    g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
    g_assert_false (g_file_test (to, G_FILE_TEST_EXISTS));
    g_clear_error (&error);
  }
  assert_library_good (f->lib, built.n_blobs);
  /* And once they are gone it moves. */
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_library_good (to, built.n_blobs);
  built_clear (&built);
}

/* A writer lock held by another process, which also keeps writers out of
 * the library for as long as the move runs. */
static void
test_locked_by_process (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *fifo = g_build_filename (f->tmp, "go", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = NULL;
  GPid pid;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  /* flock(1) is not an OFD lock; python's fcntl speaks F_OFD_SETLK (37). */
  cmd = g_strdup_printf ("import fcntl,struct,os,sys\n"
                         "fd=os.open(sys.argv[1],os.O_RDWR)\n"
                         "fcntl.fcntl(fd,37,struct.pack('hhqqi',fcntl.F_WRLCK,0,0,1,0))\n"
                         "open(sys.argv[2],'w').write('x')\n"
                         "sys.stdin.read()\n");
  {
    g_autofree char *lock = g_build_filename (f->lib, "lock", NULL);
    const char *argv[] = { "python3", "-c", cmd, lock, fifo, NULL };
    int in_fd = -1;
    g_autofree char *got = NULL;

    g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                              NULL, &pid, &in_fd, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (fifo, &got, NULL, NULL));
    g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
    g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED);
    g_clear_error (&error);
    close (in_fd);
    waitpid (pid, NULL, 0);
    g_spawn_close_pid (pid);
  }
  assert_library_good (f->lib, built.n_blobs);
  g_assert_false (g_file_test (to, G_FILE_TEST_EXISTS));
  built_clear (&built);
}

static void
corrupt (const char *path, gpointer data)
{
  guint *left = data;
  int fd;

  if ((*left)-- != 1)
    return;
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "!", 1, 0), ==, 1);
  close (fd);
}

static void
test_bad_copy (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autoptr(GError) error = NULL;
  Watch watch = { .from = f->lib, .phases = g_ptr_array_new_with_free_func (g_free) };
  guint left = 5;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  lb_move_test_after_blob = corrupt;
  lb_move_test_data = &left;
  g_assert_false (move (f->lib, to, on_switch, &watch, NULL, NULL, &error));
  lb_move_test_after_blob = NULL;
  g_assert_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED);
  g_assert_nonnull (strstr (error->message, "does not read back the same"));
  g_assert_null (watch.switched_to);
  g_assert_false (g_file_test (to, G_FILE_TEST_EXISTS));
  assert_library_good (f->lib, built.n_blobs);
  g_ptr_array_unref (watch.phases);
  built_clear (&built);
}

typedef struct {
  const char *to;
  const char *outside;
  guint left;
} Swap;

/* Someone swaps the copy's blobs/ and tmp/ for symlinks to a folder of
 * the user's while the move runs. */
static void
swap_for_symlinks (const char *path, gpointer data)
{
  Swap *swap = data;
  const char *const names[] = { "blobs", "tmp" };

  (void) path;
  if (swap->left-- != 1)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name = g_build_filename (swap->to, names[i], NULL);
      g_autofree char *aside = g_strconcat (name, ".aside", NULL);

      g_assert_cmpint (g_rename (name, aside), ==, 0);
      g_assert_cmpint (symlink (swap->outside, name), ==, 0);
    }
}

static void
test_swapped_for_symlinks (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *outside = g_build_filename (f->tmp, "photos", NULL);
  g_autofree char *photo = g_build_filename (outside, "holiday.jpg", NULL);
  g_autofree char *aside = g_build_filename (to, "blobs.aside", NULL);
  g_autofree char *blobs = g_build_filename (to, "blobs", NULL);
  g_autoptr(GError) error = NULL;
  Swap swap = { to, outside, 3 };
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir (outside, 0700), ==, 0);
  g_assert_true (g_file_set_contents (photo, "mine", -1, NULL));
  lb_move_test_after_blob = swap_for_symlinks;
  lb_move_test_data = &swap;
  g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  lb_move_test_after_blob = NULL;
  g_assert_nonnull (error);
  g_test_message ("the move stopped with: %s", error->message);
  /* Nothing went through the symlinks: the blobs copied after the swap
   * went on into the real folder, now blobs.aside. */
  g_assert_cmpuint (count_files (outside), ==, 1);
  g_assert_true (g_file_test (photo, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_blobs_in (aside), ==, built.n_blobs);
  g_assert_false (g_file_test (blobs, G_FILE_TEST_EXISTS));
  assert_library_good (f->lib, built.n_blobs);
  built_clear (&built);
}

/* A blob already damaged in the old library moves as it is (refusing would
 * leave the library stuck where it is), and the move says so. */
static void
test_damaged_original (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *sparse = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) lib = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  guint left = 1;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  sparse = g_build_filename (f->lib, "blobs", (char[]) { built.sparse[0], built.sparse[1], 0 }, built.sparse, NULL);
  corrupt (sparse, &left);
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "1 stored file was already damaged"));
  lib = open_library (to, LB_LIBRARY_READ);
  lb_verify (lib, 0, NULL, NULL, &problems, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpstr (((LbProblem *) problems->pdata[0])->sha256, ==, built.sparse);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  built_clear (&built);
}

static void
test_switch_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autoptr(GError) error = NULL;
  Watch watch = { .from = f->lib, .phases = g_ptr_array_new_with_free_func (g_free), .fail = TRUE };
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_false (move (f->lib, to, on_switch, &watch, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (watch.switched_to);
  g_assert_false (g_file_test (to, G_FILE_TEST_EXISTS));
  assert_library_good (f->lib, built.n_blobs);
  g_ptr_array_unref (watch.phases);
  g_free (watch.switched_to);
  built_clear (&built);
}

typedef struct {
  GCancellable *cancellable;
  guint left;
  GMainLoop *loop;
  GError *error;
  gboolean ok;
} Cancel;

static void
cancel_after (const char *path, gpointer data)
{
  Cancel *c = data;

  (void) path;
  if (--c->left == 0)
    g_cancellable_cancel (c->cancellable);
}

static void
on_moved (GObject *source, GAsyncResult *result, gpointer data)
{
  Cancel *c = data;

  (void) source;
  c->ok = lb_library_move_finish (result, &c->error);
  g_assert_null (lb_library_move_dup_warning (result));
  g_main_loop_quit (c->loop);
}

/* Cancelled in the middle of the blobs, through the async call a window
 * uses; and an existing (empty) destination stays, emptied. */
static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  Cancel c = { .cancellable = g_cancellable_new (), .left = 4, .loop = g_main_loop_new (NULL, FALSE) };
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir (to, 0700), ==, 0);
  lb_move_test_after_blob = cancel_after;
  lb_move_test_data = &c;
  lb_library_move_async (f->lib, to, NULL, NULL, NULL, c.cancellable, on_moved, &c);
  g_main_loop_run (c.loop);
  lb_move_test_after_blob = NULL;
  g_assert_false (c.ok);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_file_test (to, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (count_files (to), ==, 0);
  assert_library_good (f->lib, built.n_blobs);

  /* And the same destination takes the library afterwards. */
  g_clear_error (&c.error);
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, NULL, &c.error));
  g_assert_no_error (c.error);
  assert_library_good (to, built.n_blobs);
  g_object_unref (c.cancellable);
  g_main_loop_unref (c.loop);
  built_clear (&built);
}

static void
test_no_room (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  lb_move_test_free_space = 10000;
  g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  lb_move_test_free_space = -1;
  g_assert_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL);
  g_assert_nonnull (strstr (error->message, "more there"));
  g_assert_false (g_file_test (to, G_FILE_TEST_EXISTS));
  assert_library_good (f->lib, built.n_blobs);
  built_clear (&built);
}

/* What a move that crashed before its switch leaves: a marked folder with
 * part of a library.  The old library still works, and a new move takes
 * the folder; a user's own file in it still makes it not empty. */
static void
test_crash_leftover (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *marker = g_build_filename (to, LB_MOVE_INCOMPLETE_MARKER, NULL);
  g_autofree char *fan = g_build_filename (to, "blobs", "ab", NULL);
  g_autofree char *half = g_build_filename (fan, "abcdef", NULL);
  g_autofree char *partial = g_build_filename (to, "catalog.db.partial", NULL);
  g_autofree char *tmpdir = g_build_filename (to, "tmp", NULL);
  g_autofree char *tmpfile = g_build_filename (tmpdir, "move-123456", NULL);
  g_autofree char *mine = g_build_filename (to, "mine.txt", NULL);
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir_with_parents (fan, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (marker, "", -1, NULL));
  g_assert_true (g_file_set_contents (half, "half a blob", -1, NULL));
  g_assert_true (g_file_set_contents (partial, "half a catalog", -1, NULL));
  g_assert_true (g_file_set_contents (tmpfile, "half", -1, NULL));
  g_assert_true (g_file_set_contents (mine, "mine", -1, NULL));

  g_assert_false (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_clear_error (&error);
  /* What the crashed move left is cleared, what the user put there stays. */
  g_assert_true (g_file_test (mine, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (half, G_FILE_TEST_EXISTS));
  assert_library_good (f->lib, built.n_blobs);
  g_remove (mine);
  g_assert_cmpint (g_mkdir_with_parents (fan, 0700), ==, 0);
  g_assert_true (g_file_set_contents (marker, "", -1, NULL));
  g_assert_true (g_file_set_contents (half, "half a blob", -1, NULL));

  g_assert_true (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_library_good (to, built.n_blobs);
  g_assert_false (g_file_test (half, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  built_clear (&built);
}

/* A file of the user's in the old folder stays, and so does the folder:
 * the move is done, with a warning. */
static void
test_old_folder_kept (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *notes = g_build_filename (f->lib, "notes.txt", NULL);
  g_autofree char *warning = NULL;
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_true (g_file_set_contents (notes, "my notes", -1, NULL));
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "could not be removed completely"));
  g_assert_cmpuint (count_files (f->lib), ==, 1);
  g_assert_true (g_file_test (notes, G_FILE_TEST_EXISTS));
  assert_library_good (to, built.n_blobs);
  built_clear (&built);
}

/* A prune empties fan folders and leaves them for the next backup: the
 * move takes them too, with no warning.  (tests/faults/campaign found the
 * old folder left behind, holding only blobs/ and its empty fans.) */
static void
test_after_prune (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *fan = g_build_filename (f->lib, "blobs", "zz", NULL);
  g_autofree char *warning = NULL;
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_library (f->lib, &built);
  g_assert_cmpint (g_mkdir (fan, 0700), ==, 0);
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, &warning, &error));
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  assert_library_good (to, built.n_blobs);
  built_clear (&built);
}

typedef struct {
  const char *to;
  gboolean seen;
} Removing;

/* What a crash while the old copy goes would leave: a marked folder with
 * no catalog, which a later move (back) may take. */
static void
check_removing (const char *old_path, gpointer data)
{
  Removing *r = data;
  g_autofree char *marker = g_build_filename (old_path, LB_MOVE_INCOMPLETE_MARKER, NULL);
  g_autofree char *catalog = g_build_filename (old_path, "catalog.db", NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (marker, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, r->to));
  g_assert_false (g_file_test (catalog, G_FILE_TEST_EXISTS));
  r->seen = TRUE;
}

static void
test_old_copy_marked (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autoptr(GError) error = NULL;
  Removing r = { .to = to };
  Built built;

  (void) data;
  build_library (f->lib, &built);
  lb_move_test_removing = check_removing;
  lb_move_test_data = &r;
  g_assert_true (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  lb_move_test_removing = NULL;
  g_assert_no_error (error);
  g_assert_true (r.seen);
  /* The marker goes with the rest. */
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  assert_library_good (to, built.n_blobs);
  built_clear (&built);
}

/* ---- a move cut short (kill -9, power cut) around its switch ----------------
 * The cut runs in a subprocess, which leaves the move at the exact point a
 * kill would; the settings live in a keyfile all of them share.  The
 * parent never reads the settings itself: its backend would not see a
 * child's change without a main loop. */

typedef enum { CUT_BEFORE_SWITCH, CUT_AFTER_SWITCH, CUT_REMOVING } Cut;

static gboolean
switch_and_cut (const char *new_path, gpointer data, GError **error)
{
  Cut cut = GPOINTER_TO_INT (data);

  if (cut == CUT_BEFORE_SWITCH)
    _exit (0);
  g_assert_true (lb_config_save_library (new_path, error));
  if (cut == CUT_AFTER_SWITCH)
    _exit (0);
  return TRUE;
}

static void
cut_while_removing (const char *old_path, gpointer data)
{
  (void) old_path;
  (void) data;
  _exit (0);
}

/* Subprocess: the library in LB_TEST_FROM is the configured one; it is
 * moved to LB_TEST_TO and the move is cut where LB_TEST_CUT says. */
static void
run_cut_move (void)
{
  Cut cut = atoi (g_getenv ("LB_TEST_CUT"));
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_config_save_library (g_getenv ("LB_TEST_FROM"), &error));
  if (cut == CUT_REMOVING)
    lb_move_test_removing = cut_while_removing;
  lb_library_move_run (g_getenv ("LB_TEST_FROM"), g_getenv ("LB_TEST_TO"), NULL, switch_and_cut,
                       GINT_TO_POINTER (cut), NULL, NULL, &error);
  g_error ("the move was not cut: %s", error ? error->message : "it finished");
}

/* Subprocess: what opening LB_TEST_TO for writing finishes, written to
 * LB_TEST_TO/../finished ("" for nothing). */
static void
run_finish_leftover (void)
{
  g_autofree char *old = lb_library_move_finish_leftover (g_getenv ("LB_TEST_TO"));
  g_autofree char *to = g_path_get_dirname (g_getenv ("LB_TEST_TO"));
  g_autofree char *out = g_build_filename (to, "finished", NULL);

  g_assert_true (g_file_set_contents (out, old ? old : "", -1, NULL));
}

static void
cut_move (const char *from, const char *to, Cut cut)
{
  g_autofree char *n = g_strdup_printf ("%d", cut);

  g_setenv ("LB_TEST_FROM", from, TRUE);
  g_setenv ("LB_TEST_TO", to, TRUE);
  g_setenv ("LB_TEST_CUT", n, TRUE);
  g_test_trap_subprocess ("/move/subprocess/cut", 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* What finishing the leftover removed, as the library in TO is opened. */
static char *
finish_leftover (const char *to)
{
  g_autofree char *dir = g_path_get_dirname (to);
  g_autofree char *out = g_build_filename (dir, "finished", NULL);
  char *text = NULL;

  g_setenv ("LB_TEST_TO", to, TRUE);
  g_test_trap_subprocess ("/move/subprocess/finish", 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_unlink (out);
  return text;
}

static gboolean
has (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
build_and_cut (Fixture *f, const char *to, Cut cut, Built *built)
{
  build_library (f->lib, built);
  cut_move (f->lib, to, cut);
}

/* Opening the library in TO removes the old copy, and only that. */
static void
assert_old_copy_removed (Fixture *f, const char *to, const Built *built)
{
  g_autofree char *removed = finish_leftover (to);

  g_assert_cmpstr (removed, ==, f->lib);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  g_assert_false (has (to, LB_MOVE_FROM_RECORD));
  assert_library_good (to, built->n_blobs);
}

/* Killed after the new place was saved, before the old copy was marked:
 * the old copy is a whole library.  The new one, opened for writing,
 * removes it; nothing of either is lost. */
static void
test_cut_after_switch (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  Built built;

  (void) data;
  build_and_cut (f, to, CUT_AFTER_SWITCH, &built);
  assert_library_good (f->lib, built.n_blobs);
  g_assert_false (has (f->lib, LB_MOVE_INCOMPLETE_MARKER));
  g_assert_true (has (to, LB_MOVE_FROM_RECORD));
  assert_library_good (to, built.n_blobs);
  assert_old_copy_removed (f, to, &built);
  built_clear (&built);
}

/* Killed while the old copy went: the rest of it goes too. */
static void
test_cut_while_removing (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  Built built;

  (void) data;
  build_and_cut (f, to, CUT_REMOVING, &built);
  g_assert_true (has (f->lib, LB_MOVE_INCOMPLETE_MARKER));
  g_assert_true (has (f->lib, "blobs"));
  assert_old_copy_removed (f, to, &built);
  built_clear (&built);
}

/* Killed before the switch: the old library is still the one, so opening
 * the copy removes nothing, and the move run again takes the copy's folder
 * back (the record names this library). */
static void
test_cut_before_switch (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *removed = NULL;
  g_autoptr(GError) error = NULL;
  Built built;

  (void) data;
  build_and_cut (f, to, CUT_BEFORE_SWITCH, &built);
  g_assert_false (has (to, LB_MOVE_INCOMPLETE_MARKER));
  g_assert_true (has (to, LB_MOVE_FROM_RECORD));
  removed = finish_leftover (to);
  g_assert_cmpstr (removed, ==, "");
  assert_library_good (f->lib, built.n_blobs);
  g_assert_true (has (to, LB_MOVE_FROM_RECORD));

  g_assert_true (move (f->lib, to, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->lib, G_FILE_TEST_EXISTS));
  g_assert_false (has (to, LB_MOVE_FROM_RECORD));
  assert_library_good (to, built.n_blobs);
  built_clear (&built);
}

/* Killed after the switch, and then the old copy was used again (a script
 * with LIFEBOAT_LIBRARY set to it backed up into it): it is somebody's
 * library now and stays; the record is dropped. */
static void
test_cut_old_used_since (Fixture *f, gconstpointer data)
{
  g_autofree char *to = g_build_filename (f->tmp, "new", NULL);
  g_autofree char *removed = NULL;
  Built built;

  (void) data;
  build_and_cut (f, to, CUT_AFTER_SWITCH, &built);
  {
    g_autoptr(LbLibrary) lib = open_library (f->lib, LB_LIBRARY_WRITE);
    g_autofree char *sha = store_text (lib, "a photo taken after the move");
    LbSnapshotWriter *w = lb_library_begin_snapshot (lib, &pixel, NULL);
    add_file (w, STORAGE, 0, "late.jpg", sha, 28, 1700000200);
    finish (w, LB_SNAPSHOT_COMPLETE);
  }
  removed = finish_leftover (to);
  g_assert_cmpstr (removed, ==, "");
  {
    g_autoptr(LbLibrary) lib = open_library (f->lib, LB_LIBRARY_READ);
    g_autoptr(GPtrArray) snaps = lb_library_list_snapshots (lib, NULL, NULL);
    g_assert_cmpuint (snaps->len, ==, 3);
  }
  g_assert_false (has (to, LB_MOVE_FROM_RECORD));
  assert_library_good (to, built.n_blobs);
  built_clear (&built);
}

int
main (int argc, char **argv)
{
  g_autofree char *config = NULL;
  g_autofree char *schemas = NULL;
  int status;

  /* One settings keyfile for this process and its subprocesses (set
   * before anything asks GLib where the configuration lives). */
  if (g_getenv ("LB_TEST_CONFIG") == NULL)
    {
      config = g_dir_make_tmp ("lb-move-config-XXXXXX", NULL);
      g_assert_nonnull (config);
      g_setenv ("LB_TEST_CONFIG", config, TRUE);
    }
  schemas = g_build_filename (g_getenv ("top_builddir") ? g_getenv ("top_builddir") : ".", "data", NULL);
  g_setenv ("XDG_CONFIG_HOME", g_getenv ("LB_TEST_CONFIG"), TRUE);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  g_test_init (&argc, &argv, NULL);
  /* GLib runs paths with "/subprocess" only as g_test_trap_subprocess()'s. */
  g_test_add_func ("/move/subprocess/cut", run_cut_move);
  g_test_add_func ("/move/subprocess/finish", run_finish_leftover);
  ADD_TEST ("/move/move", test_move);
  ADD_TEST ("/move/into-empty-folder", test_move_into_empty_folder);
  ADD_TEST ("/move/dest-not-empty", test_dest_not_empty);
  ADD_TEST ("/move/dest-inside-source", test_dest_inside_source);
  ADD_TEST ("/move/locked", test_locked);
  ADD_TEST ("/move/locked-by-process", test_locked_by_process);
  ADD_TEST ("/move/bad-copy", test_bad_copy);
  ADD_TEST ("/move/damaged-original", test_damaged_original);
  ADD_TEST ("/move/switch-fails", test_switch_fails);
  ADD_TEST ("/move/cancel", test_cancel);
  ADD_TEST ("/move/no-room", test_no_room);
  ADD_TEST ("/move/crash-leftover", test_crash_leftover);
  ADD_TEST ("/move/old-folder-kept", test_old_folder_kept);
  ADD_TEST ("/move/old-copy-marked", test_old_copy_marked);
  ADD_TEST ("/move/after-prune", test_after_prune);
  ADD_TEST ("/move/swapped-for-symlinks", test_swapped_for_symlinks);
  ADD_TEST ("/move/cut/after-switch", test_cut_after_switch);
  ADD_TEST ("/move/cut/while-removing", test_cut_while_removing);
  ADD_TEST ("/move/cut/before-switch", test_cut_before_switch);
  ADD_TEST ("/move/cut/old-used-since", test_cut_old_used_since);
  status = g_test_run ();
  if (config != NULL)
    remove_tree (config);
  return status;
}

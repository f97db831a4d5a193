/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the device tests share: the rig they run under, vphone-ctl, and
 * logs of walks and reads that check what the device layer promises
 * (each object once, parents first; data in bounded blocks). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "test-device-util.h"

const char *const all_serials[] = { READY, LOCKED, CHARGE, BUSY, TYPICAL, HOSTILE, PLAYER, CUT, NULL };
char *phones_dir;
char *builddir;

/* ---- the fixture and the rig ------------------------------------------------ */

char *
tree_dir (const char *variable)
{
  const char *value = g_getenv (variable);
  g_autofree char *exe = NULL, *dir = NULL;

  if (value != NULL && *value != '\0')
    return g_strdup (value);
  /* Run by hand: this is BUILDDIR/tests/test-device (or tests/gui/test-gui,
   * which sets top_builddir itself). */
  exe = g_file_read_link ("/proc/self/exe", NULL);
  dir = g_path_get_dirname (exe != NULL ? exe : ".");
  return g_canonicalize_filename ("..", dir);
}

gboolean
run_quietly (const char *const *argv, GError **error)
{
  int status;

  /* posix_spawn, not fork: see ctl(). */
  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_LEAVE_DESCRIPTORS_OPEN, NULL, NULL, NULL, NULL,
                     &status, error))
    return FALSE;
  return g_spawn_check_wait_status (status, error);
}

static void
write_big_file (const char *path)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree guint32 *data = g_new (guint32, BIG_SIZE / 4);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < BIG_SIZE / 4; i++)
    data[i] = g_rand_int (rand);
  if (!g_file_set_contents (path, (const char *) data, BIG_SIZE, &error))
    g_error ("%s", error->message);
}

/* The player: the typical phone's music folder (hard links) and its
 * playlists and albums, without the rest of the phone. */
static void
make_player (const char *typical, const char *player, GError **error)
{
  g_autofree char *music = g_build_filename (typical, INTERNAL, "Music", NULL);
  g_autofree char *storage = g_build_filename (player, INTERNAL, NULL);
  g_autofree char *meta = g_build_filename (player, ".vphone", NULL);
  g_autofree char *objects = g_build_filename (typical, ".vphone", "objects.ini", NULL);
  const char *cp[] = { "cp", "-al", music, storage, NULL };
  const char *cp_meta[] = { "cp", objects, meta, NULL };

  if (g_mkdir_with_parents (storage, 0755) != 0 || g_mkdir_with_parents (meta, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create %s", player);
      return;
    }
  if (run_quietly (cp, error))
    run_quietly (cp_meta, error);
}

int
run_under_rig (int argc, char **argv)
{
  const char *presets[] = { "small", "typical", "hostile", NULL };
  const char *phones[] = {
    "small,serial=" READY,
    "small,serial=" LOCKED ",profile=android-locked",
    "small,serial=" CHARGE ",profile=charge-only",
    "small,serial=" BUSY ",busy",
    "typical,serial=" TYPICAL,
    "hostile,serial=" HOSTILE ",profile=hostile",
    "player,serial=" PLAYER ",profile=player",
    "small,serial=" CUT,
    NULL
  };

  return run_under_rig_with (argc, argv, presets, phones);
}

int
run_under_rig_with (int argc, char **argv, const char *const *presets, const char *const *phones)
{
  g_autofree char *srcdir = tree_dir ("top_srcdir");
  g_autofree char *make_phone = g_build_filename (srcdir, "tests", "vphone", "make-phone", NULL);
  g_autofree char *vphone_run = g_build_filename (builddir, "tests", "vphone", "vphone-run", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *rm[] = { "rm", "-rf", NULL, NULL };
  int status;

  phones_dir = g_dir_make_tmp ("lb-test-device-XXXXXX", &error);
  if (phones_dir == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; presets[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (phones_dir, presets[i], NULL);
      const char *mp[] = { make_phone, dir, "--preset", presets[i], NULL };

      if (!run_quietly (mp, &error))
        g_error ("%s: %s (is top_srcdir set?)", make_phone, error->message);
    }
  if (g_strv_contains (presets, "small"))
    {
      g_autofree char *big = g_build_filename (phones_dir, "small", INTERNAL, "big.bin", NULL);
      write_big_file (big);
    }
  if (g_strv_contains (presets, "typical"))
    {
      g_autofree char *typical = g_build_filename (phones_dir, "typical", NULL);
      g_autofree char *player = g_build_filename (phones_dir, "player", NULL);

      make_player (typical, player, &error);
      if (error != NULL)
        g_error ("building the player: %s", error->message);
    }

  /* A hung phone fails the test instead of stalling the suite. */
  g_ptr_array_add (args, g_strdup ("timeout"));
  g_ptr_array_add (args, g_strdup ("-k5"));
  g_ptr_array_add (args, g_strdup ("600"));
  g_ptr_array_add (args, g_strdup (vphone_run));
  for (guint i = 0; phones[i] != NULL; i++)
    {
      g_ptr_array_add (args, g_strdup ("--phone"));
      g_ptr_array_add (args, g_strdup_printf ("%s/%s", phones_dir, phones[i]));
    }
  g_ptr_array_add (args, g_strdup ("--"));
  /* The real path: /proc/self/exe would name vphone-run in its child. */
  g_ptr_array_add (args, g_strdup (self));
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));
  g_ptr_array_add (args, NULL);

  g_setenv ("LB_TEST_UNDER_RIG", "1", TRUE);
  g_setenv ("LB_TEST_PHONES", phones_dir, TRUE);
  if (!g_spawn_sync (NULL, (char **) args->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    g_error ("cannot run %s: %s", vphone_run, error->message);

  rm[2] = phones_dir;
  run_quietly (rm, NULL);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

/* vphone-ctl ARGS...: its output; the test fails when it does. */
char *
ctl (const char *first, ...)
{
  g_autofree char *path = g_build_filename (builddir, "tests", "vphone", "vphone-ctl", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL, *err = NULL;
  va_list ap;
  int status;

  g_ptr_array_add (argv, path);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  /* LEAVE_DESCRIPTORS_OPEN lets GLib use posix_spawn instead of fork:
   * a forked child of this many-threaded process inherits umockdev's
   * trap_path_lock as held by another thread whenever one was inside an
   * emulated call, and hangs in its first open() before exec (seen: a
   * 38-minute hang of test-gui under ASan in CI). */
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_LEAVE_DESCRIPTORS_OPEN, NULL, NULL,
                               &out, &err, &status, &error));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("vphone-ctl %s: %s", first, err);
  g_free (err);
  return out;
}

void
ctl_quick (const char *command, const char *serial)
{
  const char *path = g_getenv ("VPHONE_CONTROL");
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = g_strdup_printf ("%s %s\n", command, serial);
  g_autofree char *reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (path);
  addr = g_unix_socket_address_new (path);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), line, strlen (line),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  reply = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  if (reply == NULL || !g_str_has_prefix (reply, "ok"))
    g_error ("vphone control %s %s: %s", command, serial, reply ? reply : "no answer");
}

static gboolean
bus_shows (const char *const *serials)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = lb_device_enumerate (&error);
  guint want = serials != NULL ? g_strv_length ((char **) serials) : N_PHONES;

  g_assert_no_error (error);
  if (infos->len != want)
    return FALSE;
  for (guint i = 0; i < infos->len; i++)
    if (serials != NULL && !g_strv_contains (serials, ((LbDeviceInfo *) infos->pdata[i])->serial))
      return FALSE;
  return TRUE;
}

/* Exactly these phones plugged in (NULL: all of them), once libmtp sees
 * them so: its libusb context learns of a plug from the hot-plug event a
 * moment later. */
void
plug_only (const char *const *serials)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_autofree char *stats = ctl ("stats", NULL);

  for (guint i = 0; all_serials[i] != NULL; i++)
    {
      gboolean want = serials == NULL || g_strv_contains (serials, all_serials[i]);
      g_autofree char *plugged = g_strdup_printf ("\"serial\": \"%s\", \"plugged\": true", all_serials[i]);
      gboolean is = strstr (stats, plugged) != NULL;

      if (want && !is)
        g_free (ctl ("plug", all_serials[i], NULL));
      else if (!want && is)
        g_free (ctl ("unplug", all_serials[i], NULL));
    }
  while (!bus_shows (serials))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 20);
    }
}

guint64
transactions (const char *serial)
{
  g_autofree char *stats = ctl ("stats", serial, NULL);
  const char *p = strstr (stats, "\"transactions\": ");

  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen ("\"transactions\": "), NULL, 10);
}

guint64
stats_count (const char *stats, const char *name)
{
  g_autofree char *key = g_strdup_printf ("\"%s\": ", name);
  const char *p = strstr (stats, key);

  return p != NULL ? g_ascii_strtoull (p + strlen (key), NULL, 10) : 0;
}

guint64
operation_count (const char *serial, const char *operation)
{
  g_autofree char *stats = ctl ("stats", serial, NULL);

  return stats_count (stats, operation);
}

char *
phone_path (const char *folder, const char *relative)
{
  return g_build_filename (phones_dir, folder, relative, NULL);
}

LbDevice *
open_phone (const char *serial)
{
  g_autoptr(GError) error = NULL;
  LbDevice *device = lb_device_open (serial, &error);

  g_assert_no_error (error);
  g_assert_nonnull (device);
  return device;
}

/* ---- walking ----------------------------------------------------------- */

static void
seen_free (Seen *s)
{
  g_free (s->path);
  g_free (s->name);
  g_free (s);
}

void
walk_log_init (WalkLog *log)
{
  memset (log, 0, sizeof *log);
  log->by_handle = g_hash_table_new (NULL, NULL);
  log->objects = g_ptr_array_new_with_free_func ((GDestroyNotify) seen_free);
  log->skips = g_ptr_array_new_with_free_func (g_free);
  log->skipped = g_hash_table_new (NULL, NULL);
}

void
walk_log_clear (WalkLog *log)
{
  g_hash_table_unref (log->by_handle);
  g_ptr_array_unref (log->objects);
  g_ptr_array_unref (log->skips);
  g_hash_table_unref (log->skipped);
}

gboolean
on_object (const LbObject *object, gpointer user_data)
{
  WalkLog *log = user_data;
  Seen *parent = g_hash_table_lookup (log->by_handle, GUINT_TO_POINTER (object->parent));
  Seen *s;

  /* Each object once, parents first. */
  g_assert_false (g_hash_table_contains (log->by_handle, GUINT_TO_POINTER (object->handle)));
  g_assert_true (object->parent == 0 || parent != NULL);
  g_assert_nonnull (object->name);
  s = g_new0 (Seen, 1);
  s->handle = object->handle;
  s->parent = object->parent;
  s->name = g_strdup (object->name);
  s->path = g_strconcat (parent != NULL ? parent->path : log->storage_name, "/", object->name, NULL);
  s->is_folder = object->is_folder;
  s->size = object->size;
  s->mtime = object->mtime;
  s->filetype = object->filetype;
  g_hash_table_insert (log->by_handle, GUINT_TO_POINTER (s->handle), s);
  g_ptr_array_add (log->objects, s);
  return log->stop_after == 0 || log->objects->len < log->stop_after;
}

void
on_skip (guint32 handle, const char *name, const char *reason, gpointer user_data)
{
  WalkLog *log = user_data;

  g_assert_false (g_hash_table_contains (log->skipped, GUINT_TO_POINTER (handle)));
  g_assert_nonnull (reason);
  g_hash_table_add (log->skipped, GUINT_TO_POINTER (handle));
  g_ptr_array_add (log->skips, g_strdup_printf ("%s\t%s", name, reason));
}

void
walk_all (LbDevice *device, WalkLog *log)
{
  const LbDeviceInfo *info = lb_device_get_info (device);

  for (guint i = 0; i < info->storages->len; i++)
    {
      const LbStorageInfo *storage = info->storages->pdata[i];
      g_autoptr(GError) error = NULL;

      log->storage_name = storage->description;
      g_assert_true (lb_device_walk (device, storage->id, on_object, on_skip, log, NULL, &error));
      g_assert_no_error (error);
    }
}

const Seen *
find_by_path (WalkLog *log, const char *path)
{
  for (guint i = 0; i < log->objects->len; i++)
    {
      const Seen *s = log->objects->pdata[i];
      if (g_str_equal (s->path, path))
        return s;
    }
  return NULL;
}

guint
count_named (WalkLog *log, const char *name, gboolean folder)
{
  guint n = 0;

  for (guint i = 0; i < log->objects->len; i++)
    {
      const Seen *s = log->objects->pdata[i];
      n += g_str_equal (s->name, name) && s->is_folder == folder;
    }
  return n;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char **) a, *(char **) b);
}

/* "F path size mtime" / "D path mtime" for every object under a phone
 * folder's storages, sorted: what a walk must find. */
GPtrArray *
disk_listing (const char *phone)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) top = g_dir_open (phone, 0, NULL);
  GQueue todo = G_QUEUE_INIT;
  const char *name;

  g_assert_nonnull (top);
  while ((name = g_dir_read_name (top)) != NULL)
    if (name[0] != '.')
      g_queue_push_tail (&todo, g_strdup (name));
  while (!g_queue_is_empty (&todo))
    {
      g_autofree char *rel = g_queue_pop_head (&todo);
      g_autofree char *abs = g_build_filename (phone, rel, NULL);
      g_autoptr(GDir) dir = g_dir_open (abs, 0, NULL);

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (abs, name, NULL);
          GStatBuf st;

          g_assert_cmpint (g_stat (child, &st), ==, 0);
          if (S_ISDIR (st.st_mode))
            {
              g_ptr_array_add (lines, g_strdup_printf ("D %s/%s %" G_GINT64_FORMAT, rel, name,
                                                       (gint64) st.st_mtime));
              g_queue_push_tail (&todo, g_strdup_printf ("%s/%s", rel, name));
            }
          else
            g_ptr_array_add (lines, g_strdup_printf ("F %s/%s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, rel,
                                                     name, (guint64) st.st_size, (gint64) st.st_mtime));
        }
    }
  g_ptr_array_sort (lines, compare_strings);
  return lines;
}

GPtrArray *
walk_listing (WalkLog *log)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < log->objects->len; i++)
    {
      const Seen *s = log->objects->pdata[i];

      if (s->is_folder)
        g_ptr_array_add (lines, g_strdup_printf ("D %s %" G_GINT64_FORMAT, s->path, s->mtime));
      else
        g_ptr_array_add (lines, g_strdup_printf ("F %s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, s->path,
                                                 s->size, s->mtime));
    }
  g_ptr_array_sort (lines, compare_strings);
  return lines;
}

/* ---- reading ---------------------------------------------------------------- */

gboolean
on_data (const guint8 *data, gsize len, gpointer user_data)
{
  ReadLog *r = user_data;

  g_checksum_update (r->sum, data, len);
  r->bytes += len;
  r->blocks++;
  r->max_block = MAX (r->max_block, len);
  if (r->cancel_at > 0 && r->bytes >= r->cancel_at)
    g_cancellable_cancel (r->cancellable);
  if (r->unplug_at_serial != NULL && r->bytes >= r->unplug_at)
    {
      g_free (ctl ("unplug", r->unplug_at_serial, NULL));
      r->unplug_at_serial = NULL;
    }
  return r->stop_at == 0 || r->bytes < r->stop_at;
}

char *
file_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

guint32
handle_of (WalkLog *log, const char *path)
{
  const Seen *s = find_by_path (log, path);

  g_assert_nonnull (s);
  return s->handle;
}

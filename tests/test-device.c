/* The device layer against virtual phones: the real libusb and libmtp
 * talking to tests/vphone.
 *
 * Run without LB_TEST_UNDER_RIG, the program builds its phone folders with
 * make-phone in a temporary folder and runs itself again under vphone-run
 * with eight phones plugged in (the serials below), then exits with that
 * run's status.  Tests address phones by serial and use vphone-ctl for
 * plugging, faults and statistics. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "lb-device.h"
#include "lb-error.h"

#define READY    "LB-READY"     /* small phone plus big.bin */
#define LOCKED   "LB-LOCKED"    /* android-locked */
#define CHARGE   "LB-CHARGE"    /* charge-only: 18d1:4ee7, no MTP */
#define BUSY     "LB-BUSY"      /* its interface is claimed by "another program" */
#define TYPICAL  "LB-TYPICAL"   /* the typical preset */
#define HOSTILE  "LB-HOSTILE"   /* the hostile preset */
#define PLAYER   "LB-PLAYER"    /* the typical phone's music, as a player */
#define CUT      "LB-CUT"       /* for unplugs; a copy of READY */

static const char *const all_serials[] = { READY, LOCKED, CHARGE, BUSY, TYPICAL, HOSTILE, PLAYER, CUT, NULL };

#define INTERNAL "Internal shared storage"
#define BIG_SIZE (5 * 1024 * 1024)
/* libmtp 1.1.20 hands an MTPDataPutFunc 16 KiB at a time (measured). */
#define LIBMTP_BLOCK 16384

static char *phones_dir;   /* the fixture folders, one per preset */
static char *builddir;

/* ---- the fixture and the rig --------------------------------------------- */

static char *
tree_dir (const char *variable)
{
  const char *value = g_getenv (variable);
  g_autofree char *exe = NULL, *dir = NULL;

  if (value != NULL && *value != '\0')
    return g_strdup (value);
  /* Run by hand: this is BUILDDIR/tests/test-device. */
  exe = g_file_read_link ("/proc/self/exe", NULL);
  dir = g_path_get_dirname (exe != NULL ? exe : ".");
  return g_canonicalize_filename ("..", dir);
}

static gboolean
run_quietly (const char *const *argv, GError **error)
{
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
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

static int
run_under_rig (int argc, char **argv)
{
  g_autofree char *srcdir = tree_dir ("top_srcdir");
  g_autofree char *make_phone = g_build_filename (srcdir, "tests", "vphone", "make-phone", NULL);
  g_autofree char *vphone_run = g_build_filename (builddir, "tests", "vphone", "vphone-run", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *presets[] = { "small", "typical", "hostile" };
  g_autofree char *big = NULL, *player = NULL, *typical = NULL;
  const char *rm[] = { "rm", "-rf", NULL, NULL };
  int status;

  phones_dir = g_dir_make_tmp ("lb-test-device-XXXXXX", &error);
  if (phones_dir == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      g_autofree char *dir = g_build_filename (phones_dir, presets[i], NULL);
      const char *mp[] = { make_phone, dir, "--preset", presets[i], NULL };

      if (!run_quietly (mp, &error))
        g_error ("%s: %s (is top_srcdir set?)", make_phone, error->message);
    }
  big = g_build_filename (phones_dir, "small", INTERNAL, "big.bin", NULL);
  write_big_file (big);
  typical = g_build_filename (phones_dir, "typical", NULL);
  player = g_build_filename (phones_dir, "player", NULL);
  make_player (typical, player, &error);
  if (error != NULL)
    g_error ("building the player: %s", error->message);

  /* A hung phone fails the test instead of stalling the suite. */
  g_ptr_array_add (args, g_strdup ("timeout"));
  g_ptr_array_add (args, g_strdup ("-k5"));
  g_ptr_array_add (args, g_strdup ("600"));
  g_ptr_array_add (args, g_strdup (vphone_run));
#define PHONE(folder, options) \
  g_ptr_array_add (args, g_strdup ("--phone")); \
  g_ptr_array_add (args, g_strdup_printf ("%s/%s,%s", phones_dir, folder, options))
  PHONE ("small", "serial=" READY);
  PHONE ("small", "serial=" LOCKED ",profile=android-locked");
  PHONE ("small", "serial=" CHARGE ",profile=charge-only");
  PHONE ("small", "serial=" BUSY ",busy");
  PHONE ("typical", "serial=" TYPICAL);
  PHONE ("hostile", "serial=" HOSTILE ",profile=hostile");
  PHONE ("player", "serial=" PLAYER ",profile=player");
  PHONE ("small", "serial=" CUT);
#undef PHONE
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
static char *
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
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("vphone-ctl %s: %s", first, err);
  g_free (err);
  return out;
}

static gboolean
bus_shows (const char *const *serials)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = lb_device_enumerate (&error);
  guint want = serials != NULL ? g_strv_length ((char **) serials) : G_N_ELEMENTS (all_serials) - 1;

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
static void
plug_only (const char *const *serials)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (guint i = 0; all_serials[i] != NULL; i++)
    {
      gboolean want = serials == NULL || g_strv_contains (serials, all_serials[i]);
      g_autofree char *stats = ctl ("stats", all_serials[i], NULL);
      gboolean is = strstr (stats, "\"plugged\": true") != NULL;

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

static guint64
transactions (const char *serial)
{
  g_autofree char *stats = ctl ("stats", serial, NULL);
  const char *p = strstr (stats, "\"transactions\": ");

  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen ("\"transactions\": "), NULL, 10);
}

static char *
phone_path (const char *folder, const char *relative)
{
  return g_build_filename (phones_dir, folder, relative, NULL);
}

static LbDevice *
open_phone (const char *serial)
{
  g_autoptr(GError) error = NULL;
  LbDevice *device = lb_device_open (serial, &error);

  g_assert_no_error (error);
  g_assert_nonnull (device);
  return device;
}

/* ---- walking ----------------------------------------------------------- */

typedef struct {
  guint32 handle;
  guint32 parent;
  char *path;               /* storage description / names... */
  char *name;
  gboolean is_folder;
  guint64 size;
  gint64 mtime;
  guint32 filetype;
} Seen;

typedef struct {
  GHashTable *by_handle;    /* handle → Seen* */
  GPtrArray *objects;       /* Seen*, in the walk's order */
  GPtrArray *skips;         /* "name\treason" */
  GHashTable *skipped;      /* handles */
  const char *storage_name;
  guint stop_after;         /* 0: never stop */
} WalkLog;

static void
seen_free (Seen *s)
{
  g_free (s->path);
  g_free (s->name);
  g_free (s);
}

static void
walk_log_init (WalkLog *log)
{
  memset (log, 0, sizeof *log);
  log->by_handle = g_hash_table_new (NULL, NULL);
  log->objects = g_ptr_array_new_with_free_func ((GDestroyNotify) seen_free);
  log->skips = g_ptr_array_new_with_free_func (g_free);
  log->skipped = g_hash_table_new (NULL, NULL);
}

static void
walk_log_clear (WalkLog *log)
{
  g_hash_table_unref (log->by_handle);
  g_ptr_array_unref (log->objects);
  g_ptr_array_unref (log->skips);
  g_hash_table_unref (log->skipped);
}

static gboolean
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

static void
on_skip (guint32 handle, const char *name, const char *reason, gpointer user_data)
{
  WalkLog *log = user_data;

  g_assert_false (g_hash_table_contains (log->skipped, GUINT_TO_POINTER (handle)));
  g_assert_nonnull (reason);
  g_hash_table_add (log->skipped, GUINT_TO_POINTER (handle));
  g_ptr_array_add (log->skips, g_strdup_printf ("%s\t%s", name, reason));
}

static void
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

static const Seen *
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

static guint
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
static GPtrArray *
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

static GPtrArray *
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

/* ---- state strings, info copies ------------------------------------------------ */

static void
test_state_strings (void)
{
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_READY), ==, "ready");
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_LOCKED), ==, "locked");
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_CHARGING_ONLY), ==, "charging-only");
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_BUSY), ==, "busy");
}

/* ---- enumerate ------------------------------------------------------------ */

static const LbDeviceInfo *
find_info (GPtrArray *infos, const char *serial)
{
  const LbDeviceInfo *found = NULL;

  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];
      if (g_str_equal (info->serial, serial))
        {
          g_assert_null (found);
          found = info;
        }
    }
  g_assert_nonnull (found);
  return found;
}

static void
test_enumerate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = lb_device_enumerate (&error);
  g_autofree char *ini = phone_path ("typical", ".vphone/storages.ini");
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  const LbDeviceInfo *info;

  g_assert_no_error (error);
  g_assert_cmpuint (infos->len, ==, G_N_ELEMENTS (all_serials) - 1);

  info = find_info (infos, READY);
  g_assert_cmpint (info->state, ==, LB_DEVICE_READY);
  g_assert_cmphex (info->vendor_id, ==, 0x1209);
  g_assert_cmphex (info->product_id, ==, 0x0001);
  g_assert_cmpstr (info->manufacturer, ==, "Lifeboat Test");
  g_assert_cmpstr (info->model, ==, "Virtual Phone");
  g_assert_cmpstr (info->firmware, ==, "1.0");
  g_assert_cmpstr (info->friendly_name, ==, "Virtual Phone");
  g_assert_cmpuint (info->bus, ==, 1);
  g_assert_cmpuint (info->address, >=, 2);
  g_assert_cmpuint (info->storages->len, ==, 1);
  {
    const LbStorageInfo *s = info->storages->pdata[0];
    g_assert_cmphex (s->id, ==, 0x00010001);
    g_assert_cmpstr (s->description, ==, INTERNAL);
    g_assert_cmpint (s->kind, ==, LB_STORAGE_FIXED);
    g_assert_cmpuint (s->capacity, >, 0);
    g_assert_cmpuint (s->free, <=, s->capacity);
    g_assert_cmpuint (s->max_file_size, ==, 0);
    g_assert_nonnull (s->volume);
  }

  /* Two storages, as the typical phone's storages.ini describes them. */
  g_assert_true (g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL));
  info = find_info (infos, TYPICAL);
  g_assert_cmpint (info->state, ==, LB_DEVICE_READY);
  g_assert_cmpuint (info->storages->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const LbStorageInfo *s = info->storages->pdata[i];
      g_autofree char *kind = g_key_file_get_string (kf, s->description, "kind", NULL);

      g_assert_nonnull (kind);
      g_assert_cmpint (s->kind, ==, g_str_equal (kind, "removable") ? LB_STORAGE_REMOVABLE : LB_STORAGE_FIXED);
      g_assert_cmpuint (s->capacity, ==, g_key_file_get_uint64 (kf, s->description, "capacity", NULL));
      g_assert_cmpuint (s->free, <=, s->capacity);
    }
  g_assert_cmpstr (((LbStorageInfo *) info->storages->pdata[1])->description, ==, "SD card");

  info = find_info (infos, LOCKED);
  g_assert_cmpint (info->state, ==, LB_DEVICE_LOCKED);
  g_assert_cmpuint (info->storages->len, ==, 0);
  g_assert_cmpstr (info->model, ==, "Virtual Phone");

  /* No MTP at all: identity from the USB descriptors. */
  info = find_info (infos, CHARGE);
  g_assert_cmpint (info->state, ==, LB_DEVICE_CHARGING_ONLY);
  g_assert_cmphex (info->vendor_id, ==, 0x18d1);
  g_assert_cmphex (info->product_id, ==, 0x4ee7);
  g_assert_cmpstr (info->manufacturer, ==, "Google");
  g_assert_cmpstr (info->model, ==, "Pixel 7");
  g_assert_cmpstr (info->firmware, ==, "");
  g_assert_cmpuint (info->storages->len, ==, 0);

  info = find_info (infos, BUSY);
  g_assert_cmpint (info->state, ==, LB_DEVICE_BUSY);
  g_assert_cmphex (info->vendor_id, ==, 0x1209);
  g_assert_cmpstr (info->manufacturer, ==, "Lifeboat Test");
  g_assert_cmpstr (info->model, ==, "Virtual Phone");
  g_assert_cmpuint (info->storages->len, ==, 0);

  g_assert_cmpint (find_info (infos, HOSTILE)->state, ==, LB_DEVICE_READY);
  g_assert_cmpint (find_info (infos, PLAYER)->state, ==, LB_DEVICE_READY);
  g_assert_cmpstr (find_info (infos, PLAYER)->model, ==, "Virtual Player");

  /* Copies are deep. */
  {
    g_autoptr(LbDeviceInfo) copy = lb_device_info_copy (find_info (infos, TYPICAL));
    g_autoptr(LbStorageInfo) scopy = lb_storage_info_copy (copy->storages->pdata[1]);

    g_assert_cmpstr (copy->serial, ==, TYPICAL);
    g_assert_true (copy->serial != find_info (infos, TYPICAL)->serial);
    g_assert_cmpuint (copy->storages->len, ==, 2);
    g_assert_cmpstr (scopy->description, ==, "SD card");
  }
}

static void
test_enumerate_none (void)
{
  const char *none[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) infos = NULL;

  plug_only (none);
  infos = lb_device_enumerate (&error);
  plug_only (NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (infos->len, ==, 0);
}

/* libmtp prints "Android device detected, ..." on stdout: it must end up on
 * stderr, or it would corrupt the CLI's JSON. */
static void
test_stdout_quiet (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) infos = lb_device_enumerate (&error);
      g_autoptr(LbDevice) device = NULL;
      WalkLog log;

      g_assert_no_error (error);
      device = open_phone (READY);
      walk_log_init (&log);
      walk_all (device, &log);
      walk_log_clear (&log);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout_unmatched ("*detected*");
  g_test_trap_assert_stdout_unmatched ("*libmtp*");
  g_test_trap_assert_stdout_unmatched ("*LIBMTP*");
  g_test_trap_assert_stderr ("*Android device detected*");
}

/* ---- open ---------------------------------------------------------------- */

static void
test_open_serial (void)
{
  g_autoptr(LbDevice) device = open_phone (TYPICAL);
  const LbDeviceInfo *info = lb_device_get_info (device);

  g_assert_cmpstr (info->serial, ==, TYPICAL);
  g_assert_cmpint (info->state, ==, LB_DEVICE_READY);
  g_assert_cmpuint (info->storages->len, ==, 2);
}

static void
assert_open_fails (const char *serial, int code, const char *message_pattern)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbDevice) device = lb_device_open (serial, &error);

  g_assert_null (device);
  g_assert_error (error, LB_ERROR, code);
  if (!g_pattern_match_simple (message_pattern, error->message))
    g_error ("open(%s): \"%s\" does not match \"%s\"", serial ? serial : "NULL", error->message,
             message_pattern);
}

static void
test_open_ambiguous (void)
{
  assert_open_fails (NULL, LB_ERROR_AMBIGUOUS_DEVICE, "*" READY "*" TYPICAL "*--device SERIAL*");
}

static void
test_open_errors (void)
{
  assert_open_fails (BUSY, LB_ERROR_DEVICE_BUSY,
                     "Another program is using the phone — often the file manager's own phone support. "
                     "Close it (or unmount the phone) and try again.");
  assert_open_fails (LOCKED, LB_ERROR_DEVICE_LOCKED, "The phone is locked. Unlock its screen and try again.");
  assert_open_fails (CHARGE, LB_ERROR_CHARGING_ONLY,
                     "The phone is connected but not in File transfer mode. On the phone, tap the USB "
                     "notification and choose File transfer.");
  assert_open_fails ("NO-SUCH-PHONE", LB_ERROR_NO_DEVICE, "No phone with serial NO-SUCH-PHONE is connected.");
}

/* open (NULL) with a single phone on the bus says what is wrong with it. */
static void
test_open_only_one (void)
{
  const char *charge[] = { CHARGE, NULL };
  const char *busy[] = { BUSY, CHARGE, NULL };
  const char *locked[] = { LOCKED, CHARGE, NULL };
  const char *ready[] = { READY, CHARGE, BUSY, NULL };
  const char *none[] = { NULL };

  plug_only (none);
  assert_open_fails (NULL, LB_ERROR_NO_DEVICE, "No phone is connected. Connect it with a USB cable and unlock it.");
  plug_only (charge);
  assert_open_fails (NULL, LB_ERROR_CHARGING_ONLY, "*File transfer*");
  plug_only (busy);
  assert_open_fails (NULL, LB_ERROR_DEVICE_BUSY, "Another program is using the phone*");
  plug_only (locked);
  assert_open_fails (NULL, LB_ERROR_DEVICE_LOCKED, "The phone is locked*");
  plug_only (ready);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LbDevice) device = lb_device_open (NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (lb_device_get_info (device)->serial, ==, READY);
  }
  plug_only (NULL);
}

/* ---- walk ---------------------------------------------------------------- */

static void
test_walk_typical (void)
{
  g_autoptr(LbDevice) device = open_phone (TYPICAL);
  g_autofree char *phone = phone_path ("typical", NULL);
  g_autoptr(GPtrArray) want = disk_listing (phone);
  g_autoptr(GPtrArray) got = NULL;
  guint64 before, after;
  gint64 start, elapsed;
  guint files = 0;
  WalkLog log;

  walk_log_init (&log);
  before = transactions (TYPICAL);
  start = g_get_monotonic_time ();
  walk_all (device, &log);
  elapsed = g_get_monotonic_time () - start;
  after = transactions (TYPICAL);

  g_assert_cmpuint (log.skips->len, ==, 0);
  got = walk_listing (&log);
  for (guint i = 0; i < MIN (got->len, want->len); i++)
    if (!g_str_equal (got->pdata[i], want->pdata[i]))
      g_error ("walk: \"%s\", disk: \"%s\"", (char *) got->pdata[i], (char *) want->pdata[i]);
  g_assert_cmpuint (got->len, ==, want->len);

  for (guint i = 0; i < log.objects->len; i++)
    files += !((Seen *) log.objects->pdata[i])->is_folder;
  g_test_message ("typical phone: %u objects (%u files) in %.2f s, %" G_GUINT64_FORMAT " MTP transactions: "
                  "%.2f per object, %.2f per file",
                  log.objects->len, files, elapsed / 1e6, after - before,
                  (double) (after - before) / log.objects->len, (double) (after - before) / files);
  g_assert_cmpuint (after - before, <=, 4 * log.objects->len);
  walk_log_clear (&log);
}

static void
test_walk_hostile (void)
{
  g_autoptr(LbDevice) device = open_phone (HOSTILE);
  const char *dir = INTERNAL "/hostile/";
  gboolean cycle = FALSE;
  const Seen *s;
  WalkLog log;

  walk_log_init (&log);
  walk_all (device, &log);

  /* Names exactly as the phone gave them. */
  g_assert_nonnull (find_by_path (&log, INTERNAL "/hostile/a/b.jpg"));
  g_assert_nonnull (find_by_path (&log, INTERNAL "/hostile/.."));
  g_assert_nonnull (find_by_path (&log, INTERNAL "/hostile/."));
  g_assert_nonnull (find_by_path (&log, INTERNAL "/hostile/../../../../etc/passwd"));
  g_assert_nonnull (find_by_path (&log, INTERNAL "/hostile/control/new\nline.txt"));
  g_assert_nonnull (find_by_path (&log, INTERNAL "/hostile/dir/with/slashes/inside.txt"));
  g_assert_cmpuint (count_named (&log, "dup.jpg", FALSE), ==, 2);
  /* The chain deeper than PATH_MAX, to its bottom. */
  g_assert_cmpuint (count_named (&log, "d", TRUE), ==, 2100);
  g_assert_cmpuint (count_named (&log, "bottom.txt", FALSE), ==, 1);

  /* Dates libmtp could not make sense of are 0, never garbage. */
  for (guint i = 0; i < log.objects->len; i++)
    {
      s = log.objects->pdata[i];
      if (g_str_has_prefix (s->path, dir) && g_str_has_suffix (s->name, "-date.jpg")
          && !g_str_equal (s->name, "tenths-offset-date.jpg") && !g_str_equal (s->name, "feb30-date.jpg"))
        g_assert_cmpint (s->mtime, ==, 0);
    }
  s = find_by_path (&log, INTERNAL "/hostile/tenths-offset-date.jpg");
  g_assert_nonnull (s);
  g_assert_cmpint (s->mtime, ==, 1715956212);  /* 2024-05-17 14:30:12, as libmtp reads it */

  /* The two folders that name each other as parent: reported, not looped. */
  for (guint i = 0; i < log.skips->len; i++)
    {
      g_test_message ("skipped: %s", (char *) log.skips->pdata[i]);
      cycle |= g_str_has_prefix (log.skips->pdata[i], "loop-");
    }
  g_assert_true (cycle);
  g_assert_null (find_by_path (&log, INTERNAL "/loop-a/loop-b/loop-a"));
  walk_log_clear (&log);
}

static void
test_walk_stop (void)
{
  g_autoptr(LbDevice) device = open_phone (READY);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  WalkLog log;

  walk_log_init (&log);
  log.storage_name = INTERNAL;
  log.stop_after = 3;
  g_assert_false (lb_device_walk (device, 0x00010001, on_object, on_skip, &log, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (log.objects->len, ==, 3);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_false (lb_device_walk (device, 0x00010001, on_object, on_skip, &log, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (lb_device_walk (device, 0x00020001, on_object, on_skip, &log, NULL, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
  walk_log_clear (&log);
}

/* ---- read ----------------------------------------------------------------- */

typedef struct {
  GChecksum *sum;
  gsize bytes;
  gsize max_block;
  guint blocks;
  gsize stop_at;            /* func returns FALSE past this; 0: never */
  gsize cancel_at;          /* cancel past this; 0: never */
  GCancellable *cancellable;
  const char *unplug_at_serial;
  gsize unplug_at;
} ReadLog;

static gboolean
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

static char *
file_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static guint32
handle_of (WalkLog *log, const char *path)
{
  const Seen *s = find_by_path (log, path);

  g_assert_nonnull (s);
  return s->handle;
}

static void
test_read_files (void)
{
  g_autoptr(LbDevice) device = open_phone (READY);
  guint n = 0;
  WalkLog log;

  walk_log_init (&log);
  walk_all (device, &log);
  for (guint i = 0; i < log.objects->len; i++)
    {
      const Seen *s = log.objects->pdata[i];
      g_autofree char *disk = NULL, *want = NULL;
      g_autoptr(GError) error = NULL;
      ReadLog r = { 0 };

      if (s->is_folder)
        continue;
      r.sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_assert_true (lb_device_read (device, s->handle, on_data, &r, NULL, &error));
      g_assert_no_error (error);
      disk = phone_path ("small", s->path);
      want = file_sha256 (disk);
      g_assert_cmpstr (g_checksum_get_string (r.sum), ==, want);
      g_assert_cmpuint (r.bytes, ==, s->size);
      g_checksum_free (r.sum);
      n++;
    }
  g_assert_cmpuint (n, >=, 20);
  walk_log_clear (&log);
}

static void
test_read_big (void)
{
  g_autoptr(LbDevice) device = open_phone (READY);
  g_autofree char *disk = phone_path ("small", INTERNAL "/big.bin");
  g_autofree char *want = file_sha256 (disk);
  g_autoptr(GError) error = NULL;
  ReadLog r = { 0 };
  WalkLog log;

  walk_log_init (&log);
  walk_all (device, &log);
  r.sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_assert_true (lb_device_read (device, handle_of (&log, INTERNAL "/big.bin"), on_data, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.bytes, ==, BIG_SIZE);
  g_assert_cmpstr (g_checksum_get_string (r.sum), ==, want);
  /* Streamed: never more than one of libmtp's blocks at a time. */
  g_test_message ("5 MiB read in %u blocks of at most %" G_GSIZE_FORMAT " bytes", r.blocks, r.max_block);
  g_assert_cmpuint (r.max_block, <=, LIBMTP_BLOCK);
  g_assert_cmpuint (r.blocks, >=, BIG_SIZE / LIBMTP_BLOCK);
  g_checksum_free (r.sum);
  walk_log_clear (&log);
}

static void
test_read_cancel (void)
{
  g_autoptr(LbDevice) device = open_phone (READY);
  g_autofree char *disk = phone_path ("small", INTERNAL "/big.bin");
  g_autofree char *want = file_sha256 (disk);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ReadLog r = { 0 };
  guint32 big;
  WalkLog log;

  walk_log_init (&log);
  walk_all (device, &log);
  big = handle_of (&log, INTERNAL "/big.bin");

  r.sum = g_checksum_new (G_CHECKSUM_SHA256);
  r.cancel_at = 1 << 20;
  r.cancellable = cancellable;
  g_assert_false (lb_device_read (device, big, on_data, &r, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (r.bytes, <, BIG_SIZE);
  g_checksum_free (r.sum);
  g_clear_error (&error);

  /* func saying stop is a cancellation too. */
  memset (&r, 0, sizeof r);
  r.sum = g_checksum_new (G_CHECKSUM_SHA256);
  r.stop_at = 1 << 20;
  g_assert_false (lb_device_read (device, big, on_data, &r, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_checksum_free (r.sum);
  g_clear_error (&error);

  /* The session survives: the same file, whole. */
  memset (&r, 0, sizeof r);
  r.sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_assert_true (lb_device_read (device, big, on_data, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_checksum_get_string (r.sum), ==, want);
  g_checksum_free (r.sum);
  walk_log_clear (&log);
}

/* Gone between the listing and the read (the rig's vanish fault). */
static void
test_read_vanished (void)
{
  g_autoptr(LbDevice) device = open_phone (READY);
  g_autoptr(GError) error = NULL;
  ReadLog r = { 0 };
  WalkLog log;

  walk_log_init (&log);
  walk_all (device, &log);
  g_free (ctl ("fault", READY, "vanish", INTERNAL "/Documents/notes.txt", NULL));
  r.sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_assert_false (lb_device_read (device, handle_of (&log, INTERNAL "/Documents/notes.txt"), on_data, &r, NULL,
                                  &error));
  g_test_message ("vanished: %s", error->message);
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* The session goes on. */
  g_assert_true (lb_device_read (device, handle_of (&log, INTERNAL "/Documents/manual.pdf"), on_data, &r, NULL,
                                 &error));
  g_assert_no_error (error);
  g_checksum_free (r.sum);
  walk_log_clear (&log);
}

static void
assert_read_gone (LbDevice *device, guint32 handle, ReadLog *r)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  r->sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_assert_false (lb_device_read (device, handle, on_data, r, NULL, &error));
  g_test_message ("read cut after %" G_GSIZE_FORMAT " bytes: %s (%.2f s)", r->bytes, error->message,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_error (error, LB_ERROR, LB_ERROR_DEVICE_GONE);
  g_assert_cmpstr (error->message, ==, "The phone was disconnected.");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (r->bytes, <, BIG_SIZE);
  g_checksum_free (r->sum);
}

static void
test_read_disconnect (void)
{
  guint32 big;

  /* Pulled out by hand in the middle of a read. */
  {
    g_autoptr(LbDevice) device = open_phone (CUT);
    g_autoptr(GError) error = NULL;
    ReadLog r = { 0 };
    WalkLog log;

    walk_log_init (&log);
    walk_all (device, &log);
    big = handle_of (&log, INTERNAL "/big.bin");
    r.unplug_at_serial = CUT;
    r.unplug_at = 1 << 20;
    assert_read_gone (device, big, &r);

    /* Whatever comes next on the dead session says the same. */
    log.storage_name = INTERNAL;
    g_assert_false (lb_device_walk (device, 0x00010001, on_object, on_skip, &log, NULL, &error));
    g_assert_error (error, LB_ERROR, LB_ERROR_DEVICE_GONE);
    walk_log_clear (&log);
  }
  g_free (ctl ("plug", CUT, NULL));

  /* The phone drops off the bus after 1 MB.  Last: the rig does not bring
   * a phone back from this fault (after a plug, GetDeviceInfo fails), so
   * CUT stays unplugged. */
  {
    g_autoptr(LbDevice) device = NULL;
    ReadLog r = { 0 };
    WalkLog log;

    /* Back on the bus as libmtp sees it (the plug event comes a moment
     * later). */
    for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
      {
        g_autoptr(GError) error = NULL;

        device = lb_device_open (CUT, &error);
        if (device != NULL)
          break;
        g_assert_error (error, LB_ERROR, LB_ERROR_NO_DEVICE);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (G_USEC_PER_SEC / 20);
      }
    walk_log_init (&log);
    walk_all (device, &log);
    big = handle_of (&log, INTERNAL "/big.bin");
    g_free (ctl ("fault", CUT, "disconnect-after-bytes", "1000000", NULL));
    assert_read_gone (device, big, &r);
    walk_log_clear (&log);
  }
}

/* ---- playlists and albums ------------------------------------------------------ */

static char *
storage_relative (WalkLog *log, guint32 handle)
{
  const Seen *s = g_hash_table_lookup (log->by_handle, GUINT_TO_POINTER (handle));

  g_assert_nonnull (s);
  g_assert_true (g_str_has_prefix (s->path, INTERNAL "/"));
  return g_strdup (s->path + strlen (INTERNAL "/"));
}

static const LbMediaList *
find_list (GPtrArray *lists, LbListKind kind, const char *name)
{
  for (guint i = 0; i < lists->len; i++)
    {
      const LbMediaList *l = lists->pdata[i];
      if (l->kind == kind && g_str_equal (l->name, name))
        return l;
    }
  g_error ("no %s named \"%s\"", kind == LB_LIST_ALBUM ? "album" : "playlist", name);
  return NULL;
}

static void
check_lists (GPtrArray *lists, WalkLog *log)
{
  g_autofree char *ini = phone_path ("player", ".vphone/objects.ini");
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  guint albums = 0, playlists = 0;

  g_assert_true (g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL));
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *kind = g_key_file_get_string (kf, groups[i], "kind", NULL);
      g_autofree char *name = g_key_file_get_string (kf, groups[i], "name", NULL);
      g_autofree char *members = g_key_file_get_string (kf, groups[i], "members", NULL);
      g_auto(GStrv) want = g_strsplit (members, ";", -1);
      gboolean album = g_str_equal (kind, "album");
      const LbMediaList *list;

      /* A player titles a list without its ".alb"/".pla" ending. */
      *strrchr (name, '.') = '\0';
      list = find_list (lists, album ? LB_LIST_ALBUM : LB_LIST_PLAYLIST, name);
      albums += album;
      playlists += !album;
      if (album)
        {
          g_autofree char *artist = g_key_file_get_string (kf, groups[i], "artist", NULL);
          g_assert_cmpstr (list->artist, ==, artist);
        }
      else
        g_assert_cmpstr (list->artist, ==, "");
      g_assert_cmphex (list->storage_id, ==, 0x00010001);
      g_assert_cmpuint (list->members->len, ==, g_strv_length (want));
      for (guint m = 0; m < list->members->len; m++)
        {
          g_autofree char *path = storage_relative (log, g_array_index (list->members, guint32, m));
          g_assert_cmpstr (path, ==, want[m]);
        }
    }
  g_assert_cmpuint (albums, >, 0);
  g_assert_cmpuint (playlists, >, 0);
  g_assert_cmpuint (lists->len, ==, albums + playlists);
}

static void
test_lists_player (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lists = NULL;
  WalkLog log;

  /* One phone open at a time: the rig (umockdev 0.17) can hang a client
   * that holds several device nodes open. */
  {
    g_autoptr(LbDevice) device = open_phone (PLAYER);

    guint64 before;

    walk_log_init (&log);
    walk_all (device, &log);
    before = transactions (PLAYER);
    lists = lb_device_get_lists (device, &error);
    g_assert_no_error (error);
    g_test_message ("%u playlists and albums read in %" G_GUINT64_FORMAT " MTP transactions",
                    lists->len, transactions (PLAYER) - before);
    g_assert_cmpuint (transactions (PLAYER) - before, <=, 4 * lists->len);
    check_lists (lists, &log);
    g_clear_pointer (&lists, g_ptr_array_unref);
    walk_log_clear (&log);
  }

  /* Without a walk first, get_lists walks by itself. */
  {
    g_autoptr(LbDevice) device = open_phone (PLAYER);

    lists = lb_device_get_lists (device, &error);
    g_assert_no_error (error);
    walk_log_init (&log);
    walk_all (device, &log);
    check_lists (lists, &log);
    walk_log_clear (&log);
  }
}

static void
test_lists_android (void)
{
  g_autoptr(LbDevice) device = open_phone (READY);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lists = lb_device_get_lists (device, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (lists->len, ==, 0);
}

/* ---- threads ------------------------------------------------------------- */

typedef struct {
  LbDevice *device;
  gboolean walked, read, listed;
  gboolean got_info;
  GError *walk_error, *read_error, *list_error;
} Intruder;

static gpointer
intrude (gpointer data)
{
  Intruder *t = data;
  WalkLog log;
  ReadLog r = { 0 };
  GPtrArray *lists;

  walk_log_init (&log);
  log.storage_name = INTERNAL;
  t->walked = lb_device_walk (t->device, 0x00010001, on_object, on_skip, &log, NULL, &t->walk_error);
  t->read = lb_device_read (t->device, 1, on_data, &r, NULL, &t->read_error);
  lists = lb_device_get_lists (t->device, &t->list_error);
  t->listed = lists != NULL;
  t->got_info = lb_device_get_info (t->device) != NULL;
  walk_log_clear (&log);
  return NULL;
}

static void
test_thread_owner (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(LbDevice) device = open_phone (READY);
      Intruder t = { device, FALSE, FALSE, FALSE, FALSE, NULL, NULL, NULL };

      /* Refusals log criticals; here they must not abort, to see the error. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_thread_join (g_thread_new ("intruder", intrude, &t));
      g_assert_false (t.walked);
      g_assert_false (t.read);
      g_assert_false (t.listed);
      g_assert_false (t.got_info);
      g_assert_error (t.walk_error, LB_ERROR, LB_ERROR_FAILED);
      g_assert_error (t.read_error, LB_ERROR, LB_ERROR_FAILED);
      g_assert_error (t.list_error, LB_ERROR, LB_ERROR_FAILED);
      g_clear_error (&t.walk_error);
      g_clear_error (&t.read_error);
      g_clear_error (&t.list_error);
      /* The owner still can. */
      g_assert_nonnull (lb_device_get_info (device));
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*lb_device_walk*other than the one that opened it*");
}

static void
test_thread_owner_fatal (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(LbDevice) device = open_phone (READY);
      Intruder t = { device, FALSE, FALSE, FALSE, FALSE, NULL, NULL, NULL };

      g_thread_join (g_thread_new ("intruder", intrude, &t));
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*other than the one that opened it*");
}

static void
test_thread_forbidden (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) infos = NULL;
      g_autoptr(LbDevice) device = NULL;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      lb_device_forbid_thread (g_thread_self ());
      infos = lb_device_enumerate (&error);
      g_assert_null (infos);
      g_assert_error (error, LB_ERROR, LB_ERROR_FAILED);
      g_clear_error (&error);
      device = lb_device_open (READY, &error);
      g_assert_null (device);
      g_assert_error (error, LB_ERROR, LB_ERROR_FAILED);
      lb_device_forbid_thread (NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*lb_device_enumerate*lb_device_forbid_thread*"
                             "*CRITICAL*lb_device_open*lb_device_forbid_thread*");
}

int
main (int argc, char **argv)
{
  /* The rig's phones keep UTC, and libmtp reads their dates in ours. */
  g_setenv ("TZ", "UTC", TRUE);
  builddir = tree_dir ("top_builddir");
  if (g_getenv ("LB_TEST_UNDER_RIG") == NULL)
    return run_under_rig (argc, argv);

  phones_dir = g_strdup (g_getenv ("LB_TEST_PHONES"));
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (phones_dir);

  g_test_add_func ("/device/state-strings", test_state_strings);
  g_test_add_func ("/device/enumerate/all", test_enumerate);
  g_test_add_func ("/device/enumerate/none", test_enumerate_none);
  g_test_add_func ("/device/open/serial", test_open_serial);
  g_test_add_func ("/device/open/ambiguous", test_open_ambiguous);
  g_test_add_func ("/device/open/errors", test_open_errors);
  g_test_add_func ("/device/open/only-one", test_open_only_one);
  g_test_add_func ("/device/walk/typical", test_walk_typical);
  g_test_add_func ("/device/walk/hostile", test_walk_hostile);
  g_test_add_func ("/device/walk/stop", test_walk_stop);
  g_test_add_func ("/device/read/files", test_read_files);
  g_test_add_func ("/device/read/big", test_read_big);
  g_test_add_func ("/device/read/cancel", test_read_cancel);
  g_test_add_func ("/device/read/vanished", test_read_vanished);
  g_test_add_func ("/device/read/disconnect", test_read_disconnect);
  g_test_add_func ("/device/lists/player", test_lists_player);
  g_test_add_func ("/device/lists/android", test_lists_android);
  /* Last: once a second client process has come and gone, the rig's
   * plug events no longer reach this process's libusb (umockdev 0.17),
   * and the tests above plug and unplug. */
  g_test_add_func ("/device/child/stdout-quiet", test_stdout_quiet);
  g_test_add_func ("/device/child/thread-owner", test_thread_owner);
  g_test_add_func ("/device/child/thread-owner-fatal", test_thread_owner_fatal);
  g_test_add_func ("/device/child/thread-forbidden", test_thread_forbidden);
  return g_test_run ();
}

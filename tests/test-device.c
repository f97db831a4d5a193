/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device layer against virtual phones: the real libusb and libmtp
 * talking to tests/vphone.
 *
 * Run without LB_TEST_UNDER_RIG, the program builds its phone folders with
 * make-phone in a temporary folder and runs itself again under vphone-run
 * with eight phones plugged in (test-device-util.h names them), then exits
 * with that run's status.  Tests address phones by serial and use
 * vphone-ctl for plugging, faults and statistics.  Enumerating, opening and
 * threads are here; walks, reads and lists in test-device-io.c. */
#include "config.h"

#include <string.h>

#include "test-device-util.h"

/* ---- state strings, info copies ------------------------------------------------ */

static void
test_state_strings (void)
{
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_READY), ==, "ready");
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_LOCKED), ==, "locked");
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_CHARGING_ONLY), ==, "charging-only");
  g_assert_cmpstr (lb_device_state_to_string (LB_DEVICE_BUSY), ==, "busy");
}

/* ---- device keys ---------------------------------------------------------------- */

/* Serial and model come from the phone: whatever they hold, a key gives
 * them back apart, and a plain serial is never taken for a key. */
static void
test_keys (void)
{
  const char *serials[] = { "0123456789ABCDEF", "", "\x1f" "1209:3:abc", "a:b", "12:34", "é/ü\n" };
  const char *models[] = { "Redmi 9A", "", "\x1f", "3:x", "Pixel 7" };

  for (guint i = 0; i < G_N_ELEMENTS (serials); i++)
    for (guint j = 0; j < G_N_ELEMENTS (models); j++)
      {
        g_autofree char *key = lb_device_key (serials[i], 0x18d1, models[j]);
        g_autofree char *serial = NULL, *model = NULL, *plain = NULL;
        guint16 vendor = 0;

        g_assert_true (lb_device_key_parse (key, &serial, &vendor, &model));
        g_assert_cmpstr (serial, ==, serials[i]);
        g_assert_cmpstr (model, ==, models[j]);
        g_assert_cmphex (vendor, ==, 0x18d1);
        plain = lb_device_key_dup_serial (key);
        g_assert_cmpstr (plain, ==, serials[i]);
        g_assert_true (lb_device_key_matches (key, serials[i], 0x18d1, models[j]));
        g_assert_true (lb_device_key_matches (key, serials[i], 0x18d1, NULL));
        g_assert_false (lb_device_key_matches (key, serials[i], 0x04e8, models[j]));
        g_assert_false (lb_device_key_matches (key, "other", 0x18d1, models[j]));
        if (j > 0)
          g_assert_false (lb_device_key_matches (key, serials[i], 0x18d1, models[j - 1]));
      }
  /* A plain serial matches every phone with it, whatever its model. */
  g_assert_false (lb_device_key_parse ("0123456789ABCDEF", NULL, NULL, NULL));
  g_assert_true (lb_device_key_matches ("0123456789ABCDEF", "0123456789ABCDEF", 0x1234, "Any"));
  g_assert_false (lb_device_key_matches ("0123456789ABCDEF", "0123456789ABCDEE", 0x1234, "Any"));
  {
    g_autofree char *plain = lb_device_key_dup_serial ("R58M");
    g_assert_cmpstr (plain, ==, "R58M");
  }
  /* Truncated or malformed keys are not keys. */
  g_assert_false (lb_device_key_parse ("\x1f" "18d1:99:short", NULL, NULL, NULL));
  g_assert_false (lb_device_key_parse ("\x1f" "18d1:x:abc", NULL, NULL, NULL));
  g_assert_false (lb_device_key_parse ("\x1f" "18d:3:abc", NULL, NULL, NULL));
  g_assert_false (lb_device_key_parse ("\x1f", NULL, NULL, NULL));
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
  g_assert_cmpuint (infos->len, ==, N_PHONES);

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
  g_test_add_func ("/device/keys", test_keys);
  g_test_add_func ("/device/enumerate/all", test_enumerate);
  g_test_add_func ("/device/enumerate/none", test_enumerate_none);
  g_test_add_func ("/device/open/serial", test_open_serial);
  g_test_add_func ("/device/open/ambiguous", test_open_ambiguous);
  g_test_add_func ("/device/open/errors", test_open_errors);
  g_test_add_func ("/device/open/only-one", test_open_only_one);
  add_io_tests ();
  /* Last: once a second client process has come and gone, the rig's
   * plug events no longer reach this process's libusb (umockdev 0.17),
   * and the tests above plug and unplug. */
  g_test_add_func ("/device/child/stdout-quiet", test_stdout_quiet);
  g_test_add_func ("/device/child/thread-owner", test_thread_owner);
  g_test_add_func ("/device/child/thread-owner-fatal", test_thread_owner_fatal);
  g_test_add_func ("/device/child/thread-forbidden", test_thread_forbidden);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbMonitor against virtual phones: hot-plug through the rig's udev
 * events, the settling of replug storms, a locked phone turning ready
 * without a USB event, held phones left alone, a phone another program
 * holds, idle cost.
 *
 * Like test-device, it runs itself again under vphone-run.  The main
 * thread is given to lb_device_forbid_thread(), so any phone I/O there
 * aborts the test.  No child process may use libusb here: once one has
 * come and gone, umockdev 0.17 stops passing plug events to this process
 * (vphone-ctl only talks to the control socket). */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <libusb.h>

#include "lb-monitor.h"
#include "test-device-util.h"
#include "fake-mount.h"

#define M_READY  "MON-READY"
#define M_LOCKED "MON-LOCKED"
#define M_PLUG   "MON-PLUG"     /* starts unplugged */
/* Two cheap phones sharing one fake serial, unplugged at start; vphone-ctl
 * knows them by these names. */
#define M_TWIN1  "MON-TWIN1"
#define M_TWIN2  "MON-TWIN2"
#define FAKE_SERIAL "0123456789ABCDEF"
#define TWIN1_MODEL "Redmi 9A"
#define TWIN2_MODEL "Galaxy A03"
#define RIG_VENDOR 0x1209

/* The monitor settles 500 ms after the last bus event, then probes. */
#define SETTLE_MS 500

static GThread *main_thread;

typedef struct {
  char kind;                /* 'a'dded, 'c'hanged, 'r'emoved */
  char *serial;
  char *key;                /* lb_device_info_key */
  LbDeviceState state;
  guint8 address;
  gint64 when;
} Event;

typedef struct {
  LbMonitor *monitor;
  GPtrArray *events;        /* Event* */
} Fixture;

static void
event_free (Event *e)
{
  g_free (e->serial);
  g_free (e->key);
  g_free (e);
}

static void
record (Fixture *f, char kind, const char *key, const LbDeviceInfo *info)
{
  Event *e = g_new0 (Event, 1);

  /* Signals come on the main context's thread, never the monitor's. */
  g_assert_true (g_thread_self () == main_thread);
  /* Phones are named by device key, not by serial. */
  g_assert_true (lb_device_key_parse (key, NULL, NULL, NULL));
  e->kind = kind;
  e->key = g_strdup (key);
  e->serial = lb_device_key_dup_serial (key);
  e->state = info != NULL ? info->state : 0;
  e->address = info != NULL ? info->address : 0;
  e->when = g_get_monotonic_time ();
  g_ptr_array_add (f->events, e);
  if (info != NULL)
    {
      /* The info given is the one the list holds. */
      GPtrArray *devices = lb_monitor_get_devices (f->monitor);
      gboolean listed = FALSE;

      for (guint i = 0; i < devices->len; i++)
        listed |= devices->pdata[i] == info;
      g_assert_true (listed);
    }
}

static void
on_added (LbMonitor *monitor, LbDeviceInfo *info, Fixture *f)
{
  g_autofree char *key = lb_device_info_key (info);

  (void) monitor;
  record (f, 'a', key, info);
}

static void
on_changed (LbMonitor *monitor, LbDeviceInfo *info, Fixture *f)
{
  g_autofree char *key = lb_device_info_key (info);

  (void) monitor;
  record (f, 'c', key, info);
}

static void
on_removed (LbMonitor *monitor, const char *key, Fixture *f)
{
  (void) monitor;
  record (f, 'r', key, NULL);
}

/* The phone with this serial, or this device key. */
static const LbDeviceInfo *
listed (Fixture *f, const char *serial)
{
  GPtrArray *devices = lb_monitor_get_devices (f->monitor);
  const LbDeviceInfo *found = NULL;

  for (guint i = 0; i < devices->len; i++)
    if (lb_device_info_matches (serial, devices->pdata[i]))
      {
        g_assert_null (found);
        found = devices->pdata[i];
      }
  return found;
}

static guint
count_events (Fixture *f, char kind, const char *serial)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    {
      const Event *e = f->events->pdata[i];
      n += e->kind == kind && g_str_equal (e->serial, serial);
    }
  return n;
}

/* The first event of kind for serial (or device key) at or after index
 * from, or NULL. */
static const Event *
find_event (Fixture *f, guint from, char kind, const char *serial)
{
  for (guint i = from; i < f->events->len; i++)
    {
      const Event *e = f->events->pdata[i];
      if (e->kind == kind && (g_str_equal (e->serial, serial) || g_str_equal (e->key, serial)))
        return e;
    }
  return NULL;
}

static gboolean
tick (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Runs the main context for ms milliseconds, or until done(f) holds. */
static gboolean
run_until (Fixture *f, gboolean (*done) (Fixture *f, gconstpointer data), gconstpointer data, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;
  guint id = g_timeout_add (20, tick, NULL);
  gboolean ok = FALSE;

  while (!(ok = done != NULL && done (f, data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return ok;
}

static gboolean
has_listed (Fixture *f, gconstpointer serial)
{
  return listed (f, serial) != NULL;
}

static gboolean
has_not_listed (Fixture *f, gconstpointer serial)
{
  return listed (f, serial) == NULL;
}

static gboolean
is_ready (Fixture *f, gconstpointer serial)
{
  const LbDeviceInfo *info = listed (f, serial);
  return info != NULL && info->state == LB_DEVICE_READY;
}

static gboolean
plugged (const char *serial)
{
  g_autofree char *stats = ctl ("stats", serial, NULL);
  return strstr (stats, "\"plugged\": true") != NULL;
}

static void
set_plugged (const char *serial, gboolean want)
{
  if (plugged (serial) != want)
    g_free (ctl (want ? "plug" : "unplug", serial, NULL));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  /* Every test starts from the same bus. */
  set_plugged (M_READY, TRUE);
  set_plugged (M_LOCKED, TRUE);
  set_plugged (M_PLUG, FALSE);
  set_plugged (M_TWIN1, FALSE);
  set_plugged (M_TWIN2, FALSE);
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  f->monitor = lb_monitor_new ();
  g_signal_connect (f->monitor, "device-added", G_CALLBACK (on_added), f);
  g_signal_connect (f->monitor, "device-changed", G_CALLBACK (on_changed), f);
  g_signal_connect (f->monitor, "device-removed", G_CALLBACK (on_removed), f);
  g_assert_true (run_until (f, has_listed, M_READY, 5000));
  g_assert_true (run_until (f, has_listed, M_LOCKED, 5000));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  /* Stops the thread; LSan sees anything left behind. */
  g_assert_finalize_object (f->monitor);
  g_ptr_array_unref (f->events);
  /* Drain what a test left pending, without a monitor to see it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_present_at_start (Fixture *f, gconstpointer data)
{
  const LbDeviceInfo *ready = listed (f, M_READY), *locked = listed (f, M_LOCKED);

  (void) data;
  g_assert_cmpint (ready->state, ==, LB_DEVICE_READY);
  g_assert_cmpuint (ready->storages->len, ==, 1);
  g_assert_cmpstr (((LbStorageInfo *) ready->storages->pdata[0])->description, ==, INTERNAL);
  g_assert_cmpint (locked->state, ==, LB_DEVICE_LOCKED);
  g_assert_cmpuint (locked->storages->len, ==, 0);
  g_assert_null (listed (f, M_PLUG));
  g_assert_cmpuint (lb_monitor_get_devices (f->monitor)->len, ==, 2);
  g_assert_cmpuint (count_events (f, 'a', M_READY), ==, 1);
  g_assert_cmpuint (count_events (f, 'a', M_LOCKED), ==, 1);
}

static void
test_plug_unplug (Fixture *f, gconstpointer data)
{
  gint64 start;
  const Event *e;
  guint mark;

  (void) data;
  mark = f->events->len;
  start = g_get_monotonic_time ();
  g_free (ctl ("plug", M_PLUG, NULL));
  g_assert_true (run_until (f, has_listed, M_PLUG, SETTLE_MS + 3000));
  e = find_event (f, mark, 'a', M_PLUG);
  g_assert_nonnull (e);
  g_test_message ("plug → device-added after %" G_GINT64_FORMAT " ms", (e->when - start) / 1000);
  g_assert_cmpint (e->when - start, <, (SETTLE_MS + 1000) * G_TIME_SPAN_MILLISECOND);
  /* Not before the bus settled. */
  g_assert_cmpint (e->when - start, >=, SETTLE_MS * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (listed (f, M_PLUG)->state, ==, LB_DEVICE_READY);

  mark = f->events->len;
  start = g_get_monotonic_time ();
  g_free (ctl ("unplug", M_PLUG, NULL));
  g_assert_true (run_until (f, has_not_listed, M_PLUG, SETTLE_MS + 3000));
  e = find_event (f, mark, 'r', M_PLUG);
  g_assert_nonnull (e);
  g_test_message ("unplug → device-removed after %" G_GINT64_FORMAT " ms", (e->when - start) / 1000);
  g_assert_cmpint (e->when - start, <, (SETTLE_MS + 1000) * G_TIME_SPAN_MILLISECOND);
  g_assert_nonnull (listed (f, M_READY));
  g_assert_cmpuint (lb_monitor_get_devices (f->monitor)->len, ==, 2);
}

static void
test_replug_storm (Fixture *f, gconstpointer data)
{
  gint64 start, last, max_gap = 0;
  guint mark;

  (void) data;
  g_free (ctl ("plug", M_PLUG, NULL));
  g_assert_true (run_until (f, is_ready, M_PLUG, SETTLE_MS + 3000));
  mark = f->events->len;
  /* Ten unplug/plug pairs, in about 2 s, the
   * main loop running meanwhile.  What the monitor relies on is that no
   * gap between bus events reaches the settling time. */
  start = last = g_get_monotonic_time ();
  for (int i = 0; i < 20; i++)
    {
      ctl_quick (i % 2 == 0 ? "unplug" : "plug", M_PLUG);
      run_until (f, NULL, NULL, 70);
      max_gap = MAX (max_gap, g_get_monotonic_time () - last);
      last = g_get_monotonic_time ();
    }
  g_test_message ("storm took %" G_GINT64_FORMAT " ms, longest gap %" G_GINT64_FORMAT " ms",
                  (last - start) / 1000, max_gap / 1000);
  g_assert_cmpint (max_gap, <, (SETTLE_MS - 100) * G_TIME_SPAN_MILLISECOND);
  /* Settled: one phone, ready, at its new address, told as one change. */
  run_until (f, NULL, NULL, SETTLE_MS + 1500);
  g_assert_true (is_ready (f, M_PLUG));
  g_assert_null (find_event (f, mark, 'a', M_PLUG));
  g_assert_null (find_event (f, mark, 'r', M_PLUG));
  g_assert_cmpuint (f->events->len - mark, ==, 1);
  g_assert_cmpint (((Event *) f->events->pdata[mark])->kind, ==, 'c');
  g_assert_cmpuint (((Event *) f->events->pdata[mark])->address, ==, listed (f, M_PLUG)->address);
  g_assert_cmpuint (lb_monitor_get_devices (f->monitor)->len, ==, 3);
}

static char *clock_path;

/* Moves the wall clock of lb-clock.h by seconds (the file its watch
 * follows), as a resume from suspend would. */
static void
move_clock (int seconds)
{
  g_autofree char *text = NULL;
  g_autofree char *moved = NULL;

  g_assert_true (g_file_get_contents (clock_path, &text, NULL, NULL));
  moved = g_strdup_printf ("%" G_GINT64_FORMAT "\n", g_ascii_strtoll (text, NULL, 10) + seconds);
  g_assert_true (g_file_set_contents (clock_path, moved, -1, NULL));
}

static gboolean
locked_is_ready (Fixture *f, gconstpointer data)
{
  return is_ready (f, data);
}

static void
test_unlock (Fixture *f, gconstpointer data)
{
  gint64 start;
  const Event *e;
  guint mark = f->events->len;

  (void) data;
  g_assert_cmpint (listed (f, M_LOCKED)->state, ==, LB_DEVICE_LOCKED);
  start = g_get_monotonic_time ();
  g_free (ctl ("unlock", M_LOCKED, NULL));
  /* No USB event: the phone's StoreAdded, to the session the monitor
   * keeps open with it, then the settling of the bus.  Looking again
   * every UNHEARD_S (30 s) would take longer than this. */
  g_assert_true (run_until (f, locked_is_ready, M_LOCKED, SETTLE_MS + 2000));
  e = find_event (f, mark, 'c', M_LOCKED);
  g_assert_nonnull (e);
  g_assert_cmpint (e->state, ==, LB_DEVICE_READY);
  g_test_message ("unlock → device-changed (ready) after %" G_GINT64_FORMAT " ms", (e->when - start) / 1000);
  g_assert_cmpuint (listed (f, M_LOCKED)->storages->len, ==, 1);
  g_assert_null (find_event (f, mark, 'a', M_LOCKED));
  g_assert_null (find_event (f, mark, 'r', M_LOCKED));

  /* Locked again: a refresh (the GUI's "Try again") shows it at once. */
  mark = f->events->len;
  g_free (ctl ("lock", M_LOCKED, NULL));
  lb_monitor_refresh (f->monitor);
  start = g_get_monotonic_time ();
  while (listed (f, M_LOCKED)->state != LB_DEVICE_LOCKED)
    {
      g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
      run_until (f, NULL, NULL, 50);
    }
  g_assert_nonnull (find_event (f, mark, 'c', M_LOCKED));
}

typedef struct {
  const char *phone;        /* its vphone-ctl name */
  guint64 at_least;
} Opens;

/* The phone was opened (OpenSession) at least that many times. */
static gboolean
opened (Fixture *f, gconstpointer data)
{
  const Opens *want = data;

  (void) f;
  return operation_count (want->phone, "OpenSession") >= want->at_least;
}

static gboolean
locked_opened_more (Fixture *f, gconstpointer data)
{
  return opened (f, &(Opens) { M_LOCKED, *(const guint64 *) data });
}

static void
test_hold (Fixture *f, gconstpointer data)
{
  g_autoptr(LbDeviceInfo) before = lb_device_info_copy (listed (f, M_READY));
  guint64 ready_opens = operation_count (M_READY, "OpenSession");
  guint64 want;
  guint mark = f->events->len;

  (void) data;
  g_assert_cmpuint (ready_opens, >, 0);
  lb_monitor_hold (f->monitor, M_READY);
  lb_monitor_hold (f->monitor, M_READY);  /* holds nest */
  lb_monitor_unhold (f->monitor, M_READY);
  lb_monitor_wait_unused (f->monitor, M_READY);

  /* Probes go on (the locked phone is opened by each), the held one is left alone. */
  want = operation_count (M_LOCKED, "OpenSession") + 1;
  lb_monitor_refresh (f->monitor);
  g_assert_true (run_until (f, locked_opened_more, &want, 3000));
  want++;
  g_free (ctl ("plug", M_PLUG, NULL));
  g_assert_true (run_until (f, locked_opened_more, &want, SETTLE_MS + 3000));
  g_assert_true (run_until (f, has_listed, M_PLUG, 3000));
  g_assert_cmpuint (operation_count (M_READY, "OpenSession"), ==, ready_opens);
  g_assert_null (find_event (f, mark, 'c', M_READY));
  g_assert_cmpint (listed (f, M_READY)->state, ==, LB_DEVICE_READY);
  g_assert_cmpuint (listed (f, M_READY)->address, ==, before->address);
  g_assert_cmpuint (listed (f, M_READY)->storages->len, ==, 1);

  /* Its removal is still seen. */
  g_free (ctl ("unplug", M_READY, NULL));
  g_assert_true (run_until (f, has_not_listed, M_READY, SETTLE_MS + 3000));
  g_assert_nonnull (find_event (f, mark, 'r', M_READY));

  /* Back while still held: recognised by its USB serial, not opened. */
  mark = f->events->len;
  g_free (ctl ("plug", M_READY, NULL));
  g_assert_true (run_until (f, has_listed, M_READY, SETTLE_MS + 3000));
  g_assert_cmpuint (operation_count (M_READY, "OpenSession"), ==, ready_opens);
  g_assert_cmpuint (listed (f, M_READY)->address, !=, before->address);

  /* Released: the next probe opens it again. */
  lb_monitor_unhold (f->monitor, M_READY);
  lb_monitor_refresh (f->monitor);
  want = ready_opens + 1;
  while (operation_count (M_READY, "OpenSession") < want)
    run_until (f, NULL, NULL, 100);
  g_assert_true (run_until (f, is_ready, M_READY, 3000));
}

/* ---- two phones, one fake serial ------------------------------------------------ */

/* A held phone is recognised on its return by its USB serial, but not
 * when another phone on the bus reports the same one: that other phone
 * must go on being itself (probed, listed under its own key). */
static void
test_hold_twin (Fixture *f, gconstpointer data)
{
  g_autofree char *k1 = lb_device_key (FAKE_SERIAL, RIG_VENDOR, TWIN1_MODEL);
  g_autofree char *k2 = lb_device_key (FAKE_SERIAL, RIG_VENDOR, TWIN2_MODEL);
  guint64 want;
  guint mark;

  (void) data;
  set_plugged (M_TWIN1, TRUE);
  set_plugged (M_TWIN2, TRUE);
  g_assert_true (run_until (f, is_ready, k1, SETTLE_MS + 5000));
  g_assert_true (run_until (f, is_ready, k2, SETTLE_MS + 5000));
  g_assert_cmpstr (listed (f, k1)->model, ==, TWIN1_MODEL);
  g_assert_cmpstr (listed (f, k2)->model, ==, TWIN2_MODEL);

  lb_monitor_hold (f->monitor, k1);
  mark = f->events->len;
  g_free (ctl ("unplug", M_TWIN1, NULL));
  g_assert_true (run_until (f, has_not_listed, k1, SETTLE_MS + 3000));
  g_assert_nonnull (find_event (f, mark, 'r', k1));

  /* The other one is probed as itself, not taken for the held one back. */
  want = operation_count (M_TWIN2, "OpenSession") + 1;
  lb_monitor_refresh (f->monitor);
  g_assert_true (run_until (f, opened, &(Opens) { M_TWIN2, want }, 3000));
  run_until (f, NULL, NULL, SETTLE_MS);
  g_assert_true (is_ready (f, k2));
  g_assert_cmpstr (listed (f, k2)->model, ==, TWIN2_MODEL);
  g_assert_null (find_event (f, mark, 'r', k2));
  g_assert_true (has_not_listed (f, k1));

  /* Back while held: its descriptor cannot tell it from its twin, so it
   * is opened and listed as itself. */
  g_free (ctl ("plug", M_TWIN1, NULL));
  g_assert_true (run_until (f, is_ready, k1, SETTLE_MS + 3000));
  g_assert_cmpstr (listed (f, k1)->model, ==, TWIN1_MODEL);
  g_assert_true (is_ready (f, k2));
  lb_monitor_unhold (f->monitor, k1);
}

static gboolean
is_busy (Fixture *f, gconstpointer serial)
{
  const LbDeviceInfo *info = listed (f, serial);
  return info != NULL && info->state == LB_DEVICE_BUSY;
}

static void
test_in_use (Fixture *f, gconstpointer data)
{
  const LbDeviceInfo *info = listed (f, M_READY);
  guint8 address = info->address;
  const Event *e;
  guint mark = f->events->len;

  (void) data;
  g_assert_cmpint (info->state, ==, LB_DEVICE_READY);
  /* Another program holding the phone, as the kernel sees one (the rig's
   * busy fault: its interface claimed outside this process, as GVfs
   * does).  A second libusb handle of this process would not do: a claim
   * this process holds is its own (lb-device-usb.c, held_here). */
  g_free (ctl ("fault", M_READY, "busy", NULL));

  /* The probe meets EBUSY: the phone is in use, which is a state to show,
   * not a failure to warn about (a warning would end this test). */
  lb_monitor_refresh (f->monitor);
  g_assert_true (run_until (f, is_busy, M_READY, 5000));
  e = find_event (f, mark, 'c', M_READY);
  g_assert_nonnull (e);
  g_assert_cmpint (e->state, ==, LB_DEVICE_BUSY);
  g_assert_null (find_event (f, mark, 'r', M_READY));
  g_assert_cmpuint (listed (f, M_READY)->address, ==, address);

  /* Let go by a program other than GVfs, whose going away is no event
   * (and GIO's volume monitor is not used on a test's context): looked at
   * again UNHEARD_S (30 s) later, on the wall clock, not before. */
  mark = f->events->len;
  g_free (ctl ("fault", M_READY, "clear", NULL));
  g_assert_false (run_until (f, is_ready, M_READY, 2000));
  move_clock (31);
  g_assert_true (run_until (f, is_ready, M_READY, 3000));
  e = find_event (f, mark, 'c', M_READY);
  g_assert_nonnull (e);
  g_assert_cmpuint (listed (f, M_READY)->storages->len, ==, 1);
}

/* The desktop's file manager holds the phone (GVfs's MTP backend, as the
 * rig's busy fault does) and shows it as a mount: its going away is the
 * event, heard through GIO's volume monitor (a FakeVolumes here). */
static void
test_in_use_gvfs (Fixture *f, gconstpointer data)
{
  const LbDeviceInfo *info = listed (f, M_READY);
  g_autofree char *uri = g_strdup_printf ("mtp://[usb:%03u,%03u]/", info->bus, info->address);
  g_autoptr(FakeMount) mount = fake_mount_new (uri);
  guint64 opened;

  (void) data;
  fake_volumes_add (G_MOUNT (mount));
  g_free (ctl ("fault", M_READY, "busy", NULL));
  lb_monitor_refresh (f->monitor);
  g_assert_true (run_until (f, is_busy, M_READY, 5000));
  opened = operation_count (M_READY, "OpenSession");

  /* Let go without the mount going (GVfs still shows it): nothing looks,
   * also past UNHEARD_S (30 s) of the wall clock; only the mount's going
   * away is waited for (and SAFETY_S, 10 min). */
  g_free (ctl ("fault", M_READY, "clear", NULL));
  move_clock (31);
  g_assert_false (run_until (f, is_ready, M_READY, 2000));
  g_assert_cmpuint (operation_count (M_READY, "OpenSession"), ==, opened);

  /* Unmounted in the file manager: ready within the settling time. */
  fake_volumes_remove (G_MOUNT (mount));
  g_assert_true (run_until (f, is_ready, M_READY, SETTLE_MS + 2000));
}

static guint64
thread_stat (const char *name, guint64 *switches)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *status_path = g_strdup_printf ("/proc/self/task/%s/status", tid);
      g_autofree char *comm = NULL, *stat = NULL, *status = NULL;
      g_auto(GStrv) fields = NULL;
      const char *v;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_equal (g_strstrip (comm), name))
        continue;
      g_assert_true (g_file_get_contents (stat_path, &stat, NULL, NULL));
      g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
      /* After "(comm) ", utime and stime are the 12th and 13th fields. */
      fields = g_strsplit (strrchr (stat, ')') + 2, " ", 0);
      v = strstr (status, "voluntary_ctxt_switches:");
      g_assert_nonnull (v);
      *switches = g_ascii_strtoull (v + strlen ("voluntary_ctxt_switches:"), NULL, 10);
      return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
    }
  g_error ("no thread named %s", name);
}

static gint64
process_cpu_us (void)
{
  struct rusage ru;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &ru), ==, 0);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void
test_idle (Fixture *f, gconstpointer data)
{
  guint64 ticks0, ticks1, switches0, switches1;
  gint64 cpu0, cpu1;
  guint mark;

  (void) data;
  /* A locked phone is listened to, on the rig's device nodes that poll
   * as ready (test_locked_idle): not idle in the rig's terms. */
  g_free (ctl ("unplug", M_LOCKED, NULL));
  g_assert_true (run_until (f, has_not_listed, M_LOCKED, SETTLE_MS + 3000));
  run_until (f, NULL, NULL, 500);

  mark = f->events->len;
  ticks0 = thread_stat ("lb-monitor", &switches0);
  cpu0 = process_cpu_us ();
  run_until (f, NULL, NULL, 3000);
  cpu1 = process_cpu_us ();
  ticks1 = thread_stat ("lb-monitor", &switches1);
  g_test_message ("3 s idle: process %.1f ms CPU (test main loop included), lb-monitor thread %"
                  G_GUINT64_FORMAT " ticks, %" G_GUINT64_FORMAT " wake-ups",
                  (cpu1 - cpu0) / 1000.0, ticks1 - ticks0, switches1 - switches0);
  /* Not one wake-up of the monitor's thread; the process as a whole
   * (the test's own 20 ms ticks included) under 1% of a CPU. */
  g_assert_cmpuint (switches1 - switches0, ==, 0);
  g_assert_cmpuint (ticks1 - ticks0, ==, 0);
  g_assert_cmpint (cpu1 - cpu0, <, 30 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (f->events->len, ==, mark);
}

static void
test_locked_idle (Fixture *f, gconstpointer data)
{
  guint64 opened = operation_count (M_LOCKED, "OpenSession");
  guint64 ticks0, ticks1, switches0, switches1;
  guint mark = f->events->len;

  (void) data;
  g_assert_cmpint (listed (f, M_LOCKED)->state, ==, LB_DEVICE_LOCKED);
  run_until (f, NULL, NULL, 300);
  opened = operation_count (M_LOCKED, "OpenSession");
  ticks0 = thread_stat ("lb-monitor", &switches0);
  run_until (f, NULL, NULL, 4000);
  ticks1 = thread_stat ("lb-monitor", &switches1);
  g_test_message ("4 s with a locked phone: %" G_GUINT64_FORMAT " sessions opened, lb-monitor thread %"
                  G_GUINT64_FORMAT " ticks, %" G_GUINT64_FORMAT " wake-ups",
                  operation_count (M_LOCKED, "OpenSession") - opened, ticks1 - ticks0, switches1 - switches0);
  /* Listened to, not looked at: no session opened.  The thread does wake
   * up here: the rig's device nodes are plain files that poll as ready,
   * so libusb reaps (and the rig holds each empty reap 100 ms) while a
   * transfer is in flight; on a real usbfs node poll() sleeps until the
   * URB completes (vphone/README, "What umockdev leaves to the rig").
   * What must not happen is work: under 1% of a CPU. */
  g_assert_cmpuint (operation_count (M_LOCKED, "OpenSession"), ==, opened);
  g_assert_cmpuint (ticks1 - ticks0, <=, 4);

  /* Nine minutes later (the test clock), still nothing; past SAFETY_S
   * (10 min) one look, in case the phone never says it was unlocked. */
  move_clock (9 * 60);
  run_until (f, NULL, NULL, 1000);
  g_assert_cmpuint (operation_count (M_LOCKED, "OpenSession"), ==, opened);
  move_clock (2 * 60);
  g_assert_true (run_until (f, locked_opened_more, (guint64[]) { opened + 1 }, 3000));
  run_until (f, NULL, NULL, 500);
  /* The probe's session and the listener's again. */
  g_assert_cmpuint (operation_count (M_LOCKED, "OpenSession"), ==, opened + 2);
  g_assert_cmpint (listed (f, M_LOCKED)->state, ==, LB_DEVICE_LOCKED);
  g_assert_cmpuint (f->events->len, ==, mark);
}

int
main (int argc, char **argv)
{
  const char *presets[] = { "small", NULL };
  const char *phones[] = {
    "small,serial=" M_READY,
    "small,serial=" M_LOCKED ",profile=android-locked",
    "small,serial=" M_PLUG ",plugged=no",
    "small,name=" M_TWIN1 ",serial=" FAKE_SERIAL ",model=" TWIN1_MODEL ",plugged=no",
    "small,name=" M_TWIN2 ",serial=" FAKE_SERIAL ",model=" TWIN2_MODEL ",plugged=no",
    NULL
  };

  g_setenv ("TZ", "UTC", TRUE);
  builddir = tree_dir ("top_builddir");
  if (g_getenv ("LB_TEST_UNDER_RIG") == NULL)
    return run_under_rig_with (argc, argv, presets, phones);

  phones_dir = g_strdup (g_getenv ("LB_TEST_PHONES"));
  clock_path = g_build_filename (phones_dir, "clock", NULL);
  g_assert_true (g_file_set_contents (clock_path, "0\n", -1, NULL));
  g_setenv ("LIFEBOAT_TEST_CLOCK", clock_path, TRUE);
  g_test_init (&argc, &argv, NULL);
  fake_volumes_install ();
  main_thread = g_thread_self ();
  lb_device_forbid_thread (main_thread);

#define ADD(path, func) g_test_add ("/monitor/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("present-at-start", test_present_at_start);
  ADD ("plug-unplug", test_plug_unplug);
  ADD ("replug-storm", test_replug_storm);
  ADD ("unlock", test_unlock);
  ADD ("hold", test_hold);
  ADD ("hold-twin", test_hold_twin);
  ADD ("in-use", test_in_use);
  ADD ("in-use-gvfs", test_in_use_gvfs);
  ADD ("locked-idle", test_locked_idle);
  ADD ("idle", test_idle);
#undef ADD
  return g_test_run ();
}

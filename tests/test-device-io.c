/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Walking, reading and lists on virtual phones (test-device.c runs them). */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-device-util.h"
#include "lb-device-private.h"   /* the listing route's memory */

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
forget_routes (void)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "lifeboat", "listing.ini", NULL);

  g_unlink (path);
}

static gboolean
route_remembered (const char *serial)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "lifeboat", "listing.ini", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GString) hex = g_string_new (NULL);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  for (const char *p = serial; *p; p++)
    g_string_append_printf (hex, "%02x", (guchar) *p);
  return strstr (text, hex->str) != NULL;
}

/* Every object as the walk reported it, in order, one line each. */
static GPtrArray *
walk_fields (WalkLog *log)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < log->objects->len; i++)
    {
      const Seen *s = log->objects->pdata[i];
      g_ptr_array_add (lines, g_strdup_printf ("%u %u %s %d %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %u",
                                               s->handle, s->parent, s->path, s->is_folder, s->size,
                                               s->mtime, s->filetype));
    }
  return lines;
}

/* The phone's objects through the fast listing, then through libmtp
 * (the phone remembered as needing it), each walk's line by line; checks
 * that each route is the one taken. */
static void
walk_both_routes (const char *serial, GPtrArray **fast, GPtrArray **slow)
{
  guint64 before, during_fast, during_slow, lists;
  WalkLog log;

  forget_routes ();
  {
    g_autoptr(LbDevice) device = NULL;

    lists = operation_count (serial, "GetObjectPropList");
    device = open_phone (serial);
    /* The whole tree, and libmtp's look at one of its objects. */
    g_assert_cmpuint (operation_count (serial, "GetObjectPropList") - lists, ==, 2);
    walk_log_init (&log);
    before = transactions (serial);
    walk_all (device, &log);
    during_fast = transactions (serial) - before;
    g_assert_cmpuint (log.skips->len, ==, 0);
    *fast = walk_fields (&log);
    walk_log_clear (&log);
    g_assert_false (route_remembered (serial));
    lb_device_listing_remember (lb_device_get_info (device), "test: list through libmtp");
  }
  g_assert_true (route_remembered (serial));
  {
    g_autoptr(LbDevice) device = NULL;

    lists = operation_count (serial, "GetObjectPropList");
    device = open_phone (serial);
    g_assert_cmpuint (operation_count (serial, "GetObjectPropList") - lists, ==, 0);
    walk_log_init (&log);
    before = transactions (serial);
    walk_all (device, &log);
    during_slow = transactions (serial) - before;
    *slow = walk_fields (&log);
    walk_log_clear (&log);
  }
  forget_routes ();
  g_test_message ("%s: %u objects; the walk took %" G_GUINT64_FORMAT " transactions after the fast listing, "
                  "%" G_GUINT64_FORMAT " through libmtp", serial, (*fast)->len, during_fast, during_slow);
  g_assert_cmpuint (during_fast, ==, 0);
  g_assert_cmpuint (during_slow, >, (*fast)->len);
  for (guint i = 0; i < MIN ((*fast)->len, (*slow)->len); i++)
    if (!g_str_equal ((*fast)->pdata[i], (*slow)->pdata[i]))
      g_error ("fast listing: \"%s\", libmtp: \"%s\"", (char *) (*fast)->pdata[i], (char *) (*slow)->pdata[i]);
  g_assert_cmpuint ((*fast)->len, ==, (*slow)->len);
}

typedef struct {
  const guint8 *data;
  gsize len, at;
} Fill;

static gssize
fill_from (guint8 *buf, gsize len, gpointer user_data)
{
  Fill *f = user_data;
  gsize n = MIN (len, f->len - f->at);

  memcpy (buf, f->data + f->at, n);
  f->at += n;
  return (gssize) n;
}

/* The fast listing (one GetObjectPropList, lb-device-ptp.c) and libmtp's
 * give the same objects, field by field and in the same order, names
 * beyond the Basic Multilingual Plane included; a phone remembered as
 * needing libmtp is listed through libmtp; a write makes the next walk ask
 * the phone again. */
static void
test_walk_routes (void)
{
  static const char *const names[] = {
    "smile \xf0\x9f\x98\x80.jpg", "\xe5\x86\x99\xe7\x9c\x9f.png", "Cafe\xcc\x81 menu.txt",
    " lead and trail ", "UPPER.JPG", "a\xc2\xa0" "b", "\xf0\x9d\x84\x9e clef.mid",
  };
  g_autoptr(GPtrArray) fast = NULL, slow = NULL;
  g_autoptr(GArray) sent = g_array_new (FALSE, FALSE, sizeof (guint32));
  WalkLog log;

  walk_both_routes (TYPICAL, &fast, &slow);
  g_assert_cmpuint (fast->len, >, 2000);
  g_clear_pointer (&fast, g_ptr_array_unref);
  g_clear_pointer (&slow, g_ptr_array_unref);

  /* Names that take UTF-16 surrogate pairs, combining marks, spaces. */
  {
    g_autoptr(LbDevice) device = open_phone (READY);

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autoptr(GError) error = NULL;
        Fill f = { (const guint8 *) names[i], strlen (names[i]), 0 };
        gint64 mtime = 0;
        guint32 h = lb_device_send_file (device, 0x00010001, 0, names[i], LIBMTP_FILETYPE_UNKNOWN, f.len,
                                         fill_from, &f, &mtime, NULL, NULL, &error);

        g_assert_no_error (error);
        g_array_append_val (sent, h);
      }
  }
  walk_both_routes (READY, &fast, &slow);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strconcat (INTERNAL "/", names[i], NULL);
      gboolean found = FALSE;

      for (guint j = 0; j < fast->len && !found; j++)
        found = strstr (fast->pdata[j], path) != NULL;
      g_assert_true (found);
    }

  {
    g_autoptr(LbDevice) device = open_phone (READY);
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < sent->len; i++)
      {
        g_assert_true (lb_device_delete (device, g_array_index (sent, guint32, i), &error));
        g_assert_no_error (error);
      }
  }

  /* A write: the next walk sees the phone as it is now, not the listing.
   * TYPICAL has two storages: walking the first leaves the listing there
   * for the second. */
  {
    g_autoptr(LbDevice) device = open_phone (TYPICAL);
    g_autoptr(GError) error = NULL;
    guint32 folder;

    walk_log_init (&log);
    log.storage_name = INTERNAL;
    g_assert_true (lb_device_walk (device, 0x00010001, on_object, on_skip, &log, NULL, &error));
    g_assert_null (find_by_path (&log, INTERNAL "/routes-new"));
    walk_log_clear (&log);
    folder = lb_device_create_folder (device, 0x00010001, 0, "routes-new", NULL, &error);
    g_assert_no_error (error);
    walk_log_init (&log);
    log.storage_name = INTERNAL;
    g_assert_true (lb_device_walk (device, 0x00010001, on_object, on_skip, &log, NULL, &error));
    g_assert_nonnull (find_by_path (&log, INTERNAL "/routes-new"));
    walk_log_clear (&log);
    g_assert_true (lb_device_delete (device, folder, &error));
    g_assert_no_error (error);
  }

  /* Once every storage is walked the listing is let go: a walk after that
   * asks the phone. */
  {
    g_autoptr(LbDevice) device = open_phone (TYPICAL);
    guint64 before;

    walk_log_init (&log);
    walk_all (device, &log);
    walk_log_clear (&log);
    walk_log_init (&log);
    before = transactions (TYPICAL);
    walk_all (device, &log);
    g_assert_cmpuint (transactions (TYPICAL) - before, >, log.objects->len);
    walk_log_clear (&log);
  }
}

/* A phone that leaves objects out of its all-objects answer (the rig's
 * proplist-drops fault) is listed through libmtp, whole, and remembered. */
static void
test_walk_proplist_drops (void)
{
  g_autofree char *phone = phone_path ("typical", NULL);
  g_autoptr(GPtrArray) want = disk_listing (phone);
  g_autoptr(GPtrArray) got = NULL;
  guint64 lists;
  WalkLog log;

  forget_routes ();
  g_free (ctl ("fault", TYPICAL, "proplist-drops", "7", NULL));
  {
    g_autoptr(LbDevice) device = open_phone (TYPICAL);

    walk_log_init (&log);
    walk_all (device, &log);
    g_assert_cmpuint (log.skips->len, ==, 0);
    got = walk_listing (&log);
    g_assert_cmpuint (got->len, ==, want->len);
    for (guint i = 0; i < want->len; i++)
      g_assert_cmpstr (got->pdata[i], ==, want->pdata[i]);
    walk_log_clear (&log);
  }
  g_assert_true (route_remembered (TYPICAL));
  /* Not asked again. */
  lists = operation_count (TYPICAL, "GetObjectPropList");
  {
    g_autoptr(LbDevice) device = open_phone (TYPICAL);
    g_assert_cmpuint (operation_count (TYPICAL, "GetObjectPropList") - lists, ==, 0);
  }
  g_free (ctl ("fault", TYPICAL, "clear", NULL));
  forget_routes ();
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

/* Gone between the listing and the read (the rig's vanish fault); a phone
 * that refuses everything; a phone locked meanwhile. */
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

  /* libmtp reports a phone answering DeviceBusy exactly as a vanished
   * object: this one must not pass for a deleted file. */
  g_free (ctl ("fault", READY, "device-busy", NULL));
  g_assert_false (lb_device_read (device, handle_of (&log, INTERNAL "/Documents/manual.pdf"), on_data, &r, NULL,
                                  &error));
  g_free (ctl ("fault", READY, "clear", NULL));
  g_test_message ("device-busy: %s", error->message);
  g_assert_error (error, LB_ERROR, LB_ERROR_TIMED_OUT);
  g_clear_error (&error);

  /* Nor a phone locked in the middle. */
  g_free (ctl ("lock", READY, NULL));
  g_assert_false (lb_device_read (device, handle_of (&log, INTERNAL "/Documents/manual.pdf"), on_data, &r, NULL,
                                  &error));
  g_free (ctl ("unlock", READY, NULL));
  g_test_message ("locked: %s", error->message);
  g_assert_error (error, LB_ERROR, LB_ERROR_DEVICE_LOCKED);
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
    /* The lists are objects too, without bytes: reading one gives none. */
    for (guint i = 0; i < lists->len; i++)
      {
        guint32 handle = ((LbMediaList *) lists->pdata[i])->handle;
        const Seen *seen = g_hash_table_lookup (log.by_handle, GUINT_TO_POINTER (handle));
        ReadLog r = { 0 };

        g_assert_nonnull (seen);
        g_assert_false (seen->is_folder);
        r.sum = g_checksum_new (G_CHECKSUM_SHA256);
        g_assert_true (lb_device_read (device, handle, on_data, &r, NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (r.bytes, ==, 0);
        g_checksum_free (r.sum);
      }
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

void
add_io_tests (void)
{
  g_test_add_func ("/device/walk/typical", test_walk_typical);
  g_test_add_func ("/device/walk/routes", test_walk_routes);
  g_test_add_func ("/device/walk/proplist-drops", test_walk_proplist_drops);
  g_test_add_func ("/device/walk/hostile", test_walk_hostile);
  g_test_add_func ("/device/walk/stop", test_walk_stop);
  g_test_add_func ("/device/read/files", test_read_files);
  g_test_add_func ("/device/read/big", test_read_big);
  g_test_add_func ("/device/read/cancel", test_read_cancel);
  g_test_add_func ("/device/read/vanished", test_read_vanished);
  g_test_add_func ("/device/read/disconnect", test_read_disconnect);
  g_test_add_func ("/device/lists/player", test_lists_player);
  g_test_add_func ("/device/lists/android", test_lists_android);
}

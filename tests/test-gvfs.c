/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Releasing a phone from GVfs: which mount holds which phone, and the
 * unmount, against fake GMounts that record what is asked of them. */
#include "config.h"

#include <string.h>

#include "lb-error.h"
#include "lb-gvfs.h"
#include "fake-mount.h"

/* ---- phones and mounts ---------------------------------------------------------- */

static LbDeviceInfo *
phone (const char *manufacturer, const char *model, const char *serial, guint8 bus, guint8 address)
{
  LbDeviceInfo *info = g_new0 (LbDeviceInfo, 1);

  info->manufacturer = g_strdup (manufacturer);
  info->model = g_strdup (model);
  info->serial = g_strdup (serial);
  info->firmware = g_strdup ("");
  info->friendly_name = g_strdup ("");
  info->vendor_id = 0x18d1;
  info->product_id = 0x4ee1;
  info->bus = bus;
  info->address = address;
  info->state = LB_DEVICE_BUSY;
  info->storages = g_ptr_array_new ();
  return info;
}

static GList *
mounts_of (const char *const *uris)
{
  GList *mounts = NULL;

  for (guint i = 0; uris[i] != NULL; i++)
    mounts = g_list_append (mounts, fake_mount_new (uris[i]));
  return mounts;
}

static const char *
found_uri (GList *mounts, const LbDeviceInfo *info)
{
  GMount *mount = lb_gvfs_find_mount (mounts, info);

  return mount != NULL ? FAKE_MOUNT (mount)->uri : NULL;
}

static const char *const desktop[] = {
  "file:///media/anna/USB%20STICK",
  "smb://nas/share/",
  "mtp://Google_Pixel_7_2A131FDH2003WR/",
  "mtp://[usb:001,005]/",
  "gphoto2://[usb:002,007]/store_00010001",
  "mtp://%5Busb%3A003%2C012%5D/",
  "mtp://Sony_Ericsson_Mobile_Xperia__Z3__AB_CD/",
  "mtp://Acme_Phone_0123456789ABCDEF/",
  "mtp://Other_Tablet_0123456789ABCDEF/",
  "gphoto2://Apple_Inc._iPhone_00008030001A2B3C/",
  "mtp://18d1_4ee1/",
  NULL
};

static void
test_find (void)
{
  GList *mounts = mounts_of (desktop);
  struct {
    const char *manufacturer, *model, *serial;
    guint8 bus, address;
    const char *expected;
  } cases[] = {
    /* udev's ID_SERIAL from the USB strings a busy phone is known by. */
    { "Google", "Pixel 7", "2A131FDH2003WR", 1, 9, "mtp://Google_Pixel_7_2A131FDH2003WR/" },
    /* MTP's own names differ: the serial alone, as one mount has it. */
    { "Google Inc.", "Pixel 7 (Panther)", "2A131FDH2003WR", 1, 9, "mtp://Google_Pixel_7_2A131FDH2003WR/" },
    /* Older GVfs: the USB place, zero-padded, raw or escaped. */
    { "Google", "Pixel 6", "OTHER", 1, 5, "mtp://[usb:001,005]/" },
    { "Google", "Pixel 6", "", 3, 12, "mtp://%5Busb%3A003%2C012%5D/" },
    { "Canon", "EOS", "", 2, 7, "gphoto2://[usb:002,007]/store_00010001" },
    /* Whitespace runs and forbidden characters as udev replaces them. */
    { "Sony Ericsson  Mobile ", "Xperia (Z3)", "AB/CD", 1, 20, "mtp://Sony_Ericsson_Mobile_Xperia__Z3__AB_CD/" },
    { "Apple Inc.", "iPhone", "00008030001A2B3C", 1, 21, "gphoto2://Apple_Inc._iPhone_00008030001A2B3C/" },
    /* A shared fake serial: only the whole ID_SERIAL says which. */
    { "Acme", "Phone", "0123456789ABCDEF", 1, 30, "mtp://Acme_Phone_0123456789ABCDEF/" },
    { "Other", "Tablet", "0123456789ABCDEF", 1, 31, "mtp://Other_Tablet_0123456789ABCDEF/" },
    { "Acme Corp", "Phone 2", "0123456789ABCDEF", 1, 32, NULL },
    /* No strings at all: udev falls back to the USB ids. */
    { "", "", "", 1, 40, "mtp://18d1_4ee1/" },
    /* Not mounted: a place or serial nobody has. */
    { "Google", "Pixel 8", "NOPE", 1, 6, NULL },
    { "Google", "Pixel 8", "2003WR", 4, 5, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LbDeviceInfo) info = phone (cases[i].manufacturer, cases[i].model, cases[i].serial,
                                            cases[i].bus, cases[i].address);
      g_test_message ("case %u: %s %s %s", i, cases[i].manufacturer, cases[i].model, cases[i].serial);
      g_assert_cmpstr (found_uri (mounts, info), ==, cases[i].expected);
    }
  g_list_free_full (mounts, g_object_unref);
  {
    g_autoptr(LbDeviceInfo) info = phone ("Google", "Pixel 7", "2A131FDH2003WR", 1, 9);
    g_assert_null (lb_gvfs_find_mount (NULL, info));
  }
}

/* ---- release ---------------------------------------------------------------- */

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Result;

static void
on_released (GObject *source, GAsyncResult *result, gpointer data)
{
  Result *r = data;

  g_assert_null (source);
  r->ok = lb_gvfs_release_finish (result, &r->error);
  r->done = TRUE;
}

static void
wait_for (Result *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static guint
total_unmounts (GList *mounts)
{
  guint n = 0;

  for (GList *l = mounts; l != NULL; l = l->next)
    n += FAKE_MOUNT (l->data)->unmounts;
  return n;
}

static void
test_release (void)
{
  GList *mounts = mounts_of (desktop);
  g_autoptr(LbDeviceInfo) info = phone ("Google", "Pixel 7", "2A131FDH2003WR", 1, 9);
  FakeMount *pixel = FAKE_MOUNT (lb_gvfs_find_mount (mounts, info));
  Result r = { FALSE, FALSE, NULL };

  lb_gvfs_release_from_async (mounts, info, NULL, on_released, &r);
  /* The mount is only unmounted, never eaten while the call runs. */
  g_list_free_full (g_steal_pointer (&mounts), g_object_unref);
  g_object_ref (pixel);
  wait_for (&r);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpuint (pixel->unmounts, ==, 1);
  g_object_unref (pixel);
}

static void
test_release_refused (void)
{
  GList *mounts = mounts_of (desktop);
  g_autoptr(LbDeviceInfo) info = phone ("Canon", "EOS", "", 2, 7);
  FakeMount *camera = FAKE_MOUNT (lb_gvfs_find_mount (mounts, info));
  Result r = { FALSE, FALSE, NULL };

  camera->fail_with = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY, "File system is busy");
  lb_gvfs_release_from_async (mounts, info, NULL, on_released, &r);
  wait_for (&r);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpstr (r.error->message, ==, "The file manager did not let go of the phone: File system is busy");
  g_assert_cmpuint (camera->unmounts, ==, 1);
  g_assert_cmpuint (total_unmounts (mounts), ==, 1);
  g_clear_error (&r.error);
  g_list_free_full (mounts, g_object_unref);
}

static void
assert_not_found (Result *r)
{
  g_assert_false (r->ok);
  g_assert_error (r->error, LB_ERROR, LB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (r->error->message, "not held by the desktop's file manager (GVfs)"));
  g_clear_error (&r->error);
}

static void
test_release_not_found (void)
{
  GList *mounts = mounts_of (desktop);
  g_autoptr(LbDeviceInfo) info = phone ("Google", "Pixel 8", "NOPE", 1, 6);
  Result r = { FALSE, FALSE, NULL };

  lb_gvfs_release_from_async (mounts, info, NULL, on_released, &r);
  wait_for (&r);
  assert_not_found (&r);
  g_assert_cmpuint (total_unmounts (mounts), ==, 0);
  g_list_free_full (mounts, g_object_unref);
}

/* The real volume monitor (here GIO's local one: no GVfs) holds no phone. */
static void
test_release_desktop (void)
{
  g_autoptr(LbDeviceInfo) info = phone ("Google", "Pixel 8", "NOPE", 1, 6);
  Result r = { FALSE, FALSE, NULL };

  lb_gvfs_release_async (info, NULL, on_released, &r);
  wait_for (&r);
  assert_not_found (&r);
}

int
main (int argc, char **argv)
{
  /* No session bus, no GVfs daemons: GIO's own local implementations. */
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  g_setenv ("GIO_USE_VOLUME_MONITOR", "unix", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gvfs/find", test_find);
  g_test_add_func ("/gvfs/release", test_release);
  g_test_add_func ("/gvfs/release/refused", test_release_refused);
  g_test_add_func ("/gvfs/release/not-found", test_release_not_found);
  g_test_add_func ("/gvfs/release/desktop", test_release_desktop);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* FakeMount: see fake-mount.h. */
#include "config.h"

#include "fake-mount.h"

static void fake_mount_iface_init (GMountIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeMount, fake_mount, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_MOUNT, fake_mount_iface_init))

static GFile *
fake_get_root (GMount *mount)
{
  return g_file_new_for_uri (FAKE_MOUNT (mount)->uri);
}

static char *
fake_get_name (GMount *mount)
{
  return g_strdup (FAKE_MOUNT (mount)->uri);
}

static GIcon *
fake_get_icon (GMount *mount)
{
  (void) mount;
  return g_themed_icon_new ("phone");
}

static char *
fake_get_uuid (GMount *mount)
{
  (void) mount;
  return NULL;
}

static GVolume *
fake_get_volume (GMount *mount)
{
  (void) mount;
  return NULL;
}

static GDrive *
fake_get_drive (GMount *mount)
{
  (void) mount;
  return NULL;
}

static gboolean
fake_can_unmount (GMount *mount)
{
  (void) mount;
  return TRUE;
}

static gboolean
fake_can_eject (GMount *mount)
{
  (void) mount;
  return FALSE;
}

static void
fake_unmount_with_operation (GMount *mount, GMountUnmountFlags flags, GMountOperation *op,
                             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  FakeMount *self = FAKE_MOUNT (mount);
  g_autoptr(GTask) task = g_task_new (mount, cancellable, callback, user_data);

  (void) flags;
  (void) op;
  self->unmounts++;
  /* Answered from the main loop, as GVfs's D-Bus reply would be. */
  if (self->fail_with != NULL)
    g_task_return_error (task, g_error_copy (self->fail_with));
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
fake_unmount_with_operation_finish (GMount *mount, GAsyncResult *result, GError **error)
{
  (void) mount;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
fake_mount_iface_init (GMountIface *iface)
{
  iface->get_root = fake_get_root;
  iface->get_name = fake_get_name;
  iface->get_icon = fake_get_icon;
  iface->get_uuid = fake_get_uuid;
  iface->get_volume = fake_get_volume;
  iface->get_drive = fake_get_drive;
  iface->can_unmount = fake_can_unmount;
  iface->can_eject = fake_can_eject;
  iface->unmount_with_operation = fake_unmount_with_operation;
  iface->unmount_with_operation_finish = fake_unmount_with_operation_finish;
}

static void
fake_mount_finalize (GObject *object)
{
  FakeMount *self = FAKE_MOUNT (object);

  g_free (self->uri);
  g_clear_error (&self->fail_with);
  G_OBJECT_CLASS (fake_mount_parent_class)->finalize (object);
}

static void
fake_mount_class_init (FakeMountClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_mount_finalize;
}

static void
fake_mount_init (FakeMount *self)
{
  (void) self;
}

FakeMount *
fake_mount_new (const char *uri)
{
  FakeMount *self = g_object_new (FAKE_TYPE_MOUNT, NULL);

  self->uri = g_strdup (uri);
  return self;
}

/* ---- a volume monitor with fake mounts -------------------------------------- */

#define FAKE_TYPE_VOLUMES (fake_volumes_get_type ())
G_DECLARE_FINAL_TYPE (FakeVolumes, fake_volumes, FAKE, VOLUMES, GVolumeMonitor)

struct _FakeVolumes
{
  GVolumeMonitor parent_instance;
};

G_DEFINE_FINAL_TYPE (FakeVolumes, fake_volumes, G_TYPE_VOLUME_MONITOR)

/* The one GIO made (it makes each monitor once), and what it shows. */
static FakeVolumes *the_volumes;
static GList *fake_mounts;

static gpointer
ref_mount (gconstpointer mount, gpointer data)
{
  (void) data;
  return g_object_ref ((gpointer) mount);
}

static GList *
fake_get_mounts (GVolumeMonitor *monitor)
{
  (void) monitor;
  return g_list_copy_deep (fake_mounts, ref_mount, NULL);
}

static GList *
fake_get_nothing (GVolumeMonitor *monitor)
{
  (void) monitor;
  return NULL;
}

static gboolean
fake_is_supported (void)
{
  return TRUE;
}

static void
fake_volumes_finalize (GObject *object)
{
  /* GIO drops its monitors with the last reference to the union. */
  if (the_volumes == (FakeVolumes *) object)
    the_volumes = NULL;
  G_OBJECT_CLASS (fake_volumes_parent_class)->finalize (object);
}

static void
fake_volumes_class_init (FakeVolumesClass *klass)
{
  GVolumeMonitorClass *monitor_class = G_VOLUME_MONITOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = fake_volumes_finalize;

  monitor_class->get_mounts = fake_get_mounts;
  monitor_class->get_volumes = fake_get_nothing;
  monitor_class->get_connected_drives = fake_get_nothing;
  monitor_class->is_supported = fake_is_supported;
}

static void
fake_volumes_init (FakeVolumes *self)
{
  the_volumes = self;
}

void
fake_volumes_install (void)
{
  /* GIO registers its extension points on first use. */
  g_vfs_get_default ();
  g_io_extension_point_implement (G_VOLUME_MONITOR_EXTENSION_POINT_NAME, FAKE_TYPE_VOLUMES, "lifeboat-test", 0);
}

void
fake_volumes_add (GMount *mount)
{
  fake_mounts = g_list_append (fake_mounts, g_object_ref (mount));
  if (the_volumes != NULL)
    g_signal_emit_by_name (the_volumes, "mount-added", mount);
}

void
fake_volumes_remove (GMount *mount)
{
  GList *l = g_list_find (fake_mounts, mount);

  g_assert_nonnull (l);
  fake_mounts = g_list_delete_link (fake_mounts, l);
  if (the_volumes != NULL)
    g_signal_emit_by_name (the_volumes, "mount-removed", mount);
  g_object_unref (mount);
}

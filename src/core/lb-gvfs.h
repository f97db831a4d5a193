/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Asking the desktop's GVfs to let go of a phone.
 *
 * A file manager that shows the phone has GVfs's MTP (or gphoto2) backend
 * hold its USB interface: Lifeboat then sees LB_DEVICE_BUSY.  Unmounting
 * that GVfs mount releases the phone.  GIO only. */
#pragma once

#include <gio/gio.h>

#include "lb-device.h"

G_BEGIN_DECLS

/* The mount among mounts (GMount*) that holds the phone described by info,
 * or NULL (transfer none).  GVfs names a phone's mount root
 *   mtp://ID_SERIAL/           udev's "Vendor_Model_Serial" (newer GVfs)
 *   mtp://[usb:BUS,DEVICE]/    older gvfs
 *   gphoto2://[usb:BUS,DEVICE]/ or gphoto2://ID_SERIAL/ (PTP)
 * A USB place is matched exactly; an ID_SERIAL by the whole of it (as
 * built from info's USB strings) before by its serial alone. */
GMount *lb_gvfs_find_mount (GList *mounts, const LbDeviceInfo *info);

/* Finds the phone's mount among g_volume_monitor_get()'s and unmounts it.
 * Call from the thread whose main context GIO's volume monitor uses. */
void lb_gvfs_release_async (const LbDeviceInfo *info,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
/* LB_ERROR_NOT_FOUND when no GVfs mount holds the phone; otherwise the
 * unmount's own error (G_IO_ERROR_BUSY: files still open). */
gboolean lb_gvfs_release_finish (GAsyncResult *result, GError **error);

/* The same among the given mounts (tests). */
void lb_gvfs_release_from_async (GList *mounts,
                                 const LbDeviceInfo *info,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);

G_END_DECLS

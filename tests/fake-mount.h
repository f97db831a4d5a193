/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fake GMount for tests: its root is the URI it is made with, and it
 * records what is asked of it (tests/test-gvfs.c, tests/test-monitor.c). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FAKE_TYPE_MOUNT (fake_mount_get_type ())
G_DECLARE_FINAL_TYPE (FakeMount, fake_mount, FAKE, MOUNT, GObject)

struct _FakeMount
{
  GObject parent_instance;
  char *uri;
  guint unmounts;           /* unmount_with_operation calls */
  GError *fail_with;        /* the unmount's answer; NULL: success */
};

FakeMount *fake_mount_new (const char *uri);

/* A volume monitor showing the mounts a test gives it, among GIO's own
 * (g_volume_monitor_get's union): install it before anything in the
 * process asks GIO for a volume monitor. */
void fake_volumes_install (void);
/* Shown from now on; "mount-added" is emitted. */
void fake_volumes_add (GMount *mount);
/* Gone; "mount-removed" is emitted, as GVfs does when a phone is
 * unmounted. */
void fake_volumes_remove (GMount *mount);

G_END_DECLS

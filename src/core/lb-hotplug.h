/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USB hot-plug events for LbMonitor, without libusb's types (its
 * implementation, lb-device-hotplug.c, is part of the device layer). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LbHotplug LbHotplug;

/* Listens for devices arriving and leaving on its own libusb context
 * (libmtp keeps its own); event() runs inside lb_hotplug_wait(). */
LbHotplug *lb_hotplug_new (void (*event) (gpointer user_data), gpointer user_data);
/* Whether bus events are seen at all (libusb without hot-plug support
 * cannot: then only timeouts and wakes end a wait). */
gboolean lb_hotplug_has_events (LbHotplug *self);
/* Sleeps until a bus event was handled, lb_hotplug_wake() was called (even
 * before this call), or timeout_us passed (-1: no time-out).  One thread
 * only. */
void lb_hotplug_wait (LbHotplug *self, gint64 timeout_us);
/* From any thread. */
void lb_hotplug_wake (LbHotplug *self);
void lb_hotplug_free (LbHotplug *self);

G_END_DECLS

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

/* Listening to a locked phone (lb-device-unlock.c).
 *
 * A locked Android phone has no storage; unlocked, it adds them, each with
 * a StoreAdded event on its interrupt endpoint, but only to a host with a
 * session open (AOSP: MtpServer::addStorage() calls sendStoreAdded(), and
 * MtpServer::sendEvent() sends nothing unless mSessionOpen).  libmtp reads
 * events only on a libusb context of its own, where no other thread can end
 * a wait, so a listener opens a session of its own on the hot-plug context
 * instead: lb_hotplug_wait() then also returns when the phone says
 * anything.  While it listens the phone's interface is claimed: nobody
 * else, libmtp in this process included, can open it. */
typedef struct _LbUnlockListener LbUnlockListener;

/* Opens a session with the phone at bus/address and listens; NULL when it
 * cannot (not there, claimed by another program, no answer: the debug log
 * says which). */
LbUnlockListener *lb_unlock_listener_new (LbHotplug *hotplug, guint8 bus, guint8 address);
/* StoreAdded events heard since the last call, or -1 once the listening
 * has ended (unplugged, the phone failed it).  The hot-plug thread only. */
int lb_unlock_listener_take (LbUnlockListener *self);
/* Stops listening, closes the session and lets go of the phone (the
 * hot-plug thread, between waits). */
void lb_unlock_listener_free (LbUnlockListener *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbUnlockListener, lb_unlock_listener_free)

G_END_DECLS

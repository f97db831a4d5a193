/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbMonitor: the phones on the USB bus, kept up to date for a GUI.
 *
 * A thread of its own sleeps until libusb reports a device arriving or
 * leaving, waits for the bus to settle (a phone switching USB mode
 * re-enumerates several times), then probes the bus with
 * lb_device_enumerate_guarded() and hands the result to the main context
 * the monitor was created on, where the signals are emitted.  No phone
 * I/O happens on that context's thread. */
#pragma once

#include <glib-object.h>

#include "lb-device.h"

G_BEGIN_DECLS

#define LB_TYPE_MONITOR (lb_monitor_get_type ())
G_DECLARE_FINAL_TYPE (LbMonitor, lb_monitor, LB, MONITOR, GObject)

/* Starts watching the USB bus.  Signals are emitted on the GMainContext
 * that was the thread-default when it was created; phones already plugged
 * in arrive as "device-added" shortly after. */
LbMonitor *lb_monitor_new (void);

/* The phones known now, as LbDeviceInfo* (transfer none; valid until the
 * next signal).  Call it from the monitor's main context only. */
GPtrArray *lb_monitor_get_devices (LbMonitor *self);

/* A phone the application is using (a backup or restore job has it open):
 * while held, the monitor never opens nor claims it, keeps reporting its
 * last info, and still notices its removal (also when it comes back
 * replugged: the USB descriptor's serial is read without opening it).
 * Holds nest.  Never blocks: the GUI calls it on its main thread. */
void lb_monitor_hold (LbMonitor *self, const char *key);
/* Called by the job's worker thread, after lb_monitor_hold and before it
 * opens the phone: if the monitor is opening that phone at this moment,
 * waits until it has closed it again (a fraction of a second). */
void lb_monitor_wait_unused (LbMonitor *self, const char *key);
/* Does not re-probe: the job may still be closing the phone.  Call
 * lb_monitor_refresh() once it has. */
void lb_monitor_unhold (LbMonitor *self, const char *key);

/* Re-probe now (the user pressed "Try again" after unlocking, or after a
 * Release). */
void lb_monitor_refresh (LbMonitor *self);

/* Signals:
 *   "device-added"   (LbDeviceInfo *info)
 *   "device-changed" (LbDeviceInfo *info): state, storages or place on the
 *                    bus changed (locked -> ready, replugged)
 *   "device-removed" (const char *key): its lb_device_info_key
 * Phones go by device key (lb-device.h: serial, vendor and model, so that
 * phones sharing a fake serial are two), then by place on the bus when two
 * share a key; holds take a device key or a serial. */

G_END_DECLS

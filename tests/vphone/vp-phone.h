/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One virtual phone: its options, its USB presence in the umockdev testbed
 * (sysfs entries, device node, usbfs ioctls) and its MTP responder. */
#pragma once

#include <glib.h>
#include <umockdev.h>
#include "vp-mtp.h"

typedef struct _VpRig VpRig;
typedef struct _VpPhone VpPhone;

typedef enum {
  VP_PROFILE_ANDROID,
  VP_PROFILE_ANDROID_LOCKED,
  VP_PROFILE_CHARGE_ONLY,
  VP_PROFILE_PLAYER,
  VP_PROFILE_HOSTILE,
  VP_PROFILE_PLAYER_PROPLIST,
} VpProfile;

struct _VpRig {
  GMutex lock;             /* guards every phone; ioctls arrive on umockdev's thread */
  UMockdevTestbed *testbed;
  GMainContext *context;   /* the host's main loop: timers and control socket */
  GPtrArray *phones;       /* VpPhone* */
  gboolean usb2;           /* cap throughput and add latency like a USB 2.0 phone */
  guint next_devnum;
  gboolean busy_claim_seen;
};

VpRig *vp_rig_new (gboolean usb2);
void vp_rig_free (VpRig *rig);
/* Waits until every client has closed its device, up to timeout_ms. */
gboolean vp_rig_wait_clients (VpRig *rig, guint timeout_ms);

/* Parses "DIR[,key=value...]" and creates the phone (unplugged). */
VpPhone *vp_phone_new (VpRig *rig, const char *spec, guint port, GError **error);
void vp_phone_free (VpPhone *phone);

const char *vp_phone_serial (VpPhone *phone);
/* What vphone-ctl calls it: its name= option, else its serial. */
const char *vp_phone_name (VpPhone *phone);
gboolean vp_phone_wants_plugged (VpPhone *phone);
VpPhone *vp_rig_find (VpRig *rig, const char *name);

/* These take the rig lock themselves; call them from the main thread. */
gboolean vp_phone_plug (VpPhone *phone, GError **error);
gboolean vp_phone_unplug (VpPhone *phone, GError **error);
gboolean vp_phone_set_locked (VpPhone *phone, gboolean locked, GError **error);
gboolean vp_phone_set_fault (VpPhone *phone, const char *kind, const char *arg, GError **error);

/* Statistics as JSON; the caller holds no lock. */
void vp_phone_stats_json (VpPhone *phone, GString *out);
void vp_rig_stats_json (VpRig *rig, GString *out);

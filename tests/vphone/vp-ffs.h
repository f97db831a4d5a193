/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An emulated FunctionFS instance: lets an unmodified device-side MTP
 * responder (uMTP-Responder's umtprd, ...) be the phone behind the virtual
 * cable.  The responder opens ep0..ep3 under a /dev folder of the umockdev
 * testbed; its read()/write()/ioctl() calls on them reach this file through
 * UMockdevIoctlBase "handle-read"/"handle-write"/"handle-ioctl", and the
 * phone (vp-phone.c) turns the host's usbfs URBs into endpoint data here.
 *
 * Every function below is called with the rig lock held; the hooks are
 * called with it held too. */
#pragma once

#include <glib.h>
#include <umockdev.h>

typedef struct _VpFfs VpFfs;

typedef struct {
  /* Data on the bulk-IN or interrupt endpoint may let a URB complete. */
  void (*kick) (gpointer data);
  /* A class request given to the function is answered (status 0 or
   * -EPIPE for a stall; actual bytes of the data stage). */
  void (*control_done) (gpointer data, gpointer token, int status, gsize actual);
  /* The responder closed ep0 (exited, or starts over): the gadget leaves
   * the bus, as configfs unbinds it from the UDC (f_fs.c ffs_closed()). */
  void (*closed) (gpointer data);
  /* A reopened ep0 got descriptors and strings again: the gadget may be
   * bound again. */
  void (*ready) (gpointer data);
  /* A bulk-OUT URB given to vp_ffs_out() ends: read by the function
   * (status 0) or dropped (-ESHUTDOWN), `actual` bytes taken. */
  void (*out_done) (gpointer data, gpointer token, int status, gsize actual);
} VpFfsHooks;

/* argv: the responder's command line.  dir: "/dev/ffs-mtp" or the like. */
VpFfs *vp_ffs_new (GMutex *lock, const char *dir, char **argv, const VpFfsHooks *hooks, gpointer data);
/* Creates the endpoint files in the testbed, starts the responder and waits
 * (lock NOT held) until it has written its descriptors and strings. */
gboolean vp_ffs_start (VpFfs *f, UMockdevTestbed *tb, GError **error);
/* Stops the responder (SIGTERM, pending I/O failed, then SIGKILL); lock NOT held. */
void vp_ffs_free (VpFfs *f);

/* The function's high-speed interface and endpoint descriptors, endpoint
 * addresses assigned as 0x81 (bulk IN), 0x02 (bulk OUT), 0x83 (interrupt),
 * its string ids moved to first_string and up. */
void vp_ffs_append_descriptors (VpFfs *f, GByteArray *out, guint first_string);
gboolean vp_ffs_ready (VpFfs *f);
/* The function's string number `id` (1-based), or NULL. */
const char *vp_ffs_string (VpFfs *f, guint id);

/* The host configured the device (FUNCTIONFS_ENABLE) or it went away
 * (FUNCTIONFS_DISABLE; endpoint I/O in flight fails with ESHUTDOWN). */
void vp_ffs_enable (VpFfs *f);
void vp_ffs_disable (VpFfs *f);

/* Host to function: a bulk-OUT URB's bytes; transfer_end when it ended
 * with a short or zero-length packet.  The URB (token) ends through
 * hooks->out_done once the function has read it all, so the host waits
 * for the device as on a real bus.  FALSE: the function is disabled. */
gboolean vp_ffs_out (VpFfs *f, const guint8 *data, gsize len, gboolean transfer_end, gpointer token);
/* Drops the queued bulk-OUT URBs match() picks (discarded, or their
 * client went away); match() completes or frees each token it picks. */
void vp_ffs_forget_out (VpFfs *f, gboolean (*match) (gpointer token, gpointer user), gpointer user);
/* Function to host: fills a bulk-IN URB of `max` bytes, of which *filled are
 * already there.  Returns the URB's final length once it is full or a short
 * packet ended the transfer; -1 while it must wait (bytes taken so far stay
 * in *filled and the responder's write completes as on a real UDC). */
gssize vp_ffs_in (VpFfs *f, guint8 *buf, gsize max, gsize *filled);
/* The next interrupt transfer, or NULL. */
GBytes *vp_ffs_next_event (VpFfs *f);
/* A class request for the function: queued as FUNCTIONFS_SETUP; the
 * responder's answer on ep0 ends it through hooks->control_done(token).
 * reply: where an IN data stage goes (reply_max bytes); data: an OUT
 * request's data stage. */
void vp_ffs_setup (VpFfs *f, const guint8 setup[8], const guint8 *data, gsize data_len,
                   guint8 *reply, gsize reply_max, gpointer token);

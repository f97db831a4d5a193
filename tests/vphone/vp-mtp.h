/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MTP responder: consumes the host's bulk-OUT bytes, produces bulk-IN
 * transfers and interrupt events, behaving like Android's MtpServer. */
#pragma once

#include <glib.h>
#include "vp-store.h"

typedef struct _VpMtp VpMtp;

typedef struct {
  char *manufacturer;
  char *model;
  char *serial;
  char *version;
  char *friendly_name;
  gboolean android;        /* android.com extension and Android's operations */
  gboolean player;         /* references, settable dates, abstract lists */
  gboolean parent0_primary; /* Android 8 and older: parent 0 is the primary storage's top */
  gboolean send_proplist;  /* SendObjectPropList, as Zune-era players have */
  guint8 battery;
} VpMtpIdentity;

typedef struct {
  GHashTable *operations;  /* operation name -> count (GUINT_TO_POINTER) */
  guint64 bytes_to_host;   /* data-phase payload bytes */
  guint64 bytes_from_host;
  guint64 transactions;
} VpStats;

/* Faults an MTP responder can be told to show. */
typedef struct {
  gboolean device_busy;          /* answer DeviceBusy */
  guint flaky;                   /* every Nth transaction fails; 0: off */
  char *flaky_op;                /* only this operation (by name) counts for flaky */
  guint flaky_seen;              /* how many of that operation came so far */
  gint64 store_full_after;       /* the storage fills after this many SendObject bytes; <0: off */
  guint stall_seconds;           /* the next response comes this late */
  char *vanish;                  /* path below DIR that vanishes when read */
  gint64 disconnect_after;       /* vanish after this many bytes to the host; <0: off */
  gboolean keep_partial;         /* an unplug leaves a half-received object behind */
  guint proplist_drops;          /* GetObjectPropList for all objects leaves out every Nth; 0: off */
} VpFaults;

VpMtp *vp_mtp_new (VpStore *store, const VpMtpIdentity *id, VpStats *stats, VpFaults *faults);
void vp_mtp_free (VpMtp *m);

/* A bulk-OUT URB's bytes. `transfer_end` is TRUE when the URB ended the USB
 * transfer (a short or zero-length packet). */
void vp_mtp_out (VpMtp *m, const guint8 *data, gsize len, gboolean transfer_end);

/* Fills up to `max` bytes of the next bulk-IN data.  Returns -1 when nothing
 * is ready (yet); otherwise the byte count, which may be 0 for a zero-length
 * packet. `*not_before` (monotonic µs) tells the caller when the data may be
 * delivered (latency and stall faults). */
gssize vp_mtp_in (VpMtp *m, guint8 *buf, gsize max, gint64 *not_before);
gboolean vp_mtp_in_ready (VpMtp *m);
/* TRUE once the disconnect-after-bytes fault has fired. */
gboolean vp_mtp_wants_disconnect (VpMtp *m);

/* Interrupt endpoint: the next event container, or NULL. */
GBytes *vp_mtp_next_event (VpMtp *m);
void vp_mtp_queue_event (VpMtp *m, guint16 code, guint32 param);

/* Still-image class requests on the control pipe. */
void vp_mtp_cancel (VpMtp *m);
void vp_mtp_reset (VpMtp *m);
guint16 vp_mtp_status (VpMtp *m);
/* The device vanished: drop what is in flight, like a phone losing USB. */
void vp_mtp_abort (VpMtp *m);

/* Per-transaction latency (µs) added to every response. */
void vp_mtp_set_latency (VpMtp *m, gint64 usec);

const char *vp_mtp_operation_name (guint16 code);
gboolean vp_mtp_operation_name_known (const char *name);

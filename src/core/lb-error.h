/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lifeboat's error domain: codes a front end can act on. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LB_ERROR (lb_error_quark ())
GQuark lb_error_quark (void);

typedef enum {
  LB_ERROR_FAILED,            /* anything without a better code */
  LB_ERROR_NO_DEVICE,         /* no phone connected (or none with that serial) */
  LB_ERROR_AMBIGUOUS_DEVICE,  /* several phones connected and none chosen */
  LB_ERROR_DEVICE_BUSY,       /* another program holds the phone (GVfs, KDE) */
  LB_ERROR_DEVICE_LOCKED,     /* the phone shows no storage until unlocked */
  LB_ERROR_CHARGING_ONLY,     /* on the bus, but not in File transfer mode */
  LB_ERROR_DEVICE_GONE,       /* unplugged or vanished mid-way */
  LB_ERROR_TIMED_OUT,         /* the phone stopped answering */
  LB_ERROR_STORAGE_FULL,      /* the phone (or the library's disk) is full */
  LB_ERROR_LIBRARY_LOCKED,    /* another Lifeboat is writing to the library */
  LB_ERROR_LIBRARY_MISSING,   /* a configured library is not there (disk not mounted) */
  LB_ERROR_LIBRARY_DAMAGED,   /* catalog or blob store fails its checks */
  LB_ERROR_NOT_FOUND,         /* no such snapshot, path or object */
  LB_ERROR_BAD_INPUT,         /* hostile or malformed data from a device or a file */
  LB_ERROR_NOT_SUPPORTED,     /* the phone does not do this (e.g. Android and DateModified) */
  LB_ERROR_REFUSED,           /* the phone refused an object (its name, its size) */
  LB_ERROR_UP_TO_DATE,        /* an automatic backup found a fresh enough snapshot: nothing done */
  LB_ERROR_LIBRARY_UNSAFE,    /* the library's folder belongs to another user */
} LbError;

G_END_DECLS

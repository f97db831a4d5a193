/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the device tests share (test-device-util.c). */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "lb-device.h"
#include "lb-error.h"

/* The phones of the rig, by serial. */
#define READY    "LB-READY"     /* small phone plus big.bin */
#define LOCKED   "LB-LOCKED"    /* android-locked */
#define CHARGE   "LB-CHARGE"    /* charge-only: 18d1:4ee7, no MTP */
#define BUSY     "LB-BUSY"      /* its interface is claimed by "another program" */
#define TYPICAL  "LB-TYPICAL"   /* the typical preset */
#define HOSTILE  "LB-HOSTILE"   /* the hostile preset */
#define PLAYER   "LB-PLAYER"    /* the typical phone's music, as a player */
#define CUT      "LB-CUT"       /* for unplugs; a copy of READY */

#define N_PHONES 8
extern const char *const all_serials[];  /* N_PHONES, then NULL */
extern char *phones_dir;                 /* the fixture folders, one per preset */
extern char *builddir;

#define INTERNAL "Internal shared storage"
#define BIG_SIZE (5 * 1024 * 1024)
/* libmtp 1.1.20 hands an MTPDataPutFunc 16 KiB at a time (measured). */
#define LIBMTP_BLOCK 16384

char *tree_dir (const char *variable);
/* Runs a command with its output hidden. */
gboolean run_quietly (const char *const *argv, GError **error);
/* Builds the phones and runs this program again under vphone-run. */
int run_under_rig (int argc, char **argv);
/* The same with these presets built in phones_dir, and these phones
 * ("FOLDER,OPTIONS", the folder relative to phones_dir). */
int run_under_rig_with (int argc, char **argv, const char *const *presets, const char *const *phones);
char *ctl (const char *first, ...) G_GNUC_NULL_TERMINATED;
/* The same for COMMAND SERIAL, straight to the control socket: no process
 * is started, so a test can pace bus events itself. */
void ctl_quick (const char *command, const char *serial);
void plug_only (const char *const *serials);
guint64 transactions (const char *serial);
/* The number after "name": in the rig's stats (JSON text), 0 without it. */
guint64 stats_count (const char *stats, const char *name);
/* How many times the phone was asked operation (MTP name) so far. */
guint64 operation_count (const char *serial, const char *operation);
char *phone_path (const char *folder, const char *relative);
LbDevice *open_phone (const char *serial);

typedef struct {
  guint32 handle;
  guint32 parent;
  char *path;               /* storage description / names... */
  char *name;
  gboolean is_folder;
  guint64 size;
  gint64 mtime;
  guint32 filetype;
} Seen;

typedef struct {
  GHashTable *by_handle;    /* handle → Seen* */
  GPtrArray *objects;       /* Seen*, in the walk's order */
  GPtrArray *skips;         /* "name\treason" */
  GHashTable *skipped;      /* handles */
  const char *storage_name;
  guint stop_after;         /* 0: never stop */
} WalkLog;

void walk_log_init (WalkLog *log);
void walk_log_clear (WalkLog *log);
gboolean on_object (const LbObject *object, gpointer user_data);
void on_skip (guint32 handle, const char *name, const char *reason, gpointer user_data);
void walk_all (LbDevice *device, WalkLog *log);
const Seen *find_by_path (WalkLog *log, const char *path);
guint count_named (WalkLog *log, const char *name, gboolean folder);
GPtrArray *disk_listing (const char *phone);
GPtrArray *walk_listing (WalkLog *log);

typedef struct {
  GChecksum *sum;
  gsize bytes;
  gsize max_block;
  guint blocks;
  gsize stop_at;            /* func returns FALSE past this; 0: never */
  gsize cancel_at;          /* cancel past this; 0: never */
  GCancellable *cancellable;
  const char *unplug_at_serial;
  gsize unplug_at;
} ReadLog;

gboolean on_data (const guint8 *data, gsize len, gpointer user_data);
char *file_sha256 (const char *path);
guint32 handle_of (WalkLog *log, const char *path);

void add_io_tests (void);

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli: shared state and helpers of the subcommands. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "lb-library.h"

typedef struct {
  char *library;            /* --library DIR */
  char *device;             /* --device SERIAL */
  gboolean json;            /* --json */
  gboolean quiet;           /* --quiet */
  gboolean show_progress;   /* stderr is a terminal, and not --quiet */
  GCancellable *cancellable; /* set by Ctrl-C */
} LbCli;

/* Exit statuses (HACKING, "Adding a lifeboat-cli command"). */
enum { LB_EXIT_OK = 0, LB_EXIT_FAILED = 1, LB_EXIT_USAGE = 2 };

/* Parses argv with the common options plus extra; on a usage error prints
 * it with a hint and returns FALSE. */
gboolean lb_cli_parse (LbCli *cli, const char *command, const char *params, const char *summary,
                       GOptionEntry *extra, int *argc, char ***argv);

/* Where the library is: --library, $LIFEBOAT_LIBRARY, the window's saved
 * choice, else the default location (which alone may be created). */
char *lb_cli_library_path (LbCli *cli, gboolean *may_create);
LbLibrary *lb_cli_open_library (LbCli *cli, LbLibraryMode mode, GError **error);

/* "12" or "latest" (of --device when given). */
gboolean lb_cli_parse_snapshot (LbCli *cli, LbLibrary *library, const char *arg, gint64 *id, GError **error);

/* Prints "lifeboat-cli: MESSAGE" and returns LB_EXIT_FAILED. */
int lb_cli_fail (GError *error);
/* Prints a usage problem and returns LB_EXIT_USAGE. */
int lb_cli_usage (const char *command, const char *message);

/* A worker thread's progress, drawn on stderr by this thread's main loop
 * every 200 ms when stderr is a terminal (and not --quiet); nothing is
 * drawn otherwise.  Reports may be posted from any thread; free stops
 * drawing and clears the line.  A NULL LbCliProgress is ignored. */
typedef struct _LbCliProgress LbCliProgress;
/* The line for a report (main thread). */
typedef char *(*LbCliProgressLine) (gconstpointer report, gpointer user_data);
/* Reports of the command's own kind, each turned into a line by line. */
LbCliProgress *lb_cli_progress_new_custom (LbCli *cli, LbCliProgressLine line, gpointer user_data,
                                           GDestroyNotify free_report);
/* Takes ownership of report (freed at once with new_custom's free_report
 * when nothing draws).  Not for a NULL p. */
void lb_cli_progress_post (LbCliProgress *p, gpointer report);
/* Or plain figures: "phase: 3/10 files, 1 MB of 2 MB, 0:05 left". */
LbCliProgress *lb_cli_progress_new (LbCli *cli);
/* fraction 0..1, or -1 when unknown; totals 0 when unknown; eta_seconds
 * -1 when unknown. */
void lb_cli_progress_update (LbCliProgress *p, const char *phase, double fraction, guint64 bytes_done,
                             guint64 bytes_total, guint64 files_done, guint64 files_total, gint64 eta_seconds);
void lb_cli_progress_free (LbCliProgress *p);

/* Runs work (data, cancellable) in a worker thread while this thread's main
 * loop goes on (the progress line, Ctrl-C), and returns once it has
 * finished; cancellable is cli's, cancelled by Ctrl-C. */
typedef void (*LbCliWork) (gpointer data, GCancellable *cancellable);
void lb_cli_run_in_thread (LbCli *cli, LbCliWork work, gpointer data);

/* Output helpers */
void lb_cli_print_json (JsonNode *node);
/* One member of the JSON object being built, name and value in one call. */
void lb_cli_json_int (JsonBuilder *b, const char *name, gint64 value);
void lb_cli_json_bool (JsonBuilder *b, const char *name, gboolean value);
void lb_cli_json_string (JsonBuilder *b, const char *name, const char *value);
void lb_cli_json_string_or_null (JsonBuilder *b, const char *name, const char *value);
/* "path", "size", "mtime" and "sha256" (null: no copy) of a file, as the
 * commands that list files of the history (find, deleted) give them. */
void lb_cli_json_file (JsonBuilder *b, const char *path, guint64 size, gint64 mtime, const char *sha256);
void lb_cli_json_double (JsonBuilder *b, const char *name, double value);
/* An array of the strings (NULL: an empty array). */
void lb_cli_json_strings (JsonBuilder *b, const char *name, GPtrArray *strings);
/* An array of the gint64s, snapshot ids (NULL: an empty array). */
void lb_cli_json_ids (JsonBuilder *b, const char *name, GArray *ids);
JsonNode *lb_cli_snapshot_json (const LbSnapshot *snapshot);
char *lb_cli_iso8601 (gint64 unix_seconds);     /* "2026-11-26T05:12:00Z", "" for 0 */
char *lb_cli_local_time (gint64 unix_seconds);  /* "2026-11-26 06:12", for people */
char *lb_cli_printable (const char *name);      /* control characters as \xNN */
/* verify's report of LbProblem*s (lb-verify.h), or all_well when there are
 * none; returns the exit status. */
int lb_cli_print_problems (LbCli *cli, GPtrArray *problems, const char *all_well);

int lb_cli_init (LbCli *cli, int argc, char **argv);
int lb_cli_devices (LbCli *cli, int argc, char **argv);
int lb_cli_backup (LbCli *cli, int argc, char **argv);
int lb_cli_snapshots (LbCli *cli, int argc, char **argv);
int lb_cli_ls (LbCli *cli, int argc, char **argv);
int lb_cli_diff (LbCli *cli, int argc, char **argv);
int lb_cli_deleted (LbCli *cli, int argc, char **argv);
int lb_cli_find (LbCli *cli, int argc, char **argv);
int lb_cli_extract (LbCli *cli, int argc, char **argv);
int lb_cli_verify (LbCli *cli, int argc, char **argv);
int lb_cli_restore (LbCli *cli, int argc, char **argv);
int lb_cli_move_library (LbCli *cli, int argc, char **argv);
int lb_cli_prune (LbCli *cli, int argc, char **argv);
int lb_cli_auto (LbCli *cli, int argc, char **argv);
int lb_cli_watch (LbCli *cli, int argc, char **argv);
int lb_cli_offsite (LbCli *cli, int argc, char **argv);

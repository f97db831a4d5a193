/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Running restic (https://restic.net) as a child process: the off-site
 * copy's transport.  Lifeboat never writes a repository itself.
 *
 * restic gets the repository and password the way a person would give them
 * to it: the caller's LbResticRepo adds -r/--password-file/
 * --password-command, and every RESTIC_* variable of our environment
 * passes through unchanged.  Its stdin is /dev/null, so it never waits for
 * a password typed at a terminal it cannot show a prompt on.
 *
 * restic's --json lines are parsed here; everything else it prints is kept
 * and, when it fails, turned into one clear GError (lb_restic_run is the one
 * place that translates restic's errors).
 *
 * Not tied to a thread, but blocking: run it on a worker thread. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where the repository is and how restic gets its password.  Every member
 * may be NULL: restic then uses RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE,
 * RESTIC_PASSWORD_COMMAND or RESTIC_PASSWORD from the environment.
 * Borrowed by the functions below. */
typedef struct {
  const char *repo;              /* restic's syntax: /mnt/disk/repo, sftp:host:/p, rest:..., s3:..., rclone:... */
  const char *password_file;
  const char *password_command;
  /* The password itself (the window's, from the desktop keyring): given to
   * restic as RESTIC_PASSWORD in its own environment, never on its command
   * line, where every user of the computer could read it; the other
   * password variables are then taken out of its environment. */
  const char *password;
} LbResticRepo;

/* Called on the calling thread for each JSON object restic prints on a line
 * of its own (its --json progress and summary messages). */
typedef void (*LbResticJsonFunc) (JsonObject *message, gpointer user_data);

/* Runs `restic [repo options] args...` in cwd (NULL: ours) and waits.
 * Cancelling sends restic SIGINT, which makes it remove its repository lock
 * and stop; one that has not stopped after 15 seconds is killed.  Should
 * this process die, restic gets SIGINT too.
 *
 * Errors (messages translated): LB_ERROR_NOT_SUPPORTED (restic is not
 * installed), LB_ERROR_REFUSED (wrong password, or no password given),
 * LB_ERROR_NOT_FOUND (no repository there), LB_ERROR_LIBRARY_LOCKED (the
 * repository is locked by another restic), LB_ERROR_STORAGE_FULL (the
 * repository's disk is full), LB_ERROR_TIMED_OUT (the repository cannot be
 * reached, or has not answered restic's retries for 30 seconds:
 * restic is then stopped), LB_ERROR_LIBRARY_DAMAGED (restic check finds the repository
 * damaged), LB_ERROR_FAILED (anything else, with restic's own words),
 * G_IO_ERROR_CANCELLED. */
gboolean lb_restic_run (const LbResticRepo *repo,
                        const char *const *args,
                        const char *cwd,
                        LbResticJsonFunc on_json,
                        gpointer user_data,
                        GCancellable *cancellable,
                        GError **error);

/* The same, collecting whatever restic printed on stdout (for commands whose
 * --json output is one document, like `snapshots --json`) into *output. */
gboolean lb_restic_run_capture (const LbResticRepo *repo,
                                const char *const *args,
                                char **output,
                                GCancellable *cancellable,
                                GError **error);

/* Reading restic's JSON, which is input like any other (a repository's
 * tags, host names and paths are anyone's, and restic's format changes): a
 * member missing or of another type reads as fallback, or NULL.  o may be
 * NULL. */
const char *lb_restic_json_string (JsonObject *o, const char *name, const char *fallback);
JsonObject *lb_restic_json_object (JsonObject *o, const char *name);
JsonArray *lb_restic_json_array (JsonObject *o, const char *name);
/* Element i of a, when it is a string; else NULL. */
const char *lb_restic_json_element_string (JsonArray *a, guint i);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* restic as a child process: arguments, its output, stopping it, and the one
 * place where its errors become Lifeboat's. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-restic-private.h"
#include "lb-error.h"

#include <signal.h>
#include <inttypes.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/prctl.h>

/* How much of restic's own text is kept to explain a failure. */
#define TAIL_LINES 40
/* How long a restic asked to stop may take to remove its lock. */
#define STOP_GRACE_SECONDS 15
/* How long restic may go on retrying a repository that does not answer:
 * 0.14 retries each request for many minutes, with the library's reader
 * lock held all along. */
#define RETRY_SECONDS 30
#define UNREACHABLE_GRACE_SECONDS 3

typedef struct {
  GSubprocess *child;
  int grace_seconds;
  gint done;                /* atomic: restic has exited */
} Watchdog;

static void
child_setup (gpointer data)
{
  (void) data;
  /* If we die (killed, or a second Ctrl-C), restic must not go on reading
   * the library after our reader lock is gone: SIGINT makes it drop its
   * repository lock and stop. */
  prctl (PR_SET_PDEATHSIG, SIGINT);
}

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;

  for (int i = 0; i < w->grace_seconds * 10 && !g_atomic_int_get (&w->done); i++)
    g_usleep (G_USEC_PER_SEC / 10);
  if (!g_atomic_int_get (&w->done))
    g_subprocess_force_exit (w->child);
  return NULL;
}

const char *
lb_restic_json_string (JsonObject *o, const char *name, const char *fallback)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n) : fallback;
}

JsonObject *
lb_restic_json_object (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
lb_restic_json_array (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

const char *
lb_restic_json_element_string (JsonArray *a, guint i)
{
  JsonNode *n = a != NULL && i < json_array_get_length (a) ? json_array_get_element (a, i) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n) : NULL;
}

static void
keep_line (GQueue *tail, const char *line)
{
  g_queue_push_tail (tail, g_strdup (line));
  while (tail->length > TAIL_LINES)
    g_free (g_queue_pop_head (tail));
}

/* restic's per-file errors come as JSON: kept as text with the rest. */
static void
keep_json_error (GQueue *tail, JsonObject *o)
{
  const char *item = lb_restic_json_string (o, "item", "?");
  const char *what = lb_restic_json_string (lb_restic_json_object (o, "error"), "message", _("could not be read"));
  g_autofree char *text = g_strdup_printf ("%s: %s", item, what);

  keep_line (tail, text);
}

static gboolean
contains (const char *text, const char *const *needles)
{
  for (; *needles; needles++)
    if (strstr (text, *needles) != NULL)
      return TRUE;
  return FALSE;
}

/* restic's last "Fatal:" or "panic:" line, else its last line, for the
 * message. */
static char *
restic_words (GQueue *tail)
{
  for (GList *l = tail->tail; l; l = l->prev)
    if (g_str_has_prefix (l->data, "Fatal: ") || g_str_has_prefix (l->data, "panic: "))
      return g_strdup ((const char *) l->data + 7);
  return g_strdup (tail->tail ? (const char *) tail->tail->data : "");
}

static const char *
repo_where (const LbResticRepo *repo)
{
  const char *env = g_getenv ("RESTIC_REPOSITORY");
  return repo->repo ? repo->repo : env ? env : "";
}

/* The last retry's reason: "dial tcp 127.0.0.1:8000: connect: connection refused". */
static char *
restic_retry_reason (GQueue *tail)
{
  for (GList *l = tail->tail; l; l = l->prev)
    if (strstr (l->data, "returned error, retrying after") != NULL)
      {
        const char *colon = strrchr (l->data, ':');
        const char *dial = strstr (l->data, "dial ");
        return g_strdup (dial ? dial : colon ? colon + 2 : (const char *) l->data);
      }
  return g_strdup ("");
}

/* "locked exclusively by PID 4242 on laptop by ann (UID 1000, GID 1000)" */
static char *
lock_holder (GQueue *tail)
{
  for (GList *l = tail->head; l; l = l->next)
    {
      const char *at = strstr (l->data, "already locked");
      if (at != NULL)
        return g_strdup (at + strlen ("already "));
    }
  return g_strdup ("");
}

/* restic 0.14 sometimes dies of a nil-pointer panic when the repository's
 * disk fills, without saying ENOSPC, and by then it has removed the pack it
 * could not finish: the disk is no longer full when we look.  What still
 * tells is the room left against what restic had still to send (its last
 * status line): a disk with less free than that, or under 1 MiB, is full.
 * Only a repository on a local path can be looked at; other backends
 * (sftp:, rest:, s3:, rclone:...) keep restic's words. */
static gboolean
local_repo_lacks_room (const char *where, guint64 bytes_left)
{
  struct statvfs st;
  const char *path = g_str_has_prefix (where, "local:") ? where + strlen ("local:") : where;
  guint64 room;

  if (*path == '\0' || (strchr (path, ':') != NULL && !g_str_has_prefix (where, "local:")))
    return FALSE;
  if (statvfs (path, &st) != 0)
    return FALSE;
  room = (guint64) st.f_bavail * st.f_frsize;
  return room < (1 << 20) || room < bytes_left;
}

static void
translate_failure (const LbResticRepo *repo, GQueue *tail, int status, guint64 bytes_left, GError **error)
{
  const char *where = repo_where (repo);
  g_autofree char *text = NULL;
  char *words = restic_words (tail);
  GString *all = g_string_new (NULL);
  static const char *const wrong_password[] = { "wrong password or no key found", NULL };
  static const char *const no_password[] = { "an empty password", "Please specify password",
                                             "reading the password from the terminal", "unable to read password",
                                             NULL };
  static const char *const no_repo_given[] = { "Please specify repository location", NULL };
  static const char *const no_repo[] = { "Is there a repository at the following location?",
                                         "unable to open config file", NULL };
  static const char *const damaged[] = { "repository contains errors", NULL };
  static const char *const exists[] = { "config file already exists", NULL };
  static const char *const locked[] = { "repository is already locked", NULL };
  static const char *const full[] = { "no space left on device", "disk quota exceeded", "Insufficient Storage",
                                      NULL };
  static const char *const unreachable[] = { "connection refused", "no such host", "i/o timeout",
                                             "network is unreachable", "connection reset", "no route to host",
                                             "dial tcp", "Connection refused", "broken pipe", NULL };

  for (GList *l = tail->head; l; l = l->next)
    g_string_append_printf (all, "%s\n", (const char *) l->data);
  text = g_string_free (all, FALSE);

  if (contains (text, wrong_password))
    g_set_error (error, LB_ERROR, LB_ERROR_REFUSED,
                 _("The password is wrong for the repository %s (no key in it opens with that password)."), where);
  else if (contains (text, no_password))
    g_set_error (error, LB_ERROR, LB_ERROR_REFUSED,
                 _("No password given for the repository: use --password-file or --password-command, or set "
                   "RESTIC_PASSWORD_FILE, RESTIC_PASSWORD_COMMAND or RESTIC_PASSWORD."));
  else if (contains (text, no_repo_given))
    g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                 _("No repository given: use --repo or set RESTIC_REPOSITORY."));
  else if (contains (text, exists))
    g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("There already is a repository at %s."), where);
  else if (contains (text, damaged))
    g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                 _("restic check finds the repository %s damaged: %s. Push again to replace what is "
                   "missing, and see restic's documentation on repairing a repository."), where, words);
  else if (contains (text, locked))
    {
      g_free (words);
      words = lock_holder (tail);
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_LOCKED,
                 _("The repository %s is in use by another restic right now (%s). Try again when it has "
                   "finished. A lock left by a restic that crashed goes away by itself after 30 minutes, "
                   "or at once with “restic unlock”."), where, words);
    }
  else if (contains (text, full) || (strstr (text, "panic: ") != NULL && local_repo_lacks_room (where, bytes_left)))
    g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL,
                 _("The repository %s is full: make room there (or use “restic forget --prune” on old "
                   "copies) and push again. The library here is unchanged."), where);
  else if (contains (text, no_repo))
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("There is no repository at %s. Create one with “lifeboat-cli offsite init”."), where);
  else if (contains (text, unreachable))
    g_set_error (error, LB_ERROR, LB_ERROR_TIMED_OUT,
                 _("The repository %s cannot be reached (%s). The next push continues where this one "
                   "stopped."), where, words);
  else
    g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("restic failed (exit status %d): %s"), status,
                 *words ? words : _("it gave no reason"));
  g_free (words);
}

void
lb_restic_output_init (LbResticOutput *out, LbResticJsonFunc on_json, gpointer user_data, GString *capture)
{
  *out = (LbResticOutput) { .on_json = on_json, .user_data = user_data, .capture = capture };
  g_queue_init (&out->tail);
  g_queue_init (&out->notes);
  out->parser = json_parser_new ();
}

void
lb_restic_output_clear (LbResticOutput *out)
{
  g_queue_clear_full (&out->tail, g_free);
  g_queue_clear_full (&out->notes, g_free);
  g_clear_object (&out->parser);
}

void
lb_restic_output_line (LbResticOutput *out, char *line)
{
  g_strstrip (line);
  if ((line[0] == '{' || line[0] == '[') && json_parser_load_from_data (out->parser, line, -1, NULL))
    {
      JsonNode *root = json_parser_get_root (out->parser);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      const char *type = lb_restic_json_string (o, "message_type", NULL);

      if (g_strcmp0 (type, "status") == 0)
        {
          /* backup's and restore's progress: what is still to come. */
          gint64 total = json_object_get_int_member_with_default (o, "total_bytes", 0);
          gint64 done = json_object_get_int_member_with_default (o, "bytes_done", 0);
          out->bytes_left = total > done && done >= 0 ? (guint64) (total - done) : 0;
        }
      if (g_strcmp0 (type, "error") == 0)
        keep_json_error (&out->tail, o);
      else if (out->capture != NULL)
        g_string_append_printf (out->capture, "%s\n", line);
      else if (o != NULL && out->on_json != NULL)
        out->on_json (o, out->user_data);
    }
  else if (*line)
    {
      keep_line (&out->tail, line);
      /* A Go panic (0.14 panics on some full disks) prints its reason
       * first and a long stack after it: the reason must not scroll
       * out of the tail. */
      if ((g_str_has_prefix (line, "Fatal: ") || g_str_has_prefix (line, "panic: ") ||
           strstr (line, "no space left on device") != NULL) && out->notes.length < 20)
        g_queue_push_tail (&out->notes, g_strdup (line));
    }
}

void
lb_restic_output_failure (LbResticOutput *out, const LbResticRepo *repo, int status, GError **error)
{
  /* The notes first, then the tail: one text to search. */
  for (GList *l = out->notes.tail; l; l = l->prev)
    g_queue_push_head (&out->tail, g_strdup (l->data));
  translate_failure (repo, &out->tail, status, out->bytes_left, error);
}

static gboolean
run (const LbResticRepo *repo, const char *const *args, const char *cwd, LbResticJsonFunc on_json,
     gpointer user_data, GString *capture, GCancellable *cancellable, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) local = NULL;
  LbResticOutput output;
  Watchdog watchdog = { 0 };
  GThread *watcher = NULL;
  gboolean stopping = FALSE, unreachable = FALSE, ok = FALSE;
  gint64 retrying_since = 0, last_retry = 0, retry_limit;
  const char *limit_env = g_getenv ("LIFEBOAT_RESTIC_RETRY_SECONDS");
  char *line;
  int status;

  /* Tests shorten it; nobody else needs to. */
  retry_limit = (limit_env ? g_ascii_strtoll (limit_env, NULL, 10) : RETRY_SECONDS) * G_USEC_PER_SEC;

  g_ptr_array_add (argv, "restic");
  if (repo->repo)
    {
      g_ptr_array_add (argv, "--repo");
      g_ptr_array_add (argv, (char *) repo->repo);
    }
  if (repo->password_file)
    {
      g_ptr_array_add (argv, "--password-file");
      g_ptr_array_add (argv, (char *) repo->password_file);
    }
  if (repo->password_command)
    {
      g_ptr_array_add (argv, "--password-command");
      g_ptr_array_add (argv, (char *) repo->password_command);
    }
  for (; *args; args++)
    g_ptr_array_add (argv, (char *) *args);
  g_ptr_array_add (argv, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* restic's messages are what we parse: always in English. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  if (repo->password != NULL)
    {
      /* restic prefers a password file or command to RESTIC_PASSWORD. */
      g_subprocess_launcher_unsetenv (launcher, "RESTIC_PASSWORD_FILE");
      g_subprocess_launcher_unsetenv (launcher, "RESTIC_PASSWORD_COMMAND");
      g_subprocess_launcher_setenv (launcher, "RESTIC_PASSWORD", repo->password, TRUE);
    }
  g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  child = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &local);
  if (child == NULL)
    {
      if (g_error_matches (local, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
        g_set_error (error, LB_ERROR, LB_ERROR_NOT_SUPPORTED,
                     _("restic is not installed: Lifeboat uses it for off-site copies. Install it (on Debian "
                       "and Ubuntu: sudo apt install restic) and try again."));
      else
        g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("Could not start restic: %s"), local->message);
      return FALSE;
    }
  watchdog.child = child;
  lb_restic_output_init (&output, on_json, user_data, capture);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  for (;;)
    {
      g_clear_error (&local);
      line = g_data_input_stream_read_line_utf8 (out, NULL, stopping ? NULL : cancellable, &local);
      if (line == NULL && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !stopping)
        {
          /* Keep reading what it says while it stops, so a full pipe
           * cannot hold it up. */
          stopping = TRUE;
          watchdog.grace_seconds = STOP_GRACE_SECONDS;
          g_subprocess_send_signal (child, SIGINT);
          watcher = g_thread_new ("restic-stop", watchdog_thread, &watchdog);
          continue;
        }
      if (line == NULL)
        break;
      lb_restic_output_line (&output, line);
      /* "Save(<data/33f6634164>) returned error, retrying after 552ms: ...
       * connection refused": a streak of these, none more than the limit
       * apart, is a repository gone away. */
      if (strstr (line, "returned error, retrying after") != NULL && !stopping)
        {
          gint64 now = g_get_monotonic_time ();
          if (retrying_since == 0 || now - last_retry > retry_limit)
            retrying_since = now;
          last_retry = now;
          if (now - retrying_since > retry_limit)
            {
              unreachable = stopping = TRUE;
              /* It would only retry removing its lock from a repository
               * that is not there: a short grace, then it is killed. */
              watchdog.grace_seconds = UNREACHABLE_GRACE_SECONDS;
              g_subprocess_send_signal (child, SIGINT);
              watcher = g_thread_new ("restic-stop", watchdog_thread, &watchdog);
            }
        }
      g_free (line);
    }

  g_subprocess_wait (child, NULL, NULL);
  g_atomic_int_set (&watchdog.done, 1);
  if (watcher)
    g_thread_join (watcher);

  status = g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) : 128 + g_subprocess_get_term_sig (child);
  if (g_cancellable_is_cancelled (cancellable))
    g_cancellable_set_error_if_cancelled (cancellable, error);
  else if (unreachable)
    {
      g_autofree char *why = restic_retry_reason (&output.tail);
      g_set_error (error, LB_ERROR, LB_ERROR_TIMED_OUT,
                   _("The repository %s has not answered for %" PRId64 " seconds (%s); restic was "
                     "stopped. The next push continues where this one stopped."),
                   repo_where (repo), retry_limit / G_USEC_PER_SEC, why);
    }
  else if (status == 0)
    ok = TRUE;
  else
    lb_restic_output_failure (&output, repo, status, error);
  lb_restic_output_clear (&output);
  return ok;
}

gboolean
lb_restic_run (const LbResticRepo *repo, const char *const *args, const char *cwd, LbResticJsonFunc on_json,
               gpointer user_data, GCancellable *cancellable, GError **error)
{
  return run (repo, args, cwd, on_json, user_data, NULL, cancellable, error);
}

gboolean
lb_restic_run_capture (const LbResticRepo *repo, const char *const *args, char **output,
                       GCancellable *cancellable, GError **error)
{
  GString *capture = g_string_new (NULL);

  if (!run (repo, args, NULL, NULL, NULL, capture, cancellable, error))
    {
      g_string_free (capture, TRUE);
      return FALSE;
    }
  *output = g_string_free (capture, FALSE);
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-cli.h"
#include "lb-config.h"
#include "lb-error.h"
#include "lb-library-move.h"
#include "lb-relay.h"
#include "lb-clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

static GOptionEntry *
common_entries (LbCli *cli)
{
  GOptionEntry entries[] = {
    { "library", 'L', 0, G_OPTION_ARG_FILENAME, &cli->library, N_("Use the library in DIR"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, N_("Print machine-readable JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &cli->quiet, N_("Print only errors"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  return g_memdup2 (entries, sizeof entries);
}

gboolean
lb_cli_parse (LbCli *cli, const char *command, const char *params, const char *summary,
              GOptionEntry *extra, int *argc, char ***argv)
{
  /* argv[0] is already "lifeboat-cli COMMAND": the usage line adds only
   * the parameters. */
  g_autoptr(GOptionContext) ctx = g_option_context_new (params != NULL ? params : "");
  g_autofree GOptionEntry *common = common_entries (cli);
  g_autoptr(GError) error = NULL;

  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, common, GETTEXT_PACKAGE);
  if (extra != NULL)
    g_option_context_add_main_entries (ctx, extra, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      lb_cli_usage (command, error->message);
      return FALSE;
    }
  return TRUE;
}

int
lb_cli_usage (const char *command, const char *message)
{
  g_printerr ("lifeboat-cli %s: %s\n", command, message);
  g_printerr (_("Try “lifeboat-cli %s --help”.\n"), command);
  return LB_EXIT_USAGE;
}

int
lb_cli_fail (GError *error)
{
  g_printerr ("lifeboat-cli: %s\n", error->message);
  /* The commands never make a library that is missing (it may be on a
   * disk not mounted); say how one begins. */
  if (g_error_matches (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING))
    g_printerr ("%s\n", _("To start a new library in a new or empty folder: lifeboat-cli init DIR"));
  return LB_EXIT_FAILED;
}

char *
lb_cli_library_path (LbCli *cli, gboolean *may_create)
{
  *may_create = FALSE;
  if (cli->library != NULL)
    return g_strdup (cli->library);
  return lb_config_library_path (may_create);
}

LbLibrary *
lb_cli_open_library (LbCli *cli, LbLibraryMode mode, GError **error)
{
  gboolean may_create;
  g_autofree char *path = lb_cli_library_path (cli, &may_create);

  if (mode == LB_LIBRARY_WRITE)
    {
      g_autofree char *old = lb_library_move_finish_leftover (path);
      if (old != NULL)
        g_printerr (_("lifeboat-cli: removed %s, the old copy of this library that an interrupted move had left "
                      "behind\n"), old);
    }
  /* Reading never creates a library: there is nothing to read yet. */
  return lb_library_open (path, may_create && mode == LB_LIBRARY_WRITE, mode, error);
}

gboolean
lb_cli_parse_snapshot (LbCli *cli, LbLibrary *library, const char *arg, gint64 *id, GError **error)
{
  char *end = NULL;

  if (g_strcmp0 (arg, "latest") == 0)
    {
      g_autoptr(GPtrArray) all = lb_library_list_snapshots (library, cli->device, error);
      if (all == NULL)
        return FALSE;
      for (guint i = 0; i < all->len; i++)
        if (((LbSnapshot *) all->pdata[i])->state == LB_SNAPSHOT_COMPLETE)
          {
            *id = ((LbSnapshot *) all->pdata[i])->id;
            return TRUE;
          }
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND, _("There is no complete snapshot yet."));
      return FALSE;
    }
  *id = arg ? g_ascii_strtoll (arg, &end, 10) : 0;
  if (arg == NULL || *arg == '\0' || *end != '\0' || *id <= 0)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                   _("“%s” is not a snapshot: give its number (see “lifeboat-cli snapshots”) or “latest”"),
                   arg ? arg : "");
      return FALSE;
    }
  return TRUE;
}

void
lb_cli_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

void
lb_cli_json_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

void
lb_cli_json_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

void
lb_cli_json_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

void
lb_cli_json_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

void
lb_cli_json_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
lb_cli_json_file (JsonBuilder *b, const char *path, guint64 size, gint64 mtime, const char *sha256)
{
  lb_cli_json_string (b, "path", path);
  lb_cli_json_int (b, "size", (gint64) size);
  lb_cli_json_int (b, "mtime", mtime);
  lb_cli_json_string_or_null (b, "sha256", sha256);
}

void
lb_cli_json_strings (JsonBuilder *b, const char *name, GPtrArray *strings)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    json_builder_add_string_value (b, strings->pdata[i]);
  json_builder_end_array (b);
}

void
lb_cli_json_ids (JsonBuilder *b, const char *name, GArray *ids)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    json_builder_add_int_value (b, g_array_index (ids, gint64, i));
  json_builder_end_array (b);
}

char *
lb_cli_iso8601 (gint64 t)
{
  g_autoptr(GDateTime) dt = t ? g_date_time_new_from_unix_utc (t) : NULL;
  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

char *
lb_cli_local_time (gint64 t)
{
  g_autoptr(GDateTime) dt = t ? lb_clock_local_time (t) : NULL;
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("-");
}

char *
lb_cli_printable (const char *name)
{
  GString *s = g_string_new (NULL);

  /* A phone's name must not be able to drive the terminal. */
  for (const guchar *p = (const guchar *) name; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == '\\')
      g_string_append_printf (s, "\\x%02x", *p);
    else
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

JsonNode *
lb_cli_snapshot_json (const LbSnapshot *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *started = lb_cli_iso8601 (s->started);
  g_autofree char *finished = lb_cli_iso8601 (s->finished);

  json_builder_begin_object (b);
  lb_cli_json_int (b, "id", s->id);
  lb_cli_json_string (b, "device", s->serial);
  lb_cli_json_string (b, "model", s->model);
  lb_cli_json_string (b, "manufacturer", s->manufacturer);
  lb_cli_json_string (b, "started", started);
  lb_cli_json_string_or_null (b, "finished", s->finished ? finished : NULL);
  lb_cli_json_string (b, "state", lb_snapshot_state_to_string (s->state));
  lb_cli_json_int (b, "files", (gint64) s->files);
  lb_cli_json_int (b, "folders", (gint64) s->folders);
  lb_cli_json_int (b, "bytes", (gint64) s->bytes);
  lb_cli_json_int (b, "transferred_bytes", (gint64) s->transferred_bytes);
  lb_cli_json_int (b, "new_bytes", (gint64) s->new_bytes);
  lb_cli_json_int (b, "skipped", (gint64) s->skipped);
  lb_cli_json_bool (b, "automatic", s->automatic);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- progress of a worker thread ------------------------------------------------- */

typedef struct {
  LbCliWork work;
  gpointer data;
  GMainLoop *loop;
} Worker;

static void
worker_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Worker *w = data;

  (void) source;
  w->work (w->data, cancellable);
  g_task_return_boolean (task, TRUE);
}

static void
worker_done (GObject *source, GAsyncResult *result, gpointer data)
{
  (void) source;
  (void) result;
  g_main_loop_quit (((Worker *) data)->loop);
}

void
lb_cli_run_in_thread (LbCli *cli, LbCliWork work, gpointer data)
{
  Worker w = { work, data, g_main_loop_new (NULL, FALSE) };
  g_autoptr(GTask) task = g_task_new (NULL, cli->cancellable, worker_done, &w);

  g_task_set_task_data (task, &w, NULL);
  g_task_run_in_thread (task, worker_thread);
  g_main_loop_run (w.loop);
  g_main_loop_unref (w.loop);
}

/* Worker threads post reports through an LbRelay (the newest only, one
 * idle at a time); the relay's callback turns the newest into a line and a
 * 200 ms ticker draws it, so a fast job never floods the terminal. */
struct _LbCliProgress {
  LbRelay *relay;                /* NULL when nothing is drawn */
  LbCliProgressLine line;
  gpointer user_data;
  GDestroyNotify free_report;
  char *text;                    /* the newest line, not yet drawn */
  guint ticker;
  gboolean drawn;                /* a line is on the terminal */
};

typedef struct {
  char *phase;
  double fraction;
  guint64 bytes_done, bytes_total, files_done, files_total;
  gint64 eta_seconds;
} Figures;

static void
figures_free (gpointer data)
{
  Figures *f = data;

  g_free (f->phase);
  g_free (f);
}

static char *
figures_line (gconstpointer report, gpointer user_data)
{
  const Figures *f = report;
  g_autofree char *done = NULL, *total = NULL, *percent = NULL, *eta = NULL;

  (void) user_data;
  percent = f->fraction >= 0 ? g_strdup_printf (" %.0f%%,", 100 * CLAMP (f->fraction, 0, 1)) : g_strdup ("");
  if (f->bytes_total > 0)
    {
      done = g_format_size (f->bytes_done);
      total = g_format_size (f->bytes_total);
      eta = f->eta_seconds >= 0
              ? g_strdup_printf (_(", %" PRId64 ":%02d left"), f->eta_seconds / 60, (int) (f->eta_seconds % 60))
              : g_strdup ("");
      return g_strdup_printf (_("%s:%s %" PRIu64 "/%" PRIu64 " files, %s of %s%s"),
                              f->phase, percent, f->files_done, f->files_total, done, total, eta);
    }
  if (f->files_total > 0)
    return g_strdup_printf (_("%s:%s %" PRIu64 "/%" PRIu64 " files"), f->phase, percent, f->files_done,
                            f->files_total);
  return g_strdup_printf ("%s…", f->phase);
}

static gboolean
draw_progress (gpointer data)
{
  LbCliProgress *p = data;
  g_autofree char *text = g_steal_pointer (&p->text);

  /* One line, redrawn in place (the escape stays out of the
   * translations), cut to a sane width. */
  if (text != NULL)
    g_printerr ("\r\033[K%.*s", 110, text);
  p->drawn |= text != NULL;
  return G_SOURCE_CONTINUE;
}

/* Main thread, from the relay. */
static void
on_report (gpointer report, gpointer data)
{
  LbCliProgress *p = data;

  g_free (p->text);
  p->text = p->line (report, p->user_data);
  /* The first at once: a job that ends within the first tick still says
   * what it did meanwhile, and the line is there from the start. */
  if (!p->drawn)
    draw_progress (p);
}

LbCliProgress *
lb_cli_progress_new_custom (LbCli *cli, LbCliProgressLine line, gpointer user_data, GDestroyNotify free_report)
{
  LbCliProgress *p = g_new0 (LbCliProgress, 1);

  p->line = line;
  p->user_data = user_data;
  p->free_report = free_report;
  if (cli->show_progress && !cli->quiet)
    {
      p->relay = lb_relay_new (on_report, p, free_report);
      p->ticker = g_timeout_add (200, draw_progress, p);
    }
  return p;
}

LbCliProgress *
lb_cli_progress_new (LbCli *cli)
{
  return lb_cli_progress_new_custom (cli, figures_line, NULL, figures_free);
}

void
lb_cli_progress_post (LbCliProgress *p, gpointer report)
{
  g_return_if_fail (p != NULL);
  if (p->relay != NULL)
    lb_relay_post (p->relay, report);
  else
    p->free_report (report);
}

void
lb_cli_progress_update (LbCliProgress *p, const char *phase, double fraction, guint64 bytes_done,
                        guint64 bytes_total, guint64 files_done, guint64 files_total, gint64 eta_seconds)
{
  Figures *f;

  if (p == NULL || p->relay == NULL)
    return;
  f = g_new (Figures, 1);
  *f = (Figures) { g_strdup (phase), fraction, bytes_done, bytes_total, files_done, files_total, eta_seconds };
  lb_relay_post (p->relay, f);
}

void
lb_cli_progress_free (LbCliProgress *p)
{
  if (p == NULL)
    return;
  if (p->relay != NULL)
    {
      lb_relay_free (p->relay);
      g_source_remove (p->ticker);
      g_printerr ("\r\033[K");
    }
  g_free (p->text);
  g_free (p);
}

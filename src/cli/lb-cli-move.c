/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli move-library DEST */
#include "config.h"
#include "lb-cli.h"
#include "lb-config.h"
#include "lb-library-move.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gi18n.h>

typedef struct {
  LbCli *cli;
  const char *path;         /* the library, as given */
  const char *dest;
  char *from;               /* resolved, to compare with the saved location */
  gboolean from_saved;      /* the library is the one the window's setting names */
  gboolean saved;           /* the switch wrote the setting */
  gboolean ok;
  char *warning;
  GError *error;
  LbCliProgress *progress;
} Run;

static void
on_progress (const LbMoveProgress *p, gpointer data)
{
  Run *run = data;

  lb_cli_progress_update (run->progress, p->phase, -1, p->bytes_done, p->bytes_total, p->files_done, p->files_total, -1);
}

/* Worker thread.  The window's setting moves with the library only when it
 * named this library: a move of another one (--library) must not make the
 * window switch libraries. */
static gboolean
on_switch (const char *new_path, gpointer data, GError **error)
{
  Run *run = data;

  /* from_saved: the settings exist, and named this library. */
  if (!run->from_saved)
    return TRUE;
  if (!lb_config_save_library (new_path, error))
    return FALSE;
  run->saved = TRUE;
  return TRUE;
}

/* Worker thread. */
static void
move_work (gpointer data, GCancellable *cancellable)
{
  Run *run = data;

  run->ok = lb_library_move_run (run->path, run->dest, on_progress, on_switch, run, cancellable, &run->warning,
                                 &run->error);
}

static void
print_result (Run *run, const char *to)
{
  const char *env = g_getenv ("LIFEBOAT_LIBRARY");

  if (run->cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      lb_cli_json_string (b, "library", to);
      lb_cli_json_bool (b, "saved", run->saved);
      lb_cli_json_string_or_null (b, "warning", run->warning);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (!run->cli->quiet)
    {
      printf (_("The library is now at %s.\n"), to);
      if (run->saved)
        printf ("%s\n", _("Lifeboat (the window and lifeboat-cli) uses it from now on."));
      else if (env != NULL && *env != '\0' && run->cli->library == NULL)
        printf (_("Set LIFEBOAT_LIBRARY=%s from now on (it still names the old place).\n"), to);
      else
        printf (_("Pass --library %s from now on.\n"), to);
    }
  if (run->warning)
    g_printerr (_("lifeboat-cli: warning: %s\n"), run->warning);
}

int
lb_cli_move_library (LbCli *cli, int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autofree char *dest = NULL;
  gboolean may_create;
  Run run = { 0 };
  int status = LB_EXIT_OK;

  if (!lb_cli_parse (cli, "move-library", _("DEST"),
                     _("Moves the library to the folder DEST (new, or empty), e.g. on another disk:\n"
                       "copies it, checks every copied file, makes DEST the library Lifeboat uses,\n"
                       "and only then removes the old copy. Nothing may back up, restore or read the\n"
                       "library meanwhile. Ctrl-C (or any failure) before the switch leaves the library\n"
                       "where it was and removes the partial copy."),
                     NULL, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc != 2)
    return lb_cli_usage ("move-library", _("give the folder to move the library to"));

  path = lb_cli_library_path (cli, &may_create);
  dest = g_canonicalize_filename (argv[1], NULL);
  run.cli = cli;
  run.from = lb_config_resolve (path);
  run.from_saved = lb_config_names_library (run.from);
  run.path = path;
  run.dest = dest;
  run.progress = lb_cli_progress_new (cli);
  lb_cli_run_in_thread (cli, move_work, &run);
  lb_cli_progress_free (run.progress);

  if (!run.ok)
    {
      if (g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr (_("lifeboat-cli: move stopped. The library is still at %s; the partial copy was removed.\n"), path);
      else
        lb_cli_fail (run.error);
      status = LB_EXIT_FAILED;
      g_clear_error (&run.error);
    }
  else
    {
      g_autofree char *to = lb_config_resolve (dest);
      print_result (&run, to);
    }
  g_free (run.from);
  g_free (run.warning);
  return status;
}

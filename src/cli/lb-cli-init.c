/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli init: starting a new, empty library in a folder. */
#include "config.h"
#include "lb-cli.h"
#include "lb-error.h"

#include <stdio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

/* The folder must be new or empty; its parent must exist, so that a disk
 * that is not mounted does not get a library in its bare mount point
 * (the rule move-library keeps too).  Only the default library, in the
 * user's own data folder, may be made with its parents. */
static gboolean
check_place (const char *dir, gboolean any_parent, gboolean *exists, gboolean *is_library, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *catalog = g_build_filename (dir, "catalog.db", NULL);

  *exists = g_file_test (dir, G_FILE_TEST_EXISTS);
  *is_library = *exists && g_file_test (catalog, G_FILE_TEST_EXISTS);
  if (!*exists && !any_parent && !g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                   _("%s does not exist. If it is on an external disk, connect and mount the disk; "
                     "otherwise create that folder first."), parent);
      return FALSE;
    }
  return TRUE;
}

int
lb_cli_init (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autofree char *dir = NULL;
  gboolean may_create = FALSE, exists, is_library;

  if (!lb_cli_parse (cli, "init", _("[DIR]"),
                     _("Starts a new, empty library in the folder DIR (default: the library the other\n"
                       "commands use), made if it does not exist yet; its parent folder must exist.\n"
                       "A folder that already holds a library is left as it is. The other commands\n"
                       "never create a library that is missing, in case it is on a disk that is not\n"
                       "mounted: this is how a library on a new disk begins."),
                     NULL, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 2)
    return lb_cli_usage ("init", _("give at most one folder"));
  if (argc == 2 && *argv[1] == '\0')
    return lb_cli_usage ("init", _("the folder name is empty"));
  dir = argc == 2 ? g_canonicalize_filename (argv[1], NULL) : lb_cli_library_path (cli, &may_create);
  if (!check_place (dir, may_create, &exists, &is_library, &error))
    return lb_cli_fail (error);
  /* An existing folder is opened without create, so that one holding
   * other files is refused rather than turned into a library. */
  if ((library = lb_library_open (dir, !exists, is_library ? LB_LIBRARY_READ : LB_LIBRARY_WRITE, &error)) == NULL)
    return lb_cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (b);
      lb_cli_json_string (b, "library", dir);
      lb_cli_json_bool (b, "created", !is_library);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
    }
  else if (!cli->quiet && is_library)
    printf (_("%s already holds a library; it is left as it is.\n"), dir);
  else if (!cli->quiet && argc < 2)
    printf (_("Started an empty library in %s, the one the other commands use.\n"), dir);
  else if (!cli->quiet)
    printf (_("Started an empty library in %s. Use it with --library %s or LIFEBOAT_LIBRARY=%s, or choose it "
              "in the window's Preferences.\n"), dir, dir, dir);
  return LB_EXIT_OK;
}

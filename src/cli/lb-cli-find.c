/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli find: a file by name (and date) across a phone's whole
 * history, each version with the snapshots that hold it. */
#include "config.h"
#include "lb-cli.h"
#include "lb-error.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

/* "2026-07-01" as local midnight, in Unix seconds; 0 for NULL. */
static gboolean
parse_day (const char *text, const char *option, gint64 *out, GError **error)
{
  int y, m, d;
  char tail;
  g_autoptr(GDateTime) t = NULL;

  *out = 0;
  if (text == NULL)
    return TRUE;
  if (sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      (t = g_date_time_new_local (y, m, d, 0, 0, 0)) == NULL)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT, _("%s wants a day as YEAR-MONTH-DAY, such as 2026-07-01, not “%s”"),
                   option, text);
      return FALSE;
    }
  *out = g_date_time_to_unix (t);
  return TRUE;
}

/* "3–5, 9": snapshot ids, runs of consecutive ones joined. */
static char *
id_ranges (GArray *ids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ids->len;)
    {
      guint j = i;
      while (j + 1 < ids->len && g_array_index (ids, gint64, j + 1) == g_array_index (ids, gint64, j) + 1)
        j++;
      if (out->len > 0)
        g_string_append (out, ", ");
      if (j == i)
        g_string_append_printf (out, "%" PRId64, g_array_index (ids, gint64, i));
      else
        g_string_append_printf (out, "%" PRId64 "–%" PRId64, g_array_index (ids, gint64, i), g_array_index (ids, gint64, j));
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

int
lb_cli_find (LbCli *cli, int argc, char **argv)
{
  g_autofree char *from_text = NULL, *until_text = NULL;
  GOptionEntry extra[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &cli->device, N_("The phone whose snapshots to look in (by default the one backed up last)"), N_("SERIAL") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, N_("Only files dated this day or later"), N_("YYYY-MM-DD") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text, N_("Only files dated before this day"), N_("YYYY-MM-DD") },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(GPtrArray) found = NULL;
  gint64 id, from, until;

  if (!lb_cli_parse (cli, "find", _("TEXT"),
                     _("Finds the files whose name contains TEXT (\"\" for any) in every snapshot of the phone\n"
                       "(--device chooses it), each version with the snapshots that hold it: a renamed file\n"
                       "is found under its old name in the snapshots before the rename, and under the new one\n"
                       "after. Upper and lower case match in ASCII letters."),
                     extra, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc != 2)
    return lb_cli_usage ("find", _("give the text to look for"));
  if (!parse_day (from_text, "--from", &from, &error) || !parse_day (until_text, "--until", &until, &error) ||
      (library = lb_cli_open_library (cli, LB_LIBRARY_READ, &error)) == NULL ||
      !lb_cli_parse_snapshot (cli, library, "latest", &id, &error) ||
      (found = lb_library_find (library, id, argv[1], from, until, &error)) == NULL)
    return lb_cli_fail (error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < found->len; i++)
        {
          LbFoundFile *f = found->pdata[i];
          json_builder_begin_object (b);
          lb_cli_json_file (b, f->phone_path, f->size, f->mtime, f->blob);
          json_builder_set_member_name (b, "snapshots");
          json_builder_begin_array (b);
          for (guint j = 0; j < f->snapshot_ids->len; j++)
            json_builder_add_int_value (b, g_array_index (f->snapshot_ids, gint64, j));
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      node = json_builder_get_root (b);
      lb_cli_print_json (node);
      return LB_EXIT_OK;
    }
  if (cli->quiet)
    return LB_EXIT_OK;
  for (guint i = 0; i < found->len; i++)
    {
      LbFoundFile *f = found->pdata[i];
      g_autofree char *path = lb_cli_printable (f->phone_path);
      g_autofree char *size = g_format_size (f->size);
      g_autofree char *date = lb_cli_local_time (f->mtime);
      g_autofree char *ids = id_ranges (f->snapshot_ids);
      /* Translators: path, size, date, the snapshots that hold it ("3–5, 9";
       * "4" for the singular) */
      printf (g_dngettext (GETTEXT_PACKAGE, "%s (%s, %s): in snapshot %s\n", "%s (%s, %s): in snapshots %s\n",
                           f->snapshot_ids->len),
              path, size, date, ids);
    }
  if (found->len == 0)
    printf ("%s\n", _("No file of that name in any snapshot of this phone."));
  return LB_EXIT_OK;
}

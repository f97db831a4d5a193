/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What restic prints: its --json progress and summary lines, its error
 * text, and `snapshots --json`.  A repository is shared and remote (tags,
 * host names and paths in it are anyone's), and restic's format changes
 * between versions: whatever comes, Lifeboat reads it without a crash or a
 * critical, and what it hands on is whole.  The input is read both ways:
 * line by line as a push reads restic, and whole as a listing. */
#include "fuzz.h"
#include "lb-offsite-private.h"
#include "lb-restic-private.h"

#include <string.h>

static void
on_progress (const LbOffsiteProgress *p, gpointer user_data)
{
  guint *calls = user_data;

  FUZZ_CHECK (p->phase != NULL);
  (*calls)++;
}

static void
read_lines (const char *text)
{
  const LbResticRepo repo = { "/nonexistent/lifeboat-fuzz-repo", NULL, NULL, NULL };
  g_autoptr(LbOffsitePush) result = g_new0 (LbOffsitePush, 1);
  g_autoptr(GString) capture = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint calls = 0;
  LbOffsitePushJson push = { result, on_progress, &calls };
  LbResticOutput pushing, listing;

  result->library_snapshots = g_array_new (FALSE, FALSE, sizeof (gint64));
  lb_restic_output_init (&pushing, lb_offsite_on_backup_json, &push, NULL);
  lb_restic_output_init (&listing, NULL, NULL, capture);
  for (char **l = lines; *l; l++)
    {
      g_autofree char *copy = g_strdup (*l);
      lb_restic_output_line (&pushing, *l);
      lb_restic_output_line (&listing, copy);
    }
  lb_restic_output_failure (&pushing, &repo, 1, &error);
  FUZZ_CHECK (error != NULL && g_utf8_validate (error->message, -1, NULL));
  FUZZ_CHECK (g_utf8_validate (capture->str, capture->len, NULL));
  lb_restic_output_clear (&pushing);
  lb_restic_output_clear (&listing);
}

static void
read_listing (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) copies = lb_offsite_parse_list (text, &error);

  FUZZ_CHECK ((copies == NULL) == (error != NULL));
  for (guint i = 0; copies != NULL && i < copies->len; i++)
    {
      LbOffsiteCopy *c = copies->pdata[i];
      g_autofree char *ranges = NULL;

      /* The CLI prints these without looking. */
      FUZZ_CHECK (c->restic_id != NULL && c->short_id != NULL && c->hostname != NULL);
      FUZZ_CHECK (c->library_snapshots != NULL && c->library_snapshots->len <= LB_OFFSITE_MAX_SNAPSHOTS);
      ranges = lb_offsite_format_ranges (c->library_snapshots, ",");
      FUZZ_CHECK (ranges != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;

  fuzz_strict ();
  /* restic's output reaches us through g_data_input_stream_read_line_utf8
   * (lines) and as one UTF-8 string (the listing). */
  if (!g_utf8_validate ((const char *) data, size, NULL))
    return 0;
  text = g_strndup ((const char *) data, size);
  read_lines (text);
  read_listing (text);
  return 0;
}

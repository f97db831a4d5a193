/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer's driver for the ordinary build: feeds every file in the
 * folders (or files) given to the target's LLVMFuzzerTestOneInput, so that
 * the corpora and every input a fuzzer once crashed on run in `make check`,
 * under the sanitizer build too.  A finding aborts, as in the fuzzer.
 * Prints how many inputs it ran; a folder that is missing counts none. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static guint
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  uint8_t *copy;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      exit (1);
    }
  /* An exact-size copy, as libFuzzer gives: ASan sees a read past the end.
   * Never NULL, even for an empty input, as in libFuzzer. */
  copy = g_malloc (MAX (len, 1));
  memcpy (copy, contents, len);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
  return 1;
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static guint
replay_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  /* The same order every time, so that a failure repeats. */
  g_ptr_array_sort (names, by_name);
  for (guint i = 0; i < names->len; i++)
    n += replay_file (names->pdata[i]);
  return n;
}

int
main (int argc, char **argv)
{
  guint n = 0;

  for (int i = 1; i < argc; i++)
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
      n += replay_dir (argv[i]);
    else if (g_file_test (argv[i], G_FILE_TEST_EXISTS))
      n += replay_file (argv[i]);
  printf ("%u inputs\n", n);
  return 0;
}

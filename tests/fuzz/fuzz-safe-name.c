/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Names from a phone made into file names (lb-safe-name.h): whatever the
 * phone says, the result is one safe file name, and making it safe again
 * changes nothing; numbered names stay safe and distinct.  The first byte
 * picks the number for lb_numbered_name. */
#include "fuzz.h"
#include "lb-safe-name.h"

#include <string.h>

static void
check_safe (const char *name)
{
  gsize len = strlen (name);

  FUZZ_CHECK (len > 0 && len <= 255);
  FUZZ_CHECK (strcmp (name, ".") != 0 && strcmp (name, "..") != 0);
  FUZZ_CHECK (g_utf8_validate (name, -1, NULL));
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      FUZZ_CHECK (c != '/' && c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint n = size > 0 ? data[0] + 2u : 2u;
  g_autofree char *name = size > 0 ? g_strndup ((const char *) data + 1, size - 1) : g_strdup ("");
  g_autofree char *safe = NULL, *again = NULL, *numbered = NULL, *next = NULL;
  gboolean changed = FALSE, changed_again = TRUE;

  fuzz_strict ();
  safe = lb_safe_name (name, &changed);
  check_safe (safe);
  FUZZ_CHECK (changed == (strcmp (safe, name) != 0));
  again = lb_safe_name (safe, &changed_again);
  FUZZ_CHECK (!changed_again && strcmp (again, safe) == 0);
  /* Callers try n = 2, 3... until a name is free: each number must give
   * a name of its own.  (It may give the name itself: a 255-byte name
   * ending in " (5)" is its own fifth; the callers' loops move on.) */
  numbered = lb_numbered_name (safe, n);
  next = lb_numbered_name (safe, n + 1);
  check_safe (numbered);
  check_safe (next);
  FUZZ_CHECK (strcmp (numbered, next) != 0);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "lb-safe-name.h"

#include <string.h>

#define NAME_MAX_BYTES 255

static const char *
extension_of (const char *name)
{
  const char *dot = strrchr (name, '.');

  /* A leading dot is a hidden file, not an extension; a long "extension"
   * is part of the name. */
  if (dot == NULL || dot == name || strlen (dot) > 16)
    return name + strlen (name);
  return dot;
}

/* Cuts s to at most max bytes on a UTF-8 character boundary. */
static gsize
utf8_prefix (const char *s, gsize max)
{
  const char *end = s;

  while (*end)
    {
      const char *next = g_utf8_next_char (end);
      if ((gsize) (next - s) > max)
        break;
      end = next;
    }
  return end - s;
}

char *
lb_safe_name (const char *name, gboolean *changed)
{
  g_autofree char *valid = g_utf8_make_valid (name ? name : "", -1);
  GString *s = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '/' || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_c (s, '_');
      else
        g_string_append_unichar (s, c);
    }
  if (s->len == 0 || strcmp (s->str, ".") == 0 || strcmp (s->str, "..") == 0)
    g_string_prepend_c (s, '_');
  if (s->len > NAME_MAX_BYTES)
    {
      g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name ? name : "", -1);
      const char *ext = extension_of (s->str);
      g_autofree char *ext_copy = g_strdup (ext);
      gsize room = NAME_MAX_BYTES - strlen (ext_copy) - 9;
      gsize keep = utf8_prefix (s->str, MIN (room, (gsize) (ext - s->str)));

      g_string_truncate (s, keep);
      g_string_append_printf (s, "~%.8s%s", hash, ext_copy);
    }
  if (changed != NULL)
    *changed = g_strcmp0 (s->str, name) != 0;
  return g_string_free (s, FALSE);
}

char *
lb_numbered_name (const char *safe_name, guint n)
{
  const char *ext = extension_of (safe_name);
  g_autofree char *suffix = g_strdup_printf (" (%u)", n);
  gsize keep = ext - safe_name;

  /* Stay within NAME_MAX even after adding the number. */
  if (keep + strlen (suffix) + strlen (ext) > NAME_MAX_BYTES)
    keep = utf8_prefix (safe_name, NAME_MAX_BYTES - strlen (suffix) - strlen (ext));
  return g_strdup_printf ("%.*s%s%s", (int) keep, safe_name, suffix, ext);
}

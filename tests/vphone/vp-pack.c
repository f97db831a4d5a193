/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vp-pack.h"

#include <string.h>

void
vp_put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

void
vp_put_u16 (GByteArray *b, guint16 v)
{
  guint8 d[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (b, d, 2);
}

void
vp_put_u32 (GByteArray *b, guint32 v)
{
  guint8 d[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (b, d, 4);
}

void
vp_put_u64 (GByteArray *b, guint64 v)
{
  vp_put_u32 (b, (guint32) v);
  vp_put_u32 (b, (guint32) (v >> 32));
}

void
vp_set_u32_at (GByteArray *b, gsize offset, guint32 v)
{
  g_assert (offset + 4 <= b->len);
  b->data[offset] = v & 0xff;
  b->data[offset + 1] = (v >> 8) & 0xff;
  b->data[offset + 2] = (v >> 16) & 0xff;
  b->data[offset + 3] = v >> 24;
}

void
vp_put_str_utf16 (GByteArray *b, const gunichar2 *units, gsize n_units)
{
  /* The length byte counts the terminator and caps a string at 255 units:
   * a longer name goes out as its first 254, as AOSP's
   * MtpStringBuffer::writeToPacket cuts it (MTP_STRING_MAX_CHARACTER_NUMBER). */
  if (n_units == 0)
    {
      vp_put_u8 (b, 0);
      return;
    }
  if (n_units > 254)
    n_units = 254;
  vp_put_u8 (b, (guint8) (n_units + 1));
  for (gsize i = 0; i < n_units; i++)
    vp_put_u16 (b, units[i]);
  vp_put_u16 (b, 0);
}

void
vp_put_str (GByteArray *b, const char *utf8)
{
  glong n = 0;
  g_autofree gunichar2 *u = NULL;

  if (utf8 != NULL)
    u = g_utf8_to_utf16 (utf8, -1, NULL, &n, NULL);
  vp_put_str_utf16 (b, u, u ? (gsize) n : 0);
}

void
vp_put_u16_array (GByteArray *b, const guint16 *v, gsize n)
{
  vp_put_u32 (b, (guint32) n);
  for (gsize i = 0; i < n; i++)
    vp_put_u16 (b, v[i]);
}

void
vp_put_u32_array (GByteArray *b, const guint32 *v, gsize n)
{
  vp_put_u32 (b, (guint32) n);
  for (gsize i = 0; i < n; i++)
    vp_put_u32 (b, v[i]);
}

guint16
vp_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

guint32
vp_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

void
vp_reader_init (VpReader *r, const guint8 *p, gsize len)
{
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->bad = FALSE;
}

static gboolean
take (VpReader *r, gsize n)
{
  if (r->bad || r->len - r->pos < n)
    {
      r->bad = TRUE;
      return FALSE;
    }
  return TRUE;
}

guint8
vp_get_u8 (VpReader *r)
{
  if (!take (r, 1))
    return 0;
  return r->p[r->pos++];
}

guint16
vp_get_u16 (VpReader *r)
{
  guint16 v;
  if (!take (r, 2))
    return 0;
  v = vp_le16 (r->p + r->pos);
  r->pos += 2;
  return v;
}

guint32
vp_get_u32 (VpReader *r)
{
  guint32 v;
  if (!take (r, 4))
    return 0;
  v = vp_le32 (r->p + r->pos);
  r->pos += 4;
  return v;
}

guint64
vp_get_u64 (VpReader *r)
{
  guint64 lo = vp_get_u32 (r);
  guint64 hi = vp_get_u32 (r);
  return lo | (hi << 32);
}

char *
vp_get_str (VpReader *r)
{
  guint8 n = vp_get_u8 (r);
  g_autofree gunichar2 *u = NULL;
  GString *s;

  if (n == 0 || !take (r, (gsize) n * 2))
    return g_strdup ("");
  u = g_new0 (gunichar2, n);
  for (guint i = 0; i < n; i++)
    u[i] = vp_get_u16 (r);
  /* Decode by hand so that a lone surrogate becomes U+FFFD instead of
   * failing the whole name, which is what a phone's MTP stack does. */
  s = g_string_new (NULL);
  for (guint i = 0; i < n && u[i] != 0; i++)
    {
      gunichar c = u[i];
      if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000)
        {
          c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
          i++;
        }
      else if (c >= 0xD800 && c < 0xE000)
        c = 0xFFFD;
      g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

gboolean
vp_skip_value (VpReader *r, guint16 type)
{
  static const guint8 sizes[] = { 0, 1, 1, 2, 2, 4, 4, 8, 8, 16, 16 };

  if (type == 0xFFFF)
    {
      g_free (vp_get_str (r));
      return !r->bad;
    }
  if (type < G_N_ELEMENTS (sizes) && sizes[type] > 0)
    return take (r, sizes[type]) && (r->pos += sizes[type], TRUE);
  if ((type & 0x4000) && (type & 0xff) < G_N_ELEMENTS (sizes) && sizes[type & 0xff] > 0)
    {
      guint32 n = vp_get_u32 (r);
      gsize bytes = (gsize) n * sizes[type & 0xff];
      if (!take (r, bytes))
        return FALSE;
      r->pos += bytes;
      return TRUE;
    }
  r->bad = TRUE;
  return FALSE;
}

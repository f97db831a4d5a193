/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Little-endian PTP dataset encoding and bounds-checked decoding. */
#pragma once

#include <glib.h>

void vp_put_u8 (GByteArray *b, guint8 v);
void vp_put_u16 (GByteArray *b, guint16 v);
void vp_put_u32 (GByteArray *b, guint32 v);
void vp_put_u64 (GByteArray *b, guint64 v);
/* A PTP string from UTF-8: at most 254 characters plus the terminator. */
void vp_put_str (GByteArray *b, const char *utf8);
/* A PTP string from raw UTF-16 code units (may be invalid UTF-16). */
void vp_put_str_utf16 (GByteArray *b, const gunichar2 *units, gsize n_units);
void vp_put_u16_array (GByteArray *b, const guint16 *v, gsize n);
void vp_put_u32_array (GByteArray *b, const guint32 *v, gsize n);
void vp_set_u32_at (GByteArray *b, gsize offset, guint32 v);

typedef struct {
  const guint8 *p;
  gsize len;
  gsize pos;
  gboolean bad;   /* a read ran past the end: the dataset is malformed */
} VpReader;

void vp_reader_init (VpReader *r, const guint8 *p, gsize len);
guint8 vp_get_u8 (VpReader *r);
guint16 vp_get_u16 (VpReader *r);
guint32 vp_get_u32 (VpReader *r);
guint64 vp_get_u64 (VpReader *r);
/* Returns a newly allocated UTF-8 string (invalid UTF-16 becomes U+FFFD). */
char *vp_get_str (VpReader *r);
/* Skips a value of a PTP data type; FALSE for an unknown type. */
gboolean vp_skip_value (VpReader *r, guint16 type);

guint16 vp_le16 (const guint8 *p);
guint32 vp_le32 (const guint8 *p);

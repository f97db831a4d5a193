/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A phone's whole object tree as one GetObjectPropList answer gives it
 * (lb-device-ptp.c asks), parsed as the bytes stream in: the answer for
 * 100,000 objects is about 30 MB, and only what a walk needs is kept.
 *
 * What is kept is what libmtp 1.1.20 would have made of the same
 * properties, so that a snapshot does not change with the route its
 * listing took: names decoded as ptp_unpack_string() does (UTF-16LE), dates as
 * ptp_unpack_PTPTIME() (local time, through mktime), formats mapped as
 * libmtp's filetype table.  Anything unexpected (a wrong type for a
 * property a walk needs, a count that does not add up, an object without
 * a name) fails the whole listing: the caller then lists through libmtp.
 *
 * Pure (no USB, no libmtp calls): tests/fuzz/fuzz-proplist.c feeds it
 * anything. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib/gi18n-lib.h>

#include "lb-device-private.h"
#include "lb-error.h"

/* PTP data type codes (PTP 1.1, 5.3) */
enum {
  TYPE_INT8 = 0x0001, TYPE_UINT8, TYPE_INT16, TYPE_UINT16, TYPE_INT32, TYPE_UINT32,
  TYPE_INT64, TYPE_UINT64, TYPE_INT128, TYPE_UINT128,
  TYPE_ARRAY = 0x4000,
  TYPE_STR = 0xFFFF,
};

#define FORMAT_ASSOCIATION 0x3001

/* MTP object property codes */
enum {
  PROP_STORAGE_ID = 0xDC01,
  PROP_OBJECT_FORMAT = 0xDC02,
  PROP_OBJECT_SIZE = 0xDC04,
  PROP_OBJECT_FILE_NAME = 0xDC07,
  PROP_DATE_MODIFIED = 0xDC09,
  PROP_PARENT_OBJECT = 0xDC0B,
};

/* A phone with more objects than this is listed through libmtp, which
 * keeps one folder in memory at a time. */
#define MAX_OBJECTS 2000000
/* The largest array value a phone may send for a property a walk skips. */
#define MAX_ARRAY_BYTES (1 << 20)

struct _LbListing {
  GByteArray *pending;      /* bytes of an element not yet whole */
  gboolean have_count;
  guint32 count;            /* elements announced */
  guint32 parsed;           /* elements read */
  GHashTable *objects;      /* handle → LbListed* (owned) */
  GPtrArray *order;         /* LbListed*, as first named */
  GHashTable *children;     /* parent handle → GPtrArray of LbListed* */
  GHashTable *tops;         /* storage id → GPtrArray of LbListed* */
  gboolean finished;
};

static void
listed_free (LbListed *l)
{
  g_free (l->name);
  g_free (l);
}

LbListing *
lb_listing_new (void)
{
  LbListing *self = g_new0 (LbListing, 1);

  self->pending = g_byte_array_new ();
  self->objects = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) listed_free);
  self->order = g_ptr_array_new ();
  self->children = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->tops = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  return self;
}

void
lb_listing_free (LbListing *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->pending);
  g_hash_table_unref (self->children);
  g_hash_table_unref (self->tops);
  g_ptr_array_unref (self->order);
  g_hash_table_unref (self->objects);
  g_free (self);
}

/* libmtp 1.1.20's filetype table (libmtp.c, init_filemap()): the same
 * format gives the same filetype whichever route listed it. */
static const struct {
  guint16 format;
  guint32 filetype;
} filetypes[] = {
  { 0x3001, LIBMTP_FILETYPE_FOLDER }, { 0xb211, LIBMTP_FILETYPE_MEDIACARD },
  { 0x3008, LIBMTP_FILETYPE_WAV }, { 0x3009, LIBMTP_FILETYPE_MP3 },
  { 0xb983, LIBMTP_FILETYPE_MP2 }, { 0xb901, LIBMTP_FILETYPE_WMA },
  { 0xb902, LIBMTP_FILETYPE_OGG }, { 0xb906, LIBMTP_FILETYPE_FLAC },
  { 0xb903, LIBMTP_FILETYPE_AAC }, { 0xb215, LIBMTP_FILETYPE_M4A },
  { 0xb982, LIBMTP_FILETYPE_MP4 }, { 0xb904, LIBMTP_FILETYPE_AUDIBLE },
  { 0xb900, LIBMTP_FILETYPE_UNDEF_AUDIO }, { 0xb981, LIBMTP_FILETYPE_WMV },
  { 0x300a, LIBMTP_FILETYPE_AVI }, { 0x300b, LIBMTP_FILETYPE_MPEG },
  { 0x300c, LIBMTP_FILETYPE_ASF }, { 0x300d, LIBMTP_FILETYPE_QT },
  { 0xb980, LIBMTP_FILETYPE_UNDEF_VIDEO }, { 0x3801, LIBMTP_FILETYPE_JPEG },
  { 0x380f, LIBMTP_FILETYPE_JP2 }, { 0x3810, LIBMTP_FILETYPE_JPX },
  { 0x3808, LIBMTP_FILETYPE_JFIF }, { 0x380d, LIBMTP_FILETYPE_TIFF },
  { 0x3804, LIBMTP_FILETYPE_BMP }, { 0x3807, LIBMTP_FILETYPE_GIF },
  { 0x380a, LIBMTP_FILETYPE_PICT }, { 0x380b, LIBMTP_FILETYPE_PNG },
  { 0xb881, LIBMTP_FILETYPE_WINDOWSIMAGEFORMAT }, { 0xbe02, LIBMTP_FILETYPE_VCALENDAR1 },
  { 0xbe03, LIBMTP_FILETYPE_VCALENDAR2 }, { 0xbb82, LIBMTP_FILETYPE_VCARD2 },
  { 0xbb83, LIBMTP_FILETYPE_VCARD3 }, { 0xbe80, LIBMTP_FILETYPE_WINEXEC },
  { 0x3004, LIBMTP_FILETYPE_TEXT }, { 0x3005, LIBMTP_FILETYPE_HTML },
  { 0xba82, LIBMTP_FILETYPE_XML }, { 0xba83, LIBMTP_FILETYPE_DOC },
  { 0xba85, LIBMTP_FILETYPE_XLS }, { 0xba86, LIBMTP_FILETYPE_PPT },
  { 0xba84, LIBMTP_FILETYPE_MHT }, { 0xb802, LIBMTP_FILETYPE_FIRMWARE },
  { 0xba03, LIBMTP_FILETYPE_ALBUM }, { 0xba05, LIBMTP_FILETYPE_PLAYLIST },
  { 0x3000, LIBMTP_FILETYPE_UNKNOWN },
};

guint32
lb_ptp_filetype (guint16 format)
{
  for (gsize i = 0; i < G_N_ELEMENTS (filetypes); i++)
    if (filetypes[i].format == format)
      return filetypes[i].filetype;
  return LIBMTP_FILETYPE_UNKNOWN;
}

static gunichar2
unit_at (const guint8 *units, guint i)
{
  return lb_ptp_u16 (units + 2 * i);
}

char *
lb_ptp_string_decode (const guint8 *units, guint n)
{
  GString *s = g_string_sized_new (n);
  gboolean valid = TRUE;

  /* ptp_unpack_string() converts all n units with iconv from UTF-16LE
   * (libmtp.c sets cd_ucs2_to_locale so), which refuses a surrogate
   * without its partner anywhere in them; it then keeps ASCII and makes
   * every other unit '?'.  A NUL unit ends the string either way. */
  for (guint i = 0; i < n && valid; i++)
    {
      gunichar2 u = unit_at (units, i);

      if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && unit_at (units, i + 1) >= 0xDC00 &&
          unit_at (units, i + 1) <= 0xDFFF)
        i++;
      else if (u >= 0xD800 && u <= 0xDFFF)
        valid = FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      gunichar2 u = unit_at (units, i);

      if (u == 0)
        break;
      if (!valid)
        g_string_append_c (s, u > 127 ? '?' : (char) u);
      else if (u >= 0xD800 && u <= 0xDBFF)
        {
          g_string_append_unichar (s, 0x10000 + (((gunichar) u - 0xD800) << 10) +
                                        ((gunichar) unit_at (units, i + 1) - 0xDC00));
          i++;
        }
      else
        g_string_append_unichar (s, u);
    }
  return g_string_free (s, FALSE);
}

/* One field of a date as ptp_unpack_PTPTIME() reads it: atoi() of at most
 * len characters from s. */
static int
date_field (const char *s, gsize len)
{
  char tmp[5];

  memcpy (tmp, s, len);
  tmp[len] = '\0';
  return atoi (tmp);
}

gint64
lb_ptp_time_parse (const char *s)
{
  gsize len = s != NULL ? strlen (s) : 0;
  struct tm tm;

  /* ptp_unpack_PTPTIME(): "YYYYMMDDThhmmss", anything after ignored;
   * shorter than 15 or longer than its 39-byte buffer is no date. */
  if (len < 15 || len >= 40)
    return 0;
  memset (&tm, 0, sizeof tm);
  tm.tm_year = date_field (s, 4) - 1900;
  tm.tm_mon = date_field (s + 4, 2) - 1;
  tm.tm_mday = date_field (s + 6, 2);
  tm.tm_hour = date_field (s + 9, 2);
  tm.tm_min = date_field (s + 11, 2);
  tm.tm_sec = date_field (s + 13, 2);
  tm.tm_isdst = -1;
  return (gint64) mktime (&tm);
}

static gsize
scalar_size (guint16 type)
{
  switch (type)
    {
    case TYPE_INT8: case TYPE_UINT8: return 1;
    case TYPE_INT16: case TYPE_UINT16: return 2;
    case TYPE_INT32: case TYPE_UINT32: return 4;
    case TYPE_INT64: case TYPE_UINT64: return 8;
    case TYPE_INT128: case TYPE_UINT128: return 16;
    default: return 0;
    }
}

static guint64
get_u64 (const guint8 *p)
{
  return (guint64) lb_ptp_u32 (p) | (guint64) lb_ptp_u32 (p + 4) << 32;
}

static gboolean
malformed (GError **error, const char *why)
{
  g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("The phone's list of objects is malformed: %s."), why);
  return FALSE;
}

static gboolean
wrong_type (GError **error, guint32 handle, guint16 prop, guint16 type)
{
  g_autofree char *why = g_strdup_printf (_("property 0x%04x of object %u has type 0x%04x"), prop, handle, type);
  return malformed (error, why);
}

static LbListed *
object_for (LbListing *self, guint32 handle, GError **error)
{
  LbListed *l = g_hash_table_lookup (self->objects, GUINT_TO_POINTER (handle));

  if (l != NULL)
    return l;
  if (handle == 0 || handle == 0xFFFFFFFFu)
    {
      malformed (error, _("an object has handle 0 or 0xFFFFFFFF"));
      return NULL;
    }
  if (self->order->len >= MAX_OBJECTS)
    {
      malformed (error, _("more than two million objects"));
      return NULL;
    }
  l = g_new0 (LbListed, 1);
  l->handle = handle;
  g_hash_table_insert (self->objects, GUINT_TO_POINTER (handle), l);
  g_ptr_array_add (self->order, l);
  return l;
}

/* One whole element: handle, property, type and value at p. */
static gboolean
take_element (LbListing *self, const guint8 *p, gsize value_len, GError **error)
{
  guint32 handle = lb_ptp_u32 (p);
  guint16 prop = lb_ptp_u16 (p + 4), type = lb_ptp_u16 (p + 6);
  const guint8 *v = p + 8;
  LbListed *l;

  switch (prop)
    {
    case PROP_STORAGE_ID:
    case PROP_PARENT_OBJECT:
      if (type != TYPE_UINT32)
        return wrong_type (error, handle, prop, type);
      break;
    case PROP_OBJECT_FORMAT:
      if (type != TYPE_UINT16)
        return wrong_type (error, handle, prop, type);
      break;
    case PROP_OBJECT_SIZE:
      if (type != TYPE_UINT64 && type != TYPE_UINT32)
        return wrong_type (error, handle, prop, type);
      break;
    case PROP_OBJECT_FILE_NAME:
    case PROP_DATE_MODIFIED:
      if (type != TYPE_STR)
        return wrong_type (error, handle, prop, type);
      break;
    default:
      /* Named all the same: an object the walk needs must not hide
       * behind properties it skips. */
      return object_for (self, handle, error) != NULL;
    }
  if ((l = object_for (self, handle, error)) == NULL)
    return FALSE;
  switch (prop)
    {
    case PROP_STORAGE_ID:
      l->storage_id = lb_ptp_u32 (v);
      l->have |= LB_LISTED_STORAGE;
      break;
    case PROP_PARENT_OBJECT:
      l->parent = lb_ptp_u32 (v);
      l->have |= LB_LISTED_PARENT;
      break;
    case PROP_OBJECT_FORMAT:
      l->format = lb_ptp_u16 (v);
      l->have |= LB_LISTED_FORMAT;
      break;
    case PROP_OBJECT_SIZE:
      l->size = type == TYPE_UINT64 ? get_u64 (v) : lb_ptp_u32 (v);
      l->have |= LB_LISTED_SIZE;
      break;
    case PROP_OBJECT_FILE_NAME:
      g_free (l->name);
      l->name = lb_ptp_string_decode (v + 1, v[0]);
      l->have |= LB_LISTED_NAME;
      break;
    case PROP_DATE_MODIFIED:
      {
        g_autofree char *date = lb_ptp_string_decode (v + 1, v[0]);
        l->mtime = lb_ptp_time_parse (date);
        l->have |= LB_LISTED_MTIME;
      }
      break;
    }
  (void) value_len;
  return TRUE;
}

/* How many bytes the element at p (avail of them there) takes: 0 when
 * more are needed to tell, -1 (error set) when it cannot be an element. */
static gssize
element_length (const guint8 *p, gsize avail, GError **error)
{
  guint16 type;
  gsize n;

  if (avail < 8)
    return 0;
  type = lb_ptp_u16 (p + 6);
  if (type == TYPE_STR)
    return avail < 9 ? 0 : (gssize) (9 + 2 * (gsize) p[8]);
  if ((n = scalar_size (type)) > 0)
    return (gssize) (8 + n);
  if ((type & TYPE_ARRAY) && (n = scalar_size (type & ~TYPE_ARRAY)) > 0)
    {
      guint32 count;

      if (avail < 12)
        return 0;
      count = lb_ptp_u32 (p + 8);
      if ((guint64) count * n > MAX_ARRAY_BYTES)
        {
          malformed (error, _("an array value is larger than 1 MiB"));
          return -1;
        }
      return (gssize) (12 + count * n);
    }
  {
    g_autofree char *why = g_strdup_printf (_("unknown data type 0x%04x"), type);
    malformed (error, why);
  }
  return -1;
}

gboolean
lb_listing_feed (LbListing *self, const guint8 *data, gsize len, GError **error)
{
  gsize at = 0;

  g_return_val_if_fail (!self->finished, FALSE);

  g_byte_array_append (self->pending, data, (guint) len);
  if (!self->have_count)
    {
      if (self->pending->len < 4)
        return TRUE;
      self->count = lb_ptp_u32 (self->pending->data);
      self->have_count = TRUE;
      at = 4;
    }
  while (at < self->pending->len)
    {
      gssize n = element_length (self->pending->data + at, self->pending->len - at, error);

      if (n < 0)
        return FALSE;
      if (n == 0 || (gsize) n > self->pending->len - at)
        break;
      if (self->parsed == self->count)
        return malformed (error, _("more elements than it announced"));
      if (!take_element (self, self->pending->data + at, (gsize) n - 8, error))
        return FALSE;
      self->parsed++;
      at += (gsize) n;
    }
  g_byte_array_remove_range (self->pending, 0, (guint) at);
  return TRUE;
}

static void
add_child (GHashTable *index, guint32 key, LbListed *l)
{
  GPtrArray *list = g_hash_table_lookup (index, GUINT_TO_POINTER (key));

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (index, GUINT_TO_POINTER (key), list);
    }
  g_ptr_array_add (list, l);
}

/* Every object hangs below a storage's top through folders: a walk
 * reaches it.  One in a cycle of parents, below a file or below an object
 * not listed would be left out without a word. */
static gboolean
check_reach (LbListing *self, GError **error)
{
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint reached = 0;

  g_hash_table_iter_init (&iter, self->tops);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_extend (todo, value, NULL, NULL);
  while (todo->len > 0)
    {
      LbListed *l = g_ptr_array_steal_index_fast (todo, todo->len - 1);
      GPtrArray *below;

      reached++;
      if (l->format == FORMAT_ASSOCIATION &&
          (below = g_hash_table_lookup (self->children, GUINT_TO_POINTER (l->handle))) != NULL)
        g_ptr_array_extend (todo, below, NULL, NULL);
    }
  if (reached != self->order->len)
    {
      g_autofree char *why = g_strdup_printf (_("%u of its objects are in no folder a walk reaches"),
                                              self->order->len - reached);
      return malformed (error, why);
    }
  return TRUE;
}

gboolean
lb_listing_finish (LbListing *self, GError **error)
{
  g_return_val_if_fail (!self->finished, FALSE);

  if (!self->have_count || self->parsed != self->count || self->pending->len > 0)
    {
      g_autofree char *why = g_strdup_printf (_("it announced %u elements and held %u"), self->count,
                                              self->parsed);
      return malformed (error, why);
    }
  for (guint i = 0; i < self->order->len; i++)
    {
      LbListed *l = self->order->pdata[i];

      if ((l->have & LB_LISTED_ALL) != LB_LISTED_ALL)
        {
          g_autofree char *why = g_strdup_printf (_("object %u lacks a property every object has"), l->handle);
          return malformed (error, why);
        }
      l->filetype = lb_ptp_filetype (l->format);
      /* Top-level objects name 0 as parent; some phones say 0xFFFFFFFF. */
      if (l->parent == 0 || l->parent == 0xFFFFFFFFu)
        add_child (self->tops, l->storage_id, l);
      else
        add_child (self->children, l->parent, l);
    }
  self->finished = TRUE;
  return check_reach (self, error);
}

const GPtrArray *
lb_listing_children (LbListing *self, guint32 storage_id, guint32 parent)
{
  g_return_val_if_fail (self->finished, NULL);

  if (parent == 0)
    return g_hash_table_lookup (self->tops, GUINT_TO_POINTER (storage_id));
  return g_hash_table_lookup (self->children, GUINT_TO_POINTER (parent));
}

const LbListed *
lb_listing_lookup (LbListing *self, guint32 handle)
{
  return g_hash_table_lookup (self->objects, GUINT_TO_POINTER (handle));
}

guint
lb_listing_count (LbListing *self, guint32 storage_id)
{
  guint n = 0;

  for (guint i = 0; i < self->order->len; i++)
    n += ((LbListed *) self->order->pdata[i])->storage_id == storage_id;
  return n;
}

const LbListed *
lb_listing_nth (LbListing *self, guint i)
{
  return i < self->order->len ? self->order->pdata[i] : NULL;
}

guint
lb_listing_size (LbListing *self)
{
  return self->order->len;
}

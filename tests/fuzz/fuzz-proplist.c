/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A GetObjectPropList answer as the phone streams it (lb-device-proplist.c):
 * the payload of the data phase, in pieces.  The first byte of the input
 * picks the piece size, the rest is the payload.  Whatever the bytes, the
 * parser ends with an error or with a listing whose every object has a
 * UTF-8 name and hangs below a storage's top through folders; and the
 * pieces' size changes nothing. */
#include "fuzz.h"
#include "lb-device-private.h"

#include <string.h>

static LbListing *
parse (const guint8 *data, gsize size, gsize piece, char **error_message)
{
  g_autoptr(LbListing) listing = lb_listing_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  for (gsize at = 0; at < size && ok; at += piece)
    ok = lb_listing_feed (listing, data + at, MIN (piece, size - at), &error);
  if (ok)
    ok = lb_listing_finish (listing, &error);
  if (!ok)
    {
      FUZZ_CHECK (error != NULL && error->message != NULL);
      *error_message = g_strdup (error->message);
      return NULL;
    }
  FUZZ_CHECK (error == NULL);
  return g_steal_pointer (&listing);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(LbListing) whole = NULL, pieces = NULL;
  g_autofree char *whole_error = NULL, *pieces_error = NULL;
  gsize piece;

  fuzz_strict ();
  if (size < 1)
    return 0;
  piece = 1 + data[0] % 64;
  whole = parse (data + 1, size - 1, G_MAXSIZE, &whole_error);
  pieces = parse (data + 1, size - 1, piece, &pieces_error);
  FUZZ_CHECK ((whole == NULL) == (pieces == NULL));
  if (whole == NULL)
    {
      FUZZ_CHECK (g_str_equal (whole_error, pieces_error));
      return 0;
    }
  FUZZ_CHECK (lb_listing_size (whole) == lb_listing_size (pieces));
  /* Each object is at least one 12-byte element. */
  FUZZ_CHECK ((gsize) lb_listing_size (whole) * 12 <= size);
  for (guint i = 0; i < lb_listing_size (whole); i++)
    {
      const LbListed *a = lb_listing_nth (whole, i), *b = lb_listing_nth (pieces, i);
      const GPtrArray *siblings = lb_listing_children (whole, a->storage_id,
                                                       a->parent == 0xFFFFFFFFu ? 0 : a->parent);
      gboolean found = FALSE;

      FUZZ_CHECK (a->handle == b->handle && a->size == b->size && a->mtime == b->mtime);
      FUZZ_CHECK (g_str_equal (a->name, b->name));
      FUZZ_CHECK (g_utf8_validate (a->name, -1, NULL));
      FUZZ_CHECK (a->handle != 0 && a->handle != 0xFFFFFFFFu);
      FUZZ_CHECK (siblings != NULL);
      for (guint j = 0; j < siblings->len && !found; j++)
        found = siblings->pdata[j] == a;
      FUZZ_CHECK (found);
      FUZZ_CHECK (lb_listing_lookup (whole, a->handle) == a);
    }
  return 0;
}

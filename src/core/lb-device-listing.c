/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which route lists a phone: the fast listing (lb-device-ptp.c) where the
 * phone offers it and its answers check out, libmtp's listing otherwise,
 * and for a phone whose fast listing failed in a way that will not go
 * away (it does not offer it, or its answer did not check out), libmtp's
 * from then on, without asking again.
 *
 * That memory is a key file in the user's cache directory
 * (lifeboat/listing.ini): one line per phone (its device key, in hex) with
 * the date and the reason.  It is asked again after RETRY_DAYS: a system
 * update may mend the phone.  Losing the file costs one try. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "lb-device-private.h"
#include "lb-error.h"

#define GROUP "libmtp-listing"
#define RETRY_DAYS 30

static char *
memory_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "lifeboat", "listing.ini", NULL);
}

static char *
memory_key (const LbDeviceInfo *info)
{
  g_autofree char *key = lb_device_info_key (info);
  GString *hex = g_string_new (NULL);

  for (const guchar *p = (const guchar *) key; *p != '\0'; p++)
    g_string_append_printf (hex, "%02x", *p);
  return g_string_free (hex, FALSE);
}

/* The reason libmtp lists this phone, or NULL. */
static char *
remembered (const LbDeviceInfo *info)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = memory_path (), *key = memory_key (info), *value = NULL;
  gint64 since;
  char *reason;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL) ||
      (value = g_key_file_get_string (file, GROUP, key, NULL)) == NULL)
    return NULL;
  /* "SECONDS REASON" */
  since = g_ascii_strtoll (value, &reason, 10);
  if (g_get_real_time () / G_USEC_PER_SEC - since > RETRY_DAYS * 24 * 3600)
    return NULL;
  return g_strdup (g_strstrip (reason));
}

void
lb_device_listing_remember (const LbDeviceInfo *info, const char *reason)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = memory_path (), *dir = g_path_get_dirname (path);
  g_autofree char *key = memory_key (info), *value = NULL;
  g_autoptr(GError) error = NULL;

  g_debug ("listing %s through libmtp from now on: %s", info->serial, reason);
  /* The phone's serial and model are the owner's business. */
  if (g_mkdir_with_parents (dir, 0700) != 0)
    return;
  g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  value = g_strdup_printf ("%" G_GINT64_FORMAT " %s", g_get_real_time () / G_USEC_PER_SEC, reason);
  g_key_file_set_string (file, GROUP, key, value);
  /* Atomic (g_file_set_contents): two Lifeboats at once lose at most the
   * other's line, which costs it one try. */
  if (!g_key_file_save_to_file (file, path, &error))
    g_debug ("could not remember the listing route: %s", error->message);
  else
    g_chmod (path, 0600);
}

LbListing *
lb_device_fast_listing (const LbDeviceInfo *chosen)
{
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  gboolean lasting = FALSE;
  LbListing *listing;

  if ((reason = remembered (chosen)) != NULL)
    {
      g_debug ("listing %s through libmtp: %s", chosen->serial, reason);
      return NULL;
    }
  listing = lb_ptp_list_fetch (chosen->bus, chosen->address, &lasting, &error);
  if (listing != NULL)
    return listing;
  g_debug ("no fast listing of %s: %s", chosen->serial, error->message);
  /* Not offered, answered wrongly, or too slow to answer: that stays so.
   * A busy, locked or pulled phone, or one whose session was cut short
   * (a Lifeboat killed mid-listing), may do better next time. */
  if (lasting)
    lb_device_listing_remember (chosen, error->message);
  return NULL;
}

gboolean
lb_device_listing_agrees (LIBMTP_mtpdevice_t *mtp, const LbDeviceInfo *info, LbListing *listing)
{
  guint n = lb_listing_size (listing);
  const LbListed *l;
  LIBMTP_file_t *f;
  gboolean same;
  LbQuiet quiet;

  if (n == 0)
    return TRUE;
  /* The last object listed: on AOSP the newest handle, the first to
   * differ if the phone had numbered its objects anew for libmtp. */
  l = lb_listing_nth (listing, n - 1);
  lb_quiet_begin (&quiet);
  f = LIBMTP_Get_Filemetadata (mtp, l->handle);
  lb_quiet_end (&quiet);
  LIBMTP_Clear_Errorstack (mtp);
  same = f != NULL && f->storage_id == l->storage_id && f->parent_id == l->parent &&
         f->filesize == l->size && g_strcmp0 (f->filename, l->name) == 0 &&
         f->filetype == l->filetype && (gint64) f->modificationdate == l->mtime;
  /* A refusal now and then is no proof of anything: that one only drops
   * this listing. */
  if (!same && f != NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("object %u reads otherwise through libmtp's session"),
                                                 l->handle);
      lb_device_listing_remember (info, reason);
    }
  if (f != NULL)
    LIBMTP_destroy_file_t (f);
  return same;
}

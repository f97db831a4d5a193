/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Playlists and albums: abstract objects on media players (the rig's
 * `player` profile: 0xBA05 AbstractAudioVideoPlaylist, 0xBA03
 * AbstractAudioAlbum, which libmtp types LIBMTP_FILETYPE_PLAYLIST and
 * LIBMTP_FILETYPE_ALBUM).
 *
 * LIBMTP_Get_Playlist_List and LIBMTP_Get_Album_List work from a listing
 * of the whole device.  Instead, lb_device_walk remembers the handles of
 * those types as it goes, and here each is read by itself with
 * LIBMTP_Get_Playlist / LIBMTP_Get_Album: one GetObjectReferences a list,
 * its ObjectInfo and name coming from libmtp's cache of the walk (measured
 * on the player: 9 lists, 9 transactions).  So a walk comes first; a
 * storage not walked yet is walked here, without reporting, so that no
 * list is missed. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-device-private.h"
#include "lb-error.h"

static gboolean
ignore_object (const LbObject *object, gpointer user_data)
{
  (void) object;
  (void) user_data;
  return TRUE;
}

static gint
compare_handles (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static LbMediaList *
media_list_new (LbListKind kind, guint32 handle, const LbListSeen *seen, const char *name,
                const char *artist, const uint32_t *tracks, uint32_t n_tracks)
{
  LbMediaList *list = g_new0 (LbMediaList, 1);

  list->kind = kind;
  list->handle = handle;
  list->storage_id = seen->storage_id;
  list->parent = seen->parent;
  list->name = g_strdup (name != NULL ? name : "");
  list->artist = g_strdup (artist != NULL ? artist : "");
  list->members = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_tracks);
  if (tracks != NULL && n_tracks > 0)
    g_array_append_vals (list->members, tracks, n_tracks);
  return list;
}

static LbMediaList *
read_list (LbDevice *self, guint32 handle, const LbListSeen *seen)
{
  LbMediaList *list = NULL;
  LbQuiet quiet;

  lb_quiet_begin (&quiet);
  if (seen->kind == LB_LIST_PLAYLIST)
    {
      LIBMTP_playlist_t *pl = LIBMTP_Get_Playlist (self->mtp, handle);
      if (pl != NULL)
        list = media_list_new (LB_LIST_PLAYLIST, handle, seen, pl->name, NULL, pl->tracks, pl->no_tracks);
      LIBMTP_destroy_playlist_t (pl);
    }
  else
    {
      LIBMTP_album_t *al = LIBMTP_Get_Album (self->mtp, handle);
      if (al != NULL)
        list = media_list_new (LB_LIST_ALBUM, handle, seen, al->name, al->artist, al->tracks, al->no_tracks);
      LIBMTP_destroy_album_t (al);
    }
  lb_quiet_end (&quiet);
  return list;
}

GPtrArray *
lb_device_get_lists (LbDevice *self, GError **error)
{
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GArray) handles = g_array_new (FALSE, FALSE, sizeof (guint32));
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (LB_IS_DEVICE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!lb_device_check_thread (self, G_STRFUNC, error))
    return NULL;
  for (guint i = 0; i < self->info->storages->len; i++)
    {
      guint32 id = ((LbStorageInfo *) self->info->storages->pdata[i])->id;

      if (!g_hash_table_contains (self->walked, GUINT_TO_POINTER (id))
          && !lb_device_walk_internal (self, id, ignore_object, NULL, NULL, NULL, error))
        return NULL;
    }

  /* In handle order: the order the phone created them in. */
  g_hash_table_iter_init (&iter, self->lists);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint32 handle = GPOINTER_TO_UINT (key);
      g_array_append_val (handles, handle);
    }
  g_array_sort (handles, compare_handles);
  lists = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_media_list_free);
  for (guint i = 0; i < handles->len; i++)
    {
      guint32 handle = g_array_index (handles, guint32, i);
      gint64 started = g_get_monotonic_time ();
      LbMediaList *list;

      LIBMTP_Clear_Errorstack (self->mtp);
      list = read_list (self, handle, g_hash_table_lookup (self->lists, GUINT_TO_POINTER (handle)));
      if (list == NULL)
        {
          /* No other way to say that one list is missing than failing. */
          lb_device_error_from_mtp_about (self->mtp, self->info, handle, started,
                                          _("Could not read a playlist or album"), error);
          return NULL;
        }
      g_ptr_array_add (lists, list);
    }
  LIBMTP_Clear_Errorstack (self->mtp);
  return g_steal_pointer (&lists);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing to a phone, for restores: folders, files, dates, deletions,
 * playlists and albums. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "lb-device-private.h"
#include "lb-error.h"
#include "lb-clock.h"

#define PTP_RC_GENERAL_ERROR 0x2002
#define PTP_RC_INVALID_PARAMETER 0x201D
#define PTP_RC_INVALID_OBJECT_FORMAT 0x200B
#define MTP_RC_OBJECT_TOO_LARGE 0xA809
/* Asking twice more for a date is cheap (one transaction each) and rides
 * out a phone that is busy for a moment. */
#define SET_MTIME_RETRIES 2
#define SET_MTIME_PAUSE_USEC (50 * 1000)

/* The PTP response codes on libmtp's error stack, without clearing it. */
static gboolean
stack_has_code (LIBMTP_mtpdevice_t *mtp, guint code)
{
  g_autofree char *hex = g_strdup_printf ("%04x", code);
  g_autofree char *HEX = g_ascii_strup (hex, -1);

  for (LIBMTP_error_t *e = LIBMTP_Get_Errorstack (mtp); e != NULL; e = e->next)
    if (e->error_text != NULL && (strstr (e->error_text, hex) != NULL || strstr (e->error_text, HEX) != NULL))
      return TRUE;
  return FALSE;
}

/* A failure to create an object: the phone refusing it is REFUSED, the
 * rest goes through the common translation. */
static void
create_error (LbDevice *self, const char *doing, const char *name, GError **error)
{
  if (stack_has_code (self->mtp, PTP_RC_INVALID_PARAMETER) || stack_has_code (self->mtp, PTP_RC_INVALID_OBJECT_FORMAT))
    {
      LIBMTP_Clear_Errorstack (self->mtp);
      g_set_error (error, LB_ERROR, LB_ERROR_REFUSED, _("the phone refused the name “%s”"), name);
    }
  else if (stack_has_code (self->mtp, MTP_RC_OBJECT_TOO_LARGE))
    {
      LIBMTP_Clear_Errorstack (self->mtp);
      g_set_error_literal (error, LB_ERROR, LB_ERROR_REFUSED,
                           _("the phone's storage cannot hold a file that large (a FAT32 card holds files up to 4 GiB)"));
    }
  else
    lb_device_error_from_mtp (self->mtp, self->info, doing, error);
}

gboolean
lb_device_refresh_storages (LbDevice *self, GError **error)
{
  LbQuiet quiet;
  int r;

  g_return_val_if_fail (LB_IS_DEVICE (self), FALSE);
  if (!lb_device_check_thread (self, G_STRFUNC, error))
    return FALSE;
  lb_quiet_begin (&quiet);
  r = LIBMTP_Get_Storage (self->mtp, LIBMTP_STORAGE_SORTBY_NOTSORTED);
  lb_quiet_end (&quiet);
  if (r < 0)
    {
      lb_device_error_from_mtp (self->mtp, self->info, _("Could not read the phone's storages"), error);
      return FALSE;
    }
  for (LIBMTP_devicestorage_t *s = self->mtp->storage; s != NULL; s = s->next)
    for (guint i = 0; i < self->info->storages->len; i++)
      {
        LbStorageInfo *st = self->info->storages->pdata[i];
        if (st->id == s->id)
          {
            st->capacity = s->MaxCapacity;
            st->free = s->FreeSpaceInBytes;
          }
      }
  LIBMTP_Clear_Errorstack (self->mtp);
  return TRUE;
}

/* Our "top of the storage" is 0, as a phone reports it.  Sent as 0 it means
 * something else: libmtp passes it through unchanged, and Android 9 and
 * later answer InvalidObjectHandle (AOSP MtpServer::doSendObjectInfo() asks
 * MtpStorageManager.getObject(0), which is null); only 0xFFFFFFFF names
 * the storage's top. */
static guint32
mtp_parent (guint32 parent)
{
  return parent == 0 ? LIBMTP_FILES_AND_FOLDERS_ROOT : parent;
}

/* The name the phone gives the object it just created (libmtp reads its
 * ObjectInfo into its cache as it creates it), or NULL when unknown. */
static char *
created_name (LbDevice *self, guint32 handle, gint64 *mtime)
{
  LIBMTP_file_t *back = LIBMTP_Get_Filemetadata (self->mtp, handle);
  char *name = NULL;

  if (mtime != NULL)
    *mtime = back ? back->modificationdate : 0;
  if (back != NULL && back->filename != NULL && g_utf8_validate (back->filename, -1, NULL))
    name = g_strdup (back->filename);
  if (back != NULL)
    LIBMTP_destroy_file_t (back);
  LIBMTP_Clear_Errorstack (self->mtp);
  return name;
}

guint32
lb_device_create_folder (LbDevice *self, guint32 storage_id, guint32 parent, const char *name,
                         char **phone_name, GError **error)
{
  g_autofree char *copy = g_strdup (name);
  LbQuiet quiet;
  guint32 handle;

  g_return_val_if_fail (LB_IS_DEVICE (self), 0);
  if (!lb_device_check_writer (self, G_STRFUNC, error))
    return 0;
  LIBMTP_Clear_Errorstack (self->mtp);
  lb_quiet_begin (&quiet);
  handle = LIBMTP_Create_Folder (self->mtp, copy, mtp_parent (parent), storage_id);
  lb_quiet_end (&quiet);
  if (handle == 0)
    {
      create_error (self, _("Could not create a folder on the phone"), name, error);
      return 0;
    }
  LIBMTP_Clear_Errorstack (self->mtp);
  if (phone_name != NULL)
    *phone_name = created_name (self, handle, NULL);
  return handle;
}

typedef struct {
  LbFillFunc fill;
  gpointer user_data;
  GCancellable *cancellable;
  gboolean failed;
  gboolean cancelled;
} SendContext;

/* libmtp asks for the next block of the file. */
static uint16_t
get_block (void *params, void *priv, uint32_t wantlen, unsigned char *data, uint32_t *gotlen)
{
  SendContext *ctx = priv;
  gssize n;

  (void) params;
  if (g_cancellable_is_cancelled (ctx->cancellable))
    {
      ctx->cancelled = TRUE;
      return LIBMTP_HANDLER_RETURN_CANCEL;
    }
  n = ctx->fill (data, wantlen, ctx->user_data);
  if (n < 0)
    {
      ctx->failed = TRUE;
      return LIBMTP_HANDLER_RETURN_ERROR;
    }
  *gotlen = (uint32_t) n;
  return LIBMTP_HANDLER_RETURN_OK;
}

static int
send_progress (uint64_t sent, uint64_t total, void const *const data)
{
  const SendContext *ctx = data;
  (void) sent;
  (void) total;
  return g_cancellable_is_cancelled (ctx->cancellable) ? 1 : 0;
}

/* A phone whose disk fills while the data flows does not say StoreFull:
 * Android's MtpServer::doSendObject answers GeneralError to any failed
 * write, and deletes what it received.  Its free space, read again, tells:
 * less than the file needs means the storage is (nearly) full. */
static gboolean
send_failed_for_space (LbDevice *self, guint32 storage_id, guint64 size, guint64 *free_now)
{
  if (!lb_device_refresh_storages (self, NULL))
    return FALSE;
  for (guint i = 0; i < self->info->storages->len; i++)
    {
      LbStorageInfo *st = self->info->storages->pdata[i];
      if (st->id == storage_id)
        {
          *free_now = st->free;
          return st->free < size;
        }
    }
  return FALSE;
}

guint32
lb_device_send_file (LbDevice *self, guint32 storage_id, guint32 parent, const char *name, guint32 filetype,
                     guint64 size, LbFillFunc fill, gpointer user_data, gint64 *phone_mtime,
                     char **phone_name, GCancellable *cancellable, GError **error)
{
  SendContext ctx = { fill, user_data, cancellable, FALSE, FALSE };
  LIBMTP_file_t *f;
  guint32 handle = 0;
  gint64 mtime = 0;
  char *named;
  int r;

  g_return_val_if_fail (LB_IS_DEVICE (self), 0);
  if (!lb_device_check_writer (self, G_STRFUNC, error))
    return 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return 0;
  f = LIBMTP_new_file_t ();
  f->filename = strdup (name);
  f->filesize = size;
  f->filetype = (LIBMTP_filetype_t) filetype;
  f->parent_id = mtp_parent (parent);
  f->storage_id = storage_id;
  LIBMTP_Clear_Errorstack (self->mtp);
  /* Not wrapped in lb_quiet_begin(): fill runs inside (see lb-device-mtp.c). */
  r = LIBMTP_Send_File_From_Handler (self->mtp, get_block, &ctx, f, send_progress, &ctx);
  if (r != 0)
    {
      LIBMTP_destroy_file_t (f);
      if (ctx.cancelled || g_cancellable_is_cancelled (cancellable))
        {
          LIBMTP_Clear_Errorstack (self->mtp);
          if (!g_cancellable_set_error_if_cancelled (cancellable, error))
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Sending was stopped."));
        }
      else if (ctx.failed)
        {
          LIBMTP_Clear_Errorstack (self->mtp);
          g_set_error_literal (error, LB_ERROR, LB_ERROR_LIBRARY_DAMAGED,
                               _("the library's copy of the file could not be read"));
        }
      else
        {
          gboolean general = stack_has_code (self->mtp, PTP_RC_GENERAL_ERROR);
          g_autoptr(GError) local = NULL;
          guint64 free_now = 0;

          create_error (self, _("Could not send a file to the phone"), name, &local);
          if (general && !g_error_matches (local, LB_ERROR, LB_ERROR_DEVICE_GONE) &&
              send_failed_for_space (self, storage_id, size, &free_now))
            {
              g_autofree char *need = g_format_size (size);
              g_autofree char *left = g_format_size (free_now);
              g_set_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL,
                           _("The phone could not store “%s” (%s) and has only %s free now: its storage "
                             "is probably full. Free some space on the phone."),
                           name, need, left);
            }
          else
            g_propagate_error (error, g_steal_pointer (&local));
        }
      return 0;
    }
  handle = f->item_id;
  LIBMTP_destroy_file_t (f);
  /* The date and name the phone gave it: what the next backup will see. */
  named = created_name (self, handle, &mtime);
  if (phone_mtime != NULL)
    *phone_mtime = mtime;
  if (phone_name != NULL)
    *phone_name = named;
  else
    g_free (named);
  return handle;
}

gboolean
lb_device_set_mtime (LbDevice *self, guint32 handle, gint64 mtime, GError **error)
{
  g_autoptr(GDateTime) dt = lb_clock_local_time (mtime);
  g_autofree char *text = NULL;
  int r;

  g_return_val_if_fail (LB_IS_DEVICE (self), FALSE);
  if (!lb_device_check_writer (self, G_STRFUNC, error))
    return FALSE;
  if (dt == NULL)
    {
      g_set_error_literal (error, LB_ERROR, LB_ERROR_BAD_INPUT, _("not a date"));
      return FALSE;
    }
  /* libmtp reads a phone's dates as the desktop's local time: write them
   * the same way so they read back as the same moment. */
  text = g_date_time_format (dt, "%Y%m%dT%H%M%S");
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) local = NULL;

      LIBMTP_Clear_Errorstack (self->mtp);
      r = LIBMTP_Set_Object_String (self->mtp, handle, LIBMTP_PROPERTY_DateModified, text);
      if (r == 0)
        return TRUE;
      lb_device_error_from_mtp_prop (self->mtp, self->info, _("Could not set the file's date"), &local);
      if (g_error_matches (local, LB_ERROR, LB_ERROR_NOT_SUPPORTED))
        {
          /* Android refuses DateModified outright (ObjectPropNotSupported). */
          g_set_error_literal (error, LB_ERROR, LB_ERROR_NOT_SUPPORTED,
                               _("this phone sets a file's date itself, to the time of the transfer"));
          return FALSE;
        }
      /* A busy or flaky answer is often gone a moment later. */
      if (attempt == SET_MTIME_RETRIES || !lb_device_error_is_transient (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_usleep (SET_MTIME_PAUSE_USEC);
    }
}

gboolean
lb_device_delete (LbDevice *self, guint32 handle, GError **error)
{
  g_return_val_if_fail (LB_IS_DEVICE (self), FALSE);
  if (!lb_device_check_writer (self, G_STRFUNC, error))
    return FALSE;
  LIBMTP_Clear_Errorstack (self->mtp);
  if (LIBMTP_Delete_Object (self->mtp, handle) == 0)
    return TRUE;
  lb_device_error_from_mtp (self->mtp, self->info, _("Could not delete an object on the phone"), error);
  return FALSE;
}

static gboolean
supports_filetype (LbDevice *self, LIBMTP_filetype_t type)
{
  uint16_t *types = NULL;
  uint16_t n = 0;
  gboolean found = FALSE;

  if (LIBMTP_Get_Supported_Filetypes (self->mtp, &types, &n) != 0)
    return FALSE;
  for (uint16_t i = 0; i < n; i++)
    found = found || types[i] == type;
  free (types);
  return found;
}

guint32
lb_device_create_list (LbDevice *self, const LbMediaList *list, GError **error)
{
  LIBMTP_filetype_t type = list->kind == LB_LIST_ALBUM ? LIBMTP_FILETYPE_ALBUM : LIBMTP_FILETYPE_PLAYLIST;
  LbQuiet quiet;
  guint32 handle = 0;
  int r;

  g_return_val_if_fail (LB_IS_DEVICE (self), 0);
  if (!lb_device_check_writer (self, G_STRFUNC, error))
    return 0;
  /* Without abstract lists libmtp would leave an empty stand-in file on
   * the phone (or write a vendor's own playlist format): refuse instead. */
  if (!supports_filetype (self, type))
    {
      g_set_error_literal (error, LB_ERROR, LB_ERROR_NOT_SUPPORTED, _("this phone keeps no playlists or albums"));
      return 0;
    }
  LIBMTP_Clear_Errorstack (self->mtp);
  lb_quiet_begin (&quiet);
  if (list->kind == LB_LIST_ALBUM)
    {
      LIBMTP_album_t *a = LIBMTP_new_album_t ();
      a->name = strdup (list->name ? list->name : "");
      a->artist = strdup (list->artist ? list->artist : "");
      a->parent_id = list->parent;
      a->storage_id = list->storage_id;
      a->no_tracks = list->members->len;
      a->tracks = malloc (sizeof (uint32_t) * MAX (1, list->members->len));
      memcpy (a->tracks, list->members->data, sizeof (uint32_t) * list->members->len);
      r = LIBMTP_Create_New_Album (self->mtp, a);
      handle = r == 0 ? a->album_id : 0;
      LIBMTP_destroy_album_t (a);
    }
  else
    {
      LIBMTP_playlist_t *p = LIBMTP_new_playlist_t ();
      p->name = strdup (list->name ? list->name : "");
      p->parent_id = list->parent;
      p->storage_id = list->storage_id;
      p->no_tracks = list->members->len;
      p->tracks = malloc (sizeof (uint32_t) * MAX (1, list->members->len));
      memcpy (p->tracks, list->members->data, sizeof (uint32_t) * list->members->len);
      r = LIBMTP_Create_New_Playlist (self->mtp, p);
      handle = r == 0 ? p->playlist_id : 0;
      LIBMTP_destroy_playlist_t (p);
    }
  lb_quiet_end (&quiet);
  if (handle == 0)
    create_error (self, _("Could not create a playlist or album on the phone"), list->name, error);
  else
    LIBMTP_Clear_Errorstack (self->mtp);
  return handle;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Walking a storage: every object, parents before children, each reported
 * once, whatever a hostile phone says.  Folders come from the fast listing
 * (lb-device-ptp.c) where the device has one, from libmtp otherwise; both
 * go through take_listing(), so both are held to the same rules.
 *
 * What follows is libmtp's route.
 * The listing route, measured on the rig (android profile, `typical`
 * phone: 2,000 files in 55 folders on two storages, vphone-run --stats):
 *
 *   LIBMTP_Get_Files_And_Folders per folder, uncached device:
 *     one GetObjectHandles per folder, then per object one GetObjectInfo
 *     and one GetObjectPropList (for that one handle: libmtp's Android flags
 *     only rule out the all-objects form), i.e. 4,167 transactions for
 *     2,055 objects = 2.03 per object, 2.08 per file; 7.7 to 8.7 s at the
 *     rig's full speed (about 2 ms a transaction; 16 s with sanitizers).
 *     Each folder is then listed twice more (list_folder: libmtp hides
 *     what the phone refused), 110 GetObjectHandles more for those 55
 *     folders.
 *
 *   Nothing else libmtp 1.1.20 offers is cheaper for an uncached device:
 *   LIBMTP_Get_Filelisting_With_Callback and LIBMTP_Get_Folder_List_For_Storage
 *   return nothing on one (they read the cache an uncached open never
 *   fills); LIBMTP_Get_Filemetadata per handle is the same two transactions
 *   and libmtp 1.1.20 has no call that lists handles alone
 *   (LIBMTP_Get_Children came later); reading properties one by one
 *   (LIBMTP_Get_String_From_Object, ...) costs one transaction each.  The
 *   cached open costs the same 4,193 transactions (mtp-files) and loops
 *   forever on a folder cycle, so it is never used.
 *
 * Folders wait on an explicit stack, never the C stack: the hostile phone
 * nests 2,100 folders. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "lb-device-private.h"
#include "lb-error.h"

/* Dates after this are not a phone's clock but libmtp normalising garbage
 * ("99999999T999999" comes back as the year 9999).  2100-01-01 UTC. */
#define LATEST_PLAUSIBLE_MTIME G_GINT64_CONSTANT (4102444800)

typedef enum {
  SEEN_NOT = 0,
  SEEN_REPORTED,            /* through func */
  SEEN_SKIPPED,             /* through skipped, never through func */
  SEEN_REPORTED_SKIPPED,    /* through func, then once through skipped */
} Seen;

typedef struct {
  guint32 handle;       /* 0: the top of the storage */
  char *name;
} Pending;

typedef struct {
  LbDevice *self;
  guint32 storage_id;
  LbObjectFunc func;
  LbSkipFunc skipped;
  gpointer user_data;
  GHashTable *seen;   /* handle → Seen */
  GArray *stack;      /* Pending: folders still to list */
} Walk;

static void
pending_clear (Pending *p)
{
  g_free (p->name);
}

/* libmtp gives 0 for a missing or unparsable date, and whatever mktime()
 * made of a string out of range: -1 for the second before 1970 (which is
 * also mktime's error value), far future years for overflowing fields. */
static gint64
plausible_mtime (time_t t)
{
  gint64 v = (gint64) t;

  return v > 0 && v < LATEST_PLAUSIBLE_MTIME ? v : 0;
}

static void
skip (Walk *w, const LIBMTP_file_t *f, const char *reason)
{
  if (w->skipped != NULL)
    w->skipped (f->item_id, f->filename != NULL ? f->filename : "", reason, w->user_data);
}

/* Why an object listed in folder `listed_in` cannot be taken, or NULL. */
static char *
refusal (Walk *w, const LIBMTP_file_t *f, guint32 listed_in)
{
  gboolean folder = f->filetype == LIBMTP_FILETYPE_FOLDER;
  /* Root objects name 0 as parent; some devices say 0xFFFFFFFF. */
  gboolean parent_ok = listed_in == 0
                       ? f->parent_id == 0 || f->parent_id == LIBMTP_FILES_AND_FOLDERS_ROOT
                       : f->parent_id == listed_in;

  if (folder && f->item_id == listed_in)
    return g_strdup_printf (_("folder %u is listed inside itself"), listed_in);
  if (g_hash_table_contains (w->seen, GUINT_TO_POINTER (f->item_id)))
    return g_strdup_printf (_("object %u was already listed (a folder cycle or a repeated listing)"),
                            f->item_id);
  if (!parent_ok && listed_in == 0)
    return g_strdup_printf (_("listed at the top of the storage, but names folder %u as its parent"),
                            f->parent_id);
  if (!parent_ok)
    return g_strdup_printf (_("listed in folder %u, but names %u as its parent"), listed_in, f->parent_id);
  if (f->storage_id != w->storage_id)
    return g_strdup_printf (_("listed in storage 0x%08x, but names storage 0x%08x"),
                            w->storage_id, f->storage_id);
  return NULL;
}

static void
remember_list (Walk *w, const LIBMTP_file_t *f, guint32 parent)
{
  LbListSeen *seen;

  if (f->filetype != LIBMTP_FILETYPE_PLAYLIST && f->filetype != LIBMTP_FILETYPE_ALBUM)
    return;
  seen = g_new0 (LbListSeen, 1);
  seen->kind = f->filetype == LIBMTP_FILETYPE_ALBUM ? LB_LIST_ALBUM : LB_LIST_PLAYLIST;
  seen->storage_id = w->storage_id;
  seen->parent = parent;
  g_hash_table_replace (w->self->lists, GUINT_TO_POINTER (f->item_id), seen);
}

/* Reports one listing; its folders go on the stack in reverse, so that
 * they are listed in the phone's order. */
static gboolean
take_listing (Walk *w, LIBMTP_file_t *files, guint32 listed_in, GCancellable *cancellable, GError **error)
{
  guint first_new = w->stack->len;

  for (LIBMTP_file_t *f = files; f != NULL; f = f->next)
    {
      g_autofree char *why = NULL;
      LbObject object;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      why = refusal (w, f, listed_in);
      if (why != NULL)
        {
          Seen was = GPOINTER_TO_INT (g_hash_table_lookup (w->seen, GUINT_TO_POINTER (f->item_id)));

          /* A handle goes to skipped at most once, however often a cycle
           * brings it back. */
          if (was == SEEN_SKIPPED || was == SEEN_REPORTED_SKIPPED)
            continue;
          g_hash_table_insert (w->seen, GUINT_TO_POINTER (f->item_id),
                               GINT_TO_POINTER (was == SEEN_REPORTED ? SEEN_REPORTED_SKIPPED : SEEN_SKIPPED));
          skip (w, f, why);
          continue;
        }
      g_hash_table_insert (w->seen, GUINT_TO_POINTER (f->item_id), GINT_TO_POINTER (SEEN_REPORTED));

      object.handle = f->item_id;
      object.parent = listed_in;
      object.storage_id = f->storage_id;
      object.name = f->filename != NULL ? f->filename : "";
      object.filetype = f->filetype;
      object.is_folder = f->filetype == LIBMTP_FILETYPE_FOLDER;
      object.size = f->filesize;
      object.mtime = plausible_mtime (f->modificationdate);
      remember_list (w, f, listed_in);
      if (!w->func (&object, w->user_data))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The walk was stopped."));
          return FALSE;
        }
      if (object.is_folder)
        {
          Pending p = { object.handle, g_strdup (object.name) };
          g_array_insert_val (w->stack, first_new, p);
        }
    }
  return TRUE;
}

static void
free_listing (LIBMTP_file_t *files)
{
  while (files != NULL)
    {
      LIBMTP_file_t *next = files->next;
      LIBMTP_destroy_file_t (files);
      files = next;
    }
}

/* One folder's objects, or NULL with error set (NULL without error: an
 * empty folder).  LIBMTP_Get_Files_And_Folders returns NULL for both; a
 * failed GetObjectHandles leaves its error on libmtp's stack. */
static LIBMTP_file_t *
list_folder_once (Walk *w, guint32 folder, GError **error)
{
  LIBMTP_mtpdevice_t *mtp = w->self->mtp;
  gint64 started = g_get_monotonic_time ();
  LIBMTP_file_t *files;
  LbQuiet quiet;

  LIBMTP_Clear_Errorstack (mtp);
  lb_quiet_begin (&quiet);
  files = LIBMTP_Get_Files_And_Folders (mtp, w->storage_id, folder == 0 ? LIBMTP_FILES_AND_FOLDERS_ROOT : folder);
  lb_quiet_end (&quiet);
  if (files == NULL && LIBMTP_Get_Errorstack (mtp) != NULL)
    {
      lb_device_error_from_mtp_about (mtp, w->self->info, folder, started,
                                      _("Could not list the phone's files"), error);
      return NULL;
    }
  /* What is left are notices about single objects (a property libmtp could
   * not read); they must not be taken for the next call's failure. */
  LIBMTP_Clear_Errorstack (mtp);
  return files;
}

/* Appends to *files the objects of more whose handles it lacks; frees the
 * rest.  Returns how many were added. */
static guint
merge_listing (LIBMTP_file_t **files, LIBMTP_file_t *more)
{
  g_autoptr(GHashTable) have = g_hash_table_new (NULL, NULL);
  LIBMTP_file_t **tail = files;
  guint added = 0;

  for (; *tail != NULL; tail = &(*tail)->next)
    g_hash_table_add (have, GUINT_TO_POINTER ((*tail)->item_id));
  while (more != NULL)
    {
      LIBMTP_file_t *next = more->next;

      more->next = NULL;
      if (g_hash_table_contains (have, GUINT_TO_POINTER (more->item_id)))
        LIBMTP_destroy_file_t (more);
      else
        {
          g_hash_table_add (have, GUINT_TO_POINTER (more->item_id));
          *tail = more;
          tail = &more->next;
          added++;
        }
      more = next;
    }
  return added;
}

/* A refusal worth asking once more: the phone answered, just not this time.
 * Not a time-out (another 60 s), a pulled phone or a cancel. */
static gboolean
worth_retrying (const GError *error)
{
  return g_error_matches (error, LB_ERROR, LB_ERROR_FAILED) ||
         g_error_matches (error, LB_ERROR, LB_ERROR_NOT_FOUND) ||
         g_error_matches (error, LB_ERROR, LB_ERROR_DEVICE_BUSY);
}

/* A folder's objects as list_folder_once gives them, asked until the phone
 * tells the same twice.
 *
 * libmtp 1.1.20's LIBMTP_Get_Files_And_Folders drops, without a word, every
 * object whose ObjectInfo or property list the phone refused
 * (LIBMTP_Get_Filemetadata returns NULL and the loop goes on), and it has
 * no call that gives the handles alone: a phone that fails now and then
 * made folders look shorter, and a backup marked complete held a tenth of
 * the phone (measured on the rig, flaky=2,flaky-op=GetObjectInfo: 2 of 22
 * files, nothing skipped).  libmtp keeps what it read about each object for
 * the session and forgets one it could not read, so asking again costs one
 * GetObjectHandles for a folder read whole, and asks the phone again only
 * about what it refused.  One listing that adds nothing does not prove the
 * folder whole: the object refused before may be refused again (the rig's
 * flaky=2 refuses every other time, so the retry of a single object fails
 * too).  So the folder counts as read once STABLE_LISTINGS listings in a
 * row added nothing; one still growing after LIST_ATTEMPTS is reported,
 * its listing may be short.  A listing that fails is asked again too
 * before the folder is given up.  Cost for a phone that answers: two
 * GetObjectHandles more per folder (about 4 ms each on the rig). */
#define LIST_ATTEMPTS 10
#define STABLE_LISTINGS 2

static LIBMTP_file_t *
list_folder (Walk *w, guint32 folder, const char *name, GError **error)
{
  LIBMTP_file_t *files = NULL;
  gboolean listed = FALSE, stable = FALSE;
  guint unchanged = 0;

  for (guint attempt = 0; attempt < LIST_ATTEMPTS && !stable; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      LIBMTP_file_t *more = list_folder_once (w, folder, &local_error);

      if (local_error != NULL)
        {
          /* Tells nothing about the objects: libmtp read none. */
          if (attempt + 1 < LIST_ATTEMPTS && worth_retrying (local_error))
            continue;
          if (listed)
            break;   /* what earlier attempts gave still stands */
          free_listing (files);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!listed)
        files = more;
      else if (merge_listing (&files, more) == 0)
        unchanged++;
      else
        unchanged = 0;
      listed = TRUE;
      stable = unchanged >= STABLE_LISTINGS;
    }
  if (!stable && w->skipped != NULL)
    w->skipped (folder, name != NULL ? name : "",
                _("the phone did not describe every object in this folder when asked again and again; "
                  "some of its files may be missing from this snapshot"),
                w->user_data);
  return files;
}

/* A folder's objects as the fast listing (lb-device-ptp.c) gave them, in
 * libmtp's shape: take_listing() then treats both routes alike. */
static LIBMTP_file_t *
listed_folder (Walk *w, guint32 folder)
{
  const GPtrArray *children = lb_listing_children (w->self->listing, w->storage_id, folder);
  LIBMTP_file_t *files = NULL, **tail = &files;

  for (guint i = 0; children != NULL && i < children->len; i++)
    {
      const LbListed *l = children->pdata[i];
      LIBMTP_file_t *f = LIBMTP_new_file_t ();

      f->item_id = l->handle;
      f->parent_id = l->parent;
      f->storage_id = l->storage_id;
      f->filename = g_strdup (l->name);
      f->filesize = l->size;
      f->modificationdate = (time_t) l->mtime;
      f->filetype = l->filetype;
      *tail = f;
      tail = &f->next;
    }
  return files;
}

gboolean
lb_device_walk_internal (LbDevice *self,
                         guint32 storage_id,
                         LbObjectFunc func,
                         LbSkipFunc skipped,
                         gpointer user_data,
                         GCancellable *cancellable,
                         GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (Pending));
  Walk w = { self, storage_id, func, skipped, user_data, seen, stack };
  Pending top = { 0, NULL };

  g_array_set_clear_func (stack, (GDestroyNotify) pending_clear);
  /* The listing is in memory: a phone pulled since must not look whole. */
  if (self->listing != NULL && !lb_device_check_present (self->info, error))
    return FALSE;
  g_array_append_val (stack, top);
  while (stack->len > 0)
    {
      Pending folder = g_array_index (stack, Pending, stack->len - 1);
      g_autofree char *name = folder.name;
      g_autoptr(GError) local_error = NULL;
      LIBMTP_file_t *files;
      gboolean ok;

      /* Taken over: removing the element must not free its name. */
      g_array_index (stack, Pending, stack->len - 1).name = NULL;
      g_array_set_size (stack, stack->len - 1);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      files = self->listing != NULL ? listed_folder (&w, folder.handle)
                                    : list_folder (&w, folder.handle, name, &local_error);
      if (g_error_matches (local_error, LB_ERROR, LB_ERROR_NOT_FOUND) && folder.handle != 0)
        {
          /* Deleted since its parent was listed: the rest goes on. */
          g_hash_table_insert (seen, GUINT_TO_POINTER (folder.handle), GINT_TO_POINTER (SEEN_REPORTED_SKIPPED));
          if (skipped != NULL)
            skipped (folder.handle, name, local_error->message, user_data);
          continue;
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      ok = take_listing (&w, files, folder.handle, cancellable, error);
      free_listing (files);
      if (!ok)
        return FALSE;
    }
  /* libmtp silently drops an object whose ObjectInfo cannot be read, so a
   * phone pulled during the last folder's listing looks like a shorter
   * folder.  One look at the bus tells. */
  if (!lb_device_check_present (self->info, error))
    return FALSE;
  g_hash_table_add (self->walked, GUINT_TO_POINTER (storage_id));
  /* Every storage walked: the listing has served (a backup walks each
   * once) and would only hold 16 MB for 100,000 objects while the files
   * are read.  A later walk asks libmtp. */
  if (self->listing != NULL && g_hash_table_size (self->walked) >= self->info->storages->len)
    g_clear_pointer (&self->listing, lb_listing_free);
  return TRUE;
}

gboolean
lb_device_walk (LbDevice *self,
                guint32 storage_id,
                LbObjectFunc func,
                LbSkipFunc skipped,
                gpointer user_data,
                GCancellable *cancellable,
                GError **error)
{
  gboolean known = FALSE;

  g_return_val_if_fail (LB_IS_DEVICE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!lb_device_check_thread (self, G_STRFUNC, error))
    return FALSE;
  for (guint i = 0; i < self->info->storages->len && !known; i++)
    known = ((LbStorageInfo *) self->info->storages->pdata[i])->id == storage_id;
  if (!known)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND, _("The phone has no storage 0x%08x."), storage_id);
      return FALSE;
    }
  return lb_device_walk_internal (self, storage_id, func, skipped, user_data, cancellable, error);
}

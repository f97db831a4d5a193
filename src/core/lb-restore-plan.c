/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Planning a restore: what the phone holds, how the snapshot's storages
 * map onto its storages, and for each entry whether to send it, skip it as
 * identical, send it beside a different file, replace or remove (--mirror),
 * or why it cannot go; then whether it fits.  Nothing here writes to the
 * phone. */
#include "config.h"
#include "lb-restore-private.h"
#include "lb-error.h"
#include "lb-extract.h"
#include "lb-safe-name.h"
#include "lb-clock.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libmtp.h>
#include <inttypes.h>

#define FAT32_LIMIT (G_GUINT64_CONSTANT (4) << 30)

/* ---- reading the phone ---------------------------------------------------- */

typedef struct {
  Restore *r;
  guint32 storage_id;
  GHashTable *rel_by_handle;
} WalkState;

char *
lb_restore_note_target (Restore *r, guint32 storage_id, const char *parent_rel, const char *name, guint32 handle,
                        guint64 size, gint64 mtime, gboolean is_folder)
{
  char *rel = *parent_rel ? g_strconcat (parent_rel, "/", name, NULL) : g_strdup (name);
  char *folder_key = lb_restore_target_key (storage_id, parent_rel);
  GPtrArray *names = g_hash_table_lookup (r->children, folder_key);
  char *key;
  TargetObject *t;

  if (names == NULL)
    g_hash_table_insert (r->children, folder_key, names = g_ptr_array_new_with_free_func (g_free));
  else
    g_free (folder_key);
  g_ptr_array_add (names, g_strdup (name));
  /* With equal names in one folder the first one stands for the path. */
  key = lb_restore_target_key (storage_id, rel);
  if (g_hash_table_contains (r->targets, key))
    {
      g_free (key);
      return rel;
    }
  t = g_new0 (TargetObject, 1);
  t->handle = handle;
  t->size = size;
  t->mtime = mtime;
  t->is_folder = is_folder;
  g_hash_table_insert (r->targets, key, t);
  return rel;
}

static gboolean
on_target_object (const LbObject *o, gpointer data)
{
  WalkState *w = data;
  const char *parent = o->parent ? g_hash_table_lookup (w->rel_by_handle, GUINT_TO_POINTER (o->parent)) : "";

  w->r->progress.planning = TRUE;
  w->r->progress.objects_listed++;
  lb_restore_report_progress (w->r, FALSE);

  if (parent != NULL)
    g_hash_table_insert (w->rel_by_handle, GUINT_TO_POINTER (o->handle),
                         lb_restore_note_target (w->r, w->storage_id, parent, o->name, o->handle, o->size, o->mtime,
                                                 o->is_folder));
  return TRUE;
}

static gboolean
list_target (Restore *r, const LbStorageInfo *st, GError **error)
{
  WalkState w = { r, st->id, g_hash_table_new_full (NULL, NULL, NULL, g_free) };
  gboolean ok = lb_device_walk (r->device, st->id, on_target_object, NULL, &w, r->cancellable, error);

  g_hash_table_unref (w.rel_by_handle);
  return ok;
}

/* ---- planning --------------------------------------------------------------- */

static const LbStorageInfo *
target_storage_named (const LbDeviceInfo *info, const char *description)
{
  for (guint i = 0; i < info->storages->len; i++)
    if (g_strcmp0 (((LbStorageInfo *) info->storages->pdata[i])->description, description) == 0)
      return info->storages->pdata[i];
  return NULL;
}

/* The storage a snapshot storage the phone has nothing for goes onto: an
 * internal one before a card (a new phone without a card slot is the
 * common case), the roomiest first. */
static const LbStorageInfo *
merge_target (const LbDeviceInfo *info)
{
  const LbStorageInfo *best = NULL;

  for (guint t = 0; t < info->storages->len; t++)
    {
      const LbStorageInfo *cand = info->storages->pdata[t];
      gboolean fixed = cand->kind != LB_STORAGE_REMOVABLE, best_fixed = best && best->kind != LB_STORAGE_REMOVABLE;
      if (best == NULL || fixed > best_fixed || (fixed == best_fixed && cand->free > best->free))
        best = cand;
    }
  return best;
}

/* Each snapshot storage goes to: the --map choice, else the unused storage
 * of the same description, else the next unused one of the same kind,
 * else any unused one, in the phone's order.  Then, with every storage
 * used: the one of the same description (a --map put another there too),
 * else, unless no_merge, merge_target(). */
static gboolean
map_storages (Restore *r, GPtrArray *sources, GError **error)
{
  const LbDeviceInfo *info = r->info;
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);

  for (guint m = 0; r->options->map && r->options->map[m]; m++)
    {
      g_auto(GStrv) kv = g_strsplit (r->options->map[m], "=", 2);
      const LbStorageInfo *t;
      if (kv[0] == NULL || kv[1] == NULL)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_BAD_INPUT,
                       _("“%s” is not a storage mapping: write it as \"SD card=Internal shared storage\""),
                       r->options->map[m]);
          return FALSE;
        }
      if ((t = target_storage_named (info, kv[1])) == NULL)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND, _("The phone has no storage called “%s”"), kv[1]);
          return FALSE;
        }
      g_hash_table_insert (r->storage_for, g_strdup (kv[0]), (gpointer) t);
      g_hash_table_add (used, (gpointer) t);
    }
  for (guint pass = 0; pass < 3; pass++)
    for (guint i = 0; i < sources->len; i++)
      {
        LbStorageInfo *src = sources->pdata[i];
        if (g_hash_table_contains (r->storage_for, src->description))
          continue;
        for (guint t = 0; t < info->storages->len; t++)
          {
            LbStorageInfo *cand = info->storages->pdata[t];
            gboolean fit = pass == 0 ? g_strcmp0 (cand->description, src->description) == 0
                         : pass == 1 ? cand->kind == src->kind
                                     : TRUE;
            if (fit && !g_hash_table_contains (used, cand))
              {
                g_hash_table_insert (r->storage_for, g_strdup (src->description), cand);
                g_hash_table_add (used, cand);
                break;
              }
          }
      }
  for (guint i = 0; i < sources->len; i++)
    {
      LbStorageInfo *src = sources->pdata[i];
      const LbStorageInfo *own = target_storage_named (info, src->description);
      const LbStorageInfo *t = own ? own : r->options->no_merge ? NULL : merge_target (info);
      if (t == NULL || g_hash_table_contains (r->storage_for, src->description))
        continue;
      g_hash_table_insert (r->storage_for, g_strdup (src->description), (gpointer) t);
      if (own == NULL)
        g_hash_table_add (r->merged, g_strdup (src->description));
    }
  return TRUE;
}

/* The name the phone will give an object sent as name: Android trims white
 * space (android::base::Trim, isspace() in the C locale) from both ends of
 * names on removable storage only (MtpServer::doSendObjectInfo). */
static char *
phone_name_for (const char *name, const LbStorageInfo *st)
{
  static const char space[] = " \t\n\v\f\r";
  gsize start, len;

  if (st->kind != LB_STORAGE_REMOVABLE)
    return g_strdup (name);
  start = strspn (name, space);
  len = strlen (name);
  while (len > start && strchr (space, name[len - 1]) != NULL)
    len--;
  return g_strndup (name + start, len - start);
}

static gboolean
name_acceptable (const char *name, const LbStorageInfo *st)
{
  /* What Android's MtpServer refuses, and on FAT/exFAT cards what the
   * kernel refuses. */
  if (name == NULL || *name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 ||
      strchr (name, '/') != NULL || strlen (name) > 255 || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  if (st->kind == LB_STORAGE_REMOVABLE)
    for (const char *p = name; *p; p++)
      if (strchr ("\"*:<>?\\|", *p) != NULL || (guchar) *p < 0x20)
        return FALSE;
  return TRUE;
}

/* A name the phone takes and keeps as it is. */
static char *
acceptable_name (const char *name, const LbStorageInfo *st)
{
  g_autofree char *trimmed = phone_name_for (name, st);
  g_autofree char *safe = lb_safe_name (trimmed, NULL);
  GString *s = g_string_new (NULL);

  for (const char *p = safe; *p; p++)
    g_string_append_c (s, (st->kind == LB_STORAGE_REMOVABLE && strchr ("\"*:<>?\\|", *p) != NULL) ? '_' : *p);
  return g_string_free (s, FALSE);
}

static char *
restored_name (const char *name, gint64 when)
{
  g_autoptr(GDateTime) dt = lb_clock_local_time (when);
  g_autofree char *day = g_date_time_format (dt, "%Y-%m-%d");
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name)
    dot = name + strlen (name);
  return g_strdup_printf ("%.*s (restored %s)%s", (int) (dot - name), name, day, dot);
}

static LbRestoreStorage *
storage_plan (Restore *r, const char *source)
{
  for (guint i = 0; i < r->plan->storages->len; i++)
    if (g_strcmp0 (((LbRestoreStorage *) r->plan->storages->pdata[i])->source, source) == 0)
      return r->plan->storages->pdata[i];
  return NULL;
}

static void
add_step (Restore *r, LbRestoreActionKind kind, LbEntry *e, const LbStorageInfo *st, const char *name,
          const char *rel, guint32 existing, const char *reason)
{
  Step *s = g_new0 (Step, 1);
  LbRestoreAction *a = g_new0 (LbRestoreAction, 1);
  LbRestoreStorage *sp = e ? storage_plan (r, e->storage) : NULL;

  s->kind = kind;
  s->entry = e;
  s->storage = st;
  s->name = g_strdup (name);
  s->rel = g_strdup (rel);
  s->existing = existing;
  s->reason = g_strdup (reason);
  g_ptr_array_add (r->steps, s);

  a->kind = kind;
  a->phone_path = e ? g_strdup (e->phone_path) : g_strconcat ("/", st->description, "/", rel, NULL);
  a->target_path = st ? g_strconcat ("/", st->description, "/", rel, NULL) : NULL;
  a->reason = g_strdup (reason);
  a->size = e ? e->size : 0;
  g_ptr_array_add (r->plan->actions, a);
  if (sp == NULL)
    return;
  if (e->is_folder && kind == LB_RESTORE_SEND)
    sp->folders++;
  else if (!e->is_folder && (kind == LB_RESTORE_SEND || kind == LB_RESTORE_CONFLICT || kind == LB_RESTORE_REPLACE))
    {
      sp->files++;
      sp->bytes += e->size;
    }
  else if (kind == LB_RESTORE_IDENTICAL)
    sp->identical++;
}

static gboolean
selected (Restore *r, LbEntry *e)
{
  const char *const *only = r->options->only;

  if (only == NULL || only[0] == NULL)
    return TRUE;
  for (guint i = 0; only[i]; i++)
    {
      /* The path itself, what is below it, and the folders leading to it. */
      if (lb_phone_path_under (e->phone_path, only[i]) ||
          (e->is_folder && lb_phone_path_under (only[i], e->phone_path)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
identical (Restore *r, const LbStorageInfo *st, const char *rel, LbEntry *e, TargetObject *t)
{
  g_autofree char *sent = NULL;

  if (t->size != e->size)
    return FALSE;
  if (t->mtime != 0 && t->mtime == e->mtime)
    return TRUE;
  /* The phone dated it when we sent it: the journal remembers that date. */
  sent = r->journal (r->journal_data, st->description, rel, t->size, t->mtime);
  return g_strcmp0 (sent, e->blob) == 0;
}

/* A file an earlier restore sent that the phone named otherwise than we
 * foresaw: the journal holds the name the phone reported.  Looks through
 * the phone's files of the same size in that folder; *rel becomes the
 * found one's path. */
static TargetObject *
sent_under_other_name (Restore *r, const LbStorageInfo *st, const char *parent_rel, LbEntry *e, char **rel)
{
  g_autofree char *folder_key = lb_restore_target_key (st->id, parent_rel);
  GPtrArray *names = g_hash_table_lookup (r->children, folder_key);

  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      g_autofree char *other = *parent_rel ? g_strconcat (parent_rel, "/", names->pdata[i], NULL) : g_strdup (names->pdata[i]);
      g_autofree char *key = lb_restore_target_key (st->id, other);
      g_autofree char *sent = NULL;
      TargetObject *t = g_hash_table_lookup (r->targets, key);

      if (t == NULL || t->is_folder || t->matched || t->size != e->size)
        continue;
      sent = r->journal (r->journal_data, st->description, other, t->size, t->mtime);
      if (g_strcmp0 (sent, e->blob) == 0)
        {
          g_free (*rel);
          *rel = g_steal_pointer (&other);
          return t;
        }
    }
  return NULL;
}

/* Two storages of the snapshot on one of the phone's, and this entry's
 * path already planned for the other's: the same folder is one folder
 * (DCIM/Camera of the card and of the internal storage become one); the
 * same file is sent once; a different file is sent under a numbered name.
 * FALSE: not such a case (a file against a folder is not). */
static gboolean
merge_at (Restore *r, LbEntry *e, const LbStorageInfo *st, const char *parent_rel, const char *name, const char *rel,
          const char *key)
{
  LbEntry *first = g_hash_table_lookup (r->planned, key);
  g_autofree char *numbered = NULL, *other_rel = NULL, *other_key = NULL, *why = NULL;

  if (first == NULL || g_strcmp0 (first->storage, e->storage) == 0 || first->is_folder != e->is_folder)
    return FALSE;
  if (e->is_folder)
    {
      g_hash_table_insert (r->rel_of, g_memdup2 (&e->path_id, sizeof (gint64)), g_strdup (rel));
      g_hash_table_insert (r->alias_of, g_memdup2 (&e->path_id, sizeof (gint64)),
                           g_memdup2 (&first->path_id, sizeof (gint64)));
      if (g_hash_table_contains (r->blocked, &first->path_id))
        g_hash_table_add (r->blocked, g_memdup2 (&e->path_id, sizeof (gint64)));
      return TRUE;
    }
  if (e->blob != NULL && g_strcmp0 (e->blob, first->blob) == 0)
    {
      add_step (r, LB_RESTORE_IDENTICAL, e, st, name, rel, 0, NULL);
      return TRUE;
    }
  for (guint n = 2;; n++)
    {
      g_autofree char *base = lb_numbered_name (name, n);
      TargetObject *t;

      g_free (numbered);
      g_free (other_rel);
      g_free (other_key);
      numbered = acceptable_name (base, st);
      other_rel = *parent_rel ? g_strconcat (parent_rel, "/", numbered, NULL) : g_strdup (numbered);
      other_key = lb_restore_target_key (st->id, other_rel);
      if (g_hash_table_contains (r->planned, other_key))
        continue;
      if ((t = g_hash_table_lookup (r->targets, other_key)) == NULL)
        break;
      /* Sent there by an earlier run of this restore: a rerun skips it
       * rather than sending it again under the next number. */
      if (!t->is_folder && identical (r, st, other_rel, e, t))
        {
          t->matched = TRUE;
          g_hash_table_insert (r->planned, g_strdup (other_key), e);
          g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (t->handle));
          add_step (r, LB_RESTORE_IDENTICAL, e, st, numbered, other_rel, t->handle, NULL);
          return TRUE;
        }
    }
  g_hash_table_insert (r->planned, g_strdup (other_key), e);
  why = g_strdup_printf (_("renamed to “%s”: %s, a different file, goes to the same place"), numbered, first->phone_path);
  add_step (r, LB_RESTORE_SEND, e, st, numbered, other_rel, 0, why);
  return TRUE;
}

static void
plan_entry (Restore *r, LbEntry *e)
{
  const LbStorageInfo *st = g_hash_table_lookup (r->storage_for, e->storage);
  const char *parent_rel = "";
  g_autofree char *name = NULL, *rel = NULL, *key = NULL, *renamed = NULL, *base = NULL;
  TargetObject *t;

  /* A player's playlist or album is an abstract object: it has no bytes to
   * send, and push_lists recreates it.  Sent as a file it collides with
   * that list (the player answers its SendObject NoValidObjectInfo, and the
   * list's own creation then finds the name taken). */
  if (!e->is_folder && (e->filetype == LIBMTP_FILETYPE_PLAYLIST || e->filetype == LIBMTP_FILETYPE_ALBUM))
    return;
  if (st == NULL)
    {
      LbRestoreStorage *sp = storage_plan (r, e->storage);
      if (sp != NULL && sp->left_out)
        {
          /* Counted for the one line that says so, not listed. */
          sp->files += !e->is_folder;
          sp->bytes += e->is_folder ? 0 : e->size;
          return;
        }
      add_step (r, LB_RESTORE_CANNOT, e, NULL, e->name, e->name, 0, _("no storage on the phone to put it on"));
      return;
    }
  if (e->parent_id != 0)
    {
      if (g_hash_table_contains (r->blocked, &e->parent_id))
        {
          g_hash_table_add (r->blocked, g_memdup2 (&e->path_id, sizeof (gint64)));
          return;
        }
      parent_rel = g_hash_table_lookup (r->rel_of, &e->parent_id);
      if (parent_rel == NULL)
        return;
    }
  name = phone_name_for (e->name, st);
  if (!name_acceptable (name, st))
    {
      if (!r->options->rename_invalid)
        {
          g_hash_table_add (r->blocked, g_memdup2 (&e->path_id, sizeof (gint64)));
          add_step (r, LB_RESTORE_CANNOT, e, st, e->name, e->name, 0,
                    r->options->plain_hints ? _("the phone would refuse this name")
                                            : _("the phone would refuse this name (ask for --rename-invalid to rename it)"));
          return;
        }
      g_free (name);
      name = acceptable_name (e->name, st);
      renamed = g_strdup_printf (_("renamed to “%s”"), name);
    }
  else if (strcmp (name, e->name) != 0)
    renamed = g_strdup_printf (_("the phone will name it “%s”"), name);
  rel = *parent_rel ? g_strconcat (parent_rel, "/", name, NULL) : g_strdup (name);
  key = lb_restore_target_key (st->id, rel);
  if (merge_at (r, e, st, parent_rel, name, rel, key))
    return;
  /* Two names of the snapshot that the phone makes one (" a.jpg" and
   * "a.jpg" on a memory card): the phone would refuse the second. */
  if (r->options->rename_invalid && g_hash_table_contains (r->planned, key))
    base = g_strdup (name);
  for (guint n = 2; base != NULL && g_hash_table_contains (r->planned, key); n++)
    {
      g_autofree char *numbered = lb_numbered_name (base, n);
      g_free (name);
      name = acceptable_name (numbered, st);
      g_free (renamed);
      g_free (rel);
      g_free (key);
      renamed = g_strdup_printf (_("renamed to “%s”"), name);
      rel = *parent_rel ? g_strconcat (parent_rel, "/", name, NULL) : g_strdup (name);
      key = lb_restore_target_key (st->id, rel);
    }
  if (g_hash_table_contains (r->planned, key))
    {
      g_autofree char *why = g_strdup_printf (_("another file or folder of the snapshot gets the same name on the phone, “%s”"), name);
      if (e->is_folder)
        g_hash_table_add (r->blocked, g_memdup2 (&e->path_id, sizeof (gint64)));
      add_step (r, LB_RESTORE_CANNOT, e, st, name, rel, 0, why);
      return;
    }
  g_hash_table_insert (r->planned, g_strdup (key), e);
  t = g_hash_table_lookup (r->targets, key);
  if (t != NULL)
    t->matched = TRUE;

  if (e->is_folder)
    {
      if (t != NULL && !t->is_folder)
        {
          g_hash_table_add (r->blocked, g_memdup2 (&e->path_id, sizeof (gint64)));
          add_step (r, LB_RESTORE_CANNOT, e, st, name, rel, 0, _("a file of that name on the phone is in the way"));
          return;
        }
      g_hash_table_insert (r->rel_of, g_memdup2 (&e->path_id, sizeof (gint64)), g_strdup (rel));
      if (t == NULL)
        add_step (r, LB_RESTORE_SEND, e, st, name, rel, 0, renamed);
      else
        g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (t->handle));
      return;
    }
  if (e->blob == NULL)
    {
      add_step (r, LB_RESTORE_CANNOT, e, st, name, rel, 0, _("the snapshot holds no copy of it"));
      return;
    }
  if (st->max_file_size > 0 && e->size > st->max_file_size)
    {
      g_autofree char *max = g_format_size (st->max_file_size);
      g_autofree char *why = g_strdup_printf (_("larger than the biggest file %s can hold (%s)"), st->description, max);
      add_step (r, LB_RESTORE_CANNOT, e, st, name, rel, 0, why);
      return;
    }
  /* MTP tells nothing of a storage's file system, and phones format memory
   * cards FAT32 up to 32 GB: a file of 4 GiB or more would be refused
   * part-way.  Say so in the plan instead. */
  if (st->max_file_size == 0 && st->kind == LB_STORAGE_REMOVABLE && e->size >= FAT32_LIMIT)
    {
      g_autofree char *why = r->options->plain_hints
        ? g_strdup (_("4 GiB or larger, which a memory card formatted FAT32 cannot hold"))
        : g_strdup_printf (_("4 GiB or larger, which a memory card formatted FAT32 cannot hold; "
                             "put it on internal storage with --map \"%s=…\""), e->storage);
      add_step (r, LB_RESTORE_CANNOT, e, st, name, rel, 0, why);
      return;
    }
  if (t == NULL && (t = sent_under_other_name (r, st, parent_rel, e, &rel)) != NULL)
    {
      t->matched = TRUE;
      g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (t->handle));
      add_step (r, LB_RESTORE_IDENTICAL, e, st, strrchr (rel, '/') ? strrchr (rel, '/') + 1 : rel, rel, t->handle, NULL);
      return;
    }
  if (t == NULL)
    {
      add_step (r, LB_RESTORE_SEND, e, st, name, rel, 0, renamed);
      return;
    }
  if (t->is_folder)
    {
      add_step (r, LB_RESTORE_CANNOT, e, st, name, rel, 0, _("a folder of that name on the phone is in the way"));
      return;
    }
  if (identical (r, st, rel, e, t))
    {
      g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (t->handle));
      add_step (r, LB_RESTORE_IDENTICAL, e, st, name, rel, t->handle, NULL);
      return;
    }
  if (r->options->mirror)
    {
      add_step (r, LB_RESTORE_REPLACE, e, st, name, rel, t->handle, NULL);
      return;
    }
  {
    /* Our own copy, cut short by an unplug on a phone that keeps partial
     * objects: the journal says it was on its way.  Replace it. */
    g_autofree char *in_flight = r->journal (r->journal_data, st->description, rel, e->size, LB_RESTORE_IN_FLIGHT);
    if (g_strcmp0 (in_flight, e->blob) == 0)
      {
        add_step (r, LB_RESTORE_REPLACE, e, st, name, rel, t->handle, _("a copy an earlier restore did not finish"));
        return;
      }
  }
  {
    /* Keep the phone's file; ours goes beside it. */
    g_autofree char *other = restored_name (name, r->plan->snapshot->started);
    g_autofree char *other_rel = *parent_rel ? g_strconcat (parent_rel, "/", other, NULL) : g_strdup (other);
    g_autofree char *other_key = lb_restore_target_key (st->id, other_rel);
    TargetObject *t2 = g_hash_table_lookup (r->targets, other_key);
    if (t2 != NULL)
      t2->matched = TRUE;
    if (t2 != NULL && !t2->is_folder && identical (r, st, other_rel, e, t2))
      {
        g_hash_table_insert (r->handle_of, g_memdup2 (&e->path_id, sizeof (gint64)), GUINT_TO_POINTER (t2->handle));
        add_step (r, LB_RESTORE_IDENTICAL, e, st, other, other_rel, t2->handle, NULL);
      }
    else if (t2 != NULL)
      add_step (r, LB_RESTORE_CANNOT, e, st, other, other_rel, 0,
                _("a different file is at this path, and at its “(restored …)” name too"));
    else
      add_step (r, LB_RESTORE_CONFLICT, e, st, other, other_rel, 0, other);
  }
}

static gint
cmp_removals (gconstpointer a, gconstpointer b)
{
  /* Deepest first, so a folder is empty when its turn comes. */
  const Step *sa = *(Step *const *) a, *sb = *(Step *const *) b;
  return strcmp (sb->rel, sa->rel);
}

static void
plan_mirror (Restore *r)
{
  GHashTableIter it;
  gpointer k, v;
  g_autoptr(GPtrArray) removals = g_ptr_array_new ();

  g_hash_table_iter_init (&it, r->targets);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      TargetObject *t = v;
      const char *key = k;
      const LbStorageInfo *st = NULL;
      GHashTableIter si;
      gpointer sv;
      g_autofree char *phone_path = NULL;
      gboolean in_scope = r->options->only == NULL || r->options->only[0] == NULL;

      if (t->matched)
        continue;
      g_hash_table_iter_init (&si, r->storage_for);
      while (g_hash_table_iter_next (&si, NULL, &sv))
        if (((LbStorageInfo *) sv)->id == (guint32) g_ascii_strtoull (key, NULL, 16))
          st = sv;
      if (st == NULL)
        continue;
      phone_path = g_strconcat ("/", st->description, "/", key + 9, NULL);
      for (guint i = 0; !in_scope && r->options->only[i]; i++)
        {
          /* --only names snapshot paths; removals follow the mapped storage. */
          in_scope = lb_phone_path_under (phone_path, r->options->only[i]);
        }
      if (!in_scope)
        continue;
      {
        Step *s = g_new0 (Step, 1);
        s->kind = LB_RESTORE_REMOVE;
        s->storage = st;
        s->rel = g_strdup (key + 9);
        s->existing = t->handle;
        g_ptr_array_add (removals, s);
      }
    }
  g_ptr_array_sort (removals, cmp_removals);
  for (guint i = 0; i < removals->len; i++)
    {
      Step *s = removals->pdata[i];
      add_step (r, LB_RESTORE_REMOVE, NULL, s->storage, NULL, s->rel, s->existing, NULL);
      lb_restore_step_free (s);
    }
}

static gboolean
same_phone (const LbSnapshot *s, const LbDeviceInfo *d)
{
  return g_strcmp0 (s->serial, d->serial) == 0 && s->vendor_id == d->vendor_id && s->product_id == d->product_id &&
         g_strcmp0 (s->model, d->model) == 0;
}

gboolean
lb_restore_plan_storages (Restore *r, GPtrArray *sources, GError **error)
{
  const LbDeviceInfo *info = r->info;
  LbRestorePlan *plan = r->plan;

  plan->target = lb_device_info_copy (info);
  plan->migration = !same_phone (plan->snapshot, info);
  if (plan->migration && !r->options->to_new_device)
    {
      g_autofree char *msg = g_strdup_printf (
          _("Snapshot %" PRId64 " is of %s %s (serial %s), but the phone connected is %s %s (serial %s). "
            "To copy the snapshot onto this phone, ask for it with --to-new-device."),
          plan->snapshot->id, plan->snapshot->manufacturer, plan->snapshot->model, plan->snapshot->serial,
          info->manufacturer, info->model, info->serial);
      g_ptr_array_add (plan->problems, g_strdup (msg));
      plan->fits = FALSE;
      g_set_error_literal (error, LB_ERROR, LB_ERROR_BAD_INPUT, msg);
      return FALSE;
    }
  if (!map_storages (r, sources, error))
    return FALSE;
  for (guint i = 0; i < sources->len; i++)
    {
      LbStorageInfo *src = sources->pdata[i];
      const LbStorageInfo *t = g_hash_table_lookup (r->storage_for, src->description);
      LbRestoreStorage *sp = g_new0 (LbRestoreStorage, 1);
      sp->source = g_strdup (src->description);
      sp->target = t ? g_strdup (t->description) : NULL;
      sp->free = t ? t->free : 0;
      sp->capacity = t ? t->capacity : 0;
      sp->merged = g_hash_table_contains (r->merged, src->description);
      sp->left_out = t == NULL && r->options->no_merge;
      g_ptr_array_add (plan->storages, sp);
    }
  return TRUE;
}

/* A storage's own entries first, then those of storages put onto it, so
 * that a merged folder finds the one it joins and a clash of names
 * renames the guest's file, not the host's. */
static gboolean
goes_first (Restore *r, const LbEntry *e)
{
  const LbStorageInfo *st = g_hash_table_lookup (r->storage_for, e->storage);
  return st == NULL || g_strcmp0 (st->description, e->storage) == 0;
}

static void
plan_entries (Restore *r)
{
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < r->entries->len; i++)
      {
        LbEntry *e = r->entries->pdata[i];
        if (goes_first (r, e) == (pass == 0) && selected (r, e))
          plan_entry (r, e);
      }
}

/* What every storage mapped onto sp's target sends there. */
static guint64
bytes_onto (const LbRestorePlan *plan, const LbRestoreStorage *sp)
{
  guint64 bytes = 0;

  for (guint i = 0; i < plan->storages->len; i++)
    {
      const LbRestoreStorage *o = plan->storages->pdata[i];
      if (!o->left_out && g_strcmp0 (o->target, sp->target) == 0)
        bytes += o->bytes;
    }
  return bytes;
}

/* The merges whose target would not hold them: such a storage is left out
 * instead, its steps dropped (a merged storage's steps come after its
 * host's, and nothing of the host's refers to them).  TRUE if any was. */
static gboolean
drop_merges_that_do_not_fit (Restore *r)
{
  LbRestorePlan *plan = r->plan;
  gboolean dropped = FALSE;

  for (guint i = 0; i < plan->storages->len; i++)
    {
      LbRestoreStorage *sp = plan->storages->pdata[i];
      if (!sp->merged || bytes_onto (plan, sp) <= sp->free)
        continue;
      for (guint k = r->steps->len; k-- > 0;)
        {
          Step *st = r->steps->pdata[k];
          if (st->entry != NULL && g_strcmp0 (st->entry->storage, sp->source) == 0)
            {
              g_ptr_array_remove_index (r->steps, k);
              g_ptr_array_remove_index (plan->actions, k);
            }
        }
      sp->merged = FALSE;
      sp->left_out = sp->no_room = TRUE;
      g_free (sp->target);
      sp->target = NULL;
      sp->folders = sp->identical = 0;
      dropped = TRUE;
    }
  return dropped;
}

gboolean
lb_restore_plan_decide (Restore *r, GError **error)
{
  LbRestorePlan *plan = r->plan;
  g_autoptr(GHashTable) told = g_hash_table_new (g_str_hash, g_str_equal);

  plan_entries (r);
  drop_merges_that_do_not_fit (r);
  if (r->options->mirror)
    plan_mirror (r);

  plan->fits = TRUE;
  for (guint i = 0; i < plan->storages->len; i++)
    {
      LbRestoreStorage *sp = plan->storages->pdata[i];
      guint64 bytes = sp->target ? bytes_onto (plan, sp) : 0;
      sp->fits = sp->target == NULL || bytes <= sp->free;
      if (sp->target == NULL && !sp->left_out && (sp->files > 0 || sp->folders > 0))
        g_ptr_array_add (plan->problems,
                         r->options->plain_hints
                           ? g_strdup_printf (_("The phone has no storage for “%s”."), sp->source)
                           : g_strdup_printf (_("The phone has no storage for “%s”; choose one with --map"), sp->source));
      /* Said once for a storage that several are put onto. */
      if (!sp->fits && !g_hash_table_contains (told, sp->target))
        {
          g_autofree char *need = g_format_size (bytes - sp->free);
          g_autofree char *free_ = g_format_size (sp->free);
          g_autofree char *total = g_format_size (bytes);
          g_hash_table_add (told, sp->target);
          g_ptr_array_add (plan->problems,
                           r->options->plain_hints
                             ? g_strdup_printf (_("%s needs %s more space: %s to send, %s free. Free some space on the phone."),
                                                sp->target, need, total, free_)
                             : g_strdup_printf (_("%s needs %s more space: %s to send, %s free. Free some space on the phone, or restore less with --only."),
                                                sp->target, need, total, free_));
        }
      if (!sp->fits)
        plan->fits = FALSE;
    }
  if (!plan->fits)
    {
      g_set_error_literal (error, LB_ERROR, LB_ERROR_STORAGE_FULL, plan->problems->pdata[0]);
      return FALSE;
    }
  return TRUE;
}

char *
lb_restore_storage_note (const LbRestoreStorage *s, gboolean plain_hints)
{
  g_autofree char *size = g_format_size (s->bytes);

  if (s->merged && s->files + s->folders + s->identical > 0)
    return plain_hints
      ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "This phone has no storage of its own for “%s”: its %" PRIu64 " file to send (%s) goes onto %s, into the same folders.",
                                      "This phone has no storage of its own for “%s”: its %" PRIu64 " files to send (%s) go onto %s, into the same folders.",
                                      s->files),
                         s->source, s->files, size, s->target)
      : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "This phone has no storage of its own for “%s”: its %" PRIu64 " file to send (%s) goes onto %s, into the same folders (--no-merge-storages leaves it out).",
                                      "This phone has no storage of its own for “%s”: its %" PRIu64 " files to send (%s) go onto %s, into the same folders (--no-merge-storages leaves them out).",
                                      s->files),
                         s->source, s->files, size, s->target);
  if (s->left_out && s->no_room)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "“%s” is left out: this phone has no storage of its own for it, and its %" PRIu64 " file (%s) would not fit beside the rest.",
                                         "“%s” is left out: this phone has no storage of its own for it, and its %" PRIu64 " files (%s) would not fit beside the rest.",
                                         s->files),
                            s->source, s->files, size);
  if (s->left_out && s->files > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "“%s” is left out, as asked: this phone has no storage of its own for it (%" PRIu64 " file, %s, not sent).",
                                         "“%s” is left out, as asked: this phone has no storage of its own for it (%" PRIu64 " files, %s, not sent).",
                                         s->files),
                            s->source, s->files, size);
  return NULL;
}

gboolean
lb_restore_make_plan (Restore *r, GError **error)
{
  g_autoptr(GPtrArray) sources = NULL;

  if ((sources = lb_library_list_storages (r->library, r->plan->snapshot->id, error)) == NULL ||
      !lb_restore_plan_storages (r, sources, error))
    return FALSE;
  for (guint i = 0; i < sources->len; i++)
    {
      const LbStorageInfo *t = g_hash_table_lookup (r->storage_for, ((LbStorageInfo *) sources->pdata[i])->description);
      if (t != NULL && !list_target (r, t, error))
        return FALSE;
    }
  return lb_restore_plan_decide (r, error);
}

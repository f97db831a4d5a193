/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vp-store.h"
#include "vp-ptp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define DEFAULT_CAPACITY (G_GUINT64_CONSTANT (64) << 30)

typedef struct {
  char *name16_hex;
  gint64 size_delta;
  char *raw_date;
  gboolean has_raw_date;
} HostileEntry;

struct _VpStore {
  char *dir;
  VpStoreOptions opts;
  GPtrArray *storages;       /* VpStorage* */
  GHashTable *objects;       /* handle -> VpObject* (owned) */
  guint32 next_handle;
  gboolean locked;
  GHashTable *hostile;       /* "Storage/rel/path" -> HostileEntry* */
};

static void
hostile_entry_free (gpointer p)
{
  HostileEntry *e = p;
  g_free (e->name16_hex);
  g_free (e->raw_date);
  g_free (e);
}

static void
object_free (gpointer p)
{
  VpObject *o = p;
  g_free (o->disk_name);
  g_free (o->name);
  g_free (o->name16);
  g_free (o->raw_date);
  g_free (o->artist);
  g_clear_pointer (&o->children, g_ptr_array_unref);
  g_clear_pointer (&o->content, g_bytes_unref);
  g_clear_pointer (&o->refs, g_array_unref);
  g_free (o);
}

static void
storage_free (gpointer p)
{
  VpStorage *s = p;
  g_free (s->description);
  g_free (s->path);
  object_free (s->root);
  g_free (s);
}

static const struct {
  const char *ext;
  guint16 format;
} formats[] = {
  { "jpg", VP_FMT_EXIF_JPEG }, { "jpeg", VP_FMT_EXIF_JPEG }, { "png", VP_FMT_PNG },
  { "gif", VP_FMT_GIF }, { "bmp", VP_FMT_BMP }, { "mp3", VP_FMT_MP3 },
  { "wav", VP_FMT_WAV }, { "ogg", VP_FMT_OGG }, { "oga", VP_FMT_OGG },
  { "aac", VP_FMT_AAC }, { "flac", VP_FMT_FLAC }, { "wma", VP_FMT_WMA },
  { "mp4", VP_FMT_MP4 }, { "m4v", VP_FMT_MP4 }, { "m4a", VP_FMT_MP4 },
  { "3gp", VP_FMT_3GP }, { "avi", VP_FMT_AVI }, { "mpg", VP_FMT_MPEG },
  { "mpeg", VP_FMT_MPEG }, { "txt", VP_FMT_Text }, { "html", VP_FMT_HTML },
  { "htm", VP_FMT_HTML }, { "m3u", VP_FMT_M3UPlaylist },
};

guint16
vp_store_format_for_name (const char *name, gboolean is_folder)
{
  const char *dot;

  if (is_folder)
    return VP_FMT_Association;
  dot = strrchr (name, '.');
  if (dot != NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
      if (g_ascii_strcasecmp (dot + 1, formats[i].ext) == 0)
        return formats[i].format;
  return VP_FMT_Undefined;
}

gboolean
vp_store_valid_name (const char *name)
{
  /* What AOSP's MtpServer refuses before it touches the file system. */
  return name != NULL && *name != '\0' && strcmp (name, ".") != 0 &&
         strcmp (name, "..") != 0 && strchr (name, '/') == NULL;
}

gboolean
vp_store_trim_name (char *name)
{
  /* android::base::Trim: isspace() in the C locale, from both ends. */
  static const char space[] = " \t\n\v\f\r";
  gsize len = strlen (name), start = strspn (name, space);

  while (len > start && strchr (space, name[len - 1]) != NULL)
    len--;
  memmove (name, name + start, len - start);
  name[len - start] = '\0';
  return *name != '\0';
}

static gboolean
valid_fat_name (const char *name)
{
  /* Removable cards are FAT/exFAT: Linux vfat (vfat_bad_char) and exfat
   * (exfat_bad_char) answer EINVAL to these when the file is created.
   * MtpStorageManager.beginSendObject only records the name; the refusal
   * comes from makeFolder() or from open(O_CREAT) in doSendObject. */
  for (const char *p = name; *p; p++)
    if (strchr ("\"*:<>?\\|", *p) != NULL || (guchar) *p < 0x20)
      return FALSE;
  return TRUE;
}

static VpObject *
object_new (VpStore *store, VpStorage *st, VpObject *parent, const char *disk_name,
            const char *name, gboolean is_folder)
{
  VpObject *o = g_new0 (VpObject, 1);

  o->handle = store->next_handle++;
  o->storage = st;
  o->parent = parent;
  o->disk_name = g_strdup (disk_name);
  o->name = g_strdup (name);
  o->is_folder = is_folder;
  o->format = vp_store_format_for_name (name, is_folder);
  o->mtime = g_get_real_time () / G_USEC_PER_SEC;
  if (is_folder)
    o->children = g_ptr_array_new ();
  g_hash_table_insert (store->objects, GUINT_TO_POINTER (o->handle), o);
  return o;
}

/* A rig-made object (no file behind it), listed in parent. */
static VpObject *
synthetic_child (VpStore *store, VpStorage *st, VpObject *parent, const char *name, gboolean is_folder)
{
  VpObject *o = object_new (store, st, parent, NULL, name, is_folder);

  g_ptr_array_add (parent->children, o);
  return o;
}

/* The path below DIR, "Storage/a/b", that hostile.ini keys use. */
static char *
rel_from_dir (VpObject *obj)
{
  GString *s = g_string_new (NULL);
  GSList *parts = NULL;

  for (VpObject *o = obj; o != NULL && o != o->storage->root; o = o->parent)
    parts = g_slist_prepend (parts, o->disk_name ? o->disk_name : o->name);
  g_string_append (s, obj->storage->description);
  for (GSList *l = parts; l; l = l->next)
    {
      g_string_append_c (s, '/');
      g_string_append (s, l->data);
    }
  g_slist_free (parts);
  return g_string_free (s, FALSE);
}

static void
apply_hostile (VpStore *store, VpObject *o)
{
  g_autofree char *rel = NULL;
  HostileEntry *e;

  if (store->hostile == NULL)
    return;
  rel = rel_from_dir (o);
  e = g_hash_table_lookup (store->hostile, rel);
  if (e == NULL)
    return;
  if (e->name16_hex != NULL)
    {
      gsize hexlen = strlen (e->name16_hex), n = hexlen / 4;
      GString *utf8 = g_string_new (NULL);

      o->name16 = g_new0 (gunichar2, n + 1);
      o->name16_len = n;
      for (gsize i = 0; i < n; i++)
        {
          char b[5] = { 0 };
          guint lo, hi;
          memcpy (b, e->name16_hex + i * 4, 4);
          lo = (guint) g_ascii_strtoull ((char[]) { b[0], b[1], 0 }, NULL, 16);
          hi = (guint) g_ascii_strtoull ((char[]) { b[2], b[3], 0 }, NULL, 16);
          o->name16[i] = (gunichar2) (lo | (hi << 8));
        }
      for (gsize i = 0; i < n; i++)
        {
          gunichar c = o->name16[i];
          if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && o->name16[i + 1] >= 0xDC00 &&
              o->name16[i + 1] < 0xE000)
            c = 0x10000 + ((c - 0xD800) << 10) + (o->name16[++i] - 0xDC00);
          else if (c >= 0xD800 && c < 0xE000)
            c = 0xFFFD;
          g_string_append_unichar (utf8, c);
        }
      g_free (o->name);
      o->name = g_string_free (utf8, FALSE);
    }
  o->size_delta = e->size_delta;
  if (e->has_raw_date)
    {
      o->has_raw_date = TRUE;
      o->raw_date = g_strdup (e->raw_date);
    }
}

static void
remove_object (VpStore *store, VpObject *o)
{
  if (o->children != NULL)
    {
      /* Copy first: removing a child edits the array being walked. */
      g_autoptr(GPtrArray) kids = g_ptr_array_copy (o->children, NULL, NULL);
      for (guint i = 0; i < kids->len; i++)
        {
          VpObject *k = kids->pdata[i];
          /* A hostile cycle makes a folder its own grandchild. */
          if (k->parent == o)
            remove_object (store, k);
        }
    }
  if (o->parent != NULL && o->parent->children != NULL)
    g_ptr_array_remove (o->parent->children, o);
  g_hash_table_remove (store->objects, GUINT_TO_POINTER (o->handle));
}

char *
vp_store_disk_path (VpStore *store, VpObject *obj)
{
  GSList *parts = NULL;
  GString *s;

  (void) store;
  for (VpObject *o = obj; o != obj->storage->root; o = o->parent)
    {
      if (o->disk_name == NULL)
        {
          g_slist_free (parts);
          return NULL;
        }
      parts = g_slist_prepend (parts, o->disk_name);
    }
  s = g_string_new (obj->storage->path);
  for (GSList *l = parts; l; l = l->next)
    {
      g_string_append_c (s, '/');
      g_string_append (s, l->data);
    }
  g_slist_free (parts);
  return g_string_free (s, FALSE);
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
vp_store_list (VpStore *store, VpObject *folder)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) old = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  DIR *d;
  struct dirent *de;

  if (folder == NULL || !folder->is_folder || folder->children == NULL || store->locked)
    return out;
  path = vp_store_disk_path (store, folder);
  if (path != NULL && (d = opendir (path)) != NULL)
    {
      /* Re-read the folder each time, as Android's storage manager follows
       * the file system: files a test adds or removes show up. */
      names = g_ptr_array_new_with_free_func (g_free);
      while ((de = readdir (d)) != NULL)
        if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
          g_ptr_array_add (names, g_strdup (de->d_name));
      closedir (d);
      g_ptr_array_sort (names, cmp_str);

      old = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < folder->children->len; i++)
        {
          VpObject *k = folder->children->pdata[i];
          if (k->disk_name != NULL && k->parent == folder)
            g_hash_table_insert (old, k->disk_name, k);
        }
      kept = g_ptr_array_new ();
      for (guint i = 0; i < names->len; i++)
        {
          const char *n = names->pdata[i];
          VpObject *k = g_hash_table_lookup (old, n);
          if (k != NULL)
            g_hash_table_remove (old, n);
          else
            {
              g_autofree char *child = g_build_filename (path, n, NULL);
              struct stat sb;
              if (lstat (child, &sb) != 0 || !(S_ISDIR (sb.st_mode) || S_ISREG (sb.st_mode)))
                continue;
              k = object_new (store, folder->storage, folder, n, n, S_ISDIR (sb.st_mode));
              apply_hostile (store, k);
            }
          g_ptr_array_add (kept, k);
        }
      /* What is left in `old` vanished from the disk. */
      {
        GHashTableIter it;
        gpointer v;
        g_autoptr(GPtrArray) gone = g_ptr_array_new ();
        g_hash_table_iter_init (&it, old);
        while (g_hash_table_iter_next (&it, NULL, &v))
          if (((VpObject *) v)->reserved)
            g_ptr_array_add (kept, v);   /* its file comes with SendObject */
          else
            g_ptr_array_add (gone, v);
        for (guint i = 0; i < gone->len; i++)
          remove_object (store, gone->pdata[i]);
      }
      /* Keep rig-made children (no disk name) after the disk ones. */
      for (guint i = 0; i < folder->children->len; i++)
        {
          VpObject *k = folder->children->pdata[i];
          if (k->disk_name == NULL || k->parent != folder)
            g_ptr_array_add (kept, k);
        }
      g_ptr_array_set_size (folder->children, 0);
      g_ptr_array_extend (folder->children, kept, NULL, NULL);
    }
  for (guint i = 0; i < folder->children->len; i++)
    {
      VpObject *k = folder->children->pdata[i];
      if (!k->vanished)
        g_ptr_array_add (out, k);
    }
  return out;
}

VpObject *
vp_store_lookup (VpStore *store, guint32 handle)
{
  VpObject *o = g_hash_table_lookup (store->objects, GUINT_TO_POINTER (handle));

  if (o == NULL || o->vanished || store->locked)
    return NULL;
  return o;
}

VpObject *
vp_store_resolve (VpStore *store, VpStorage *st, const char *rel)
{
  g_auto(GStrv) parts = g_strsplit (rel, "/", -1);
  VpObject *cur = st->root;

  for (guint i = 0; parts[i] != NULL && cur != NULL; i++)
    {
      g_autoptr(GPtrArray) kids = NULL;
      VpObject *next = NULL;

      if (*parts[i] == '\0')
        continue;
      kids = vp_store_list (store, cur);
      for (guint j = 0; j < kids->len && next == NULL; j++)
        {
          VpObject *k = kids->pdata[j];
          if (g_strcmp0 (k->disk_name ? k->disk_name : k->name, parts[i]) == 0)
            next = k;
        }
      cur = next;
    }
  return cur == st->root ? NULL : cur;
}

gboolean
vp_store_stat (VpStore *store, VpObject *obj, guint64 *size, gint64 *mtime)
{
  g_autofree char *path = NULL;
  struct stat sb;

  if (obj->abstract || obj->disk_name == NULL)
    {
      *size = obj->content ? g_bytes_get_size (obj->content) : 0;
      *mtime = obj->mtime;
      return TRUE;
    }
  path = vp_store_disk_path (store, obj);
  if ((path == NULL || stat (path, &sb) != 0) && obj->reserved)
    {
      /* MtpDatabase reads a cached object's size and date from its file:
       * File.length() and lastModified() are 0 when there is none. */
      *size = 0;
      *mtime = 0;
      return TRUE;
    }
  if (path == NULL || stat (path, &sb) != 0)
    return FALSE;
  *size = obj->is_folder ? 0 : (guint64) sb.st_size;
  *mtime = sb.st_mtime;
  return TRUE;
}

guint32
vp_store_reported_parent (VpObject *obj)
{
  if (obj->parent_override != 0)
    return obj->parent_override;
  /* Android reports 0 for objects at the top of a storage. */
  return obj->parent == obj->storage->root ? 0 : obj->parent->handle;
}

/* AOSP's formatDateTime (MtpUtils.cpp) writes the phone's local time with
 * no offset and no tenths: a client cannot tell which zone the phone is in
 * (MtpDatabase offers no DateTime device property either), so libmtp reads
 * it as the computer's local time. */
char *
vp_store_format_date (VpStore *store, gint64 t)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_timezone (utc, store->opts.tz);
  return g_date_time_format (local, "%Y%m%dT%H%M%S");
}

/* Reads a date the way AOSP's parseDateTime (media/mtp/MtpUtils.cpp) does,
 * because that is what decides the date of a file a computer sends to an
 * Android phone (MtpServer::doSendObjectInfo, applied by doSendObject):
 * - six numeric fields as sscanf's "%04d%02d%02dT%02d%02d%02d" reads them;
 *   anything else is no date at all (the phone then keeps the time of the
 *   write);
 * - the suffix is looked at from the 16th character on, whatever the
 *   fields consumed; one tenth-of-second digit after '.' is skipped;
 * - only a literal 'Z' there means UTC (timegm); every other suffix,
 *   "+0200" and "-0800" included, is ignored and the fields are taken as
 *   the phone's local time (mktime with tm_isdst = -1), so a computer that
 *   writes its own offset does not get it honoured;
 * - fields out of range are carried over as mktime and timegm do
 *   (month 13 is January of the next year), not refused.
 * Years GDateTime cannot hold are refused here, where the phone would make
 * some far date of them. */
gboolean
vp_store_parse_date (VpStore *store, const char *s, gint64 *t)
{
  int Y, M, D, h, m, sec;
  const char *tail;
  gboolean utc;
  g_autoptr(GDateTime) jan1 = NULL;
  g_autoptr(GDateTime) wall = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (s == NULL || sscanf (s, "%4d%2d%2dT%2d%2d%2d", &Y, &M, &D, &h, &m, &sec) != 6)
    return FALSE;
  /* Shorter matches (signs, blanks) would make the phone read past the
   * string; take them as having no suffix. */
  tail = strlen (s) >= 15 ? s + 15 : "";
  if (tail[0] == '.' && tail[1] != '\0')
    tail += 2;
  utc = tail[0] == 'Z';

  /* The carry-over: build the wall-clock time field by field in UTC, where
   * no hour is skipped or repeated, then place it in the phone's zone. */
  jan1 = g_date_time_new_utc (Y, 1, 1, 0, 0, 0);
  if (jan1 == NULL)
    return FALSE;
  wall = g_date_time_add_full (jan1, 0, M - 1, D - 1, h, m, sec);
  if (wall == NULL)
    return FALSE;
  if (utc)
    {
      *t = g_date_time_to_unix (wall);
      return TRUE;
    }
  local = g_date_time_new (store->opts.tz, g_date_time_get_year (wall), g_date_time_get_month (wall),
                           g_date_time_get_day_of_month (wall), g_date_time_get_hour (wall),
                           g_date_time_get_minute (wall), g_date_time_get_second (wall));
  if (local == NULL)
    return FALSE;
  *t = g_date_time_to_unix (local);
  return TRUE;
}

guint64
vp_store_free_space (VpStore *store, VpStorage *st)
{
  (void) store;
  return st->used >= st->capacity ? 0 : st->capacity - st->used;
}

void
vp_store_add_used (VpStore *store, VpStorage *st, gint64 delta)
{
  (void) store;
  if (delta < 0 && (guint64) -delta > st->used)
    st->used = 0;
  else
    st->used += delta;
}

void
vp_store_fill (VpStore *store, VpStorage *st)
{
  guint64 free_now = vp_store_free_space (store, st);

  st->filler += free_now;
  st->used += free_now;
}

void
vp_store_unfill (VpStore *store)
{
  for (guint i = 0; i < store->storages->len; i++)
    {
      VpStorage *st = store->storages->pdata[i];
      st->used = st->used > st->filler ? st->used - st->filler : 0;
      st->filler = 0;
    }
}

static guint64
tree_bytes (const char *path)
{
  struct stat sb;
  guint64 total = 0;
  DIR *d;
  struct dirent *de;

  if (lstat (path, &sb) != 0)
    return 0;
  if (S_ISREG (sb.st_mode))
    return (guint64) sb.st_size;
  if (!S_ISDIR (sb.st_mode) || (d = opendir (path)) == NULL)
    return 0;
  while ((de = readdir (d)) != NULL)
    {
      g_autofree char *child = NULL;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      child = g_build_filename (path, de->d_name, NULL);
      total += tree_bytes (child);
    }
  closedir (d);
  return total;
}

static gboolean
remove_tree (const char *path)
{
  struct stat sb;
  DIR *d;
  struct dirent *de;
  gboolean ok = TRUE;

  if (lstat (path, &sb) != 0)
    return FALSE;
  if (!S_ISDIR (sb.st_mode))
    return unlink (path) == 0;
  if ((d = opendir (path)) == NULL)
    return FALSE;
  while ((de = readdir (d)) != NULL)
    {
      g_autofree char *child = NULL;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      child = g_build_filename (path, de->d_name, NULL);
      ok = remove_tree (child) && ok;
    }
  closedir (d);
  return rmdir (path) == 0 && ok;
}

static gboolean
copy_tree (const char *from, const char *to)
{
  struct stat sb;

  if (lstat (from, &sb) != 0)
    return FALSE;
  if (S_ISDIR (sb.st_mode))
    {
      DIR *d;
      struct dirent *de;
      gboolean ok = TRUE;

      if (mkdir (to, 0755) != 0 || (d = opendir (from)) == NULL)
        return FALSE;
      while ((de = readdir (d)) != NULL)
        {
          g_autofree char *a = NULL, *b = NULL;
          if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
            continue;
          a = g_build_filename (from, de->d_name, NULL);
          b = g_build_filename (to, de->d_name, NULL);
          ok = copy_tree (a, b) && ok;
        }
      closedir (d);
      return ok;
    }
  else
    {
      int in = open (from, O_RDONLY | O_CLOEXEC), out;
      char buf[65536];
      ssize_t n;
      gboolean ok = TRUE;
      struct timeval tv[2] = { { sb.st_atime, 0 }, { sb.st_mtime, 0 } };

      if (in < 0)
        return FALSE;
      out = open (to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (out < 0)
        {
          close (in);
          return FALSE;
        }
      while ((n = read (in, buf, sizeof buf)) > 0)
        if (write (out, buf, n) != n)
          {
            ok = FALSE;
            break;
          }
      ok = ok && n == 0;
      close (in);
      close (out);
      utimes (to, tv);
      return ok;
    }
}

static VpObject *
child_named (VpStore *store, VpObject *folder, const char *name)
{
  g_autoptr(GPtrArray) kids = vp_store_list (store, folder);

  for (guint i = 0; i < kids->len; i++)
    {
      VpObject *k = kids->pdata[i];
      if (strcmp (k->name, name) == 0)
        return k;
    }
  return NULL;
}

/* A name the card's file system refuses: AOSP asks the file system, which
 * answers EINVAL, and MtpServer turns any such failure into GeneralError
 * (doSendObjectInfo's makeFolder, doSendObject's open, doMoveObject's
 * rename, doCopyObject's copy; MtpDatabase.renameFile for a rename). */
static gboolean
fat_refuses (VpStorage *st, const char *name)
{
  return st != NULL && st->removable && !valid_fat_name (name);
}

/* st: the storage whose file system is asked now, NULL when it is asked
 * later (a file's SendObjectInfo). */
static guint16
check_new_name (VpStore *store, VpStorage *st, VpObject *parent, const char *name)
{
  if (!vp_store_valid_name (name))
    return VP_RC_InvalidParameter;
  /* Android's storage manager refuses a second object of the same name. */
  if (child_named (store, parent, name) != NULL)
    return VP_RC_GeneralError;
  if (fat_refuses (st, name))
    return VP_RC_GeneralError;
  return VP_RC_OK;
}

guint16
vp_store_create (VpStore *store, VpStorage *st, VpObject *parent, const char *name,
                 guint16 format, gint64 mtime, VpObject **out)
{
  g_autofree char *dir = NULL, *path = NULL;
  gboolean folder = format == VP_FMT_Association;
  gboolean abstract = store->opts.abstract &&
                      (format == VP_FMT_AbstractAudioVideoPlaylist || format == VP_FMT_AbstractAudioAlbum);
  guint16 rc;
  VpObject *o;

  if (!parent->is_folder)
    return VP_RC_InvalidParentObject;
  if ((rc = check_new_name (store, folder ? st : NULL, parent, name)) != VP_RC_OK)
    return rc;
  dir = vp_store_disk_path (store, parent);
  if (dir == NULL && !abstract)
    return VP_RC_InvalidParentObject;
  if (!abstract && fat_refuses (st, name))
    {
      /* As MtpServer::doSendObjectInfo, accept the ObjectInfo with no file
       * behind it: SendObject's open() then fails (GeneralError) and the
       * object is forgotten. */
      o = object_new (store, st, parent, NULL, name, FALSE);
      o->mtime = mtime;
      o->reserved = TRUE;
      g_ptr_array_add (parent->children, o);
      *out = o;
      return VP_RC_OK;
    }
  if (!abstract)
    {
      path = g_build_filename (dir, name, NULL);
      /* A folder is made now (MtpServer::doSendObjectInfo's makeFolder); a
       * file only when its data comes (doSendObject's open(O_CREAT)).  Until
       * then MtpStorageManager.beginSendObject has it in its cache alone. */
      if (folder && mkdir (path, 0755) != 0)
        return VP_RC_GeneralError;
    }
  o = object_new (store, st, parent, abstract ? NULL : name, name, folder);
  o->format = abstract ? format : vp_store_format_for_name (name, folder);
  o->abstract = abstract;
  o->mtime = mtime;
  if (abstract)
    o->refs = g_array_new (FALSE, FALSE, sizeof (guint32));
  o->reserved = !folder && !abstract;
  g_ptr_array_add (parent->children, o);
  if (folder && mtime > 0)
    vp_store_set_mtime (store, o, mtime);
  *out = o;
  return VP_RC_OK;
}

gboolean
vp_store_is_phantom (VpStore *store, VpObject *obj)
{
  g_autofree char *path = NULL;

  if (!obj->reserved)
    return FALSE;
  path = vp_store_disk_path (store, obj);
  return path == NULL || access (path, F_OK) != 0;
}

void
vp_store_forget_object (VpStore *store, VpObject *obj)
{
  remove_object (store, obj);
}

guint16
vp_store_delete (VpStore *store, VpObject *obj)
{
  g_autofree char *path = vp_store_disk_path (store, obj);
  gboolean abstract = obj->abstract;

  if (path != NULL)
    {
      guint64 bytes = tree_bytes (path);
      if (!remove_tree (path))
        return VP_RC_PartialDeletion;
      vp_store_add_used (store, obj->storage, -(gint64) bytes);
    }
  remove_object (store, obj);
  if (abstract)
    vp_store_save_abstract (store);
  return VP_RC_OK;
}

guint16
vp_store_rename (VpStore *store, VpObject *obj, const char *name)
{
  g_autofree char *from = vp_store_disk_path (store, obj);
  g_autofree char *dir = NULL, *to = NULL;
  guint16 rc;

  if (obj->parent == NULL)
    return VP_RC_InvalidObjectHandle;
  if (strcmp (obj->name, name) == 0)
    return VP_RC_OK;
  if ((rc = check_new_name (store, obj->storage, obj->parent, name)) != VP_RC_OK)
    return rc;
  if (from != NULL)
    {
      dir = g_path_get_dirname (from);
      to = g_build_filename (dir, name, NULL);
      if (rename (from, to) != 0)
        return VP_RC_GeneralError;
      g_free (obj->disk_name);
      obj->disk_name = g_strdup (name);
    }
  g_free (obj->name);
  obj->name = g_strdup (name);
  g_clear_pointer (&obj->name16, g_free);
  obj->name16_len = 0;
  if (!obj->is_folder)
    obj->format = obj->abstract ? obj->format : vp_store_format_for_name (name, FALSE);
  if (obj->abstract)
    vp_store_save_abstract (store);
  return VP_RC_OK;
}

static void
reparent (VpObject *obj, VpStorage *st, VpObject *parent)
{
  g_ptr_array_remove (obj->parent->children, obj);
  obj->parent = parent;
  g_ptr_array_add (parent->children, obj);
  if (obj->storage != st)
    {
      /* Moving between storages: the whole subtree changes storage. */
      GPtrArray *stack = g_ptr_array_new ();
      g_ptr_array_add (stack, obj);
      while (stack->len > 0)
        {
          VpObject *o = g_ptr_array_steal_index (stack, stack->len - 1);
          o->storage = st;
          if (o->children != NULL)
            for (guint i = 0; i < o->children->len; i++)
              if (((VpObject *) o->children->pdata[i])->parent == o)
                g_ptr_array_add (stack, o->children->pdata[i]);
        }
      g_ptr_array_unref (stack);
    }
}

guint16
vp_store_move (VpStore *store, VpObject *obj, VpStorage *st, VpObject *parent)
{
  g_autofree char *from = vp_store_disk_path (store, obj);
  g_autofree char *dir = vp_store_disk_path (store, parent);
  g_autofree char *to = NULL;
  guint16 rc;

  if (!parent->is_folder)
    return VP_RC_InvalidParentObject;
  for (VpObject *p = parent; p != NULL; p = p->parent)
    if (p == obj)
      return VP_RC_InvalidParentObject;
  if ((rc = check_new_name (store, st, parent, obj->name)) != VP_RC_OK)
    return rc;
  if (from != NULL)
    {
      guint64 bytes;
      if (dir == NULL)
        return VP_RC_InvalidParentObject;
      to = g_build_filename (dir, obj->disk_name, NULL);
      bytes = tree_bytes (from);
      if (rename (from, to) != 0)
        return VP_RC_GeneralError;
      vp_store_add_used (store, obj->storage, -(gint64) bytes);
      vp_store_add_used (store, st, (gint64) bytes);
    }
  reparent (obj, st, parent);
  return VP_RC_OK;
}

guint16
vp_store_copy (VpStore *store, VpObject *obj, VpStorage *st, VpObject *parent, VpObject **out)
{
  g_autofree char *from = vp_store_disk_path (store, obj);
  g_autofree char *dir = vp_store_disk_path (store, parent);
  g_autofree char *to = NULL;
  guint64 bytes;
  guint16 rc;

  if (!parent->is_folder || from == NULL || dir == NULL)
    return VP_RC_InvalidParentObject;
  if ((rc = check_new_name (store, st, parent, obj->name)) != VP_RC_OK)
    return rc;
  bytes = tree_bytes (from);
  if (bytes > vp_store_free_space (store, st))
    return VP_RC_StoreFull;
  to = g_build_filename (dir, obj->disk_name, NULL);
  if (!copy_tree (from, to))
    {
      remove_tree (to);
      return VP_RC_GeneralError;
    }
  vp_store_add_used (store, st, (gint64) bytes);
  *out = child_named (store, parent, obj->name);
  return *out ? VP_RC_OK : VP_RC_GeneralError;
}

void
vp_store_set_mtime (VpStore *store, VpObject *obj, gint64 mtime)
{
  g_autofree char *path = vp_store_disk_path (store, obj);

  obj->mtime = mtime;
  if (path != NULL)
    {
      struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
      utimes (path, tv);
    }
  if (obj->abstract)
    vp_store_save_abstract (store);
}

/* ---- loading ---------------------------------------------------------- */

static void
load_storage_ini (VpStore *store, VpStorage *st)
{
  g_autofree char *ini = g_build_filename (store->dir, ".vphone", "storages.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *kind = NULL;

  if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL) ||
      !g_key_file_has_group (kf, st->description))
    return;
  kind = g_key_file_get_string (kf, st->description, "kind", NULL);
  if (kind != NULL)
    st->removable = g_str_equal (kind, "removable");
  if (g_key_file_has_key (kf, st->description, "capacity", NULL))
    st->capacity = g_key_file_get_uint64 (kf, st->description, "capacity", NULL);
  if (g_key_file_has_key (kf, st->description, "max-file-size", NULL))
    st->max_file_size = g_key_file_get_uint64 (kf, st->description, "max-file-size", NULL);
}

/* n nested folders of 240-character names: a path of more than 1,000
 * characters (and more than PATH_MAX once n passes 17), each name still
 * within what an MTP string carries. */
static void
add_long_chain (VpStore *store, VpStorage *st, gint n)
{
  g_autofree char *name = g_strnfill (240, 'P');
  VpObject *cur = st->root;

  if (n <= 0)
    return;
  for (gint i = 0; i < n; i++)
    {
      name[0] = (char) ('0' + i % 10);
      cur = synthetic_child (store, st, cur, name, TRUE);
    }
  synthetic_child (store, st, cur, "far.txt", FALSE)->content = g_bytes_new_static ("far\n", 4);
}

/* One folder of n small files, each its own content.  A real phone can
 * hold that many: AOSP's MtpServer::doGetObjectHandles sends whatever
 * MtpDatabase.getObjectList returns as one array in one data phase, with
 * no limit (the rig's do_get_object_handles does the same). */
static void
add_wide (VpStore *store, VpStorage *st, gint n)
{
  VpObject *w;

  if (n <= 0)
    return;
  w = synthetic_child (store, st, st->root, "wide", TRUE);
  for (gint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%06d.txt", i);
      char *text = g_strdup_printf ("%d\n", i);
      synthetic_child (store, st, w, name, FALSE)->content = g_bytes_new_take (text, strlen (text));
    }
}

static gboolean
load_hostile (VpStore *store, GError **error)
{
  g_autofree char *ini = g_build_filename (store->dir, ".vphone", "hostile.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  const char *groups[] = { "names", "sizes", "dates" };

  store->hostile = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, hostile_entry_free);
  if (!g_file_test (ini, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, error))
    return FALSE;
  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint i = 0; keys && keys[i]; i++)
        {
          HostileEntry *e = g_hash_table_lookup (store->hostile, keys[i]);
          g_autofree char *v = g_key_file_get_string (kf, groups[g], keys[i], NULL);
          if (e == NULL)
            {
              e = g_new0 (HostileEntry, 1);
              g_hash_table_insert (store->hostile, g_strdup (keys[i]), e);
            }
          if (g == 0)
            e->name16_hex = g_steal_pointer (&v);
          else if (g == 1)
            e->size_delta = g_ascii_strtoll (v ? v : "0", NULL, 10);
          else
            {
              e->has_raw_date = TRUE;
              e->raw_date = g_steal_pointer (&v);
            }
        }
    }
  if (store->storages->len > 0)
    {
      VpStorage *st = store->storages->pdata[0];
      gint depth = g_key_file_get_integer (kf, "structure", "deep-chain", NULL);
      if (depth > 0)
        {
          /* Deeper than PATH_MAX once spelled out: only the rig holds it. */
          VpObject *cur = synthetic_child (store, st, st->root, "deep", TRUE);
          for (gint i = 0; i < depth; i++)
            cur = synthetic_child (store, st, cur, "d", TRUE);
          synthetic_child (store, st, cur, "bottom.txt", FALSE)->content = g_bytes_new_static ("bottom\n", 7);
        }
      if (g_key_file_get_boolean (kf, "structure", "self-parent", NULL))
        {
          /* A folder listed inside itself that names itself as its parent,
           * with one real-looking file beside the loop. */
          VpObject *s = synthetic_child (store, st, st->root, "self", TRUE);
          g_ptr_array_add (s->children, s);
          synthetic_child (store, st, s, "in-self.txt", FALSE)->content = g_bytes_new_static ("in self\n", 8);
          s->parent_override = s->handle;
        }
      add_long_chain (store, st, g_key_file_get_integer (kf, "structure", "long-chain", NULL));
      add_wide (store, st, g_key_file_get_integer (kf, "structure", "wide", NULL));
      if (g_key_file_get_boolean (kf, "structure", "cycle", NULL))
        {
          /* Two folders, each listed inside the other and each claiming
           * the other as its parent. */
          VpObject *a = synthetic_child (store, st, st->root, "loop-a", TRUE);
          VpObject *b = synthetic_child (store, st, a, "loop-b", TRUE);
          g_ptr_array_add (b->children, a);
          a->parent_override = b->handle;
          b->parent_override = a->handle;
        }
    }
  return TRUE;
}

static void
load_abstract (VpStore *store)
{
  g_autofree char *ini = g_build_filename (store->dir, ".vphone", "objects.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL))
    return;
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      g_autofree char *kind = g_key_file_get_string (kf, groups[i], "kind", NULL);
      g_autofree char *stname = g_key_file_get_string (kf, groups[i], "storage", NULL);
      g_autofree char *name = g_key_file_get_string (kf, groups[i], "name", NULL);
      g_autofree char *parent_rel = g_key_file_get_string (kf, groups[i], "parent", NULL);
      g_auto(GStrv) members = g_key_file_get_string_list (kf, groups[i], "members", NULL, NULL);
      VpStorage *st = NULL;
      VpObject *parent, *o;

      for (guint s = 0; s < store->storages->len; s++)
        if (g_strcmp0 (((VpStorage *) store->storages->pdata[s])->description, stname) == 0)
          st = store->storages->pdata[s];
      if (st == NULL || name == NULL || kind == NULL)
        continue;
      parent = parent_rel && *parent_rel ? vp_store_resolve (store, st, parent_rel) : st->root;
      if (parent == NULL)
        parent = st->root;
      o = object_new (store, st, parent, NULL, name, FALSE);
      o->abstract = TRUE;
      o->format = g_str_equal (kind, "album") ? VP_FMT_AbstractAudioAlbum : VP_FMT_AbstractAudioVideoPlaylist;
      o->artist = g_key_file_get_string (kf, groups[i], "artist", NULL);
      if (g_key_file_has_key (kf, groups[i], "mtime", NULL))
        o->mtime = g_key_file_get_int64 (kf, groups[i], "mtime", NULL);
      o->refs = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (guint m = 0; members && members[m]; m++)
        {
          VpObject *t = vp_store_resolve (store, st, members[m]);
          if (t != NULL)
            g_array_append_val (o->refs, t->handle);
        }
      g_ptr_array_add (parent->children, o);
    }
}

static char *
rel_in_storage (VpObject *obj)
{
  g_autofree char *full = rel_from_dir (obj);
  gsize skip = strlen (obj->storage->description);

  return g_strdup (full[skip] == '/' ? full + skip + 1 : "");
}

void
vp_store_save_abstract (VpStore *store)
{
  g_autofree char *dir = g_build_filename (store->dir, ".vphone", NULL);
  g_autofree char *ini = g_build_filename (dir, "objects.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  GHashTableIter it;
  gpointer v;
  g_autoptr(GPtrArray) objs = g_ptr_array_new ();
  guint n = 0;

  if (!store->opts.abstract)
    return;
  g_hash_table_iter_init (&it, store->objects);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((VpObject *) v)->abstract)
      g_ptr_array_add (objs, v);
  for (guint i = 0; i < objs->len; i++)
    {
      VpObject *o = objs->pdata[i];
      g_autofree char *group = g_strdup_printf ("object %u", ++n);
      g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_free);

      g_key_file_set_string (kf, group, "kind", o->format == VP_FMT_AbstractAudioAlbum ? "album" : "playlist");
      g_key_file_set_string (kf, group, "storage", o->storage->description);
      g_key_file_set_string (kf, group, "name", o->name);
      if (o->parent != o->storage->root)
        {
          g_autofree char *p = rel_in_storage (o->parent);
          g_key_file_set_string (kf, group, "parent", p);
        }
      if (o->artist)
        g_key_file_set_string (kf, group, "artist", o->artist);
      g_key_file_set_int64 (kf, group, "mtime", o->mtime);
      for (guint r = 0; o->refs && r < o->refs->len; r++)
        {
          VpObject *t = vp_store_lookup (store, g_array_index (o->refs, guint32, r));
          if (t != NULL && t->disk_name != NULL)
            g_ptr_array_add (members, rel_in_storage (t));
        }
      g_key_file_set_string_list (kf, group, "members", (const char *const *) members->pdata, members->len);
    }
  g_mkdir_with_parents (dir, 0755);
  g_key_file_save_to_file (kf, ini, NULL);
}

VpStore *
vp_store_new (const char *dir, const VpStoreOptions *opts, GError **error)
{
  VpStore *store;
  DIR *d;
  struct dirent *de;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  d = opendir (dir);
  if (d == NULL)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "cannot open phone folder %s: %s", dir, g_strerror (e));
      return NULL;
    }
  while ((de = readdir (d)) != NULL)
    {
      g_autofree char *p = NULL;
      if (de->d_name[0] == '.')
        continue;
      p = g_build_filename (dir, de->d_name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (names, g_strdup (de->d_name));
    }
  closedir (d);
  g_ptr_array_sort (names, cmp_str);

  store = g_new0 (VpStore, 1);
  store->dir = g_canonicalize_filename (dir, NULL);
  store->opts = *opts;
  store->opts.tz = opts->tz ? g_time_zone_ref (opts->tz) : g_time_zone_new_utc ();
  store->storages = g_ptr_array_new_with_free_func (storage_free);
  store->objects = g_hash_table_new_full (NULL, NULL, NULL, object_free);
  store->next_handle = 1;
  for (guint i = 0; i < names->len; i++)
    {
      VpStorage *st = g_new0 (VpStorage, 1);
      /* Android numbers storages 0x00010001, 0x00020001, ... */
      st->id = ((i + 1) << 16) | 1;
      st->description = g_strdup (names->pdata[i]);
      st->path = g_build_filename (store->dir, st->description, NULL);
      st->capacity = DEFAULT_CAPACITY;
      load_storage_ini (store, st);
      if (opts->capacity > 0)
        st->capacity = opts->capacity;
      st->used = tree_bytes (st->path);
      st->root = g_new0 (VpObject, 1);
      st->root->storage = st;
      st->root->is_folder = TRUE;
      st->root->children = g_ptr_array_new ();
      st->root->name = g_strdup (st->description);
      g_ptr_array_add (store->storages, st);
    }
  if (opts->hostile && !load_hostile (store, error))
    {
      vp_store_free (store);
      return NULL;
    }
  if (opts->abstract)
    load_abstract (store);
  return store;
}

void
vp_store_free (VpStore *store)
{
  if (store == NULL)
    return;
  g_hash_table_unref (store->objects);
  g_ptr_array_unref (store->storages);
  g_clear_pointer (&store->hostile, g_hash_table_unref);
  g_time_zone_unref (store->opts.tz);
  g_free (store->dir);
  g_free (store);
}

guint
vp_store_n_storages (VpStore *store)
{
  return store->locked ? 0 : store->storages->len;
}

VpStorage *
vp_store_storage_at (VpStore *store, guint i)
{
  return i < vp_store_n_storages (store) ? store->storages->pdata[i] : NULL;
}

VpStorage *
vp_store_storage_by_id (VpStore *store, guint32 id)
{
  for (guint i = 0; i < vp_store_n_storages (store); i++)
    if (((VpStorage *) store->storages->pdata[i])->id == id)
      return store->storages->pdata[i];
  return NULL;
}

gboolean
vp_store_forget (VpStore *store)
{
  /* Playlists and hostile overlays are tied to handles taken at start. */
  if (store->opts.abstract || store->opts.hostile)
    return FALSE;
  for (guint i = 0; i < store->storages->len; i++)
    g_ptr_array_set_size (((VpStorage *) store->storages->pdata[i])->root->children, 0);
  g_hash_table_remove_all (store->objects);
  store->next_handle = 1;
  return TRUE;
}

void
vp_store_set_locked (VpStore *store, gboolean locked)
{
  store->locked = locked;
}

gboolean
vp_store_is_locked (VpStore *store)
{
  return store->locked;
}

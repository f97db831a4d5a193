/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The phone's object store: storages and objects backed by a folder on
 * disk, with handles as an MTP responder hands them out.  Hostile names,
 * sizes and dates, and abstract objects (playlists, albums) are overlays
 * read from DIR/.vphone/. */
#pragma once

#include <glib.h>

typedef struct _VpStore VpStore;
typedef struct _VpStorage VpStorage;
typedef struct _VpObject VpObject;

struct _VpStorage {
  guint32 id;
  char *description;     /* the top-level folder's name */
  char *path;            /* absolute path of that folder */
  gboolean removable;
  guint64 capacity;
  guint64 max_file_size; /* 0: no limit */
  guint64 used;          /* apparent bytes of every file, kept up to date */
  guint64 filler;        /* part of `used` taken by vp_store_fill: not files */
  VpObject *root;        /* a pseudo-object for the storage's top folder (handle 0) */
};

struct _VpObject {
  guint32 handle;
  VpStorage *storage;
  VpObject *parent;      /* the storage root for top-level objects */
  char *disk_name;       /* NULL for objects that exist only in the rig */
  char *name;            /* UTF-8 name the phone reports */
  gunichar2 *name16;     /* raw UTF-16 name, when one was declared in hostile.ini */
  gsize name16_len;
  guint16 format;
  gboolean is_folder;
  gboolean abstract;     /* playlist or album with no file behind it */
  gboolean vanished;     /* fault: gone between listing and reading */
  GPtrArray *children;   /* folders: VpObject*, borrowed from the store */
  gint64 size_delta;     /* hostile: GetObject sends this many extra bytes */
  char *raw_date;        /* hostile: DateModified as reported, when set */
  gboolean has_raw_date;
  GBytes *content;       /* synthetic file content (rig-made files) */
  guint32 parent_override; /* hostile: what ObjectInfo claims as parent */
  GArray *refs;          /* abstract objects: member handles (guint32) */
  char *artist;
  gint64 mtime;          /* abstract and synthetic objects */
  gboolean reserved;     /* SendObjectInfo made it; no file until SendObject */
};

typedef struct {
  gboolean hostile;      /* apply DIR/.vphone/hostile.ini */
  gboolean abstract;     /* load DIR/.vphone/objects.ini (player profile) */
  guint64 capacity;      /* 0: from storages.ini or 64 GiB */
  GTimeZone *tz;         /* the phone's local time zone for date strings */
} VpStoreOptions;

VpStore *vp_store_new (const char *dir, const VpStoreOptions *opts, GError **error);
void vp_store_free (VpStore *store);

guint vp_store_n_storages (VpStore *store);
VpStorage *vp_store_storage_at (VpStore *store, guint i);
VpStorage *vp_store_storage_by_id (VpStore *store, guint32 id);
/* Drops every object, so that handles start again from 1 as folders are
 * listed: what a phone does on a new USB connection.  FALSE (nothing done)
 * for stores whose playlists or hostile overlays hold handles. */
gboolean vp_store_forget (VpStore *store);
/* Hides storages, as a locked phone does; unhiding happens on unlock. */
void vp_store_set_locked (VpStore *store, gboolean locked);
gboolean vp_store_is_locked (VpStore *store);

VpObject *vp_store_lookup (VpStore *store, guint32 handle);
/* Children of a folder (or of a storage root), re-read from disk. */
GPtrArray *vp_store_list (VpStore *store, VpObject *folder);
/* Every object of a storage (0xFFFFFFFF: all), walking folders. */
GPtrArray *vp_store_list_all (VpStore *store, guint32 storage_id);
/* Looks up "Music/a.mp3" relative to the storage. */
VpObject *vp_store_resolve (VpStore *store, VpStorage *st, const char *rel);

char *vp_store_disk_path (VpStore *store, VpObject *obj);
gboolean vp_store_stat (VpStore *store, VpObject *obj, guint64 *size, gint64 *mtime);
char *vp_store_format_date (VpStore *store, gint64 t);
gboolean vp_store_parse_date (VpStore *store, const char *s, gint64 *t);
guint64 vp_store_free_space (VpStore *store, VpStorage *st);
/* Someone else filled the storage (the store-full fault): no space left
 * until vp_store_unfill, which gives that space back on every storage. */
void vp_store_fill (VpStore *store, VpStorage *st);
void vp_store_unfill (VpStore *store);
guint32 vp_store_reported_parent (VpObject *obj);

/* TRUE for an object SendObjectInfo announced whose file SendObject never
 * made: listed, but with nothing behind it. */
gboolean vp_store_is_phantom (VpStore *store, VpObject *obj);
/* Drops an object from the store without touching the disk. */
void vp_store_forget_object (VpStore *store, VpObject *obj);

/* Mutations: each returns an MTP response code. */
guint16 vp_store_create (VpStore *store, VpStorage *st, VpObject *parent,
                         const char *name, guint16 format, gint64 mtime,
                         VpObject **out);
guint16 vp_store_delete (VpStore *store, VpObject *obj);
guint16 vp_store_rename (VpStore *store, VpObject *obj, const char *name);
guint16 vp_store_move (VpStore *store, VpObject *obj, VpStorage *st, VpObject *parent);
guint16 vp_store_copy (VpStore *store, VpObject *obj, VpStorage *st, VpObject *parent,
                       VpObject **out);
void vp_store_set_mtime (VpStore *store, VpObject *obj, gint64 mtime);
void vp_store_add_used (VpStore *store, VpStorage *st, gint64 delta);
/* Writes abstract objects back to objects.ini. */
void vp_store_save_abstract (VpStore *store);

gboolean vp_store_valid_name (const char *name);
/* Trims ASCII white space from both ends in place; FALSE when nothing is left. */
gboolean vp_store_trim_name (char *name);
guint16 vp_store_format_for_name (const char *name, gboolean is_folder);

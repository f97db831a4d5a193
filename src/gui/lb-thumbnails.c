/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbThumbnails: see lb-thumbnails.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "lb-thumbnails.h"

/* A picture larger than this (as its header says) is not decoded at all:
 * a hostile file can claim any size, and even a JPEG scaled while it is
 * decoded needs memory in proportion to its width. */
#define MAX_SIDE 30000
#define MAX_PIXELS ((gint64) 200 * 1000 * 1000)

struct _LbThumbnails
{
  GObject parent_instance;

  char *cache;               /* LIBRARY/thumbnails */
  GMainContext *context;

  GMutex lock;               /* guards the rest */
  GQueue waiting;            /* char* blob paths; the newest at the head */
  gboolean working;          /* a worker is draining waiting */
  GHashTable *unreadable;    /* sha256 of blobs that are no picture */
  guint made;
};

G_DEFINE_FINAL_TYPE (LbThumbnails, lb_thumbnails, G_TYPE_OBJECT)

enum { READY, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  LbThumbnails *self;
  char *sha;
  GdkPixbuf *pixbuf;
} Result;

static void
result_free (Result *r)
{
  g_object_unref (r->self);
  g_free (r->sha);
  g_clear_object (&r->pixbuf);
  g_free (r);
}

static gboolean
emit_ready (gpointer data)
{
  Result *r = data;

  g_signal_emit (r->self, signals[READY], 0, r->sha, r->pixbuf);
  return G_SOURCE_REMOVE;
}

static gboolean
is_sha256 (const char *name)
{
  if (strlen (name) != 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

static char *
cache_path (LbThumbnails *self, const char *sha)
{
  g_autofree char *name = g_strconcat (sha, ".png", NULL);
  char prefix[3] = { sha[0], sha[1], '\0' };

  return g_build_filename (self->cache, prefix, name, NULL);
}

/* Kept as the library keeps its own files: private, and whole or not at
 * all (a crash leaves a temporary file, never half a PNG). */
static void
store (LbThumbnails *self, const char *path, GdkPixbuf *pixbuf)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *buffer = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if ((g_mkdir (self->cache, 0700) < 0 && errno != EEXIST) || (g_mkdir (dir, 0700) < 0 && errno != EEXIST))
    {
      g_debug ("Cannot make the thumbnail folder %s: %s", dir, g_strerror (errno));
      return;
    }
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error, NULL)
      || !g_file_set_contents_full (path, buffer, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_debug ("Cannot keep the thumbnail %s: %s", path, error->message);
}

/* The thumbnail, from the cache or made; NULL when the blob is no
 * picture GdkPixbuf reads. */
static GdkPixbuf *
thumbnail (LbThumbnails *self, const char *blob_path, const char *sha)
{
  g_autofree char *cached = cache_path (self, sha);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  GdkPixbuf *turned;
  int width = 0, height = 0;

  /* Only files this process wrote get here, but a cache is a cache: one
   * that does not read is made again. */
  turned = gdk_pixbuf_new_from_file (cached, NULL);
  if (turned != NULL)
    return turned;
  if (gdk_pixbuf_get_file_info (blob_path, &width, &height) == NULL || width <= 0 || height <= 0
      || width > MAX_SIDE || height > MAX_SIDE || (gint64) width * height > MAX_PIXELS)
    return NULL;
  pixbuf = gdk_pixbuf_new_from_file_at_scale (blob_path, LB_THUMBNAIL_SIZE, LB_THUMBNAIL_SIZE, TRUE, &error);
  if (pixbuf == NULL)
    {
      g_debug ("No thumbnail of %s: %s", blob_path, error->message);
      return NULL;
    }
  /* Phones store photos sideways with an orientation tag. */
  turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  store (self, cached, turned);
  g_mutex_lock (&self->lock);
  self->made++;
  g_mutex_unlock (&self->lock);
  return turned;
}

static void
drain (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LbThumbnails *self = source;

  (void) data;
  (void) cancellable;
  for (;;)
    {
      g_autofree char *blob_path = NULL;
      g_autofree char *sha = NULL;
      Result *r;
      gboolean known_bad;

      g_mutex_lock (&self->lock);
      blob_path = g_queue_pop_head (&self->waiting);
      if (blob_path == NULL)
        self->working = FALSE;
      g_mutex_unlock (&self->lock);
      if (blob_path == NULL)
        break;
      sha = g_path_get_basename (blob_path);
      r = g_new0 (Result, 1);
      r->self = g_object_ref (self);
      g_mutex_lock (&self->lock);
      known_bad = !is_sha256 (sha) || g_hash_table_contains (self->unreadable, sha);
      g_mutex_unlock (&self->lock);
      if (!known_bad)
        r->pixbuf = thumbnail (self, blob_path, sha);
      if (!known_bad && r->pixbuf == NULL)
        {
          g_mutex_lock (&self->lock);
          g_hash_table_add (self->unreadable, g_strdup (sha));
          g_mutex_unlock (&self->lock);
        }
      r->sha = g_steal_pointer (&sha);
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT_IDLE, emit_ready, r,
                                  (GDestroyNotify) result_free);
    }
  g_task_return_boolean (task, TRUE);
}

void
lb_thumbnails_request (LbThumbnails *self, const char *blob_path)
{
  gboolean start;

  g_return_if_fail (LB_IS_THUMBNAILS (self));
  g_return_if_fail (blob_path != NULL);

  g_mutex_lock (&self->lock);
  g_queue_push_head (&self->waiting, g_strdup (blob_path));
  start = !self->working;
  self->working = TRUE;
  g_mutex_unlock (&self->lock);
  if (start)
    {
      /* One worker: the other core stays the window's. */
      g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

      g_task_set_source_tag (task, lb_thumbnails_request);
      g_task_run_in_thread (task, drain);
    }
}

void
lb_thumbnails_forget_waiting (LbThumbnails *self)
{
  g_return_if_fail (LB_IS_THUMBNAILS (self));

  g_mutex_lock (&self->lock);
  g_queue_clear_full (&self->waiting, g_free);
  g_mutex_unlock (&self->lock);
}

guint
lb_thumbnails_get_made (LbThumbnails *self)
{
  guint made;

  g_return_val_if_fail (LB_IS_THUMBNAILS (self), 0);

  g_mutex_lock (&self->lock);
  made = self->made;
  g_mutex_unlock (&self->lock);
  return made;
}

static void
lb_thumbnails_finalize (GObject *object)
{
  LbThumbnails *self = LB_THUMBNAILS (object);

  g_queue_clear_full (&self->waiting, g_free);
  g_hash_table_unref (self->unreadable);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
  g_free (self->cache);
  G_OBJECT_CLASS (lb_thumbnails_parent_class)->finalize (object);
}

static void
lb_thumbnails_class_init (LbThumbnailsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lb_thumbnails_finalize;

  signals[READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 2, G_TYPE_STRING, GDK_TYPE_PIXBUF);
}

static void
lb_thumbnails_init (LbThumbnails *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->waiting);
  self->unreadable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

LbThumbnails *
lb_thumbnails_new (const char *library)
{
  LbThumbnails *self = g_object_new (LB_TYPE_THUMBNAILS, NULL);

  g_return_val_if_fail (library != NULL, self);
  self->cache = g_build_filename (library, "thumbnails", NULL);
  self->context = g_main_context_ref_thread_default ();
  return self;
}

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
  GQueue waiting;            /* Request*; the newest at the head */
  gboolean working;          /* a worker is draining waiting */
  GHashTable *unreadable;    /* sha256 of blobs that are no picture */
  guint made;
};

G_DEFINE_FINAL_TYPE (LbThumbnails, lb_thumbnails, G_TYPE_OBJECT)

/* A video whose thumbnailer runs longer than this is given up. */
#define VIDEO_SECONDS 20

typedef struct {
  char *blob_path;
  gboolean video;
} Request;

static void
request_free (Request *r)
{
  g_free (r->blob_path);
  g_free (r);
}

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

/* The cache's folder for the thumbnail at PATH, made private (0700) if
 * new; FALSE, said in the log, when it cannot be. */
static gboolean
make_folder (LbThumbnails *self, const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if ((g_mkdir (self->cache, 0700) < 0 && errno != EEXIST) || (g_mkdir (dir, 0700) < 0 && errno != EEXIST))
    {
      g_debug ("Cannot make the thumbnail folder %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Kept as the library keeps its own files: private, and whole or not at
 * all (a crash leaves a temporary file, never half a PNG). */
static void
store (LbThumbnails *self, const char *path, GdkPixbuf *pixbuf)
{
  g_autofree char *buffer = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!make_folder (self, path))
    return;
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error, NULL)
      || !g_file_set_contents_full (path, buffer, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_debug ("Cannot keep the thumbnail %s: %s", path, error->message);
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer data)
{
  gboolean *done = data;

  (void) source;
  (void) result;
  *done = TRUE;
}

/* ffmpegthumbnailer's PNG of the video at blob_path, at path; FALSE when
 * it is not installed, failed or ran out of time. */
static gboolean
run_video_thumbnailer (const char *blob_path, const char *path)
{
  g_autofree char *program = g_find_program_in_path ("ffmpegthumbnailer");
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *size = g_strdup_printf ("%d", LB_THUMBNAIL_SIZE);
  gboolean done = FALSE;

  if (program == NULL)
    return FALSE;
  /* -f: a film-strip edge, so that a video looks like one. */
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, program,
                            "-i", blob_path, "-o", path, "-s", size, "-c", "png", "-f", NULL);
  if (child == NULL)
    {
      g_debug ("Cannot run ffmpegthumbnailer: %s", error->message);
      return FALSE;
    }
  /* Waited for on a context of this worker's own, with a time limit. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  cancellable = g_cancellable_new ();
  timeout = g_timeout_source_new_seconds (VIDEO_SECONDS);
  g_source_set_callback (timeout, cancel_soon, cancellable, NULL);
  g_source_attach (timeout, context);
  g_subprocess_wait_async (child, cancellable, on_exited, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_debug ("ffmpegthumbnailer ran out of time on %s", blob_path);
      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
      return FALSE;
    }
  return g_subprocess_get_successful (child);
}

/* A video's thumbnail: made in a temporary file beside its place, then
 * put there whole and private, like a picture's. */
static GdkPixbuf *
video_thumbnail (LbThumbnails *self, const char *blob_path, const char *cached)
{
  g_autofree char *partial = g_strdup_printf ("%s.%p.partial", cached, (void *) g_thread_self ());
  GdkPixbuf *pixbuf = NULL;

  if (!make_folder (self, cached))
    return NULL;
  if (run_video_thumbnailer (blob_path, partial) && (pixbuf = gdk_pixbuf_new_from_file (partial, NULL)) != NULL
      && (g_chmod (partial, 0600) < 0 || g_rename (partial, cached) < 0))
    g_debug ("Cannot keep the thumbnail %s: %s", cached, g_strerror (errno));
  g_unlink (partial);
  return pixbuf;
}

/* The thumbnail, from the cache or made; NULL when none can be. */
static GdkPixbuf *
thumbnail (LbThumbnails *self, const char *blob_path, gboolean video, const char *sha)
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
  if (video)
    {
      turned = video_thumbnail (self, blob_path, cached);
      if (turned != NULL)
        {
          g_mutex_lock (&self->lock);
          self->made++;
          g_mutex_unlock (&self->lock);
        }
      return turned;
    }
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
      Request *request;
      g_autofree char *sha = NULL;
      Result *r;
      gboolean known_bad;

      g_mutex_lock (&self->lock);
      request = g_queue_pop_head (&self->waiting);
      if (request == NULL)
        self->working = FALSE;
      g_mutex_unlock (&self->lock);
      if (request == NULL)
        break;
      sha = g_path_get_basename (request->blob_path);
      r = g_new0 (Result, 1);
      r->self = g_object_ref (self);
      g_mutex_lock (&self->lock);
      known_bad = !is_sha256 (sha) || g_hash_table_contains (self->unreadable, sha);
      g_mutex_unlock (&self->lock);
      if (!known_bad)
        r->pixbuf = thumbnail (self, request->blob_path, request->video, sha);
      request_free (request);
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
lb_thumbnails_request (LbThumbnails *self, const char *blob_path, gboolean video)
{
  Request *request;
  gboolean start;

  g_return_if_fail (LB_IS_THUMBNAILS (self));
  g_return_if_fail (blob_path != NULL);

  request = g_new0 (Request, 1);
  request->blob_path = g_strdup (blob_path);
  request->video = video;
  g_mutex_lock (&self->lock);
  g_queue_push_head (&self->waiting, request);
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
  g_queue_clear_full (&self->waiting, (GDestroyNotify) request_free);
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

  g_queue_clear_full (&self->waiting, (GDestroyNotify) request_free);
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

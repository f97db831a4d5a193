/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The browser's "Photos" tab: see lb-browser-photos.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-browser-load.h"
#include "lb-browser-photos.h"

/* Rows of thumbnails asked for beyond those on screen, each way: a page
 * scrolled by the wheel finds them made. */
#define AHEAD 40
/* Thumbnails kept in the grid; past this, those far from the screen are
 * dropped (5,000 thumbnails of 128 px are some 250 MB). */
#define MAX_SHOWN 1500
/* Thumbnails that came are put in the grid together, at most this often:
 * GtkIconView lays out every item again after any row changes. */
#define BATCH_MS 100

struct _LbBrowserPhotos
{
  GtkIconView *view;
  GtkLabel *label;
  GtkListStore *store;
  LbThumbnails *thumbnails;
  GHashTable *rows_of;       /* sha256 → GArray of row numbers */
  GHashTable *asked;         /* sha256 being made */
  guint shown;               /* rows with a thumbnail */
  guint look_idle;
  guint flush_timeout;
  GPtrArray *came;           /* ready, not in the grid yet: sha256, GdkPixbuf pairs */
  gulong ready_handler;
  GdkPixbuf *no_thumbnail[2]; /* icons for a picture, a video, without a thumbnail */
};

static void
set_pixbuf (LbBrowserPhotos *self, int row, GdkPixbuf *pixbuf)
{
  GtkTreeIter iter;
  g_autoptr(GdkPixbuf) before = NULL;

  if (!gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (self->store), &iter, NULL, row))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, PHOTO_PIXBUF, &before, -1);
  if (before == pixbuf)
    return;
  self->shown += (pixbuf != NULL) - (before != NULL);
  gtk_list_store_set (self->store, &iter, PHOTO_PIXBUF, pixbuf, -1);
}

static void
show_thumbnail (LbBrowserPhotos *self, const char *sha, GdkPixbuf *pixbuf)
{
  GArray *rows = g_hash_table_lookup (self->rows_of, sha);

  g_hash_table_remove (self->asked, sha);
  if (rows == NULL)
    return;
  /* A picture that does not decode (cut short, or not what its name
   * says), or a video without a thumbnailer, is said so by an icon, not
   * left an empty square. */
  if (pixbuf == NULL)
    {
      GtkTreeIter iter;
      gboolean video = FALSE;

      if (gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (self->store), &iter, NULL, g_array_index (rows, int, 0)))
        gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, PHOTO_IS_VIDEO, &video, -1);
      if (self->no_thumbnail[video] == NULL)
        self->no_thumbnail[video] = gtk_icon_theme_load_icon (gtk_icon_theme_get_default (),
                                                              video ? "video-x-generic" : "image-x-generic",
                                                              LB_THUMBNAIL_SIZE / 2, 0, NULL);
      pixbuf = self->no_thumbnail[video];
    }
  for (guint i = 0; i < rows->len; i++)
    set_pixbuf (self, g_array_index (rows, int, i), pixbuf);
}

static gboolean
flush (gpointer data)
{
  LbBrowserPhotos *self = data;

  self->flush_timeout = 0;
  for (guint i = 0; i + 1 < self->came->len; i += 2)
    {
      g_autofree char *sha = self->came->pdata[i];
      g_autoptr(GdkPixbuf) pixbuf = self->came->pdata[i + 1];

      show_thumbnail (self, sha, pixbuf);
    }
  g_ptr_array_set_size (self->came, 0);
  return G_SOURCE_REMOVE;
}

static void
on_ready (LbThumbnails *thumbnails, const char *sha, GdkPixbuf *pixbuf, gpointer data)
{
  LbBrowserPhotos *self = data;

  (void) thumbnails;
  g_ptr_array_add (self->came, g_strdup (sha));
  g_ptr_array_add (self->came, pixbuf != NULL ? g_object_ref (pixbuf) : NULL);
  if (self->flush_timeout == 0)
    self->flush_timeout = g_timeout_add (BATCH_MS, flush, self);
}

/* Far from the screen, thumbnails go again (made again from the cache if
 * scrolled back to). */
static void
drop_far (LbBrowserPhotos *self, int start, int end)
{
  GtkTreeIter iter;
  int row = 0;

  for (gboolean more = gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->store), &iter); more;
       more = gtk_tree_model_iter_next (GTK_TREE_MODEL (self->store), &iter), row++)
    if (row < start - 4 * AHEAD || row > end + 4 * AHEAD)
      set_pixbuf (self, row, NULL);
}

static gboolean
look (gpointer data)
{
  LbBrowserPhotos *self = data;
  g_autoptr(GtkTreePath) first = NULL, last = NULL;
  int start, end, n, columns;

  self->look_idle = 0;
  if (!gtk_icon_view_get_visible_range (self->view, &first, &last))
    return G_SOURCE_REMOVE;
  n = gtk_tree_model_iter_n_children (GTK_TREE_MODEL (self->store), NULL);
  columns = MAX (gtk_icon_view_get_columns (self->view), 1);
  start = MAX (gtk_tree_path_get_indices (first)[0] - AHEAD / 4 * columns, 0);
  end = MIN (gtk_tree_path_get_indices (last)[0] + AHEAD / 4 * columns, n - 1);
  /* What was asked for and not started is for rows scrolled past. */
  lb_thumbnails_forget_waiting (self->thumbnails);
  g_hash_table_remove_all (self->asked);
  if (self->shown > MAX_SHOWN)
    drop_far (self, start, end);
  /* The worker serves the newest request first: ask from the bottom of
   * the range up, so the rows on screen come first, top first. */
  for (int row = end; row >= start; row--)
    {
      GtkTreeIter iter;
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autofree char *blob = NULL, *sha = NULL;
      gboolean video;

      if (!gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (self->store), &iter, NULL, row))
        continue;
      gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, PHOTO_PIXBUF, &pixbuf, PHOTO_BLOB, &blob,
                          PHOTO_SHA, &sha, PHOTO_IS_VIDEO, &video, -1);
      if (pixbuf != NULL || g_hash_table_contains (self->asked, sha))
        continue;
      g_hash_table_add (self->asked, g_strdup (sha));
      lb_thumbnails_request (self->thumbnails, blob, video);
    }
  return G_SOURCE_REMOVE;
}

static void
look_soon (LbBrowserPhotos *self)
{
  if (self->look_idle == 0)
    self->look_idle = g_idle_add_full (G_PRIORITY_LOW, look, self, NULL);
}

static void
on_scrolled (GtkAdjustment *adjustment, gpointer data)
{
  (void) adjustment;
  look_soon (data);
}

static void
on_size_allocate (GtkWidget *widget, GdkRectangle *allocation, gpointer data)
{
  (void) widget;
  (void) allocation;
  look_soon (data);
}

LbBrowserPhotos *
lb_browser_photos_new (GtkIconView *view, GtkLabel *label, const char *library)
{
  LbBrowserPhotos *self = g_new0 (LbBrowserPhotos, 1);
  GtkCellRenderer *picture = gtk_cell_renderer_pixbuf_new ();
  GtkCellRenderer *name = gtk_cell_renderer_text_new ();
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));

  self->view = view;
  self->label = label;
  self->thumbnails = lb_thumbnails_new (library);
  self->rows_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Pairs: the free function must tell a string from a pixbuf. */
  self->came = g_ptr_array_new ();
  self->store = gtk_list_store_new (N_PHOTO_COLS, GDK_TYPE_PIXBUF, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_INT64, G_TYPE_BOOLEAN);
  PangoLayout *line = gtk_widget_create_pango_layout (GTK_WIDGET (view), "Ag");
  int ypad, text_height;

  /* Every cell the same size, made or not: the grid never jumps as
   * thumbnails arrive.  And fixed sizes are not measured: GtkIconView
   * lays out every item again after each change of a row, and measuring
   * 1,681 names with Pango made that 145 ms, a stall per thumbnail. */
  pango_layout_get_pixel_size (line, NULL, &text_height);
  g_object_unref (line);
  gtk_cell_renderer_set_fixed_size (picture, LB_THUMBNAIL_SIZE, LB_THUMBNAIL_SIZE);
  g_object_set (name, "ellipsize", PANGO_ELLIPSIZE_MIDDLE, "xalign", 0.5, NULL);
  gtk_cell_renderer_get_padding (name, NULL, &ypad);
  gtk_cell_renderer_set_fixed_size (name, LB_THUMBNAIL_SIZE, text_height + 2 * ypad);
  gtk_cell_layout_pack_start (GTK_CELL_LAYOUT (view), picture, FALSE);
  gtk_cell_layout_add_attribute (GTK_CELL_LAYOUT (view), picture, "pixbuf", PHOTO_PIXBUF);
  gtk_cell_layout_pack_start (GTK_CELL_LAYOUT (view), name, FALSE);
  gtk_cell_layout_add_attribute (GTK_CELL_LAYOUT (view), name, "text", PHOTO_NAME);
  gtk_icon_view_set_tooltip_column (view, PHOTO_NAME);
  gtk_icon_view_set_item_width (view, LB_THUMBNAIL_SIZE);
  self->ready_handler = g_signal_connect (self->thumbnails, "ready", G_CALLBACK (on_ready), self);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (on_scrolled), self);
  g_signal_connect (view, "size-allocate", G_CALLBACK (on_size_allocate), self);
  /* For tests: what made the thumbnails. */
  g_object_set_data_full (G_OBJECT (view), "lb-thumbnails", g_object_ref (self->thumbnails), g_object_unref);
  return self;
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  const Row *x = *(Row *const *) a, *y = *(Row *const *) b;

  if (x->mtime != y->mtime)
    return x->mtime > y->mtime ? -1 : 1;
  return g_strcmp0 (x->path, y->path);
}

void
lb_browser_photos_fill (LbBrowserPhotos *self, GPtrArray *rows)
{
  g_autoptr(GPtrArray) photos = g_ptr_array_new ();
  g_autofree char *text = NULL;

  for (guint i = 0; i < rows->len; i++)
    if (((Row *) rows->pdata[i])->preview != NULL || ((Row *) rows->pdata[i])->video != NULL)
      g_ptr_array_add (photos, rows->pdata[i]);
  g_ptr_array_sort (photos, newest_first);
  for (guint i = 0; i < photos->len; i++)
    {
      const Row *r = photos->pdata[i];
      const char *blob = r->preview != NULL ? r->preview : r->video;
      g_autofree char *sha = g_path_get_basename (blob);
      GArray *at = g_hash_table_lookup (self->rows_of, sha);
      int row = (int) i;

      gtk_list_store_insert_with_values (self->store, NULL, -1, PHOTO_NAME, r->name, PHOTO_PATH, r->path,
                                         PHOTO_BLOB, blob, PHOTO_SHA, sha, PHOTO_MTIME, r->mtime,
                                         PHOTO_IS_VIDEO, r->video != NULL, -1);
      if (at == NULL)
        {
          at = g_array_new (FALSE, FALSE, sizeof (int));
          g_hash_table_insert (self->rows_of, g_strdup (sha), at);
        }
      g_array_append_val (at, row);
    }
  gtk_icon_view_set_model (self->view, GTK_TREE_MODEL (self->store));
  text = photos->len == 0
           ? g_strdup (_("This backup holds no photos or videos."))
           : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u photo or video, newest first. Double-click one to find it among the files.",
                                           "%u photos and videos, newest first. Double-click one to find it among the files.",
                                           photos->len),
                              photos->len);
  gtk_label_set_text (self->label, text);
  look_soon (self);
}

void
lb_browser_photos_free (LbBrowserPhotos *self)
{
  GtkAdjustment *adjustment;

  if (self == NULL)
    return;
  if (self->look_idle != 0)
    g_source_remove (self->look_idle);
  if (self->flush_timeout != 0)
    g_source_remove (self->flush_timeout);
  for (guint i = 0; i + 1 < self->came->len; i += 2)
    {
      g_free (self->came->pdata[i]);
      g_clear_object ((GdkPixbuf **) &self->came->pdata[i + 1]);
    }
  g_ptr_array_unref (self->came);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->view));
  if (adjustment != NULL)
    g_signal_handlers_disconnect_by_data (adjustment, self);
  g_signal_handlers_disconnect_by_data (self->view, self);
  lb_thumbnails_forget_waiting (self->thumbnails);
  g_signal_handler_disconnect (self->thumbnails, self->ready_handler);
  g_object_unref (self->thumbnails);
  g_object_unref (self->store);
  g_clear_object (&self->no_thumbnail[0]);
  g_clear_object (&self->no_thumbnail[1]);
  g_hash_table_unref (self->rows_of);
  g_hash_table_unref (self->asked);
  g_free (self);
}

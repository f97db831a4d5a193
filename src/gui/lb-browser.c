/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-browser.h"
#include "lb-close-keys.h"
#include "lb-browser-deleted.h"
#include "lb-browser-load.h"
#include "lb-browser-photos.h"
#include "lb-browser-search.h"
#include "lb-diff.h"
#include "lb-extract.h"
#include "lb-format.h"
#include "lb-relay.h"
#include "lb-clock.h"

#define PREVIEW_SIZE 240
/* Renamed files listed in the result line; the rest are counted. */
#define MAX_LISTED 10
/* Narrower than this, the list needs all the room and the preview goes. */
#define PREVIEW_MIN_WINDOW_WIDTH 720

enum { CH_ICON, CH_KIND, CH_PATH, N_CH_COLS };

/* The notebook's pages. */
enum { PAGE_FILES, PAGE_CHANGES, PAGE_DELETED, PAGE_SEARCH, PAGE_PHOTOS };

struct _LbBrowser {
  GtkWindow parent_instance;

  char *library;
  LbSnapshot *snapshot;
  gboolean destroyed;            /* widgets are gone: late callbacks only clean up */
  GCancellable *cancellable;     /* reading the snapshot and previews */
  GCancellable *preview_cancellable;
  GCancellable *save_cancellable; /* the save running, NULL when none */
  guint fit_idle;                /* pending show/hide of the preview */

  GtkHeaderBar *header_bar;
  GtkButton *save_button;
  GtkButton *restore_button;
  GtkNotebook *notebook;
  GtkStack *files_stack;
  GtkSpinner *load_spinner;
  GtkLabel *load_label;
  GtkTreeView *files_view;
  GtkTreeSelection *files_selection;
  GtkWidget *preview_box;
  GtkStack *preview_stack;
  GtkImage *preview_image;
  GtkSpinner *preview_spinner;
  GtkImage *preview_icon;
  GtkLabel *preview_label;
  GtkLabel *changes_label;
  GtkTreeView *changes_view;
  GtkLabel *changes_tab_label;
  GtkLabel *deleted_label;
  GtkTreeView *deleted_view;
  GtkTreeSelection *deleted_selection;
  GtkLabel *deleted_tab_label;
  GtkSearchEntry *search_entry;
  GtkComboBoxText *search_when;
  GtkLabel *search_label;
  GtkTreeView *search_view;
  GtkTreeSelection *search_selection;
  GCancellable *search_cancellable; /* the search in flight: a newer one replaces it */
  GtkRevealer *save_revealer;
  GtkSpinner *save_spinner;
  GtkLabel *save_label;
  GtkButton *save_cancel_button;
  GtkIconView *photos_view;
  GtkLabel *photos_label;
  LbBrowserPhotos *photos;
};

G_DEFINE_FINAL_TYPE (LbBrowser, lb_browser, GTK_TYPE_WINDOW)

static void update_save_button (LbBrowser *self);

/* Messages of the core may quote names from the phone. */
static void
set_label (GtkLabel *label, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  gtk_label_set_text (label, valid);
}

/* ---- the file tree (main thread) --------------------------------------------- */

/* Folders first, whatever the column. */
static int
compare_rows (GtkTreeModel *model, GtkTreeIter *a, GtkTreeIter *b, gpointer user_data)
{
  int column = GPOINTER_TO_INT (user_data);
  gboolean fa, fb;
  int result = 0;

  gtk_tree_model_get (model, a, COL_IS_FOLDER, &fa, -1);
  gtk_tree_model_get (model, b, COL_IS_FOLDER, &fb, -1);
  if (fa != fb)
    return fa ? -1 : 1;
  if (column == COL_SIZE || column == COL_MTIME)
    {
      gint64 va = 0, vb = 0;
      guint64 sa = 0, sb = 0;
      if (column == COL_SIZE)
        {
          gtk_tree_model_get (model, a, COL_SIZE, &sa, -1);
          gtk_tree_model_get (model, b, COL_SIZE, &sb, -1);
          result = sa < sb ? -1 : sa > sb;
        }
      else
        {
          gtk_tree_model_get (model, a, COL_MTIME, &va, -1);
          gtk_tree_model_get (model, b, COL_MTIME, &vb, -1);
          result = va < vb ? -1 : va > vb;
        }
    }
  if (result == 0)
    {
      g_autofree char *ka = NULL, *kb = NULL;
      gtk_tree_model_get (model, a, COL_KEY, &ka, -1);
      gtk_tree_model_get (model, b, COL_KEY, &kb, -1);
      result = g_strcmp0 (ka, kb);
    }
  return result;
}

static void
add_storage_row (GtkTreeStore *store, GHashTable *storages, const char *storage, GtkTreeIter *iter)
{
  g_autofree char *name = lb_browser_display_text (storage);
  g_autofree char *key = g_utf8_collate_key_for_filename (name, -1);
  g_autofree char *path = g_strconcat ("/", storage, NULL);

  gtk_tree_store_insert_with_values (store, iter, NULL, -1, COL_ICON, "drive-harddisk", COL_NAME, name,
                                     COL_SIZE_TEXT, "", COL_DATE_TEXT, "", COL_IS_FOLDER, TRUE,
                                     COL_PATH, path, COL_KEY, key, -1);
  g_hash_table_insert (storages, g_strdup (storage), gtk_tree_iter_copy (iter));
}

static GtkTreeStore *
build_store (GPtrArray *rows)
{
  GtkTreeStore *store = gtk_tree_store_new (N_COLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_STRING,
                                            G_TYPE_INT64, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING,
                                            G_TYPE_STRING, G_TYPE_STRING);
  g_autoptr(GHashTable) by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) gtk_tree_iter_free);
  g_autoptr(GHashTable) storages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) gtk_tree_iter_free);

  /* Tree store iterators persist, so a parent found once stays valid. */
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = g_ptr_array_index (rows, i);
      GtkTreeIter *parent = r->parent_id != 0 ? g_hash_table_lookup (by_id, &r->parent_id)
                                              : g_hash_table_lookup (storages, r->storage);
      GtkTreeIter iter, top;

      if (parent == NULL && r->parent_id == 0)
        {
          add_storage_row (store, storages, r->storage, &top);
          parent = &top;
        }
      gtk_tree_store_insert_with_values (store, &iter, parent, -1, COL_ICON, r->icon, COL_NAME, r->name,
                                         COL_SIZE, r->size, COL_SIZE_TEXT, r->size_text, COL_MTIME, r->mtime,
                                         COL_DATE_TEXT, r->date_text, COL_IS_FOLDER, r->is_folder,
                                         COL_PATH, r->path, COL_PREVIEW, r->preview, COL_KEY, r->key, -1);
      if (r->is_folder)
        g_hash_table_insert (by_id, &r->path_id, gtk_tree_iter_copy (&iter));
    }
  gtk_tree_sortable_set_sort_func (GTK_TREE_SORTABLE (store), COL_NAME, compare_rows, GINT_TO_POINTER (COL_NAME), NULL);
  gtk_tree_sortable_set_sort_func (GTK_TREE_SORTABLE (store), COL_SIZE, compare_rows, GINT_TO_POINTER (COL_SIZE), NULL);
  gtk_tree_sortable_set_sort_func (GTK_TREE_SORTABLE (store), COL_MTIME, compare_rows, GINT_TO_POINTER (COL_MTIME), NULL);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (store), COL_NAME, GTK_SORT_ASCENDING);
  return store;
}

static void
add_changes (GtkListStore *store, GPtrArray *paths, const char *icon, const char *kind)
{
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *path = lb_browser_display_text (g_ptr_array_index (paths, i));
      gtk_list_store_insert_with_values (store, NULL, -1, CH_ICON, icon, CH_KIND, kind, CH_PATH, path, -1);
    }
}

static void
show_changes (LbBrowser *self, const LbDiff *diff, const GError *error)
{
  GtkListStore *store = gtk_list_store_new (N_CH_COLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  g_autofree char *tab = NULL;

  if (diff != NULL)
    {
      add_changes (store, diff->added, "list-add-symbolic", _("Added"));
      add_changes (store, diff->changed, "document-edit-symbolic", _("Changed"));
      add_changes (store, diff->removed, "list-remove-symbolic", _("Removed"));
      /* Translators: the tab's title with counts of added, changed and removed items */
      tab = g_strdup_printf (_("C_hanges (%u added, %u changed, %u removed)"), diff->added->len, diff->changed->len,
                             diff->removed->len);
      gtk_label_set_text_with_mnemonic (self->changes_tab_label, tab);
      gtk_label_set_text (self->changes_label,
                          diff->added->len + diff->changed->len + diff->removed->len == 0
                            ? _("Nothing changed since the phone’s previous backup.")
                            : _("What changed since the phone’s previous backup. Folders count as added or removed, never as changed."));
    }
  else if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The changes could not be read: %s"), error->message);
      set_label (self->changes_label, text);
    }
  else
    gtk_label_set_text (self->changes_label, _("This is the phone’s first backup: there is nothing to compare it with."));
  gtk_tree_view_set_model (self->changes_view, GTK_TREE_MODEL (store));
  g_object_unref (store);
}

static void
deleted_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbBrowser *self = LB_BROWSER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) deleted = g_task_propagate_pointer (G_TASK (res), &error);
  g_autoptr(GtkListStore) store = NULL;
  g_autofree char *tab = NULL;

  (void) user_data;
  if (self->destroyed)
    return;
  if (deleted == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The earlier backups could not be read: %s"),
                                               error ? error->message : "");
      set_label (self->deleted_label, text);
      return;
    }
  store = lb_browser_deleted_store (deleted);
  /* Translators: the tab's title with the number of files */
  tab = g_strdup_printf (_("_Deleted from the phone (%u)"), deleted->len);
  gtk_label_set_text_with_mnemonic (self->deleted_tab_label, tab);
  gtk_label_set_text (self->deleted_label,
                      deleted->len == 0
                        ? _("Every file of the phone’s earlier backups is in this one too.")
                        : _("Files the phone’s earlier backups hold and this one does not: deleted from the phone, "
                            "or moved. Select them and Save… to get them back, each from the last backup that had it."));
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (store), DEL_GONE_AT, GTK_SORT_DESCENDING);
  gtk_tree_view_set_model (self->deleted_view, GTK_TREE_MODEL (store));
}

/* After the tree: going through the phone's whole history may take a
 * moment on a big library, and the files are what people came for. */
static void
start_deleted (LbBrowser *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, deleted_done, NULL);
  LoadJob *job = g_new0 (LoadJob, 1);

  job->library = g_strdup (self->library);
  job->snapshot_id = self->snapshot->id;
  g_task_set_source_tag (task, start_deleted);
  g_task_set_task_data (task, job, (GDestroyNotify) lb_browser_load_job_free);
  g_task_run_in_thread (task, lb_browser_deleted_thread);
}

/* The storages are the only top level: open them to show their folders. */
static void
expand_storages (LbBrowser *self, GtkTreeModel *model)
{
  GtkTreeIter top;

  for (gboolean more = gtk_tree_model_get_iter_first (model, &top); more; more = gtk_tree_model_iter_next (model, &top))
    {
      g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &top);
      gtk_tree_view_expand_row (self->files_view, path, FALSE);
    }
}

static void
load_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbBrowser *self = LB_BROWSER (source);
  LoadJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  GtkTreeStore *store;

  (void) user_data;
  if (self->destroyed)
    return;
  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      g_autofree char *text = g_strdup_printf (_("This backup cannot be read: %s"), error->message);
      gtk_spinner_stop (self->load_spinner);
      gtk_widget_hide (GTK_WIDGET (self->load_spinner));
      set_label (self->load_label, text);
      set_label (self->changes_label, text);
      return;
    }
  store = build_store (job->rows);
  gtk_tree_view_set_model (self->files_view, GTK_TREE_MODEL (store));
  g_object_unref (store);
  expand_storages (self, GTK_TREE_MODEL (store));
  gtk_stack_set_visible_child_name (self->files_stack, "files");
  show_changes (self, job->diff, job->diff_error);
  self->photos = lb_browser_photos_new (self->photos_view, self->photos_label, self->library);
  lb_browser_photos_fill (self->photos, job->rows);
  start_deleted (self);
}

/* ---- the preview ------------------------------------------------------------- */

static void
preview_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GdkPixbuf *turned;

  (void) source;
  (void) cancellable;
  pixbuf = gdk_pixbuf_new_from_file_at_scale (data, PREVIEW_SIZE, PREVIEW_SIZE, TRUE, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Phones store photos sideways with an orientation tag. */
  turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  g_task_return_pointer (task, turned, g_object_unref);
}

static void
preview_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbBrowser *self = LB_BROWSER (source);
  g_autoptr(GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (res), NULL);

  (void) user_data;
  /* A newer selection cancelled this one: its own preview comes. */
  if (self->destroyed || g_task_get_cancellable (G_TASK (res)) != self->preview_cancellable)
    return;
  if (pixbuf != NULL)
    {
      gtk_image_set_from_pixbuf (self->preview_image, pixbuf);
      gtk_stack_set_visible_child_name (self->preview_stack, "image");
    }
  else
    {
      gtk_image_set_from_icon_name (self->preview_icon, "image-missing", GTK_ICON_SIZE_DIALOG);
      gtk_stack_set_visible_child_name (self->preview_stack, "icon");
    }
  gtk_spinner_stop (self->preview_spinner);
}

static void
start_preview (LbBrowser *self, const char *blob_path)
{
  g_autoptr(GTask) task = NULL;

  self->preview_cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->preview_stack, "loading");
  gtk_spinner_start (self->preview_spinner);
  task = g_task_new (self, self->preview_cancellable, preview_done, NULL);
  g_task_set_source_tag (task, start_preview);
  g_task_set_task_data (task, g_strdup (blob_path), g_free);
  g_task_run_in_thread (task, preview_thread);
}

static void
show_selected (LbBrowser *self, GtkTreeModel *model, GtkTreeIter *iter)
{
  g_autofree char *name = NULL, *size = NULL, *date = NULL, *preview = NULL, *icon = NULL, *path = NULL;
  g_autofree char *shown_path = NULL, *text = NULL;
  gboolean folder;

  gtk_tree_model_get (model, iter, COL_NAME, &name, COL_SIZE_TEXT, &size, COL_DATE_TEXT, &date, COL_PREVIEW, &preview,
                      COL_ICON, &icon, COL_IS_FOLDER, &folder, COL_PATH, &path, -1);
  shown_path = lb_browser_display_text (path);
  if (folder)
    text = g_strdup_printf ("%s\n%s", name, shown_path);
  else
    /* Translators: name, size, date and where it was on the phone */
    text = g_strdup_printf (_("%s\n%s · %s\n%s"), name, size, *date ? date : _("no date"), shown_path);
  gtk_label_set_text (self->preview_label, text);
  if (preview != NULL)
    start_preview (self, preview);
  else
    {
      gtk_image_set_from_icon_name (self->preview_icon, icon, GTK_ICON_SIZE_DIALOG);
      gtk_stack_set_visible_child_name (self->preview_stack, "icon");
    }
}

static void
on_selection_changed (LbBrowser *self)
{
  int n = gtk_tree_selection_count_selected_rows (self->files_selection);
  GtkTreeModel *model;
  g_autoptr(GList) rows = NULL;
  GtkTreeIter iter;

  if (self->destroyed)
    return;
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  update_save_button (self);
  gtk_image_clear (self->preview_image);
  if (n != 1)
    {
      g_autofree char *text = n == 0 ? g_strdup (_("Select a file to see it here."))
                                     : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d item selected", "%d items selected", n), n);
      gtk_label_set_text (self->preview_label, text);
      gtk_image_set_from_icon_name (self->preview_icon, n == 0 ? "text-x-generic-symbolic" : "view-list-symbolic",
                                    GTK_ICON_SIZE_DIALOG);
      gtk_stack_set_visible_child_name (self->preview_stack, "icon");
      return;
    }
  rows = gtk_tree_selection_get_selected_rows (self->files_selection, &model);
  if (gtk_tree_model_get_iter (model, &iter, rows->data))
    show_selected (self, model, &iter);
  g_list_free_full (g_steal_pointer (&rows), (GDestroyNotify) gtk_tree_path_free);
}

/* The row of a phone path in the file tree, searched from parent down. */
static gboolean
find_path (GtkTreeModel *model, GtkTreeIter *parent, const char *path, GtkTreeIter *found)
{
  GtkTreeIter iter;

  for (gboolean more = gtk_tree_model_iter_children (model, &iter, parent); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      g_autofree char *here = NULL;
      gsize n;

      gtk_tree_model_get (model, &iter, COL_PATH, &here, -1);
      n = strlen (here);
      if (g_str_equal (here, path))
        {
          *found = iter;
          return TRUE;
        }
      /* Only down the folder that holds it. */
      if (g_str_has_prefix (path, here) && path[n] == '/' && find_path (model, &iter, path, found))
        return TRUE;
    }
  return FALSE;
}

/* A photo of the grid, shown among the files: selected (with its
 * preview), its folders opened, Save… and Restore to Phone… at hand. */
static void
on_photo_activated (LbBrowser *self, GtkTreePath *item)
{
  GtkTreeModel *photos = gtk_icon_view_get_model (self->photos_view);
  GtkTreeModel *files = gtk_tree_view_get_model (self->files_view);
  g_autofree char *path = NULL;
  g_autoptr(GtkTreePath) row = NULL;
  GtkTreeIter iter;

  if (photos == NULL || files == NULL || !gtk_tree_model_get_iter (photos, &iter, item))
    return;
  gtk_tree_model_get (photos, &iter, PHOTO_PATH, &path, -1);
  if (!find_path (files, NULL, path, &iter))
    return;
  row = gtk_tree_model_get_path (files, &iter);
  gtk_tree_view_expand_to_path (self->files_view, row);
  gtk_notebook_set_current_page (self->notebook, PAGE_FILES);
  gtk_tree_selection_unselect_all (self->files_selection);
  gtk_tree_selection_select_path (self->files_selection, row);
  gtk_tree_view_scroll_to_cell (self->files_view, row, NULL, TRUE, 0.5, 0.0);
  gtk_widget_grab_focus (GTK_WIDGET (self->files_view));
}

static void
on_row_activated (LbBrowser *self, GtkTreePath *path)
{
  if (gtk_tree_view_row_expanded (self->files_view, path))
    gtk_tree_view_collapse_row (self->files_view, path);
  else
    gtk_tree_view_expand_row (self->files_view, path, FALSE);
}

/* ---- searching the phone's history -------------------------------------------- */

static void
search_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbBrowser *self = LB_BROWSER (source);
  SearchJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkListStore) store = NULL;
  g_autofree char *count = NULL, *text = NULL;

  (void) user_data;
  /* A newer search replaced this one: its own results come. */
  if (self->destroyed || g_task_get_cancellable (G_TASK (res)) != self->search_cancellable)
    return;
  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      text = g_strdup_printf (_("The backups could not be searched: %s"), error->message);
      set_label (self->search_label, text);
      return;
    }
  store = lb_browser_search_store (job);
  count = g_strdup_printf ("%'u", job->found->len);
  text = job->found->len == 0
           ? g_strdup (_("No file of that name in any of the phone’s backups."))
           : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s version found. Select and Save… to get it back.",
                                           "%s versions found. Select and Save… to get them back.", job->found->len),
                              count);
  gtk_label_set_text (self->search_label, text);
  gtk_tree_view_set_model (self->search_view, GTK_TREE_MODEL (store));
  update_save_button (self);
}

/* The entry waits for a pause in the typing (GtkSearchEntry's
 * search-changed); a search still running is cancelled, not waited for. */
static void
on_search_changed (LbBrowser *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (self->search_entry));
  const char *when = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->search_when));
  g_autoptr(GTask) task = NULL;
  SearchJob *job;

  if (self->destroyed)
    return;
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (*text == '\0')
    {
      gtk_tree_view_set_model (self->search_view, NULL);
      gtk_label_set_text (self->search_label, _("Every version of a file in all the phone’s backups: a renamed file "
                                                "is found under each of its names."));
      update_save_button (self);
      return;
    }
  job = g_new0 (SearchJob, 1);
  job->library = g_strdup (self->library);
  job->snapshot_id = self->snapshot->id;
  job->text = g_strdup (text);
  if (when != NULL && !g_str_equal (when, "any"))
    job->from = g_get_real_time () / G_USEC_PER_SEC - g_ascii_strtoll (when, NULL, 10) * 24 * 3600;
  self->search_cancellable = g_cancellable_new ();
  gtk_label_set_text (self->search_label, _("Searching…"));
  task = g_task_new (self, self->search_cancellable, search_done, NULL);
  g_task_set_source_tag (task, on_search_changed);
  g_task_set_task_data (task, job, (GDestroyNotify) lb_browser_search_job_free);
  g_task_run_in_thread (task, lb_browser_search_thread);
}

/* ---- saving to this computer --------------------------------------------------- */

/* Files saved from one snapshot.  The Files tab is one group; deleted
 * files come from the newest snapshot that had each, a group per snapshot. */
typedef struct {
  gint64 snapshot_id;
  GStrv paths;                   /* phone paths as stored */
} SaveGroup;

static void
free_groups (GArray *groups)
{
  for (guint i = 0; i < groups->len; i++)
    g_strfreev (g_array_index (groups, SaveGroup, i).paths);
  g_array_unref (groups);
}

typedef struct {
  char *library;
  GArray *groups;                /* SaveGroup */
  guint64 files_before;          /* worker: saved by the groups done */
  guint64 bytes_before;
  guint64 group_bytes;           /* worker: the bytes of the group under way */
  char *dir;
  GPtrArray *renamed;            /* "phone name → written as", filled by the worker */
  guint64 files;
  LbRelay *relay;                /* the worker's progress, to the main thread */
  LbBrowser *browser;            /* the task's source: alive while the relay is */
  char *where;                   /* the folder, as shown */
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_free (job->library);
  free_groups (job->groups);
  g_free (job->dir);
  g_free (job->where);
  g_ptr_array_unref (job->renamed);
  g_clear_pointer (&job->relay, lb_relay_free);
  g_free (job);
}

/* Worker thread. */
static void
on_renamed (const char *phone_path, const char *written_as, gpointer user_data)
{
  SaveJob *job = user_data;
  g_autofree char *from = lb_browser_display_text (phone_path);
  g_autofree char *to = g_filename_display_name (written_as);

  g_ptr_array_add (job->renamed, g_strdup_printf (_("%s → %s"), from, to));
}

/* Worker thread. */
static void
on_save_progress (const LbExtractProgress *p, gpointer user_data)
{
  SaveJob *job = user_data;
  LbExtractProgress *copy = g_memdup2 (p, sizeof *p);

  /* Counted over the groups; each group's total is known when it starts. */
  job->group_bytes = p->bytes_total;
  copy->current = NULL;
  copy->files_done += job->files_before;
  copy->files_total += job->files_before;
  copy->bytes_done += job->bytes_before;
  copy->bytes_total += job->bytes_before;
  lb_relay_post (job->relay, copy);
}

static void
save_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SaveJob *job = data;
  g_autoptr(LbLibrary) library = NULL;
  GError *error = NULL;

  (void) source;
  library = lb_library_open (job->library, FALSE, LB_LIBRARY_READ, &error);
  if (library == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < job->groups->len; i++)
    {
      const SaveGroup *g = &g_array_index (job->groups, SaveGroup, i);
      guint64 n = 0;
      gboolean ok;

      job->group_bytes = 0;
      ok = lb_extract (library, g->snapshot_id, (const char *const *) g->paths, job->dir, on_renamed,
                       on_save_progress, job, &n, cancellable, &error);
      job->files += n;
      job->files_before += n;
      job->bytes_before += job->group_bytes;
      if (!ok)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

/* "~/Desktop/Photos": the home folder the way people write it. */
static char *
folder_text (const char *dir)
{
  const char *home = g_get_home_dir ();
  g_autofree char *shown = g_filename_display_name (dir);
  gsize n = strlen (home);

  if (home != NULL && n > 1 && g_str_has_prefix (dir, home) && (dir[n] == '/' || dir[n] == '\0'))
    {
      g_autofree char *rest = g_filename_display_name (dir + n);
      return g_strconcat ("~", rest, NULL);
    }
  return g_steal_pointer (&shown);
}

/* The tab in front, as Save… sees it: its selection, the column of the
 * phone paths, and the column of the snapshot each is saved from (-1: the
 * snapshot browsed).  FALSE for a tab with nothing to save. */
static gboolean
save_source (LbBrowser *self, GtkTreeSelection **selection, int *path_column, int *snapshot_column)
{
  switch (gtk_notebook_get_current_page (self->notebook))
    {
    case PAGE_FILES:
      *selection = self->files_selection, *path_column = COL_PATH, *snapshot_column = -1;
      return TRUE;
    case PAGE_DELETED:
      *selection = self->deleted_selection, *path_column = FILE_PATH, *snapshot_column = FILE_SNAPSHOT;
      return TRUE;
    case PAGE_SEARCH:
      *selection = self->search_selection, *path_column = FILE_PATH, *snapshot_column = FILE_SNAPSHOT;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The rows chosen on the tab in front: what Save… saves. */
static int
save_count (LbBrowser *self)
{
  GtkTreeSelection *selection;
  int path_column, snapshot_column;

  return save_source (self, &selection, &path_column, &snapshot_column)
           ? gtk_tree_selection_count_selected_rows (selection) : 0;
}

static GArray *selected_groups (LbBrowser *self);
static guint selected_snapshots (LbBrowser *self);

/* The window that opened the browser restores (win.restore-only). */
static gboolean
can_restore_to_phone (LbBrowser *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  return parent != NULL && G_IS_ACTION_GROUP (parent) &&
         g_action_group_has_action (G_ACTION_GROUP (parent), "restore-only");
}

/* Save… and Restore to Phone… for what is selected; a restore takes the
 * files of one snapshot (the dialog plans one), so not a choice among
 * deleted or found files from several. */
static void
update_save_button (LbBrowser *self)
{
  guint snapshots;

  if (self->destroyed)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), save_count (self) > 0 && self->save_cancellable == NULL);
  snapshots = selected_snapshots (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->restore_button), snapshots == 1 && can_restore_to_phone (self));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->restore_button),
                               snapshots > 1 ? _("The selected files come from several backups: restore those of one at a time")
                                             : _("Put the selected files and folders back onto a phone, after showing the plan"));
}

static void
on_restore_clicked (LbBrowser *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GArray *groups = selected_groups (self);

  if (groups->len == 1 && can_restore_to_phone (self))
    {
      const SaveGroup *g = &g_array_index (groups, SaveGroup, 0);
      g_action_group_activate_action (G_ACTION_GROUP (parent), "restore-only",
                                      g_variant_new ("(x^as)", g->snapshot_id, g->paths));
    }
  free_groups (groups);
}

static void
set_saving (LbBrowser *self, gboolean saving)
{
  gtk_widget_set_visible (GTK_WIDGET (self->save_spinner), saving);
  if (saving)
    gtk_spinner_start (self->save_spinner);
  else
    gtk_spinner_stop (self->save_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->save_cancel_button), saving);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), !saving && save_count (self) > 0);
  gtk_revealer_set_reveal_child (self->save_revealer, TRUE);
}

static char *
save_result (SaveJob *job, const GError *error)
{
  g_autofree char *where = folder_text (job->dir);
  g_autofree char *count = g_strdup_printf ("%'" G_GUINT64_FORMAT, job->files);
  GString *out = g_string_new (NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "Saving cancelled after %s file, in %s.",
                                              "Saving cancelled after %s files, in %s.", job->files), count, where);
  else if (error != NULL)
    g_string_append_printf (out, _("Not all files were saved to %s: %s"), where, error->message);
  else
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "Saved %s file to %s.", "Saved %s files to %s.", job->files),
                            count, where);
  if (job->renamed->len > 0)
    {
      guint shown = MIN (job->renamed->len, MAX_LISTED);

      g_string_append_c (out, '\n');
      g_string_append (out, g_dngettext (GETTEXT_PACKAGE, "This name was changed to be safe on this computer:",
                                         "These names were changed to be safe on this computer:", job->renamed->len));
      for (guint i = 0; i < shown; i++)
        g_string_append_printf (out, "\n  %s", (char *) g_ptr_array_index (job->renamed, i));
      if (job->renamed->len > shown)
        g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "\n  …and %u more", "\n  …and %u more",
                                                  job->renamed->len - shown), job->renamed->len - shown);
    }
  return g_string_free (out, FALSE);
}

static void
save_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LbBrowser *self = LB_BROWSER (source);
  SaveJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  (void) user_data;
  g_task_propagate_boolean (G_TASK (res), &error);
  /* The worker has returned: nothing posts to the relay any more. */
  g_clear_pointer (&job->relay, lb_relay_free);
  g_clear_object (&self->save_cancellable);
  if (self->destroyed)
    return;
  text = save_result (job, error);
  set_label (self->save_label, text);
  set_saving (self, FALSE);
}

/* Calls func for each selected row of the tab in front that has a copy
 * in the library (a row without a phone path has none), with the
 * snapshot to save it from. */
static void
for_each_selected (LbBrowser *self, void (*func) (gint64 snapshot_id, const char *path, gpointer data), gpointer data)
{
  GtkTreeSelection *selection;
  int path_column, snapshot_column;
  GtkTreeModel *model;
  GList *rows = save_source (self, &selection, &path_column, &snapshot_column)
                  ? gtk_tree_selection_get_selected_rows (selection, &model) : NULL;

  for (GList *l = rows; l != NULL; l = l->next)
    {
      GtkTreeIter iter;
      g_autofree char *path = NULL;
      gint64 id = self->snapshot->id;

      if (!gtk_tree_model_get_iter (model, &iter, l->data))
        continue;
      gtk_tree_model_get (model, &iter, path_column, &path, -1);
      if (snapshot_column >= 0)
        gtk_tree_model_get (model, &iter, snapshot_column, &id, -1);
      if (path != NULL)
        func (id, path, data);
    }
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);
}

static void
add_to_group (gint64 snapshot_id, const char *path, gpointer data)
{
  GHashTable *builders = data;
  GStrvBuilder *builder = g_hash_table_lookup (builders, &snapshot_id);

  if (builder == NULL)
    {
      builder = g_strv_builder_new ();
      g_hash_table_insert (builders, g_memdup2 (&snapshot_id, sizeof snapshot_id), builder);
    }
  g_strv_builder_add (builder, path);
}

/* The selected rows of the tab in front, as groups of phone paths by the
 * snapshot to save them from. */
static GArray *
selected_groups (LbBrowser *self)
{
  g_autoptr(GHashTable) builders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                          (GDestroyNotify) g_strv_builder_unref);
  GArray *groups = g_array_new (FALSE, FALSE, sizeof (SaveGroup));
  GHashTableIter it;
  gpointer key, value;

  for_each_selected (self, add_to_group, builders);
  g_hash_table_iter_init (&it, builders);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      SaveGroup g = { *(gint64 *) key, g_strv_builder_end (value) };
      g_array_append_val (groups, g);
    }
  return groups;
}

static void
add_snapshot (gint64 snapshot_id, const char *path, gpointer data)
{
  (void) path;
  g_hash_table_add (data, g_memdup2 (&snapshot_id, sizeof snapshot_id));
}

/* How many snapshots the selected rows are saved from: what the buttons
 * need at each change of the selection, without the paths. */
static guint
selected_snapshots (LbBrowser *self)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for_each_selected (self, add_snapshot, ids);
  return g_hash_table_size (ids);
}

/* Main thread: files and bytes saved so far, and the time left. */
static void
show_save_progress (gpointer report, gpointer user_data)
{
  const LbExtractProgress *p = report;
  SaveJob *job = user_data;
  LbBrowser *self = job->browser;
  g_autofree char *done = g_strdup_printf ("%'" G_GUINT64_FORMAT, p->files_done);
  g_autofree char *total = g_strdup_printf ("%'" G_GUINT64_FORMAT, p->files_total);
  g_autofree char *bytes_done = g_format_size (p->bytes_done), *bytes_total = g_format_size (p->bytes_total);
  g_autofree char *text = NULL;

  if (self->destroyed || self->save_cancellable == NULL)
    return;
  if (p->eta_seconds >= 0)
    {
      g_autofree char *eta = lb_format_duration (p->eta_seconds);
      /* Translators: files done and in all, bytes done and in all, the folder, the time left */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saving %s of %s file (%s of %s) to %s, about %s left…",
                                           "Saving %s of %s files (%s of %s) to %s, about %s left…", p->files_total),
                              done, total, bytes_done, bytes_total, job->where, eta);
    }
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saving %s of %s file (%s of %s) to %s…",
                                         "Saving %s of %s files (%s of %s) to %s…", p->files_total),
                            done, total, bytes_done, bytes_total, job->where);
  gtk_label_set_text (self->save_label, text);
}

static void
start_save (LbBrowser *self, const char *dir)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job = g_new0 (SaveJob, 1);
  g_autofree char *where = folder_text (dir);
  g_autofree char *text = g_strdup_printf (_("Saving to %s…"), where);

  job->library = g_strdup (self->library);
  job->groups = selected_groups (self);
  job->dir = g_strdup (dir);
  job->renamed = g_ptr_array_new_with_free_func (g_free);
  job->where = g_strdup (where);
  job->browser = self;
  job->relay = lb_relay_new (show_save_progress, job, g_free);
  self->save_cancellable = g_cancellable_new ();
  gtk_label_set_text (self->save_label, text);
  set_saving (self, TRUE);
  task = g_task_new (self, self->save_cancellable, save_done, NULL);
  /* A save that finished is reported as done, whenever Cancel was pressed. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_source_tag (task, start_save);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

/* "browser.save-to" (a folder path, as bytes): what Save… does once the
 * folder is chosen; tests call it directly, past the file chooser. */
static void
save_to_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  LbBrowser *self = user_data;

  (void) action;
  if (self->destroyed || self->save_cancellable != NULL || save_count (self) == 0)
    return;
  start_save (self, g_variant_get_bytestring (param));
}

static void
on_chooser_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  LbBrowser *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && !self->destroyed)
    {
      g_autofree char *dir = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
      GActionGroup *actions = gtk_widget_get_action_group (GTK_WIDGET (self), "browser");

      if (dir != NULL)
        g_action_group_activate_action (actions, "save-to", g_variant_new_bytestring (dir));
    }
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
on_save_clicked (LbBrowser *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Save Files To"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                 _("_Save Here"), _("_Cancel"));
  const char *desktop = g_get_user_special_dir (G_USER_DIRECTORY_DESKTOP);

  gtk_file_chooser_set_create_folders (GTK_FILE_CHOOSER (chooser), TRUE);
  if (desktop != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), desktop);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_save_cancel_clicked (LbBrowser *self)
{
  if (self->save_cancellable != NULL)
    g_cancellable_cancel (self->save_cancellable);
}

/* ---- life cycle ---------------------------------------------------------------- */

static gboolean
fit_preview (gpointer data)
{
  LbBrowser *self = data;

  self->fit_idle = 0;
  gtk_widget_set_visible (self->preview_box,
                          gtk_widget_get_allocated_width (GTK_WIDGET (self)) >= PREVIEW_MIN_WINDOW_WIDTH);
  return G_SOURCE_REMOVE;
}

/* Showing or hiding a child while allocating would allocate again from
 * inside the allocation: it waits for an idle moment. */
static void
lb_browser_size_allocate (GtkWidget *widget, GtkAllocation *allocation)
{
  LbBrowser *self = LB_BROWSER (widget);
  gboolean wide = allocation->width >= PREVIEW_MIN_WINDOW_WIDTH;

  GTK_WIDGET_CLASS (lb_browser_parent_class)->size_allocate (widget, allocation);
  if (wide != gtk_widget_get_visible (self->preview_box) && self->fit_idle == 0)
    self->fit_idle = g_idle_add (fit_preview, self);
}

/* A save keeps the window: its result line is the only place that says
 * what was written where. */
static gboolean
lb_browser_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  LbBrowser *self = LB_BROWSER (widget);

  (void) event;
  if (self->save_cancellable != NULL)
    {
      gtk_label_set_text (self->save_label, _("Files are being saved. Cancel first, or wait until it is done."));
      return TRUE;
    }
  return FALSE;
}

static void
lb_browser_dispose (GObject *object)
{
  LbBrowser *self = LB_BROWSER (object);

  /* Jobs still running hold the window; they only clean up from now on. */
  self->destroyed = TRUE;
  g_clear_handle_id (&self->fit_idle, g_source_remove);
  g_clear_pointer (&self->photos, lb_browser_photos_free);
  g_cancellable_cancel (self->cancellable);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  if (self->save_cancellable != NULL)
    g_cancellable_cancel (self->save_cancellable);
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  G_OBJECT_CLASS (lb_browser_parent_class)->dispose (object);
}

static void
lb_browser_finalize (GObject *object)
{
  LbBrowser *self = LB_BROWSER (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->preview_cancellable);
  g_clear_object (&self->save_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_pointer (&self->snapshot, lb_snapshot_free);
  g_free (self->library);
  G_OBJECT_CLASS (lb_browser_parent_class)->finalize (object);
}

static void
lb_browser_class_init (LbBrowserClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_browser_dispose;
  G_OBJECT_CLASS (klass)->finalize = lb_browser_finalize;
  widget_class->delete_event = lb_browser_delete_event;
  widget_class->size_allocate = lb_browser_size_allocate;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, header_bar);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, save_button);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, restore_button);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, notebook);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, files_stack);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, load_spinner);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, load_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, files_view);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, files_selection);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, preview_box);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, preview_image);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, preview_spinner);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, preview_icon);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, preview_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, changes_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, changes_view);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, changes_tab_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, deleted_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, deleted_view);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, deleted_selection);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, deleted_tab_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, search_when);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, search_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, search_view);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, search_selection);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, save_revealer);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, save_spinner);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, save_label);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, save_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, photos_view);
  gtk_widget_class_bind_template_child (widget_class, LbBrowser, photos_label);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_photo_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_restore_clicked);
  gtk_widget_class_bind_template_callback (widget_class, update_save_button);
}

static const GActionEntry browser_entries[] = {
  { "save-to", save_to_activated, "ay", NULL, NULL, { 0 } },
};

static void
lb_browser_init (LbBrowser *self)
{
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (actions), browser_entries, G_N_ELEMENTS (browser_entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "browser", G_ACTION_GROUP (actions));
  lb_close_keys_attach (GTK_WINDOW (self));
}

static void
set_titles (LbBrowser *self)
{
  const LbSnapshot *s = self->snapshot;
  const char *name = s->friendly_name && *s->friendly_name ? s->friendly_name : s->model;
  g_autofree char *shown = lb_browser_display_text (name);
  g_autoptr(GDateTime) dt = lb_clock_local_time (s->started);
  /* Translators: when a backup was made, e.g. "12 March 2026, 14:02" */
  g_autofree char *when = dt ? g_date_time_format (dt, _("%e %B %Y, %H:%M")) : g_strdup ("");
  g_autofree char *title = g_strdup_printf (_("Backup of %s"), shown);
  g_autofree char *files = g_strdup_printf ("%'" G_GUINT64_FORMAT, s->files);
  g_autofree char *size = g_format_size (s->bytes);
  /* Translators: date · number of files · size */
  g_autofree char *subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s file · %s", "%s · %s files · %s", s->files),
                                               g_strstrip (when), files, size);

  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_header_bar_set_title (self->header_bar, title);
  gtk_header_bar_set_subtitle (self->header_bar, subtitle);
}

GtkWidget *
lb_browser_new (GtkWindow *parent, const char *library, const LbSnapshot *snapshot)
{
  LbBrowser *self = g_object_new (LB_TYPE_BROWSER, "transient-for", parent, NULL);
  g_autoptr(GTask) task = NULL;
  LoadJob *job = g_new0 (LoadJob, 1);

  self->library = g_strdup (library);
  self->snapshot = lb_snapshot_copy (snapshot);
  set_titles (self);
  gtk_spinner_start (self->load_spinner);

  job->library = g_strdup (library);
  job->snapshot_id = snapshot->id;
  job->serial = g_strdup (snapshot->serial);
  job->device_id = snapshot->device_id;
  job->seq = snapshot->seq;
  task = g_task_new (self, self->cancellable, load_done, NULL);
  g_task_set_source_tag (task, lb_browser_new);
  g_task_set_task_data (task, job, (GDestroyNotify) lb_browser_load_job_free);
  g_task_run_in_thread (task, lb_browser_load_thread);
  return GTK_WIDGET (self);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading a snapshot for the browser (lb-browser-load.c): GLib and the
 * library only, run by lb-browser.c in a GTask. */
#pragma once

#include <gio/gio.h>
#include "lb-diff.h"
#include "lb-library.h"

G_BEGIN_DECLS

/* The columns of the file tree (a GtkTreeStore) the rows fill. */
enum {
  COL_ICON,
  COL_NAME,          /* for people: valid UTF-8, control characters replaced */
  COL_SIZE,
  COL_SIZE_TEXT,
  COL_MTIME,
  COL_DATE_TEXT,
  COL_IS_FOLDER,
  COL_PATH,          /* the phone path as stored: handed to lb_extract, never opened */
  COL_PREVIEW,       /* blob file of a picture small enough to preview, or NULL */
  COL_KEY,           /* collation key of the name */
  N_COLS
};

/* One row, prepared off the main thread so filling the store is only
 * inserting. */
typedef struct {
  gint64 path_id;
  gint64 parent_id;
  char *storage;
  char *name;
  char *key;
  char *size_text;
  char *date_text;
  char *path;
  char *preview;
  char *video;               /* blob file of a video, for its thumbnail, or NULL */
  const char *icon;
  guint64 size;
  gint64 mtime;
  gboolean is_folder;
} Row;

void lb_browser_row_free (Row *row);

/* The task data of lb_browser_load_thread: what to read, and what was read. */
typedef struct {
  char *library;
  gint64 snapshot_id;
  char *serial;
  gint64 device_id;
  gint64 seq;
  GPtrArray *rows;               /* Row*, parents before children */
  LbDiff *diff;                  /* NULL: no previous snapshot */
  GError *diff_error;
} LoadJob;

void lb_browser_load_job_free (LoadJob *job);

/* GTaskThreadFunc: fills job->rows and job->diff (or job->diff_error). */
void lb_browser_load_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable);

/* GTaskThreadFunc on a LoadJob, after the first: returns the files the
 * phone's earlier snapshots hold and job's does not (a GPtrArray of
 * LbDeletedFile*), read on its own so the tree never waits for it. */
void lb_browser_deleted_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable);

/* A name from the phone as one displayable line: valid UTF-8, control
 * characters as U+FFFD. */
char *lb_browser_display_text (const char *name);
/* A date for the lists ("2026-03-12 14:02"), "" for 0. */
char *lb_browser_date_text (gint64 t);

G_END_DECLS

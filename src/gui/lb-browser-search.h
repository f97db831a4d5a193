/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The browser's "Search" tab: a file by name (and how recently it
 * changed) across the phone's whole history (lb_library_find), each
 * version found with the backups that hold it, saved from the newest.
 *
 * Ownership: a SearchJob is the GTask's (lb_browser_search_job_free); the
 * store returned is the caller's. */
#pragma once

#include <gtk/gtk.h>
#include "lb-browser-files.h"
#include "lb-library.h"

G_BEGIN_DECLS

/* After the shared columns (lb-browser-files.h); FILE_SNAPSHOT is the
 * newest snapshot that holds the version. */
enum {
  FOUND_MTIME = N_FILE_COLS,
  FOUND_DATE_TEXT,
  FOUND_IN,          /* "3 backups, 2026-11-01 to 2026-12-05" */
  N_FOUND_COLS
};

typedef struct {
  char *library;
  gint64 snapshot_id;        /* its phone's history is searched */
  char *text;
  gint64 from;               /* files dated from then on; 0: any date */
  GPtrArray *found;          /* LbFoundFile*, filled by the worker */
  GHashTable *started;       /* snapshot id (gint64*) → when it began (gint64*) */
} SearchJob;

void lb_browser_search_job_free (SearchJob *job);

/* GTaskThreadFunc on a SearchJob: fills found and started. */
void lb_browser_search_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable);

/* The results, ready for the tree view (main thread). */
GtkListStore *lb_browser_search_store (const SearchJob *job);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A window to look inside one snapshot: its folders and files with sizes
 * and dates, a preview of the selected picture, what changed since the
 * phone's previous snapshot, and saving chosen files to a desktop folder. */
#pragma once

#include <gtk/gtk.h>
#include "lb-library.h"

G_BEGIN_DECLS

#define LB_TYPE_BROWSER (lb_browser_get_type ())
G_DECLARE_FINAL_TYPE (LbBrowser, lb_browser, LB, BROWSER, GtkWindow)

/* Reads the snapshot's entries off the main thread; library is the library
 * folder (opened read-only, so a running backup never waits for it). */
GtkWidget *lb_browser_new (GtkWindow *parent, const char *library, const LbSnapshot *snapshot);

G_END_DECLS

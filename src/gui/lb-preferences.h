/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preferences: automatic backups and what they keep, where the library
 * lives and moving it, the off-site copy. */
#pragma once

#include <gtk/gtk.h>
#include "lb-offsite-copier.h"

G_BEGIN_DECLS

#define LB_TYPE_PREFERENCES (lb_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LbPreferences, lb_preferences, LB, PREFERENCES, GtkDialog)

/* Emits "library-moved" after the library moved (and the new place was
 * saved): whoever shows the library reloads it from there.  copier: the
 * application's off-site copies (a reference is taken). */
GtkWidget *lb_preferences_new (GtkWindow *parent, LbOffsiteCopier *copier);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preferences: where the library lives, and moving it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LB_TYPE_PREFERENCES (lb_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LbPreferences, lb_preferences, LB, PREFERENCES, GtkDialog)

/* Emits "library-moved" after the library moved (and the new place was
 * saved): whoever shows the library reloads it from there. */
GtkWidget *lb_preferences_new (GtkWindow *parent);

G_END_DECLS

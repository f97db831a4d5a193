/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preferences: where the library lives, and moving it. */
#pragma once

#include <gtk/gtk.h>
#include "lb-application.h"

G_BEGIN_DECLS

#define LB_TYPE_PREFERENCES (lb_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LbPreferences, lb_preferences, LB, PREFERENCES, GtkDialog)

GtkWidget *lb_preferences_new (GtkWindow *parent, LbApplication *app);

G_END_DECLS

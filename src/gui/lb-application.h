/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Lifeboat application: one instance per session, owning the phone
 * monitor that every window shares. */
#pragma once

#include <gtk/gtk.h>
#include "lb-background.h"
#include "lb-monitor.h"

G_BEGIN_DECLS

#define LB_TYPE_APPLICATION (lb_application_get_type ())
G_DECLARE_FINAL_TYPE (LbApplication, lb_application, LB, APPLICATION, GtkApplication)

LbApplication *lb_application_new (void);
LbMonitor *lb_application_get_monitor (LbApplication *self);
/* Automatic backups in this process, which then outlives its window
 * (what --background and "Start at login" turned on do); once only. */
void lb_application_start_background (LbApplication *self);
/* Its automatic backups, or NULL before lb_application_start_background. */
LbBackground *lb_application_get_background (LbApplication *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The help window: how to connect a phone, what a backup holds, restoring. */
#pragma once

#include <gtk/gtk.h>

void lb_help_show (GtkWindow *parent);

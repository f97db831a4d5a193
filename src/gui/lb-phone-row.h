/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A phone in the window's list: name and a one-line state. */
#pragma once

#include <gtk/gtk.h>
#include "lb-phone.h"

G_BEGIN_DECLS

#define LB_TYPE_PHONE_ROW (lb_phone_row_get_type ())
G_DECLARE_FINAL_TYPE (LbPhoneRow, lb_phone_row, LB, PHONE_ROW, GtkListBoxRow)

GtkWidget *lb_phone_row_new (LbPhone *phone);
LbPhone *lb_phone_row_get_phone (LbPhoneRow *self);

/* The one-line state shown under a phone's name (also used by the page). */
char *lb_phone_status_text (LbPhone *phone);

G_END_DECLS

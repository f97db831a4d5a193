/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The selected phone: who it is, its storages, what to do when it cannot
 * be read, the Back Up button with its progress, and its history. */
#pragma once

#include <gtk/gtk.h>
#include "lb-phone.h"

G_BEGIN_DECLS

#define LB_TYPE_PHONE_PAGE (lb_phone_page_get_type ())
G_DECLARE_FINAL_TYPE (LbPhonePage, lb_phone_page, LB, PHONE_PAGE, GtkBox)

GtkWidget *lb_phone_page_new (void);
void lb_phone_page_set_phone (LbPhonePage *self, LbPhone *phone);
LbPhone *lb_phone_page_get_phone (LbPhonePage *self);

/* The snapshot selected in the history, or 0. */
gint64 lb_phone_page_get_selected_snapshot (LbPhonePage *self);

/* Shows the outcome of a Release or a retry in the guidance area. */
void lb_phone_page_set_guidance_note (LbPhonePage *self, const char *note);

G_END_DECLS

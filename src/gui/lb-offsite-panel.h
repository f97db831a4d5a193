/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbOffsitePanel: the Preferences' "Off-site copy": where (a folder, or a
 * repository URL in restic's syntax), its password (kept in the desktop
 * keyring), "Copy after each backup", "Copy Now", and how the last copy
 * went.  Setting up opens the repository, or starts one there, on a
 * worker thread.
 *
 * Ownership: a widget like any other; it holds a reference to the
 * application's LbOffsiteCopier. */
#pragma once

#include <gtk/gtk.h>
#include "lb-offsite-copier.h"

G_BEGIN_DECLS

#define LB_TYPE_OFFSITE_PANEL (lb_offsite_panel_get_type ())
G_DECLARE_FINAL_TYPE (LbOffsitePanel, lb_offsite_panel, LB, OFFSITE_PANEL, GtkBox)

void lb_offsite_panel_set_copier (LbOffsitePanel *self, LbOffsiteCopier *copier);

G_END_DECLS

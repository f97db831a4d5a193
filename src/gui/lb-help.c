/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-help.h"
#include "lb-close-keys.h"

void
lb_help_show (GtkWindow *parent)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  GtkWindow *window;

  gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
  gtk_builder_add_from_resource (builder, "/io/github/lifeboat/Lifeboat/lb-help.ui", NULL);
  window = GTK_WINDOW (gtk_builder_get_object (builder, "help_window"));
  if (parent != NULL)
    gtk_window_set_transient_for (window, parent);
  lb_close_keys_attach (window);
  gtk_window_present (window);
  /* The first text took the focus, and GTK then selects a selectable
   * label whole: the help would open all blue.  The focus stays there (Tab
   * and the arrows still move through the text); only the selection goes. */
  gtk_label_select_region (GTK_LABEL (gtk_builder_get_object (builder, "help_first")), 0, 0);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-close-keys.h"

static gboolean
key_pressed (GtkWidget *widget, GdkEventKey *event, gpointer user_data)
{
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();

  if ((event->keyval == GDK_KEY_Escape && mods == 0) ||
      ((event->keyval == GDK_KEY_w || event->keyval == GDK_KEY_W) && mods == GDK_CONTROL_MASK))
    {
      gtk_window_close (GTK_WINDOW (widget));
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

void
lb_close_keys_attach (GtkWindow *window)
{
  g_return_if_fail (GTK_IS_WINDOW (window));
  /* After GtkWindow's own handler: mnemonics, accelerators and the focused
   * control see the key first, so Escape in a search entry stops the
   * search rather than closing the window. */
  g_signal_connect_after (window, "key-press-event", G_CALLBACK (key_pressed), NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vp-control.h"

#include <string.h>
#include <gio/gunixsocketaddress.h>

/* Runs one command line; returns the reply without its newline. */
static char *
run_command (VpRig *rig, const char *line)
{
  g_auto(GStrv) w = g_strsplit_set (line, " \t", 4);
  g_autoptr(GError) error = NULL;
  VpPhone *phone = NULL;
  guint n = g_strv_length (w);
  gboolean ok = FALSE;

  if (n == 0 || *w[0] == '\0')
    return g_strdup ("error: empty command");
  if (g_str_equal (w[0], "list"))
    {
      GString *s = g_string_new ("ok");
      for (guint i = 0; i < rig->phones->len; i++)
        g_string_append_printf (s, " %s", vp_phone_name (rig->phones->pdata[i]));
      return g_string_free (s, FALSE);
    }
  if (g_str_equal (w[0], "stats") && n == 1)
    {
      GString *s = g_string_new ("ok ");
      vp_rig_stats_json (rig, s);
      g_strchomp (s->str);
      return g_string_free (s, FALSE);
    }
  if (n < 2)
    return g_strdup_printf ("error: %s needs a phone name (its serial unless name= gave one)", w[0]);
  phone = vp_rig_find (rig, w[1]);
  if (phone == NULL)
    return g_strdup_printf ("error: no phone named %s", w[1]);
  if (g_str_equal (w[0], "plug"))
    ok = vp_phone_plug (phone, &error);
  else if (g_str_equal (w[0], "unplug"))
    ok = vp_phone_unplug (phone, &error);
  else if (g_str_equal (w[0], "unlock") || g_str_equal (w[0], "lock"))
    ok = vp_phone_set_locked (phone, w[0][0] == 'l', &error);
  else if (g_str_equal (w[0], "fault") && n >= 3)
    ok = vp_phone_set_fault (phone, w[2], n > 3 ? w[3] : "", &error);
  else if (g_str_equal (w[0], "stats"))
    {
      GString *s = g_string_new ("ok ");
      vp_phone_stats_json (phone, s);
      return g_string_free (s, FALSE);
    }
  else
    return g_strdup_printf ("error: unknown command \"%s\" (plug, unplug, lock, unlock, fault, stats, list)", w[0]);
  return ok ? g_strdup ("ok") : g_strdup_printf ("error: %s", error->message);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  VpRig *rig = data;
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  char *line;

  (void) service;
  (void) source;
  /* Commands are short and come at once; a client may send several. */
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL)
    {
      g_autofree char *reply = run_command (rig, g_strstrip (line));
      g_autofree char *msg = g_strconcat (reply, "\n", NULL);
      g_free (line);
      if (!g_output_stream_write_all (out, msg, strlen (msg), NULL, NULL, NULL))
        break;
    }
  return TRUE;
}

GSocketService *
vp_control_start (VpRig *rig, const char *path, GError **error)
{
  GSocketService *service = g_socket_service_new ();
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (path);

  unlink (path);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), addr, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error))
    {
      g_object_unref (service);
      return NULL;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), rig);
  g_socket_service_start (service);
  return service;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vphone-ctl: talks to a running vphone-run through its control socket. */
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

static const char usage[] =
  "Usage: vphone-ctl [--socket PATH] COMMAND [ARGS]\n"
  "\n"
  "Commands (NAME is the phone's name= option, else its serial):\n"
  "  list                     names of the rig's phones\n"
  "  plug NAME                plug the phone in (udev \"add\")\n"
  "  unplug NAME              pull the cable (udev \"remove\"; transfers fail with ENODEV)\n"
  "  unlock NAME              unlock an android-locked phone (its storages appear)\n"
  "  lock NAME                lock the phone (its storages go, with StoreRemoved)\n"
  "  fault NAME KIND [ARG]    busy | device-busy | stall SECONDS | flaky N | vanish PATH |\n"
  "                           disconnect-after-bytes N | store-full-after-bytes N | clear\n"
  "  stats [NAME]             MTP statistics as JSON\n"
  "\n"
  "The socket defaults to $VPHONE_CONTROL, which vphone-run sets for its command.\n";

int
main (int argc, char **argv)
{
  const char *path = g_getenv ("VPHONE_CONTROL");
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  int i = 1;

  if (argc > 2 && strcmp (argv[1], "--socket") == 0)
    {
      path = argv[2];
      i = 3;
    }
  if (i >= argc || strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
    {
      fputs (usage, i >= argc ? stderr : stdout);
      return i >= argc ? 2 : 0;
    }
  if (path == NULL)
    {
      fprintf (stderr, "vphone-ctl: no control socket: run under vphone-run or give --socket\n");
      return 2;
    }
  for (; i < argc; i++)
    g_string_append_printf (line, "%s%s", line->len ? " " : "", argv[i]);
  g_string_append_c (line, '\n');

  addr = g_unix_socket_address_new (path);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &error);
  if (conn == NULL)
    {
      fprintf (stderr, "vphone-ctl: cannot reach the rig at %s: %s\n", path, error->message);
      return 1;
    }
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), line->str, line->len,
                                  NULL, NULL, &error))
    {
      fprintf (stderr, "vphone-ctl: %s\n", error->message);
      return 1;
    }
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  reply = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  if (reply == NULL)
    {
      fprintf (stderr, "vphone-ctl: the rig did not answer%s%s\n", error ? ": " : "", error ? error->message : "");
      return 1;
    }
  if (g_str_has_prefix (reply, "ok"))
    {
      if (reply[2] == ' ')
        printf ("%s\n", reply + 3);
      return 0;
    }
  fprintf (stderr, "vphone-ctl: %s\n", g_str_has_prefix (reply, "error: ") ? reply + 7 : reply);
  return 1;
}

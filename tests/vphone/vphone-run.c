/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vphone-run: serves virtual MTP phones to a command through umockdev.
 *
 * The real libusb and libmtp in COMMAND talk to the phones unchanged:
 * umockdev's preload library hands the usbfs ioctls on /dev/bus/usb/...
 * to this process, which answers them as a phone's USB stack would. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <umockdev.h>

#include "vp-control.h"
#include "vp-phone.h"

#define HOST_ENV "VPHONE_HOST_PRELOADED"

static const char summary[] =
  "Runs COMMAND with one or more virtual MTP phones plugged in.\n"
  "\n"
  "Each --phone is a folder: its top-level sub-folders are the phone's storages\n"
  "(\"Internal shared storage\", \"SD card\"), their files the phone's files, and\n"
  "file modification times the objects' dates. Options follow the folder,\n"
  "separated by commas:\n"
  "  profile=android|android-locked|charge-only|player|player-proplist|hostile\n"
  "          (default android); profile=umtprd is responder=umtprd\n"
  "  serial=S  manufacturer=S  model=S  vid=HEX  pid=HEX\n"
  "  name=S  what vphone-ctl calls the phone (default: its serial; phones\n"
  "          sharing a fake serial need one)\n"
  "  capacity=BYTES (K/M/G suffixes)  tz=ZONE (e.g. Europe/Paris)  plugged=no\n"
  "  responder=umtprd | responder=ffs:COMMAND   (last option: it takes the rest)\n"
  "            the phone is an outside MTP responder (Debian's umtprd) on emulated\n"
  "            FunctionFS endpoints /dev/ffs-mtp[N]/ep0..ep3; see tests/vphone/README\n"
  "  faults: busy  device-busy  stall=SECONDS  flaky=N  vanish=PATH\n"
  "          disconnect-after-bytes=N  store-full-after-bytes=N  keep-partial\n"
  "\n"
  "COMMAND sees the phones through libusb as real USB devices. VPHONE_CONTROL in\n"
  "its environment names the control socket; see vphone-ctl --help.\n"
  "vphone-run exits with COMMAND's exit status.";

typedef struct {
  GMainLoop *loop;
  GPid child;
  int status;
} Run;

static void
preload_self (char **argv)
{
  const char *old = g_getenv ("LD_PRELOAD");
  g_autoptr(GString) pre = g_string_new (NULL);

#ifdef VPHONE_ASAN_RUNTIME
  /* A sanitized program refuses to start unless its runtime comes first. */
  g_string_append (pre, VPHONE_ASAN_RUNTIME ":");
#endif
  g_string_append (pre, UMOCKDEV_PRELOAD_LIB);
  if (old != NULL && *old != '\0')
    g_string_append_printf (pre, ":%s", old);
  g_setenv ("LD_PRELOAD", pre->str, TRUE);
  g_setenv (HOST_ENV, "1", TRUE);
  execv ("/proc/self/exe", argv);
  g_printerr ("vphone-run: cannot restart under umockdev's preload: %s\n", g_strerror (errno));
  exit (125);
}

static void
add_root_hub (UMockdevTestbed *tb)
{
  umockdev_testbed_add_from_string (tb,
      "P: /devices/pci0000:00/0000:00:14.0/usb1\n"
      "N: bus/usb/001/001\n"
      "E: DEVNAME=/dev/bus/usb/001/001\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
      "E: PRODUCT=1d6b/2/515\nE: TYPE=9/0/1\nE: BUSNUM=001\nE: DEVNUM=001\n"
      "E: MAJOR=189\nE: MINOR=0\nE: SUBSYSTEM=usb\n"
      "A: authorized=1\\n\nA: bConfigurationValue=1\\n\nA: bDeviceClass=09\\n\n"
      "A: bDeviceProtocol=01\\n\nA: bDeviceSubClass=00\\n\nA: bMaxPacketSize0=64\\n\n"
      "A: bMaxPower=0mA\\n\nA: bNumConfigurations=1\\n\nA: bNumInterfaces= 1\\n\n"
      "A: bcdDevice=0515\\n\nA: bmAttributes=e0\\n\nA: busnum=1\\n\nA: devnum=1\\n\n"
      "A: devpath=0\\n\nA: idProduct=0002\\n\nA: idVendor=1d6b\\n\nA: maxchild=4\\n\n"
      "A: manufacturer=Linux 6.1.0 xhci-hcd\\n\nA: product=xHCI Host Controller\\n\n"
      "A: serial=0000:00:14.0\\n\nA: speed=480\\n\nA: version= 2.00\\n\n"
      "H: descriptors=12010002090001406b1d020015050302010109021900010100e0000904000001090000000705810304000c\n",
      NULL);
}

static void
child_exited (GPid pid, gint status, gpointer data)
{
  Run *run = data;

  g_spawn_close_pid (pid);
  run->status = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  g_main_loop_quit (run->loop);
}

static gboolean
forward_signal (gpointer data)
{
  Run *run = data;
  kill (run->child, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
write_stats (VpRig *rig, const char *path)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  vp_rig_stats_json (rig, s);
  if (!g_file_set_contents (path, s->str, s->len, &error))
    {
      g_printerr ("vphone-run: cannot write statistics: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *speed = NULL, *stats = NULL, *control = NULL;
  g_auto(GStrv) phones = NULL, command = NULL;
  GOptionEntry entries[] = {
    { "phone", 0, 0, G_OPTION_ARG_STRING_ARRAY, &phones, "A phone: DIR[,option=value...]", "SPEC" },
    { "speed", 0, 0, G_OPTION_ARG_STRING, &speed, "usb2 (about 20 MB/s, 1 ms a transaction) or max (default)", "usb2|max" },
    { "stats", 0, 0, G_OPTION_ARG_FILENAME, &stats, "Write MTP statistics as JSON here at exit", "FILE" },
    { "control", 0, 0, G_OPTION_ARG_FILENAME, &control, "Control socket path (default: inside the testbed)", "SOCKET" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &command, NULL, "-- COMMAND [ARGS...]" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("--phone DIR[,opt=val...] ... -- COMMAND [ARGS...]");
  g_autoptr(GError) error = NULL;
  g_autofree char *sock = NULL;
  g_auto(GStrv) saved_argv = g_strdupv (argv);
  g_autoptr(GSocketService) service = NULL;
  VpRig *rig;
  Run run = { 0 };

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("vphone-run: %s\nTry vphone-run --help.\n", error->message);
      return 125;
    }
  if (phones == NULL || command == NULL || command[0] == NULL)
    {
      g_printerr ("vphone-run: give at least one --phone and a COMMAND after --\nTry vphone-run --help.\n");
      return 125;
    }
  if (speed != NULL && !g_str_equal (speed, "usb2") && !g_str_equal (speed, "max"))
    {
      g_printerr ("vphone-run: --speed is usb2 or max, not \"%s\"\n", speed);
      return 125;
    }
  /* umockdev resolves hot-plug events through libudev, which must see the
   * emulated /sys: the host itself runs under the preload too. */
  if (g_getenv (HOST_ENV) == NULL)
    preload_self (saved_argv);
  g_unsetenv (HOST_ENV);

  rig = vp_rig_new (speed != NULL && g_str_equal (speed, "usb2"));
  rig->testbed = umockdev_testbed_new ();
  add_root_hub (rig->testbed);
  for (guint i = 0; phones[i]; i++)
    {
      VpPhone *p = vp_phone_new (rig, phones[i], i + 1, &error);
      if (p == NULL)
        {
          g_printerr ("vphone-run: %s\n", error->message);
          vp_rig_free (rig);
          return 125;
        }
      if (vp_rig_find (rig, vp_phone_name (p)) != NULL)
        {
          g_printerr ("vphone-run: two phones are called %s; give one name= (or serial=)\n", vp_phone_name (p));
          vp_phone_free (p);
          vp_rig_free (rig);
          return 125;
        }
      g_ptr_array_add (rig->phones, p);
    }
  for (guint i = 0; i < rig->phones->len; i++)
    if (vp_phone_wants_plugged (rig->phones->pdata[i]) && !vp_phone_plug (rig->phones->pdata[i], &error))
      {
        g_printerr ("vphone-run: cannot plug in phone: %s\n", error->message);
        vp_rig_free (rig);
        return 125;
      }

  if (control != NULL)
    sock = g_strdup (control);
  else
    {
      g_autofree char *root = umockdev_testbed_get_root_dir (rig->testbed);
      sock = g_build_filename (root, "vphone-control", NULL);
    }
  service = vp_control_start (rig, sock, &error);
  if (service == NULL)
    {
      g_printerr ("vphone-run: cannot listen on %s: %s\n", sock, error->message);
      vp_rig_free (rig);
      return 125;
    }
  g_setenv ("VPHONE_CONTROL", sock, TRUE);

  if (!g_spawn_async (NULL, command, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                      NULL, NULL, &run.child, &error))
    {
      g_printerr ("vphone-run: cannot run %s: %s\n", command[0], error->message);
      vp_rig_free (rig);
      return 127;
    }
  /* Ctrl-C reaches the command through the terminal; a SIGTERM sent to us
   * is passed on so the command can stop cleanly. */
  signal (SIGINT, SIG_IGN);
  g_unix_signal_add (SIGTERM, forward_signal, &run);
  g_unix_signal_add (SIGHUP, forward_signal, &run);
  run.loop = g_main_loop_new (NULL, FALSE);
  g_child_watch_add (run.child, child_exited, &run);
  g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);

  if (stats != NULL && !write_stats (rig, stats) && run.status == 0)
    run.status = 125;
  vp_rig_wait_clients (rig, 2000);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  unlink (sock);
  vp_rig_free (rig);
  return run.status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vphone-probe: a small libmtp/libusb client for the rig's conformance
 * tests, doing the few things mtp-tools cannot (64-bit partial reads,
 * property writes, events, hot-plug, an idle open device). */
#define _GNU_SOURCE 1   /* strerrorname_np */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libmtp.h>
#include <libusb.h>

static const char usage[] =
  "Usage: vphone-probe COMMAND [ARGS]\n"
  "  usb                      list USB devices as VID:PID CLASS (libusb)\n"
  "  raw                      list MTP devices libmtp detects, as VID:PID\n"
  "  storages                 storages of the first MTP device\n"
  "  wait-store SECONDS [removed]  print the storage count, wait for StoreAdded\n"
  "                           (or StoreRemoved), print the count again\n"
  "  ls                       every object: ID PARENT SIZE FOLDER|FILE NAME (walks folders,\n"
  "                           refusing cycles, escaping control characters)\n"
  "  size ID                  the object's 64-bit size\n"
  "  get ID FILE              fetch a whole object without listing the phone first\n"
  "  time-get ID FILE         the same, printing BYTES SECONDS of the transfer alone\n"
  "  pull-all DIR             list every storage and fetch every file into DIR/ID:\n"
  "                           a plain libmtp loop, the baseline of the backup benchmark\n"
  "  send-tree DIR            send DIR/STORAGE-DESCRIPTION/... onto the phone's storages of\n"
  "                           those names: folders, then LIBMTP_Send_File_From_File per file;\n"
  "                           a plain libmtp loop, the baseline of the restore benchmark\n"
  "  time-small N             N one-transaction reads (battery level): SECONDS per call\n"
  "  read ID OFFSET LENGTH    bytes of an object at a 64-bit offset, to stdout\n"
  "  set-date ID YYYYMMDDThhmmss   set DateModified; exit 3 when the phone refuses\n"
  "  rename ID NAME           set ObjectFileName; exit 3 when the phone refuses\n"
  "  new-playlist NAME ID...  create a playlist of these tracks (player profile)\n"
  "  hotplug SECONDS          print USB arrivals and departures as they happen\n"
  "  idle SECONDS             open the phone, print \"open\", listen for events, do nothing:\n"
  "                           another program holding the phone\n"
  "  claims                   two raw usbfs descriptors of the first phone (no libusb) and\n"
  "                           who may claim and use its interface: one line per step,\n"
  "                           STEP RESULT (ok, ok N, or the errno's name)\n";

/* Results go here; libmtp chatters on stdout, which is sent to stderr. */
static FILE *out;

static LIBMTP_mtpdevice_t *
open_first (void)
{
  LIBMTP_raw_device_t *raw = NULL;
  int n = 0;
  LIBMTP_mtpdevice_t *dev;

  if (LIBMTP_Detect_Raw_Devices (&raw, &n) != LIBMTP_ERROR_NONE || n < 1)
    {
      fprintf (stderr, "vphone-probe: no MTP device\n");
      exit (2);
    }
  dev = LIBMTP_Open_Raw_Device_Uncached (&raw[0]);
  free (raw);
  if (dev == NULL)
    {
      fprintf (stderr, "vphone-probe: cannot open the MTP device\n");
      exit (2);
    }
  return dev;
}

static int
count_storages (LIBMTP_mtpdevice_t *dev)
{
  int n = 0;
  LIBMTP_Get_Storage (dev, LIBMTP_STORAGE_SORTBY_NOTSORTED);
  for (LIBMTP_devicestorage_t *s = dev->storage; s; s = s->next)
    n++;
  return n;
}

static void
print_name (const char *name)
{
  for (const unsigned char *p = (const unsigned char *) name; p && *p; p++)
    if (*p < 0x20 || *p == '\\')
      fprintf (out, "\\x%02x", *p);
    else
      fputc (*p, out);
}

static void
walk (LIBMTP_mtpdevice_t *dev, uint32_t storage, uint32_t parent, GHashTable *seen, int depth)
{
  LIBMTP_file_t *files = LIBMTP_Get_Files_And_Folders (dev, storage, parent);

  for (LIBMTP_file_t *f = files; f; f = f->next)
    {
      gboolean folder = f->filetype == LIBMTP_FILETYPE_FOLDER;
      fprintf (out, "%" PRIu32 " %" PRIu32 " %" PRIu64 " %s ", f->item_id, f->parent_id,
              (uint64_t) f->filesize, folder ? "FOLDER" : "FILE");
      print_name (f->filename);
      fputc ('\n', out);
      /* A hostile phone can list a folder inside itself. */
      if (folder && depth < 5000 && g_hash_table_add (seen, GUINT_TO_POINTER (f->item_id)))
        walk (dev, storage, f->item_id, seen, depth + 1);
    }
  while (files)
    {
      LIBMTP_file_t *next = files->next;
      LIBMTP_destroy_file_t (files);
      files = next;
    }
}

static int
hotplug_cb (libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev, void *data)
{
  struct libusb_device_descriptor d;
  (void) ctx;
  (void) data;
  libusb_get_device_descriptor (dev, &d);
  fprintf (out, "%s %04x:%04x\n", ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? "arrived" : "left",
          d.idVendor, d.idProduct);
  fflush (out);
  return 0;
}

static void
event_cb (int ret, LIBMTP_event_t ev, uint32_t param, void *data)
{
  int *got = data;
  (void) param;
  *got = ret == LIBMTP_HANDLER_RETURN_OK ? (int) ev : -1;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sends the tree below PATH into folder PARENT; FALSE at the first failure. */
static gboolean
send_tree (LIBMTP_mtpdevice_t *dev, uint32_t storage, uint32_t parent, const char *path, guint64 *files)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, names->pdata[i], NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *copy = g_strdup (names->pdata[i]);
          uint32_t id = LIBMTP_Create_Folder (dev, copy, parent, storage);
          if (id == 0 || !send_tree (dev, storage, id, child, files))
            return FALSE;
        }
      else
        {
          LIBMTP_file_t *f = LIBMTP_new_file_t ();
          GStatBuf st;
          int r;
          if (g_stat (child, &st) != 0)
            return FALSE;
          f->filename = strdup (names->pdata[i]);
          f->filesize = (uint64_t) st.st_size;
          f->filetype = LIBMTP_FILETYPE_UNKNOWN;
          f->parent_id = parent;
          f->storage_id = storage;
          r = LIBMTP_Send_File_From_File (dev, child, f, NULL, NULL);
          LIBMTP_destroy_file_t (f);
          if (r != 0)
            return FALSE;
          (*files)++;
        }
    }
  return TRUE;
}

/* Prints STEP and the outcome of an ioctl that returned r. */
static void
step (const char *name, int r)
{
  if (r < 0)
    fprintf (out, "%s %s\n", name, strerrorname_np (errno));
  else if (r > 0)
    fprintf (out, "%s ok %d\n", name, r);
  else
    fprintf (out, "%s ok\n", name);
}

static int
ctrl (int fd, unsigned char type, unsigned char req, unsigned short value, unsigned short index,
      void *data, unsigned short len)
{
  struct usbdevfs_ctrltransfer c = { type, req, value, index, len, 1000, data };
  return ioctl (fd, USBDEVFS_CONTROL, &c);
}

/* Two open files of one phone, as two programs would have them: a and b. */
static int
claims (void)
{
  libusb_context *ctx;
  libusb_device **list;
  char node[64] = "";
  unsigned int zero = 0, one = 1, ep_in = 0x81;
  unsigned char buf[512];
  struct usbdevfs_getdriver gd = { 0 };
  struct usbdevfs_disconnect_claim dc = { 0, USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER, "usbfs" };
  struct usbdevfs_urb urb = { 0 };
  int a, b;
  ssize_t n;

  if (libusb_init (&ctx) != 0)
    return 2;
  n = libusb_get_device_list (ctx, &list);
  if (n > 0)
    g_snprintf (node, sizeof node, "/dev/bus/usb/%03u/%03u", libusb_get_bus_number (list[0]),
                libusb_get_device_address (list[0]));
  libusb_free_device_list (list, 1);
  libusb_exit (ctx);
  a = open (node, O_RDWR);
  b = open (node, O_RDWR);
  if (a < 0 || b < 0)
    {
      fprintf (stderr, "vphone-probe: cannot open %s\n", node);
      return 2;
    }
  step ("a-claim", ioctl (a, USBDEVFS_CLAIMINTERFACE, &zero));
  step ("a-claim-again", ioctl (a, USBDEVFS_CLAIMINTERFACE, &zero));
  step ("b-claim", ioctl (b, USBDEVFS_CLAIMINTERFACE, &zero));
  step ("b-claim-interface-1", ioctl (b, USBDEVFS_CLAIMINTERFACE, &one));
  step ("b-getdriver", ioctl (b, USBDEVFS_GETDRIVER, &gd));
  fprintf (out, "b-driver-name %s\n", gd.driver);
  step ("b-release", ioctl (b, USBDEVFS_RELEASEINTERFACE, &zero));
  step ("b-setconfiguration", ioctl (b, USBDEVFS_SETCONFIGURATION, &one));
  step ("a-setconfiguration", ioctl (a, USBDEVFS_SETCONFIGURATION, &one));
  step ("b-clear-halt", ioctl (b, USBDEVFS_CLEAR_HALT, &ep_in));
  urb.type = USBDEVFS_URB_TYPE_BULK;
  urb.endpoint = 0x81;
  urb.buffer = buf;
  urb.buffer_length = sizeof buf;
  step ("b-submit-bulk", ioctl (b, USBDEVFS_SUBMITURB, &urb));
  step ("b-get-device-descriptor", ctrl (b, 0x80, 6, 0x0100, 0, buf, 18));
  step ("b-get-device-status", ctrl (b, 0xa1, 0x67, 0, 0, buf, 4));
  step ("b-disconnect-claim-except-usbfs", ioctl (b, USBDEVFS_DISCONNECT_CLAIM, &dc));
  step ("b-claim-after-it", ioctl (b, USBDEVFS_CLAIMINTERFACE, &zero));
  step ("a-get-device-status", ctrl (a, 0xa1, 0x67, 0, 0, buf, 4));
  step ("a-release", ioctl (a, USBDEVFS_RELEASEINTERFACE, &zero));
  step ("b-claim-after-release", ioctl (b, USBDEVFS_CLAIMINTERFACE, &zero));
  step ("a-claim-now", ioctl (a, USBDEVFS_CLAIMINTERFACE, &zero));
  close (b);
  step ("a-claim-after-close", ioctl (a, USBDEVFS_CLAIMINTERFACE, &zero));
  close (a);
  return 0;
}

int
main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";

  out = fdopen (dup (STDOUT_FILENO), "w");
  dup2 (STDERR_FILENO, STDOUT_FILENO);

  if (argc < 2 || strcmp (cmd, "--help") == 0)
    {
      fputs (usage, argc < 2 ? stderr : out);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (cmd, "usb") == 0 || strcmp (cmd, "hotplug") == 0)
    {
      libusb_context *ctx;
      if (libusb_init (&ctx) != 0)
        return 2;
      if (cmd[0] == 'u')
        {
          libusb_device **list;
          ssize_t n = libusb_get_device_list (ctx, &list);
          for (ssize_t i = 0; i < n; i++)
            {
              struct libusb_device_descriptor d;
              libusb_get_device_descriptor (list[i], &d);
              fprintf (out, "%04x:%04x %02x\n", d.idVendor, d.idProduct, d.bDeviceClass);
            }
          libusb_free_device_list (list, 1);
        }
      else
        {
          double end = now () + (argc > 2 ? atof (argv[2]) : 5);
          libusb_hotplug_register_callback (ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                                            0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                                            LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb, NULL, NULL);
          fprintf (out, "listening\n");
          fflush (out);
          while (now () < end)
            {
              struct timeval tv = { 0, 100000 };
              libusb_handle_events_timeout_completed (ctx, &tv, NULL);
            }
        }
      libusb_exit (ctx);
      return 0;
    }

  if (strcmp (cmd, "claims") == 0)
    return claims ();

  LIBMTP_Init ();
  if (strcmp (cmd, "raw") == 0)
    {
      LIBMTP_raw_device_t *raw = NULL;
      int n = 0;
      LIBMTP_Detect_Raw_Devices (&raw, &n);
      for (int i = 0; i < n; i++)
        fprintf (out, "%04x:%04x\n", raw[i].device_entry.vendor_id, raw[i].device_entry.product_id);
      free (raw);
      return 0;
    }
  if (strcmp (cmd, "storages") == 0)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      fprintf (out, "%d\n", count_storages (dev));
      for (LIBMTP_devicestorage_t *s = dev->storage; s; s = s->next)
        fprintf (out, "0x%08" PRIx32 " %" PRIu64 " %" PRIu64 " %s\n", s->id, s->MaxCapacity, s->FreeSpaceInBytes,
                s->StorageDescription);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if (strcmp (cmd, "wait-store") == 0 && argc > 2)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      double end = now () + atof (argv[2]);
      int want = argc > 3 && strcmp (argv[3], "removed") == 0 ? LIBMTP_EVENT_STORE_REMOVED : LIBMTP_EVENT_STORE_ADDED;
      int got = 0;
      fprintf (out, "%d\n", count_storages (dev));
      fflush (out);
      while (now () < end && got != want)
        {
          int done = 0;
          got = 0;
          if (LIBMTP_Read_Event_Async (dev, event_cb, &got) != 0)
            break;
          while (!got && now () < end)
            {
              struct timeval tv = { 0, 200000 };
              LIBMTP_Handle_Events_Timeout_Completed (&tv, &done);
            }
        }
      fprintf (out, "%d\n", count_storages (dev));
      LIBMTP_Release_Device (dev);
      return got == want ? 0 : 1;
    }
  if (strcmp (cmd, "idle") == 0 && argc > 2)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      double end = now () + atof (argv[2]);
      int got = 0;
      fprintf (out, "open\n");
      fflush (out);
      LIBMTP_Read_Event_Async (dev, event_cb, &got);
      while (now () < end)
        {
          struct timeval tv = { 0, 200000 };
          int done = 0;
          LIBMTP_Handle_Events_Timeout_Completed (&tv, &done);
        }
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if (strcmp (cmd, "ls") == 0)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      GHashTable *seen = g_hash_table_new (NULL, NULL);
      count_storages (dev);
      for (LIBMTP_devicestorage_t *s = dev->storage; s; s = s->next)
        walk (dev, s->id, LIBMTP_FILES_AND_FOLDERS_ROOT, seen, 0);
      g_hash_table_unref (seen);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if ((strcmp (cmd, "get") == 0 || strcmp (cmd, "time-get") == 0) && argc > 3)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      double t0 = now ();
      int r = LIBMTP_Get_File_To_File (dev, (uint32_t) strtoul (argv[2], NULL, 0), argv[3], NULL, NULL);
      double t1 = now ();
      if (r != 0)
        LIBMTP_Dump_Errorstack (dev);
      else if (cmd[0] == 't')
        {
          GStatBuf sb;
          if (g_stat (argv[3], &sb) == 0)
            fprintf (out, "%lld %.6f\n", (long long) sb.st_size, t1 - t0);
        }
      LIBMTP_Release_Device (dev);
      return r == 0 ? 0 : 1;
    }
  if (strcmp (cmd, "pull-all") == 0 && argc > 2)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      GQueue todo = G_QUEUE_INIT;
      GHashTable *seen = g_hash_table_new (NULL, NULL);
      guint64 files = 0, bytes = 0;
      count_storages (dev);
      for (LIBMTP_devicestorage_t *st = dev->storage; st; st = st->next)
        {
          g_queue_push_tail (&todo, GUINT_TO_POINTER (LIBMTP_FILES_AND_FOLDERS_ROOT));
          while (!g_queue_is_empty (&todo))
            {
              uint32_t parent = GPOINTER_TO_UINT (g_queue_pop_head (&todo));
              LIBMTP_file_t *list = LIBMTP_Get_Files_And_Folders (dev, st->id, parent);
              for (LIBMTP_file_t *f = list; f; f = f->next)
                {
                  if (!g_hash_table_add (seen, GUINT_TO_POINTER (f->item_id)))
                    continue;
                  if (f->filetype == LIBMTP_FILETYPE_FOLDER)
                    g_queue_push_tail (&todo, GUINT_TO_POINTER (f->item_id));
                  else
                    {
                      g_autofree char *path = g_strdup_printf ("%s/%u", argv[2], f->item_id);
                      if (LIBMTP_Get_File_To_File (dev, f->item_id, path, NULL, NULL) != 0)
                        return 1;
                      files++;
                      bytes += f->filesize;
                    }
                }
              while (list)
                {
                  LIBMTP_file_t *next = list->next;
                  LIBMTP_destroy_file_t (list);
                  list = next;
                }
            }
        }
      fprintf (out, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n", files, bytes);
      g_hash_table_unref (seen);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if (strcmp (cmd, "send-tree") == 0 && argc > 2)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      guint64 files = 0;
      count_storages (dev);
      for (LIBMTP_devicestorage_t *st = dev->storage; st; st = st->next)
        {
          g_autofree char *top = g_build_filename (argv[2], st->StorageDescription ? st->StorageDescription : "", NULL);
          if (st->StorageDescription != NULL && g_file_test (top, G_FILE_TEST_IS_DIR) &&
              !send_tree (dev, st->id, LIBMTP_FILES_AND_FOLDERS_ROOT, top, &files))
            {
              LIBMTP_Dump_Errorstack (dev);
              return 1;
            }
        }
      fprintf (out, "%" G_GUINT64_FORMAT "\n", files);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if (strcmp (cmd, "time-small") == 0 && argc > 2)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      int n = atoi (argv[2]);
      uint8_t max, cur;
      double t0 = now ();
      for (int i = 0; i < n; i++)
        if (LIBMTP_Get_Batterylevel (dev, &max, &cur) != 0)
          return 1;
      fprintf (out, "%.6f\n", (now () - t0) / n);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if (strcmp (cmd, "size") == 0 && argc > 2)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      LIBMTP_file_t *f = LIBMTP_Get_Filemetadata (dev, (uint32_t) strtoul (argv[2], NULL, 0));
      if (f == NULL)
        return 1;
      fprintf (out, "%" PRIu64 "\n", (uint64_t) f->filesize);
      LIBMTP_destroy_file_t (f);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if (strcmp (cmd, "read") == 0 && argc > 4)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      unsigned char *data = NULL;
      unsigned int got = 0;
      if (LIBMTP_GetPartialObject (dev, (uint32_t) strtoul (argv[2], NULL, 0), strtoull (argv[3], NULL, 0),
                                   (uint32_t) strtoul (argv[4], NULL, 0), &data, &got) != 0)
        {
          LIBMTP_Dump_Errorstack (dev);
          return 1;
        }
      fwrite (data, 1, got, out);
      free (data);
      LIBMTP_Release_Device (dev);
      return 0;
    }
  if ((strcmp (cmd, "set-date") == 0 || strcmp (cmd, "rename") == 0) && argc > 3)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      uint32_t id = (uint32_t) strtoul (argv[2], NULL, 0);
      int r = cmd[0] == 'r' ? LIBMTP_Set_Object_Filename (dev, id, argv[3])
                            : LIBMTP_Set_Object_String (dev, id, LIBMTP_PROPERTY_DateModified, argv[3]);
      if (r != 0)
        LIBMTP_Clear_Errorstack (dev);
      fprintf (out, "%s\n", r == 0 ? "accepted" : "refused");
      LIBMTP_Release_Device (dev);
      return r == 0 ? 0 : 3;
    }
  if (strcmp (cmd, "new-playlist") == 0 && argc > 3)
    {
      LIBMTP_mtpdevice_t *dev = open_first ();
      LIBMTP_playlist_t *pl = LIBMTP_new_playlist_t ();
      int r;
      pl->name = strdup (argv[2]);
      pl->no_tracks = (uint32_t) (argc - 3);
      pl->tracks = calloc (pl->no_tracks, sizeof (uint32_t));
      for (int i = 3; i < argc; i++)
        pl->tracks[i - 3] = (uint32_t) strtoul (argv[i], NULL, 0);
      r = LIBMTP_Create_New_Playlist (dev, pl);
      if (r != 0)
        LIBMTP_Dump_Errorstack (dev);
      else
        fprintf (out, "%" PRIu32 "\n", pl->playlist_id);
      LIBMTP_destroy_playlist_t (pl);
      LIBMTP_Release_Device (dev);
      return r == 0 ? 0 : 1;
    }
  fputs (usage, stderr);
  return 2;
}

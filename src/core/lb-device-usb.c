/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What only libusb can tell about phones: that another program holds one
 * (libmtp just fails to open it), that a phone maker's device is on the bus
 * without MTP (charging only: libmtp does not list it), and whether a phone
 * is still plugged in after a transfer failed.
 *
 * Each scan of the bus (LbUsbBus) uses its own short-lived libusb context:
 * scans are rare, a fresh context reads the bus as it is now, and no
 * hot-plug thread is left running behind it.  libmtp keeps its own. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libusb.h>

#include "lb-device-private.h"

/* USB vendor ids of phone makers.  A device with one of these ids that
 * libmtp does not list is reported as charging-only: a phone set to
 * "Charging only" (or to PTP, MIDI or tethering), which the user can switch
 * to File transfer.  Names as in libmtp 1.1.20's device list unless noted.
 * Chip makers' ids (Qualcomm 05c6, MediaTek 0e8d) are left out: they also
 * cover modems and development boards. */
static const struct {
  guint16 vendor_id;
  const char *maker;
} phone_makers[] = {
  { 0x18d1, "Google" },
  { 0x04e8, "Samsung" },
  { 0x2717, "Xiaomi / Redmi" },
  { 0x12d1, "Huawei" },
  { 0x2a70, "OnePlus" },
  { 0x22b8, "Motorola" },
  { 0x0fce, "Sony (Sony Ericsson, Sony Mobile)" },
  { 0x1004, "LG Electronics" },
  { 0x0bb4, "HTC" },
  { 0x22d9, "OPPO / realme" },
  { 0x2d95, "vivo" },
  { 0x2e04, "HMD Global (Nokia)" },
  { 0x0421, "Nokia (before HMD)" },
  { 0x0b05, "ASUS" },
  { 0x17ef, "Lenovo" },
  { 0x19d2, "ZTE" },
  { 0x2ae5, "Fairphone" },
  { 0x2a45, "Meizu" },
  { 0x1bbb, "Alcatel / TCL" },
  { 0x04dd, "Sharp" },
  { 0x0482, "Kyocera (Android's list of vendor ids)" },
  { 0x1ebf, "Coolpad" },
  { 0x2970, "Wileyfox / Fly" },
  { 0x2b0e, "LeEco (libmtp: LeMobile / Letv)" },
  { 0x339b, "Honor (not in libmtp 1.1.20's list)" },
};

static gboolean
is_phone_maker (guint16 vendor_id)
{
  for (gsize i = 0; i < G_N_ELEMENTS (phone_makers); i++)
    if (phone_makers[i].vendor_id == vendor_id)
      return TRUE;
  return FALSE;
}

/* Phone makers also make keyboards, docks, disks and headsets (Lenovo,
 * Samsung, ASUS): an interface of one of these classes says it is not a
 * phone.  A phone without data transfer shows none of them. */
static gboolean
is_accessory_class (guint8 klass, guint8 subclass, guint8 protocol)
{
  switch (klass)
    {
    case LIBUSB_CLASS_AUDIO:
    case LIBUSB_CLASS_HID:
    case LIBUSB_CLASS_PRINTER:
    case LIBUSB_CLASS_MASS_STORAGE:
    case LIBUSB_CLASS_HUB:
    case LIBUSB_CLASS_SMART_CARD:
    case LIBUSB_CLASS_VIDEO:
      return TRUE;
    case LIBUSB_CLASS_WIRELESS:
      /* Bluetooth adapters; a tethering phone's RNDIS (e0/01/03) stays. */
      return subclass == 0x01 && protocol == 0x01;
    default:
      return FALSE;
    }
}

static gboolean
looks_like_phone (libusb_device *dev, const struct libusb_device_descriptor *desc)
{
  struct libusb_config_descriptor *config = NULL;
  gboolean phone = TRUE;

  if (!is_phone_maker (desc->idVendor) || desc->bDeviceClass == LIBUSB_CLASS_HUB)
    return FALSE;
  if (libusb_get_active_config_descriptor (dev, &config) != 0
      && libusb_get_config_descriptor (dev, 0, &config) != 0)
    return TRUE;  /* unconfigured: nothing says otherwise */
  for (int i = 0; i < config->bNumInterfaces && phone; i++)
    for (int a = 0; a < config->interface[i].num_altsetting && phone; a++)
      {
        const struct libusb_interface_descriptor *d = &config->interface[i].altsetting[a];
        if (is_accessory_class (d->bInterfaceClass, d->bInterfaceSubClass, d->bInterfaceProtocol))
          phone = FALSE;
      }
  libusb_free_config_descriptor (config);
  return phone;
}

static void
endpoints (const struct libusb_interface_descriptor *d, guint8 *bulk_in, guint8 *bulk_out, guint8 *interrupt_in)
{
  *bulk_in = *bulk_out = *interrupt_in = 0;
  for (int e = 0; e < d->bNumEndpoints; e++)
    {
      guint8 address = d->endpoint[e].bEndpointAddress;
      guint8 type = d->endpoint[e].bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
      gboolean in = (address & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN;

      if (type == LIBUSB_TRANSFER_TYPE_BULK && in && *bulk_in == 0)
        *bulk_in = address;
      else if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && *bulk_out == 0)
        *bulk_out = address;
      else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && *interrupt_in == 0)
        *interrupt_in = address;
    }
}

/* The interface libmtp would claim: the still-image (PTP/MTP) one, else a
 * vendor-specific one with MTP's three endpoints, else the first. */
int
lb_usb_mtp_interface (libusb_device *dev, guint8 *bulk_in, guint8 *bulk_out, guint8 *interrupt_in)
{
  struct libusb_config_descriptor *config = NULL;
  const struct libusb_interface_descriptor *vendor = NULL, *found = NULL;
  int number;

  *bulk_in = *bulk_out = *interrupt_in = 0;
  if (libusb_get_active_config_descriptor (dev, &config) != 0)
    return 0;
  for (int i = 0; i < config->bNumInterfaces && found == NULL; i++)
    {
      const struct libusb_interface_descriptor *d;

      if (config->interface[i].num_altsetting < 1)
        continue;
      d = &config->interface[i].altsetting[0];
      if (d->bInterfaceClass == LIBUSB_CLASS_PTP)
        found = d;
      else if (d->bInterfaceClass == LIBUSB_CLASS_VENDOR_SPEC && d->bNumEndpoints == 3 && vendor == NULL)
        vendor = d;
    }
  if (found == NULL)
    found = vendor != NULL ? vendor : &config->interface[0].altsetting[0];
  number = found->bInterfaceNumber;
  endpoints (found, bulk_in, bulk_out, interrupt_in);
  libusb_free_config_descriptor (config);
  return number;
}

static int
mtp_interface_number (libusb_device *dev)
{
  guint8 bulk_in, bulk_out, interrupt_in;

  return lb_usb_mtp_interface (dev, &bulk_in, &bulk_out, &interrupt_in);
}

char *
lb_usb_string_decode (const guint8 *buf, int len)
{
  gunichar2 units[127];
  glong n_units;

  /* bLength is the phone's word: below 2 it would make n_units -1, which
   * g_utf16_to_utf8 takes as "up to a NUL" in uninitialised units. */
  if (len < 2 || buf[1] != LIBUSB_DT_STRING || buf[0] < 2)
    return NULL;
  len = MIN (len, buf[0]);
  n_units = (len - 2) / 2;
  for (glong i = 0; i < n_units; i++)
    units[i] = (gunichar2) (buf[2 + 2 * i] | buf[3 + 2 * i] << 8);
  while (n_units > 0 && units[n_units - 1] == 0)
    n_units--;
  return g_utf16_to_utf8 (units, n_units, NULL, NULL, NULL);
}

/* A string descriptor as UTF-8 ("" when absent).  Read as UTF-16 rather
 * than with libusb_get_string_descriptor_ascii, which turns every
 * non-ASCII character into '?'. */
static char *
usb_string (libusb_device_handle *handle, guint8 index, guint16 langid)
{
  unsigned char buf[256];
  char *utf8;
  int len;

  if (handle == NULL || index == 0)
    return g_strdup ("");
  len = libusb_get_string_descriptor (handle, index, langid, buf, sizeof buf);
  if (len < 2 || buf[1] != LIBUSB_DT_STRING)
    return g_strdup ("");
  utf8 = lb_usb_string_decode (buf, len);
  if (utf8 == NULL && libusb_get_string_descriptor_ascii (handle, index, buf, sizeof buf) > 0)
    utf8 = g_strdup ((const char *) buf);
  return utf8 != NULL ? g_strstrip (utf8) : g_strdup ("");
}

static guint16
usb_langid (libusb_device_handle *handle)
{
  unsigned char buf[4];

  if (libusb_get_string_descriptor (handle, 0, 0, buf, sizeof buf) >= 4 && buf[1] == LIBUSB_DT_STRING)
    return (guint16) (buf[2] | buf[3] << 8);
  return 0x0409;  /* English (US), what nearly every device offers */
}

/* sysfs keeps the strings the kernel read at enumeration: used when we may
 * not open the device (no udev rule grants access to a charging-only
 * phone). */
static char *
sysfs_string (libusb_device *dev, const char *attribute)
{
  guint8 ports[8];
  int n = libusb_get_port_numbers (dev, ports, sizeof ports);
  g_autoptr(GString) path = g_string_new (NULL);
  char *contents = NULL;

  if (n <= 0)
    return g_strdup ("");
  g_string_printf (path, "/sys/bus/usb/devices/%u-%u", libusb_get_bus_number (dev), ports[0]);
  for (int i = 1; i < n; i++)
    g_string_append_printf (path, ".%u", ports[i]);
  g_string_append_printf (path, "/%s", attribute);
  if (!g_file_get_contents (path->str, &contents, NULL, NULL) || !g_utf8_validate (contents, -1, NULL))
    {
      g_free (contents);
      return g_strdup ("");
    }
  return g_strstrip (contents);
}

static void
replace (char **field, char *value)
{
  g_free (*field);
  *field = value;
}

/* Identity from the device descriptor and its strings.  handle may be NULL. */
static LbDeviceInfo *
info_from_usb (libusb_device *dev, libusb_device_handle *handle, LbDeviceState state)
{
  struct libusb_device_descriptor desc;
  LbDeviceInfo *info = lb_device_info_new ();

  libusb_get_device_descriptor (dev, &desc);
  info->vendor_id = desc.idVendor;
  info->product_id = desc.idProduct;
  info->bus = libusb_get_bus_number (dev);
  info->address = libusb_get_device_address (dev);
  info->state = state;
  if (handle != NULL)
    {
      guint16 langid = usb_langid (handle);

      replace (&info->manufacturer, usb_string (handle, desc.iManufacturer, langid));
      replace (&info->model, usb_string (handle, desc.iProduct, langid));
      replace (&info->serial, usb_string (handle, desc.iSerialNumber, langid));
    }
  else
    {
      replace (&info->manufacturer, sysfs_string (dev, "manufacturer"));
      replace (&info->model, sysfs_string (dev, "product"));
      replace (&info->serial, sysfs_string (dev, "serial"));
    }
  return info;
}

static libusb_context *
usb_context_new (void)
{
  libusb_context *ctx = NULL;
  int r = libusb_init (&ctx);

  if (r != 0)
    {
      g_debug ("libusb_init: %s", libusb_strerror (r));
      return NULL;
    }
  return ctx;
}

struct _LbUsbBus
{
  libusb_context *ctx;
  libusb_device **list;
  ssize_t n;
};

/* The bus as it is now; NULL when libusb cannot read it. */
LbUsbBus *
lb_usb_bus_new (void)
{
  LbUsbBus *bus = g_new0 (LbUsbBus, 1);

  bus->ctx = usb_context_new ();
  if (bus->ctx != NULL)
    bus->n = libusb_get_device_list (bus->ctx, &bus->list);
  if (bus->ctx == NULL || bus->n < 0)
    {
      lb_usb_bus_free (bus);
      return NULL;
    }
  return bus;
}

void
lb_usb_bus_free (LbUsbBus *bus)
{
  if (bus == NULL)
    return;
  if (bus->list != NULL)
    libusb_free_device_list (bus->list, 1);
  if (bus->ctx != NULL)
    libusb_exit (bus->ctx);
  g_free (bus);
}

/* Whether this process has the phone's usbfs node open.  libmtp 1.1.20's
 * LIBMTP_Open_Raw_Device_Uncached keeps its claim when the phone refuses
 * GetDeviceInfo (it frees its USB state without closing the handle), so
 * after one failed open the phone looks claimed by "another program" that
 * is in fact this one; measured on the rig with flaky=2, which made every
 * backup say another program was using the phone.  Only a new connection
 * (a new usbfs node) helps then. */
static gboolean
held_here (guint8 busnum, guint8 address)
{
  char node[64];
  struct stat want;
  gboolean held = FALSE;
  DIR *fds;
  struct dirent *de;

  g_snprintf (node, sizeof node, "/dev/bus/usb/%03u/%03u", busnum, address);
  if (stat (node, &want) != 0 || (fds = opendir ("/proc/self/fd")) == NULL)
    return FALSE;
  while (!held && (de = readdir (fds)) != NULL)
    {
      struct stat sb;
      char *end;
      long fd = strtol (de->d_name, &end, 10);

      if (*end != '\0' || end == de->d_name || fd == dirfd (fds) || fstat ((int) fd, &sb) != 0)
        continue;
      /* The node itself, or (umockdev's stat() calls the plain file behind
       * its nodes a character device) the file it stands for. */
      held = (sb.st_dev == want.st_dev && sb.st_ino == want.st_ino) ||
             (S_ISCHR (want.st_mode) && S_ISCHR (sb.st_mode) && sb.st_rdev == want.st_rdev);
    }
  closedir (fds);
  return held;
}

/* Whether another program holds the phone at busnum/address: claiming its
 * interface fails with LIBUSB_ERROR_BUSY (a claim that works is released at
 * once).  Returns the phone's identity with state BUSY, or NULL.
 *
 * Asked before libmtp opens a phone, not only after: libmtp 1.1.20 leaks
 * its libusb handle when its own claim fails, and that handle stays open
 * for the life of the process.  A claim this process holds is not another
 * program's (see held_here): NULL then, and the open that follows fails as
 * a phone that does not answer. */
LbDeviceInfo *
lb_usb_bus_probe_busy (LbUsbBus *bus, guint8 busnum, guint8 address)
{
  LbDeviceInfo *info = NULL;

  if (bus == NULL || held_here (busnum, address))
    return NULL;
  for (ssize_t i = 0; i < bus->n; i++)
    {
      libusb_device_handle *handle = NULL;
      int number, r;

      if (libusb_get_bus_number (bus->list[i]) != busnum || libusb_get_device_address (bus->list[i]) != address)
        continue;
      if (libusb_open (bus->list[i], &handle) != 0)
        break;
      number = mtp_interface_number (bus->list[i]);
      r = libusb_claim_interface (handle, number);
      if (r == 0)
        libusb_release_interface (handle, number);
      else if (r == LIBUSB_ERROR_BUSY)
        info = info_from_usb (bus->list[i], handle, LB_DEVICE_BUSY);
      libusb_close (handle);
      break;
    }
  return info;
}

static gboolean
already_listed (GPtrArray *infos, guint8 busnum, guint8 address)
{
  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];
      if (info->bus == busnum && info->address == address)
        return TRUE;
    }
  return FALSE;
}

/* Adds phone makers' devices that are not in infos yet as charging-only. */
void
lb_usb_bus_add_charging_only (LbUsbBus *bus, GPtrArray *infos)
{
  if (bus == NULL)
    return;
  for (ssize_t i = 0; i < bus->n; i++)
    {
      libusb_device *dev = bus->list[i];
      struct libusb_device_descriptor desc;
      libusb_device_handle *handle = NULL;

      if (libusb_get_device_descriptor (dev, &desc) != 0
          || already_listed (infos, libusb_get_bus_number (dev), libusb_get_device_address (dev))
          || !looks_like_phone (dev, &desc))
        continue;
      /* Opening without claiming disturbs nothing, not even another
       * program that holds the device. */
      if (libusb_open (dev, &handle) != 0)
        handle = NULL;
      g_ptr_array_add (infos, info_from_usb (dev, handle, LB_DEVICE_CHARGING_ONLY));
      if (handle != NULL)
        libusb_close (handle);
    }
}

/* The serial the kernel read from the USB descriptor of the device at
 * busnum/address ("" if none): known without opening the device. */
char *
lb_usb_bus_serial (LbUsbBus *bus, guint8 busnum, guint8 address)
{
  for (ssize_t i = 0; bus != NULL && i < bus->n; i++)
    if (libusb_get_bus_number (bus->list[i]) == busnum && libusb_get_device_address (bus->list[i]) == address)
      return sysfs_string (bus->list[i], "serial");
  return g_strdup ("");
}

/* Asks the device itself (GET_STATUS on endpoint 0): only a device that is
 * gone answers LIBUSB_ERROR_NO_DEVICE.  Its sysfs entry can outlive it for
 * a moment, so being listed is not enough. */
static gboolean
answers (libusb_device *dev)
{
  libusb_device_handle *handle = NULL;
  unsigned char status[2];
  int r = libusb_open (dev, &handle);

  if (r != 0)
    return r != LIBUSB_ERROR_NO_DEVICE && r != LIBUSB_ERROR_NOT_FOUND;
  r = libusb_control_transfer (handle, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_STANDARD | LIBUSB_RECIPIENT_DEVICE,
                               LIBUSB_REQUEST_GET_STATUS, 0, 0, status, sizeof status, 1000);
  libusb_close (handle);
  return r != LIBUSB_ERROR_NO_DEVICE;
}

/* Whether the device at busnum/address is still there and the same device.
 * A replugged phone gets a new address: its old MTP session is gone too.
 * When the bus cannot be read, says TRUE: "disconnected" must not be a
 * guess. */
gboolean
lb_usb_is_present (guint8 busnum, guint8 address, guint16 vendor_id, guint16 product_id)
{
  LbUsbBus *bus = lb_usb_bus_new ();
  gboolean present = lb_usb_bus_is_present (bus, busnum, address, vendor_id, product_id);

  lb_usb_bus_free (bus);
  return present;
}

/* The same on a listing taken earlier: a device gone since is still in
 * the list, and answers() is what tells. */
gboolean
lb_usb_bus_is_present (LbUsbBus *bus, guint8 busnum, guint8 address, guint16 vendor_id, guint16 product_id)
{
  gboolean present = bus == NULL;

  for (ssize_t i = 0; bus != NULL && i < bus->n; i++)
    {
      struct libusb_device_descriptor desc;

      if (libusb_get_bus_number (bus->list[i]) == busnum
          && libusb_get_device_address (bus->list[i]) == address
          && libusb_get_device_descriptor (bus->list[i], &desc) == 0
          && desc.idVendor == vendor_id && desc.idProduct == product_id)
        {
          present = answers (bus->list[i]);
          break;
        }
    }
  return present;
}

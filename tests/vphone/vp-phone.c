/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "vp-phone.h"
#include "vp-ffs.h"
#include "vp-pack.h"
#include "vp-ptp.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/usbdevice_fs.h>
#include <glib/gstdio.h>

/* A USB 2.0 phone moves about 20 MB/s and answers each transaction after
 * about a millisecond. */
#define USB2_BYTES_PER_SEC 20000000
#define USB2_LATENCY_USEC 1000
#define USB2_CREDIT_USEC 5000
#define USB2_BURST_USEC 4000
/* A reap with nothing to give waits this long before saying EAGAIN, so an
 * idle client neither spins nor misses a completion. */
#define REAP_WAIT_USEC (100 * 1000)

#define EP_BULK_IN 0x81
#define EP_BULK_OUT 0x02
#define EP_INT_IN 0x83

typedef struct _Client Client;

/* The rig's end of a client's umockdev socket. */
typedef struct {
  int fd;
  ino_t ino;
} Socket;

/* A claim that met another client's: umockdev learns of a closed file on
 * its own time, so the answer waits until it has had the chance. */
typedef struct {
  UMockdevIoctlClient *ioc;
  UMockdevIoctlBase *handler;
} ClaimWait;

/* umockdev notices a closed descriptor within a main-loop turn or two. */
#define CLAIM_WAIT_USEC (20 * 1000)

typedef struct {
  UMockdevIoctlData *urb_data;
  UMockdevIoctlData *buffer;
  Client *client;
  gint64 due;
  gsize filled;              /* bulk IN from a FunctionFS responder: bytes so far */
} Urb;

struct _Client {
  VpPhone *phone;
  UMockdevIoctlClient *client;
  GQueue done;               /* Urb* ready to reap */
  UMockdevIoctlClient *waiting; /* a reap held open */
  GSource *wait_timer;
  gboolean vanished;
  gboolean just_reaped;         /* the last ioctl reaped a URB */
  gboolean in_halted;           /* a short SHORT_NOT_OK URB stopped bulk IN */
};

struct _VpPhone {
  VpRig *rig;
  char *dir;
  VpProfile profile;
  char *serial;
  char *name;               /* what vphone-ctl calls it: name=, else the serial */
  char *manufacturer;
  char *model;
  guint16 vid, pid;
  guint64 capacity;
  GTimeZone *tz;
  gboolean start_plugged;
  gboolean busy;             /* a program outside the rig (GVfs) holds the interface */
  guint port;

  VpStore *store;
  VpMtp *mtp;
  VpStats stats;
  VpFaults faults;

  /* present on the bus */
  gboolean plugged;
  guint generation;          /* bumps on every plug: old handles go stale */
  guint devnum;
  char *syspath;
  char *devnode;
  UMockdevIoctlBase *handler;
  GHashTable *clients;       /* UMockdevIoctlClient* -> Client* */
  GHashTable *sockets;       /* UMockdevIoctlClient* -> Socket*, as they connect */
  Client *claimant;          /* the open file holding interface 0, or NULL */
  GQueue claim_waits;        /* ClaimWait*: claims answered a moment later */
  GSource *claim_timer;
  GQueue in_urbs;            /* bulk IN URBs waiting for data */
  GQueue int_urbs;           /* interrupt URBs waiting for events */
  GQueue delayed;            /* Urb* completing later, in due order */
  GSource *delay_timer;
  gint64 bus_free_at;
  GPtrArray *old_handlers;   /* handlers of earlier plugs, answering ENODEV */

  /* responder=ffs:CMD: an outside device-side MTP stack behind emulated
   * FunctionFS files (vp-ffs.c) instead of vp-mtp.c */
  char **ffs_argv;
  VpFfs *ffs;
  gboolean ffs_rebind;       /* the function closed while plugged: plug it back when ready */
  /* The rig counts an outside responder's traffic from the host's side of
   * the cable: the containers passing each way (see walk_containers). */
  struct ContainerWalk { guint64 left; gboolean to_end, is_data; } ffs_out_walk, ffs_in_walk;
};

static const char *profile_names[] = { "android", "android-locked", "charge-only", "player", "hostile", "player-proplist" };

/* ---- timers on the rig's context -------------------------------------- */

static gboolean
timer_dispatch (GSource *source, GSourceFunc cb, gpointer data)
{
  g_source_set_ready_time (source, -1);
  return cb (data);
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL, NULL, NULL };

static GSource *
timer_new (VpRig *rig, GSourceFunc cb, gpointer data)
{
  GSource *s = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (s, cb, data, NULL);
  g_source_set_ready_time (s, -1);
  g_source_attach (s, rig->context);
  return s;
}

/* ---- URB bookkeeping ----------------------------------------------------- */

static void
urb_free (Urb *u)
{
  g_clear_object (&u->urb_data);
  g_clear_object (&u->buffer);
  g_free (u);
}

static struct usbdevfs_urb *
urb_of (Urb *u)
{
  return (struct usbdevfs_urb *) u->urb_data->data;
}

static void
hand_back (Client *c, Urb *u, UMockdevIoctlClient *ioc)
{
  g_autoptr(UMockdevIoctlData) ptr = NULL;
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);

  ptr = umockdev_ioctl_data_resolve (arg, 0, sizeof (gpointer), NULL);
  if (ptr == NULL)
    /* The client's memory cannot be reached: it is gone. */
    umockdev_ioctl_client_complete (ioc, -1, EFAULT);
  else
    {
      umockdev_ioctl_data_set_ptr (ptr, 0, u->urb_data);
      umockdev_ioctl_client_complete (ioc, 0, 0);
    }
  (void) c;
  urb_free (u);
}

static void
client_deliver (Client *c)
{
  if (c->waiting != NULL && !g_queue_is_empty (&c->done))
    {
      UMockdevIoctlClient *ioc = g_steal_pointer (&c->waiting);
      g_source_set_ready_time (c->wait_timer, -1);
      hand_back (c, g_queue_pop_head (&c->done), ioc);
      c->just_reaped = TRUE;
      g_object_unref (ioc);
    }
}

static void
complete_now (Urb *u, int status, gsize actual)
{
  struct usbdevfs_urb *urb = urb_of (u);

  urb->status = status;
  urb->actual_length = (int) actual;
  if (u->client->vanished)
    {
      urb_free (u);
      return;
    }
  g_queue_push_tail (&u->client->done, u);
  client_deliver (u->client);
}

static gboolean delay_fire (gpointer data);

/* Completes a URB once the emulated bus has carried its bytes. */
static void
complete_paced (VpPhone *p, Urb *u, int status, gsize actual, gint64 not_before)
{
  gint64 now = g_get_monotonic_time ();
  gint64 due = MAX (now, not_before);

  if (p->rig->usb2 && actual > 0)
    {
      gint64 start;
      /* The bus keeps a few milliseconds of credit, so the emulation's own
       * per-URB overhead does not come on top of the paced time. */
      p->bus_free_at = MAX (p->bus_free_at, now - USB2_CREDIT_USEC);
      start = MAX (not_before, p->bus_free_at);
      p->bus_free_at = start + (gint64) actual * G_USEC_PER_SEC / USB2_BYTES_PER_SEC;
      due = MAX (due, p->bus_free_at);
    }
  urb_of (u)->status = status;
  urb_of (u)->actual_length = (int) actual;
  /* Keep completions in order: never overtake one still in flight.  A
   * main-loop timer wakes a millisecond late at best, so the bus may run a
   * few milliseconds ahead before a URB is held back; the average rate is
   * what the cap is about. */
  if (not_before <= now && due <= now + USB2_BURST_USEC && g_queue_is_empty (&p->delayed))
    {
      complete_now (u, status, actual);
      return;
    }
  if (!g_queue_is_empty (&p->delayed))
    due = MAX (due, ((Urb *) g_queue_peek_tail (&p->delayed))->due);
  u->due = due;
  g_queue_push_tail (&p->delayed, u);
  if (p->delay_timer == NULL)
    p->delay_timer = timer_new (p->rig, delay_fire, p);
  g_source_set_ready_time (p->delay_timer, ((Urb *) g_queue_peek_head (&p->delayed))->due);
}

static gboolean
delay_fire (gpointer data)
{
  VpPhone *p = data;
  gint64 now;

  g_mutex_lock (&p->rig->lock);
  now = g_get_monotonic_time ();
  while (!g_queue_is_empty (&p->delayed) && ((Urb *) g_queue_peek_head (&p->delayed))->due <= now)
    {
      Urb *u = g_queue_pop_head (&p->delayed);
      complete_now (u, urb_of (u)->status, (gsize) urb_of (u)->actual_length);
    }
  if (!g_queue_is_empty (&p->delayed))
    g_source_set_ready_time (p->delay_timer, ((Urb *) g_queue_peek_head (&p->delayed))->due);
  g_mutex_unlock (&p->rig->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean unplug_idle (gpointer data);

static void
halt_bulk_in (VpPhone *p, Client *c)
{
  GList *l = p->in_urbs.head;

  c->in_halted = TRUE;
  while (l != NULL)
    {
      GList *next = l->next;
      Urb *u = l->data;
      if (u->client == c && (urb_of (u)->flags & USBDEVFS_URB_BULK_CONTINUATION))
        {
          g_queue_delete_link (&p->in_urbs, l);
          complete_now (u, -ECONNRESET, 0);
        }
      l = next;
    }
}

/* Follows the MTP containers in a bulk stream, URB by URB, for a phone
 * whose responder the rig does not run: counts each command container as
 * an operation and returns the data-phase payload bytes in these `len`.
 * A container ends at its length, or at the transfer's short packet when
 * the length is 0xFFFFFFFF (a 4 GiB+ object) or the header was cut. */
static guint64
walk_containers (VpPhone *p, struct ContainerWalk *w, const guint8 *d, gsize len, gboolean transfer_end)
{
  guint64 payload = 0;
  gsize pos = 0;

  while (pos < len)
    {
      gsize take;
      if (w->left == 0 && !w->to_end)
        {
          guint32 clen;
          guint16 type;
          if (len - pos < 12)
            {
              w->to_end = TRUE;
              w->is_data = FALSE;
              continue;
            }
          clen = vp_le32 (d + pos);
          type = vp_le16 (d + pos + 4);
          if (type == 1)
            {
              const char *name = vp_mtp_operation_name (vp_le16 (d + pos + 6));
              g_autofree char *unknown = name == NULL ? g_strdup_printf ("0x%04X", vp_le16 (d + pos + 6)) : NULL;
              gpointer n = g_hash_table_lookup (p->stats.operations, name != NULL ? name : unknown);
              g_hash_table_insert (p->stats.operations, g_strdup (name != NULL ? name : unknown),
                                   GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
              p->stats.transactions++;
            }
          w->is_data = type == 2;
          w->to_end = clen == 0xFFFFFFFFu || clen < 12;
          w->left = w->to_end ? 0 : clen - 12;
          pos += 12;
          continue;
        }
      take = w->to_end ? len - pos : (gsize) MIN (w->left, (guint64) (len - pos));
      if (w->is_data)
        payload += take;
      if (!w->to_end)
        w->left -= take;
      pos += take;
    }
  if (transfer_end)
    {
      w->left = 0;
      w->to_end = FALSE;
    }
  return payload;
}

static void
serve_in (VpPhone *p)
{
  while (!g_queue_is_empty (&p->in_urbs) && (p->ffs != NULL || vp_mtp_in_ready (p->mtp)))
    {
      Urb *u = g_queue_peek_head (&p->in_urbs);
      gint64 not_before = 0;
      /* A zero-length URB (how a host reads a ZLP) has no buffer to
       * resolve; found by the unplug sweep in tests/cli/test-faults.sh. */
      static guint8 no_buffer[1];
      guint8 *data = u->buffer != NULL ? (guint8 *) u->buffer->data : no_buffer;
      gssize n = p->ffs != NULL
        ? vp_ffs_in (p->ffs, data, (gsize) urb_of (u)->buffer_length, &u->filled)
        : vp_mtp_in (p->mtp, data, urb_of (u)->buffer_length, &not_before);

      if (n < 0)
        break;
      g_queue_pop_head (&p->in_urbs);
      if (p->ffs != NULL)
        {
          p->stats.bytes_to_host += walk_containers (p, &p->ffs_in_walk, data, (gsize) n,
                                                     (gsize) n < (gsize) urb_of (u)->buffer_length || n % 512 != 0);
          /* The rig's own disconnect fault, at the end of the URB that
           * reaches the byte count (vp-mtp.c cuts the URB at it). */
          if (p->faults.disconnect_after >= 0 && p->stats.bytes_to_host >= (guint64) p->faults.disconnect_after)
            {
              p->faults.disconnect_after = -1;
              g_main_context_invoke (p->rig->context, unplug_idle, p);
            }
        }
      if ((gsize) n < (gsize) urb_of (u)->buffer_length && (urb_of (u)->flags & USBDEVFS_URB_SHORT_NOT_OK))
        {
          /* libusb splits a big read into URBs, all but the last
           * SHORT_NOT_OK and the later ones BULK_CONTINUATION.  A short
           * packet in one of them fails it with -EREMOTEIO, and the kernel
           * unlinks the continuation URBs queued behind it before they can
           * take the next container (devio.c async_completed(),
           * cancel_bulk_urbs()); later continuations are refused until a
           * new transfer starts (proc_do_submiturb()). */
          complete_paced (p, u, -EREMOTEIO, (gsize) n, not_before);
          halt_bulk_in (p, u->client);
        }
      else
        complete_paced (p, u, 0, (gsize) n, not_before);
      if (p->ffs == NULL && vp_mtp_wants_disconnect (p->mtp))
        {
          /* The cable comes out right after these bytes. */
          g_main_context_invoke (p->rig->context, unplug_idle, p);
          break;
        }
    }
  while (!g_queue_is_empty (&p->int_urbs))
    {
      Urb *u = g_queue_peek_head (&p->int_urbs);
      g_autoptr(GBytes) ev = p->ffs != NULL ? vp_ffs_next_event (p->ffs) : vp_mtp_next_event (p->mtp);
      gsize len;
      const guint8 *d;

      if (ev == NULL)
        break;
      g_queue_pop_head (&p->int_urbs);
      d = g_bytes_get_data (ev, &len);
      len = MIN (len, (gsize) urb_of (u)->buffer_length);
      if (len > 0)
        memcpy (u->buffer->data, d, len);
      complete_now (u, 0, len);
    }
}

/* ---- a FunctionFS responder ---------------------------------------------- */

/* responder=umtprd: a umtprd.conf serving the phone folder's storages under
 * the phone's identity, endpoints in `dir`, as Debian's /etc/umtprd does. */
static char **
umtprd_argv (VpPhone *p, const char *dir, GError **error)
{
  g_autofree char *root = umockdev_testbed_get_root_dir (p->rig->testbed);
  g_autofree char *name = g_strdup_printf ("umtprd-%u.conf", p->port);
  g_autofree char *conf = g_build_filename (root, name, NULL);
  g_autoptr(GString) c = g_string_new ("loop_on_disconnect 1\n");
  char **argv;

  for (guint i = 0; i < vp_store_n_storages (p->store); i++)
    {
      VpStorage *st = vp_store_storage_at (p->store, i);
      if (strchr (st->path, '"') || strchr (st->description, '"'))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "umtprd.conf cannot name a storage with a double quote: %s", st->path);
          return NULL;
        }
      g_string_append_printf (c, "storage \"%s\" \"%s\" \"rw\"\n", st->path, st->description);
    }
  g_string_append_printf (c,
      "manufacturer \"%s\"\nproduct \"%s\"\nserial \"%s\"\nfirmware_version \"1.0\"\n"
      "interface \"MTP\"\nusb_vendor_id 0x%04X\nusb_product_id 0x%04X\n"
      "usb_class 0x6\nusb_subclass 0x1\nusb_protocol 0x1\nusb_dev_version 0x0404\n"
      "usb_functionfs_mode 0x1\nusb_dev_path \"%s/ep0\"\nusb_epin_path \"%s/ep1\"\n"
      "usb_epout_path \"%s/ep2\"\nusb_epint_path \"%s/ep3\"\nusb_max_packet_size 0x200\n",
      p->manufacturer, p->model, p->serial, p->vid, p->pid, dir, dir, dir, dir);
  if (!g_file_set_contents (conf, c->str, (gssize) c->len, error))
    return NULL;
  argv = g_new0 (char *, 4);
  argv[0] = g_strdup ("umtprd");
  argv[1] = g_strdup ("-conf");
  argv[2] = g_strdup (conf);
  return argv;
}

/* ---- a FunctionFS responder's hooks (rig lock held) --------------------- */

static void
ffs_kick (gpointer data)
{
  VpPhone *p = data;
  if (p->plugged)
    serve_in (p);
}

/* A class request handed to the function: from a control URB, or from a
 * synchronous USBDEVFS_CONTROL whose ioctl waits for the answer (data holds
 * its data stage, where the answer goes). */
typedef struct {
  Urb *u;
  UMockdevIoctlClient *ioc;
  UMockdevIoctlData *data;
} FfsCtl;

static gpointer
ffs_ctl_new (Urb *u, UMockdevIoctlClient *ioc, UMockdevIoctlData *data)
{
  FfsCtl *t = g_new0 (FfsCtl, 1);
  t->u = u;
  t->ioc = ioc != NULL ? g_object_ref (ioc) : NULL;
  t->data = data != NULL ? g_object_ref (data) : NULL;
  return t;
}

static void
ffs_control_done (gpointer data, gpointer token, int status, gsize actual)
{
  FfsCtl *t = token;

  (void) data;
  if (t->u != NULL)
    complete_now (t->u, status, status == 0 ? actual : 0);
  else
    {
      /* proc_control(): a stall is EPIPE, else the bytes moved. */
      if (status != 0)
        umockdev_ioctl_client_complete (t->ioc, -1, -status);
      else
        umockdev_ioctl_client_complete (t->ioc, (glong) actual, 0);
      g_object_unref (t->ioc);
      g_clear_object (&t->data);
    }
  g_free (t);
}

static void
ffs_out_done (gpointer data, gpointer token, int status, gsize actual)
{
  if (status == 0)
    complete_paced (data, token, 0, actual, 0);
  else
    complete_now (token, status, actual);
}

static gboolean
ffs_unplug_idle (gpointer data)
{
  VpPhone *p = data;
  if (p->plugged)
    vp_phone_unplug (p, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
ffs_plug_idle (gpointer data)
{
  VpPhone *p = data;
  if (!p->plugged && p->ffs_rebind)
    vp_phone_plug (p, NULL);
  return G_SOURCE_REMOVE;
}

/* Later, from the main loop: the lock is held here. */
static void
ffs_defer (VpPhone *p, GSourceFunc fn)
{
  GSource *s = g_idle_source_new ();
  g_source_set_callback (s, fn, p, NULL);
  g_source_attach (s, p->rig->context);
  g_source_unref (s);
}

static void
ffs_closed (gpointer data)
{
  VpPhone *p = data;
  /* configfs unbinds the gadget from the UDC when the FunctionFS instance
   * closes: the host sees an unplug.  It comes back with new descriptors. */
  p->ffs_rebind = p->plugged;
  if (p->plugged)
    ffs_defer (p, ffs_unplug_idle);
}

static void
ffs_ready (gpointer data)
{
  VpPhone *p = data;
  if (p->ffs_rebind)
    ffs_defer (p, ffs_plug_idle);
}

/* ---- descriptors ------------------------------------------------------ */

static gboolean
is_mtp (VpPhone *p)
{
  return p->profile != VP_PROFILE_CHARGE_ONLY;
}

static const char *
interface_string (VpPhone *p)
{
  return is_mtp (p) ? "MTP" : "ADB Interface";
}

static GByteArray *
config_descriptor (VpPhone *p)
{
  GByteArray *b = g_byte_array_new ();
  guint8 cfg[] = { 9, 2, 0, 0, 1, 1, 0, 0x80, 250 };
  guint8 mtp_if[] = { 9, 4, 0, 0, 3, 6, 1, 1, 4 };
  guint8 adb_if[] = { 9, 4, 0, 0, 2, 0xff, 0x42, 1, 4 };
  guint8 ep_in[] = { 7, 5, EP_BULK_IN, 2, 0x00, 0x02, 0 };
  guint8 ep_out[] = { 7, 5, EP_BULK_OUT, 2, 0x00, 0x02, 0 };
  guint8 ep_int[] = { 7, 5, EP_INT_IN, 3, 0x1c, 0x00, 6 };

  g_byte_array_append (b, cfg, sizeof cfg);
  if (p->ffs != NULL)
    vp_ffs_append_descriptors (p->ffs, b, 4);
  else if (is_mtp (p))
    {
      g_byte_array_append (b, mtp_if, sizeof mtp_if);
      g_byte_array_append (b, ep_in, sizeof ep_in);
      g_byte_array_append (b, ep_out, sizeof ep_out);
      g_byte_array_append (b, ep_int, sizeof ep_int);
    }
  else
    {
      g_byte_array_append (b, adb_if, sizeof adb_if);
      g_byte_array_append (b, ep_in, sizeof ep_in);
      g_byte_array_append (b, ep_out, sizeof ep_out);
    }
  b->data[2] = b->len & 0xff;
  b->data[3] = b->len >> 8;
  return b;
}

static GByteArray *
device_descriptor (VpPhone *p)
{
  guint8 d[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 64,
                   p->vid & 0xff, p->vid >> 8, p->pid & 0xff, p->pid >> 8,
                   0x04, 0x04, 1, 2, 3, 1 };
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, d, sizeof d);
  return b;
}

static GByteArray *
string_descriptor (VpPhone *p, guint index)
{
  GByteArray *b = g_byte_array_new ();
  const char *s = NULL;
  glong n = 0;
  g_autofree gunichar2 *u = NULL;

  switch (index)
    {
    case 0:
      g_byte_array_append (b, (guint8[]) { 4, 3, 0x09, 0x04 }, 4);
      return b;
    case 1: s = p->manufacturer; break;
    case 2: s = p->model; break;
    case 3: s = p->serial; break;
    case 4: s = p->ffs != NULL ? vp_ffs_string (p->ffs, 1) : interface_string (p); break;
    case 0xEE:
      /* umtprd writes no Microsoft OS descriptors (FUNCTIONFS_HAS_MS_OS_DESC). */
      if (!is_mtp (p) || p->ffs != NULL)
        break;
      /* Microsoft OS string descriptor "MSFT100", vendor code 1. */
      s = "MSFT100";
      break;
    default:
      break;
    }
  if (s == NULL)
    {
      g_byte_array_unref (b);
      return NULL;
    }
  u = g_utf8_to_utf16 (s, -1, NULL, &n, NULL);
  vp_put_u8 (b, (guint8) (2 + 2 * n + (index == 0xEE ? 2 : 0)));
  vp_put_u8 (b, 3);
  for (glong i = 0; i < n; i++)
    vp_put_u16 (b, u[i]);
  if (index == 0xEE)
    {
      vp_put_u8 (b, 1);
      vp_put_u8 (b, 0);
    }
  return b;
}

/* Handles a control transfer; returns the reply or NULL to stall. */
static GByteArray *
control (VpPhone *p, const guint8 *setup, const guint8 *data, gsize data_len, gboolean *ok)
{
  guint8 type = setup[0], req = setup[1];
  guint16 value = vp_le16 (setup + 2), index = vp_le16 (setup + 4);
  GByteArray *b;

  *ok = TRUE;
  (void) data;
  (void) data_len;
  if (type == 0x80 && req == 6)
    {
      switch (value >> 8)
        {
        case 1: return device_descriptor (p);
        case 2: return config_descriptor (p);
        case 3:
          b = string_descriptor (p, value & 0xff);
          *ok = b != NULL;
          return b;
        default:
          *ok = FALSE;
          return NULL;
        }
    }
  if ((type == 0x80 || type == 0x81 || type == 0x82) && req == 0)
    {
      b = g_byte_array_new ();
      g_byte_array_append (b, (guint8[]) { 0, 0 }, 2);
      return b;
    }
  if (type == 0x02 && req == 1)   /* CLEAR_FEATURE(ENDPOINT_HALT) */
    return g_byte_array_new ();
  if (is_mtp (p) && p->ffs == NULL && (type & 0x80) && (type & 0x60) == 0x40 && req == 1 && (index == 4 || index == 5))
    {
      /* Microsoft's extended compat ID descriptor names the function MTP. */
      b = g_byte_array_new ();
      vp_put_u32 (b, 40);
      vp_put_u16 (b, 0x0100);
      vp_put_u16 (b, 4);
      vp_put_u8 (b, 1);
      for (int i = 0; i < 7; i++)
        vp_put_u8 (b, 0);
      vp_put_u8 (b, 0);
      vp_put_u8 (b, 1);
      g_byte_array_append (b, (const guint8 *) "MTP\0\0\0\0\0", 8);
      for (int i = 0; i < 8; i++)
        vp_put_u8 (b, 0);
      for (int i = 0; i < 6; i++)
        vp_put_u8 (b, 0);
      return b;
    }
  if (is_mtp (p) && type == 0x21 && req == 0x64)   /* Cancel Request */
    {
      vp_mtp_cancel (p->mtp);
      return g_byte_array_new ();
    }
  if (is_mtp (p) && type == 0x21 && req == 0x66)   /* Device Reset */
    {
      vp_mtp_reset (p->mtp);
      return g_byte_array_new ();
    }
  if (is_mtp (p) && type == 0xA1 && req == 0x67)   /* Get Device Status */
    {
      b = g_byte_array_new ();
      vp_put_u16 (b, 4);
      vp_put_u16 (b, vp_mtp_status (p->mtp));
      return b;
    }
  *ok = FALSE;
  return NULL;
}

/* ---- ioctls ------------------------------------------------------------ */

static guint sweep_clients_locked (VpPhone *p);

static Client *
client_for (VpPhone *p, UMockdevIoctlClient *ioc)
{
  Client *c = g_hash_table_lookup (p->clients, ioc);

  if (c == NULL)
    {
      /* A newcomer must not be handed data meant for a client that died
       * with URBs still queued. */
      sweep_clients_locked (p);
      c = g_new0 (Client, 1);
      c->phone = p;
      c->client = g_object_ref (ioc);
      g_queue_init (&c->done);
      g_hash_table_insert (p->clients, ioc, c);
    }
  return c;
}

static gboolean
reap_timeout (gpointer data)
{
  Client *c = data;
  VpRig *rig = c->phone->rig;

  g_mutex_lock (&rig->lock);
  if (c->waiting != NULL)
    {
      UMockdevIoctlClient *ioc = g_steal_pointer (&c->waiting);
      umockdev_ioctl_client_complete (ioc, -1, EAGAIN);
      g_object_unref (ioc);
    }
  g_mutex_unlock (&rig->lock);
  return G_SOURCE_CONTINUE;
}

static void
do_reap (VpPhone *p, Client *c, UMockdevIoctlClient *ioc, gboolean block)
{
  if (!g_queue_is_empty (&c->done))
    {
      hand_back (c, g_queue_pop_head (&c->done), ioc);
      c->just_reaped = TRUE;
      return;
    }
  /* libusb reaps until EAGAIN after every completion: that last reap must
   * answer at once, or each transfer would wait out the long poll. */
  if (c->just_reaped && !block)
    {
      c->just_reaped = FALSE;
      umockdev_ioctl_client_complete (ioc, -1, EAGAIN);
      return;
    }
  if (!p->plugged)
    {
      umockdev_ioctl_client_complete (ioc, -1, ENODEV);
      return;
    }
  if (c->waiting != NULL)
    {
      /* Two threads reaping on one descriptor: the older one gives way. */
      UMockdevIoctlClient *old = g_steal_pointer (&c->waiting);
      umockdev_ioctl_client_complete (old, -1, EAGAIN);
      g_object_unref (old);
    }
  c->waiting = g_object_ref (ioc);
  if (c->wait_timer == NULL)
    c->wait_timer = timer_new (p->rig, reap_timeout, c);
  g_source_set_ready_time (c->wait_timer, block ? -1 : g_get_monotonic_time () + REAP_WAIT_USEC);
}

static gboolean
remove_urb (GQueue *q, gulong addr, Urb **out)
{
  for (GList *l = q->head; l; l = l->next)
    {
      Urb *u = l->data;
      if (u->urb_data->client_addr == addr)
        {
          *out = u;
          g_queue_delete_link (q, l);
          return TRUE;
        }
    }
  return FALSE;
}

static void drop_claim_locked (VpPhone *p);

/* ---- who holds the interface -------------------------------------------
 *
 * usbfs lets one open file at a time hold an interface: claimintf() binds
 * usbfs_driver to it for that file, and usb_driver_claim_interface()
 * answers -EBUSY while any driver (another file, in any process, or a
 * kernel driver) is bound.  The claim lasts until RELEASEINTERFACE or the
 * file's close (usbdev_release).  Every descriptor of every process the
 * rig serves is one Client, so the rule holds across processes. */

/* Whether the process behind a client has closed its end.  umockdev
 * 0.17 never learns it of a process that died inside an ioctl the rig
 * was holding (a reap waiting for data): writing the answer fails and it
 * stops reading that socket.  The socket itself still tells. */
static gboolean
hung_up (VpPhone *p, UMockdevIoctlClient *ioc)
{
  Socket *s = g_hash_table_lookup (p->sockets, ioc);
  struct pollfd pfd;
  struct stat st;

  if (s == NULL)
    return FALSE;
  if (fstat (s->fd, &st) != 0 || st.st_ino != s->ino)
    return TRUE;   /* umockdev closed it: the client is gone */
  pfd.fd = s->fd;
  pfd.events = POLLIN;
  pfd.revents = 0;
  /* A Unix stream socket whose peer is closed polls as POLLHUP
   * (unix_release_sock shuts both directions of the survivor). */
  return poll (&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

/* Whether a driver is bound to interface 0: a client's claim or GVfs's. */
static gboolean
interface_bound_locked (VpPhone *p)
{
  if (p->claimant != NULL && !umockdev_ioctl_client_get_connected (p->claimant->client))
    /* Closed, and umockdev has not told us yet: the kernel would have
     * released the claim in usbdev_release. */
    sweep_clients_locked (p);
  if (p->claimant != NULL && hung_up (p, p->claimant->client))
    {
      /* Nobody will reap its URBs. */
      p->claimant->vanished = TRUE;
      drop_claim_locked (p);
    }
  return p->busy || p->claimant != NULL;
}

/* Gives the claimant's pending URBs back with -ENOENT and forgets the
 * claim, as driver_disconnect() / releaseintf() do through
 * destroy_async_on_interface(). */
static void
drop_claim_locked (VpPhone *p)
{
  Client *c = p->claimant;
  GQueue *queues[] = { &p->in_urbs, &p->int_urbs };

  p->claimant = NULL;
  if (c == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (queues); i++)
    for (GList *l = queues[i]->head; l;)
      {
        GList *next = l->next;
        Urb *u = l->data;
        if (u->client == c)
          {
            g_queue_delete_link (queues[i], l);
            complete_now (u, -ENOENT, 0);
          }
        l = next;
      }
}

/* devio.c claimintf(): 0 or an errno. */
static int
claim_locked (VpPhone *p, Client *c, guint ifnum)
{
  if (ifnum >= 32)
    return EINVAL;
  if (ifnum != 0)
    return ENOENT;
  if (p->claimant == c)
    return 0;
  if (interface_bound_locked (p))
    {
      if (p->busy)
        p->rig->busy_claim_seen = TRUE;
      return EBUSY;
    }
  p->claimant = c;
  return 0;
}

/* devio.c checkintf(): using an interface claims it implicitly (the
 * kernel warns "did not claim interface before use"), so a second program
 * that skips CLAIMINTERFACE still meets EBUSY. */
static int
check_intf_locked (VpPhone *p, Client *c, guint ifnum)
{
  return claim_locked (p, c, ifnum);
}

/* devio.c findintfep(): the interface an endpoint belongs to (0), or a
 * negative errno. */
static int
find_intf_ep (VpPhone *p, guint ep)
{
  if (ep & ~(0x80u | 0x0fu))
    return -EINVAL;
  if (ep == EP_BULK_IN || ep == EP_BULK_OUT || (is_mtp (p) && ep == EP_INT_IN))
    return 0;
  return -ENOENT;
}

/* devio.c check_ctrlrecip(): a control request addressed to an interface
 * or to one of its endpoints needs that interface; vendor requests and
 * requests to the device do not. */
static int
check_ctrlrecip_locked (VpPhone *p, Client *c, guint8 type, guint16 index)
{
  int ifnum;

  if ((type & 0x60) == 0x40)
    return 0;
  index &= 0xff;
  switch (type & 0x1f)
    {
    case 2:   /* endpoint */
      if ((index & ~0x80u) == 0)
        return 0;
      ifnum = find_intf_ep (p, index);
      if (ifnum < 0)
        ifnum = find_intf_ep (p, index ^ 0x80);
      return ifnum < 0 ? -ifnum : check_intf_locked (p, c, (guint) ifnum);
    case 1:   /* interface */
      return check_intf_locked (p, c, index);
    default:
      return 0;
    }
}

/* Runs a control request against the phone; a negative errno (-EPIPE: a
 * stall) or 0 with *actual the bytes moved. */
static int
run_control (VpPhone *p, const guint8 *setup, guint8 *data, gsize data_len, gsize *actual)
{
  gboolean ok;
  g_autoptr(GByteArray) reply = NULL;
  gsize wlength = vp_le16 (setup + 6);

  reply = control (p, setup, data, data_len, &ok);
  if (!ok)
    return -EPIPE;
  if (setup[0] & 0x80)
    {
      gsize n = MIN ((gsize) reply->len, MIN (wlength, data_len));
      if (n > 0)
        memcpy (data, reply->data, n);
      *actual = n;
    }
  else
    *actual = MIN (wlength, data_len);
  return 0;
}

static void
do_submit (VpPhone *p, Client *c, UMockdevIoctlClient *ioc)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);
  Urb *u = g_new0 (Urb, 1);
  struct usbdevfs_urb *urb;
  GError *error = NULL;
  int err;

  u->client = c;
  u->urb_data = umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_urb), &error);
  if (u->urb_data == NULL)
    {
      g_clear_error (&error);
      urb_free (u);
      umockdev_ioctl_client_complete (ioc, -1, EFAULT);
      return;
    }
  urb = urb_of (u);
  u->buffer = umockdev_ioctl_data_resolve (u->urb_data, G_STRUCT_OFFSET (struct usbdevfs_urb, buffer),
                                           urb->buffer_length > 0 ? (gsize) urb->buffer_length : 0, &error);
  if (u->buffer == NULL && urb->buffer_length > 0)
    {
      g_clear_error (&error);
      urb_free (u);
      umockdev_ioctl_client_complete (ioc, -1, EFAULT);
      return;
    }
  g_clear_error (&error);

  /* What proc_do_submiturb() refuses before a URB is queued. */
  if (urb->type == USBDEVFS_URB_TYPE_CONTROL && (urb->endpoint & 0x7f) == 0)
    {
      if (urb->buffer_length < 8 || (gsize) urb->buffer_length < 8u + vp_le16 ((guint8 *) u->buffer->data + 6))
        err = EINVAL;
      else
        err = check_ctrlrecip_locked (p, c, ((guint8 *) u->buffer->data)[0],
                                      vp_le16 ((guint8 *) u->buffer->data + 4));
    }
  else
    {
      int ifnum = find_intf_ep (p, urb->endpoint);
      err = ifnum < 0 ? -ifnum : check_intf_locked (p, c, (guint) ifnum);
      /* The interface's endpoints are bulk and interrupt ones. */
      if (err == 0 && urb->type == USBDEVFS_URB_TYPE_CONTROL)
        err = EINVAL;
    }
  if (err != 0)
    {
      urb_free (u);
      umockdev_ioctl_client_complete (ioc, -1, err);
      return;
    }
  if (urb->endpoint == EP_BULK_IN && urb->type == USBDEVFS_URB_TYPE_BULK)
    {
      if (!(urb->flags & USBDEVFS_URB_BULK_CONTINUATION))
        c->in_halted = FALSE;
      else if (c->in_halted)
        {
          urb_free (u);
          umockdev_ioctl_client_complete (ioc, -1, EREMOTEIO);
          return;
        }
    }
  umockdev_ioctl_client_complete (ioc, 0, 0);

  if (urb->type == USBDEVFS_URB_TYPE_CONTROL)
    {
      guint8 *buf = (guint8 *) u->buffer->data;
      gsize actual = 0;
      int status;

      if (p->ffs != NULL && (buf[0] & 0x60) == 0x20)
        {
          /* A class request goes to the function, which answers on ep0. */
          gsize wlength = vp_le16 (buf + 6);
          vp_ffs_setup (p->ffs, buf, buf + 8, (buf[0] & 0x80) ? 0 : wlength, buf + 8, wlength,
                        ffs_ctl_new (u, NULL, NULL));
          return;
        }
      status = run_control (p, buf, buf + 8, (gsize) urb->buffer_length - 8, &actual);
      return complete_now (u, status, actual);
    }
  if (!is_mtp (p))
    {
      /* A charging-only phone has no MTP function: nothing ever answers. */
      g_queue_push_tail (&p->in_urbs, u);
      return;
    }
  if (urb->endpoint == EP_BULK_OUT)
    {
      gsize len = (gsize) urb->buffer_length;
      gboolean end = len % 512 != 0 || len == 0 || (urb->flags & USBDEVFS_URB_ZERO_PACKET);
      if (p->ffs != NULL)
        {
          /* Completes when the function has read it (ffs_out_done). */
          p->stats.bytes_from_host += walk_containers (p, &p->ffs_out_walk, len ? u->buffer->data : NULL, len, end);
          if (!vp_ffs_out (p->ffs, len ? (guint8 *) u->buffer->data : NULL, len, end, u))
            complete_now (u, -ESHUTDOWN, 0);
          return;
        }
      vp_mtp_out (p->mtp, len ? (guint8 *) u->buffer->data : NULL, len, end);
      complete_paced (p, u, 0, len, 0);
      serve_in (p);
      return;
    }
  if (urb->endpoint == EP_BULK_IN)
    {
      g_queue_push_tail (&p->in_urbs, u);
      serve_in (p);
      return;
    }
  if (urb->endpoint == EP_INT_IN)
    {
      g_queue_push_tail (&p->int_urbs, u);
      serve_in (p);
      return;
    }
  complete_now (u, -EPIPE, 0);
}

typedef struct {
  gulong addr;
  Client *client;
  gboolean found;
} OutMatch;

/* A bulk-OUT URB queued for a FunctionFS responder: discarded... */
static gboolean
ffs_discard_match (gpointer token, gpointer user)
{
  OutMatch *m = user;
  Urb *u = token;
  if (m->found || u->urb_data->client_addr != m->addr)
    return FALSE;
  m->found = TRUE;
  complete_now (u, -ENOENT, 0);
  return TRUE;
}

/* ...or its client gone. */
static gboolean
ffs_gone_match (gpointer token, gpointer user)
{
  OutMatch *m = user;
  Urb *u = token;
  if (u->client != m->client)
    return FALSE;
  urb_free (u);
  return TRUE;
}

static void
do_discard (VpPhone *p, Client *c, UMockdevIoctlClient *ioc)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);
  gulong addr = *(gulong *) arg->data;
  Urb *u = NULL;

  if (remove_urb (&p->in_urbs, addr, &u) || remove_urb (&p->int_urbs, addr, &u))
    {
      umockdev_ioctl_client_complete (ioc, 0, 0);
      complete_now (u, -ENOENT, 0);
      return;
    }
  if (p->ffs != NULL)
    {
      OutMatch m = { addr, NULL, FALSE };
      vp_ffs_forget_out (p->ffs, ffs_discard_match, &m);
      if (m.found)
        {
          /* Completed (given back) before the ioctl returns: harmless, the
           * reap that collects it comes later. */
          umockdev_ioctl_client_complete (ioc, 0, 0);
          return;
        }
    }
  (void) c;
  umockdev_ioctl_client_complete (ioc, -1, EINVAL);
}

static void
complete_errno (UMockdevIoctlClient *ioc, int err)
{
  umockdev_ioctl_client_complete (ioc, err != 0 ? -1 : 0, err);
}

static gboolean
claim_retry (gpointer data)
{
  VpPhone *p = data;
  ClaimWait *w;

  g_mutex_lock (&p->rig->lock);
  while ((w = g_queue_pop_head (&p->claim_waits)) != NULL)
    {
      if (w->handler != p->handler || !p->plugged)
        complete_errno (w->ioc, ENODEV);
      else
        complete_errno (w->ioc, claim_locked (p, client_for (p, w->ioc), 0));
      g_object_unref (w->ioc);
      g_free (w);
    }
  g_mutex_unlock (&p->rig->lock);
  return G_SOURCE_CONTINUE;
}

/* CLAIMINTERFACE.  The kernel releases a claim in the close() itself
 * (usbdev_release), so a program that claims right after another closed
 * must get the interface; a refusal because of a client the rig still
 * believes open is given only after umockdev had time to see it close. */
static void
do_claim (VpPhone *p, Client *c, UMockdevIoctlClient *ioc, guint ifnum)
{
  int err = claim_locked (p, c, ifnum);
  ClaimWait *w;

  if (err != EBUSY || p->busy)
    {
      complete_errno (ioc, err);
      return;
    }
  w = g_new0 (ClaimWait, 1);
  w->ioc = g_object_ref (ioc);
  w->handler = p->handler;
  g_queue_push_tail (&p->claim_waits, w);
  if (p->claim_timer == NULL)
    p->claim_timer = timer_new (p->rig, claim_retry, p);
  g_source_set_ready_time (p->claim_timer, g_get_monotonic_time () + CLAIM_WAIT_USEC);
}

/* Unbinds interface 0 from whoever holds it, GVfs included. */
static void
kick_claimants_locked (VpPhone *p)
{
  p->busy = FALSE;
  drop_claim_locked (p);
}

/* The usbfs ioctls whose argument is one unsigned int. */
static int
simple_ioctl_locked (VpPhone *p, Client *c, gulong request, guint n)
{
  int ifnum;

  switch (request)
    {
    case USBDEVFS_RELEASEINTERFACE:
      /* releaseintf(): only the file holding the claim may release it. */
      if (n >= 32)
        return EINVAL;
      if (n != 0)
        return ENOENT;
      if (p->claimant != c)
        return EINVAL;
      drop_claim_locked (p);
      return 0;
    case USBDEVFS_SETCONFIGURATION:
      /* proc_setconfig(): never while any interface is claimed, even by
       * the caller; the same configuration again is a reset of it.  The
       * rig has no unconfigured state to offer. */
      if (interface_bound_locked (p))
        return EBUSY;
      return n == 1 ? 0 : EINVAL;
    default:   /* CLEAR_HALT, RESETEP: proc_clearhalt(), proc_resetep() */
      ifnum = find_intf_ep (p, n);
      return ifnum < 0 ? -ifnum : check_intf_locked (p, c, (guint) ifnum);
    }
}

/* The ioctl's argument struct in the client's memory, or NULL with the
 * ioctl failed with EFAULT (copy_from_user's answer): a client killed
 * while its ioctl waited for the rig's lock is gone, and its memory with
 * it.  Every handler resolves through here or checks as hand_back does. */
static UMockdevIoctlData *
resolve_arg (UMockdevIoctlClient *ioc, gsize size)
{
  UMockdevIoctlData *d = umockdev_ioctl_data_resolve (umockdev_ioctl_client_get_arg (ioc), 0, size, NULL);

  if (d == NULL)
    umockdev_ioctl_client_complete (ioc, -1, EFAULT);
  return d;
}

/* proc_control(): a synchronous control transfer; the ioctl returns the
 * bytes moved. */
static void
do_control (VpPhone *p, Client *c, UMockdevIoctlClient *ioc)
{
  g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (struct usbdevfs_ctrltransfer));
  const struct usbdevfs_ctrltransfer *ct;
  g_autoptr(UMockdevIoctlData) data = NULL;
  guint8 setup[8];
  gsize actual = 0;
  int err;

  if (d == NULL)
    return;
  ct = (const void *) d->data;
  setup[0] = ct->bRequestType;
  setup[1] = ct->bRequest;
  setup[2] = ct->wValue & 0xff;
  setup[3] = ct->wValue >> 8;
  setup[4] = ct->wIndex & 0xff;
  setup[5] = ct->wIndex >> 8;
  setup[6] = ct->wLength & 0xff;
  setup[7] = ct->wLength >> 8;
  err = check_ctrlrecip_locked (p, c, ct->bRequestType, ct->wIndex);

  if (err == 0 && ct->wLength > 4096)   /* PAGE_SIZE */
    err = EINVAL;
  if (err == 0 && ct->wLength > 0)
    {
      data = umockdev_ioctl_data_resolve (d, G_STRUCT_OFFSET (struct usbdevfs_ctrltransfer, data), ct->wLength, NULL);
      if (data == NULL)
        err = EFAULT;
    }
  if (err == 0 && p->ffs != NULL && (ct->bRequestType & 0x60) == 0x20)
    {
      /* The function answers on ep0 in its own time; the ioctl waits. */
      guint8 *buf = data != NULL ? (guint8 *) data->data : NULL;
      vp_ffs_setup (p->ffs, setup, buf, (ct->bRequestType & 0x80) ? 0 : ct->wLength, buf, ct->wLength,
                    ffs_ctl_new (NULL, ioc, data));
      return;
    }
  if (err == 0)
    err = -run_control (p, setup, data != NULL ? (guint8 *) data->data : NULL, ct->wLength, &actual);
  if (err != 0)
    complete_errno (ioc, err);
  else
    umockdev_ioctl_client_complete (ioc, (glong) actual, 0);
}

static gboolean
handle_ioctl (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  VpPhone *p = data;
  gulong request = umockdev_ioctl_client_get_request (ioc);
  Client *c;

  g_mutex_lock (&p->rig->lock);
  c = client_for (p, ioc);
  /* A handle from before an unplug stays dead, as on a real bus, but it
   * may still reap what was given back when the device went. */
  if (handler != p->handler || !p->plugged)
    {
      if ((request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY) && !g_queue_is_empty (&c->done))
        hand_back (c, g_queue_pop_head (&c->done), ioc);
      else
        umockdev_ioctl_client_complete (ioc, -1, ENODEV);
      g_mutex_unlock (&p->rig->lock);
      return TRUE;
    }
  if (request != USBDEVFS_REAPURB && request != USBDEVFS_REAPURBNDELAY)
    c->just_reaped = FALSE;
  switch (request)
    {
    case USBDEVFS_GET_CAPABILITIES:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (guint32));
        if (d == NULL)
          break;
        *(guint32 *) d->data = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                               USBDEVFS_CAP_ZERO_PACKET;
        umockdev_ioctl_client_complete (ioc, 0, 0);
        break;
      }
    case USBDEVFS_CLAIMINTERFACE:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (guint));
        if (d == NULL)
          break;
        do_claim (p, c, ioc, *(guint *) d->data);
        break;
      }
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (guint));
        if (d == NULL)
          break;
        complete_errno (ioc, simple_ioctl_locked (p, c, request, *(guint *) d->data));
        break;
      }
    case USBDEVFS_SETINTERFACE:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (struct usbdevfs_setinterface));
        if (d == NULL)
          break;
        const struct usbdevfs_setinterface *si = (const void *) d->data;
        /* proc_setintf(): checkintf(), then usb_set_interface() knows
         * only alternate setting 0. */
        int err = check_intf_locked (p, c, si->interface);
        complete_errno (ioc, err != 0 ? err : si->altsetting != 0 ? EINVAL : 0);
        break;
      }
    case USBDEVFS_GETDRIVER:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (struct usbdevfs_getdriver));
        if (d == NULL)
          break;
        struct usbdevfs_getdriver *gd = (void *) d->data;
        /* proc_getdriver(): the bound driver's name; a claim by any
         * usbfs file (GVfs's libmtp included) is "usbfs", which libusb's
         * kernel_driver_active() knows not to detach. */
        if (gd->interface != 0 || !interface_bound_locked (p))
          complete_errno (ioc, ENODATA);
        else
          {
            g_strlcpy (gd->driver, "usbfs", sizeof gd->driver);
            complete_errno (ioc, 0);
          }
        break;
      }
    case USBDEVFS_DISCONNECT_CLAIM:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (struct usbdevfs_disconnect_claim));
        if (d == NULL)
          break;
        const struct usbdevfs_disconnect_claim *dc = (const void *) d->data;
        gboolean is_usbfs = g_strcmp0 (dc->driver, "usbfs") == 0;
        /* proc_disconnect_claim(): with IF_DRIVER/EXCEPT_DRIVER naming
         * (or not) the bound driver it succeeds without claiming;
         * otherwise it unbinds whoever holds the interface and claims. */
        if (dc->interface != 0)
          complete_errno (ioc, EINVAL);
        else if (interface_bound_locked (p)
                 && (((dc->flags & USBDEVFS_DISCONNECT_CLAIM_IF_DRIVER) && !is_usbfs)
                     || ((dc->flags & USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER) && is_usbfs)))
          complete_errno (ioc, 0);
        else
          {
            kick_claimants_locked (p);
            complete_errno (ioc, claim_locked (p, c, 0));
          }
        break;
      }
    case USBDEVFS_IOCTL:
      {
        g_autoptr(UMockdevIoctlData) d = resolve_arg (ioc, sizeof (struct usbdevfs_ioctl));
        if (d == NULL)
          break;
        const struct usbdevfs_ioctl *ctl = (const void *) d->data;
        /* proc_ioctl(): DISCONNECT unbinds whatever driver holds the
         * interface, another program's usbfs claim included; CONNECT
         * binds one only when none is; usbfs has no ioctls of its own. */
        if (ctl->ifno != 0)
          complete_errno (ioc, EINVAL);
        else if (ctl->ioctl_code == (int) USBDEVFS_DISCONNECT)
          {
            if (interface_bound_locked (p))
              kick_claimants_locked (p), complete_errno (ioc, 0);
            else
              complete_errno (ioc, ENODATA);
          }
        else if (ctl->ioctl_code == (int) USBDEVFS_CONNECT)
          complete_errno (ioc, interface_bound_locked (p) ? EBUSY : 0);
        else
          complete_errno (ioc, ENOTTY);
        break;
      }
    case USBDEVFS_CONTROL:
      do_control (p, c, ioc);
      break;
    case USBDEVFS_RESET:
      /* usb_reset_device() unbinds drivers without pre_reset/post_reset,
       * usbfs among them: every claim is gone afterwards (libusb
       * releases and claims again around a reset for that reason). */
      kick_claimants_locked (p);
      vp_mtp_reset (p->mtp);
      umockdev_ioctl_client_complete (ioc, 0, 0);
      break;
    case USBDEVFS_SUBMITURB:
      do_submit (p, c, ioc);
      break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      do_reap (p, c, ioc, request == USBDEVFS_REAPURB);
      break;
    case USBDEVFS_DISCARDURB:
      do_discard (p, c, ioc);
      break;
    default:
      if (g_getenv ("VPHONE_DEBUG") != NULL)
        g_printerr ("vphone: usbfs ioctl 0x%lx not emulated -> ENOTTY\n", request);
      umockdev_ioctl_client_complete (ioc, -1, ENOTTY);
      break;
    }
  g_mutex_unlock (&p->rig->lock);
  return TRUE;
}

/* Called with the lock held. */
static void
client_gone_locked (VpPhone *p, UMockdevIoctlClient *ioc)
{
  Client *c = g_hash_table_lookup (p->clients, ioc);

  if (c != NULL)
    {
      /* usbdev_release(): closing the file releases its claim. */
      if (p->claimant == c)
        p->claimant = NULL;
      /* Its URBs still queued on the phone are nobody's now. */
      GQueue *queues[] = { &p->in_urbs, &p->int_urbs, &p->delayed };
      if (p->ffs != NULL)
        {
          OutMatch m = { 0, c, FALSE };
          vp_ffs_forget_out (p->ffs, ffs_gone_match, &m);
        }
      for (gsize i = 0; i < G_N_ELEMENTS (queues); i++)
        for (GList *l = queues[i]->head; l;)
          {
            GList *next = l->next;
            if (((Urb *) l->data)->client == c)
              {
                urb_free (l->data);
                g_queue_delete_link (queues[i], l);
              }
            l = next;
          }
      g_hash_table_remove (p->clients, ioc);
    }
  g_hash_table_remove (p->sockets, ioc);
}

static void
client_gone (VpPhone *p, UMockdevIoctlClient *ioc)
{
  g_mutex_lock (&p->rig->lock);
  client_gone_locked (p, ioc);
  g_mutex_unlock (&p->rig->lock);
}

/* umockdev 0.17 closes a client's stream when the process closes the
 * device, but neither its client-vanished signal nor a property
 * notification says so: look.  Returns how many clients remain. */
static guint
sweep_clients_locked (VpPhone *p)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter it;
  gpointer k;

  g_hash_table_iter_init (&it, p->clients);
  while (g_hash_table_iter_next (&it, &k, NULL))
    if (!umockdev_ioctl_client_get_connected (k))
      g_ptr_array_add (gone, k);
  for (guint i = 0; i < gone->len; i++)
    client_gone_locked (p, gone->pdata[i]);
  return g_hash_table_size (p->clients);
}

static gboolean
is_client_socket (int fd, const char *suffix, GHashTable *known)
{
  struct stat st;
  struct sockaddr_un sa;
  socklen_t len = sizeof sa;
  int listening = 0;
  socklen_t ilen = sizeof listening;
  gsize n, sl = strlen (suffix);
  GHashTableIter it;
  gpointer v;

  if (fstat (fd, &st) != 0 || !S_ISSOCK (st.st_mode))
    return FALSE;
  g_hash_table_iter_init (&it, known);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((Socket *) v)->ino == st.st_ino)
      return FALSE;
  if (getsockname (fd, (struct sockaddr *) &sa, &len) != 0 || sa.sun_family != AF_UNIX
      || getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 || listening)
    return FALSE;
  n = strnlen (sa.sun_path, sizeof sa.sun_path);
  return n >= sl && memcmp (sa.sun_path + n - sl, suffix, sl) == 0;
}

/* Finds the socket umockdev just accepted for ioc: the one connection to
 * this device node's socket ("…/ioctl" + devnode) not known yet.  Left
 * unknown when that is not one socket exactly. */
static void
client_connected (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  VpPhone *p = data;
  g_autofree char *suffix = g_strconcat ("/ioctl", umockdev_ioctl_client_get_devnode (ioc), NULL);
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *e;
  int found = -1, count = 0;
  struct stat st;

  (void) handler;
  if (dir == NULL)
    return;
  g_mutex_lock (&p->rig->lock);
  while ((e = readdir (dir)) != NULL)
    {
      int fd = atoi (e->d_name);
      if (e->d_name[0] == '.' || fd == dirfd (dir))
        continue;
      if (is_client_socket (fd, suffix, p->sockets))
        found = fd, count++;
    }
  closedir (dir);
  if (count == 1 && fstat (found, &st) == 0)
    {
      Socket *s = g_new0 (Socket, 1);
      s->fd = found;
      s->ino = st.st_ino;
      g_hash_table_insert (p->sockets, ioc, s);
    }
  g_mutex_unlock (&p->rig->lock);
}

static void
client_vanished (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  (void) handler;
  client_gone (data, ioc);
}

static void
client_free (gpointer data)
{
  Client *c = data;

  if (c->waiting != NULL)
    {
      umockdev_ioctl_client_complete (c->waiting, -1, ENODEV);
      g_object_unref (c->waiting);
    }
  if (c->wait_timer != NULL)
    {
      g_source_destroy (c->wait_timer);
      g_source_unref (c->wait_timer);
    }
  while (!g_queue_is_empty (&c->done))
    urb_free (g_queue_pop_head (&c->done));
  g_object_unref (c->client);
  g_free (c);
}

/* ---- sysfs ------------------------------------------------------------- */

static void
write_attr (const char *dir, const char *name, const char *value)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, value, -1, NULL);
}

/* One ep_XX directory as the kernel's endpoint.c shows it on a high-speed
 * device; "interval" is usb_decode_interval()'s reading of bInterval
 * (microframes for a high-speed interrupt endpoint, NAK rate for bulk
 * OUT and control, nothing for bulk IN), so 6 on the event endpoint is
 * 4ms, not 6. */
static void
add_endpoint_dir (const char *parent, guint8 addr, guint8 attr, guint16 mps, guint8 binterval)
{
  static const char *types[] = { "Control", "Isoc", "Bulk", "Interrupt" };
  g_autofree char *name = g_strdup_printf ("ep_%02x", addr);
  g_autofree char *dir = g_build_filename (parent, name, NULL);
  guint type = attr & 3, usec = 0;
  char v[32];

  if (type == 3 || type == 1)
    usec = (1u << (binterval - 1)) * 125;
  else if (type == 0 || !(addr & 0x80))
    usec = binterval * 125u;
  g_mkdir_with_parents (dir, 0755);
  g_snprintf (v, sizeof v, "%02x\n", addr);
  write_attr (dir, "bEndpointAddress", v);
  g_snprintf (v, sizeof v, "%02x\n", attr);
  write_attr (dir, "bmAttributes", v);
  g_snprintf (v, sizeof v, "%04x\n", mps);
  write_attr (dir, "wMaxPacketSize", v);
  g_snprintf (v, sizeof v, "%02x\n", binterval);
  write_attr (dir, "bInterval", v);
  write_attr (dir, "bLength", "07\n");
  write_attr (dir, "direction", type == 0 ? "both\n" : (addr & 0x80) ? "in\n" : "out\n");
  g_snprintf (v, sizeof v, "%s\n", types[type]);
  write_attr (dir, "type", v);
  if (usec % 1000)
    g_snprintf (v, sizeof v, "%uus\n", usec);
  else
    g_snprintf (v, sizeof v, "%ums\n", usec / 1000);
  write_attr (dir, "interval", v);
}

static void
add_to_sysfs (VpPhone *p)
{
  VpRig *rig = p->rig;
  g_autoptr(GByteArray) dd = device_descriptor (p);
  g_autoptr(GByteArray) cd = config_descriptor (p);
  g_autoptr(GString) hex = g_string_new (NULL);
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *ifpath = NULL, *sysroot = NULL;
  guint8 cls = is_mtp (p) ? 6 : 0xff, sub = is_mtp (p) ? 1 : 0x42, proto = 1;
  guint8 neps = is_mtp (p) ? 3 : 2;

  for (guint i = 0; i < dd->len; i++)
    g_string_append_printf (hex, "%02x", dd->data[i]);
  for (guint i = 0; i < cd->len; i++)
    g_string_append_printf (hex, "%02x", cd->data[i]);

  g_string_append_printf (s, "P: %s\nN: bus/usb/001/%03u\n", p->syspath + strlen ("/sys"), p->devnum);
  g_string_append_printf (s,
      "E: DEVNAME=/dev/bus/usb/001/%03u\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
      "E: PRODUCT=%x/%x/404\nE: TYPE=0/0/0\nE: BUSNUM=001\nE: DEVNUM=%03u\n"
      "E: MAJOR=189\nE: MINOR=%u\nE: SUBSYSTEM=usb\n"
      "E: ID_VENDOR_ID=%04x\nE: ID_MODEL_ID=%04x\nE: ID_SERIAL_SHORT=%s\n",
      p->devnum, p->vid, p->pid, p->devnum, p->devnum - 1, p->vid, p->pid, p->serial);
  if (is_mtp (p))
    g_string_append (s, "E: ID_MTP_DEVICE=1\nE: ID_MEDIA_PLAYER=1\n");
  g_string_append_printf (s,
      "A: authorized=1\\n\nA: avoid_reset_port=0\\n\nA: bConfigurationValue=1\\n\n"
      "A: bDeviceClass=00\\n\nA: bDeviceProtocol=00\\n\nA: bDeviceSubClass=00\\n\n"
      "A: bMaxPacketSize0=64\\n\nA: bMaxPower=500mA\\n\nA: bNumConfigurations=1\\n\n"
      "A: bNumInterfaces= 1\\n\nA: bcdDevice=0404\\n\nA: bmAttributes=80\\n\n"
      "A: busnum=1\\n\nA: devnum=%u\\n\nA: devpath=%u\\n\nA: dev=189:%u\\n\n"
      "A: idProduct=%04x\\n\nA: idVendor=%04x\\n\nA: ltm_capable=no\\n\n"
      "A: manufacturer=%s\\n\nA: product=%s\\n\nA: serial=%s\\n\nA: maxchild=0\\n\n"
      "A: quirks=0x0\\n\nA: removable=removable\\n\nA: rx_lanes=1\\n\nA: tx_lanes=1\\n\n"
      "A: speed=480\\n\nA: urbnum=0\\n\nA: version= 2.00\\n\nA: configuration=\\n\n"
      "H: descriptors=%s\n",
      p->devnum, p->port, p->devnum - 1, p->pid, p->vid, p->manufacturer, p->model,
      p->serial, hex->str);
  umockdev_testbed_add_from_string (rig->testbed, s->str, NULL);

  ifpath = g_strdup_printf ("%s/1-%u:1.0", p->syspath, p->port);
  g_string_truncate (s, 0);
  g_string_append_printf (s, "P: %s\n", ifpath + strlen ("/sys"));
  g_string_append_printf (s,
      "E: DEVTYPE=usb_interface\nE: SUBSYSTEM=usb\nE: PRODUCT=%x/%x/404\nE: TYPE=0/0/0\n"
      "E: INTERFACE=%u/%u/%u\nE: MODALIAS=usb:v%04Xp%04Xd0404dc00dsc00dp00ic%02Xisc%02Xip%02Xin00\n"
      "A: authorized=1\\n\nA: bAlternateSetting= 0\\n\nA: bInterfaceClass=%02x\\n\n"
      "A: bInterfaceNumber=00\\n\nA: bInterfaceProtocol=%02x\\n\nA: bInterfaceSubClass=%02x\\n\n"
      "A: bNumEndpoints=%02x\\n\nA: interface=%s\\n\nA: supports_autosuspend=1\\n\n",
      p->vid, p->pid, cls, sub, proto, p->vid, p->pid, cls, sub, proto, cls, proto, sub, neps,
      interface_string (p));
  umockdev_testbed_add_from_string (rig->testbed, s->str, NULL);

  /* Endpoint entries are plain directories in sysfs, with no subsystem:
   * the default endpoint under the device (usb_new_device creates it for
   * dev->ep0), the others under their interface. */
  sysroot = umockdev_testbed_get_sys_dir (rig->testbed);
  {
    static const struct { guint8 addr, attr; guint16 mps; guint8 interval; } eps[] = {
      { EP_BULK_IN, 2, 512, 0 }, { EP_BULK_OUT, 2, 512, 0 }, { EP_INT_IN, 3, 28, 6 },
    };
    g_autofree char *devdir = g_build_filename (sysroot, "..", p->syspath, NULL); /* syspath starts with /sys */
    g_autofree char *ifdir = g_build_filename (sysroot, "..", ifpath, NULL);

    add_endpoint_dir (devdir, 0x00, 0, 64, 0);
    for (guint i = 0; i < neps; i++)
      add_endpoint_dir (ifdir, eps[i].addr, eps[i].attr, eps[i].mps, eps[i].interval);
  }
}

/* ---- phones ------------------------------------------------------------- */

static gboolean
parse_u64 (const char *s, guint64 *out)
{
  char *end = NULL;
  guint64 mult = 1;

  if (s == NULL || *s == '\0')
    return FALSE;
  *out = g_ascii_strtoull (s, &end, 0);
  if (end && *end)
    {
      switch (g_ascii_toupper (*end))
        {
        case 'K': mult = 1024; break;
        case 'M': mult = 1024 * 1024; break;
        case 'G': mult = G_GUINT64_CONSTANT (1) << 30; break;
        case 'T': mult = G_GUINT64_CONSTANT (1) << 40; break;
        default: return FALSE;
        }
      if (end[1] != '\0' && g_ascii_strcasecmp (end + 1, "iB") != 0 && g_ascii_strcasecmp (end + 1, "B") != 0)
        return FALSE;
    }
  *out *= mult;
  return TRUE;
}

static gboolean
parse_hex16 (const char *s, guint64 *out)
{
  char *end = NULL;

  if (s == NULL || !g_ascii_isxdigit (*s))
    return FALSE;
  *out = g_ascii_strtoull (s, &end, 16);
  return *end == '\0' && *out <= 0xffff;
}

static char *
stable_serial (const char *dir)
{
  g_autofree char *abs = g_canonicalize_filename (dir, NULL);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, abs, -1);
  char *s = g_ascii_strup (sum, 16);
  return s;
}

VpPhone *
vp_phone_new (VpRig *rig, const char *spec, guint port, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ",", -1);
  VpPhone *p = g_new0 (VpPhone, 1);
  VpStoreOptions so = { 0 };
  VpMtpIdentity id = { 0 };
  g_autofree char *tzname = NULL;
  gboolean vid_set = FALSE, pid_set = FALSE, parent0_primary = FALSE;

  p->rig = rig;
  p->port = port;
  p->dir = g_strdup (parts[0]);
  p->start_plugged = TRUE;
  p->faults.store_full_after = -1;
  p->faults.disconnect_after = -1;
  p->stats.operations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->clients = g_hash_table_new_full (NULL, NULL, NULL, client_free);
  p->sockets = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  p->old_handlers = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&p->in_urbs);
  g_queue_init (&p->int_urbs);
  g_queue_init (&p->delayed);
  g_queue_init (&p->claim_waits);

  for (guint i = 1; parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      const char *key = parts[i], *val = eq ? eq + 1 : "";
      guint64 n;
      if (eq)
        *eq = '\0';
      if (g_str_equal (key, "profile") && g_str_equal (val, "umtprd"))
        {
          /* responder=umtprd, where an option may follow */
          g_strfreev (p->ffs_argv);
          p->ffs_argv = g_new0 (char *, 2);
          p->ffs_argv[0] = g_strdup ("umtprd");
        }
      else if (g_str_equal (key, "profile"))
        {
          gboolean found = FALSE;
          for (guint k = 0; k < G_N_ELEMENTS (profile_names); k++)
            if (g_str_equal (val, profile_names[k]))
              {
                p->profile = k;
                found = TRUE;
              }
          if (!found)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "unknown profile \"%s\" (android, android-locked, charge-only, player, player-proplist, hostile, umtprd)", val);
              goto fail;
            }
        }
      else if (g_str_equal (key, "serial"))
        p->serial = g_strdup (val);
      else if (g_str_equal (key, "name"))
        p->name = g_strdup (val);
      else if (g_str_equal (key, "manufacturer"))
        p->manufacturer = g_strdup (val);
      else if (g_str_equal (key, "model"))
        p->model = g_strdup (val);
      else if ((g_str_equal (key, "vid") || g_str_equal (key, "pid")) && parse_hex16 (val, &n))
        {
          if (key[0] == 'v')
            p->vid = (guint16) n, vid_set = TRUE;
          else
            p->pid = (guint16) n, pid_set = TRUE;
        }
      else if (g_str_equal (key, "capacity") && parse_u64 (val, &n))
        p->capacity = n;
      else if (g_str_equal (key, "tz"))
        tzname = g_strdup (val);
      else if (g_str_equal (key, "parent0"))
        {
          if (!g_str_equal (val, "primary") && !g_str_equal (val, "invalid"))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "parent0 is \"primary\" (Android 8 and older) or \"invalid\" (Android 9 on)");
              goto fail;
            }
          parent0_primary = g_str_equal (val, "primary");
        }
      else if (g_str_equal (key, "plugged"))
        p->start_plugged = !g_str_equal (val, "no");
      else if (g_str_equal (key, "responder"))
        {
          /* The command may hold commas: it takes the rest of the spec. */
          g_autofree char *rest = NULL;
          g_autoptr(GError) perr = NULL;
          for (guint k = i + 1; parts[k]; k++)
            {
              char *old = rest;
              rest = g_strconcat (old ? old : val, ",", parts[k], NULL);
              g_free (old);
            }
          if (g_str_equal (rest ? rest : val, "umtprd"))
            {
              p->ffs_argv = g_new0 (char *, 2);
              p->ffs_argv[0] = g_strdup ("umtprd");
              break;
            }
          if (!g_str_has_prefix (rest ? rest : val, "ffs:") ||
              !g_shell_parse_argv ((rest ? rest : val) + 4, NULL, &p->ffs_argv, &perr))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "responder is ffs:COMMAND (a FunctionFS MTP responder such as umtprd)%s%s",
                           perr ? ": " : "", perr ? perr->message : "");
              goto fail;
            }
          break;
        }
      else
        {
          g_autoptr(GError) ferr = NULL;
          if (!vp_phone_set_fault (p, key, val, &ferr))
            {
              /* Say why when the fault exists but not for this phone. */
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "bad phone option \"%s%s%s\"%s%s", key, eq ? "=" : "", val,
                           g_str_has_prefix (ferr->message, "fault") ? ": " : "",
                           g_str_has_prefix (ferr->message, "fault") ? ferr->message : "");
              goto fail;
            }
        }
    }
  if (!g_file_test (p->dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "phone folder %s does not exist", p->dir);
      goto fail;
    }
  if (p->serial == NULL)
    p->serial = stable_serial (p->dir);
  if (p->name == NULL)
    p->name = g_strdup (p->serial);
  switch (p->profile)
    {
    case VP_PROFILE_PLAYER:
    case VP_PROFILE_PLAYER_PROPLIST:
      if (!vid_set) p->vid = 0x1209;
      if (!pid_set) p->pid = 0x0002;
      if (!p->manufacturer) p->manufacturer = g_strdup ("Lifeboat Test");
      if (!p->model) p->model = g_strdup ("Virtual Player");
      break;
    case VP_PROFILE_CHARGE_ONLY:
      /* A Pixel in "No data transfer" mode: a phone maker's id, no MTP. */
      if (!vid_set) p->vid = 0x18d1;
      if (!pid_set) p->pid = 0x4ee7;
      if (!p->manufacturer) p->manufacturer = g_strdup ("Google");
      if (!p->model) p->model = g_strdup ("Pixel 7");
      break;
    default:
      if (!vid_set) p->vid = 0x1209;
      if (!pid_set) p->pid = 0x0001;
      if (!p->manufacturer) p->manufacturer = g_strdup ("Lifeboat Test");
      if (!p->model) p->model = g_strdup (p->profile == VP_PROFILE_HOSTILE ? "Hostile Phone" : "Virtual Phone");
      break;
    }
  p->tz = tzname ? g_time_zone_new_identifier (tzname) : g_time_zone_new_utc ();
  if (p->tz == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unknown time zone \"%s\"", tzname);
      goto fail;
    }
  so.hostile = p->profile == VP_PROFILE_HOSTILE;
  so.abstract = p->profile == VP_PROFILE_PLAYER || p->profile == VP_PROFILE_PLAYER_PROPLIST;
  so.capacity = p->capacity;
  so.tz = p->tz;
  p->store = vp_store_new (p->dir, &so, error);
  if (p->store == NULL)
    goto fail;
  if (p->profile == VP_PROFILE_ANDROID_LOCKED)
    vp_store_set_locked (p->store, TRUE);
  id.manufacturer = p->manufacturer;
  id.model = p->model;
  id.serial = p->serial;
  id.version = "1.0";
  id.friendly_name = p->model;
  id.player = p->profile == VP_PROFILE_PLAYER || p->profile == VP_PROFILE_PLAYER_PROPLIST;
  id.android = !id.player;
  id.send_proplist = p->profile == VP_PROFILE_PLAYER_PROPLIST;
  id.parent0_primary = parent0_primary;
  id.battery = 87;
  p->mtp = vp_mtp_new (p->store, &id, &p->stats, &p->faults);
  if (rig->usb2)
    vp_mtp_set_latency (p->mtp, USB2_LATENCY_USEC);
  if (p->ffs_argv != NULL)
    {
      static const VpFfsHooks hooks = { ffs_kick, ffs_control_done, ffs_closed, ffs_ready, ffs_out_done };
      g_autofree char *dir = port == 1 ? g_strdup ("/dev/ffs-mtp") : g_strdup_printf ("/dev/ffs-mtp%u", port);
      if (g_strv_length (p->ffs_argv) == 1 && g_str_equal (p->ffs_argv[0], "umtprd"))
        {
          char **argv = umtprd_argv (p, dir, error);
          if (argv == NULL)
            goto fail;
          g_strfreev (p->ffs_argv);
          p->ffs_argv = argv;
        }
      p->ffs = vp_ffs_new (&rig->lock, dir, p->ffs_argv, &hooks, p);
      if (!vp_ffs_start (p->ffs, rig->testbed, error))
        goto fail;
    }
  return p;

fail:
  vp_phone_free (p);
  return NULL;
}

void
vp_phone_free (VpPhone *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->ffs, vp_ffs_free);
  g_strfreev (p->ffs_argv);
  g_hash_table_unref (p->clients);
  g_hash_table_unref (p->sockets);
  while (!g_queue_is_empty (&p->in_urbs))
    urb_free (g_queue_pop_head (&p->in_urbs));
  while (!g_queue_is_empty (&p->int_urbs))
    urb_free (g_queue_pop_head (&p->int_urbs));
  while (!g_queue_is_empty (&p->delayed))
    urb_free (g_queue_pop_head (&p->delayed));
  if (p->delay_timer)
    {
      g_source_destroy (p->delay_timer);
      g_source_unref (p->delay_timer);
    }
  if (p->claim_timer)
    {
      g_source_destroy (p->claim_timer);
      g_source_unref (p->claim_timer);
    }
  while (!g_queue_is_empty (&p->claim_waits))
    {
      ClaimWait *w = g_queue_pop_head (&p->claim_waits);
      g_object_unref (w->ioc);
      g_free (w);
    }
  if (p->handler != NULL)
    g_signal_handlers_disconnect_by_data (p->handler, p);
  for (guint i = 0; i < p->old_handlers->len; i++)
    g_signal_handlers_disconnect_by_data (p->old_handlers->pdata[i], p);
  vp_mtp_free (p->mtp);
  vp_store_free (p->store);
  g_clear_pointer (&p->tz, g_time_zone_unref);
  g_clear_object (&p->handler);
  g_ptr_array_unref (p->old_handlers);
  g_hash_table_unref (p->stats.operations);
  g_free (p->faults.vanish);
  g_free (p->faults.flaky_op);
  g_free (p->dir);
  g_free (p->serial);
  g_free (p->name);
  g_free (p->manufacturer);
  g_free (p->model);
  g_free (p->syspath);
  g_free (p->devnode);
  g_free (p);
}

const char *
vp_phone_serial (VpPhone *p)
{
  return p->serial;
}

const char *
vp_phone_name (VpPhone *p)
{
  return p->name;
}

gboolean
vp_phone_wants_plugged (VpPhone *p)
{
  return p->start_plugged;
}

gboolean
vp_phone_plug (VpPhone *p, GError **error)
{
  VpRig *rig = p->rig;
  UMockdevIoctlBase *handler;
  g_autofree char *syspath = NULL;

  g_mutex_lock (&rig->lock);
  if (p->plugged)
    {
      g_mutex_unlock (&rig->lock);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "phone %s is already plugged in", p->serial);
      return FALSE;
    }
  if (p->ffs != NULL && !vp_ffs_ready (p->ffs))
    {
      g_mutex_unlock (&rig->lock);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   "phone %s: its responder has no FunctionFS descriptors written", p->serial);
      return FALSE;
    }
  /* A replugged device gets a new address, as the kernel gives it. */
  p->devnum = rig->next_devnum++;
  g_free (p->syspath);
  g_free (p->devnode);
  p->syspath = g_strdup_printf ("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-%u", p->port);
  p->devnode = g_strdup_printf ("/dev/bus/usb/001/%03u", p->devnum);
  handler = umockdev_ioctl_base_new ();
  g_signal_connect (handler, "handle-ioctl", G_CALLBACK (handle_ioctl), p);
  g_signal_connect (handler, "client-vanished", G_CALLBACK (client_vanished), p);
  g_signal_connect (handler, "client-connected", G_CALLBACK (client_connected), p);
  if (p->handler != NULL)
    g_ptr_array_add (p->old_handlers, p->handler);
  p->handler = handler;
  p->generation++;
  p->bus_free_at = 0;
  /* A new device: nobody holds its interface yet. */
  p->claimant = NULL;
  vp_mtp_abort (p->mtp);
  /* Each USB connection starts a new MtpServer with a new MtpDatabase, whose
   * MtpStorageManager numbers objects from 1 again as folders are first
   * listed (AOSP MtpService.startServer(), MtpStorageManager.getNextObjectId()):
   * a handle from before the replug may now name another file. */
  if (p->profile != VP_PROFILE_PLAYER)
    vp_store_forget (p->store);
  p->plugged = TRUE;
  syspath = g_strdup (p->syspath);
  g_mutex_unlock (&rig->lock);

  if (!umockdev_testbed_attach_ioctl (rig->testbed, p->devnode, handler, error))
    return FALSE;
  add_to_sysfs (p);
  umockdev_testbed_uevent (rig->testbed, syspath, "add");
  {
    g_autofree char *ifpath = g_strdup_printf ("%s/1-%u:1.0", syspath, p->port);
    umockdev_testbed_uevent (rig->testbed, ifpath, "add");
  }
  if (p->ffs != NULL)
    {
      /* The kernel's hub driver sets configuration 1 on enumeration. */
      g_mutex_lock (&rig->lock);
      vp_ffs_enable (p->ffs);
      g_mutex_unlock (&rig->lock);
    }
  return TRUE;
}

/* The kernel gives URBs in flight back with -ESHUTDOWN when a device goes;
 * libusb turns that into LIBUSB_TRANSFER_NO_DEVICE.  (A real usbfs node
 * also raises POLLERR, which umockdev's plain-file node cannot.) */
static void
flush_urbs (VpPhone *p)
{
  GQueue *queues[] = { &p->delayed, &p->in_urbs, &p->int_urbs };
  GHashTableIter it;
  gpointer v;

  for (gsize i = 0; i < G_N_ELEMENTS (queues); i++)
    while (!g_queue_is_empty (queues[i]))
      complete_now (g_queue_pop_head (queues[i]), -ESHUTDOWN, 0);
  g_hash_table_iter_init (&it, p->clients);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Client *c = v;
      if (c->waiting != NULL && g_queue_is_empty (&c->done))
        {
          UMockdevIoctlClient *ioc = g_steal_pointer (&c->waiting);
          umockdev_ioctl_client_complete (ioc, -1, ENODEV);
          g_object_unref (ioc);
        }
    }
}

gboolean
vp_phone_unplug (VpPhone *p, GError **error)
{
  VpRig *rig = p->rig;
  g_autofree char *syspath = NULL, *ifpath = NULL;

  g_mutex_lock (&rig->lock);
  if (!p->plugged)
    {
      g_mutex_unlock (&rig->lock);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "phone %s is not plugged in", p->serial);
      return FALSE;
    }
  p->plugged = FALSE;
  flush_urbs (p);
  memset (&p->ffs_out_walk, 0, sizeof p->ffs_out_walk);
  memset (&p->ffs_in_walk, 0, sizeof p->ffs_in_walk);
  vp_mtp_abort (p->mtp);
  if (p->ffs != NULL)
    vp_ffs_disable (p->ffs);
  syspath = g_strdup (p->syspath);
  ifpath = g_strdup_printf ("%s/1-%u:1.0", p->syspath, p->port);
  g_mutex_unlock (&rig->lock);

  umockdev_testbed_uevent (rig->testbed, ifpath, "remove");
  umockdev_testbed_uevent (rig->testbed, syspath, "remove");
  /* Children first: removing the device leaves the interface's bus link. */
  umockdev_testbed_remove_device (rig->testbed, ifpath);
  umockdev_testbed_remove_device (rig->testbed, syspath);
  return TRUE;
}

static gboolean
unplug_idle (gpointer data)
{
  VpPhone *p = data;
  vp_phone_unplug (p, NULL);
  return G_SOURCE_REMOVE;
}

gboolean
vp_phone_set_locked (VpPhone *p, gboolean locked, GError **error)
{
  if (p->ffs != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "phone %s runs %s, which has no screen lock", p->serial, p->ffs_argv[0]);
      return FALSE;
    }
  g_mutex_lock (&p->rig->lock);
  if (vp_store_is_locked (p->store) == locked)
    {
      g_mutex_unlock (&p->rig->lock);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "phone %s is already %s", p->serial,
                   locked ? "locked" : "unlocked");
      return FALSE;
    }
  /* What an Android phone does when the user locks or unlocks it: its
   * storages go away or come back, each with an event. */
  if (locked)
    for (guint i = 0; i < vp_store_n_storages (p->store); i++)
      vp_mtp_queue_event (p->mtp, VP_EV_StoreRemoved, vp_store_storage_at (p->store, i)->id);
  vp_store_set_locked (p->store, locked);
  if (!locked)
    for (guint i = 0; i < vp_store_n_storages (p->store); i++)
      vp_mtp_queue_event (p->mtp, VP_EV_StoreAdded, vp_store_storage_at (p->store, i)->id);
  if (p->plugged)
    serve_in (p);
  g_mutex_unlock (&p->rig->lock);
  return TRUE;
}

/* Called with the lock held, or before the phone is shared. */
static gboolean
set_fault_locked (VpPhone *p, const char *kind, const char *arg, GError **error)
{
  guint64 n = 0;
  gboolean has_n = parse_u64 (arg, &n);

  /* An outside responder answers for itself: only what the cable and the
   * bus do can be put on it. */
  if (p->ffs_argv != NULL && !g_str_equal (kind, "disconnect-after-bytes") && !g_str_equal (kind, "busy") &&
      !g_str_equal (kind, "clear"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "fault \"%s\" needs the rig's own responder; the phone runs %s", kind, p->ffs_argv[0]);
      return FALSE;
    }
  if (g_str_equal (kind, "disconnect-after-bytes") && has_n)
    p->faults.disconnect_after = (gint64) n + (gint64) p->stats.bytes_to_host;
  else if (g_str_equal (kind, "store-full-after-bytes") && has_n)
    p->faults.store_full_after = (gint64) n;
  else if (g_str_equal (kind, "busy"))
    p->busy = arg == NULL || *arg == '\0' || g_str_equal (arg, "yes") || g_str_equal (arg, "1");
  else if (g_str_equal (kind, "stall") && has_n)
    p->faults.stall_seconds = (guint) n;
  else if (g_str_equal (kind, "device-busy"))
    p->faults.device_busy = arg == NULL || *arg == '\0' || g_str_equal (arg, "yes") || g_str_equal (arg, "1");
  else if (g_str_equal (kind, "vanish") && arg != NULL && *arg)
    {
      g_free (p->faults.vanish);
      p->faults.vanish = g_strdup (arg);
    }
  else if (g_str_equal (kind, "keep-partial"))
    p->faults.keep_partial = arg == NULL || *arg == '\0' || g_str_equal (arg, "yes") || g_str_equal (arg, "1");
  else if (g_str_equal (kind, "proplist-drops") && has_n)
    p->faults.proplist_drops = (guint) n;
  else if (g_str_equal (kind, "flaky") && has_n)
    p->faults.flaky = (guint) n;
  else if (g_str_equal (kind, "flaky-op") && arg != NULL && vp_mtp_operation_name_known (arg))
    {
      g_free (p->faults.flaky_op);
      p->faults.flaky_op = g_strdup (arg);
      p->faults.flaky_seen = 0;
    }
  else if (g_str_equal (kind, "clear"))
    {
      p->busy = FALSE;
      p->faults.device_busy = FALSE;
      p->faults.flaky = 0;
      p->faults.proplist_drops = 0;
      g_clear_pointer (&p->faults.flaky_op, g_free);
      p->faults.keep_partial = FALSE;
      p->faults.stall_seconds = 0;
      p->faults.store_full_after = -1;
      p->faults.disconnect_after = -1;
      g_clear_pointer (&p->faults.vanish, g_free);
      /* What filled the storage is deleted too: the space comes back. */
      if (p->store != NULL)
        vp_store_unfill (p->store);
    }
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown fault \"%s%s%s\"", kind, arg && *arg ? " " : "", arg ? arg : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
vp_phone_set_fault (VpPhone *p, const char *kind, const char *arg, GError **error)
{
  gboolean ok;

  if (p->mtp == NULL)
    return set_fault_locked (p, kind, arg, error);
  g_mutex_lock (&p->rig->lock);
  ok = set_fault_locked (p, kind, arg, error);
  g_mutex_unlock (&p->rig->lock);
  return ok;
}

static gint
cmp_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
stats_json_locked (VpPhone *p, GString *out)
{
  g_autofree char *serial = g_strescape (p->serial, NULL);
  g_autofree char *name = g_strescape (p->name, NULL);
  guint n = 0;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (p->stats.operations, &n);

  qsort (keys, n, sizeof (gpointer), cmp_keys);
  g_string_append_printf (out, "{\"name\": \"%s\", \"serial\": \"%s\", \"plugged\": %s, \"operations\": {",
                          name, serial, p->plugged ? "true" : "false");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s\"%s\": %u", i ? ", " : "", (char *) keys[i],
                            GPOINTER_TO_UINT (g_hash_table_lookup (p->stats.operations, keys[i])));
  g_string_append_printf (out, "}, \"transactions\": %" G_GUINT64_FORMAT
                          ", \"bytes_to_host\": %" G_GUINT64_FORMAT
                          ", \"bytes_from_host\": %" G_GUINT64_FORMAT "}",
                          p->stats.transactions, p->stats.bytes_to_host, p->stats.bytes_from_host);
}

void
vp_phone_stats_json (VpPhone *p, GString *out)
{
  g_mutex_lock (&p->rig->lock);
  stats_json_locked (p, out);
  g_mutex_unlock (&p->rig->lock);
}

void
vp_rig_stats_json (VpRig *rig, GString *out)
{
  g_string_append (out, "{\"phones\": [");
  for (guint i = 0; i < rig->phones->len; i++)
    {
      if (i)
        g_string_append (out, ", ");
      vp_phone_stats_json (rig->phones->pdata[i], out);
    }
  g_string_append (out, "]}\n");
}

VpPhone *
vp_rig_find (VpRig *rig, const char *name)
{
  for (guint i = 0; i < rig->phones->len; i++)
    if (g_str_equal (((VpPhone *) rig->phones->pdata[i])->name, name))
      return rig->phones->pdata[i];
  return NULL;
}

gboolean
vp_rig_wait_clients (VpRig *rig, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* umockdev notices a client's closed socket on its own thread; tearing
   * the testbed down before that leaves streams open. */
  for (;;)
    {
      guint open = 0;
      g_mutex_lock (&rig->lock);
      for (guint i = 0; i < rig->phones->len; i++)
        open += sweep_clients_locked (rig->phones->pdata[i]);
      g_mutex_unlock (&rig->lock);
      if (open == 0)
        return TRUE;
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (10000);
    }
}

VpRig *
vp_rig_new (gboolean usb2)
{
  VpRig *rig = g_new0 (VpRig, 1);

  g_mutex_init (&rig->lock);
  rig->usb2 = usb2;
  rig->context = g_main_context_ref_thread_default ();
  rig->phones = g_ptr_array_new_with_free_func ((GDestroyNotify) vp_phone_free);
  rig->next_devnum = 2;
  return rig;
}

void
vp_rig_free (VpRig *rig)
{
  /* The testbed goes first: its worker thread may still report clients
   * vanishing, and those callbacks need the phones. */
  /* Responders first: ending their held endpoint calls needs the
   * testbed's worker thread. */
  for (guint i = 0; i < rig->phones->len; i++)
    g_clear_pointer (&((VpPhone *) rig->phones->pdata[i])->ffs, vp_ffs_free);
  g_clear_object (&rig->testbed);
  g_ptr_array_unref (rig->phones);
  g_main_context_unref (rig->context);
  g_mutex_clear (&rig->lock);
  g_free (rig);
}

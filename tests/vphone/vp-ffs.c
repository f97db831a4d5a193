/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Emulated FunctionFS endpoints for a device-side responder; see vp-ffs.h.
 *
 * What the kernel's f_fs.c does and this file follows:
 *  - ep0 takes the descriptors block, then the strings block; after that a
 *    read() returns struct usb_functionfs_event records and blocks while
 *    there are none.  Reading a SETUP event leaves the request pending: a
 *    write() answers an IN request (data stage), a read() an OUT one; the
 *    wrong direction stalls it (EL2HLT).
 *  - a read() of a bulk-OUT endpoint ends at a short packet or when the
 *    buffer is full; a write() of a bulk-IN endpoint returns once the host
 *    has taken all its bytes, and ends the host's transfer with a short
 *    packet unless its length is a multiple of wMaxPacketSize.
 *  - endpoint I/O in flight fails when the function is disabled.
 *
 * umockdev's emulated nodes are plain files, so select()/poll() always say
 * "readable": the read itself is held here (the client is completed later)
 * until there is something to give.  umockdev's preload blocks every signal
 * during an emulated call (libumockdev-preload.c remote_emulate()), so a
 * signal cannot interrupt such a read: the rig fails it instead. */
#include "config.h"
#include "vp-ffs.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/usb/functionfs.h>
#include <glib/gstdio.h>

#define N_EPS 4
#define MAX_PACKET 512

typedef struct {
  GBytes *bytes;
  gsize off;
  UMockdevIoctlClient *writer;   /* completed once the host took it all */
} InChunk;

typedef struct {
  guint8 *data;
  gsize len, off;
  gboolean end;
  gpointer token;                /* the host's URB, completed once read */
} OutChunk;

typedef struct {
  VpFfs *f;
  guint idx;                     /* 0 = ep0, 1.. = endpoint files */
  char *devnode;
  UMockdevIoctlBase *handler;
  GQueue readers;                /* UMockdevIoctlClient* held in read() */
  GQueue writes;                 /* InChunk* (bulk IN, interrupt) */
  guint8 type, dir_in;           /* from the function's descriptors */
} Ep;

enum { WANT_DESCRIPTORS, WANT_STRINGS, READY };

struct _VpFfs {
  GMutex *lock;
  GCond cond;
  VpFfsHooks hooks;
  gpointer data;
  char *dir;
  char **argv;
  GPid pid;
  Ep ep[N_EPS];
  guint n_eps;                   /* endpoint files the descriptors name */
  int in_ep, out_ep, int_ep;     /* which file is which */
  int state;
  GByteArray *hs;                /* interface + endpoint descriptors */
  GPtrArray *strings;            /* char*, language 0x0409 */
  GQueue events;                 /* struct usb_functionfs_event* */
  GQueue out;                    /* OutChunk* */
  gboolean enabled;
  /* a class request: queued, then pending once its SETUP event was read */
  gboolean setup_queued, setup_pending;
  guint8 setup[8];
  GByteArray *setup_data;
  guint8 *reply;
  gsize reply_max;
  gpointer token;
  UMockdevIoctlClient *owner;    /* the open ep0 that wrote the descriptors */
  gboolean was_ready;            /* descriptors came once: later ones re-bind */
  guint watch;                   /* main-loop timer: ep0 closed, signals */
  GHashTable *clients;           /* every UMockdevIoctlClient seen (ref) */
  gboolean stopping;             /* the rig ends: every call fails at once */
  gsize out_filled;              /* bytes in the head bulk-OUT read's buffer */
};

static gboolean
debug_on (void)
{
  static int on = -1;
  if (on < 0)
    on = g_getenv ("VPHONE_DEBUG") != NULL;
  return on;
}

#define TRACE(...) do { if (debug_on ()) g_printerr ("vphone-ffs: " __VA_ARGS__); } while (0)

static guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static void
client_done (UMockdevIoctlClient *ioc, glong res, int err)
{
  TRACE ("%s -> %ld%s%s\n", umockdev_ioctl_client_get_devnode (ioc), res,
         res < 0 ? " " : "", res < 0 ? g_strerror (err) : "");
  umockdev_ioctl_client_complete (ioc, res, err);
  g_object_unref (ioc);
}

static void fail_io (VpFfs *f, int err);

/* ---- ep0 ------------------------------------------------------------------ */

static void
queue_event (VpFfs *f, guint8 type, const guint8 *setup)
{
  struct usb_functionfs_event *ev = g_new0 (struct usb_functionfs_event, 1);

  ev->type = type;
  if (setup != NULL)
    memcpy (&ev->u.setup, setup, 8);
  g_queue_push_tail (&f->events, ev);
}

static void
end_setup (VpFfs *f, int status, gsize actual)
{
  gpointer token = f->token;

  f->setup_queued = f->setup_pending = FALSE;
  f->token = NULL;
  g_clear_pointer (&f->setup_data, g_byte_array_unref);
  if (token != NULL)
    f->hooks.control_done (f->data, token, status, actual);
}

/* Gives held ep0 reads the queued events. */
static void
serve_ep0 (VpFfs *f)
{
  Ep *ep = &f->ep[0];

  while (!g_queue_is_empty (&ep->readers) && !g_queue_is_empty (&f->events) && !f->setup_pending)
    {
      UMockdevIoctlClient *ioc = g_queue_pop_head (&ep->readers);
      UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);
      gsize room = (gsize) arg->data_len / sizeof (struct usb_functionfs_event), n = 0;

      if (room == 0)
        {
          client_done (ioc, -1, EINVAL);
          continue;
        }
      while (n < room && !g_queue_is_empty (&f->events))
        {
          struct usb_functionfs_event *ev = g_queue_pop_head (&f->events);
          memcpy (arg->data + n * sizeof *ev, ev, sizeof *ev);
          n++;
          /* f_fs.c __ffs_ep0_read_events(): a SETUP read last leaves the
           * request pending; nothing more is read until it is answered. */
          if (ev->type == FUNCTIONFS_SETUP)
            {
              f->setup_pending = TRUE;
              g_free (ev);
              break;
            }
          g_free (ev);
        }
      client_done (ioc, (glong) (n * sizeof (struct usb_functionfs_event)), 0);
    }
}

static gboolean
parse_descriptors (VpFfs *f, const guint8 *d, gsize len)
{
  guint32 magic, flags = 0, counts[3] = { 0, 0, 0 };
  gsize off = 8;
  guint n_counts = 0, skip;

  if (len < 16)
    return FALSE;
  magic = le32 (d);
  if (le32 (d + 4) != len)
    return FALSE;
  if (magic == FUNCTIONFS_DESCRIPTORS_MAGIC_V2)
    {
      flags = le32 (d + 8);
      off = 12;
      if (flags & FUNCTIONFS_EVENTFD)
        off += 4;
      for (guint bit = 0; bit < 3; bit++)
        if (flags & (1u << bit))
          {
            if (off + 4 > len)
              return FALSE;
            counts[bit] = le32 (d + off);
            off += 4;
            n_counts++;
          }
      if (flags & FUNCTIONFS_HAS_MS_OS_DESC)
        off += 4;
    }
  else if (magic == FUNCTIONFS_DESCRIPTORS_MAGIC)
    {
      counts[0] = le32 (d + 8);
      counts[1] = le32 (d + 12);
      off = 16;
    }
  else
    return FALSE;
  (void) n_counts;
  /* Skip the full-speed set; keep the high-speed one (the rig is a USB 2.0
   * high-speed bus). */
  for (skip = 0; skip < counts[0]; skip++)
    {
      if (off >= len || d[off] == 0)
        return FALSE;
      off += d[off];
    }
  f->hs = g_byte_array_new ();
  f->in_ep = f->out_ep = f->int_ep = -1;
  f->n_eps = 0;
  for (guint i = 0; i < counts[1]; i++)
    {
      guint8 l;
      if (off + 2 > len || (l = d[off]) < 2 || off + l > len)
        return FALSE;
      if (d[off + 1] == 5 && l >= 7 && f->n_eps + 1 < N_EPS)
        {
          /* FunctionFS numbers its endpoint files in descriptor order. */
          guint idx = ++f->n_eps;
          f->ep[idx].type = d[off + 3] & 3;
          f->ep[idx].dir_in = (d[off + 2] & 0x80) != 0;
          if (f->ep[idx].type == 2 && f->ep[idx].dir_in && f->in_ep < 0)
            f->in_ep = (int) idx;
          else if (f->ep[idx].type == 2 && !f->ep[idx].dir_in && f->out_ep < 0)
            f->out_ep = (int) idx;
          else if (f->ep[idx].type == 3 && f->ep[idx].dir_in && f->int_ep < 0)
            f->int_ep = (int) idx;
        }
      g_byte_array_append (f->hs, d + off, l);
      off += l;
    }
  return f->in_ep > 0 && f->out_ep > 0;
}

static gboolean
parse_strings (VpFfs *f, const guint8 *d, gsize len)
{
  guint32 n_str, n_lang;
  gsize off = 16;

  if (len < 16 || le32 (d) != FUNCTIONFS_STRINGS_MAGIC || le32 (d + 4) != len)
    return FALSE;
  n_str = le32 (d + 8);
  n_lang = le32 (d + 12);
  f->strings = g_ptr_array_new_with_free_func (g_free);
  for (guint l = 0; l < n_lang; l++)
    {
      guint16 code;
      if (off + 2 > len)
        return FALSE;
      code = le16 (d + off);
      off += 2;
      for (guint s = 0; s < n_str; s++)
        {
          const guint8 *nul = memchr (d + off, 0, len - off);
          if (nul == NULL)
            return FALSE;
          if (l == 0 || code == 0x0409)
            {
              if (f->strings->len <= s)
                g_ptr_array_add (f->strings, g_strndup ((const char *) d + off, (gsize) (nul - (d + off))));
              else if (code == 0x0409)
                {
                  g_free (f->strings->pdata[s]);
                  f->strings->pdata[s] = g_strndup ((const char *) d + off, (gsize) (nul - (d + off)));
                }
            }
          off = (gsize) (nul - d) + 1;
        }
    }
  return TRUE;
}

/* The FunctionFS instance is closed: the function leaves the gadget, the
 * gadget the bus; the next descriptors start a new instance. */
static void
function_closed (VpFfs *f)
{
  f->enabled = FALSE;
  if (f->setup_queued || f->setup_pending)
    end_setup (f, -ESHUTDOWN, 0);
  fail_io (f, ESHUTDOWN);
  while (!g_queue_is_empty (&f->ep[0].readers))
    client_done (g_queue_pop_head (&f->ep[0].readers), -1, ESHUTDOWN);
  g_queue_clear_full (&f->events, g_free);
  g_clear_pointer (&f->hs, g_byte_array_unref);
  g_clear_pointer (&f->strings, g_ptr_array_unref);
  g_clear_object (&f->owner);
  f->in_ep = f->out_ep = f->int_ep = -1;
  f->n_eps = 0;
  f->state = WANT_DESCRIPTORS;
  f->hooks.closed (f->data);
}

gboolean
vp_ffs_ready (VpFfs *f)
{
  return f->state == READY;
}

static gboolean
ep0_read (VpFfs *f, UMockdevIoctlClient *ioc)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);

  if (f->state != READY)
    {
      umockdev_ioctl_client_complete (ioc, -1, EBADFD);
      return TRUE;
    }
  if (f->setup_pending)
    {
      guint16 wlength = le16 (f->setup + 6);
      gsize n;

      if (f->setup[0] & 0x80)
        {
          /* Reading during an IN request stalls it (f_fs.c ffs_ep0_read()). */
          end_setup (f, -EPIPE, 0);
          umockdev_ioctl_client_complete (ioc, -1, EL2HLT);
          return TRUE;
        }
      n = MIN ((gsize) arg->data_len, f->setup_data ? f->setup_data->len : 0);
      if (n > 0)
        memcpy (arg->data, f->setup_data->data, n);
      end_setup (f, 0, wlength);
      umockdev_ioctl_client_complete (ioc, (glong) n, 0);
      serve_ep0 (f);
      return TRUE;
    }
  g_queue_push_tail (&f->ep[0].readers, g_object_ref (ioc));
  serve_ep0 (f);
  return TRUE;
}

static gboolean
ep0_write (VpFfs *f, UMockdevIoctlClient *ioc)
{
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);
  const guint8 *d = arg->data;
  gsize len = (gsize) arg->data_len;

  if (f->state == READY && ioc != f->owner && !f->setup_pending)
    {
      /* Descriptors on a newly opened ep0: the responder started over
       * (umtprd re-initialises after "Killing the link"). */
      function_closed (f);
    }
  switch (f->state)
    {
    case WANT_DESCRIPTORS:
      if (!parse_descriptors (f, d, len))
        {
          g_clear_pointer (&f->hs, g_byte_array_unref);
          umockdev_ioctl_client_complete (ioc, -1, EINVAL);
          return TRUE;
        }
      f->state = WANT_STRINGS;
      umockdev_ioctl_client_complete (ioc, (glong) len, 0);
      return TRUE;
    case WANT_STRINGS:
      if (!parse_strings (f, d, len))
        {
          g_clear_pointer (&f->strings, g_ptr_array_unref);
          umockdev_ioctl_client_complete (ioc, -1, EINVAL);
          return TRUE;
        }
      f->state = READY;
      g_clear_object (&f->owner);
      f->owner = g_object_ref (ioc);
      /* The gadget is bound to the UDC once the function is complete. */
      queue_event (f, FUNCTIONFS_BIND, NULL);
      g_cond_broadcast (&f->cond);
      if (f->was_ready)
        f->hooks.ready (f->data);
      f->was_ready = TRUE;
      umockdev_ioctl_client_complete (ioc, (glong) len, 0);
      return TRUE;
    default:
      break;
    }
  if (!f->setup_pending)
    {
      umockdev_ioctl_client_complete (ioc, -1, EIDRM);
      return TRUE;
    }
  if (!(f->setup[0] & 0x80))
    {
      end_setup (f, -EPIPE, 0);
      umockdev_ioctl_client_complete (ioc, -1, EL2HLT);
      return TRUE;
    }
  {
    gsize n = MIN (len, MIN (f->reply_max, (gsize) le16 (f->setup + 6)));
    if (n > 0 && f->reply != NULL)
      memcpy (f->reply, d, n);
    end_setup (f, 0, n);
    umockdev_ioctl_client_complete (ioc, (glong) len, 0);
    serve_ep0 (f);
  }
  return TRUE;
}

/* ---- data endpoints -------------------------------------------------------- */

/* Host packets land in the buffer of the read at the head of the queue, as
 * in a UDC request: the host's URB ends once its bytes are in, the read once
 * its buffer is full or a short packet ended the host's transfer.  With no
 * read queued the UDC NAKs, and the host's URB waits. */
static void
serve_out (VpFfs *f)
{
  Ep *ep;

  if (f->out_ep < 0)
    return;
  ep = &f->ep[f->out_ep];
  while (!g_queue_is_empty (&ep->readers) && !g_queue_is_empty (&f->out))
    {
      UMockdevIoctlClient *ioc = g_queue_peek_head (&ep->readers);
      UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (ioc);
      gsize room = (gsize) arg->data_len;
      OutChunk *c = g_queue_peek_head (&f->out);
      gsize n = MIN (c->len - c->off, room - f->out_filled);
      gboolean ended = FALSE;

      memcpy (arg->data + f->out_filled, c->data + c->off, n);
      f->out_filled += n;
      c->off += n;
      if (c->off == c->len)
        {
          ended = c->end;
          g_queue_pop_head (&f->out);
          if (c->token != NULL)
            f->hooks.out_done (f->data, c->token, 0, c->len);
          g_free (c->data);
          g_free (c);
        }
      if (ended || f->out_filled == room)
        {
          g_queue_pop_head (&ep->readers);
          client_done (ioc, (glong) f->out_filled, 0);
          f->out_filled = 0;
        }
    }
}

static void
drop_out (VpFfs *f, int status)
{
  while (!g_queue_is_empty (&f->out))
    {
      OutChunk *c = g_queue_pop_head (&f->out);
      if (c->token != NULL)
        f->hooks.out_done (f->data, c->token, status, c->off);
      g_free (c->data);
      g_free (c);
    }
}

/* Ends the calls held on the data endpoints.  ESHUTDOWN (disabled): the
 * host's queued bulk-OUT URBs end too; EINTR (a signal) leaves them for
 * the next read, as the host's data waits behind a NAK. */
static void
fail_io (VpFfs *f, int err)
{
  for (guint i = 1; i <= f->n_eps; i++)
    {
      Ep *ep = &f->ep[i];
      while (!g_queue_is_empty (&ep->readers))
        client_done (g_queue_pop_head (&ep->readers), -1, err);
      if ((int) i == f->out_ep)
        f->out_filled = 0;          /* what the read had taken is lost */
      while (!g_queue_is_empty (&ep->writes))
        {
          InChunk *c = g_queue_pop_head (&ep->writes);
          if (c->writer != NULL)
            client_done (c->writer, -1, err);
          g_bytes_unref (c->bytes);
          g_free (c);
        }
    }
  if (err != EINTR)
    drop_out (f, -ESHUTDOWN);
}

static void
seen (VpFfs *f, UMockdevIoctlClient *ioc)
{
  if (!g_hash_table_contains (f->clients, ioc))
    g_hash_table_add (f->clients, g_object_ref (ioc));
}

static void
client_connected (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  Ep *ep = data;

  (void) handler;
  g_mutex_lock (ep->f->lock);
  seen (ep->f, ioc);
  g_mutex_unlock (ep->f->lock);
}

static gboolean
handle_read (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  Ep *ep = data;
  VpFfs *f = ep->f;

  (void) handler;
  g_mutex_lock (f->lock);
  seen (f, ioc);
  TRACE ("read(ep%u, %d)\n", ep->idx, umockdev_ioctl_client_get_arg (ioc)->data_len);
  if (f->stopping)
    umockdev_ioctl_client_complete (ioc, -1, EINTR);
  else if (ep->idx == 0)
    ep0_read (f, ioc);
  else if ((int) ep->idx != f->out_ep)
    umockdev_ioctl_client_complete (ioc, -1, EINVAL);
  else if (!f->enabled)
    umockdev_ioctl_client_complete (ioc, -1, ESHUTDOWN);
  else
    {
      g_queue_push_tail (&ep->readers, g_object_ref (ioc));
      serve_out (f);
    }
  g_mutex_unlock (f->lock);
  return TRUE;
}

static gboolean
handle_write (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  Ep *ep = data;
  VpFfs *f = ep->f;
  UMockdevIoctlData *arg;

  (void) handler;
  g_mutex_lock (f->lock);
  seen (f, ioc);
  arg = umockdev_ioctl_client_get_arg (ioc);
  TRACE ("write(ep%u, %d)\n", ep->idx, arg->data_len);
  if (f->stopping)
    umockdev_ioctl_client_complete (ioc, -1, EINTR);
  else if (ep->idx == 0)
    ep0_write (f, ioc);
  else if ((int) ep->idx != f->in_ep && (int) ep->idx != f->int_ep)
    umockdev_ioctl_client_complete (ioc, -1, EINVAL);
  else if (!f->enabled)
    umockdev_ioctl_client_complete (ioc, -1, ESHUTDOWN);
  else
    {
      InChunk *c = g_new0 (InChunk, 1);
      c->bytes = g_bytes_new (arg->data, (gsize) arg->data_len);
      c->writer = g_object_ref (ioc);
      g_queue_push_tail (&ep->writes, c);
      f->hooks.kick (f->data);
    }
  g_mutex_unlock (f->lock);
  return TRUE;
}

static gboolean
handle_ioctl (UMockdevIoctlBase *handler, UMockdevIoctlClient *ioc, gpointer data)
{
  Ep *ep = data;
  gulong req = umockdev_ioctl_client_get_request (ioc);

  (void) handler;
  switch (req)
    {
    case FUNCTIONFS_FIFO_STATUS:
      /* Nothing sits in an emulated FIFO. */
      umockdev_ioctl_client_complete (ioc, 0, 0);
      break;
    case FUNCTIONFS_FIFO_FLUSH:
    case FUNCTIONFS_CLEAR_HALT:
      umockdev_ioctl_client_complete (ioc, 0, 0);
      break;
    case FUNCTIONFS_INTERFACE_REVMAP:
      umockdev_ioctl_client_complete (ioc, 0, 0);
      break;
    case FUNCTIONFS_ENDPOINT_REVMAP:
      if (ep->idx == 0)
        umockdev_ioctl_client_complete (ioc, -1, EOPNOTSUPP);
      else
        umockdev_ioctl_client_complete (ioc, ep->dir_in ? 0x80 | (glong) ep->idx : (glong) ep->idx, 0);
      break;
    default:
      umockdev_ioctl_client_complete (ioc, -1, ENOTTY);
      break;
    }
  return TRUE;
}

/* ---- host side -------------------------------------------------------------- */

gboolean
vp_ffs_out (VpFfs *f, const guint8 *data, gsize len, gboolean transfer_end, gpointer token)
{
  OutChunk *c;

  if (!f->enabled)
    return FALSE;
  c = g_new0 (OutChunk, 1);
  c->token = token;
  c->data = g_memdup2 (data, len);
  c->len = len;
  c->end = transfer_end;
  TRACE ("host OUT %zu%s\n", len, transfer_end ? " end" : "");
  g_queue_push_tail (&f->out, c);
  serve_out (f);
  return TRUE;
}

void
vp_ffs_forget_out (VpFfs *f, gboolean (*match) (gpointer token, gpointer user), gpointer user)
{
  for (GList *l = f->out.head; l != NULL;)
    {
      GList *next = l->next;
      OutChunk *c = l->data;
      if (c->token != NULL && match (c->token, user))
        {
          g_queue_delete_link (&f->out, l);
          g_free (c->data);
          g_free (c);
        }
      l = next;
    }
}

gssize
vp_ffs_in (VpFfs *f, guint8 *buf, gsize max, gsize *filled)
{
  Ep *ep;

  if (f->in_ep < 0)
    return -1;
  ep = &f->ep[f->in_ep];
  while (!g_queue_is_empty (&ep->writes))
    {
      InChunk *c = g_queue_peek_head (&ep->writes);
      gsize total, n;
      const guint8 *d = g_bytes_get_data (c->bytes, &total);

      if (*filled == max && max > 0)
        return (gssize) max;
      n = MIN (total - c->off, max - *filled);
      memcpy (buf + *filled, d + c->off, n);
      *filled += n;
      c->off += n;
      if (c->off < total)
        return (gssize) *filled;        /* the URB is full */
      g_queue_pop_head (&ep->writes);
      if (c->writer != NULL)
        client_done (c->writer, (glong) total, 0);
      g_bytes_unref (c->bytes);
      g_free (c);
      if (total % MAX_PACKET != 0 || total == 0 || *filled == max)
        return (gssize) *filled;        /* a short packet ends the transfer */
    }
  return -1;
}

GBytes *
vp_ffs_next_event (VpFfs *f)
{
  Ep *ep;
  InChunk *c;
  GBytes *b;

  if (f->int_ep < 0)
    return NULL;
  ep = &f->ep[f->int_ep];
  c = g_queue_pop_head (&ep->writes);
  if (c == NULL)
    return NULL;
  b = c->bytes;
  if (c->writer != NULL)
    client_done (c->writer, (glong) g_bytes_get_size (b), 0);
  g_free (c);
  return b;
}

void
vp_ffs_setup (VpFfs *f, const guint8 setup[8], const guint8 *data, gsize data_len,
              guint8 *reply, gsize reply_max, gpointer token)
{
  if (f->setup_pending)
    end_setup (f, -EPIPE, 0);         /* a new SETUP cancels the old one */
  else if (f->setup_queued)
    {
      /* Not read yet: the old SETUP event goes too (f_fs.c
       * __ffs_event_add() drops a queued SETUP for a newer one). */
      for (GList *l = f->events.head; l != NULL;)
        {
          GList *next = l->next;
          if (((struct usb_functionfs_event *) l->data)->type == FUNCTIONFS_SETUP)
            {
              g_free (l->data);
              g_queue_delete_link (&f->events, l);
            }
          l = next;
        }
      end_setup (f, -EPIPE, 0);
    }
  memcpy (f->setup, setup, 8);
  TRACE ("SETUP %02x %02x wLength %u\n", setup[0], setup[1], le16 (setup + 6));
  f->setup_data = g_byte_array_new ();
  if (data_len > 0)
    g_byte_array_append (f->setup_data, data, (guint) data_len);
  f->reply = reply;
  f->reply_max = reply_max;
  f->token = token;
  f->setup_queued = TRUE;
  queue_event (f, FUNCTIONFS_SETUP, setup);
  serve_ep0 (f);
}

void
vp_ffs_enable (VpFfs *f)
{
  f->enabled = TRUE;
  queue_event (f, FUNCTIONFS_ENABLE, NULL);
  serve_ep0 (f);
}

void
vp_ffs_disable (VpFfs *f)
{
  if (!f->enabled)
    return;
  f->enabled = FALSE;
  if (f->setup_queued || f->setup_pending)
    end_setup (f, -ESHUTDOWN, 0);
  /* f_fs.c ffs_func_eps_disable(): requests in flight end with ESHUTDOWN;
   * here also the reads a signal could not interrupt. */
  fail_io (f, ESHUTDOWN);
  queue_event (f, FUNCTIONFS_DISABLE, NULL);
  serve_ep0 (f);
}

void
vp_ffs_append_descriptors (VpFfs *f, GByteArray *out, guint first_string)
{
  gsize off = 0;

  if (f->hs == NULL)
    return;
  while (off + 2 <= f->hs->len)
    {
      guint8 l = f->hs->data[off];
      guint start = out->len;
      if (l < 2 || off + l > f->hs->len)
        break;
      g_byte_array_append (out, f->hs->data + off, l);
      if (f->hs->data[off + 1] == 4 && l >= 9 && out->data[start + 8] != 0)
        out->data[start + 8] = (guint8) (out->data[start + 8] - 1 + first_string);
      else if (f->hs->data[off + 1] == 5 && l >= 7)
        {
          guint8 type = out->data[start + 3] & 3;
          gboolean in = (out->data[start + 2] & 0x80) != 0;
          /* The UDC's autoconfig picks the addresses (0x81, 0x02, 0x83). */
          out->data[start + 2] = type == 3 ? 0x83 : in ? 0x81 : 0x02;
        }
      off += l;
    }
}

const char *
vp_ffs_string (VpFfs *f, guint id)
{
  if (f->strings == NULL || id == 0 || id > f->strings->len)
    return NULL;
  return f->strings->pdata[id - 1];
}

/* ---- the main-loop watch ---------------------------------------------------------- */

static guint64
status_mask (const char *text, const char *key)
{
  const char *l = strstr (text, key);
  return l != NULL ? g_ascii_strtoull (l + strlen (key), NULL, 16) : 0;
}

/* Signals pending on a thread of the responder that it does not ignore.
 * A thread held in an emulated call has every signal blocked (umockdev
 * 0.17 libumockdev-preload.c remote_emulate() sigfillset()s the mask), so
 * the signal waits where the kernel would have ended the call with EINTR
 * (or killed the process).  *fatal: one of them has no handler. */
static gboolean
signal_pending (GPid pid, gboolean *fatal)
{
  g_autofree char *dir = g_strdup_printf ("/proc/%d/task", (int) pid);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  gboolean found = FALSE;

  *fatal = FALSE;
  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, "status", NULL);
      g_autofree char *text = NULL;
      guint64 pnd, ign, cgt;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      pnd = status_mask (text, "\nSigPnd:") | status_mask (text, "\nShdPnd:");
      ign = status_mask (text, "\nSigIgn:");
      cgt = status_mask (text, "\nSigCgt:");
      pnd &= ~ign;
      if (pnd != 0)
        found = TRUE;
      if (pnd & ~cgt)
        *fatal = TRUE;
    }
  g_dir_close (d);
  return found;
}

static gboolean
held_io (VpFfs *f)
{
  for (guint i = 1; i <= f->n_eps; i++)
    if (!g_queue_is_empty (&f->ep[i].readers) || !g_queue_is_empty (&f->ep[i].writes))
      return TRUE;
  return FALSE;
}

static gboolean
watch (gpointer data)
{
  VpFfs *f = data;
  gboolean fatal;

  g_mutex_lock (f->lock);
  if (f->pid > 0)
    {
      int status;
      if (waitpid (f->pid, &status, WNOHANG) == f->pid)
        {
          /* Its calls held here keep umockdev's streams open: the open ep0
           * does not look closed.  Unbind the gadget now. */
          g_printerr ("vphone-run: the responder %s %s %d: the phone leaves the bus\n", f->argv[0],
                      WIFEXITED (status) ? "exited with status" : "was killed by signal",
                      WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
          g_spawn_close_pid (f->pid);
          f->pid = 0;
          f->stopping = TRUE;
          while (!g_queue_is_empty (&f->ep[0].readers))
            client_done (g_queue_pop_head (&f->ep[0].readers), -1, ESHUTDOWN);
          if (f->state == READY)
            function_closed (f);
          else
            fail_io (f, ESHUTDOWN);
        }
    }
  if (f->state == READY && f->owner != NULL && !umockdev_ioctl_client_get_connected (f->owner))
    {
      TRACE ("ep0 closed\n");
      function_closed (f);
    }
  if ((held_io (f) || !g_queue_is_empty (&f->ep[0].readers)) && f->pid > 0 && signal_pending (f->pid, &fatal))
    {
      TRACE ("signal pending on the responder: its held endpoint calls end with EINTR\n");
      fail_io (f, EINTR);
      if (fatal)
        while (!g_queue_is_empty (&f->ep[0].readers))
          client_done (g_queue_pop_head (&f->ep[0].readers), -1, EINTR);
    }
  g_mutex_unlock (f->lock);
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ---------------------------------------------------------------- */

VpFfs *
vp_ffs_new (GMutex *lock, const char *dir, char **argv, const VpFfsHooks *hooks, gpointer data)
{
  VpFfs *f = g_new0 (VpFfs, 1);

  f->lock = lock;
  g_cond_init (&f->cond);
  f->hooks = *hooks;
  f->data = data;
  f->dir = g_strdup (dir);
  f->argv = g_strdupv (argv);
  f->in_ep = f->out_ep = f->int_ep = -1;
  g_queue_init (&f->events);
  g_queue_init (&f->out);
  f->clients = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  for (guint i = 0; i < N_EPS; i++)
    {
      f->ep[i].f = f;
      f->ep[i].idx = i;
      g_queue_init (&f->ep[i].readers);
      g_queue_init (&f->ep[i].writes);
    }
  return f;
}

static void
child_setup (gpointer data)
{
  (void) data;
  /* The responder's chatter goes to stderr, not into COMMAND's stdout. */
  dup2 (2, 1);
}

gboolean
vp_ffs_start (VpFfs *f, UMockdevTestbed *tb, GError **error)
{
  g_autofree char *root = umockdev_testbed_get_root_dir (tb);
  g_autofree char *fsdir = g_build_filename (root, f->dir, NULL);
  gint64 until;

  if (g_mkdir_with_parents (fsdir, 0755) < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create %s", fsdir);
      return FALSE;
    }
  for (guint i = 0; i < N_EPS; i++)
    {
      Ep *ep = &f->ep[i];
      g_autofree char *file = NULL;

      ep->devnode = g_strdup_printf ("%s/ep%u", f->dir, i);
      file = g_build_filename (root, ep->devnode, NULL);
      if (!g_file_set_contents (file, "", 0, error))
        return FALSE;
      ep->handler = umockdev_ioctl_base_new ();
      g_signal_connect (ep->handler, "handle-read", G_CALLBACK (handle_read), ep);
      g_signal_connect (ep->handler, "handle-write", G_CALLBACK (handle_write), ep);
      g_signal_connect (ep->handler, "handle-ioctl", G_CALLBACK (handle_ioctl), ep);
      g_signal_connect (ep->handler, "client-connected", G_CALLBACK (client_connected), ep);
      if (!umockdev_testbed_attach_ioctl (tb, ep->devnode, ep->handler, error))
        return FALSE;
    }
  /* The command runs inside the testbed: it inherits umockdev's preload
   * and UMOCKDEV_DIR from this process. */
  f->watch = g_timeout_add (20, watch, f);
  g_setenv ("VPHONE_FFS", f->dir, TRUE);
  if (!g_spawn_async (NULL, f->argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                      child_setup, NULL, &f->pid, error))
    return FALSE;
  g_unsetenv ("VPHONE_FFS");

  g_mutex_lock (f->lock);
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (f->state != READY)
    if (!g_cond_wait_until (&f->cond, f->lock, until))
      break;
  g_mutex_unlock (f->lock);
  if (f->state != READY)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s did not write its FunctionFS %s to %s/ep0 within 10 s",
                   f->argv[0], f->state == WANT_STRINGS ? "strings" : "descriptors", f->dir);
      return FALSE;
    }
  return TRUE;
}

void
vp_ffs_free (VpFfs *f)
{
  if (f == NULL)
    return;
  if (f->watch != 0)
    g_source_remove (f->watch);
  if (f->pid > 0)
    {
      int status;
      gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
      gboolean gone = FALSE;

      /* End the calls held here first, and answer later ones at once, while
       * the responder still lives: a completion written to a dead process
       * leaves umockdev's stream open ("Destroying IoctlClient with open
       * stream").  Its threads held in emulated calls have every signal
       * blocked; the others would take SIGTERM at once. */
      g_mutex_lock (f->lock);
      f->stopping = TRUE;
      f->enabled = FALSE;
      if (f->setup_queued || f->setup_pending)
        {
          f->token = NULL;
          end_setup (f, -ESHUTDOWN, 0);
        }
      fail_io (f, EINTR);
      while (!g_queue_is_empty (&f->ep[0].readers))
        client_done (g_queue_pop_head (&f->ep[0].readers), -1, EINTR);
      g_mutex_unlock (f->lock);
      g_usleep (50000);
      kill (f->pid, SIGTERM);
      while (!gone && g_get_monotonic_time () < until)
        {
          pid_t r = waitpid (f->pid, &status, WNOHANG);
          if (r == f->pid || (r < 0 && errno == ECHILD))
            gone = TRUE;
          else
            {
              /* It may have entered another read meanwhile. */
              g_mutex_lock (f->lock);
              fail_io (f, EINTR);
              while (!g_queue_is_empty (&f->ep[0].readers))
                client_done (g_queue_pop_head (&f->ep[0].readers), -1, EINTR);
              g_mutex_unlock (f->lock);
              g_usleep (10000);
            }
        }
      if (!gone)
        {
          kill (f->pid, SIGKILL);
          waitpid (f->pid, &status, 0);
        }
      g_spawn_close_pid (f->pid);
    }
  /* umockdev's worker notices the dead process's sockets on its own;
   * dropping a client before that warns "Destroying IoctlClient with open
   * stream". */
  {
    gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;
    for (;;)
      {
        GHashTableIter it;
        gpointer k;
        gboolean open = FALSE;

        g_mutex_lock (f->lock);
        g_hash_table_iter_init (&it, f->clients);
        while (g_hash_table_iter_next (&it, &k, NULL))
          if (umockdev_ioctl_client_get_connected (k))
            open = TRUE;
        g_mutex_unlock (f->lock);
        if (!open || g_get_monotonic_time () > until)
          {
            g_hash_table_iter_init (&it, f->clients);
            while (g_hash_table_iter_next (&it, &k, NULL))
              TRACE ("at exit: %s %s\n", umockdev_ioctl_client_get_devnode (k),
                     umockdev_ioctl_client_get_connected (k) ? "open" : "closed");
            break;
          }
        g_usleep (5000);
      }
  }
  g_hash_table_unref (f->clients);
  g_mutex_lock (f->lock);
  drop_out (f, -ESHUTDOWN);
  g_mutex_unlock (f->lock);
  for (guint i = 0; i < N_EPS; i++)
    {
      if (f->ep[i].handler != NULL)
        {
          g_signal_handlers_disconnect_by_data (f->ep[i].handler, &f->ep[i]);
          g_object_unref (f->ep[i].handler);
        }
      g_free (f->ep[i].devnode);
    }
  g_queue_clear_full (&f->events, g_free);
  g_clear_pointer (&f->hs, g_byte_array_unref);
  g_clear_pointer (&f->strings, g_ptr_array_unref);
  g_clear_pointer (&f->setup_data, g_byte_array_unref);
  g_clear_object (&f->owner);
  g_cond_clear (&f->cond);
  g_strfreev (f->argv);
  g_free (f->dir);
  g_free (f);
}

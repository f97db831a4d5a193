/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fast listing: a phone's whole object tree in one GetObjectPropList,
 * in a short, read-only PTP session of Lifeboat's own over libusb.
 *
 * Why not through libmtp: every Linux MTP tool lists an Android phone at
 * about two transactions per object (lb-device-walk.c), because libmtp
 * 1.1.20 ORs its "broken GetObjectPropList for all objects" flag into
 * every device that says "android.com", inside private structs, and
 * exports neither ptp_* calls nor a custom operation with a data phase.
 * Today's Android answers the all-objects form whole (AOSP frameworks/base
 * media/java/android/mtp/MtpDatabase.java, getObjectPropertyList(), which
 * the rig follows); a phone that does not is caught by the checks below.
 *
 * The session: OpenSession, GetStorageIDs, GetObjectPropList(0xFFFFFFFF,
 * no format, every property, no group, depth 0), then checks,
 * then CloseSession, and no USB reset: lb_device_open() lets libmtp open
 * the phone right after, in a new session on the same connection.  AOSP
 * keeps its handles for as long as its MtpServer runs, which is the whole
 * USB connection (MtpStorageManager is made with MtpDatabase, per
 * connection; MtpServer::doCloseSession() only ends the session), so the
 * handles listed here are libmtp's; lb_device_open() checks one through
 * libmtp all the same.
 *
 * The answer is checked before it is believed: every object has the
 * properties a walk needs and is reached from a storage's top, every
 * folder holds the same handles as GetObjectHandles gives for it, and a
 * sample of objects reads the same through GetObjectInfo.  Anything else fails the listing, and the
 * caller lists through libmtp. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libusb.h>

#include "lb-device-private.h"
#include "lb-error.h"

enum {
  CONTAINER_COMMAND = 1,
  CONTAINER_DATA = 2,
  CONTAINER_RESPONSE = 3,
};

enum {
  OP_GET_STORAGE_IDS = 0x1004,
  OP_GET_OBJECT_HANDLES = 0x1007,
  OP_GET_OBJECT_INFO = 0x1008,
  OP_OPEN_SESSION = 0x1002,
  OP_CLOSE_SESSION = 0x1003,
  OP_GET_OBJECT_PROP_LIST = 0x9805,
  RC_OK = 0x2001,
  RC_SESSION_ALREADY_OPEN = 0x201E,
};

#define HEADER 12
/* A bulk read: a multiple of every USB packet size. */
#define CHUNK (256 * 1024)
/* Answers other than the listing are small; a phone sending more is not
 * believed. */
#define MAX_SMALL_DATA (4 * 1024 * 1024)
#define COMMAND_TIMEOUT_MS 5000
/* Android builds the whole answer before it sends a byte: a phone with
 * 100,000 objects may think for seconds. */
#define DATA_TIMEOUT_MS 30000
/* Objects read again through GetObjectInfo. */
#define SAMPLES 3

typedef struct {
  libusb_context *ctx;
  libusb_device_handle *handle;
  int interface;
  gboolean claimed;
  guint8 in, out;
  guint32 tid;
  guint8 *buf;             /* CHUNK bytes */
  gsize have, used;        /* bytes read into buf, and taken */
  gboolean in_transaction; /* a failure there leaves the phone mid-way */
  gboolean lasting;        /* the failure is the phone's way, not a moment's */
} Session;

typedef gboolean (*SinkFunc) (const guint8 *data, gsize len, gpointer user_data, GError **error);

static void
put_u32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static gboolean
session_open (Session *s, guint8 bus, guint8 address, GError **error)
{
  libusb_device **list = NULL;
  libusb_device *dev = NULL;
  guint8 interrupt_in;
  ssize_t n;
  int rc;

  memset (s, 0, sizeof *s);
  s->buf = g_malloc (CHUNK);
  if ((rc = libusb_init (&s->ctx)) != 0)
    {
      lb_device_error_from_ptp (rc, 0, _("Could not use USB"), error);
      return FALSE;
    }
  n = libusb_get_device_list (s->ctx, &list);
  for (ssize_t i = 0; i < n && dev == NULL; i++)
    if (libusb_get_bus_number (list[i]) == bus && libusb_get_device_address (list[i]) == address)
      dev = list[i];
  if (dev == NULL)
    {
      libusb_free_device_list (list, 1);
      lb_device_error_from_ptp (LIBUSB_ERROR_NO_DEVICE, 0, NULL, error);
      return FALSE;
    }
  s->interface = lb_usb_mtp_interface (dev, &s->in, &s->out, &interrupt_in);
  rc = s->in == 0 || s->out == 0 ? LIBUSB_ERROR_NOT_SUPPORTED : libusb_open (dev, &s->handle);
  libusb_free_device_list (list, 1);
  if (rc == 0 && (rc = libusb_claim_interface (s->handle, s->interface)) == 0)
    s->claimed = TRUE;
  if (rc != 0)
    {
      lb_device_error_from_ptp (rc, 0, _("Could not open the phone"), error);
      return FALSE;
    }
  return TRUE;
}

static void
session_close (Session *s)
{
  if (s->in_transaction && s->handle != NULL)
    {
      /* A transaction cut short leaves its data on the way: PTP's Device
       * Reset Request (class request 0x66) ends it, so that libmtp's
       * OpenSession is not answered with the rest.  Handles do not
       * matter any more: libmtp lists the phone itself. */
      libusb_control_transfer (s->handle, 0x21, 0x66, 0, (guint16) s->interface, NULL, 0, 1000);
      libusb_clear_halt (s->handle, s->in);
      libusb_clear_halt (s->handle, s->out);
    }
  if (s->claimed)
    libusb_release_interface (s->handle, s->interface);
  if (s->handle != NULL)
    libusb_close (s->handle);
  if (s->ctx != NULL)
    libusb_exit (s->ctx);
  g_free (s->buf);
}

/* The next bulk-in transfer into buf; zero-length packets (the end of a
 * data phase that filled its last packet) are skipped. */
static gboolean
read_more (Session *s, unsigned int timeout_ms, const char *doing, GError **error)
{
  for (int zlp = 0; zlp < 3; zlp++)
    {
      int got = 0, rc = libusb_bulk_transfer (s->handle, s->in, s->buf, CHUNK, &got, timeout_ms);

      if (rc != 0)
        {
          lb_device_error_from_ptp (rc, 0, doing, error);
          return FALSE;
        }
      s->have = (gsize) got;
      s->used = 0;
      if (got > 0)
        return TRUE;
    }
  g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("%s: the phone sent nothing"), doing);
  return FALSE;
}

static gboolean
write_all (Session *s, const guint8 *data, gsize len, const char *doing, GError **error)
{
  int sent = 0, rc = libusb_bulk_transfer (s->handle, s->out, (guint8 *) data, (int) len, &sent,
                                           COMMAND_TIMEOUT_MS);

  if (rc == 0 && (gsize) sent != len)
    rc = LIBUSB_ERROR_IO;
  if (rc != 0)
    {
      lb_device_error_from_ptp (rc, 0, doing, error);
      return FALSE;
    }
  return TRUE;
}

/* One transaction without a data phase from the host: the data the phone
 * sends, if any, goes through sink; *response gets its response code. */
static gboolean
transact (Session *s, guint16 code, const guint32 *params, guint n_params, SinkFunc sink,
          gpointer sink_data, guint16 *response, const char *doing, GError **error)
{
  guint8 command[HEADER + 5 * 4];
  gsize len = HEADER + 4 * n_params;
  guint32 tid = s->tid++;

  g_assert (n_params <= 5);
  put_u32 (command, (guint32) len);
  command[4] = CONTAINER_COMMAND;
  command[5] = 0;
  command[6] = code & 0xff;
  command[7] = code >> 8;
  put_u32 (command + 8, tid);
  for (guint i = 0; i < n_params; i++)
    put_u32 (command + HEADER + 4 * i, params[i]);
  s->in_transaction = TRUE;
  if (!write_all (s, command, len, doing, error) || !read_more (s, DATA_TIMEOUT_MS, doing, error))
    return FALSE;

  if (s->have >= HEADER && lb_ptp_u16 (s->buf + 4) == CONTAINER_DATA)
    {
      guint32 total = lb_ptp_u32 (s->buf);
      guint64 left;

      if (lb_ptp_u16 (s->buf + 6) != code || lb_ptp_u32 (s->buf + 8) != tid || total < HEADER)
        {
          g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("%s: the phone's answer is out of step"), doing);
          return FALSE;
        }
      /* 0xFFFFFFFF: longer than 4 GiB, ended by a short packet. */
      left = total == 0xFFFFFFFFu ? G_MAXUINT64 : total - HEADER;
      s->used = HEADER;
      for (;;)
        {
          gsize take = (gsize) MIN ((guint64) (s->have - s->used), left);
          gboolean short_packet = s->have < CHUNK;

          if (take > 0 && !sink (s->buf + s->used, take, sink_data, error))
            return FALSE;
          s->used += take;
          left -= take;
          if (left == 0 || (total == 0xFFFFFFFFu && short_packet))
            break;
          if (!read_more (s, DATA_TIMEOUT_MS, doing, error))
            return FALSE;
        }
      /* What follows in this transfer, if anything, is the response. */
      if (s->used == s->have && !read_more (s, DATA_TIMEOUT_MS, doing, error))
        return FALSE;
      memmove (s->buf, s->buf + s->used, s->have - s->used);
      s->have -= s->used;
      s->used = 0;
    }
  if (s->have < HEADER || lb_ptp_u16 (s->buf + 4) != CONTAINER_RESPONSE || lb_ptp_u32 (s->buf + 8) != tid)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("%s: the phone's answer is out of step"), doing);
      return FALSE;
    }
  *response = lb_ptp_u16 (s->buf + 6);
  s->in_transaction = FALSE;
  return TRUE;
}

static gboolean
collect (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  GByteArray *into = user_data;

  if (into->len + len > MAX_SMALL_DATA)
    {
      g_set_error_literal (error, LB_ERROR, LB_ERROR_FAILED, _("The phone sent far more than it was asked for."));
      return FALSE;
    }
  g_byte_array_append (into, data, (guint) len);
  return TRUE;
}

typedef struct {
  Session *session;
  LbListing *listing;
} Feed;

static gboolean
into_listing (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  Feed *feed = user_data;

  if (lb_listing_feed (feed->listing, data, len, error))
    return TRUE;
  feed->session->lasting = TRUE;
  return FALSE;
}

/* A transaction that must answer OK; its data (if any) in *data. */
static gboolean
ask (Session *s, guint16 code, const guint32 *params, guint n_params, GByteArray **data,
     const char *doing, GError **error)
{
  g_autoptr(GByteArray) got = g_byte_array_new ();
  guint16 response = 0;

  if (!transact (s, code, params, n_params, collect, got, &response, doing, error))
    return FALSE;
  if (response != RC_OK)
    {
      lb_device_error_from_ptp (0, response, doing, error);
      return FALSE;
    }
  if (data != NULL)
    *data = g_steal_pointer (&got);
  return TRUE;
}

/* A PTP array of u32 (a count, then the values); NULL when malformed. */
static GArray *
u32_array (GByteArray *data)
{
  GArray *values;
  guint32 n;

  if (data->len < 4 || (n = lb_ptp_u32 (data->data)) != (data->len - 4) / 4 || data->len != 4 + 4 * (gsize) n)
    return NULL;
  values = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
  for (guint32 i = 0; i < n; i++)
    {
      guint32 v = lb_ptp_u32 (data->data + 4 + 4 * i);
      g_array_append_val (values, v);
    }
  return values;
}

static gboolean
inconsistent (Session *s, GError **error, const char *why)
{
  s->lasting = TRUE;
  g_set_error (error, LB_ERROR, LB_ERROR_FAILED, _("The phone's list of objects does not check out: %s."), why);
  return FALSE;
}

static gint
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* The folder (0: the top of storage_id) holds exactly the objects the
 * listing puts in it, by GetObjectHandles: the same handles, none left
 * out.  One transaction per folder, where libmtp's listing takes two per
 * object; and no object the phone leaves out of its answer (libmtp's
 * device-flags.h: "objects are simply missing from the list") goes
 * unnoticed. */
static gboolean
check_folder (Session *s, LbListing *listing, guint32 storage_id, guint32 folder, GError **error)
{
  guint32 params[3] = { storage_id, 0, folder == 0 ? 0xFFFFFFFFu : folder };
  const GPtrArray *children = lb_listing_children (listing, storage_id, folder);
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GArray) handles = NULL, listed = NULL;
  guint n = children != NULL ? children->len : 0;

  if (!ask (s, OP_GET_OBJECT_HANDLES, params, 3, &data, _("Could not list the phone's files"), error))
    return FALSE;
  if ((handles = u32_array (data)) == NULL)
    return inconsistent (s, error, _("a malformed list of handles"));
  listed = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
  for (guint i = 0; i < n; i++)
    g_array_append_val (listed, ((const LbListed *) children->pdata[i])->handle);
  g_array_sort (handles, compare_u32);
  g_array_sort (listed, compare_u32);
  if (handles->len != listed->len ||
      (n > 0 && memcmp (handles->data, listed->data, n * sizeof (guint32)) != 0))
    {
      g_autofree char *why = g_strdup_printf (_("folder %u holds %u objects, but the list puts %u in it"),
                                              folder, handles->len, listed->len);
      return inconsistent (s, error, why);
    }
  return TRUE;
}

static gboolean
check_folders (Session *s, LbListing *listing, GArray *storages, GError **error)
{
  guint total = 0;

  for (guint i = 0; i < storages->len; i++)
    {
      guint32 id = g_array_index (storages, guint32, i);

      if (!check_folder (s, listing, id, 0, error))
        return FALSE;
      total += lb_listing_count (listing, id);
    }
  if (total != lb_listing_size (listing))
    return inconsistent (s, error, _("it holds objects of a storage the phone does not have"));
  for (guint i = 0; i < lb_listing_size (listing); i++)
    {
      const LbListed *l = lb_listing_nth (listing, i);

      if (l->filetype == LIBMTP_FILETYPE_FOLDER && !check_folder (s, listing, l->storage_id, l->handle, error))
        return FALSE;
    }
  return TRUE;
}

/* A PTP string at *at in data; NULL when it does not fit. */
static char *
info_string (GByteArray *data, gsize *at)
{
  guint n;
  char *s;

  if (*at >= data->len)
    return NULL;
  n = data->data[*at];
  if (*at + 1 + 2 * (gsize) n > data->len)
    return NULL;
  s = lb_ptp_string_decode (data->data + *at + 1, n);
  *at += 1 + 2 * (gsize) n;
  return s;
}

/* The object reads the same through GetObjectInfo (PTP 1.1, 5.5.2). */
static gboolean
check_sample (Session *s, const LbListed *l, GError **error)
{
  guint32 param = l->handle;
  g_autoptr(GByteArray) data = NULL;
  g_autofree char *name = NULL, *captured = NULL, *modified = NULL;
  gsize at = 52;
  guint32 size32;

  if (!ask (s, OP_GET_OBJECT_INFO, &param, 1, &data, _("Could not read an object's details"), error))
    return FALSE;
  if (data->len >= 52)
    {
      name = info_string (data, &at);
      captured = name != NULL ? info_string (data, &at) : NULL;
      modified = captured != NULL ? info_string (data, &at) : NULL;
    }
  if (modified == NULL)
    return inconsistent (s, error, _("a malformed ObjectInfo"));
  size32 = lb_ptp_u32 (data->data + 8);
  if (lb_ptp_u32 (data->data) != l->storage_id || lb_ptp_u16 (data->data + 4) != l->format ||
      lb_ptp_u32 (data->data + 38) != l->parent || !g_str_equal (name, l->name) ||
      (l->size < 0xFFFFFFFFu ? size32 != l->size : size32 != 0xFFFFFFFFu) ||
      lb_ptp_time_parse (modified) != l->mtime)
    {
      g_autofree char *why = g_strdup_printf (_("object %u reads otherwise through GetObjectInfo"), l->handle);
      return inconsistent (s, error, why);
    }
  return TRUE;
}

static gboolean
check_samples (Session *s, LbListing *listing, GError **error)
{
  guint n = lb_listing_size (listing);

  if (n == 0)
    return TRUE;
  for (guint i = 0; i < SAMPLES; i++)
    {
      /* Spread over the listing: the first, the middle, the last. */
      guint at = SAMPLES > 1 ? (guint) ((guint64) (n - 1) * i / (SAMPLES - 1)) : 0;

      if (!check_sample (s, lb_listing_nth (listing, at), error))
        return FALSE;
      if (n == 1)
        break;
    }
  return TRUE;
}

LbListing *
lb_ptp_list_fetch (guint8 bus, guint8 address, gboolean *lasting, GError **error)
{
  static const guint32 open_params[1] = { 1 };
  /* Every object (handle 0xFFFFFFFF), every format, every property, no
   * group, depth 0: the MTP specification's form for "all objects".
   * AOSP's MtpDatabase.getObjectPropertyList() answers it as it answers
   * depth 0xFFFFFFFF, which it turns into this. */
  static const guint32 list_params[5] = { 0xFFFFFFFFu, 0, 0xFFFFFFFFu, 0, 0 };
  g_autoptr(LbListing) listing = lb_listing_new ();
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GArray) storages = NULL;
  const char *doing = _("Could not list the phone's files");
  gboolean ok = FALSE, opened = FALSE;
  guint16 response = 0;
  Feed feed;
  Session s;

  /* Whether the failure lasts is read from it. */
  g_return_val_if_fail (error != NULL && *error == NULL, NULL);

  *lasting = FALSE;
  if (!session_open (&s, bus, address, error))
    goto out;
  feed.session = &s;
  feed.listing = listing;
  /* A session left open (a Lifeboat killed during its listing) is closed
   * first, as libmtp does. */
  data = g_byte_array_new ();
  if (!transact (&s, OP_OPEN_SESSION, open_params, 1, collect, data, &response,
                 _("Could not open a session with the phone"), error))
    goto out;
  g_clear_pointer (&data, g_byte_array_unref);
  if (response == RC_SESSION_ALREADY_OPEN)
    {
      g_autoptr(GByteArray) ignored = g_byte_array_new ();

      if (!transact (&s, OP_CLOSE_SESSION, NULL, 0, collect, ignored, &response, doing, error))
        goto out;
      response = 0;
      if (!ask (&s, OP_OPEN_SESSION, open_params, 1, NULL, _("Could not open a session with the phone"), error))
        goto out;
      response = RC_OK;
    }
  if (response != RC_OK)
    {
      lb_device_error_from_ptp (0, response, _("Could not open a session with the phone"), error);
      goto out;
    }
  opened = TRUE;
  if (!ask (&s, OP_GET_STORAGE_IDS, NULL, 0, &data, doing, error))
    goto out;
  if ((storages = u32_array (data)) == NULL)
    {
      inconsistent (&s, error, _("a malformed list of storages"));
      goto out;
    }
  if (storages->len == 0)
    {
      lb_device_error_for_state (LB_DEVICE_LOCKED, error);
      goto out;
    }
  if (!transact (&s, OP_GET_OBJECT_PROP_LIST, list_params, 5, into_listing, &feed, &response, doing, error))
    {
      /* Too slow to answer: every backup would wait that long again. */
      s.lasting |= g_error_matches (*error, LB_ERROR, LB_ERROR_TIMED_OUT);
      goto out;
    }
  if (response != RC_OK)
    {
      lb_device_error_from_ptp (0, response, doing, error);
      /* Refused, not "busy" or "locked" (a moment's). */
      s.lasting = !g_error_matches (*error, LB_ERROR, LB_ERROR_DEVICE_BUSY) &&
                  !g_error_matches (*error, LB_ERROR, LB_ERROR_DEVICE_LOCKED);
      goto out;
    }
  if (!lb_listing_finish (listing, error))
    {
      s.lasting = TRUE;
      goto out;
    }
  ok = check_folders (&s, listing, storages, error) && check_samples (&s, listing, error);

out:
  /* Closed even after a failure: libmtp opens its own next. */
  if (opened && !s.in_transaction)
    {
      g_autoptr(GByteArray) ignored = g_byte_array_new ();
      transact (&s, OP_CLOSE_SESSION, NULL, 0, collect, ignored, &response, doing, NULL);
    }
  session_close (&s);
  *lasting = !ok && s.lasting;
  return ok ? g_steal_pointer (&listing) : NULL;
}

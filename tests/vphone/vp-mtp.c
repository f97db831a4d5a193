/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vp-mtp.h"
#include "vp-pack.h"
#include "vp-ptp.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Data-out datasets other than object data are small; a bigger one is a
 * broken or hostile host, not a reason to grow without bound. */
#define MAX_DATASET (16u << 20)

typedef struct {
  GBytes *head;         /* container header and in-memory payload */
  gsize head_pos;
  int fd;               /* file payload after the head, or -1 */
  guint64 file_off;
  guint64 file_left;
  guint64 pad_left;     /* hostile: bytes beyond the file */
  guint64 total;        /* bytes in the whole USB transfer */
  guint64 sent;
  gboolean zlp_pending;
  gboolean is_data;
  gint64 not_before;
} InTransfer;

enum { ST_IDLE, ST_DATA_OUT };

struct _VpMtp {
  VpStore *store;
  VpMtpIdentity id;
  VpStats *stats;
  VpFaults *faults;
  GQueue in;            /* InTransfer* */
  GQueue events;        /* GBytes* */
  gboolean session_open;
  guint32 session_id;
  gint64 latency;
  gboolean disconnect;

  /* the transaction in progress */
  int state;
  guint16 op;
  guint32 tid;
  guint32 params[5];
  guint nparams;
  GByteArray *out_buf;   /* command container being assembled, or dataset */
  guint64 data_expected; /* payload bytes announced; G_MAXUINT64: until transfer end */
  guint64 data_got;
  gboolean header_seen;
  guint8 header[VP_HEADER_LEN];
  gsize header_len;
  int send_fd;           /* SendObject / SendPartialObject target */
  gboolean send_failed;
  guint16 send_rc;

  /* SendObjectInfo reserved this object for the next SendObject */
  guint32 pending_handle;
  guint64 pending_size;
  gint64 pending_mtime;
  GHashTable *editing;   /* handles in BeginEditObject */
  guint64 received_total; /* SendObject bytes, for store-full-after-bytes */
  /* SendObjectPropList gave the object's true 64-bit size (SendObjectInfo
   * can only say 0xFFFFFFFF, "4 GiB or more") */
  gboolean pending_exact;
  guint64 send_pos;      /* where the next byte of the data phase lands */
  guint64 send_end;      /* the target file's size so far */
};

static const struct {
  guint16 code;
  const char *name;
} op_names[] = {
  { VP_OP_GetDeviceInfo, "GetDeviceInfo" }, { VP_OP_OpenSession, "OpenSession" },
  { VP_OP_CloseSession, "CloseSession" }, { VP_OP_GetStorageIDs, "GetStorageIDs" },
  { VP_OP_GetStorageInfo, "GetStorageInfo" }, { VP_OP_GetNumObjects, "GetNumObjects" },
  { VP_OP_GetObjectHandles, "GetObjectHandles" }, { VP_OP_GetObjectInfo, "GetObjectInfo" },
  { VP_OP_GetObject, "GetObject" }, { VP_OP_GetThumb, "GetThumb" },
  { VP_OP_DeleteObject, "DeleteObject" }, { VP_OP_SendObjectInfo, "SendObjectInfo" },
  { VP_OP_SendObject, "SendObject" }, { VP_OP_GetDevicePropDesc, "GetDevicePropDesc" },
  { VP_OP_GetDevicePropValue, "GetDevicePropValue" },
  { VP_OP_SetDevicePropValue, "SetDevicePropValue" },
  { VP_OP_ResetDevicePropValue, "ResetDevicePropValue" },
  { VP_OP_MoveObject, "MoveObject" }, { VP_OP_CopyObject, "CopyObject" },
  { VP_OP_GetPartialObject, "GetPartialObject" },
  { VP_OP_GetObjectPropsSupported, "GetObjectPropsSupported" },
  { VP_OP_GetObjectPropDesc, "GetObjectPropDesc" },
  { VP_OP_GetObjectPropValue, "GetObjectPropValue" },
  { VP_OP_SetObjectPropValue, "SetObjectPropValue" },
  { VP_OP_GetObjectPropList, "GetObjectPropList" },
  { VP_OP_SendObjectPropList, "SendObjectPropList" },
  { VP_OP_GetObjectReferences, "GetObjectReferences" },
  { VP_OP_SetObjectReferences, "SetObjectReferences" },
  { VP_OP_GetPartialObject64, "GetPartialObject64" },
  { VP_OP_SendPartialObject, "SendPartialObject" }, { VP_OP_TruncateObject, "TruncateObject" },
  { VP_OP_BeginEditObject, "BeginEditObject" }, { VP_OP_EndEditObject, "EndEditObject" },
};

const char *
vp_mtp_operation_name (guint16 code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (op_names); i++)
    if (op_names[i].code == code)
      return op_names[i].name;
  return NULL;
}

gboolean
vp_mtp_operation_name_known (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (op_names); i++)
    if (g_str_equal (op_names[i].name, name))
      return TRUE;
  return FALSE;
}

static gboolean
supports (VpMtp *m, guint16 op)
{
  switch (op)
    {
    case VP_OP_GetObjectReferences:
    case VP_OP_SetObjectReferences:
      return m->id.player;
    case VP_OP_SendObjectPropList:
      /* AOSP's MtpServer has no SendObjectPropList (it is not in its
       * kSupportedOperationCodes); Zune-era players do, and libmtp's
       * send_file_object_info prefers it whenever the device lists it. */
      return m->id.send_proplist;
    case VP_OP_GetPartialObject64:
    case VP_OP_SendPartialObject:
    case VP_OP_TruncateObject:
    case VP_OP_BeginEditObject:
    case VP_OP_EndEditObject:
      return m->id.android;
    default:
      return vp_mtp_operation_name (op) != NULL;
    }
}

/* ---- outgoing transfers ----------------------------------------------- */

static void
in_transfer_free (InTransfer *t)
{
  g_bytes_unref (t->head);
  if (t->fd >= 0)
    close (t->fd);
  g_free (t);
}

static GByteArray *
container_new (guint16 type, guint16 code, guint32 tid)
{
  GByteArray *b = g_byte_array_sized_new (64);
  vp_put_u32 (b, 0);
  vp_put_u16 (b, type);
  vp_put_u16 (b, code);
  vp_put_u32 (b, tid);
  return b;
}

static void
queue_in (VpMtp *m, GByteArray *head, int fd, guint64 off, guint64 file_len, guint64 pad,
          guint64 announced_payload, gboolean is_data, gint64 not_before)
{
  InTransfer *t = g_new0 (InTransfer, 1);
  guint64 announced = head->len + announced_payload;

  /* The length field is 32 bits: past 4 GiB it says 0xFFFFFFFF and the
   * transfer ends with a short packet instead. */
  vp_set_u32_at (head, 0, announced > 0xFFFFFFFFu ? 0xFFFFFFFFu : (guint32) announced);
  t->total = head->len + file_len + pad;
  t->head = g_byte_array_free_to_bytes (head);
  t->fd = fd;
  t->file_off = off;
  t->file_left = file_len;
  t->pad_left = pad;
  t->is_data = is_data;
  t->not_before = not_before;
  g_queue_push_tail (&m->in, t);
}

/* A data phase that leaves the phone work_usec from now at the earliest
 * (the work the phone did to build it; 0: none charged). */
static void
send_data_after (VpMtp *m, GByteArray *payload, gint64 work_usec)
{
  GByteArray *head = container_new (VP_CONTAINER_DATA, m->op, m->tid);

  g_byte_array_append (head, payload->data, payload->len);
  g_byte_array_unref (payload);
  queue_in (m, head, -1, 0, 0, 0, 0, TRUE, work_usec > 0 ? g_get_monotonic_time () + work_usec : 0);
}

static void
send_data (VpMtp *m, GByteArray *payload)
{
  send_data_after (m, payload, 0);
}

static gboolean
debugging (void)
{
  static int on = -1;
  if (on < 0)
    on = g_getenv ("VPHONE_DEBUG") != NULL;
  return on;
}

static void
respond (VpMtp *m, guint16 rc, guint n, const guint32 *params)
{
  GByteArray *b = container_new (VP_CONTAINER_RESPONSE, rc, m->tid);
  gint64 not_before = 0;

  if (debugging ())
    {
      const char *name = vp_mtp_operation_name (m->op);
      g_printerr ("vphone: %s(0x%x, 0x%x, 0x%x, 0x%x) -> 0x%04x", name ? name : "?", m->params[0],
                  m->params[1], m->params[2], m->params[3], rc);
      for (guint i = 0; i < n; i++)
        g_printerr (" 0x%x", params[i]);
      g_printerr ("\n");
    }

  for (guint i = 0; i < n; i++)
    vp_put_u32 (b, params[i]);
  if (m->latency > 0)
    not_before = g_get_monotonic_time () + m->latency;
  if (m->faults->stall_seconds > 0)
    {
      not_before = g_get_monotonic_time () + (gint64) m->faults->stall_seconds * G_USEC_PER_SEC;
      m->faults->stall_seconds = 0;
    }
  queue_in (m, b, -1, 0, 0, 0, 0, FALSE, not_before);
}

static void
respond0 (VpMtp *m, guint16 rc)
{
  respond (m, rc, 0, NULL);
}

void
vp_mtp_queue_event (VpMtp *m, guint16 code, guint32 param)
{
  GByteArray *b;

  /* AOSP's MtpServer::sendEvent() sends only while mSessionOpen: a locked
   * phone unlocked with no session open tells nobody, and a host that
   * opens one later hears nothing of it. */
  if (!m->session_open)
    return;
  b = container_new (VP_CONTAINER_EVENT, code, 0);
  vp_put_u32 (b, param);
  vp_set_u32_at (b, 0, b->len);
  /* Nobody may be listening: keep only the latest few hundred. */
  if (g_queue_get_length (&m->events) > 256)
    g_bytes_unref (g_queue_pop_head (&m->events));
  g_queue_push_tail (&m->events, g_byte_array_free_to_bytes (b));
}

GBytes *
vp_mtp_next_event (VpMtp *m)
{
  return g_queue_pop_head (&m->events);
}

gboolean
vp_mtp_in_ready (VpMtp *m)
{
  return !g_queue_is_empty (&m->in);
}

gboolean
vp_mtp_wants_disconnect (VpMtp *m)
{
  return m->disconnect;
}

gssize
vp_mtp_in (VpMtp *m, guint8 *buf, gsize max, gint64 *not_before)
{
  InTransfer *t = g_queue_peek_head (&m->in);
  gsize n = 0;
  gsize head_len;
  const guint8 *head;

  *not_before = 0;
  if (t == NULL)
    return -1;
  *not_before = t->not_before;
  if (t->zlp_pending)
    {
      in_transfer_free (g_queue_pop_head (&m->in));
      return 0;
    }
  head = g_bytes_get_data (t->head, &head_len);
  while (n < max)
    {
      if (t->head_pos < head_len)
        {
          gsize k = MIN (max - n, head_len - t->head_pos);
          memcpy (buf + n, head + t->head_pos, k);
          t->head_pos += k;
          n += k;
        }
      else if (t->file_left > 0)
        {
          gsize want = (gsize) MIN ((guint64) (max - n), t->file_left);
          ssize_t r = pread (t->fd, buf + n, want, (off_t) t->file_off);
          if (r <= 0)
            {
              /* The file shrank under us: a real phone sends what it has. */
              t->total -= t->file_left;
              t->file_left = 0;
              continue;
            }
          t->file_off += r;
          t->file_left -= r;
          n += r;
        }
      else if (t->pad_left > 0)
        {
          gsize k = (gsize) MIN ((guint64) (max - n), t->pad_left);
          memset (buf + n, 'X', k);
          t->pad_left -= k;
          n += k;
        }
      else
        break;
    }
  if (t->is_data && n > 0)
    {
      gsize payload = n;
      /* Only the payload counts, not the 12-byte container header. */
      if (t->sent < VP_HEADER_LEN)
        payload -= MIN (n, VP_HEADER_LEN - t->sent);
      if (m->faults->disconnect_after >= 0 &&
          m->stats->bytes_to_host + payload >= (guint64) m->faults->disconnect_after)
        {
          guint64 allowed = (guint64) m->faults->disconnect_after - MIN (m->stats->bytes_to_host,
                                                                          (guint64) m->faults->disconnect_after);
          if (allowed < payload)
            {
              n -= payload - allowed;
              payload = allowed;
            }
          m->disconnect = TRUE;
        }
      m->stats->bytes_to_host += payload;
    }
  t->sent += n;
  if (t->sent >= t->total)
    {
      /* A transfer that is a whole number of packets needs a ZLP to end,
       * unless this URB was short and so ended it already. */
      if (t->total % 512 == 0 && n == max)
        t->zlp_pending = TRUE;
      else
        in_transfer_free (g_queue_pop_head (&m->in));
    }
  return (gssize) n;
}

/* ---- datasets --------------------------------------------------------- */

static const guint16 device_props[] = {
  VP_DPROP_BatteryLevel, VP_DPROP_SyncPartner, VP_DPROP_FriendlyName, VP_DPROP_PerceivedDeviceType,
};

static const guint16 playback_formats[] = {
  VP_FMT_Undefined, VP_FMT_Association, VP_FMT_Text, VP_FMT_HTML, VP_FMT_WAV, VP_FMT_MP3,
  VP_FMT_MPEG, VP_FMT_EXIF_JPEG, VP_FMT_BMP, VP_FMT_GIF, VP_FMT_PNG, VP_FMT_WMA, VP_FMT_OGG,
  VP_FMT_AAC, VP_FMT_FLAC, VP_FMT_MP4, VP_FMT_3GP, VP_FMT_M3UPlaylist,
  VP_FMT_AbstractAudioAlbum, VP_FMT_AbstractAudioVideoPlaylist,
};

static void
do_get_device_info (VpMtp *m)
{
  GByteArray *b = g_byte_array_new ();
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (guint16));
  guint16 events[] = { VP_EV_ObjectAdded, VP_EV_ObjectRemoved, VP_EV_StoreAdded,
                       VP_EV_StoreRemoved, VP_EV_DevicePropChanged, VP_EV_ObjectInfoChanged };
  gsize nformats = G_N_ELEMENTS (playback_formats) - (m->id.player ? 0 : 2);

  for (gsize i = 0; i < G_N_ELEMENTS (op_names); i++)
    if (supports (m, op_names[i].code))
      g_array_append_val (ops, op_names[i].code);
  vp_put_u16 (b, 100);
  vp_put_u32 (b, 6); /* Microsoft's vendor extension: MTP */
  vp_put_u16 (b, 100);
  vp_put_str (b, m->id.android ? "microsoft.com: 1.0; android.com: 1.0;" : "microsoft.com: 1.0;");
  vp_put_u16 (b, 0);
  vp_put_u16_array (b, (guint16 *) ops->data, ops->len);
  vp_put_u16_array (b, events, G_N_ELEMENTS (events));
  vp_put_u16_array (b, device_props, G_N_ELEMENTS (device_props));
  vp_put_u16_array (b, NULL, 0);
  vp_put_u16_array (b, playback_formats, nformats);
  vp_put_str (b, m->id.manufacturer);
  vp_put_str (b, m->id.model);
  vp_put_str (b, m->id.version);
  vp_put_str (b, m->id.serial);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
do_get_storage_ids (VpMtp *m)
{
  GByteArray *b = g_byte_array_new ();
  guint n = vp_store_n_storages (m->store);

  vp_put_u32 (b, n);
  for (guint i = 0; i < n; i++)
    vp_put_u32 (b, vp_store_storage_at (m->store, i)->id);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
do_get_storage_info (VpMtp *m)
{
  VpStorage *st = vp_store_storage_by_id (m->store, m->params[0]);
  GByteArray *b;

  if (st == NULL)
    return respond0 (m, VP_RC_InvalidStorageID);
  b = g_byte_array_new ();
  vp_put_u16 (b, st->removable ? VP_STORAGE_REMOVABLE_RAM : VP_STORAGE_FIXED_RAM);
  vp_put_u16 (b, VP_FS_GENERIC_HIERARCHICAL);
  vp_put_u16 (b, 0);
  vp_put_u64 (b, st->capacity);
  vp_put_u64 (b, vp_store_free_space (m->store, st));
  vp_put_u32 (b, 0xFFFFFFFFu);
  vp_put_str (b, st->description);
  vp_put_str (b, "");
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

/* The children of `folder` that match `format`, then (recursive) each child
 * folder's own, in that order: AOSP's MtpStorageManager.getObjects(MtpObject,
 * int, boolean).  FALSE when `folder` is not a folder (getChildren() is null). */
static gboolean
collect_objects (VpMtp *m, VpObject *folder, guint16 format, gboolean recursive, GPtrArray *out)
{
  g_autoptr(GPtrArray) kids = NULL;

  if (folder == NULL || !folder->is_folder)
    return FALSE;
  kids = vp_store_list (m->store, folder);
  for (guint k = 0; k < kids->len; k++)
    if (format == 0 || ((VpObject *) kids->pdata[k])->format == format)
      g_ptr_array_add (out, kids->pdata[k]);
  if (recursive)
    for (guint k = 0; k < kids->len; k++)
      {
        VpObject *kid = kids->pdata[k];
        /* A hostile phone's folder may claim itself as an ancestor; the
         * disk tree below it is still finite, so only the real tree is walked. */
        if (kid->is_folder && kid->parent == folder)
          collect_objects (m, kid, format, TRUE, out);
      }
  return TRUE;
}

/* AOSP MtpStorageManager.getObjects(int parent, int format, int storageId):
 * parent 0 is every object below the storage root(s), recursively, and
 * 0xFFFFFFFF the top level; storage 0xFFFFFFFF is every storage only for
 * those two, and a storage id of 0 names no storage root at all. */
static guint16
get_objects (VpMtp *m, guint32 parent, guint16 format, guint32 storage_id, GPtrArray *out)
{
  gboolean recursive = parent == 0;
  VpObject *obj;

  if (parent == VP_ROOT_PARENT)
    parent = 0;
  if (storage_id == VP_ALL && parent == 0)
    {
      for (guint i = 0; i < vp_store_n_storages (m->store); i++)
        collect_objects (m, vp_store_storage_at (m->store, i)->root, format, recursive, out);
      return VP_RC_OK;
    }
  if (parent == 0)
    {
      VpStorage *st = vp_store_storage_by_id (m->store, storage_id);
      obj = st ? st->root : NULL;
    }
  else
    obj = vp_store_lookup (m->store, parent);
  /* MtpDatabase.getObjectList() answers null, which MtpServer turns into
   * InvalidObjectHandle: also for a parent that is a file. */
  if (obj == NULL || !collect_objects (m, obj, format, recursive, out))
    return VP_RC_InvalidObjectHandle;
  return VP_RC_OK;
}

/* AOSP MtpServer::hasStorage(): 0 and 0xFFFFFFFF mean "any", which a phone
 * without storages (locked) does not have. */
static gboolean
has_storage (VpMtp *m, guint32 storage_id)
{
  if (storage_id == 0 || storage_id == VP_ALL)
    return vp_store_n_storages (m->store) > 0;
  return vp_store_storage_by_id (m->store, storage_id) != NULL;
}

/* AOSP MtpServer::getStorage(): 0 is the first (primary) storage. */
static VpStorage *
get_storage (VpMtp *m, guint32 storage_id)
{
  if (storage_id == 0)
    return vp_store_storage_at (m->store, 0);
  return vp_store_storage_by_id (m->store, storage_id);
}

/* AOSP MtpServer::doGetObjectHandles() and doGetNumObjects(). */
static void
do_get_object_handles (VpMtp *m, gboolean count_only)
{
  g_autoptr(GPtrArray) objs = g_ptr_array_new ();
  guint16 rc;
  GByteArray *b;

  if (m->nparams < 3)
    return respond0 (m, VP_RC_InvalidParameter);
  if (!has_storage (m, m->params[0]))
    return respond0 (m, VP_RC_InvalidStorageID);
  rc = get_objects (m, m->params[2], (guint16) m->params[1], m->params[0], objs);
  if (rc != VP_RC_OK)
    return respond0 (m, rc);
  if (count_only)
    {
      guint32 n = objs->len;
      return respond (m, VP_RC_OK, 1, &n);
    }
  b = g_byte_array_new ();
  vp_put_u32 (b, objs->len);
  for (guint i = 0; i < objs->len; i++)
    vp_put_u32 (b, ((VpObject *) objs->pdata[i])->handle);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
put_name (GByteArray *b, VpObject *o)
{
  if (o->name16 != NULL)
    vp_put_str_utf16 (b, o->name16, o->name16_len);
  else
    vp_put_str (b, o->name);
}

static void
put_date (VpMtp *m, GByteArray *b, VpObject *o, gint64 mtime)
{
  if (o->has_raw_date)
    vp_put_str (b, o->raw_date);
  else
    {
      g_autofree char *d = vp_store_format_date (m->store, mtime);
      vp_put_str (b, d);
    }
}

static void
do_get_object_info (VpMtp *m)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  guint64 size;
  gint64 mtime;
  GByteArray *b;

  if (o == NULL || !vp_store_stat (m->store, o, &size, &mtime))
    return respond0 (m, VP_RC_InvalidObjectHandle);
  b = g_byte_array_new ();
  vp_put_u32 (b, o->storage->id);
  vp_put_u16 (b, o->format);
  vp_put_u16 (b, 0);
  vp_put_u32 (b, size > 0xFFFFFFFFu ? 0xFFFFFFFFu : (guint32) size);
  vp_put_u16 (b, 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, vp_store_reported_parent (o));
  vp_put_u16 (b, o->is_folder ? VP_ASSOC_GENERIC_FOLDER : 0);
  vp_put_u32 (b, 0);
  vp_put_u32 (b, 0);
  put_name (b, o);
  put_date (m, b, o, mtime); /* Android reports the modification time as capture date too */
  put_date (m, b, o, mtime);
  vp_put_str (b, "");
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static gboolean
vanishes (VpMtp *m, VpObject *o)
{
  g_autofree char *path = NULL, *want = NULL;

  if (m->faults->vanish == NULL)
    return FALSE;
  path = vp_store_disk_path (m->store, o);
  want = g_build_filename (o->storage->path, "..", m->faults->vanish, NULL);
  if (path == NULL)
    return FALSE;
  {
    g_autofree char *a = g_canonicalize_filename (path, NULL);
    g_autofree char *b = g_canonicalize_filename (want, NULL);
    if (strcmp (a, b) != 0)
      return FALSE;
  }
  o->vanished = TRUE;
  vp_mtp_queue_event (m, VP_EV_ObjectRemoved, o->handle);
  return TRUE;
}

/* Streams [offset, offset+len) of an object as the data phase. */
static guint16
send_object_data (VpMtp *m, VpObject *o, guint64 offset, guint64 len, gboolean lie)
{
  guint64 size;
  gint64 mtime;
  g_autofree char *path = NULL;
  int fd = -1;
  guint64 file_len = len, pad = 0;

  if (o->is_folder || o->abstract)
    return VP_RC_InvalidObjectHandle;
  if (vanishes (m, o))
    return VP_RC_InvalidObjectHandle;
  if (!vp_store_stat (m->store, o, &size, &mtime))
    return VP_RC_InvalidObjectHandle;
  if (o->content != NULL)
    {
      GByteArray *b = g_byte_array_new ();
      gsize clen;
      const guint8 *c = g_bytes_get_data (o->content, &clen);
      if (offset < clen)
        g_byte_array_append (b, c + offset, (guint) MIN (len, clen - offset));
      send_data (m, b);
      return VP_RC_OK;
    }
  path = vp_store_disk_path (m->store, o);
  fd = path ? open (path, O_RDONLY | O_CLOEXEC) : -1;
  /* A listed object with no file (a SendObjectInfo whose data never came):
   * doGetObject's open() fails, which is GeneralError. */
  if (fd < 0)
    return vp_store_is_phantom (m->store, o) ? VP_RC_GeneralError : VP_RC_InvalidObjectHandle;
  if (lie && o->size_delta < 0)
    file_len = len - MIN (len, (guint64) -o->size_delta);
  else if (lie && o->size_delta > 0)
    pad = (guint64) o->size_delta;
  queue_in (m, container_new (VP_CONTAINER_DATA, m->op, m->tid), fd, offset, file_len, pad, len, TRUE, 0);
  return VP_RC_OK;
}

static void
do_get_object (VpMtp *m)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  guint64 size;
  gint64 mtime;
  guint16 rc;

  if (o == NULL || !vp_store_stat (m->store, o, &size, &mtime))
    return respond0 (m, VP_RC_InvalidObjectHandle);
  rc = send_object_data (m, o, 0, size, TRUE);
  respond0 (m, rc);
}

static void
do_get_partial_object (VpMtp *m, gboolean wide)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  guint64 size, offset, max, n;
  gint64 mtime;
  guint16 rc;
  guint32 count;

  if (o == NULL || !vp_store_stat (m->store, o, &size, &mtime))
    return respond0 (m, VP_RC_InvalidObjectHandle);
  offset = wide ? ((guint64) m->params[2] << 32) | m->params[1] : m->params[1];
  max = wide ? m->params[3] : m->params[2];
  if (offset > size)
    return respond0 (m, VP_RC_InvalidParameter);
  n = MIN (max, size - offset);
  rc = send_object_data (m, o, offset, n, FALSE);
  count = (guint32) n;
  if (rc != VP_RC_OK)
    return respond0 (m, rc);
  respond (m, VP_RC_OK, 1, &count);
}

static void
do_delete_object (VpMtp *m)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  guint32 handle = m->params[0];
  guint16 rc;

  if (m->params[0] == VP_ALL)
    return respond0 (m, VP_RC_ParameterNotSupported);
  if (o == NULL)
    return respond0 (m, VP_RC_InvalidObjectHandle);
  /* doDeleteObject's deletePath() finds no file: PartialDeletion, and
   * endDeleteObject(handle, false) keeps the object listed. */
  if (vp_store_is_phantom (m->store, o))
    return respond0 (m, VP_RC_PartialDeletion);
  rc = vp_store_delete (m->store, o);
  if (m->pending_handle == handle)
    m->pending_handle = 0;
  respond0 (m, rc);
}

/* The folder a SendObjectInfo names (AOSP MtpServer::doSendObjectInfo()):
 * 0xFFFFFFFF is the top of the storage asked for, and is answered as parent
 * 0.  Any other handle goes through MtpDatabase.getObjectFilePath(), where
 * MtpStorageManager.getObject(0) is null on Android 9 and later: parent 0 is
 * InvalidObjectHandle.  Android 8 and older mapped handle 0 to the primary
 * storage's root, whichever storage was asked (`parent0=primary`).  The
 * object then lives where its parent does: the storage id is not checked
 * against the parent's. */
static VpObject *
send_info_parent (VpMtp *m, VpStorage **st, guint32 storage_id, guint32 parent, guint16 *rc)
{
  VpObject *p;

  *rc = VP_RC_OK;
  *st = get_storage (m, storage_id);
  if (*st == NULL)
    {
      *rc = VP_RC_InvalidStorageID;
      return NULL;
    }
  if (!m->id.android && parent == 0)
    parent = VP_ROOT_PARENT;   /* MTP lets a device choose where parent 0 goes */
  if (parent == VP_ROOT_PARENT)
    return (*st)->root;
  if (parent == 0 && m->id.parent0_primary)
    {
      *st = vp_store_storage_at (m->store, 0);
      return (*st)->root;
    }
  p = parent == 0 ? NULL : vp_store_lookup (m->store, parent);
  if (p == NULL)
    {
      *rc = VP_RC_InvalidObjectHandle;
      return NULL;
    }
  if (!p->is_folder)
    {
      *rc = VP_RC_InvalidParentObject;
      return NULL;
    }
  *st = p->storage;
  return p;
}

/* The folder a MoveObject or CopyObject names (AOSP MtpServer::doMoveObject()
 * and doCopyObject()): there parent 0 is the storage's top and 0xFFFFFFFF, an
 * ordinary handle to MtpStorageManager.getObject(), is InvalidObjectHandle. */
static VpObject *
move_copy_parent (VpMtp *m, VpStorage *st, guint32 parent, guint16 *rc)
{
  VpObject *p;

  *rc = VP_RC_OK;
  if (parent == 0)
    return st->root;
  p = parent == VP_ROOT_PARENT ? NULL : vp_store_lookup (m->store, parent);
  if (p == NULL)
    *rc = VP_RC_InvalidObjectHandle;
  else if (!p->is_folder)
    *rc = VP_RC_InvalidParentObject;
  return *rc == VP_RC_OK ? p : NULL;
}

/* A send that failed: AOSP's doSendObject unlinks what it received, and
 * endSendObject(handle, false) forgets the object without an event
 * (MtpStorageManager.generalEndAddObject: the operation was the host's). */
static void
forget_sent (VpMtp *m, VpObject *o)
{
  if (vp_store_delete (m->store, o) != VP_RC_OK)
    vp_store_forget_object (m->store, o);
}

static void
drop_pending (VpMtp *m)
{
  /* Android forgets an object whose data never came. */
  if (m->pending_handle != 0)
    {
      VpObject *o = vp_store_lookup (m->store, m->pending_handle);
      if (o != NULL && !o->is_folder && !o->abstract)
        forget_sent (m, o);
      m->pending_handle = 0;
    }
}

static void
do_send_object_info (VpMtp *m, const guint8 *data, gsize len)
{
  VpReader r;
  guint16 format, assoc, rc;
  guint32 csize;
  g_autofree char *name = NULL, *cdate = NULL, *mdate = NULL, *kw = NULL;
  VpStorage *st = NULL;
  VpObject *parent, *o = NULL;
  gint64 mtime = 0;
  guint32 out[3];

  drop_pending (m);
  if (m->nparams < 2)
    return respond0 (m, VP_RC_InvalidParameter);
  parent = send_info_parent (m, &st, m->params[0], m->params[1], &rc);
  if (parent == NULL || rc != VP_RC_OK)
    return respond0 (m, rc);
  vp_reader_init (&r, data, len);
  vp_get_u32 (&r);
  format = vp_get_u16 (&r);
  vp_get_u16 (&r);
  csize = vp_get_u32 (&r);
  vp_get_u16 (&r);
  for (int i = 0; i < 6; i++)
    vp_get_u32 (&r);
  vp_get_u32 (&r);
  assoc = vp_get_u16 (&r);
  vp_get_u32 (&r);
  vp_get_u32 (&r);
  name = vp_get_str (&r);
  cdate = vp_get_str (&r);
  mdate = vp_get_str (&r);
  kw = vp_get_str (&r);
  /* MtpServer::doSendObjectInfo, in its order: a short dataset or an empty
   * name is InvalidParameter; a memory card's name is trimmed
   * (android::base::Trim, removable storage only); ".", ".." and names with
   * "/" are InvalidParameter; then the space, then the card's maximum file
   * size, which a size of 0xFFFFFFFF ("4 GiB or more") always exceeds.  The
   * association type is not looked at. */
  (void) assoc;
  if (r.bad || *name == '\0')
    return respond0 (m, VP_RC_InvalidParameter);
  /* A name of spaces alone leaves the parent's own path, which mkdir and
   * open refuse. */
  if (st->removable && !vp_store_trim_name (name))
    return respond0 (m, VP_RC_GeneralError);
  if (!vp_store_valid_name (name))
    return respond0 (m, VP_RC_InvalidParameter);
  if (csize > vp_store_free_space (m->store, st))
    return respond0 (m, VP_RC_StoreFull);
  if (st->max_file_size > 0 && (csize > st->max_file_size || csize == 0xFFFFFFFFu))
    return respond0 (m, VP_RC_ObjectTooLarge);
  if (!vp_store_parse_date (m->store, mdate, &mtime))
    mtime = g_get_real_time () / G_USEC_PER_SEC;
  rc = vp_store_create (m->store, st, parent, name, format, mtime, &o);
  if (rc != VP_RC_OK)
    return respond0 (m, rc);
  /* No ObjectAdded: MtpStorageManager freezes an object the host creates
   * (beginSendObject()) and sends events only for changes made on the phone. */
  if (format != VP_FMT_Association && !o->abstract)
    {
      m->pending_handle = o->handle;
      m->pending_size = csize;
      m->pending_exact = FALSE;
      m->pending_mtime = mtime;
    }
  else if (o->abstract)
    vp_store_save_abstract (m->store);
  /* AOSP echoes the storage id as asked (0 included) and says 0 for the top. */
  out[0] = m->params[0];
  out[1] = parent == st->root ? 0 : parent->handle;
  out[2] = o->handle;
  respond (m, VP_RC_OK, 3, out);
}

/* ---- object properties ------------------------------------------------ */

static const guint16 file_props[] = {
  VP_PROP_StorageID, VP_PROP_ObjectFormat, VP_PROP_ProtectionStatus, VP_PROP_ObjectSize,
  VP_PROP_ObjectFileName, VP_PROP_DateModified, VP_PROP_ParentObject, VP_PROP_PersistentUID,
  VP_PROP_Name, VP_PROP_DisplayName, VP_PROP_DateAdded,
};
static const guint16 audio_props[] = { VP_PROP_Artist, VP_PROP_AlbumName, VP_PROP_AlbumArtist };

static gboolean
is_audio (guint16 format)
{
  return format == VP_FMT_MP3 || format == VP_FMT_WAV || format == VP_FMT_OGG ||
         format == VP_FMT_AAC || format == VP_FMT_FLAC || format == VP_FMT_WMA ||
         format == VP_FMT_AbstractAudioAlbum;
}

static gboolean
prop_supported (guint16 format, guint16 prop)
{
  for (gsize i = 0; i < G_N_ELEMENTS (file_props); i++)
    if (file_props[i] == prop)
      return TRUE;
  if (is_audio (format))
    for (gsize i = 0; i < G_N_ELEMENTS (audio_props); i++)
      if (audio_props[i] == prop)
        return TRUE;
  return FALSE;
}

static guint16
prop_type (guint16 prop)
{
  switch (prop)
    {
    case VP_PROP_StorageID:
    case VP_PROP_ParentObject:
    case VP_PROP_AssociationDesc:
      return VP_TYPE_UINT32;
    case VP_PROP_ObjectFormat:
    case VP_PROP_ProtectionStatus:
    case VP_PROP_AssociationType:
      return VP_TYPE_UINT16;
    case VP_PROP_ObjectSize:
      return VP_TYPE_UINT64;
    case VP_PROP_PersistentUID:
      return VP_TYPE_UINT128;
    default:
      return VP_TYPE_STR;
    }
}

static gboolean
prop_settable (VpMtp *m, guint16 prop)
{
  /* AOSP's MtpDatabase lets a client rename and nothing else; players
   * commonly take new dates and titles too. */
  if (prop == VP_PROP_ObjectFileName)
    return TRUE;
  return m->id.player && (prop == VP_PROP_DateModified || prop == VP_PROP_Name ||
                          prop == VP_PROP_Artist || prop == VP_PROP_AlbumName);
}

static void
do_get_props_supported (VpMtp *m)
{
  guint16 format = (guint16) m->params[0];
  g_autoptr(GArray) v = g_array_new (FALSE, FALSE, sizeof (guint16));
  GByteArray *b = g_byte_array_new ();

  g_array_append_vals (v, file_props, G_N_ELEMENTS (file_props));
  if (is_audio (format))
    g_array_append_vals (v, audio_props, G_N_ELEMENTS (audio_props));
  vp_put_u16_array (b, (guint16 *) v->data, v->len);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
put_default (GByteArray *b, guint16 type)
{
  switch (type)
    {
    case VP_TYPE_UINT16: vp_put_u16 (b, 0); break;
    case VP_TYPE_UINT32: vp_put_u32 (b, 0); break;
    case VP_TYPE_UINT64: vp_put_u64 (b, 0); break;
    case VP_TYPE_UINT128: vp_put_u64 (b, 0); vp_put_u64 (b, 0); break;
    default: vp_put_str (b, ""); break;
    }
}

static void
do_get_prop_desc (VpMtp *m)
{
  guint16 prop = (guint16) m->params[0], format = (guint16) m->params[1];
  guint16 type = prop_type (prop);
  GByteArray *b;

  if (!prop_supported (format, prop))
    return respond0 (m, VP_RC_InvalidObjectPropCode);
  b = g_byte_array_new ();
  vp_put_u16 (b, prop);
  vp_put_u16 (b, type);
  vp_put_u8 (b, prop_settable (m, prop) ? 1 : 0);
  put_default (b, type);
  vp_put_u32 (b, 0);
  /* Dates carry the DateTime form, as AOSP declares them. */
  vp_put_u8 (b, (prop == VP_PROP_DateModified || prop == VP_PROP_DateAdded) ? 3 : 0);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
put_prop_value (VpMtp *m, GByteArray *b, VpObject *o, guint16 prop, guint64 size, gint64 mtime)
{
  switch (prop)
    {
    case VP_PROP_StorageID: vp_put_u32 (b, o->storage->id); break;
    case VP_PROP_ObjectFormat: vp_put_u16 (b, o->format); break;
    case VP_PROP_ProtectionStatus: vp_put_u16 (b, 0); break;
    case VP_PROP_ObjectSize: vp_put_u64 (b, size); break;
    case VP_PROP_AssociationType: vp_put_u16 (b, o->is_folder ? 1 : 0); break;
    case VP_PROP_AssociationDesc: vp_put_u32 (b, 0); break;
    case VP_PROP_ParentObject: vp_put_u32 (b, vp_store_reported_parent (o)); break;
    case VP_PROP_PersistentUID:
      vp_put_u64 (b, o->handle);
      vp_put_u64 (b, o->storage->id);
      break;
    case VP_PROP_Name:
    case VP_PROP_AlbumName:
      if (o->abstract)
        {
          /* A player's album or playlist is titled without its ".alb". */
          const char *dot = strrchr (o->name, '.');
          g_autofree char *title = dot ? g_strndup (o->name, dot - o->name) : g_strdup (o->name);
          vp_put_str (b, prop == VP_PROP_AlbumName && o->format != VP_FMT_AbstractAudioAlbum ? "" : title);
        }
      else if (prop == VP_PROP_Name)
        put_name (b, o);
      else
        vp_put_str (b, "");
      break;
    case VP_PROP_ObjectFileName:
    case VP_PROP_DisplayName:
      put_name (b, o);
      break;
    case VP_PROP_DateModified:
    case VP_PROP_DateAdded:
      put_date (m, b, o, mtime);
      break;
    case VP_PROP_Artist:
    case VP_PROP_AlbumArtist:
      vp_put_str (b, o->artist ? o->artist : "");
      break;
    default:
      vp_put_str (b, "");
    }
}

static void
do_get_prop_value (VpMtp *m)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  guint16 prop = (guint16) m->params[1];
  guint64 size;
  gint64 mtime;
  GByteArray *b;

  if (o == NULL || !vp_store_stat (m->store, o, &size, &mtime))
    return respond0 (m, VP_RC_InvalidObjectHandle);
  if (!prop_supported (o->format, prop))
    return respond0 (m, VP_RC_InvalidObjectPropCode);
  b = g_byte_array_new ();
  put_prop_value (m, b, o, prop, size, mtime);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
do_set_prop_value (VpMtp *m, const guint8 *data, gsize len)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  guint16 prop = (guint16) m->params[1];
  VpReader r;
  g_autofree char *s = NULL;
  gint64 t;
  guint16 rc;

  if (o == NULL)
    return respond0 (m, VP_RC_InvalidObjectHandle);
  if (!prop_supported (o->format, prop))
    return respond0 (m, VP_RC_InvalidObjectPropCode);
  if (!prop_settable (m, prop))
    return respond0 (m, VP_RC_ObjectPropNotSupported);
  vp_reader_init (&r, data, len);
  s = vp_get_str (&r);
  if (r.bad)
    return respond0 (m, VP_RC_InvalidObjectPropValue);
  switch (prop)
    {
    case VP_PROP_ObjectFileName:
    case VP_PROP_Name:
      if (prop == VP_PROP_Name && o->abstract)
        {
          /* A title: the object keeps its ".pla"/".alb" file name ending. */
          const char *dot = strrchr (o->name, '.');
          if (dot != NULL && !g_str_has_suffix (s, dot))
            {
              char *t = g_strconcat (s, dot, NULL);
              g_free (s);
              s = t;
            }
        }
      rc = vp_store_rename (m->store, o, s);
      if (rc == VP_RC_InvalidParameter)
        rc = VP_RC_InvalidObjectPropValue;
      break;
    case VP_PROP_DateModified:
      if (!vp_store_parse_date (m->store, s, &t))
        return respond0 (m, VP_RC_InvalidObjectPropValue);
      vp_store_set_mtime (m->store, o, t);
      rc = VP_RC_OK;
      break;
    case VP_PROP_Artist:
      g_free (o->artist);
      o->artist = g_steal_pointer (&s);
      if (o->abstract)
        vp_store_save_abstract (m->store);
      rc = VP_RC_OK;
      break;
    default:
      rc = VP_RC_OK;
    }
  /* No ObjectInfoChanged: a rename the host asked for is frozen in
   * MtpStorageManager.beginRenameObject(), which keeps its event back. */
  respond0 (m, rc);
}

static gboolean
prop_known (guint16 prop)
{
  return prop_supported (VP_FMT_MP3, prop);
}

/* What GetObjectPropList costs the phone per object it describes, and per
 * property value, beyond what every transaction costs (the rig's latency)
 * and the bytes on the wire.  AOSP's work per object
 * (MtpPropertyGroup.getPropertyList(), then the native
 * MtpDatabase::getObjectPropertyList() copying the Java arrays into the
 * packet): for each of the 11 file properties a switch and an append to
 * MtpPropertyList's arrays, two dates formatted by a native call
 * (format_date_time), five strings converted from Java to UTF-16 through
 * JNI, the packet grown value by value.  All of it in memory: the folder
 * scans (MtpStorageManager.getChildren(), a directory read and a stat per
 * entry) happen for GetObjectHandles alike and are charged to neither.
 * No phone was measured here; the figures are set high on purpose, a few
 * times what a mid-range phone's ART takes for that much work, so that
 * the fast listing's advantage is not the rig's gift.  GetObjectInfo, at
 * one transaction per object, costs its latency alone, which already
 * dwarfs its work. */
#define PROPLIST_OBJECT_USEC 20
#define PROPLIST_VALUE_USEC 2

/* AOSP MtpDatabase.getObjectPropertyList(), step by step, quirks included:
 * depth 1 lists the children and then the object itself; "all objects" is
 * depth 0xFFFFFFFF from handle 0 or 0xFFFFFFFF; handle 0 at depth 0 is the
 * top level; with every property asked for and no format, the first listed
 * object's format picks the property set for all of them (Android only: the
 * player describes each object by its own format). */
static void
do_get_prop_list (VpMtp *m)
{
  guint32 handle = m->params[0], depth = m->params[4];
  guint32 format = m->params[1];
  guint32 prop = m->params[2];
  g_autoptr(GPtrArray) objs = g_ptr_array_new ();
  VpObject *this_obj = NULL;
  GByteArray *b;
  gsize count_at;
  guint32 count = 0;

  /* MtpServer::doGetObjectPropList() */
  if (vp_store_n_storages (m->store) == 0)
    return respond0 (m, VP_RC_InvalidObjectHandle);
  if (m->nparams < 5)
    return respond0 (m, VP_RC_InvalidParameter);
  if (prop == 0)
    return respond0 (m, m->params[3] == 0 ? VP_RC_ParameterNotSupported : VP_RC_SpecificationByGroupUnsupported);
  if (depth == 0xFFFFFFFFu && (handle == 0 || handle == 0xFFFFFFFFu))
    {
      handle = 0xFFFFFFFFu;
      depth = 0;
    }
  if (depth > 1)
    return respond0 (m, VP_RC_SpecificationByDepthUnsupported);
  if (prop != VP_ALL && !prop_known ((guint16) prop))
    return respond0 (m, VP_RC_InvalidObjectPropCode);
  if (handle == 0xFFFFFFFFu)
    {
      if (get_objects (m, 0, (guint16) format, VP_ALL, objs) != VP_RC_OK)
        return respond0 (m, VP_RC_InvalidObjectHandle);
    }
  else if (handle != 0)
    {
      VpObject *o = vp_store_lookup (m->store, handle);
      if (o == NULL)
        return respond0 (m, VP_RC_InvalidObjectHandle);
      if (format == 0 || o->format == format)
        this_obj = o;
    }
  /* libmtp's device-flags.h on phones whose all-objects form it does not
   * trust: "objects are simply missing from the list". */
  if (handle == 0xFFFFFFFFu && m->faults->proplist_drops > 0)
    for (guint i = objs->len; i > 0; i--)
      if (i % m->faults->proplist_drops == 0)
        g_ptr_array_remove_index (objs, i - 1);
  if (handle == 0 || depth == 1)
    {
      g_ptr_array_set_size (objs, 0);
      if (get_objects (m, handle == 0 ? VP_ROOT_PARENT : handle, (guint16) format, VP_ALL, objs) != VP_RC_OK)
        return respond0 (m, VP_RC_InvalidObjectHandle);
    }
  if (this_obj != NULL)
    g_ptr_array_add (objs, this_obj);

  b = g_byte_array_new ();
  count_at = b->len;
  vp_put_u32 (b, 0);
  for (guint i = 0; i < objs->len; i++)
    {
      VpObject *o = objs->pdata[i];
      guint64 size;
      gint64 mtime;

      guint16 group = (guint16) format;

      if (prop == VP_ALL && format == 0 && handle != 0 && handle != 0xFFFFFFFFu)
        group = (guint16) (m->id.android ? (format = o->format) : o->format);
      else if (prop == VP_ALL && format == 0 && !m->id.android)
        group = o->format;   /* a player describes each object by its own format */
      if (!vp_store_stat (m->store, o, &size, &mtime))
        size = 0, mtime = 0;
      for (gsize p = 0; p < G_N_ELEMENTS (file_props) + G_N_ELEMENTS (audio_props); p++)
        {
          guint16 code = p < G_N_ELEMENTS (file_props) ? file_props[p] : audio_props[p - G_N_ELEMENTS (file_props)];
          if (prop == VP_ALL ? !prop_supported (group, code) : prop != code)
            continue;
          vp_put_u32 (b, o->handle);
          vp_put_u16 (b, code);
          vp_put_u16 (b, prop_type (code));
          put_prop_value (m, b, o, code, size, mtime);
          count++;
        }
    }
  vp_set_u32_at (b, count_at, count);
  /* At --speed usb2 the rig charges the work AOSP does per object on top
   * of the transaction's latency and the bytes (see PROPLIST_*_USEC). */
  send_data_after (m, b, m->latency > 0 ? (gint64) objs->len * PROPLIST_OBJECT_USEC +
                                            (gint64) count * PROPLIST_VALUE_USEC : 0);
  respond0 (m, VP_RC_OK);
}

static void
do_get_references (VpMtp *m)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  GByteArray *b;
  guint n = 0;

  if (o == NULL)
    return respond0 (m, VP_RC_InvalidObjectHandle);
  b = g_byte_array_new ();
  vp_put_u32 (b, 0);
  for (guint i = 0; o->refs && i < o->refs->len; i++)
    {
      guint32 h = g_array_index (o->refs, guint32, i);
      if (vp_store_lookup (m->store, h) != NULL)
        {
          vp_put_u32 (b, h);
          n++;
        }
    }
  vp_set_u32_at (b, 0, n);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
do_set_references (VpMtp *m, const guint8 *data, gsize len)
{
  VpObject *o = vp_store_lookup (m->store, m->params[0]);
  VpReader r;
  guint32 n;

  if (o == NULL)
    return respond0 (m, VP_RC_InvalidObjectHandle);
  vp_reader_init (&r, data, len);
  n = vp_get_u32 (&r);
  if (r.bad || (gsize) n * 4 > len)
    return respond0 (m, VP_RC_InvalidDataset);
  if (o->refs == NULL)
    o->refs = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_set_size (o->refs, 0);
  for (guint32 i = 0; i < n; i++)
    {
      guint32 h = vp_get_u32 (&r);
      if (vp_store_lookup (m->store, h) == NULL)
        return respond0 (m, VP_RC_InvalidObjectReference);
      g_array_append_val (o->refs, h);
    }
  vp_store_save_abstract (m->store);
  respond0 (m, VP_RC_OK);
}

/* ---- device properties ------------------------------------------------ */

static void
put_device_prop (VpMtp *m, GByteArray *b, guint16 prop)
{
  switch (prop)
    {
    case VP_DPROP_BatteryLevel: vp_put_u8 (b, m->id.battery); break;
    case VP_DPROP_FriendlyName: vp_put_str (b, m->id.friendly_name); break;
    case VP_DPROP_SyncPartner: vp_put_str (b, ""); break;
    case VP_DPROP_PerceivedDeviceType: vp_put_u32 (b, m->id.player ? 1 : 3); break;
    default: break;
    }
}

static gboolean
device_prop_known (guint16 prop)
{
  for (gsize i = 0; i < G_N_ELEMENTS (device_props); i++)
    if (device_props[i] == prop)
      return TRUE;
  return FALSE;
}

static void
do_get_device_prop (VpMtp *m, gboolean desc)
{
  guint16 prop = (guint16) m->params[0];
  GByteArray *b;

  if (!device_prop_known (prop))
    return respond0 (m, VP_RC_DevicePropNotSupported);
  b = g_byte_array_new ();
  if (desc)
    {
      vp_put_u16 (b, prop);
      switch (prop)
        {
        case VP_DPROP_BatteryLevel: vp_put_u16 (b, VP_TYPE_UINT8); break;
        case VP_DPROP_PerceivedDeviceType: vp_put_u16 (b, VP_TYPE_UINT32); break;
        default: vp_put_u16 (b, VP_TYPE_STR); break;
        }
      vp_put_u8 (b, (prop == VP_DPROP_FriendlyName || prop == VP_DPROP_SyncPartner) ? 1 : 0);
      put_device_prop (m, b, prop); /* factory default */
      put_device_prop (m, b, prop);
      if (prop == VP_DPROP_BatteryLevel)
        {
          vp_put_u8 (b, 1); /* range form */
          vp_put_u8 (b, 0);
          vp_put_u8 (b, 100);
          vp_put_u8 (b, 1);
        }
      else
        vp_put_u8 (b, 0);
    }
  else
    put_device_prop (m, b, prop);
  send_data (m, b);
  respond0 (m, VP_RC_OK);
}

static void
do_set_device_prop (VpMtp *m, const guint8 *data, gsize len)
{
  guint16 prop = (guint16) m->params[0];
  VpReader r;
  g_autofree char *s = NULL;

  if (!device_prop_known (prop))
    return respond0 (m, VP_RC_DevicePropNotSupported);
  if (prop != VP_DPROP_FriendlyName && prop != VP_DPROP_SyncPartner)
    return respond0 (m, VP_RC_AccessDenied);
  vp_reader_init (&r, data, len);
  s = vp_get_str (&r);
  if (r.bad)
    return respond0 (m, VP_RC_InvalidDevicePropValue);
  if (prop == VP_DPROP_FriendlyName)
    {
      g_free (m->id.friendly_name);
      m->id.friendly_name = g_steal_pointer (&s);
    }
  respond0 (m, VP_RC_OK);
}

/* ---- moving and copying ----------------------------------------------- */

static void
do_move_copy (VpMtp *m, gboolean copy)
{
  VpObject *o, *parent, *made = NULL;
  VpStorage *st;
  guint16 rc;

  if (vp_store_n_storages (m->store) == 0)
    return respond0 (m, VP_RC_GeneralError);
  if (m->nparams < 3)
    return respond0 (m, VP_RC_InvalidParameter);
  st = get_storage (m, m->params[1]);
  if (st == NULL)
    return respond0 (m, VP_RC_InvalidStorageID);
  o = vp_store_lookup (m->store, m->params[0]);
  if (o == NULL)
    return respond0 (m, VP_RC_InvalidObjectHandle);
  parent = move_copy_parent (m, st, m->params[2], &rc);
  if (parent == NULL)
    return respond0 (m, rc);
  /* The parent's own storage wins, as the path AOSP builds is the parent's. */
  st = parent->storage;
  if (copy)
    {
      rc = vp_store_copy (m->store, o, st, parent, &made);
      if (rc == VP_RC_OK)
        {
          guint32 h = made->handle;
          return respond (m, VP_RC_OK, 1, &h);
        }
      return respond0 (m, rc);
    }
  rc = vp_store_move (m->store, o, st, parent);
  respond0 (m, rc);
}

/* ---- SendObjectPropList (MTP 1.0 appendix D.2.14) --------------------- */

/* Bytes of one value of a PTP datatype; 0 for strings and arrays. */
static gsize
type_width (guint16 type)
{
  switch (type)
    {
    case 0x0001: case VP_TYPE_UINT8: return 1;
    case 0x0003: case VP_TYPE_UINT16: return 2;
    case 0x0005: case VP_TYPE_UINT32: return 4;
    case 0x0007: case VP_TYPE_UINT64: return 8;
    case 0x0009: case VP_TYPE_UINT128: return 16;
    default: return 0;
    }
}

static void
skip_value (VpReader *r, guint16 type)
{
  gsize w = type_width (type & 0x0FFF);

  if (type == VP_TYPE_STR)
    g_free (vp_get_str (r));
  else if ((type & 0xF000) == 0x4000 && w > 0)
    {
      guint32 n = vp_get_u32 (r);
      for (guint64 i = 0; i < (guint64) n * w && !r->bad; i++)
        vp_get_u8 (r);
    }
  else if (w > 0 && type == (type & 0x0FFF))
    for (gsize i = 0; i < w; i++)
      vp_get_u8 (r);
  else
    r->bad = TRUE;
}

static void
respond_prop_error (VpMtp *m, guint16 rc, guint32 index)
{
  /* The fourth parameter names the element that was refused. */
  guint32 out[4] = { 0, 0, 0, index };
  respond (m, rc, 4, out);
}

/* Params: storage, parent, format, ObjectSize high and low 32 bits; data:
 * an ObjectPropList whose elements all carry handle 0.  The object is
 * created now, as by SendObjectInfo, and its data follows in SendObject.
 * Unlike SendObjectInfo's 32-bit ObjectCompressedSize, the size here is
 * exact past 4 GiB: libmtp's ptp_mtp_sendobjectproplist splits the 64-bit
 * file size over Param4/Param5. */
static void
do_send_object_prop_list (VpMtp *m, const guint8 *data, gsize len)
{
  guint16 format = (guint16) m->params[2], rc;
  guint64 size = ((guint64) m->params[3] << 32) | m->params[4];
  VpStorage *st = NULL;
  VpObject *parent, *o = NULL;
  VpReader r;
  guint32 n, out[3];
  g_autofree char *name = NULL, *artist = NULL;
  gint64 mtime = 0;
  gboolean dated = FALSE;

  drop_pending (m);
  parent = send_info_parent (m, &st, m->params[0], m->params[1], &rc);
  if (parent == NULL || rc != VP_RC_OK)
    return respond0 (m, rc);
  vp_reader_init (&r, data, len);
  n = vp_get_u32 (&r);
  for (guint32 i = 0; i < n && !r.bad; i++)
    {
      guint32 handle = vp_get_u32 (&r);
      guint16 prop = vp_get_u16 (&r), type = vp_get_u16 (&r);
      g_autofree char *s = NULL;

      if (r.bad)
        break;
      /* The object has no handle yet: the specification requires 0. */
      if (handle != 0)
        return respond_prop_error (m, VP_RC_InvalidDataset, i);
      if (!prop_supported (format, prop))
        return respond_prop_error (m, VP_RC_ObjectPropNotSupported, i);
      if (type != prop_type (prop))
        return respond_prop_error (m, VP_RC_InvalidObjectPropFormat, i);
      if (type != VP_TYPE_STR)
        {
          skip_value (&r, type);
          continue;
        }
      s = vp_get_str (&r);
      if (r.bad)
        break;
      switch (prop)
        {
        case VP_PROP_ObjectFileName:
          g_free (name);
          name = g_steal_pointer (&s);
          break;
        case VP_PROP_Artist:
          g_free (artist);
          artist = g_steal_pointer (&s);
          break;
        case VP_PROP_DateModified:
          if (!vp_store_parse_date (m->store, s, &mtime))
            return respond_prop_error (m, VP_RC_InvalidObjectPropValue, i);
          dated = TRUE;
          break;
        default:
          break;
        }
    }
  if (r.bad || r.pos != r.len)
    return respond0 (m, VP_RC_InvalidDataset);
  /* Without a file name there is nothing to create: the phone does not
   * invent one. */
  if (name == NULL || *name == '\0')
    return respond0 (m, VP_RC_InvalidDataset);
  if (format != VP_FMT_Association)
    {
      if (st->max_file_size > 0 && size > st->max_file_size)
        return respond0 (m, VP_RC_ObjectTooLarge);
      if (size > vp_store_free_space (m->store, st))
        return respond0 (m, VP_RC_StoreFull);
    }
  if (!dated)
    mtime = g_get_real_time () / G_USEC_PER_SEC;
  rc = vp_store_create (m->store, st, parent, name, format, mtime, &o);
  if (rc != VP_RC_OK)
    return respond0 (m, rc);
  /* No ObjectAdded for what the host itself created, as in do_send_object_info. */
  if (o->abstract)
    {
      if (artist != NULL)
        {
          g_free (o->artist);
          o->artist = g_steal_pointer (&artist);
        }
      vp_store_save_abstract (m->store);
    }
  /* A playlist or album too waits for its SendObject: libmtp's
   * create_new_abstract_list follows SendObjectPropList with an empty one
   * ("blank object data") and gives the list up if it is refused. */
  if (format != VP_FMT_Association)
    {
      m->pending_handle = o->handle;
      m->pending_size = size;
      m->pending_exact = TRUE;
      m->pending_mtime = mtime;
    }
  out[0] = st->id;
  out[1] = parent == st->root ? 0 : parent->handle;
  out[2] = o->handle;
  respond (m, VP_RC_OK, 3, out);
}

/* ---- object data from the host ---------------------------------------- */

static void
begin_send (VpMtp *m)
{
  VpObject *o;
  g_autofree char *path = NULL;

  m->send_fd = -1;
  m->send_failed = FALSE;
  m->send_rc = VP_RC_OK;
  if (m->op == VP_OP_SendObject)
    {
      o = m->pending_handle ? vp_store_lookup (m->store, m->pending_handle) : NULL;
      if (o == NULL)
        {
          m->send_failed = TRUE;
          m->send_rc = VP_RC_NoValidObjectInfo;
          return;
        }
      m->send_pos = m->send_end = 0;
      if (o->abstract)
        return; /* no file: only an empty data phase can succeed */
      path = vp_store_disk_path (m->store, o);
      /* The file is made now, as doSendObject's open(O_CREAT | O_TRUNC). */
      m->send_fd = path ? open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    }
  else
    {
      o = vp_store_lookup (m->store, m->params[0]);
      if (o == NULL || !g_hash_table_contains (m->editing, GUINT_TO_POINTER (m->params[0])))
        {
          m->send_failed = TRUE;
          m->send_rc = o == NULL ? VP_RC_InvalidObjectHandle : VP_RC_GeneralError;
          return;
        }
      path = vp_store_disk_path (m->store, o);
      m->send_fd = path ? open (path, O_WRONLY | O_CLOEXEC) : -1;
      m->send_pos = ((guint64) m->params[2] << 32) | m->params[1];
      m->send_end = 0;
      if (m->send_fd >= 0)
        {
          struct stat sb;
          if (fstat (m->send_fd, &sb) == 0)
            m->send_end = (guint64) sb.st_size;
          lseek (m->send_fd, (off_t) m->send_pos, SEEK_SET);
        }
    }
  if (m->send_fd < 0)
    {
      m->send_failed = TRUE;
      m->send_rc = VP_RC_GeneralError;
    }
}

static gboolean
all_zero (const guint8 *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] != 0)
      return FALSE;
  return TRUE;
}

/* The send failed as a write on the phone fails.  AOSP's doSendObject (and
 * doSendPartialObject) answer GeneralError whenever receiveFile returns an
 * error other than ECANCELED, a full disk (ENOSPC) and a file too big for
 * FAT32 (EFBIG) included: there is no StoreFull once the data flows. */
static void
write_failed (VpMtp *m)
{
  m->send_failed = TRUE;
  m->send_rc = VP_RC_GeneralError;
}

static void
send_bytes (VpMtp *m, const guint8 *data, gsize len)
{
  VpObject *o;
  VpStorage *st;
  guint64 end, growth;

  if (m->send_failed || len == 0)
    return;
  o = vp_store_lookup (m->store, m->op == VP_OP_SendObject ? m->pending_handle : m->params[0]);
  st = o ? o->storage : NULL;
  end = m->send_pos + len;
  growth = end > m->send_end ? end - MAX (m->send_pos, m->send_end) : 0;
  if (m->faults->store_full_after >= 0 && m->received_total + len > (guint64) m->faults->store_full_after)
    {
      /* Another app takes the rest of the disk; the write below then runs
       * out of space, as it would on the phone. */
      m->faults->store_full_after = -1;
      if (st != NULL)
        vp_store_fill (m->store, st);
    }
  if ((o != NULL && o->abstract) || m->send_fd < 0)
    return write_failed (m);
  if (st != NULL && st->max_file_size > 0 && end > st->max_file_size)
    return write_failed (m);
  /* Every byte counts against the free space, zeros included: the phone's
   * disk stores them even where the rig's folder keeps a hole. */
  if (st != NULL && growth > vp_store_free_space (m->store, st))
    return write_failed (m);
  if (all_zero (data, len))
    {
      /* Keep a 5 GiB sparse video sparse on the phone folder too. */
      if (lseek (m->send_fd, (off_t) len, SEEK_CUR) < 0)
        return write_failed (m);
    }
  else if (write (m->send_fd, data, len) != (ssize_t) len)
    return write_failed (m);
  m->received_total += len;
  m->send_pos = end;
  if (end > m->send_end)
    m->send_end = end;
  if (st != NULL && growth > 0)
    vp_store_add_used (m->store, st, (gint64) growth);
}

/* Every way a send ends.  Zeros were skipped with lseek, so a trailing hole
 * needs the size set: the file then holds every byte charged to the
 * storage, and deleting it gives all of them back. */
static void
close_send_fd (VpMtp *m)
{
  if (m->send_fd < 0)
    return;
  if (m->send_end > 0)
    (void) !ftruncate (m->send_fd, (off_t) m->send_end);
  close (m->send_fd);
  m->send_fd = -1;
}

static void
finish_send (VpMtp *m)
{
  VpObject *o;
  guint32 handle = m->op == VP_OP_SendObject ? m->pending_handle : m->params[0];

  close_send_fd (m);
  o = vp_store_lookup (m->store, handle);
  if (m->op == VP_OP_SendObject)
    {
      m->pending_handle = 0;
      /* A data phase shorter than the size announced: AOSP's
       * MtpFfsHandle::receiveFile fails the read with EIO, which doSendObject
       * answers GeneralError. */
      if (!m->send_failed && (m->pending_exact || m->pending_size != 0xFFFFFFFFu) && m->data_got != m->pending_size)
        write_failed (m);
      if (m->send_failed)
        {
          if (o != NULL)
            forget_sent (m, o);
          return respond0 (m, m->send_rc);
        }
      if (o != NULL)
        {
          o->reserved = FALSE;
          vp_store_set_mtime (m->store, o, m->pending_mtime);
        }
      return respond0 (m, VP_RC_OK);
    }
  if (m->send_failed)
    return respond0 (m, m->send_rc);
  {
    guint32 n = (guint32) m->data_got;
    respond (m, VP_RC_OK, 1, &n);
  }
}

/* ---- dispatch --------------------------------------------------------- */

static gboolean
has_data_out (guint16 op)
{
  switch (op)
    {
    case VP_OP_SendObjectInfo:
    case VP_OP_SendObjectPropList:
    case VP_OP_SendObject:
    case VP_OP_SetDevicePropValue:
    case VP_OP_SetObjectPropValue:
    case VP_OP_SetObjectReferences:
    case VP_OP_SendPartialObject:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_streamed (guint16 op)
{
  return op == VP_OP_SendObject || op == VP_OP_SendPartialObject;
}

static void
count_op (VpMtp *m)
{
  const char *name = vp_mtp_operation_name (m->op);
  g_autofree char *unknown = NULL;
  gpointer n;

  if (name == NULL)
    name = unknown = g_strdup_printf ("0x%04X", m->op);
  n = g_hash_table_lookup (m->stats->operations, name);
  g_hash_table_insert (m->stats->operations, g_strdup (name), GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
  m->stats->transactions++;
}

/* Faults and session rules that answer before an operation runs. */
static gboolean
refused_early (VpMtp *m)
{
  if (!supports (m, m->op))
    {
      respond0 (m, VP_RC_OperationNotSupported);
      return TRUE;
    }
  if (m->faults->flaky > 0 && m->faults->flaky_op != NULL)
    {
      const char *name = vp_mtp_operation_name (m->op);
      if (name != NULL && g_str_equal (name, m->faults->flaky_op) && ++m->faults->flaky_seen % m->faults->flaky == 0)
        {
          respond0 (m, VP_RC_GeneralError);
          return TRUE;
        }
    }
  else if (m->faults->flaky > 0 && m->stats->transactions % m->faults->flaky == 0)
    {
      respond0 (m, VP_RC_GeneralError);
      return TRUE;
    }
  if (m->op == VP_OP_GetDeviceInfo || m->op == VP_OP_OpenSession)
    return FALSE;
  if (!m->session_open)
    {
      respond0 (m, VP_RC_SessionNotOpen);
      return TRUE;
    }
  if (m->faults->device_busy && m->op != VP_OP_CloseSession)
    {
      respond0 (m, VP_RC_DeviceBusy);
      return TRUE;
    }
  return FALSE;
}

static void
run_operation (VpMtp *m, const guint8 *data, gsize len)
{
  switch (m->op)
    {
    case VP_OP_GetDeviceInfo: return do_get_device_info (m);
    case VP_OP_OpenSession:
      if (m->params[0] == 0)
        return respond0 (m, VP_RC_InvalidParameter);
      if (m->session_open)
        {
          guint32 id = m->session_id;
          return respond (m, VP_RC_SessionAlreadyOpen, 1, &id);
        }
      m->session_open = TRUE;
      m->session_id = m->params[0];
      return respond0 (m, VP_RC_OK);
    case VP_OP_CloseSession:
      drop_pending (m);
      m->session_open = FALSE;
      return respond0 (m, VP_RC_OK);
    case VP_OP_GetStorageIDs: return do_get_storage_ids (m);
    case VP_OP_GetStorageInfo: return do_get_storage_info (m);
    case VP_OP_GetNumObjects: return do_get_object_handles (m, TRUE);
    case VP_OP_GetObjectHandles: return do_get_object_handles (m, FALSE);
    case VP_OP_GetObjectInfo: return do_get_object_info (m);
    case VP_OP_GetObject: return do_get_object (m);
    case VP_OP_GetThumb:
      return respond0 (m, vp_store_lookup (m->store, m->params[0]) ? VP_RC_NoThumbnailPresent : VP_RC_InvalidObjectHandle);
    case VP_OP_DeleteObject: return do_delete_object (m);
    case VP_OP_SendObjectInfo: return do_send_object_info (m, data, len);
    case VP_OP_SendObjectPropList: return do_send_object_prop_list (m, data, len);
    case VP_OP_GetDevicePropDesc: return do_get_device_prop (m, TRUE);
    case VP_OP_GetDevicePropValue: return do_get_device_prop (m, FALSE);
    case VP_OP_SetDevicePropValue: return do_set_device_prop (m, data, len);
    case VP_OP_ResetDevicePropValue: return respond0 (m, VP_RC_OperationNotSupported);
    case VP_OP_MoveObject: return do_move_copy (m, FALSE);
    case VP_OP_CopyObject: return do_move_copy (m, TRUE);
    case VP_OP_GetPartialObject: return do_get_partial_object (m, FALSE);
    case VP_OP_GetPartialObject64: return do_get_partial_object (m, TRUE);
    case VP_OP_GetObjectPropsSupported: return do_get_props_supported (m);
    case VP_OP_GetObjectPropDesc: return do_get_prop_desc (m);
    case VP_OP_GetObjectPropValue: return do_get_prop_value (m);
    case VP_OP_SetObjectPropValue: return do_set_prop_value (m, data, len);
    case VP_OP_GetObjectPropList: return do_get_prop_list (m);
    case VP_OP_GetObjectReferences: return do_get_references (m);
    case VP_OP_SetObjectReferences: return do_set_references (m, data, len);
    case VP_OP_TruncateObject:
      {
        VpObject *o = vp_store_lookup (m->store, m->params[0]);
        g_autofree char *path = o ? vp_store_disk_path (m->store, o) : NULL;
        if (o == NULL || path == NULL)
          return respond0 (m, VP_RC_InvalidObjectHandle);
        if (!g_hash_table_contains (m->editing, GUINT_TO_POINTER (m->params[0])))
          return respond0 (m, VP_RC_GeneralError);
        return respond0 (m, truncate (path, (off_t) (((guint64) m->params[2] << 32) | m->params[1])) == 0
                                ? VP_RC_OK : VP_RC_GeneralError);
      }
    case VP_OP_BeginEditObject:
      if (vp_store_lookup (m->store, m->params[0]) == NULL)
        return respond0 (m, VP_RC_InvalidObjectHandle);
      g_hash_table_add (m->editing, GUINT_TO_POINTER (m->params[0]));
      return respond0 (m, VP_RC_OK);
    case VP_OP_EndEditObject:
      if (!g_hash_table_remove (m->editing, GUINT_TO_POINTER (m->params[0])))
        return respond0 (m, VP_RC_GeneralError);
      return respond0 (m, VP_RC_OK);
    default:
      return respond0 (m, VP_RC_OperationNotSupported);
    }
}

static void
reset_transaction (VpMtp *m)
{
  m->state = ST_IDLE;
  m->header_len = 0;
  m->data_got = 0;
  g_byte_array_set_size (m->out_buf, 0);
  if (m->send_fd >= 0)
    close (m->send_fd);
  m->send_fd = -1;
}

static void
command_received (VpMtp *m, const guint8 *c, gsize len)
{
  guint32 clen = vp_le32 (c);

  m->op = vp_le16 (c + 6);
  m->tid = vp_le32 (c + 8);
  m->nparams = MIN ((clen - VP_HEADER_LEN) / 4, 5);
  memset (m->params, 0, sizeof m->params);
  for (guint i = 0; i < m->nparams && VP_HEADER_LEN + 4 * (i + 1) <= len; i++)
    m->params[i] = vp_le32 (c + VP_HEADER_LEN + 4 * i);
  count_op (m);
  /* AOSP MtpServer::handleRequest(): any command but SendObject ends the
   * wait for the data SendObjectInfo announced, without endSendObject(), so
   * MtpStorageManager keeps listing the object, with no file behind it,
   * until the next connection. */
  if (m->op != VP_OP_SendObject)
    m->pending_handle = 0;
  if (has_data_out (m->op))
    {
      /* The data phase comes first; refusals are answered after it. */
      m->state = ST_DATA_OUT;
      m->header_len = 0;
      m->data_got = 0;
      g_byte_array_set_size (m->out_buf, 0);
      return;
    }
  if (!refused_early (m))
    run_operation (m, NULL, 0);
}

static void
data_out_done (VpMtp *m)
{
  m->state = ST_IDLE;
  m->stats->bytes_from_host += m->data_got;
  if (is_streamed (m->op))
    {
      if (refused_early (m))
        {
          close_send_fd (m);
          drop_pending (m);
          return;
        }
      finish_send (m);
    }
  else if (!refused_early (m))
    run_operation (m, m->out_buf->data, m->out_buf->len);
  g_byte_array_set_size (m->out_buf, 0);
}

void
vp_mtp_out (VpMtp *m, const guint8 *data, gsize len, gboolean transfer_end)
{
  while (len > 0 || transfer_end)
    {
      if (m->state == ST_IDLE)
        {
          guint32 clen;
          gsize k;

          if (len == 0)
            return; /* a ZLP closing the previous transfer */
          /* Assemble a command container: it may arrive in pieces. */
          g_byte_array_append (m->out_buf, data, (guint) MIN (len, 64));
          k = MIN (len, 64);
          data += k;
          len -= k;
          if (m->out_buf->len < 4)
            {
              if (transfer_end)
                g_byte_array_set_size (m->out_buf, 0);
              return;
            }
          clen = vp_le32 (m->out_buf->data);
          if (clen < VP_HEADER_LEN || clen > 32)
            {
              /* Garbage on the pipe: drop it as a phone would. */
              g_byte_array_set_size (m->out_buf, 0);
              return;
            }
          if (m->out_buf->len < clen)
            {
              if (transfer_end)
                g_byte_array_set_size (m->out_buf, 0);
              return;
            }
          if (vp_le16 (m->out_buf->data + 4) != VP_CONTAINER_COMMAND)
            {
              g_byte_array_set_size (m->out_buf, 0);
              return;
            }
          {
            g_autoptr(GByteArray) cmd = g_byte_array_new ();
            g_byte_array_append (cmd, m->out_buf->data, clen);
            g_byte_array_set_size (m->out_buf, 0);
            command_received (m, cmd->data, cmd->len);
          }
          return;
        }

      /* ST_DATA_OUT */
      if (m->header_len < VP_HEADER_LEN)
        {
          gsize k = MIN (len, VP_HEADER_LEN - m->header_len);
          memcpy (m->header + m->header_len, data, k);
          m->header_len += k;
          data += k;
          len -= k;
          if (m->header_len < VP_HEADER_LEN)
            {
              if (transfer_end)
                {
                  respond0 (m, VP_RC_IncompleteTransfer);
                  reset_transaction (m);
                }
              return;
            }
          if (vp_le16 (m->header + 4) == VP_CONTAINER_COMMAND)
            {
              /* The host gave up on the data phase and sent a new command. */
              guint8 cmd[VP_HEADER_LEN];
              memcpy (cmd, m->header, VP_HEADER_LEN);
              reset_transaction (m);
              g_byte_array_append (m->out_buf, cmd, VP_HEADER_LEN);
              continue;
            }
          {
            guint32 clen = vp_le32 (m->header);
            m->data_expected = clen == 0xFFFFFFFFu ? G_MAXUINT64 : (clen >= VP_HEADER_LEN ? clen - VP_HEADER_LEN : 0);
            /* After an ObjectInfo of 0xFFFFFFFF ("4 GiB or more") AOSP's
             * MtpServer has its driver read until a short packet and never
             * looks at the container's length, which libmtp fills with the
             * size modulo 4 GiB (0x4000000C for 5 GiB).  Trusting it stored
             * the first GiB of a 5 GiB file and answered OK. */
            if (m->op == VP_OP_SendObject && m->pending_handle != 0 && !m->pending_exact && m->pending_size == 0xFFFFFFFFu)
              m->data_expected = G_MAXUINT64;
            /* After SendObjectPropList the phone knows the 64-bit size, and
             * a data phase of 4 GiB or more cannot be described by the
             * 32-bit length: the MTP specification has the host write
             * 0xFFFFFFFF there, libmtp's ptp_usb_senddata writes the size
             * plus header modulo 4 GiB.  The object's size decides. */
            if (m->op == VP_OP_SendObject && m->pending_handle != 0 && m->pending_exact &&
                m->pending_size + VP_HEADER_LEN > 0xFFFFFFFFu)
              m->data_expected = m->pending_size;
            if (debugging () && is_streamed (m->op))
              g_printerr ("vphone:   data phase: container length 0x%x, ObjectInfo size 0x%" G_GINT64_MODIFIER "x\n", clen,
                          m->op == VP_OP_SendObject ? m->pending_size : 0);
          }
          if (is_streamed (m->op))
            begin_send (m);
        }
      {
        gsize k = (gsize) MIN ((guint64) len, m->data_expected - m->data_got);
        if (is_streamed (m->op))
          send_bytes (m, data, k);
        else if (m->out_buf->len + k <= MAX_DATASET)
          g_byte_array_append (m->out_buf, data, (guint) k);
        m->data_got += k;
        data += k;
        len -= k;
        if (m->data_got == m->data_expected || (transfer_end && len == 0))
          {
            data_out_done (m);
            return;
          }
        if (len == 0)
          return;
      }
    }
}

/* ---- control ---------------------------------------------------------- */

void
vp_mtp_cancel (VpMtp *m)
{
  /* Drop what the host no longer wants, then wait for the next command. */
  while (!g_queue_is_empty (&m->in))
    in_transfer_free (g_queue_pop_head (&m->in));
  if (m->state == ST_DATA_OUT && is_streamed (m->op))
    {
      close_send_fd (m);
      if (m->op == VP_OP_SendObject)
        drop_pending (m);
    }
  reset_transaction (m);
}

void
vp_mtp_reset (VpMtp *m)
{
  vp_mtp_cancel (m);
  drop_pending (m);
  m->session_open = FALSE;
  /* A new connection: nothing waits on its interrupt endpoint yet. */
  while (!g_queue_is_empty (&m->events))
    g_bytes_unref (g_queue_pop_head (&m->events));
}

void
vp_mtp_abort (VpMtp *m)
{
  if (m->faults->keep_partial && m->state == ST_DATA_OUT && is_streamed (m->op))
    {
      /* Some phones keep what arrived before the cable came out (Android
       * unlinks it); forget the transfer without deleting the object. */
      close_send_fd (m);
      m->pending_handle = 0;
      m->state = ST_IDLE;
    }
  vp_mtp_reset (m);
  g_hash_table_remove_all (m->editing);
  /* The cable is out: the disconnect fault has fired once, as documented,
   * and a phone plugged in again answers as any other. */
  m->disconnect = FALSE;
}

guint16
vp_mtp_status (VpMtp *m)
{
  return m->faults->device_busy ? VP_RC_DeviceBusy : VP_RC_OK;
}

void
vp_mtp_set_latency (VpMtp *m, gint64 usec)
{
  m->latency = usec;
}

VpMtp *
vp_mtp_new (VpStore *store, const VpMtpIdentity *id, VpStats *stats, VpFaults *faults)
{
  VpMtp *m = g_new0 (VpMtp, 1);

  m->store = store;
  m->id = *id;
  m->id.manufacturer = g_strdup (id->manufacturer);
  m->id.model = g_strdup (id->model);
  m->id.serial = g_strdup (id->serial);
  m->id.version = g_strdup (id->version);
  m->id.friendly_name = g_strdup (id->friendly_name);
  m->stats = stats;
  m->faults = faults;
  m->out_buf = g_byte_array_new ();
  m->send_fd = -1;
  m->editing = g_hash_table_new (NULL, NULL);
  g_queue_init (&m->in);
  g_queue_init (&m->events);
  return m;
}

void
vp_mtp_free (VpMtp *m)
{
  if (m == NULL)
    return;
  vp_mtp_cancel (m);
  while (!g_queue_is_empty (&m->events))
    g_bytes_unref (g_queue_pop_head (&m->events));
  g_byte_array_unref (m->out_buf);
  g_hash_table_unref (m->editing);
  g_free (m->id.manufacturer);
  g_free (m->id.model);
  g_free (m->id.serial);
  g_free (m->id.version);
  g_free (m->id.friendly_name);
  g_free (m);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbMonitor: see lb-monitor.h.
 *
 * One thread ("lb-monitor") does everything that touches USB: it sleeps in
 * lb_hotplug_wait() until a bus event, a wake (refresh, hold, dispose) or
 * the time of the next probe, and probes the bus itself.  What it found
 * goes to the main context as one pending list (a newer scan replaces an
 * undelivered one), where it is compared with the last list and turned
 * into signals.
 *
 * Nothing is polled: each state a phone can wait in has an event that
 * ends it.  A phone switched from charging-only to File transfer
 * re-enumerates (a bus event).  A locked phone says StoreAdded when
 * unlocked, to a session the thread keeps open with it (an
 * LbUnlockListener, heard in the same wait).  A phone the desktop's file
 * manager has is let go of when GVfs's mount of it goes away (GIO's
 * "mount-removed", on the main context).  Only when that event cannot be
 * had is a phone looked at again every UNHEARD_S; otherwise once in
 * SAFETY_S, in case a phone never sends it.  Those two run on the wall
 * clock of lb-clock.h, so that tests move them with the test clock and a
 * resume from suspend counts the sleep. */
#include "config.h"

#include <string.h>

#include "lb-clock.h"
#include "lb-gvfs.h"
#include "lb-hotplug.h"
#include "lb-monitor.h"

/* A phone switching USB mode (charging → file transfer) leaves and
 * arrives several times within a few hundred milliseconds. */
#define SETTLE_US (500 * G_TIME_SPAN_MILLISECOND)
/* A phone that may turn ready with no event we can have: a locked one
 * that cannot be listened to (another program has it, or it refused a
 * session), a busy one that no GVfs mount holds.  Seconds. */
#define UNHEARD_S 30
/* A phone waiting for an event all the same: a phone that never sends
 * StoreAdded must not wait for a replug forever.  Seconds. */
#define SAFETY_S (10 * 60)
/* Only when libusb cannot report bus events.  Seconds. */
#define NO_EVENTS_S 5

typedef struct {
  LbUnlockListener *listener;
  LbDeviceInfo *info;       /* the phone listened to, as the probe found it */
  gboolean ended;           /* unplugged, or the phone failed the transfer */
} Listening;

typedef struct {
  guint count;
  LbDeviceInfo *info;       /* as last reported; NULL when never seen */
  /* Another phone on the bus reports the same serial and vendor (a fake
   * serial): its USB descriptor cannot tell a replug from the other one. */
  gboolean twinned;
} Held;

struct _LbMonitor
{
  GObject parent_instance;

  GMainContext *context;
  GPtrArray *devices;       /* LbDeviceInfo*; the main context's only */

  GThread *thread;
  LbHotplug *hotplug;       /* waited on by thread only */

  GMutex lock;              /* guards the rest */
  GCond closed;             /* the thread closed the phone it was opening */
  gboolean stop;
  gboolean refresh;
  gint64 settle_until;      /* probe then (monotonic µs); 0: no bus event pending */
  gint64 probed_at;         /* lb_clock_now() of the last probe */
  gboolean unheard;         /* a phone of it may change with no event */
  gboolean waiting;         /* a phone of it waits for an event */
  gboolean busy_unheard;    /* set by the main context: a busy phone no mount holds */
  GPtrArray *listening;     /* Listening*; changed by the thread only, with the lock */
  GHashTable *held;         /* device key (lb-device.h) → Held* */
  gboolean opening;         /* the thread has a phone open at */
  guint8 opening_bus, opening_address;
  GPtrArray *pending;       /* a scan not delivered yet */
  GSource *delivery;

  LbClockWatch *clock;      /* the main context's */
  GVolumeMonitor *volumes;  /* the main context's; only while a phone is busy */
};

G_DEFINE_FINAL_TYPE (LbMonitor, lb_monitor, G_TYPE_OBJECT)

enum { DEVICE_ADDED, DEVICE_CHANGED, DEVICE_REMOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
held_free (Held *held)
{
  lb_device_info_free (held->info);
  g_free (held);
}

static void
listening_free (Listening *l)
{
  lb_unlock_listener_free (l->listener);
  lb_device_info_free (l->info);
  g_free (l);
}

/* ---- the thread ------------------------------------------------------------ */

static void
on_bus_event (gpointer data)
{
  LbMonitor *self = data;

  g_mutex_lock (&self->lock);
  self->settle_until = g_get_monotonic_time () + SETTLE_US;
  g_mutex_unlock (&self->lock);
}

static gboolean
same_place (const LbDeviceInfo *info, guint8 bus, guint8 address, guint16 vendor_id, guint16 product_id)
{
  return info->bus == bus && info->address == address
         && info->vendor_id == vendor_id && info->product_id == product_id;
}

static gboolean
guard_skip (guint8 bus, guint8 address, guint16 vendor_id, guint16 product_id,
            const char *usb_serial, LbDeviceInfo **instead, gpointer data)
{
  LbMonitor *self = data;
  GHashTableIter iter;
  gpointer key, value;
  gboolean skip = FALSE;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->held);
  while (!skip && g_hash_table_iter_next (&iter, &key, &value))
    {
      Held *held = value;

      if (held->info != NULL && same_place (held->info, bus, address, vendor_id, product_id))
        skip = TRUE;
      else if (!held->twinned && *usb_serial != '\0' && lb_device_key_matches (key, usb_serial, vendor_id, NULL))
        {
          /* Replugged while held: same phone at a new place. */
          skip = TRUE;
          if (held->info != NULL)
            {
              held->info->bus = bus;
              held->info->address = address;
              held->info->vendor_id = vendor_id;
              held->info->product_id = product_id;
            }
        }
      if (skip && held->info != NULL)
        *instead = lb_device_info_copy (held->info);
    }
  if (!skip)
    {
      self->opening = TRUE;
      self->opening_bus = bus;
      self->opening_address = address;
    }
  g_mutex_unlock (&self->lock);
  return skip;
}

static void
guard_closed (gpointer data)
{
  LbMonitor *self = data;

  g_mutex_lock (&self->lock);
  self->opening = FALSE;
  g_cond_broadcast (&self->closed);
  g_mutex_unlock (&self->lock);
}

static gboolean deliver (gpointer data);

/* Called with the lock held. */
static void
post_locked (LbMonitor *self, GPtrArray *infos)
{
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  self->pending = infos;
  if (self->delivery == NULL)
    {
      self->delivery = g_idle_source_new ();
      g_source_set_priority (self->delivery, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->delivery, deliver, self, NULL);
      g_source_set_static_name (self->delivery, "[lifeboat] LbMonitor delivery");
      g_source_attach (self->delivery, self->context);
    }
}

/* Holds are by device key, or by serial (every phone with it). */
static gboolean
info_held_locked (LbMonitor *self, const LbDeviceInfo *info)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (lb_device_info_matches (key, info))
      return TRUE;
  return FALSE;
}

/* Stops listening to the phones for which stop() says so (NULL: all);
 * without the lock, since freeing a listener runs libusb's event handling
 * and with it on_bus_event. */
static void
stop_listening (LbMonitor *self, gboolean (*stop) (LbMonitor *self, const Listening *l))
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) listening_free);

  g_mutex_lock (&self->lock);
  for (guint i = self->listening->len; i-- > 0;)
    if (stop == NULL || stop (self, self->listening->pdata[i]))
      g_ptr_array_add (gone, g_ptr_array_steal_index (self->listening, i));
  g_mutex_unlock (&self->lock);
  if (gone->len == 0)
    return;
  g_clear_pointer (&gone, g_ptr_array_unref);
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->closed);
  g_mutex_unlock (&self->lock);
}

static gboolean
listener_done (LbMonitor *self, const Listening *l)
{
  return info_held_locked (self, l->info) || l->ended;
}

/* After a wait: what the listeners heard.  A phone unlocked adds its
 * storages one after another, each with its StoreAdded: the bus is given
 * time to settle before it is probed, as after a bus event. */
static void
take_heard (LbMonitor *self)
{
  gboolean heard = FALSE;

  for (guint i = 0; i < self->listening->len; i++)
    {
      Listening *l = self->listening->pdata[i];
      int took = lb_unlock_listener_take (l->listener);

      /* Ended: let go of (listener_done), and the bus looked at. */
      l->ended = took < 0;
      heard = heard || took != 0;
    }
  if (heard)
    {
      g_mutex_lock (&self->lock);
      self->settle_until = g_get_monotonic_time () + SETTLE_US;
      g_mutex_unlock (&self->lock);
    }
}

static void
listen_to_locked (LbMonitor *self, GPtrArray *infos)
{
  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];
      LbUnlockListener *listener;
      Listening *l;
      gboolean held;

      if (info->state != LB_DEVICE_LOCKED)
        continue;
      g_mutex_lock (&self->lock);
      held = info_held_locked (self, info);
      g_mutex_unlock (&self->lock);
      /* Held phones are reported as given: no reason to look at them. */
      if (held)
        continue;
      listener = lb_unlock_listener_new (self->hotplug, info->bus, info->address);
      g_mutex_lock (&self->lock);
      if (listener == NULL)
        {
          g_debug ("Looking at %s every %d s for its unlocking", info->serial, UNHEARD_S);
          self->unheard = TRUE;
        }
      else
        {
          l = g_new0 (Listening, 1);
          l->listener = listener;
          l->info = lb_device_info_copy (info);
          g_ptr_array_add (self->listening, l);
          self->waiting = TRUE;
        }
      g_mutex_unlock (&self->lock);
    }
}

static void
probe (LbMonitor *self)
{
  LbScanGuard guard = { guard_skip, guard_closed, self };
  g_autoptr(GError) error = NULL;
  GPtrArray *infos;

  /* The phones listened to are opened by the probe like the others. */
  stop_listening (self, NULL);
  infos = lb_device_enumerate_guarded (&guard, &error);
  g_mutex_lock (&self->lock);
  self->probed_at = lb_clock_now ();
  self->unheard = infos == NULL;
  self->waiting = FALSE;
  if (infos == NULL)
    g_warning ("Looking for phones failed: %s", error->message);
  else
    for (guint i = 0; i < infos->len; i++)
      {
        const LbDeviceInfo *info = infos->pdata[i];

        /* Busy: waits for GVfs to let go, heard on the main context.  A
         * charging-only phone switched to File transfer re-enumerates: a
         * bus event.  A locked one is listened to, below. */
        if (info->state == LB_DEVICE_BUSY && !info_held_locked (self, info))
          self->waiting = TRUE;
      }
  g_mutex_unlock (&self->lock);
  if (infos == NULL)
    return;
  listen_to_locked (self, infos);
  g_mutex_lock (&self->lock);
  post_locked (self, infos);
  g_mutex_unlock (&self->lock);
}

/* When the next probe is due (monotonic µs); G_MAXINT64: not before an
 * event. */
static gint64
next_probe_locked (LbMonitor *self)
{
  gint64 at = G_MAXINT64, seconds = G_MAXINT64;

  if (self->refresh)
    return 0;
  /* A bus in the middle of changing is not worth a look before it settles. */
  if (self->settle_until != 0)
    return self->settle_until;
  if (!lb_hotplug_has_events (self->hotplug))
    seconds = NO_EVENTS_S;
  if (self->unheard || (self->waiting && self->busy_unheard))
    seconds = MIN (seconds, UNHEARD_S);
  else if (self->waiting)
    seconds = MIN (seconds, SAFETY_S);
  if (seconds != G_MAXINT64)
    {
      /* On the wall clock: a jump of it (a resume, the test clock) wakes
       * the thread to come here again. */
      gint64 left = self->probed_at + seconds - lb_clock_now ();

      at = g_get_monotonic_time () + MAX (left, 0) * G_USEC_PER_SEC;
    }
  return at;
}

static gpointer
watch (gpointer data)
{
  LbMonitor *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stop)
    {
      gint64 at = next_probe_locked (self), now = g_get_monotonic_time ();

      if (at <= now)
        {
          self->refresh = FALSE;
          self->settle_until = 0;
          g_mutex_unlock (&self->lock);
          probe (self);
        }
      else
        {
          g_mutex_unlock (&self->lock);
          /* A job wants a phone listened to: lb_monitor_hold woke us, or
           * came while the listener was being opened.  Or its listening
           * ended. */
          stop_listening (self, listener_done);
          lb_hotplug_wait (self->hotplug, at == G_MAXINT64 ? -1 : at - now);
          take_heard (self);
          stop_listening (self, listener_done);
        }
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);
  stop_listening (self, NULL);
  return NULL;
}

/* ---- the main context ------------------------------------------------------- */

static gboolean
storages_equal (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const LbStorageInfo *x = a->pdata[i], *y = b->pdata[i];

      if (x->id != y->id || x->kind != y->kind || x->capacity != y->capacity || x->free != y->free
          || x->max_file_size != y->max_file_size || !g_str_equal (x->description, y->description)
          || !g_str_equal (x->volume, y->volume))
        return FALSE;
    }
  return TRUE;
}

static gboolean
info_equal (const LbDeviceInfo *a, const LbDeviceInfo *b)
{
  return a->state == b->state && a->vendor_id == b->vendor_id && a->product_id == b->product_id
         && a->bus == b->bus && a->address == b->address && g_str_equal (a->serial, b->serial)
         && g_str_equal (a->manufacturer, b->manufacturer) && g_str_equal (a->model, b->model)
         && g_str_equal (a->firmware, b->firmware) && g_str_equal (a->friendly_name, b->friendly_name)
         && storages_equal (a->storages, b->storages);
}

static gboolean
shares_key (GPtrArray *infos, const LbDeviceInfo *info, const char *key)
{
  for (guint i = 0; i < infos->len; i++)
    {
      g_autofree char *other_key = NULL;

      if (infos->pdata[i] == info)
        continue;
      other_key = lb_device_info_key (infos->pdata[i]);
      if (g_str_equal (other_key, key))
        return TRUE;
    }
  return FALSE;
}

/* What tells the phones of one list apart, from one list to the next: the
 * device key (serial, vendor, model: stable across a replug), and the
 * place on the bus when that is not enough (no serial, or two phones of
 * one model sharing a fake one). */
static char *
key_of (GPtrArray *infos, const LbDeviceInfo *info)
{
  g_autofree char *key = lb_device_info_key (info);

  if (*info->serial == '\0' || shares_key (infos, info, key))
    return g_strdup_printf ("%s@%u.%u", key, info->bus, info->address);
  return g_steal_pointer (&key);
}

static GHashTable *
by_key (GPtrArray *infos)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < infos->len; i++)
    g_hash_table_insert (table, key_of (infos, infos->pdata[i]), infos->pdata[i]);
  return table;
}

static void
on_mount_removed (LbMonitor *self, GMount *mount)
{
  (void) mount;
  /* GVfs lets go of the phone's interface as it takes the mount away,
   * maybe a moment after saying so: looked at once the bus settles. */
  g_mutex_lock (&self->lock);
  self->settle_until = g_get_monotonic_time () + SETTLE_US;
  g_mutex_unlock (&self->lock);
  lb_hotplug_wake (self->hotplug);
}

/* Whether every busy phone of infos is held by a GVfs mount, whose going
 * away we hear.  GIO's volume monitor is for the main thread with no
 * thread-default context only (its documentation); elsewhere (tests'
 * contexts) busy phones count as unheard. */
static gboolean
busy_heard (LbMonitor *self, GPtrArray *infos)
{
  g_autolist(GMount) mounts = NULL;
  gboolean heard = TRUE, any = FALSE;

  for (guint i = 0; i < infos->len; i++)
    any = any || ((const LbDeviceInfo *) infos->pdata[i])->state == LB_DEVICE_BUSY;
  if (!any)
    {
      /* Not kept for nothing: it talks to GVfs's monitors over D-Bus. */
      if (self->volumes != NULL)
        g_signal_handlers_disconnect_by_data (self->volumes, self);
      g_clear_object (&self->volumes);
      return TRUE;
    }
  if (self->context != g_main_context_default () || g_main_context_get_thread_default () != NULL)
    return FALSE;
  if (self->volumes == NULL)
    {
      self->volumes = g_volume_monitor_get ();
      g_signal_connect_swapped (self->volumes, "mount-removed", G_CALLBACK (on_mount_removed), self);
    }
  mounts = g_volume_monitor_get_mounts (self->volumes);
  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];

      if (info->state == LB_DEVICE_BUSY && lb_gvfs_find_mount (mounts, info) == NULL)
        heard = FALSE;
    }
  return heard;
}

static void
note_busy (LbMonitor *self, GPtrArray *infos)
{
  gboolean unheard = !busy_heard (self, infos), changed;

  g_mutex_lock (&self->lock);
  changed = self->busy_unheard != unheard;
  self->busy_unheard = unheard;
  g_mutex_unlock (&self->lock);
  if (changed)
    lb_hotplug_wake (self->hotplug);
}

static gboolean
deliver (gpointer data)
{
  LbMonitor *self = data;
  g_autoptr(GPtrArray) old = NULL;
  g_autoptr(GHashTable) old_keys = NULL, new_keys = NULL;
  GPtrArray *infos;

  g_mutex_lock (&self->lock);
  infos = g_steal_pointer (&self->pending);
  g_clear_pointer (&self->delivery, g_source_unref);
  g_mutex_unlock (&self->lock);
  if (infos == NULL)
    return G_SOURCE_REMOVE;

  /* Handlers see the new list from the first signal on; the old one lives
   * until the last (removed phones' serials point into it). */
  old = g_steal_pointer (&self->devices);
  self->devices = infos;
  old_keys = by_key (old);
  new_keys = by_key (infos);
  note_busy (self, infos);

  g_object_ref (self);
  for (guint i = 0; i < old->len; i++)
    {
      const LbDeviceInfo *info = old->pdata[i];
      g_autofree char *key = key_of (old, info);

      if (!g_hash_table_contains (new_keys, key))
        {
          g_autofree char *device_key = lb_device_info_key (info);
          g_signal_emit (self, signals[DEVICE_REMOVED], 0, device_key);
        }
    }
  for (guint i = 0; i < infos->len; i++)
    {
      const LbDeviceInfo *info = infos->pdata[i];
      g_autofree char *key = key_of (infos, info);
      const LbDeviceInfo *before = g_hash_table_lookup (old_keys, key);

      if (before == NULL)
        g_signal_emit (self, signals[DEVICE_ADDED], 0, info);
      else if (!info_equal (before, info))
        g_signal_emit (self, signals[DEVICE_CHANGED], 0, info);
      /* A handler may have disposed of the monitor. */
      if (self->devices != infos)
        break;
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

GPtrArray *
lb_monitor_get_devices (LbMonitor *self)
{
  g_return_val_if_fail (LB_IS_MONITOR (self), NULL);

  return self->devices;
}

static const LbDeviceInfo *
find_known (LbMonitor *self, const char *key)
{
  for (guint i = 0; i < self->devices->len; i++)
    {
      const LbDeviceInfo *info = self->devices->pdata[i];
      if (lb_device_info_matches (key, info))
        return info;
    }
  return NULL;
}

static gboolean
listened_to_locked (LbMonitor *self, const char *key)
{
  for (guint i = 0; i < self->listening->len; i++)
    if (lb_device_info_matches (key, ((const Listening *) self->listening->pdata[i])->info))
      return TRUE;
  return FALSE;
}

void
lb_monitor_hold (LbMonitor *self, const char *key)
{
  Held *held;

  g_return_if_fail (LB_IS_MONITOR (self));
  g_return_if_fail (key != NULL);

  g_mutex_lock (&self->lock);
  held = g_hash_table_lookup (self->held, key);
  if (held == NULL)
    {
      const LbDeviceInfo *known = find_known (self, key);

      held = g_new0 (Held, 1);
      held->info = known != NULL ? lb_device_info_copy (known) : NULL;
      for (guint i = 0; known != NULL && i < self->devices->len; i++)
        {
          const LbDeviceInfo *other = self->devices->pdata[i];
          held->twinned |= other != known && g_str_equal (other->serial, known->serial)
                           && other->vendor_id == known->vendor_id;
        }
      g_hash_table_insert (self->held, g_strdup (key), held);
    }
  held->count++;
  /* The thread lets go of it between waits. */
  if (listened_to_locked (self, key))
    lb_hotplug_wake (self->hotplug);
  g_mutex_unlock (&self->lock);
}

void
lb_monitor_wait_unused (LbMonitor *self, const char *key)
{
  Held *held;

  g_return_if_fail (LB_IS_MONITOR (self));
  g_return_if_fail (key != NULL);

  g_mutex_lock (&self->lock);
  held = g_hash_table_lookup (self->held, key);
  /* The job opens the phone right after this: it must not find it open
   * here.  A phone never seen may be the one being opened. */
  while (held != NULL
         && ((self->opening
              && (held->info == NULL
                  || (held->info->bus == self->opening_bus && held->info->address == self->opening_address)))
             || listened_to_locked (self, key)))
    g_cond_wait (&self->closed, &self->lock);
  g_mutex_unlock (&self->lock);
}

void
lb_monitor_unhold (LbMonitor *self, const char *key)
{
  Held *held;

  g_return_if_fail (LB_IS_MONITOR (self));
  g_return_if_fail (key != NULL);

  g_mutex_lock (&self->lock);
  held = g_hash_table_lookup (self->held, key);
  if (held == NULL)
    g_critical ("lb_monitor_unhold: %s is not held", key);
  else if (--held->count == 0)
    g_hash_table_remove (self->held, key);
  g_mutex_unlock (&self->lock);
}

void
lb_monitor_refresh (LbMonitor *self)
{
  g_return_if_fail (LB_IS_MONITOR (self));

  g_mutex_lock (&self->lock);
  self->refresh = TRUE;
  g_mutex_unlock (&self->lock);
  lb_hotplug_wake (self->hotplug);
}

/* ---- life ------------------------------------------------------------------- */

static void
lb_monitor_dispose (GObject *object)
{
  LbMonitor *self = LB_MONITOR (object);

  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->stop = TRUE;
      g_mutex_unlock (&self->lock);
      lb_hotplug_wake (self->hotplug);
      /* At most the time one phone takes to answer a probe. */
      g_thread_join (g_steal_pointer (&self->thread));
    }
  g_clear_pointer (&self->clock, lb_clock_watch_free);
  if (self->volumes != NULL)
    g_signal_handlers_disconnect_by_data (self->volumes, self);
  g_clear_object (&self->volumes);
  g_clear_pointer (&self->hotplug, lb_hotplug_free);
  /* The thread is gone: nothing attaches a delivery any more. */
  if (self->delivery != NULL)
    {
      g_source_destroy (self->delivery);
      g_clear_pointer (&self->delivery, g_source_unref);
    }
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  G_OBJECT_CLASS (lb_monitor_parent_class)->dispose (object);
}

static void
lb_monitor_finalize (GObject *object)
{
  LbMonitor *self = LB_MONITOR (object);

  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->held, g_hash_table_unref);
  g_clear_pointer (&self->listening, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->closed);
  G_OBJECT_CLASS (lb_monitor_parent_class)->finalize (object);
}

static void
lb_monitor_class_init (LbMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lb_monitor_dispose;
  object_class->finalize = lb_monitor_finalize;

  /* STATIC_SCOPE: handlers get the info in lb_monitor_get_devices(). */
  signals[DEVICE_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, LB_TYPE_DEVICE_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[DEVICE_CHANGED] =
    g_signal_new ("device-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, LB_TYPE_DEVICE_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
lb_monitor_init (LbMonitor *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->closed);
  self->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_device_info_free);
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) held_free);
  self->listening = g_ptr_array_new ();
}

static void
on_clock_jump (gpointer data)
{
  LbMonitor *self = data;

  /* The next look's time is computed again, on the clock as it is now. */
  lb_hotplug_wake (self->hotplug);
}

LbMonitor *
lb_monitor_new (void)
{
  LbMonitor *self = g_object_new (LB_TYPE_MONITOR, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->hotplug = lb_hotplug_new (on_bus_event, self);
  self->clock = lb_clock_watch_new (G_CALLBACK (on_clock_jump), self);
  self->refresh = TRUE;  /* the phones already plugged in */
  self->thread = g_thread_new ("lb-monitor", watch, self);
  return self;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-relay.h"

struct _LbRelay {
  GMutex lock;
  gpointer report;           /* newest, not yet drawn */
  guint source;              /* scheduled idle, 0 when none */
  gboolean closed;
  LbRelayFunc func;
  gpointer user_data;
  GDestroyNotify free_report;
  GMainContext *context;
  gint refs;                 /* the owner and a scheduled idle */
};

static void
relay_unref (LbRelay *relay)
{
  if (!g_atomic_int_dec_and_test (&relay->refs))
    return;
  if (relay->report != NULL)
    relay->free_report (relay->report);
  g_main_context_unref (relay->context);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

LbRelay *
lb_relay_new (LbRelayFunc func, gpointer user_data, GDestroyNotify free_report)
{
  LbRelay *relay = g_new0 (LbRelay, 1);

  g_mutex_init (&relay->lock);
  relay->func = func;
  relay->user_data = user_data;
  relay->free_report = free_report;
  relay->context = g_main_context_ref_thread_default ();
  relay->refs = 1;
  return relay;
}

/* Main thread. */
static gboolean
deliver (gpointer data)
{
  LbRelay *relay = data;
  gpointer report;
  gboolean closed;

  g_mutex_lock (&relay->lock);
  report = g_steal_pointer (&relay->report);
  relay->source = 0;
  closed = relay->closed;
  g_mutex_unlock (&relay->lock);
  if (report != NULL && !closed)
    relay->func (report, relay->user_data);
  if (report != NULL)
    relay->free_report (report);
  return G_SOURCE_REMOVE;
}

void
lb_relay_post (LbRelay *relay, gpointer report)
{
  gpointer old;
  GSource *source = NULL;

  g_mutex_lock (&relay->lock);
  old = relay->report;
  relay->report = report;
  if (relay->source == 0 && !relay->closed)
    {
      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_atomic_int_inc (&relay->refs);
      g_source_set_callback (source, deliver, relay, (GDestroyNotify) relay_unref);
      g_source_set_static_name (source, "[lifeboat] progress");
      relay->source = g_source_attach (source, relay->context);
    }
  g_mutex_unlock (&relay->lock);
  if (source != NULL)
    g_source_unref (source);
  if (old != NULL)
    relay->free_report (old);
}

void
lb_relay_free (LbRelay *relay)
{
  g_mutex_lock (&relay->lock);
  relay->closed = TRUE;
  g_mutex_unlock (&relay->lock);
  relay_unref (relay);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LbRelay: a worker's reports reach the main loop newest first, never
 * more than one pending, none after the relay is freed, and every report
 * is freed exactly once. */
#include "config.h"
#include "lb-relay.h"

typedef struct {
  GArray *seen;          /* the values delivered, in order */
  gint freed;            /* atomic: reports freed */
} Counts;

static Counts *counts;

static void
free_report (gpointer report)
{
  g_atomic_int_inc (&counts->freed);
  g_free (report);
}

static void
on_report (gpointer report, gpointer user_data)
{
  g_assert_true (user_data == counts);
  g_array_append_val (counts->seen, *(int *) report);
}

static void
post (LbRelay *relay, int value)
{
  lb_relay_post (relay, g_memdup2 (&value, sizeof value));
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
set_up (void)
{
  counts = g_new0 (Counts, 1);
  counts->seen = g_array_new (FALSE, FALSE, sizeof (int));
}

static void
tear_down (void)
{
  g_array_unref (counts->seen);
  g_clear_pointer (&counts, g_free);
}

/* Posted faster than the loop runs: one delivery, of the newest. */
static void
test_newest_only (void)
{
  LbRelay *relay;

  set_up ();
  relay = lb_relay_new (on_report, counts, free_report);
  for (int i = 1; i <= 100; i++)
    post (relay, i);
  drain ();
  g_assert_cmpuint (counts->seen->len, ==, 1);
  g_assert_cmpint (g_array_index (counts->seen, int, 0), ==, 100);
  g_assert_cmpint (g_atomic_int_get (&counts->freed), ==, 100);
  /* Later reports are delivered again. */
  post (relay, 101);
  drain ();
  g_assert_cmpuint (counts->seen->len, ==, 2);
  g_assert_cmpint (g_array_index (counts->seen, int, 1), ==, 101);
  lb_relay_free (relay);
  tear_down ();
}

#define THREAD_POSTS 20000

static gpointer
worker (gpointer data)
{
  for (int i = 1; i <= THREAD_POSTS; i++)
    post (data, i);
  return NULL;
}

/* From a worker thread while the loop runs: in order, ending on the last. */
static void
test_from_thread (void)
{
  LbRelay *relay;
  GThread *thread;

  set_up ();
  relay = lb_relay_new (on_report, counts, free_report);
  thread = g_thread_new ("worker", worker, relay);
  while (counts->seen->len == 0 || g_array_index (counts->seen, int, counts->seen->len - 1) != THREAD_POSTS)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  drain ();
  for (guint i = 1; i < counts->seen->len; i++)
    g_assert_cmpint (g_array_index (counts->seen, int, i - 1), <, g_array_index (counts->seen, int, i));
  g_assert_cmpint (g_atomic_int_get (&counts->freed), ==, THREAD_POSTS);
  g_test_message ("%u deliveries for %d reports", counts->seen->len, THREAD_POSTS);
  lb_relay_free (relay);
  tear_down ();
}

/* A window closed with a report pending: no callback, and it is freed. */
static void
test_free_pending (void)
{
  LbRelay *relay;

  set_up ();
  relay = lb_relay_new (on_report, counts, free_report);
  post (relay, 1);
  post (relay, 2);
  lb_relay_free (relay);
  drain ();
  g_assert_cmpuint (counts->seen->len, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&counts->freed), ==, 2);
  tear_down ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/relay/newest-only", test_newest_only);
  g_test_add_func ("/relay/from-thread", test_from_thread);
  g_test_add_func ("/relay/free-pending", test_free_pending);
  return g_test_run ();
}

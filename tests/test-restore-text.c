/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The restore dialog's text (lb-restore-text.c) from plans and reports
 * built here: the sentences, the counts, long lists cut to a count, and
 * names from the phone escaped before they reach Pango markup. */
#include "config.h"
#include "lb-restore-text.h"

#include <string.h>
#include <pango/pango.h>

/* g_format_size keeps a figure and its unit together. */
#define NBSP "\u00a0"

static LbRestorePlan *
plan_new (void)
{
  LbRestorePlan *plan = lb_restore_plan_new ();

  plan->fits = TRUE;
  return plan;
}

static void
add_storage (LbRestorePlan *plan, const char *source, const char *target, guint64 files, guint64 bytes,
             guint64 free_, gboolean fits)
{
  LbRestoreStorage *s = g_new0 (LbRestoreStorage, 1);

  s->source = g_strdup (source);
  s->target = g_strdup (target);
  s->files = files;
  s->bytes = bytes;
  s->free = free_;
  s->fits = fits;
  g_ptr_array_add (plan->storages, s);
}

static void
add_action (LbRestorePlan *plan, LbRestoreActionKind kind, const char *path, const char *reason)
{
  LbRestoreAction *a = g_new0 (LbRestoreAction, 1);

  a->kind = kind;
  a->phone_path = g_strdup (path);
  a->target_path = g_strdup (path);
  a->reason = g_strdup (reason);
  g_ptr_array_add (plan->actions, a);
}

static void
assert_markup (const char *markup)
{
  g_autoptr(GError) error = NULL;

  /* What GtkLabel would parse. */
  g_assert_true (pango_parse_markup (markup, -1, 0, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_summary (void)
{
  g_autoptr(LbRestorePlan) plan = plan_new ();
  g_autofree char *ready = NULL, *nothing = NULL, *stopped = NULL, *unnamed = NULL;

  add_storage (plan, "Internal shared storage", "Internal shared storage", 3, 3000, 1000000, TRUE);
  ready = lb_restore_text_plan_summary (plan, "Pixel 7");
  g_assert_cmpstr (ready, ==, "Ready to send 3 files (3.0" NBSP "kB) to Pixel 7.");
  unnamed = lb_restore_text_plan_summary (plan, NULL);
  g_assert_cmpstr (unnamed, ==, "Ready to send 3 files (3.0" NBSP "kB) to the phone.");

  ((LbRestoreStorage *) plan->storages->pdata[0])->files = 0;
  nothing = lb_restore_text_plan_summary (plan, "Pixel 7");
  g_assert_cmpstr (nothing, ==, "Everything in this backup is already on Pixel 7. There is nothing to send.");

  g_ptr_array_add (plan->problems, g_strdup ("Internal shared storage needs 2 kB more"));
  stopped = lb_restore_text_plan_summary (plan, "Pixel 7");
  g_assert_cmpstr (stopped, ==, "This restore cannot start. Nothing has been changed on the phone.");
}

static void
test_details (void)
{
  g_autoptr(LbRestorePlan) plan = plan_new ();
  g_autofree char *details = NULL;

  add_storage (plan, "SD <card>", "Internal shared storage", 1, 10, 5, FALSE);
  add_storage (plan, "USB", NULL, 0, 0, 0, TRUE);
  g_ptr_array_add (plan->problems, g_strdup ("needs <more> & room"));
  add_action (plan, LB_RESTORE_CONFLICT, "/SD <card>/a&b.jpg", "a&b (restored 2026-12-04).jpg");
  for (int i = 0; i < 45; i++)
    {
      g_autofree char *path = g_strdup_printf ("/SD <card>/bad%02d\x01.txt", i);
      add_action (plan, LB_RESTORE_CANNOT, path, "the phone refuses the name");
    }
  details = lb_restore_text_plan_details (plan);
  assert_markup (details);
  g_assert_nonnull (strstr (details, "<b>What stops it</b>\n  • needs &lt;more&gt; &amp; room\n"));
  g_assert_nonnull (strstr (details, "<b>SD &lt;card&gt; → Internal shared storage</b>\n  • 1 file to send (10 bytes)\n"));
  g_assert_nonnull (strstr (details, "5 bytes free: needs 5 bytes more"));
  g_assert_nonnull (strstr (details, "<b>USB → no matching storage on this phone</b>\n"
                                     "  • Not restored: this phone has no storage of that name\n"));
  g_assert_nonnull (strstr (details, "/SD &lt;card&gt;/a&amp;b.jpg: ours arrives as “a&amp;b (restored 2026-12-04).jpg”"));
  /* 40 listed, the other 5 counted. */
  g_assert_nonnull (strstr (details, "bad39"));
  g_assert_null (strstr (details, "bad40"));
  g_assert_nonnull (strstr (details, "…and 5 more\n"));
}

static void
test_report (void)
{
  g_autoptr(LbRestoreReport) report = g_new0 (LbRestoreReport, 1);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "The phone <went> away");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  g_autofree char *done = NULL, *failed = NULL, *stopped = NULL;

  report->failed = g_ptr_array_new_with_free_func (g_free);
  report->notes = g_ptr_array_new_with_free_func (g_free);
  report->sent = 2;
  report->sent_bytes = 2048;
  report->identical = 1;
  report->dates_lost = 2;
  done = lb_restore_text_report_details (report, NULL, FALSE);
  assert_markup (done);
  g_assert_cmpstr (done, ==,
                   "Sent 2 files (2.0" NBSP "kB).\n"
                   "1 file was already on the phone and identical: skipped.\n"
                   "The dates of 2 files could not be kept: this phone sets the time of the transfer.\n");

  g_ptr_array_add (report->failed, g_strdup ("/a<b>.jpg: the phone is full"));
  failed = lb_restore_text_report_details (report, error, FALSE);
  assert_markup (failed);
  g_assert_true (g_str_has_prefix (failed, "The phone &lt;went&gt; away\nSent 2 files (2.0" NBSP "kB).\n"
                                           "Restore the same backup again to send what is still missing: what has arrived is skipped.\n"));
  g_assert_nonnull (strstr (failed, "<b>Not restored</b>\n  • /a&lt;b&gt;.jpg: the phone is full\n"));

  /* A cancel is not an error to report: only what was done. */
  stopped = lb_restore_text_report_details (report, cancelled, TRUE);
  g_assert_null (strstr (stopped, "cancelled"));
  g_assert_true (g_str_has_prefix (stopped, "Sent 2 files (2.0" NBSP "kB).\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/restore-text/summary", test_summary);
  g_test_add_func ("/restore-text/details", test_details);
  g_test_add_func ("/restore-text/report", test_report);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the restore dialog says: a snapshot in the list, the plan (a
 * sentence and the details) and the report after the run, as Pango markup
 * with everything from the phone or the catalog escaped.  GLib only, so
 * that it is tested without a display (tests/test-restore-text.c). */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-restore-text.h"
#include "lb-clock.h"

/* Long lists (conflicts, failures) are cut here: the rest is a count, so a
 * restore of 50,000 files never builds a label nobody can read. */
#define MAX_LISTED 40

/* ---- small text helpers ----------------------------------------------------- */

/* "1,204": counts people read at a glance (the locale's grouping). */
char *
lb_restore_text_count (guint64 n)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

/* Names and reasons come from the phone or the catalog: valid UTF-8 and
 * escaped before they enter markup. */
static void
append_escaped_line (GString *out, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
  g_autofree char *escaped = g_markup_escape_text (valid, -1);

  g_string_append_printf (out, "  • %s\n", escaped);
}

/* Headings and paragraphs may carry storage names or messages quoting the
 * phone: made valid like the lines. */
static void
append_heading (GString *out, const char *heading)
{
  g_autofree char *valid = g_utf8_make_valid (heading, -1);
  g_autofree char *escaped = g_markup_escape_text (valid, -1);

  if (out->len > 0)
    g_string_append_c (out, '\n');
  g_string_append_printf (out, "<b>%s</b>\n", escaped);
}

static void
append_paragraph (GString *out, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *escaped = g_markup_escape_text (valid, -1);

  g_string_append_printf (out, "%s\n", escaped);
}

static void
append_more (GString *out, guint64 shown, guint64 total)
{
  g_autofree char *n = NULL, *text = NULL;

  if (total <= shown)
    return;
  n = lb_restore_text_count (total - shown);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "…and %s more", "…and %s more", total - shown), n);
  append_paragraph (out, text);
}

/* A heading and the first MAX_LISTED lines; nothing when there are none. */
static void
append_listed (GString *out, const char *heading, GPtrArray *lines)
{
  guint shown = MIN (lines->len, MAX_LISTED);

  if (lines->len == 0)
    return;
  append_heading (out, heading);
  for (guint i = 0; i < shown; i++)
    append_escaped_line (out, g_ptr_array_index (lines, i));
  append_more (out, shown, lines->len);
}

static char *
snapshot_date (const LbSnapshot *s)
{
  g_autoptr(GDateTime) dt = lb_clock_local_time (s->started);

  /* Translators: the date of a backup in a list, e.g. "12 March 2026, 14:02" */
  return dt ? g_date_time_format (dt, _("%e %B %Y, %H:%M")) : g_strdup (_("unknown date"));
}

static const char *
snapshot_state_text (LbSnapshotState state)
{
  switch (state)
    {
    case LB_SNAPSHOT_COMPLETE: return _("complete");
    case LB_SNAPSHOT_INTERRUPTED: return _("interrupted");
    case LB_SNAPSHOT_RUNNING: return _("still running");
    }
  return "";
}

char *
lb_restore_text_snapshot (const LbSnapshot *s)
{
  g_autofree char *date = snapshot_date (s);
  g_autofree char *n = lb_restore_text_count (s->files);
  g_autofree char *files = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s file", "%s files", s->files), n);
  g_autofree char *size = g_format_size (s->bytes);

  /* Translators: date · state · files · size */
  return g_strdup_printf (_("%s · %s · %s · %s"), g_strstrip (date), snapshot_state_text (s->state), files, size);
}

static void
append_storages (GString *out, const LbRestorePlan *plan)
{
  for (guint i = 0; i < plan->storages->len; i++)
    {
      const LbRestoreStorage *s = g_ptr_array_index (plan->storages, i);
      g_autofree char *files = lb_restore_text_count (s->files), *folders = lb_restore_text_count (s->folders);
      g_autofree char *same = lb_restore_text_count (s->identical);
      g_autofree char *bytes = g_format_size (s->bytes), *free_ = g_format_size (s->free);
      g_autofree char *heading = NULL, *send = NULL, *room = NULL;
      g_autofree char *note = lb_restore_storage_note (s, TRUE);

      if (s->target == NULL)
        heading = g_strdup_printf (_("%s → no matching storage on this phone"), s->source);
      else if (g_strcmp0 (s->source, s->target) == 0)
        heading = g_strdup (s->source);
      else
        /* Translators: a storage of the backup → the phone's storage it goes to */
        heading = g_strdup_printf (_("%s → %s"), s->source, s->target);
      append_heading (out, heading);
      if (note != NULL)
        append_escaped_line (out, note);
      if (s->target == NULL && note != NULL)
        continue;
      if (s->target == NULL)
        {
          /* The core counts nothing for a storage it cannot map: say
           * plainly that what the backup holds there stays behind. */
          append_escaped_line (out, _("Not restored: this phone has no storage of that name"));
          continue;
        }
      if (s->files > 0)
        send = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s file to send (%s)", "%s files to send (%s)", s->files),
                                files, bytes);
      else
        send = g_strdup (_("Nothing to send"));
      append_escaped_line (out, send);
      if (s->folders > 0)
        {
          g_autofree char *t = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s folder to create", "%s folders to create", s->folders), folders);
          append_escaped_line (out, t);
        }
      if (s->identical > 0)
        {
          g_autofree char *t = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s file already there and identical: skipped",
                                                             "%s files already there and identical: skipped", s->identical), same);
          append_escaped_line (out, t);
        }
      if (s->target == NULL)
        continue;
      if (s->fits)
        room = g_strdup_printf (_("%s free: it fits"), free_);
      else if (s->bytes > s->free)
        {
          g_autofree char *need = g_format_size (s->bytes - s->free);
          room = g_strdup_printf (_("%s free: needs %s more"), free_, need);
        }
      else
        room = g_strdup_printf (_("%s free: not enough for this and what else goes there"), free_);
      append_escaped_line (out, room);
    }
}

static guint64
count_kind (const LbRestorePlan *plan, LbRestoreActionKind kind)
{
  guint64 n = 0;

  for (guint i = 0; i < plan->actions->len; i++)
    if (((LbRestoreAction *) g_ptr_array_index (plan->actions, i))->kind == kind)
      n++;
  return n;
}

/* One section per kind of action worth a person's attention; plain sends are
 * only counted (above, per storage). */
static void
append_actions (GString *out, const LbRestorePlan *plan, LbRestoreActionKind kind, const char *heading)
{
  guint64 total = count_kind (plan, kind), shown = 0;

  if (total == 0)
    return;
  append_heading (out, heading);
  for (guint i = 0; i < plan->actions->len && shown < MAX_LISTED; i++)
    {
      const LbRestoreAction *a = g_ptr_array_index (plan->actions, i);
      g_autofree char *line = NULL;

      if (a->kind != kind)
        continue;
      shown++;
      if (kind == LB_RESTORE_CONFLICT && a->reason != NULL)
        /* Translators: a file on the phone and the new name ours arrives under */
        line = g_strdup_printf (_("%s: ours arrives as “%s”"), a->phone_path, a->reason);
      else if (kind == LB_RESTORE_CANNOT)
        line = g_strdup_printf (_("%s: %s"), a->phone_path, a->reason ? a->reason : _("no reason given"));
      else
        line = g_strdup (kind == LB_RESTORE_REMOVE && a->target_path ? a->target_path : a->phone_path);
      append_escaped_line (out, line);
    }
  append_more (out, shown, total);
}

static void
plan_totals (const LbRestorePlan *plan, guint64 *files, guint64 *bytes)
{
  *files = *bytes = 0;
  for (guint i = 0; i < plan->storages->len; i++)
    {
      const LbRestoreStorage *s = g_ptr_array_index (plan->storages, i);
      if (s->left_out)
        continue;
      *files += s->files;
      *bytes += s->bytes;
    }
}

char *
lb_restore_text_plan_summary (const LbRestorePlan *plan, const char *target_name)
{
  g_autofree char *name = target_name ? g_strdup (target_name) : g_strdup (_("the phone"));
  g_autofree char *n = NULL, *size = NULL;
  guint64 files, bytes;

  if (!plan->fits || plan->problems->len > 0)
    return g_strdup (_("This restore cannot start. Nothing has been changed on the phone."));
  plan_totals (plan, &files, &bytes);
  if (files == 0 && count_kind (plan, LB_RESTORE_REMOVE) == 0)
    return g_strdup_printf (_("Everything in this backup is already on %s. There is nothing to send."), name);
  n = lb_restore_text_count (files);
  size = g_format_size (bytes);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Ready to send %s file (%s) to %s.",
                                       "Ready to send %s files (%s) to %s.", files), n, size, name);
}

char *
lb_restore_text_plan_details (const LbRestorePlan *plan)
{
  GString *out = g_string_new (NULL);

  if (plan->problems->len > 0)
    {
      append_heading (out, _("What stops it"));
      for (guint i = 0; i < plan->problems->len; i++)
        append_escaped_line (out, g_ptr_array_index (plan->problems, i));
    }
  append_storages (out, plan);
  append_actions (out, plan, LB_RESTORE_CONFLICT,
                  _("Different files already on the phone: the phone’s are kept, and the restored ones arrive beside them "
                    "as “NAME (restored DATE).EXT”"));
  append_actions (out, plan, LB_RESTORE_REPLACE, _("Files on the phone that will be replaced (mirror)"));
  append_actions (out, plan, LB_RESTORE_REMOVE, _("Files on the phone that will be removed (mirror)"));
  append_actions (out, plan, LB_RESTORE_CANNOT, _("Files that cannot be sent"));
  return g_string_free (out, FALSE);
}

/* format: a translated plural form with one %s for the count. */
static void
append_count_line (GString *out, const char *format, guint64 n)
{
  g_autofree char *count = NULL, *text = NULL;

  if (n == 0)
    return;
  count = lb_restore_text_count (n);
  text = g_strdup_printf (format, count);
  append_paragraph (out, text);
}


char *
lb_restore_text_report_details (const LbRestoreReport *r, const GError *error, gboolean cancelled)
{
  GString *out = g_string_new (NULL);
  g_autofree char *sent = lb_restore_text_count (r->sent), *bytes = g_format_size (r->sent_bytes);
  g_autofree char *sent_line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Sent %s file (%s).", "Sent %s files (%s).", r->sent),
                                                sent, bytes);

  if (error != NULL && !cancelled)
    append_paragraph (out, error->message);
  append_paragraph (out, sent_line);
  if ((error != NULL || r->interrupted) && r->sent > 0)
    append_paragraph (out, _("Restore the same backup again to send what is still missing: what has arrived is skipped."));
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "%s file was already on the phone and identical: skipped.",
                                                 "%s files were already on the phone and identical: skipped.", r->identical), r->identical);
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "%s file differed from the phone’s: the phone’s is kept, ours is beside it as “NAME (restored DATE)”.",
                                                 "%s files differed from the phone’s: the phone’s are kept, ours are beside them as “NAME (restored DATE)”.", r->conflicts), r->conflicts);
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "Removed %s file the backup does not have.",
                                                 "Removed %s files the backup does not have.", r->removed), r->removed);
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "Recreated %s playlist or album.",
                                                 "Recreated %s playlists and albums.", r->lists), r->lists);
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "The date of %s file was kept.",
                                                 "The dates of %s files were kept.", r->dates_kept), r->dates_kept);
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "The date of %s file could not be kept: this phone sets the time of the transfer.",
                                                 "The dates of %s files could not be kept: this phone sets the time of the transfer.", r->dates_lost), r->dates_lost);
  append_count_line (out, g_dngettext (GETTEXT_PACKAGE, "The phone would not take the date of %s file.",
                                                 "The phone would not take the dates of %s files.", r->dates_failed), r->dates_failed);
  append_listed (out, _("Restored, but"), r->notes);
  append_listed (out, _("Not restored"), r->failed);
  if (r->plan != NULL && r->plan->problems->len > 0)
    {
      append_heading (out, _("What stopped it"));
      for (guint i = 0; i < r->plan->problems->len; i++)
        append_escaped_line (out, g_ptr_array_index (r->plan->problems, i));
    }
  return g_string_free (out, FALSE);
}


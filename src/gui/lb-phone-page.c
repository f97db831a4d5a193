/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-config.h"
#include "lb-error.h"
#include "lb-format.h"
#include "lb-phone-page.h"
#include "lb-phone-row.h"
#include "lb-clock.h"

struct _LbPhonePage {
  GtkBox parent_instance;

  LbPhone *phone;
  char *guidance_note;
  int note_state;              /* the phone's state when the note was given */

  GtkImage *phone_icon;
  GtkLabel *name_label;
  GtkLabel *model_label;
  GtkLabel *last_label;
  GtkBox *storages_box;
  GtkInfoBar *guidance_bar;
  GtkLabel *guidance_title;
  GtkLabel *guidance_text;
  GtkButton *release_button;
  GtkButton *retry_button;
  GtkButton *backup_button;
  GtkButton *cancel_button;
  GtkButton *restore_button;
  GtkBox *progress_box;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  GtkLabel *current_label;
  GtkLabel *speed_label;
  GtkLabel *result_label;
  GtkBox *auto_box;
  GtkSwitch *auto_switch;
  GtkComboBoxText *auto_every;
  GtkLabel *auto_label;
  gboolean filling_auto;       /* the controls set from the policy, not by a person */
  GtkListBox *history_list;
};

G_DEFINE_FINAL_TYPE (LbPhonePage, lb_phone_page, GTK_TYPE_BOX)

enum { RETRY, RELEASE, BROWSE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
clear_children (GtkContainer *box)
{
  g_autoptr(GList) children = gtk_container_get_children (box);

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
}

static void
show_storages (LbPhonePage *self, const LbDeviceInfo *info)
{
  clear_children (GTK_CONTAINER (self->storages_box));
  if (info == NULL)
    return;
  for (guint i = 0; i < info->storages->len; i++)
    {
      const LbStorageInfo *s = g_ptr_array_index (info->storages, i);
      guint64 used = s->capacity - MIN (s->free, s->capacity);
      g_autofree char *used_str = g_format_size (used);
      g_autofree char *cap_str = g_format_size (s->capacity);
      g_autofree char *desc = g_utf8_make_valid (s->description, -1);
      /* Translators: "Internal shared storage: 12.1 GB of 64.0 GB used" */
      g_autofree char *text = g_strdup_printf (_("%s: %s of %s used"), desc, used_str, cap_str);
      GtkWidget *label = gtk_label_new (text);
      GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), s->capacity ? (double) used / s->capacity : 0);
      /* Full is what matters here, not the default low/high colours. */
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_widget_set_size_request (bar, -1, 8);
      gtk_container_add (GTK_CONTAINER (self->storages_box), label);
      gtk_container_add (GTK_CONTAINER (self->storages_box), bar);
      gtk_widget_show (label);
      gtk_widget_show (bar);
    }
}

static void
set_guidance (LbPhonePage *self, const char *title, const char *text, gboolean retry, gboolean release)
{
  if (title == NULL)
    {
      gtk_widget_hide (GTK_WIDGET (self->guidance_bar));
      return;
    }
  gtk_label_set_text (self->guidance_title, title);
  if (self->guidance_note != NULL)
    {
      g_autofree char *both = g_strdup_printf ("%s\n\n%s", text, self->guidance_note);
      gtk_label_set_text (self->guidance_text, both);
    }
  else
    gtk_label_set_text (self->guidance_text, text);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), retry);
  gtk_widget_set_visible (GTK_WIDGET (self->release_button), release);
  gtk_widget_show (GTK_WIDGET (self->guidance_bar));
}

static void
show_guidance (LbPhonePage *self)
{
  const LbDeviceInfo *info = lb_phone_get_info (self->phone);
  const LbBackupResult *r = lb_phone_get_result (self->phone);

  /* A note about a Release or a retry belongs to the state it answered. */
  if (self->guidance_note != NULL && (info == NULL ? -1 : (int) info->state) != self->note_state)
    g_clear_pointer (&self->guidance_note, g_free);

  if (lb_phone_get_activity (self->phone) != LB_PHONE_IDLE)
    set_guidance (self, NULL, NULL, FALSE, FALSE);
  else if (info == NULL && r != NULL && r->error_code == LB_ERROR_DEVICE_GONE)
    set_guidance (self, _("The phone was disconnected during the backup"),
                  _("Everything copied before that is kept in an interrupted snapshot. "
                    "Plug the phone in again and press Back Up: files already copied are not copied again."),
                  FALSE, FALSE);
  else if (info == NULL)
    set_guidance (self, _("Not connected"),
                  _("Plug this phone in with a USB cable to back it up. Its backups stay available below: "
                    "you can look inside them or restore them onto another phone."),
                  FALSE, FALSE);
  else if (info->state == LB_DEVICE_LOCKED)
    set_guidance (self, _("Unlock your phone"),
                  _("The phone is connected, but it keeps its files hidden while it is locked. "
                    "Unlock it; if it asks “Allow access to phone data?”, tap Allow."),
                  TRUE, FALSE);
  else if (info->state == LB_DEVICE_CHARGING_ONLY)
    set_guidance (self, _("Switch the phone to File transfer"),
                  _("The phone is only charging. On the phone, swipe down from the top, tap the "
                    "“Charging this device via USB” notification and choose “File transfer”."),
                  TRUE, FALSE);
  else if (info->state == LB_DEVICE_BUSY)
    set_guidance (self, _("Another program is using the phone"),
                  _("A program on this computer has the phone open, often the file manager, which shows it "
                    "as a drive. Press Release to take it back from the file manager, or close the other "
                    "program and try again."),
                  TRUE, TRUE);
  else
    set_guidance (self, NULL, NULL, FALSE, FALSE);
}

static void
show_result (LbPhonePage *self)
{
  const LbBackupResult *r = lb_phone_get_result (self->phone);
  g_autofree char *text = NULL;
  g_autofree char *took = NULL;
  g_autofree char *read = NULL;
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self->result_label));

  if (r == NULL || lb_phone_get_activity (self->phone) == LB_PHONE_BACKING_UP)
    {
      gtk_widget_hide (GTK_WIDGET (self->result_label));
      return;
    }
  took = lb_format_duration (r->seconds);
  if (r->ok && r->automatic)
    {
      g_autofree char *files = g_strdup_printf ("%" G_GUINT64_FORMAT, r->files);

      read = g_format_size (r->transferred);
      /* Translators: the result of an automatic backup, watched in the window */
      text = g_strdup_printf (_("Automatic backup complete in %s: %s files (%s read from the phone)."),
                              took, files, read);
      gtk_style_context_remove_class (style, "error");
    }
  else if (r->ok)
    {
      g_autofree char *added = g_strdup_printf ("%" G_GUINT64_FORMAT, r->added);
      g_autofree char *changed = g_strdup_printf ("%" G_GUINT64_FORMAT, r->changed);
      g_autofree char *unchanged = g_strdup_printf ("%" G_GUINT64_FORMAT, r->unchanged);

      read = g_format_size (r->transferred);
      /* Translators: the result of a backup */
      text = g_strdup_printf (_("Backup complete in %s: %s new, %s changed, %s unchanged files (%s read from the phone)."),
                              took, added, changed, unchanged, read);
      gtk_style_context_remove_class (style, "error");
    }
  else if (r->cancelled && r->automatic)
    {
      text = g_strdup (_("Automatic backup stopped. What was copied is kept in an interrupted snapshot; "
                         "the phone is backed up automatically again at its next connection, and Back Up "
                         "carries on from there now."));
      gtk_style_context_remove_class (style, "error");
    }
  else if (r->cancelled)
    {
      text = g_strdup (_("Backup cancelled. What was copied is kept in an interrupted snapshot; "
                         "the next backup carries on from there."));
      gtk_style_context_remove_class (style, "error");
    }
  else
    {
      text = g_strdup_printf (r->automatic ? _("The automatic backup did not finish: %s") :
                                             _("The backup did not finish: %s"), r->error);
      gtk_style_context_add_class (style, "error");
    }
  gtk_label_set_text (self->result_label, text);
  gtk_widget_show (GTK_WIDGET (self->result_label));
}


/* A snapshot's state for people, capitalised as a label. */
static const char *
state_text (const LbSnapshot *s)
{
  switch (s->state)
    {
    case LB_SNAPSHOT_COMPLETE: return _("Complete");
    case LB_SNAPSHOT_INTERRUPTED: return _("Interrupted");
    case LB_SNAPSHOT_RUNNING: default: return _("Running");
    }
}

static GtkWidget *
history_row (const LbSnapshot *s)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *grid = gtk_grid_new ();
  g_autoptr(GDateTime) when = lb_clock_local_time (s->started);
  /* Translators: a snapshot's date in the history, e.g. "26 November 2026, 08:02" */
  g_autofree char *date = when ? g_date_time_format (when, _("%e %B %Y, %H:%M")) : g_strdup ("?");
  g_autofree char *size = g_format_size (s->bytes);
  g_autofree char *added = g_format_size (s->new_bytes);
  g_autofree char *what = NULL;
  g_autofree char *files = g_strdup_printf ("%" G_GUINT64_FORMAT, s->files);
  const char *state = state_text (s);
  g_autofree char *state_how = NULL;
  GtkWidget *w;

  /* Translators: "2,055 files · 312 MB · 4.2 MB new data" */
  what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s file · %s · %s new data", "%s files · %s · %s new data",
                                       s->files),
                          files, size, added);
  g_object_set (grid, "margin", 8, "column-spacing", 12, NULL);
  w = gtk_label_new (g_strstrip (date));
  gtk_label_set_xalign (GTK_LABEL (w), 0);
  gtk_widget_set_hexpand (w, TRUE);
  gtk_grid_attach (GTK_GRID (grid), w, 0, 0, 1, 1);
  /* Translators: a snapshot's state and who made it: "Complete · automatic"
   * (a backup when docked) or "Complete · by hand" (someone clicked Back Up) */
  state_how = g_strdup_printf (_("%s · %s"), state, s->automatic ? _("automatic") : _("by hand"));
  w = gtk_label_new (state_how);
  gtk_buildable_set_name (GTK_BUILDABLE (w), "history_state");
  gtk_style_context_add_class (gtk_widget_get_style_context (w), "dim-label");
  gtk_grid_attach (GTK_GRID (grid), w, 1, 0, 1, 1);
  w = gtk_label_new (what);
  gtk_label_set_xalign (GTK_LABEL (w), 0);
  gtk_label_set_ellipsize (GTK_LABEL (w), PANGO_ELLIPSIZE_END);
  gtk_style_context_add_class (gtk_widget_get_style_context (w), "dim-label");
  gtk_grid_attach (GTK_GRID (grid), w, 0, 1, 2, 1);
  gtk_container_add (GTK_CONTAINER (row), grid);
  g_object_set_data_full (G_OBJECT (row), "snapshot-id64", g_memdup2 (&s->id, sizeof s->id), g_free);
  gtk_widget_show_all (row);
  return row;
}

static void
show_history (LbPhonePage *self)
{
  GPtrArray *snapshots = lb_phone_get_snapshots (self->phone);
  gint64 selected = lb_phone_page_get_selected_snapshot (self);

  clear_children (GTK_CONTAINER (self->history_list));
  for (guint i = 0; i < snapshots->len; i++)
    {
      const LbSnapshot *s = g_ptr_array_index (snapshots, i);
      GtkWidget *row = history_row (s);

      gtk_container_add (GTK_CONTAINER (self->history_list), row);
      if (s->id == selected || (selected == 0 && i == 0))
        gtk_list_box_select_row (self->history_list, GTK_LIST_BOX_ROW (row));
    }
}

/* The newest automatic run's outcome, as its snapshot says ("" when the
 * phone had none): what happened while nobody watched. */
static char *
last_auto_text (LbPhone *phone, gint64 now)
{
  GPtrArray *all = lb_phone_get_snapshots (phone);

  for (guint i = 0; all != NULL && i < all->len; i++)
    {
      const LbSnapshot *s = all->pdata[i];
      if (s->automatic && s->state != LB_SNAPSHOT_RUNNING)
        {
          g_autofree char *when = lb_format_when (s->started, now);
          /* TRANSLATORS: these follow "Next automatic backup: …" after a space; %s is e.g. "today at 08:02" */
          return g_strdup_printf (s->state == LB_SNAPSHOT_COMPLETE ? _(" The last one, %s, completed.")
                                                                    : _(" The last one, %s, was interrupted: what it "
                                                                        "copied is kept, and the next one carries on."),
                                  when);
        }
    }
  return g_strdup ("");
}

/* What the policy means for this phone, in a line. */
static char *
auto_text (LbPhone *phone, const LbAutoPolicy *p)
{
  const LbSnapshot *last = lb_phone_get_last_backup (phone);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 due;
  g_autofree char *when = NULL, *next = NULL, *last_auto = NULL;

  if (lb_phone_get_auto_error (phone) != NULL)
    return g_strdup (lb_phone_get_auto_error (phone));
  if (!p->enabled)
    return g_strdup (p->chosen ? _("Automatic backups are off for this phone.")
                               : _("Automatic backups start once you turn them on for this phone."));
  due = lb_auto_due_at (p, last ? last->started : 0, now);
  last_auto = last_auto_text (phone, now);
  if (due == G_MAXINT64)
    next = g_strdup (_("Next automatic backup: the next time it is connected."));
  else if (due <= now)
    next = g_strdup (lb_phone_get_info (phone) != NULL ? _("Next automatic backup: now, while it is connected.")
                                                       : _("Next automatic backup: as soon as it is connected."));
  else
    {
      when = lb_format_ahead (due, now);
      next = g_strdup_printf (_("Next automatic backup: %s, if it is connected then."), when);
    }
  return g_strconcat (next, last_auto, NULL);
}

static void
show_auto (LbPhonePage *self)
{
  const LbAutoPolicy *p = lb_phone_get_auto (self->phone);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->auto_box), p != NULL);
  if (p == NULL)
    return;
  self->filling_auto = TRUE;
  gtk_switch_set_active (self->auto_switch, p->enabled);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->auto_every), lb_auto_every_name (p->every));
  gtk_widget_set_sensitive (GTK_WIDGET (self->auto_every), p->enabled);
  self->filling_auto = FALSE;
  text = auto_text (self->phone, p);
  gtk_label_set_text (self->auto_label, text);
}

static void
on_auto_changed (LbPhonePage *self)
{
  const char *every_name = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->auto_every));
  g_autofree char *library = NULL;
  gboolean may_create;
  gint64 every = LB_AUTO_DEFAULT_EVERY;

  if (self->filling_auto || self->phone == NULL)
    return;
  if (every_name != NULL)
    lb_auto_parse_every (every_name, &every);
  gtk_widget_set_sensitive (GTK_WIDGET (self->auto_every), gtk_switch_get_active (self->auto_switch));
  library = lb_config_library_path (&may_create);
  lb_phone_save_auto (self->phone, library, may_create, gtk_switch_get_active (self->auto_switch), every);
}

static void
show_phone (LbPhonePage *self)
{
  const LbDeviceInfo *info = lb_phone_get_info (self->phone);
  g_autofree char *name = lb_phone_dup_display_name (self->phone);
  g_autofree char *model = lb_phone_dup_model (self->phone);
  g_autofree char *status = lb_phone_status_text (self->phone);
  gboolean busy = lb_phone_get_activity (self->phone) != LB_PHONE_IDLE;

  gtk_label_set_text (self->name_label, name);
  gtk_label_set_text (self->model_label, model);
  gtk_label_set_text (self->last_label, status);
  gtk_widget_set_sensitive (GTK_WIDGET (self->phone_icon), info != NULL);
  show_storages (self, info);
  show_guidance (self);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), lb_phone_get_activity (self->phone) == LB_PHONE_BACKING_UP);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);
  show_result (self);
  show_auto (self);
  show_history (self);
}

static void
show_progress (LbPhonePage *self)
{
  double speed;
  const LbBackupProgress *p = lb_phone_get_progress (self->phone, &speed);
  g_autofree char *line = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *left = NULL;
  g_autofree char *status = lb_phone_status_text (self->phone);

  gtk_label_set_text (self->last_label, status);
  if (p == NULL)
    return;
  gtk_widget_show (GTK_WIDGET (self->progress_box));
  switch (p->phase)
    {
    case LB_BACKUP_OPENING:
      gtk_progress_bar_pulse (self->progress_bar);
      gtk_progress_bar_set_text (self->progress_bar, _("Opening the phone…"));
      gtk_label_set_text (self->progress_label, "");
      break;
    case LB_BACKUP_LISTING:
      {
        g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, p->objects_listed);
        gtk_progress_bar_pulse (self->progress_bar);
        gtk_progress_bar_set_text (self->progress_bar, _("Listing the phone’s files…"));
        line = g_strdup_printf (_("%s files and folders found so far"), n);
        gtk_label_set_text (self->progress_label, line);
      }
      break;
    case LB_BACKUP_COPYING:
    case LB_BACKUP_FINISHING:
      {
        g_autofree char *done = g_format_size (p->bytes_done);
        g_autofree char *total = g_format_size (p->bytes_total);
        g_autofree char *fd = g_strdup_printf ("%" G_GUINT64_FORMAT, p->files_done);
        g_autofree char *ft = g_strdup_printf ("%" G_GUINT64_FORMAT, p->files_total);
        double fraction = p->bytes_total ? (double) p->bytes_done / p->bytes_total :
                          p->files_total ? (double) p->files_done / p->files_total : 0;

        gtk_progress_bar_set_fraction (self->progress_bar, fraction);
        gtk_progress_bar_set_text (self->progress_bar,
                                   p->phase == LB_BACKUP_FINISHING ? _("Finishing…") : NULL);
        /* Translators: "120 of 2,055 files · 40 MB of 300 MB" */
        line = g_strdup_printf (_("%s of %s files · %s of %s"), fd, ft, done, total);
        gtk_label_set_text (self->progress_label, line);
      }
      break;
    }
  gtk_label_set_text (self->current_label, p->current ? p->current : "");
  if (speed > 0)
    {
      rate = lb_format_speed (speed);
      if (p->eta_seconds >= 0)
        {
          g_autofree char *eta = lb_format_duration (p->eta_seconds);
          /* Translators: "18.2 MB/s · about 2 min 10 s left" */
          left = g_strdup_printf (_("%s · about %s left"), rate, eta);
        }
      gtk_label_set_text (self->speed_label, left ? left : rate);
    }
  else
    gtk_label_set_text (self->speed_label, "");
}

static void
on_retry_clicked (LbPhonePage *self)
{
  g_signal_emit (self, signals[RETRY], 0);
}

static void
on_release_clicked (LbPhonePage *self)
{
  g_signal_emit (self, signals[RELEASE], 0);
}

static void
on_history_activated (LbPhonePage *self, GtkListBoxRow *row)
{
  g_signal_emit (self, signals[BROWSE], 0);
}

static void
lb_phone_page_dispose (GObject *object)
{
  LbPhonePage *self = LB_PHONE_PAGE (object);

  if (self->phone != NULL)
    g_signal_handlers_disconnect_by_data (self->phone, self);
  g_clear_object (&self->phone);
  g_clear_pointer (&self->guidance_note, g_free);
  G_OBJECT_CLASS (lb_phone_page_parent_class)->dispose (object);
}

static void
lb_phone_page_class_init (LbPhonePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_phone_page_dispose;

  /* The user asks to look at the phone again (after unlocking it...). */
  signals[RETRY] = g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The user asks to take the phone back from the file manager. */
  signals[RELEASE] = g_signal_new ("release", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A history row was activated. */
  signals[BROWSE] = g_signal_new ("browse", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-phone-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, phone_icon);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, name_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, model_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, last_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, storages_box);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, guidance_bar);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, guidance_title);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, guidance_text);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, release_button);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, retry_button);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, backup_button);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, restore_button);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, current_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, speed_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, result_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, history_list);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, auto_box);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, auto_switch);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, auto_every);
  gtk_widget_class_bind_template_child (widget_class, LbPhonePage, auto_label);
  gtk_widget_class_bind_template_callback (widget_class, on_auto_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_release_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_history_activated);
}

static void
lb_phone_page_init (LbPhonePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lb_phone_page_new (void)
{
  return g_object_new (LB_TYPE_PHONE_PAGE, NULL);
}

void
lb_phone_page_set_phone (LbPhonePage *self, LbPhone *phone)
{
  if (self->phone == phone)
    return;
  if (self->phone != NULL)
    g_signal_handlers_disconnect_by_data (self->phone, self);
  g_set_object (&self->phone, phone);
  g_clear_pointer (&self->guidance_note, g_free);
  if (phone == NULL)
    return;
  g_signal_connect_swapped (phone, "changed", G_CALLBACK (show_phone), self);
  g_signal_connect_swapped (phone, "progress", G_CALLBACK (show_progress), self);
  show_phone (self);
  show_progress (self);
}

LbPhone *
lb_phone_page_get_phone (LbPhonePage *self)
{
  return self->phone;
}

gint64
lb_phone_page_get_selected_snapshot (LbPhonePage *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->history_list);
  gint64 *id = row ? g_object_get_data (G_OBJECT (row), "snapshot-id64") : NULL;

  return id ? *id : 0;
}

void
lb_phone_page_set_guidance_note (LbPhonePage *self, const char *note)
{
  const LbDeviceInfo *info = self->phone ? lb_phone_get_info (self->phone) : NULL;

  g_free (self->guidance_note);
  self->guidance_note = g_strdup (note);
  self->note_state = info == NULL ? -1 : (int) info->state;
  if (self->phone != NULL)
    show_guidance (self);
}

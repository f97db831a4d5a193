/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lb-auto.h"
#include "lb-autostart.h"
#include "lb-config.h"
#include "lb-keep-setting.h"
#include "lb-library-move.h"
#include "lb-offsite-panel.h"
#include "lb-preferences.h"
#include "lb-relay.h"

struct _LbPreferences {
  GtkDialog parent_instance;

  char *library;
  GCancellable *cancellable;     /* the running move, NULL when none */
  LbRelay *relay;

  GtkLabel *location_label;
  GtkButton *move_button;
  GtkLabel *size_label;
  GtkProgressBar *move_progress;
  GtkBox *move_box;
  GtkLabel *move_label;
  GtkButton *cancel_button;
  GtkSwitch *start_switch;
  GtkLabel *start_note;
  GtkComboBoxText *keep_combo;
  GtkLabel *keep_note;
  LbOffsitePanel *offsite_panel;
  LbKeepRules custom_keep;       /* the "custom" entry's rules (set with lifeboat-cli) */

  GCancellable *closing;         /* cancelled when the dialog goes */
  gboolean showing_autostart;    /* setting the switch from the file, not the person */
  gboolean showing_keep;         /* the same for the keep choice */
};

G_DEFINE_FINAL_TYPE (LbPreferences, lb_preferences, GTK_TYPE_DIALOG)

enum { LIBRARY_MOVED, START_BACKGROUND, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_location (LbPreferences *self)
{
  gboolean may_create;

  g_free (self->library);
  self->library = lb_config_library_path (&may_create);
  gtk_label_set_text (self->location_label, self->library);
}

typedef struct {
  LbMoveProgress p;
  char *phase;
} MoveReport;

static void
move_report_free (MoveReport *r)
{
  g_free (r->phase);
  g_free (r);
}

/* Worker thread. */
static void
on_move_progress (const LbMoveProgress *p, gpointer user_data)
{
  LbPreferences *self = user_data;
  MoveReport *r = g_new0 (MoveReport, 1);

  r->p = *p;
  r->phase = g_strdup (p->phase);
  r->p.phase = NULL;
  lb_relay_post (self->relay, r);
}

/* Main thread. */
static void
show_move_progress (gpointer report, gpointer user_data)
{
  LbPreferences *self = user_data;
  MoveReport *r = report;
  g_autofree char *done = g_format_size (r->p.bytes_done);
  g_autofree char *total = g_format_size (r->p.bytes_total);
  g_autofree char *text = g_strdup_printf (_("%s: %s of %s"), r->phase ? r->phase : "", done, total);

  gtk_progress_bar_set_fraction (self->move_progress,
                                 r->p.bytes_total ? (double) r->p.bytes_done / r->p.bytes_total : 0);
  gtk_progress_bar_set_text (self->move_progress, text);
}

/* Worker thread, with the old library still locked: from here on the new
 * copy is the library. */
static gboolean
switch_library (const char *new_path, gpointer user_data, GError **error)
{
  return lb_config_save_library (new_path, error);
}

static void
move_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(LbPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_clear_pointer (&self->relay, lb_relay_free);
  g_clear_object (&self->cancellable);
  gtk_widget_hide (GTK_WIDGET (self->move_progress));
  gtk_widget_hide (GTK_WIDGET (self->cancel_button));
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), TRUE);
  if (lb_library_move_finish (res, &error))
    {
      g_autofree char *warning = lb_library_move_dup_warning (res);

      show_location (self);
      text = warning ? g_strdup_printf (_("The library is now in %s. %s"), self->library, warning)
                     : g_strdup_printf (_("The library is now in %s."), self->library);
      g_signal_emit (self, signals[LIBRARY_MOVED], 0);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    text = g_strdup (_("Move cancelled. The library stays where it was, unchanged."));
  else
    text = g_strdup_printf (_("The library was not moved: %s"), error->message);
  gtk_label_set_text (self->move_label, text);
  gtk_widget_show (GTK_WIDGET (self->move_box));
}

static void
start_move (LbPreferences *self, const char *to)
{
  g_autofree char *text = g_strdup_printf (_("Moving the library to %s…"), to);

  self->cancellable = g_cancellable_new ();
  self->relay = lb_relay_new (show_move_progress, self, (GDestroyNotify) move_report_free);
  gtk_label_set_text (self->move_label, text);
  gtk_widget_show (GTK_WIDGET (self->move_box));
  gtk_widget_show (GTK_WIDGET (self->move_progress));
  gtk_widget_show (GTK_WIDGET (self->cancel_button));
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), FALSE);
  lb_library_move_async (self->library, to, on_move_progress, switch_library, self,
                         self->cancellable, move_done, g_object_ref (self));
}

static void
on_chooser_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  LbPreferences *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *to = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
      if (to != NULL)
        start_move (self, to);
    }
  g_object_unref (chooser);
}

static void
on_move_clicked (LbPreferences *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Move the Library To"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Move Here"), _("_Cancel"));

  gtk_file_chooser_set_create_folders (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_cancel_clicked (LbPreferences *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ---- start at login ----------------------------------------------------------- */

static void
autostart_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(LbPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  int on = lb_autostart_get_finish (res, &error);

  (void) source;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_cancellable_is_cancelled (self->closing))
    return;
  if (on < 0)
    {
      g_autofree char *text = g_strdup_printf (_("Whether Lifeboat starts at login cannot be read: %s"),
                                               error->message);
      gtk_label_set_text (self->start_note, text);
      return;
    }
  self->showing_autostart = TRUE;
  gtk_switch_set_active (self->start_switch, on);
  self->showing_autostart = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_switch), TRUE);
}

static void
autostart_written (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(LbPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean on;

  (void) source;
  if (g_cancellable_is_cancelled (self->closing))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_switch), TRUE);
  on = gtk_switch_get_active (self->start_switch);
  if (!lb_autostart_set_finish (res, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The change could not be saved: %s"), error->message);
      gtk_label_set_text (self->start_note, text);
      self->showing_autostart = TRUE;
      gtk_switch_set_active (self->start_switch, !on);
      self->showing_autostart = FALSE;
      return;
    }
  /* Turned on: automatic backups start now, not only at the next login. */
  if (on)
    g_signal_emit (self, signals[START_BACKGROUND], 0);
}

static void
on_start_toggled (LbPreferences *self)
{
  if (self->showing_autostart)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->start_switch), FALSE);
  lb_autostart_set_async (gtk_switch_get_active (self->start_switch), self->closing, autostart_written,
                          g_object_ref (self));
}

/* ---- what automatic backups keep ---------------------------------------------- */

static const struct {
  const char *id;
  const char *label;
  LbKeepRules rules;
} keep_choices[] = {
  { "default", N_("Recommended"), LB_AUTO_DEFAULT_KEEP },
  { "less", N_("Less"), { .last = 3, .daily = 14, .monthly = 12 } },
  { "everything", N_("Everything"), { 0 } },
};

static char *
keep_note_text (const LbKeepSetting *s)
{
  g_autofree char *what = lb_keep_rules_describe (&s->rules);
  g_autofree char *head = NULL, *freed = NULL, *now = NULL, *only = NULL, *lost = NULL;

  if (what == NULL)
    return g_strdup (_("Every snapshot stays: the library grows by what the phones delete or change."));
  head = g_strdup_printf (_("After each automatic backup, the phone keeps %s."), what);
  if (s->removed == 0)
    return g_strdup_printf ("%s %s", head, _("Nothing in the library would go now."));
  freed = g_format_size (s->freed_bytes);
  now = g_strdup_printf (ngettext ("Now that would remove %u snapshot, freeing %s.",
                                   "Now that would remove %u snapshots, freeing %s.", s->removed),
                         s->removed, freed);
  if (s->last_copies == 0)
    return g_strdup_printf ("%s %s", head, now);
  only = g_format_size (s->last_copy_bytes);
  lost = g_strdup_printf (ngettext ("%u file (%s) kept only in those snapshots would go for good: "
                                    "lifeboat-cli prune --dry-run with the same rules lists it.",
                                    "%u files (%s) kept only in those snapshots would go for good: "
                                    "lifeboat-cli prune --dry-run with the same rules lists them.", s->last_copies),
                          s->last_copies, only);
  return g_strdup_printf ("%s %s %s", head, now, lost);
}

static void
show_keep (LbPreferences *self, const LbKeepSetting *s)
{
  const char *active = NULL;

  self->showing_keep = TRUE;
  gtk_combo_box_text_remove_all (self->keep_combo);
  for (guint i = 0; i < G_N_ELEMENTS (keep_choices); i++)
    {
      gtk_combo_box_text_append (self->keep_combo, keep_choices[i].id, _(keep_choices[i].label));
      if (active == NULL && memcmp (&keep_choices[i].rules, &s->rules, sizeof s->rules) == 0)
        active = keep_choices[i].id;
    }
  if (active == NULL)
    {
      g_autofree char *rules = lb_keep_rules_to_string (&s->rules);
      g_autofree char *label = g_strdup_printf (_("As set with lifeboat-cli: %s"), rules);
      gtk_combo_box_text_append (self->keep_combo, "custom", label);
      self->custom_keep = s->rules;
      active = "custom";
    }
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->keep_combo), active);
  self->showing_keep = FALSE;
}

static void
keep_loaded (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(LbPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbKeepSetting) setting = lb_keep_setting_load_finish (res, &error);
  g_autofree char *text = NULL;

  (void) source;
  if (g_cancellable_is_cancelled (self->closing))
    return;
  if (setting == NULL)
    {
      text = g_strdup_printf (_("What automatic backups keep cannot be read: %s"), error->message);
      gtk_label_set_text (self->keep_note, text);
      return;
    }
  show_keep (self, setting);
  text = keep_note_text (setting);
  gtk_label_set_text (self->keep_note, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->keep_combo), TRUE);
}

static void
on_keep_changed (LbPreferences *self)
{
  const char *id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->keep_combo));
  const LbKeepRules *rules = NULL;

  if (self->showing_keep || id == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (keep_choices); i++)
    if (g_str_equal (id, keep_choices[i].id))
      rules = &keep_choices[i].rules;
  if (rules == NULL)
    rules = &self->custom_keep;
  gtk_widget_set_sensitive (GTK_WIDGET (self->keep_combo), FALSE);
  gtk_label_set_text (self->keep_note, _("Saving, and counting what would go…"));
  lb_keep_setting_load_async (self->library, rules, self->closing, keep_loaded, g_object_ref (self));
}

/* The dialog stays while its library is moving: closing it would leave the
 * move without a place to report to. */
static gboolean
lb_preferences_delete_event (GtkWidget *widget, GdkEventAny *event)
{
  LbPreferences *self = LB_PREFERENCES (widget);

  if (self->cancellable != NULL)
    {
      gtk_label_set_text (self->move_label, _("The library is being moved. Cancel the move first, or wait until it is done."));
      return TRUE;
    }
  return FALSE;
}

static void
lb_preferences_dispose (GObject *object)
{
  LbPreferences *self = LB_PREFERENCES (object);

  /* A move keeps a reference to the dialog until it is over. */
  g_clear_pointer (&self->library, g_free);
  if (self->closing != NULL)
    g_cancellable_cancel (self->closing);
  g_clear_object (&self->closing);
  G_OBJECT_CLASS (lb_preferences_parent_class)->dispose (object);
}

static void
lb_preferences_class_init (LbPreferencesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_preferences_dispose;
  widget_class->delete_event = lb_preferences_delete_event;
  signals[LIBRARY_MOVED] = g_signal_new ("library-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 0);
  /* "Start at login" turned on: the application starts its background
   * service in this process now. */
  signals[START_BACKGROUND] = g_signal_new ("start-background", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
  g_type_ensure (LB_TYPE_OFFSITE_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, offsite_panel);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, location_label);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, move_button);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, size_label);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, move_progress);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, move_box);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, move_label);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_move_clicked);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, start_switch);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, start_note);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, keep_combo);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, keep_note);
  gtk_widget_class_bind_template_callback (widget_class, on_keep_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_start_toggled);
}

static void
lb_preferences_init (LbPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->closing = g_cancellable_new ();
  lb_autostart_get_async (self->closing, autostart_read, g_object_ref (self));
}

GtkWidget *
lb_preferences_new (GtkWindow *parent, LbOffsiteCopier *copier)
{
  LbPreferences *self = g_object_new (LB_TYPE_PREFERENCES, "transient-for", parent, "use-header-bar", TRUE, NULL);
  g_autoptr(GSettings) settings = lb_config_settings ();

  lb_offsite_panel_set_copier (self->offsite_panel, copier);
  show_location (self);
  lb_keep_setting_load_async (self->library, NULL, self->closing, keep_loaded, g_object_ref (self));
  if (settings == NULL)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), FALSE);
      gtk_label_set_text (self->size_label, _("The settings schema is not installed: the library cannot be moved from here."));
    }
  else if (g_getenv ("LIFEBOAT_LIBRARY") != NULL && *g_getenv ("LIFEBOAT_LIBRARY") != '\0')
    {
      /* The variable wins over the setting: a move saved there would not stick. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), FALSE);
      gtk_label_set_text (self->size_label, _("LIFEBOAT_LIBRARY names the library for this session, so it cannot be "
                                              "moved from here; use lifeboat-cli move-library."));
    }
  return GTK_WIDGET (self);
}

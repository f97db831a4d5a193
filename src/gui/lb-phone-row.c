/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-format.h"
#include "lb-phone-row.h"

struct _LbPhoneRow {
  GtkListBoxRow parent_instance;

  LbPhone *phone;
  GtkImage *icon;
  GtkLabel *name_label;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (LbPhoneRow, lb_phone_row, GTK_TYPE_LIST_BOX_ROW)

char *
lb_phone_status_text (LbPhone *phone)
{
  const LbDeviceInfo *info = lb_phone_get_info (phone);
  const LbSnapshot *last = lb_phone_get_last_backup (phone);
  g_autofree char *when = last ? lb_format_when (last->started, g_get_real_time () / G_USEC_PER_SEC) : NULL;
  const LbBackupProgress *p;

  switch (lb_phone_get_activity (phone))
    {
    case LB_PHONE_BACKING_UP:
      p = lb_phone_get_progress (phone, NULL);
      if (lb_phone_is_following (phone))
        {
          if (p != NULL && p->bytes_total > 0)
            return g_strdup_printf (_("Backing up automatically… %d %%"),
                                    (int) (100.0 * p->bytes_done / p->bytes_total));
          return g_strdup (_("Backing up automatically…"));
        }
      if (p != NULL && p->bytes_total > 0)
        return g_strdup_printf (_("Backing up… %d %%"), (int) (100.0 * p->bytes_done / p->bytes_total));
      return g_strdup (_("Backing up…"));
    case LB_PHONE_RESTORING:
      return g_strdup (_("Restoring…"));
    case LB_PHONE_IDLE:
      break;
    }
  if (info == NULL)
    return when ? g_strdup_printf (_("Not connected · backed up %s"), when) : g_strdup (_("Not connected"));
  switch (info->state)
    {
    case LB_DEVICE_LOCKED:
      return g_strdup (_("Locked: unlock the phone"));
    case LB_DEVICE_CHARGING_ONLY:
      return g_strdup (_("Charging only: choose File transfer"));
    case LB_DEVICE_BUSY:
      return g_strdup (_("In use by another program"));
    case LB_DEVICE_READY:
      break;
    }
  return when ? g_strdup_printf (_("Backed up %s"), when) : g_strdup (_("Never backed up"));
}

static void
update (LbPhoneRow *self)
{
  g_autofree char *name = lb_phone_dup_display_name (self->phone);
  g_autofree char *status = lb_phone_status_text (self->phone);

  gtk_label_set_text (self->name_label, name);
  gtk_label_set_text (self->status_label, status);
  gtk_widget_set_sensitive (GTK_WIDGET (self->icon), lb_phone_get_info (self->phone) != NULL);
}

static void
lb_phone_row_dispose (GObject *object)
{
  LbPhoneRow *self = LB_PHONE_ROW (object);

  if (self->phone != NULL)
    g_signal_handlers_disconnect_by_data (self->phone, self);
  g_clear_object (&self->phone);
  G_OBJECT_CLASS (lb_phone_row_parent_class)->dispose (object);
}

static void
lb_phone_row_class_init (LbPhoneRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lb_phone_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/lifeboat/Lifeboat/lb-phone-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LbPhoneRow, icon);
  gtk_widget_class_bind_template_child (widget_class, LbPhoneRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, LbPhoneRow, status_label);
}

static void
lb_phone_row_init (LbPhoneRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lb_phone_row_new (LbPhone *phone)
{
  LbPhoneRow *self = g_object_new (LB_TYPE_PHONE_ROW, NULL);

  self->phone = g_object_ref (phone);
  g_signal_connect_swapped (phone, "changed", G_CALLBACK (update), self);
  g_signal_connect_swapped (phone, "progress", G_CALLBACK (update), self);
  update (self);
  return GTK_WIDGET (self);
}

LbPhone *
lb_phone_row_get_phone (LbPhoneRow *self)
{
  return self->phone;
}

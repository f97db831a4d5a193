/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "lb-cli.h"
#include "lb-device.h"

#include <stdio.h>
#include <glib/gi18n.h>

static const char *
state_for_people (LbDeviceState state)
{
  switch (state)
    {
    case LB_DEVICE_READY: return _("ready");
    case LB_DEVICE_LOCKED: return _("locked: unlock the phone's screen");
    case LB_DEVICE_CHARGING_ONLY: return _("charging only: on the phone, tap the USB notification and choose File transfer");
    case LB_DEVICE_BUSY: return _("busy: another program (often the file manager) is using it");
    default: return "";
    }
}

static JsonNode *
devices_json (GPtrArray *devices)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < devices->len; i++)
    {
      LbDeviceInfo *d = devices->pdata[i];
      json_builder_begin_object (b);
      lb_cli_json_string (b, "serial", d->serial);
      lb_cli_json_int (b, "vendor_id", d->vendor_id);
      lb_cli_json_int (b, "product_id", d->product_id);
      lb_cli_json_string (b, "manufacturer", d->manufacturer);
      lb_cli_json_string (b, "model", d->model);
      lb_cli_json_string (b, "state", lb_device_state_to_string (d->state));
      json_builder_set_member_name (b, "storages");
      json_builder_begin_array (b);
      for (guint s = 0; d->storages && s < d->storages->len; s++)
        {
          LbStorageInfo *st = d->storages->pdata[s];
          json_builder_begin_object (b);
          lb_cli_json_string (b, "description", st->description);
          lb_cli_json_int (b, "capacity", (gint64) st->capacity);
          lb_cli_json_int (b, "free", (gint64) st->free);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

int
lb_cli_devices (LbCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;

  if (!lb_cli_parse (cli, "devices", "", _("Lists the phones connected over USB and whether each can be backed up."),
                     NULL, &argc, &argv))
    return LB_EXIT_USAGE;
  if (argc > 1)
    return lb_cli_usage ("devices", _("takes no arguments"));
  devices = lb_device_enumerate (&error);
  if (devices == NULL)
    return lb_cli_fail (error);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = devices_json (devices);
      lb_cli_print_json (node);
      return LB_EXIT_OK;
    }
  if (cli->quiet)
    return LB_EXIT_OK;
  if (devices->len == 0)
    {
      printf ("%s\n", _("No phone is connected. Connect it with a USB cable, unlock it, and choose File transfer."));
      return LB_EXIT_OK;
    }
  for (guint i = 0; i < devices->len; i++)
    {
      LbDeviceInfo *d = devices->pdata[i];
      g_autofree char *model = lb_cli_printable (d->model);
      g_autofree char *maker = lb_cli_printable (d->manufacturer);
      g_autofree char *serial = lb_cli_printable (d->serial);
      printf (_("%s %s  (serial %s, %04x:%04x)\n  %s\n"), maker, model, serial, d->vendor_id, d->product_id,
              state_for_people (d->state));
      for (guint s = 0; d->storages && s < d->storages->len; s++)
        {
          LbStorageInfo *st = d->storages->pdata[s];
          g_autofree char *desc = lb_cli_printable (st->description);
          g_autofree char *cap = g_format_size (st->capacity);
          g_autofree char *free_ = g_format_size (st->free);
          printf (_("  %s: %s, %s free\n"), desc, cap, free_);
        }
    }
  return LB_EXIT_OK;
}

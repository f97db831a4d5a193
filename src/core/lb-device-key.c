/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A phone's identity as one string (lb-device.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lb-device.h"

/* "\x1f" VVVV ":" LEN ":" SERIAL MODEL.  The length keeps the two strings
 * apart whatever they contain (both come from the phone); the leading
 * unit separator keeps keys apart from serials people type. */
#define KEY_MARK '\x1f'

char *
lb_device_key (const char *serial, guint16 vendor_id, const char *model)
{
  g_return_val_if_fail (serial != NULL && model != NULL, NULL);

  return g_strdup_printf ("%c%04x:%zu:%s%s", KEY_MARK, vendor_id, strlen (serial), serial, model);
}

char *
lb_device_info_key (const LbDeviceInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  return lb_device_key (info->serial, info->vendor_id, info->model);
}

gboolean
lb_device_key_parse (const char *key, char **serial, guint16 *vendor_id, char **model)
{
  const char *p;
  char *end;
  unsigned long vendor, len;

  if (key == NULL || key[0] != KEY_MARK || !g_ascii_isxdigit (key[1]))
    return FALSE;
  vendor = strtoul (key + 1, &end, 16);
  if (*end != ':' || end != key + 5 || !g_ascii_isdigit (end[1]))
    return FALSE;
  len = strtoul (end + 1, &end, 10);
  if (*end != ':')
    return FALSE;
  p = end + 1;
  if (len > strlen (p))
    return FALSE;
  if (serial != NULL)
    *serial = g_strndup (p, len);
  if (vendor_id != NULL)
    *vendor_id = (guint16) vendor;
  if (model != NULL)
    *model = g_strdup (p + len);
  return TRUE;
}

char *
lb_device_key_dup_serial (const char *key_or_serial)
{
  char *serial = NULL;

  g_return_val_if_fail (key_or_serial != NULL, NULL);
  return lb_device_key_parse (key_or_serial, &serial, NULL, NULL) ? serial : g_strdup (key_or_serial);
}

gboolean
lb_device_key_matches (const char *key_or_serial, const char *serial, guint16 vendor_id, const char *model)
{
  g_autofree char *want_serial = NULL, *want_model = NULL;
  guint16 want_vendor = 0;

  g_return_val_if_fail (key_or_serial != NULL && serial != NULL, FALSE);
  if (!lb_device_key_parse (key_or_serial, &want_serial, &want_vendor, &want_model))
    return g_str_equal (key_or_serial, serial);
  return g_str_equal (want_serial, serial) && want_vendor == vendor_id
         && (model == NULL || g_str_equal (want_model, model));
}

gboolean
lb_device_info_matches (const char *key_or_serial, const LbDeviceInfo *info)
{
  gboolean from_mtp;

  g_return_val_if_fail (info != NULL, FALSE);
  from_mtp = info->state == LB_DEVICE_READY || info->state == LB_DEVICE_LOCKED;
  return lb_device_key_matches (key_or_serial, info->serial, info->vendor_id, from_mtp ? info->model : NULL);
}

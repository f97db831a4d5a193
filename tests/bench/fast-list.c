/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lists the only phone as Lifeboat does, and nothing else: lb_device_open
 * (the fast listing where the phone offers it) and a walk of every
 * storage.  Prints the number of objects.  Built on demand
 * (`make tests/bench/fast-list`) for restore-bench, which sets restore
 * planning beside it. */
#include "config.h"

#include <stdio.h>

#include "lb-device.h"

static gboolean
count (const LbObject *object, gpointer user_data)
{
  (void) object;
  (*(guint *) user_data)++;
  return TRUE;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbDevice) device = lb_device_open (NULL, &error);
  const LbDeviceInfo *info;
  guint n = 0;

  if (device == NULL)
    {
      fprintf (stderr, "fast-list: %s\n", error->message);
      return 1;
    }
  info = lb_device_get_info (device);
  for (guint i = 0; i < info->storages->len; i++)
    if (!lb_device_walk (device, ((LbStorageInfo *) info->storages->pdata[i])->id, count, NULL, &n, NULL, &error))
      {
        fprintf (stderr, "fast-list: %s\n", error->message);
        return 1;
      }
  printf ("%u objects\n", n);
  return 0;
}

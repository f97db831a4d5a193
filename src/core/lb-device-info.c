/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plain data of the device layer: identities, storages, media lists. */
#include "config.h"

#include "lb-device-private.h"

const char *
lb_device_state_to_string (LbDeviceState state)
{
  switch (state)
    {
    case LB_DEVICE_READY:
      return "ready";
    case LB_DEVICE_LOCKED:
      return "locked";
    case LB_DEVICE_CHARGING_ONLY:
      return "charging-only";
    case LB_DEVICE_BUSY:
      return "busy";
    default:
      g_return_val_if_reached ("unknown");
    }
}

LbStorageInfo *
lb_storage_info_new (void)
{
  LbStorageInfo *info = g_new0 (LbStorageInfo, 1);

  info->description = g_strdup ("");
  info->volume = g_strdup ("");
  return info;
}

LbStorageInfo *
lb_storage_info_copy (const LbStorageInfo *info)
{
  LbStorageInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_memdup2 (info, sizeof *info);
  copy->description = g_strdup (info->description);
  copy->volume = g_strdup (info->volume);
  return copy;
}

void
lb_storage_info_free (LbStorageInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->description);
  g_free (info->volume);
  g_free (info);
}

/* Every string is non-NULL ("" when unknown), so front ends need no checks. */
LbDeviceInfo *
lb_device_info_new (void)
{
  LbDeviceInfo *info = g_new0 (LbDeviceInfo, 1);

  info->serial = g_strdup ("");
  info->manufacturer = g_strdup ("");
  info->model = g_strdup ("");
  info->firmware = g_strdup ("");
  info->friendly_name = g_strdup ("");
  info->storages = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_storage_info_free);
  return info;
}

LbDeviceInfo *
lb_device_info_copy (const LbDeviceInfo *info)
{
  LbDeviceInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_memdup2 (info, sizeof *info);
  copy->serial = g_strdup (info->serial);
  copy->manufacturer = g_strdup (info->manufacturer);
  copy->model = g_strdup (info->model);
  copy->firmware = g_strdup (info->firmware);
  copy->friendly_name = g_strdup (info->friendly_name);
  copy->storages = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_storage_info_free);
  if (info->storages != NULL)
    for (guint i = 0; i < info->storages->len; i++)
      g_ptr_array_add (copy->storages, lb_storage_info_copy (info->storages->pdata[i]));
  return copy;
}

G_DEFINE_BOXED_TYPE (LbDeviceInfo, lb_device_info, lb_device_info_copy, lb_device_info_free)

void
lb_device_info_free (LbDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->serial);
  g_free (info->manufacturer);
  g_free (info->model);
  g_free (info->firmware);
  g_free (info->friendly_name);
  g_clear_pointer (&info->storages, g_ptr_array_unref);
  g_free (info);
}

void
lb_media_list_free (LbMediaList *list)
{
  if (list == NULL)
    return;
  g_free (list->name);
  g_free (list->artist);
  g_clear_pointer (&list->members, g_array_unref);
  g_free (list);
}

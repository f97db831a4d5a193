/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding and unmounting the GVfs mount that holds a phone.
 *
 * Only the mount's root URI says which phone it is.  GVfs's MTP volume
 * monitor names it after udev's ID_SERIAL property, which udev builds from
 * the USB descriptor's strings as "Manufacturer_Product_Serial" with
 * whitespace runs made "_" and every character outside [A-Za-z0-9#+-.:=@_]
 * (and outside valid UTF-8) replaced by "_"; older GVfs and the gphoto2
 * backend name it after the USB place, "[usb:001,005]". */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "lb-error.h"
#include "lb-gvfs.h"

/* The host part of a GVfs phone URI, unescaped, and whether it is MTP or
 * gphoto2; NULL for any other mount. */
static char *
phone_host (GMount *mount)
{
  g_autoptr(GFile) root = g_mount_get_root (mount);
  g_autofree char *uri = root != NULL ? g_file_get_uri (root) : NULL;
  const char *host, *end;
  g_autofree char *escaped = NULL;

  if (uri == NULL)
    return NULL;
  if (g_str_has_prefix (uri, "mtp://"))
    host = uri + strlen ("mtp://");
  else if (g_str_has_prefix (uri, "gphoto2://"))
    host = uri + strlen ("gphoto2://");
  else
    return NULL;
  end = strchr (host, '/');
  escaped = g_strndup (host, end != NULL ? (gsize) (end - host) : strlen (host));
  return g_uri_unescape_string (escaped, NULL);
}

/* "[usb:BUS,DEVICE]" → TRUE with the numbers. */
static gboolean
parse_usb_place (const char *host, guint *bus, guint *address)
{
  guint64 b, d;
  char *end;

  if (!g_str_has_prefix (host, "[usb:"))
    return FALSE;
  b = g_ascii_strtoull (host + strlen ("[usb:"), &end, 10);
  if (*end != ',')
    return FALSE;
  d = g_ascii_strtoull (end + 1, &end, 10);
  if (g_strcmp0 (end, "]") != 0 || b > 255 || d > 255)
    return FALSE;
  *bus = (guint) b;
  *address = (guint) d;
  return TRUE;
}

/* One part of udev's ID_SERIAL, made as udev makes it. */
static void
append_udev_safe (GString *out, const char *s)
{
  g_autofree char *stripped = g_strstrip (g_strdup (s));
  gboolean in_space = FALSE;

  for (const char *p = stripped; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (g_ascii_isspace (*p))
        {
          if (!in_space)
            g_string_append_c (out, '_');
          in_space = TRUE;
          continue;
        }
      in_space = FALSE;
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_c (out, '_');
          break;
        }
      if (c >= 0x80 || g_ascii_isalnum (*p) || strchr ("#+-.:=@_", *p) != NULL)
        g_string_append_unichar (out, c);
      else
        g_string_append_c (out, '_');
    }
}

static char *
udev_id_serial (const LbDeviceInfo *info)
{
  GString *s = g_string_new (NULL);

  if (*info->manufacturer != '\0')
    append_udev_safe (s, info->manufacturer);
  else
    g_string_append_printf (s, "%04x", info->vendor_id);
  g_string_append_c (s, '_');
  if (*info->model != '\0')
    append_udev_safe (s, info->model);
  else
    g_string_append_printf (s, "%04x", info->product_id);
  if (*info->serial != '\0')
    {
      g_string_append_c (s, '_');
      append_udev_safe (s, info->serial);
    }
  return g_string_free (s, FALSE);
}

GMount *
lb_gvfs_find_mount (GList *mounts, const LbDeviceInfo *info)
{
  g_autofree char *id_serial = NULL, *serial_tail = NULL;
  GMount *by_serial = NULL;
  guint n_by_serial = 0;

  g_return_val_if_fail (info != NULL, NULL);

  id_serial = udev_id_serial (info);
  if (*info->serial != '\0')
    {
      g_autoptr(GString) s = g_string_new ("_");
      append_udev_safe (s, info->serial);
      serial_tail = g_string_free (g_steal_pointer (&s), FALSE);
    }
  for (GList *l = mounts; l != NULL; l = l->next)
    {
      g_autofree char *host = G_IS_MOUNT (l->data) ? phone_host (l->data) : NULL;
      guint bus, address;

      if (host == NULL)
        continue;
      if (parse_usb_place (host, &bus, &address))
        {
          if (bus == info->bus && address == info->address)
            return l->data;
        }
      else if (g_str_equal (host, id_serial))
        return l->data;
      else if (serial_tail != NULL && g_str_has_suffix (host, serial_tail))
        {
          by_serial = l->data;
          n_by_serial++;
        }
    }
  /* Manufacturer and model as MTP reports them can differ from the USB
   * strings udev used; the serial alone is trusted only when one mount
   * has it (cheap phones share fake serials). */
  return n_by_serial == 1 ? by_serial : NULL;
}

static void
unmounted (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  if (g_mount_unmount_with_operation_finish (G_MOUNT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED_HANDLED))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_new_error (task, error->domain, error->code,
                             _("The file manager did not let go of the phone: %s"), error->message);
}

void
lb_gvfs_release_from_async (GList *mounts,
                            const LbDeviceInfo *info,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task;
  GMount *mount;

  g_return_if_fail (info != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_gvfs_release_async);
  mount = lb_gvfs_find_mount (mounts, info);
  if (mount == NULL)
    {
      g_task_return_new_error (task, LB_ERROR, LB_ERROR_NOT_FOUND,
                               _("The phone is not held by the desktop's file manager (GVfs), but by another "
                                 "program. Close programs that use phones, or disconnect the phone and "
                                 "connect it again."));
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, g_object_ref (mount), g_object_unref);
  g_mount_unmount_with_operation (mount, G_MOUNT_UNMOUNT_NONE, NULL, cancellable, unmounted, task);
}

void
lb_gvfs_release_async (const LbDeviceInfo *info,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr(GVolumeMonitor) monitor = g_volume_monitor_get ();
  GList *mounts = g_volume_monitor_get_mounts (monitor);

  lb_gvfs_release_from_async (mounts, info, cancellable, callback, user_data);
  g_list_free_full (mounts, g_object_unref);
}

gboolean
lb_gvfs_release_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-keyring.h"
#include "lb-error.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

static const SecretSchema *
offsite_schema (void)
{
  static const SecretSchema schema = {
    .name = "io.github.lifeboat.Lifeboat.Offsite",
    .flags = SECRET_SCHEMA_NONE,
    .attributes = { { "repository", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
  };
  return &schema;
}

/* The one place libsecret's errors become ours. */
static void
translate (GError *local, GError **error)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, local);
  else if (local->domain == G_DBUS_ERROR)
    {
      g_set_error (error, LB_ERROR, LB_ERROR_NOT_SUPPORTED,
                   _("No keyring service answers on this desktop, so the off-site copy’s password cannot be kept "
                     "(install gnome-keyring, or another Secret Service): %s"), local->message);
      g_error_free (local);
    }
  else
    {
      g_set_error (error, LB_ERROR, LB_ERROR_REFUSED, _("The desktop keyring refused: %s"), local->message);
      g_error_free (local);
    }
}

gboolean
lb_keyring_store (const char *repository, const char *password, GCancellable *cancellable, GError **error)
{
  g_autofree char *label = g_strdup_printf (_("Lifeboat off-site copy (%s)"), repository);
  GError *local = NULL;

  if (!secret_password_store_sync (offsite_schema (), SECRET_COLLECTION_DEFAULT, label, password, cancellable,
                                   &local, "repository", repository, NULL))
    {
      translate (local, error);
      return FALSE;
    }
  return TRUE;
}

char *
lb_keyring_lookup (const char *repository, GCancellable *cancellable, GError **error)
{
  GError *local = NULL;
  char *password = secret_password_lookup_nonpageable_sync (offsite_schema (), cancellable, &local,
                                                            "repository", repository, NULL);

  if (local != NULL)
    {
      translate (local, error);
      return NULL;
    }
  if (password == NULL)
    g_set_error (error, LB_ERROR, LB_ERROR_NOT_FOUND,
                 _("The desktop keyring holds no password for the off-site repository %s: set the copy up again "
                   "in Preferences"), repository);
  return password;
}

void
lb_keyring_free (char *password)
{
  secret_password_free (password);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The off-site copy's password in the desktop keyring (libsecret's Secret
 * Service: GNOME Keyring, KeePassXC, KWallet), one per repository.
 *
 * Each call blocks on D-Bus, and the keyring may ask the person to unlock
 * it: worker threads only.  Errors are translated here (LB_ERROR_*), with
 * messages for people. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean lb_keyring_store (const char *repository, const char *password, GCancellable *cancellable,
                           GError **error);
/* The password (the caller frees it with lb_keyring_free), or NULL: with
 * LB_ERROR_NOT_FOUND when the keyring has none for the repository. */
char *lb_keyring_lookup (const char *repository, GCancellable *cancellable, GError **error);
/* Wipes and frees a password from lb_keyring_lookup. */
void lb_keyring_free (char *password);

G_END_DECLS

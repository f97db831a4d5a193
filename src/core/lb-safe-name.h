/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Names from a phone made safe as one file name on the desktop. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* No "/", no NUL or control characters, not "", "." or "..", valid UTF-8,
 * at most 255 bytes (cut on a character boundary, keeping the extension and
 * adding a short hash so that cut names stay distinct).  *changed tells
 * whether the result differs from the name. */
char *lb_safe_name (const char *name, gboolean *changed);

/* "photo.jpg" -> "photo (2).jpg": the n-th name that would collide. */
char *lb_numbered_name (const char *safe_name, guint n);

G_END_DECLS

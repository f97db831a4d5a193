/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rig's control socket: one command per line, one reply line each. */
#pragma once

#include <gio/gio.h>
#include "vp-phone.h"

GSocketService *vp_control_start (VpRig *rig, const char *path, GError **error);

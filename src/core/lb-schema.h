/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The catalog's schema: PRAGMA user_version says which version a catalog
 * has, and each version's upgrade to the next is one step in code. */
#pragma once

#include "lb-db.h"

G_BEGIN_DECLS

/* What this program writes. */
#define LB_SCHEMA_VERSION 5
/* PRAGMA application_id of a Lifeboat catalog: "LBOT". */
#define LB_SCHEMA_APPLICATION_ID 0x4c424f54

/* Brings the catalog up to LB_SCHEMA_VERSION in one transaction (a new,
 * empty database counts as version 0).  LB_ERROR_LIBRARY_DAMAGED for a
 * newer catalog or a database that is not a Lifeboat catalog. */
gboolean lb_schema_migrate (LbDb *db, GError **error);
/* The same, stopping at an older version: for tests of the upgrades. */
gboolean lb_schema_migrate_to (LbDb *db, int version, GError **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hooks for tests of lb-library-move.c only; nothing else sets them. */
#pragma once

#include "lb-library-move.h"

G_BEGIN_DECLS

/* Called on the worker thread after each blob is copied (fsynced and in
 * place), with its path in the new library: a test damages it there, or
 * cancels the move. */
extern void (*lb_move_test_after_blob) (const char *copied_path, gpointer data);
extern gpointer lb_move_test_data;
/* Called on the worker thread once the old copy's catalog is gone and
 * before its first blob goes: what a crash there would leave. */
extern void (*lb_move_test_removing) (const char *old_path, gpointer data);
/* The destination's free space in bytes instead of statvfs's figure
 * (a small tmpfs needs root); -1: ask statvfs. */
extern gint64 lb_move_test_free_space;

G_END_DECLS

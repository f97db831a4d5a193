/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What restic prints, read line by line apart from the child process, so
 * that tests/fuzz/fuzz-restic.c can feed it anything.  Only lb-restic.c and
 * the fuzz target include this header. */
#pragma once

#include "lb-restic.h"

G_BEGIN_DECLS

typedef struct {
  LbResticJsonFunc on_json;   /* each JSON object line, unless capturing */
  gpointer user_data;
  GString *capture;           /* NULL, or where JSON lines are collected */
  GQueue tail;                /* restic's last lines (char*), for a failure */
  GQueue notes;               /* its "Fatal:", "panic:" and ENOSPC lines */
  guint64 bytes_left;         /* what its last status line had still to send */
  JsonParser *parser;
} LbResticOutput;

void lb_restic_output_init (LbResticOutput *out, LbResticJsonFunc on_json, gpointer user_data,
                            GString *capture);
void lb_restic_output_clear (LbResticOutput *out);
/* One line restic printed (changed: stripped in place). */
void lb_restic_output_line (LbResticOutput *out, char *line);
/* The error for a restic that exited with status after these lines. */
void lb_restic_output_failure (LbResticOutput *out, const LbResticRepo *repo, int status, GError **error);

G_END_DECLS

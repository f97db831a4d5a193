/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every fuzz target shares: libFuzzer's entry point (also called by
 * replay.c in the ordinary build) and a check that fails loudly. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A broken promise is a finding, like a crash.  abort(), not g_error():
 * libFuzzer keeps the input on SIGABRT but not on GLib's SIGTRAP. */
#define FUZZ_CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      { \
        g_printerr ("%s:%d: not true: %s\n", __FILE__, __LINE__, #cond); \
        abort (); \
      } \
  } G_STMT_END

static inline GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, data);

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return out;
}

/* A GLib critical or warning (a g_return_if_fail tripped by what the input
 * said) is a bug in our handling of the input, not noise. */
static inline void
fuzz_strict (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
      g_once_init_leave (&done, 1);
    }
}

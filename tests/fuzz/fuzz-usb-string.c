/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A USB string descriptor as the phone sends it (bLength, bDescriptorType,
 * UTF-16LE text): the name and serial Lifeboat shows and keys devices by.
 * The text comes from the descriptor's bytes alone, and there is no more
 * of it than they hold. */
#include "fuzz.h"
#include "lb-device-private.h"

#include <string.h>

/* This target once found a read of uninitialised stack (bLength 0): leave
 * no zeros there, so that such a read shows whatever ran before. */
static void __attribute__ ((noinline))
dirty_stack (void)
{
  volatile guint8 junk[4096];

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = 0x41;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* What libusb hands over: at most the 255 bytes a descriptor can have. */
  int len = (int) MIN (size, 255);
  g_autofree char *text = NULL;
  int units;

  fuzz_strict ();
  dirty_stack ();
  text = lb_usb_string_decode (data, len);
  if (text == NULL)
    return 0;
  FUZZ_CHECK (len >= 2 && data[1] == 3);
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  /* Each UTF-16 unit the descriptor covers gives at most 3 bytes of UTF-8. */
  units = (MIN (len, data[0]) - 2) / 2;
  FUZZ_CHECK (strlen (text) <= (gsize) 3 * MAX (units, 0));
  return 0;
}

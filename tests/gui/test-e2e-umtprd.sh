#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The window's basic flow (test-e2e.sh) against the second MTP stack:
# Debian's umtprd behind the rig's emulated FunctionFS (tests/vphone/README).
if ! command -v umtprd >/dev/null 2>&1; then
  . "$(dirname "$0")/../vphone/tap.sh"
  plan 5
  need_tool umtprd umtp-responder 5
  done_testing
fi
LB_E2E_PHONE="profile=umtprd,serial=E2E-UMTPRD" exec bash "$(dirname "$0")/test-e2e.sh"

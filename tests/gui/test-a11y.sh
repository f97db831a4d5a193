#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every control of the window and of each dialog it opens has an
# accessible name (tests/gui/a11y.py walks them through AT-SPI), run as
# test-e2e.sh runs its script.
LB_E2E_SCRIPT=a11y.py LB_E2E_PHONE="serial=A11Y-PHONE" exec bash "$(dirname "$0")/test-e2e.sh"

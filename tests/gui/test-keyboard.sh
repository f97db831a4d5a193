#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole flow with the keyboard alone: back up, look inside, restore
# onto a new phone (tests/gui/keyboard.py), run as test-e2e.sh runs its
# script.
LB_E2E_SCRIPT=keyboard.py LB_E2E_PHONE="serial=KEYS-OLD,model=Old Phone" LB_E2E_NEW_PHONE=KEYS-NEW \
  exec bash "$(dirname "$0")/test-e2e.sh"

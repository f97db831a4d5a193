#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The real window driven from outside, through accessibility, as a person
# would: start it on a virtual phone, click Back Up, wait for the result,
# and check the library with lifeboat-cli (tests/gui/e2e.py).  LB_E2E_PHONE:
# the phone's options (test-e2e-umtprd.sh); LB_E2E_SCRIPT: another script
# of tests/gui run the same way (test-a11y.sh); LB_E2E_NEW_PHONE=SERIAL: a
# second, empty phone, unplugged at the start (test-keyboard.sh).
. "$(dirname "$0")/../vphone/tap.sh"

"$MAKE_PHONE" "$WORK/phone" --preset small >/dev/null || { echo "1..0 # cannot build the phone"; exit 1; }
# A home of its own: the window and the CLI find the same default library.
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" XDG_CONFIG_HOME="$WORK/home/config" \
       XDG_CACHE_HOME="$WORK/home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$top_builddir/data" GDK_BACKEND=x11
unset LIFEBOAT_LIBRARY NO_AT_BRIDGE
# Accessibility on, as a screen reader would switch it on.
export GTK_MODULES=gail:atk-bridge
export top_builddir
# In a sanitizer build vphone-run preloads the runtime into its command:
# Python's own allocations are not ours to judge, Lifeboat's are (e2e.py
# gives the window and the CLI the options back).
export LB_E2E_ASAN_OPTIONS="${ASAN_OPTIONS:-}"
new_phone=()
if [ -n "${LB_E2E_NEW_PHONE:-}" ]; then
  mkdir -p "$WORK/new/Internal shared storage"
  new_phone=(--phone "$WORK/new,serial=$LB_E2E_NEW_PHONE,model=New Phone,plugged=no")
fi
export LB_E2E_WORK="$WORK"
timeout -k 5 600 dbus-run-session -- xvfb-run -a -s "-screen 0 1024x768x24" \
  "$VP/vphone-run" --phone "$WORK/phone,${LB_E2E_PHONE:-serial=E2E-PHONE}" "${new_phone[@]}" -- \
  env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" /usr/bin/python3 "$top_srcdir/tests/gui/${LB_E2E_SCRIPT:-e2e.py}"

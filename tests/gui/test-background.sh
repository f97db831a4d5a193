#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lifeboat --background: the session's one Lifeboat, with no window, backs
# up a docked phone by itself and says so through the desktop's
# notification server (tests/gui/notifyd.py stands in for it on a D-Bus
# session of its own); the menu's `lifeboat` shows the window of that same
# process; SIGTERM (logout) ends it cleanly.
. "$(dirname "$0")/../vphone/tap.sh"
plan 11

"$MAKE_PHONE" "$WORK/P" --preset small --seed 5 >/dev/null
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" XDG_CONFIG_HOME="$WORK/home/config" \
       XDG_CACHE_HOME="$WORK/home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$top_builddir/data" GDK_BACKEND=x11
# The freedesktop protocol, as on any desktop but GNOME's own shell.
export GNOTIFICATION_BACKEND=freedesktop
unset LIFEBOAT_LIBRARY
APP="$top_builddir/src/gui/lifeboat" CLI="$top_builddir/src/cli/lifeboat-cli"
"$CLI" init "$XDG_DATA_HOME/lifeboat" >/dev/null && "$CLI" auto BG on --every connect -q
ok $? "a new library, with automatic backups on for the phone at each connection"

cat >"$WORK/steps.sh" <<'EOF'
APP=$1 CLI=$2 CTL=$3 WORK=$4 SRC=$5
ours () { ASAN_OPTIONS="$LB_ASAN" "$@"; }
N="$WORK/notifications"
wait_for () {  # wait_for SECONDS COMMAND...: until COMMAND succeeds
  local t=$1; shift
  for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}
say () { echo "$*" >>"$WORK/result"; }
/usr/bin/python3 "$SRC/tests/gui/notifyd.py" "$N" >"$WORK/notifyd.out" 2>&1 & notifyd=$!
wait_for 10 grep -q ready "$WORK/notifyd.out" || say "no notification server"

ASAN_OPTIONS="$LB_ASAN" "$APP" --background >"$WORK/bg.out" 2>"$WORK/bg.err" & bg=$!
sleep 2
kill -0 $bg && say "background-running"
xdotool search --onlyvisible --name '^Lifeboat$' >/dev/null 2>&1 || say "no-window"

"$CTL" plug BG
wait_for 60 grep -q '"Unlock ' "$N" && say "asked-to-unlock"
sleep 2
[ "$("$CLI" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] && say "locked-waits"
"$CTL" unlock BG
wait_for 60 grep -q 'is backed up' "$N" && say "backed-up"
"$CLI" snapshots --json >"$WORK/snapshots.json"

# The menu's launcher: the window of the process already running.
ours timeout 20 "$APP" >"$WORK/second.out" 2>&1; say "second-exit=$?"
wait_for 20 xdotool search --onlyvisible --name '^Lifeboat$' >/dev/null 2>&1 && say "window-shown"
ours timeout 20 "$APP" --background >/dev/null 2>&1; say "third-exit=$?"
# /proc with bash's own read, not pgrep: procps is not in every image, and
# under a sanitizer build the rig preloads its runtime into every command.
# This session's processes only: make -j2 may run another test's Lifeboat
# (test-e2e.sh, test-a11y.sh) beside this one.
n=0
for d in /proc/[0-9]*; do
  read -r c <"$d/comm" 2>/dev/null && [ "$c" = lifeboat ] || continue
  while IFS= read -r -d '' kv; do
    [ "$kv" = "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS" ] && { n=$((n + 1)); break; }
  done <"$d/environ" 2>/dev/null
done
say "processes=$n"

kill -TERM $bg
wait_for 15 sh -c "! kill -0 $bg 2>/dev/null" && say "stopped-on-term"
wait $bg; say "bg-exit=$?"
kill $notifyd
EOF
# In a sanitizer build vphone-run preloads the runtime into every command
# of the steps: Python's and xdotool's allocations are not ours to judge;
# Lifeboat's are (LB_ASAN gives them the build's options back).
export LB_ASAN="${ASAN_OPTIONS:-}"
timeout -k 5 300 dbus-run-session -- xvfb-run -a -s "-screen 0 1024x768x24" \
  "$VP/vphone-run" --phone "$WORK/P,serial=BG,profile=android-locked,plugged=no" -- \
  env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  bash "$WORK/steps.sh" "$APP" "$CLI" "$VP/vphone-ctl" "$WORK" "$top_srcdir" >"$WORK/rig.out" 2>&1
R="$WORK/result"
touch "$R"
# check STATUS DESCRIPTION: ok, with the logs when it failed
check () {
  ok "$@"
  [ "$1" = 0 ] || sed 's/^/# /' "$WORK/rig.out" "$WORK/bg.err" "$WORK/notifications" "$R" 2>/dev/null | tail -30
}
grep -qx "background-running" "$R" && grep -qx "no-window" "$R"
check $? "lifeboat --background keeps running, with no window"
grep -qx "asked-to-unlock" "$R" && grep -qx "locked-waits" "$R"
check $? "a locked phone gets a notification asking to unlock it, and is waited for"
grep -qx "backed-up" "$R" && python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if len(s) == 1 and s[0]["state"] == "complete" and s[0]["automatic"] is True else 1)' "$WORK/snapshots.json"
check $? "unlocked, it is backed up by itself: one complete snapshot, marked automatic"
python3 - "$WORK/notifications" <<'EOF'
import json, sys
ns = [json.loads(l) for l in open(sys.argv[1])]
done = [n for n in ns if "is backed up" in n["summary"]]
ok = len(done) == 1 and " files; " in done[0]["body"] and "library grew by" in done[0]["body"]
sys.exit(0 if ok else 1)
EOF
check $? "the finished notification gives the number of files and the bytes"
is "$(grep -c '"Unlock ' "$WORK/notifications")" 1 "one unlock notification, not one per probe"
# On failure the test's own line says what was sent: that line is all of
# a CI log some readers get.
why=$(python3 - "$WORK/notifications" <<'EOF'
import json, sys
ns = [json.loads(l) for l in open(sys.argv[1])]
# the phone's notifications share one id: each replaces the last
if len({n["id"] for n in ns}) != 1 or any(n["app"] != "Lifeboat" for n in ns):
    print("; ".join("%s %s: %s" % (n["id"], n["app"], n["summary"]) for n in ns))
    sys.exit(1)
EOF
)
check $? "a phone's notifications replace each other (one id), and name Lifeboat${why:+ (sent: $why)}"
grep -qx "second-exit=0" "$R" && grep -qx "window-shown" "$R"
check $? "started again from the menu, it shows the window of the running process and exits"
grep -qx "third-exit=0" "$R"
check $? "a second lifeboat --background exits at once"
grep -qx "processes=1" "$R"
check $? "one Lifeboat process runs"
grep -qx "stopped-on-term" "$R" && grep -qx "bg-exit=0" "$R"
check $? "SIGTERM (logout) ends it cleanly"
done_testing

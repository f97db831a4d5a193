#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What automatic backups cost while nothing happens: `lifeboat-cli watch`
# and `lifeboat --background`, running all night by a PC with no phone on
# its cable, must not wake up.  Over 10 s each, the CPU ticks and the
# voluntary context switches of every thread (/proc/PID/task/*), and the
# resident memory, are measured; the figures are in the test lines.
. "$(dirname "$0")/../vphone/tap.sh"
plan 4

"$MAKE_PHONE" "$WORK/P" --preset small --seed 7 >/dev/null
CLI="$top_builddir/src/cli/lifeboat-cli" APP="$top_builddir/src/gui/lifeboat"
"$CLI" init "$WORK/lib" >/dev/null
export LIFEBOAT_LIBRARY="$WORK/lib"
cat >"$WORK/measure.sh" <<'EOS'
# measure NAME COMMAND...: starts COMMAND, lets it settle, then writes
# "ticks switches threads rss_kb" over 10 s to $WORK/NAME.
WORK=$1 NAME=$2; shift 2
snap () {
  local t=0 s=0 line rest v
  for d in /proc/$1/task/*; do
    read -r line <"$d/stat" 2>/dev/null || continue
    rest=${line##*) }
    set -- $rest
    t=$((t + ${12} + ${13}))
    v=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$d/status" 2>/dev/null)
    s=$((s + ${v:-0}))
  done
  echo "$t $s"
}
"$@" >"$WORK/$NAME.out" 2>&1 & pid=$!
sleep 5
read -r t0 s0 < <(snap $pid)
sleep 10
read -r t1 s1 < <(snap $pid)
echo "$((t1 - t0)) $((s1 - s0)) $(ls /proc/$pid/task | wc -l) $(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)" >"$WORK/$NAME"
kill -TERM $pid; wait $pid
echo "exit=$?" >>"$WORK/$NAME"
EOS
# A phone known to the rig but not plugged in: the bus is there, and quiet.
vrun --phone "$WORK/P,serial=IDLE,plugged=no" -- bash "$WORK/measure.sh" "$WORK" watch "$CLI" watch
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/config" XDG_DATA_HOME="$WORK/home/data" \
       XDG_CACHE_HOME="$WORK/home/cache" GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$top_builddir/data" \
       GDK_BACKEND=x11
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
timeout -k 5 120 dbus-run-session -- xvfb-run -a -s "-screen 0 800x600x24" \
  "$VP/vphone-run" --phone "$WORK/P,serial=IDLE,plugged=no" -- \
  bash "$WORK/measure.sh" "$WORK" background "$APP" --background >"$WORK/bg-rig.out" 2>&1

# idle NAME WHAT: no measurable CPU (a tick is 10 ms: at most 2 in 10 s,
# under 0.2% of a CPU) and, since no timer is due, next to no wake-ups
# (at most 2, over every thread, in 10 s: a poll every 3 s would fail).
idle () {
  local ticks switches threads rss
  read -r ticks switches threads rss <"$WORK/$1" 2>/dev/null
  [ -n "${rss:-}" ] && [ "$ticks" -le 2 ] && [ "$switches" -le 2 ]
  ok $? "$2 idles with no phone: $ticks CPU ticks and $switches wake-ups in 10 s over $threads threads, RSS $((${rss:-0} / 1024)) MiB" ||
    sed 's/^/# /' "$WORK/$1" "$WORK/$1.out" 2>/dev/null | tail -20
}
idle watch "lifeboat-cli watch"
grep -qx "exit=0" "$WORK/watch"
ok $? "and stops cleanly on SIGTERM"
idle background "lifeboat --background"
grep -qx "exit=0" "$WORK/background"
ok $? "and stops cleanly on SIGTERM" || sed 's/^/# /' "$WORK/bg-rig.out" | tail -10
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Another program is using the phone: usbfs gives the interface to one
# open file at a time, so a second lifeboat-cli, or any MTP client, holding
# the phone makes Lifeboat say so (exit 1) without touching the phone, and
# the program holding it finishes unharmed.
. "$(dirname "$0")/../vphone/tap.sh"
plan 15

CLI="$top_builddir/src/cli/lifeboat-cli"
CTL="$VP/vphone-ctl"
PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
"$MAKE_PHONE" "$PHONE" --preset small --seed 21 >/dev/null
# Enough bytes that the first backup holds the phone for a few seconds at
# USB 2.0 speed.
head -c $((40 << 20)) /dev/urandom >"$INT/Download/big.bin"
cd "$WORK" || exit 1
n_files=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)
export CLI CTL
mkdir -p "$WORK/lib1" "$WORK/lib2" "$WORK/lib3"

# --- (a) a second lifeboat-cli while a backup runs ----------------------------------
# Separate libraries: the same one would stop the second at the library's
# lock before it looked at the phone.
VRUN_TIMEOUT=300 vrun --speed usb2 --phone "$PHONE,serial=INUSE" -- bash -c '
  LIFEBOAT_LIBRARY="$0/lib1" "$CLI" backup --json >"$0/first.json" 2>"$0/first.err" & first=$!
  # Holding the phone: it is reading file data.
  for i in $(seq 600); do
    b=$("$CTL" stats INUSE | grep -o "\"bytes_to_host\": [0-9]*" | grep -o "[0-9]*$")
    [ "${b:-0}" -gt 1000000 ] && break; sleep 0.05
  done
  LIFEBOAT_LIBRARY="$0/lib2" "$CLI" backup >"$0/second.out" 2>"$0/second.err"; echo $? >"$0/second.rc"
  LIFEBOAT_LIBRARY="$0/lib2" "$CLI" devices --json >"$0/devices.json" 2>"$0/devices.err"
  kill -0 $first 2>/dev/null && echo yes >"$0/first-still-running"
  wait $first; echo $? >"$0/first.rc"' "$WORK"
is "$(cat "$WORK/first-still-running" 2>/dev/null)" yes "the second program tried while the first backup held the phone"
is "$(cat "$WORK/second.rc" 2>/dev/null)" 1 "a second backup exits 1"
check "and says another program is using the phone" -- \
  grep -q "Another program is using the phone" "$WORK/second.err"
is "$(json '" ".join(x["serial"] + "=" + x["state"] for x in d)' <"$WORK/devices.json" 2>/dev/null)" "INUSE=busy" \
   "devices shows the phone as busy meanwhile"
is "$(LIFEBOAT_LIBRARY="$WORK/lib2" "$CLI" snapshots --json 2>/dev/null | json 'len(d)')" 0 \
   "the refused backup wrote no snapshot"
is "$(cat "$WORK/first.rc" 2>/dev/null)" 0 "the first backup completes"
is "$(json 'd["state"] + " " + str(d["files"])' <"$WORK/first.json" 2>/dev/null)" "complete $n_files" \
   "unharmed: complete, with every file"
LIFEBOAT_LIBRARY="$WORK/lib1" "$CLI" verify >"$WORK/verify" 2>&1
ok $? "and its snapshot verifies"

# --- (b) another MTP client holds the phone ------------------------------------------
VRUN_TIMEOUT=300 vrun --phone "$PHONE,serial=HELD" -- bash -c '
  "$1/vphone-probe" idle 8 >"$0/holder.out" 2>"$0/holder.err" & holder=$!
  for i in $(seq 100); do grep -q open "$0/holder.out" && break; sleep 0.1; done
  grep -q open "$0/holder.out" || exit 10
  LIFEBOAT_LIBRARY="$0/lib3" "$CLI" backup >"$0/held.out" 2>"$0/held.err"; echo $? >"$0/held.rc"
  LIFEBOAT_LIBRARY="$0/lib3" "$CLI" devices >"$0/held-devices" 2>&1
  kill -0 $holder 2>/dev/null && echo yes >"$0/holder-still-running"
  wait $holder; echo $? >"$0/holder.rc"
  LIFEBOAT_LIBRARY="$0/lib3" "$CLI" backup --json >"$0/after.json" 2>"$0/after.err"; echo $? >"$0/after.rc"' "$WORK" "$VP"
ok $? "a libmtp client (vphone-probe idle) holds the phone"
is "$(cat "$WORK/held.rc" 2>/dev/null)" 1 "a backup meanwhile exits 1"
check "and says another program is using the phone" -- grep -q "Another program is using the phone" "$WORK/held.err"
check "devices says busy: another program" -- grep -q "busy: another program" "$WORK/held-devices"
is "$(cat "$WORK/holder-still-running" 2>/dev/null) $(cat "$WORK/holder.rc" 2>/dev/null)" "yes 0" \
   "the holder was there throughout and ends unharmed"
is "$(cat "$WORK/after.rc" 2>/dev/null)" 0 "once it closed the phone, the backup succeeds"
is "$(json 'd["files"]' <"$WORK/after.json" 2>/dev/null)" "$n_files" "with every file"
done_testing

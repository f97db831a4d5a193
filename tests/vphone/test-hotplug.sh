#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Plugging, unplugging and the control socket, seen through libusb's
# hot-plug callbacks and libmtp transfers.
. "$(dirname "$0")/tap.sh"
plan 15

PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
"$MAKE_PHONE" "$PHONE" --preset small --seed 7 >/dev/null
head -c $((16 << 20)) /dev/urandom >"$INT/big.bin"
cd "$WORK" || exit 1
PROBE="$VP/vphone-probe"
CTL="$VP/vphone-ctl"

vrun --phone "$PHONE,serial=HOT" -- bash -c '
  "$0" hotplug 4 >"$2" 2>/dev/null & sleep 1
  "$1" unplug HOT && sleep 0.3 && "$1" plug HOT && sleep 0.3 && "$1" unplug HOT && "$1" plug HOT
  wait' "$PROBE" "$CTL" "$WORK/events"
ok $? "plug and unplug through vphone-ctl"
is "$(grep -E '^(arrived|left)' "$WORK/events" | tr '\n' ' ')" \
   "left 1209:0001 arrived 1209:0001 left 1209:0001 arrived 1209:0001 " \
   "libusb hot-plug callbacks see every unplug and plug"

vrun --phone "$PHONE,serial=LATE,plugged=no" -- bash -c '
  "$0" raw | grep -q . && exit 1
  "$1" plug LATE && "$0" raw | grep -qx 1209:0001' "$PROBE" "$CTL" 2>/dev/null
ok $? "plugged=no starts unplugged; plug brings the phone"

vrun --phone "$PHONE,serial=CTL" -- bash -c '
  "$1" list | grep -qx CTL || exit 1
  "$1" unplug NOPE 2>"$2/err" && exit 1
  grep -q "no phone named NOPE" "$2/err" || exit 1
  "$1" unplug CTL && "$1" unplug CTL 2>"$2/err2" && exit 1
  grep -q "not plugged in" "$2/err2" || exit 1
  "$1" fault CTL sparkles 2>"$2/err3" && exit 1
  grep -q "unknown fault" "$2/err3"' "$PROBE" "$CTL" "$WORK"
ok $? "vphone-ctl reports unknown phones, double unplugs and unknown faults clearly"

# Cheap phones share a fake serial: the rig needs names to tell them apart.
vrun --phone "$PHONE,serial=FAKE" --phone "$PHONE,serial=FAKE" -- true 2>"$WORK/twin-err"
is "$?:$(cat "$WORK/twin-err")" "125:vphone-run: two phones are called FAKE; give one name= (or serial=)" \
   "two phones with one serial and no names are refused"
vrun --phone "$PHONE,serial=FAKE,name=ONE,model=A" --phone "$PHONE,serial=FAKE,name=TWO,model=B" -- bash -c '
  [ "$("$1" list)" = "ONE TWO" ] || exit 1
  "$1" unplug TWO || exit 1
  "$0" raw | grep -c "^1209:0001" | grep -qx 1 || exit 1
  "$1" stats TWO | grep -q "\"name\": \"TWO\", \"serial\": \"FAKE\", \"plugged\": false"' "$PROBE" "$CTL"
ok $? "named, they share the serial and vphone-ctl tells them apart"

# --- unplug in the middle of a transfer ---------------------------------------------
id_of () { "$PROBE" ls 2>/dev/null | awk -v n="$1" '$5 == n {print $1; exit}'; }
export -f id_of; export PROBE
vrun --phone "$PHONE,serial=CUT,disconnect-after-bytes=3000000" -- bash -c '
  id=$(id_of big.bin); "$0" get "$id" "$1/cut.bin"; echo "get=$?"
  "$0" raw' "$PROBE" "$WORK" >"$WORK/cut" 2>&1
ok $? "the rig survives a phone vanishing mid-transfer"
check "the interrupted read fails instead of hanging or pretending" -- grep -q "^get=1$" "$WORK/cut"
! grep -q "^1209:0001$" "$WORK/cut"
ok $? "after the disconnect the phone is gone from the bus"

start=$(date +%s)
vrun --speed usb2 --phone "$PHONE,serial=PULL" -- bash -c '
  id=$(id_of big.bin)
  "$0" get "$id" "$2/pulled.bin" & pid=$!
  sleep 0.25; "$1" unplug PULL; wait $pid; echo "get=$?"
  "$1" plug PULL; sleep 0.2
  id=$(id_of big.bin); "$0" get "$id" "$2/pulled.bin"; echo "again=$?"' "$PROBE" "$CTL" "$WORK" >"$WORK/pull" 2>&1
check "vphone-ctl unplug during a transfer fails that transfer" -- grep -q "^get=1$" "$WORK/pull"
check "after replugging, the same transfer completes" -- grep -q "^again=0$" "$WORK/pull"
cmp -s "$WORK/pulled.bin" "$INT/big.bin"
ok $? "and the bytes are right"
[ $(( $(date +%s) - start )) -lt 60 ]
ok $? "nothing waited for a time-out"

vrun --phone "$PHONE,serial=ST" -- bash -c '
  id=$(id_of big.bin); "$0" get "$id" /dev/null; "$1" stats ST' "$PROBE" "$CTL" >"$WORK/stats" 2>/dev/null
python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert s["serial"] == "ST" and s["operations"]["GetObject"] == 1 and s["bytes_to_host"] >= 16 << 20, s
' "$WORK/stats"
ok $? "vphone-ctl stats prints the live statistics as JSON"
vrun --phone "$PHONE,serial=S1" --phone "$PHONE,serial=S2" -- "$PROBE" raw >"$WORK/two" 2>/dev/null
is "$(grep -c '^1209:0001$' "$WORK/two")" 2 "two phones can be served at once"
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# When things go wrong: phones that cannot be backed up, an unplug in the
# middle of a file, Ctrl-C, a damaged library, a hostile phone.
. "$(dirname "$0")/../vphone/tap.sh"
plan 33

CLI="$top_builddir/src/cli/lifeboat-cli"
CTL="$VP/vphone-ctl"
LIB="$WORK/library"
PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
export LIFEBOAT_LIBRARY="$LIB"
"$MAKE_PHONE" "$PHONE" --preset small --seed 9 >/dev/null
head -c $((6 << 20)) /dev/urandom >"$INT/Download/big-1.bin"
head -c $((6 << 20)) /dev/urandom >"$INT/Download/big-2.bin"
touch -d '2024-02-03 04:05:06' "$INT/Download/big-1.bin" "$INT/Download/big-2.bin"
cd "$WORK" || exit 1

# --- phones that cannot be backed up ------------------------------------------------
vrun --phone "$PHONE,serial=BUSY,busy" --phone "$PHONE,serial=LOCKED,profile=android-locked" \
     --phone "$PHONE,serial=CHARGE,profile=charge-only" --phone "$PHONE,serial=READY" -- \
     "$CLI" devices --json >"$WORK/devices" 2>"$WORK/devices.err"
ok $? "devices lists phones in every state"
states=$(json '" ".join(sorted(x["serial"] + "=" + x["state"] for x in d))' <"$WORK/devices")
is "$states" "BUSY=busy CHARGE=charging-only LOCKED=locked READY=ready" "each phone shows its state, the charging-only one too"
json '[x for x in d if x["vendor_id"] == 0x18d1 and x["state"] == "charging-only"] != []' <"$WORK/devices" | grep -qx True
ok $? "the charging-only phone is there too, by its maker's vendor id"
json '[x["storages"][0]["description"] for x in d if x["serial"] == "READY"][0]' <"$WORK/devices" | grep -qx "Internal shared storage"
ok $? "a ready phone shows its storages"
rm -rf "$LIB"; mkdir -p "$LIB"
for case in "busy:another program" "profile=android-locked:unlock" "profile=charge-only:File transfer"; do
  opt=${case%%:*}; want=${case#*:}
  vrun --phone "$PHONE,serial=X,$opt" -- "$CLI" backup >"$WORK/out" 2>"$WORK/err"
  rc=$?
  is "$rc" 1 "backup of a phone with $opt exits 1"
  grep -qi "$want" "$WORK/err"
  ok $? "and says what to do: $(head -1 "$WORK/err")"
done
n=$("$CLI" snapshots --json 2>/dev/null | json 'len(d)')
is "$n" 0 "nothing was written to the library by those attempts"

# --- unplugged in the middle of a file -------------------------------------------------
vrun --phone "$PHONE,serial=SMALL" -- "$CLI" backup --json >"$WORK/first" 2>/dev/null
ok $? "a first backup of the small phone"
id1=$(json 'd["id"]' <"$WORK/first")
"$CLI" ls -r --json "$id1" / >"$WORK/ls-before" 2>/dev/null
printf 'x' >>"$INT/Download/big-1.bin"; printf 'x' >>"$INT/Download/big-2.bin"
touch -d '2024-02-03 04:05:07' "$INT/Download/big-1.bin" "$INT/Download/big-2.bin"
vrun --phone "$PHONE,serial=SMALL,disconnect-after-bytes=9000000" -- "$CLI" backup >"$WORK/cut" 2>"$WORK/cut.err"
is "$?" 1 "a backup cut by an unplug fails"
check "it says the phone was disconnected" -- grep -qi "disconnected" "$WORK/cut.err"
states=$("$CLI" snapshots --json | json '" ".join(x["state"] for x in d)')
is "$states" "interrupted complete" "the cut snapshot is interrupted and the earlier one still complete"
"$CLI" ls -r --json "$id1" / >"$WORK/ls-after" 2>/dev/null
cmp -s "$WORK/ls-before" "$WORK/ls-after"
ok $? "the earlier snapshot is unchanged"
"$CLI" verify >"$WORK/verify1" 2>&1
ok $? "verify passes after the unplug"
vrun --stats "$WORK/again.json" --phone "$PHONE,serial=SMALL" -- "$CLI" backup --json >"$WORK/again" 2>/dev/null
ok $? "the next backup completes"
is "$(gets "$WORK/again.json")" 1 "it reads only the file the unplug cut short, not the one finished before"

# --- unplugged while being opened -------------------------------------------------------
# The cable comes out after N bytes of the open (GetDeviceInfo, the object
# property descriptions, storages; about 830 bytes), for N across all of it.
# libmtp 1.1.20's open frees an uninitialised property description when the
# battery level's GetDevicePropDesc fails (lb-device-enumerate.c open_raw):
# what it freed was stack garbage, so a crash came or not by chance, and
# the rig's count of that operation is what is pinned.
cat >"$WORK/cuts.sh" <<'EOF'
CLI=$1 CTL=$2 WORK=$3
for n in $(seq 1 23 920); do
  "$CTL" plug CUT; "$CTL" fault CUT disconnect-after-bytes $n
  "$CLI" devices >"$WORK/cut.out" 2>"$WORK/cut.err"; rc=$?
  [ $rc = 0 ] || { echo "== $n: exit $rc"; cat "$WORK/cut.err"; } >>"$WORK/cut-fails"
  echo "$n rc=$rc $(grep -c "locked" "$WORK/cut.out") $(grep -c "^  ready" "$WORK/cut.out")"
  "$CTL" unplug CUT 2>/dev/null; "$CTL" fault CUT clear
done >"$WORK/cuts"
"$CTL" plug CUT; "$CLI" devices >"$WORK/cut-last" 2>/dev/null
"$CTL" stats CUT >"$WORK/cut-stats.json"
EOF
vrun --phone "$PHONE,serial=CUT,plugged=no" -- bash "$WORK/cuts.sh" "$CLI" "$CTL" "$WORK"
is "$(grep -vc " rc=0 " "$WORK/cuts")" 0 "devices neither crashes nor fails when the phone is pulled after any of 40 byte counts across its open" ||
  diag "$(grep -v "UNKNOWN\|report this\|could not inspect" "$WORK/cut-fails" | head -40)"
is "$(awk '$3 != 0' "$WORK/cuts" | wc -l)" 0 "a phone pulled during the open is never reported locked"
check "plugged in again, it is ready" -- grep -q "^  ready" "$WORK/cut-last"
is "$(json 'd["operations"].get("GetDevicePropDesc", 0)' <"$WORK/cut-stats.json")" 0 \
   "the open never reads the battery level's description"

# --- Ctrl-C --------------------------------------------------------------------------
printf 'y' >>"$INT/Download/big-1.bin"; printf 'y' >>"$INT/Download/big-2.bin"
touch -d '2024-02-03 04:05:08' "$INT/Download/big-1.bin" "$INT/Download/big-2.bin"
vrun --speed usb2 --phone "$PHONE,serial=SMALL" -- bash -c '
  "$0" backup >/dev/null 2>"$1" & pid=$!
  sleep 0.6; kill -INT $pid; wait $pid' "$CLI" "$WORK/int.err"
is "$?" 1 "Ctrl-C stops a backup with exit 1"
check "and says what was kept" -- grep -q "interrupted snapshot" "$WORK/int.err"
is "$("$CLI" snapshots --json | json 'd[0]["state"]')" interrupted "the stopped snapshot is interrupted"

# --- the library -----------------------------------------------------------------------
vrun --phone "$PHONE,serial=SMALL" -- bash -c '
  exec 9>"$1/lock-holder"
  "$0" backup >/dev/null 2>&1 &
  sleep 0.2; "$0" backup 2>"$1/second.err"; echo "second=$?"; wait' "$CLI" "$WORK" >"$WORK/two" 2>&1
check "a second writer is refused while a backup runs" -- grep -q "^second=1$" "$WORK/two"
check "with a message that another Lifeboat is using the library" -- grep -qi "another lifeboat" "$WORK/second.err"
vrun --phone "$PHONE,serial=SMALL" -- "$CLI" --library "$WORK/not-mounted/lib" backup >/dev/null 2>"$WORK/missing.err"
is "$?" 1 "a configured library that is missing is an error"
[ ! -e "$WORK/not-mounted" ]
ok $? "and nothing is created in its place"

# --- damage found by verify ---------------------------------------------------------------
blob=$(find "$LIB/blobs" -type f -size +100k | sort | head -1)
gone=$(find "$LIB/blobs" -type f -size -100k -size +1k | sort | head -1)
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(1000); b = f.read(1); f.seek(1000); f.write(bytes([b[0] ^ 0xff]))' "$blob"
rm "$gone"
"$CLI" verify >"$WORK/verify2" 2>&1
is "$?" 1 "verify fails on a damaged library"
check "it names the file with a flipped byte" -- grep -q "^damaged.*Internal shared storage" "$WORK/verify2"
check "and the file whose stored copy is missing" -- grep -q "^missing.*Internal shared storage" "$WORK/verify2"
done_testing

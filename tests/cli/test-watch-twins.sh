#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two cheap phones that report one fake serial, docked together: the watch
# backs each one up into a history of its own, and the command line, which
# chooses phones by serial, refuses to guess between them.
. "$(dirname "$0")/../vphone/tap.sh"
plan 8

. "$(dirname "$0")/restore-lib.sh"
FAKE=0123456789ABCDEF
"$MAKE_PHONE" "$WORK/T1" --preset small --seed 21 >/dev/null
"$MAKE_PHONE" "$WORK/T2" --preset small --seed 22 >/dev/null
echo "only on the second" >"$WORK/T2/Internal shared storage/second.txt"

"$CLI" auto "$FAKE" on --every connect -q
ok $? "auto takes the shared serial"

cat >"$WORK/twins.sh" <<'EOF2'
CLI=$1 CTL=$2 WORK=$3 FAKE=$4 LOG="$WORK/watch.log"
"$CLI" backup --device "$FAKE" >"$WORK/backup.out" 2>"$WORK/backup.err"; echo $? >"$WORK/backup.rc"
"$CLI" backup >/dev/null 2>"$WORK/any.err"
"$CLI" watch >"$LOG" 2>&1 & watch=$!
for _ in $(seq 600); do [ "$(grep -c "$FAKE: snapshot .* complete" "$LOG")" -ge 2 ] && break; sleep 0.1; done
sleep 1
kill -TERM $watch; wait $watch
EOF2
vrun --speed usb2 --phone "$WORK/T1,name=T1,serial=$FAKE,model=Redmi 9A" \
     --phone "$WORK/T2,name=T2,serial=$FAKE,model=Galaxy A03" \
     -- bash "$WORK/twins.sh" "$CLI" "$VP/vphone-ctl" "$WORK" "$FAKE"

is "$(cat "$WORK/backup.rc")" 1 "backup --device with a shared serial fails"
grep -q "2 connected phones report the same serial $FAKE. Connect only the one to use." "$WORK/backup.err"
ok $? "and says why, and what to do"
grep -qx "lifeboat-cli: Several phones are connected ($FAKE (Redmi 9A), $FAKE (Galaxy A03)), and some of them report the same serial. Connect only the one to use." "$WORK/any.err"
ok $? "backup without --device names both by model and does not send people to --device"
is "$(grep -c "$FAKE: snapshot .* complete" "$WORK/watch.log")" 2 "the watch backs up both"
"$CLI" snapshots --json >"$WORK/snaps.json"
is "$(json '" ".join(sorted(s["model"] + "=" + s["state"] for s in d))' <"$WORK/snaps.json")" \
   "Galaxy A03=complete Redmi 9A=complete" "one snapshot of each model"
second=$(json '[s["id"] for s in d if s["model"] == "Galaxy A03"][0]' <"$WORK/snaps.json")
first=$(json '[s["id"] for s in d if s["model"] == "Redmi 9A"][0]' <"$WORK/snaps.json")
"$CLI" ls "$second" "/Internal shared storage" | grep -q " second\.txt$"
ok $? "the second one's snapshot holds its own file"
"$CLI" ls "$first" "/Internal shared storage" >"$WORK/ls1" && ! grep -q " second\.txt$" "$WORK/ls1"
ok $? "and the first one's does not"
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One library, several Lifeboats at once (issue #12): a second writer is
# refused with a clear message and harms nothing; readers (ls, extract,
# snapshots, verify) during a backup succeed and see only complete
# snapshots; `watch` and a manual backup of the same phone at once; a
# backup and a watch killed -9 together leave a library that opens,
# verifies and still holds every earlier snapshot unchanged.
. "$(dirname "$0")/../vphone/tap.sh"
plan 25

CLI="$top_builddir/src/cli/lifeboat-cli"
CTL="$VP/vphone-ctl"
LIB="$WORK/library"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
cd "$WORK" || exit 1
VRUN_TIMEOUT=600
P="$WORK/P" Q="$WORK/Q"
"$MAKE_PHONE" "$P" --preset small --seed 21 >/dev/null
"$MAKE_PHONE" "$Q" --preset small --seed 22 >/dev/null
# About 60 MB more at usb2 speed (about 20 MB/s): a backup of P that lasts
# a few seconds, long enough for readers to come and go.
grow () {
  for i in 1 2 3; do head -c $((20 << 20)) /dev/urandom >"$P/Internal shared storage/Download/$1-$i.bin"; done
}
# Every complete snapshot, file by file with its SHA-256: what must never change.
digest () {
  timeout 120 "$CLI" snapshots --json | python3 -c '
import json, subprocess, sys
for s in reversed(json.load(sys.stdin)):   # oldest first: new ones come last
    if s["state"] == "complete":
        files = subprocess.run([sys.argv[1], "ls", "-r", "--json", str(s["id"]), "/"], check=True,
                               capture_output=True, timeout=120).stdout
        print(s["id"], s["device"], s["files"], s["bytes"], json.dumps(json.loads(files), sort_keys=True))
' "$CLI"
}
integrity () {
  python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$LIB/catalog.db"
}

vrun --phone "$P,serial=P" --phone "$Q,serial=Q" -- bash -c '"$0" backup --device P -q && "$0" backup --device Q -q' "$CLI" >/dev/null 2>&1
ok $? "first snapshots of P and Q"
s1=$("$CLI" snapshots --device P --json | json 'd[0]["id"]')
"$CLI" extract "$s1" / --to "$WORK/s1-ref" -q
digest >"$WORK/digest0"

# --- two writers, and readers during a backup ----------------------------------------------
grow a
cat >"$WORK/during.sh" <<'EOF'
CLI=$1 WORK=$2 S1=$3
"$CLI" backup --device P --json >"$WORK/b-P" 2>"$WORK/b-P.err" & pid=$!
# Until the backup holds the library and has a snapshot running.
for _ in $(seq 300); do
  "$CLI" snapshots --json 2>/dev/null | grep -q '"running"' && break; sleep 0.05
done
t0=$(date +%s%N)
timeout 60 "$CLI" backup --device Q >"$WORK/b-Q" 2>"$WORK/b-Q.err"
echo "$? $(( ($(date +%s%N) - t0) / 1000000 ))" >"$WORK/b-Q.rc"
n=0 bad=0
while kill -0 "$pid" 2>/dev/null; do
  n=$((n + 1))
  timeout 60 "$CLI" ls -r --json latest / >"$WORK/r-ls" 2>>"$WORK/r.err" || { bad=$((bad + 1)); echo "ls failed" >>"$WORK/r.err"; }
  # the backup may complete between kill -0 and ls: checked after it ends
  cmp -s "$WORK/r-ls" "$WORK/s1-ls" || cp "$WORK/r-ls" "$WORK/r-ls.other.$n"
  timeout 60 "$CLI" snapshots --json >"$WORK/r-snap" 2>>"$WORK/r.err" || { bad=$((bad + 1)); echo "snapshots failed" >>"$WORK/r.err"; }
  rm -rf "$WORK/r-x"
  timeout 60 "$CLI" extract "$S1" / --to "$WORK/r-x" -q 2>>"$WORK/r.err" && diff -r "$WORK/r-x" "$WORK/s1-ref" >>"$WORK/r.err" ||
    { bad=$((bad + 1)); echo "extract failed or differed" >>"$WORK/r.err"; }
  timeout 120 "$CLI" verify -q >>"$WORK/r.err" 2>&1 || { bad=$((bad + 1)); echo "verify failed" >>"$WORK/r.err"; }
done
wait "$pid"; echo $? >"$WORK/b-P.rc"
"$CLI" ls -r --json latest / >"$WORK/final-ls"
for f in "$WORK"/r-ls.other.*; do
  [ -e "$f" ] || continue
  cmp -s "$f" "$WORK/final-ls" || { bad=$((bad + 1)); echo "ls latest saw data of no complete snapshot" >>"$WORK/r.err"; }
done
echo "$n $bad" >"$WORK/readers"
EOF
"$CLI" ls -r --json latest / >"$WORK/s1-ls"
vrun --speed usb2 --phone "$P,serial=P" --phone "$Q,serial=Q" -- bash "$WORK/during.sh" "$CLI" "$WORK" "$s1" >/dev/null 2>&1
is "$(cat "$WORK/b-P.rc"):$(json 'd["state"]' <"$WORK/b-P")" "0:complete" "the first writer's backup completes"
read -r qrc qms <"$WORK/b-Q.rc"
is "$qrc" 1 "a second backup into the same library is refused"
grep -q "Another Lifeboat is using this library" "$WORK/b-Q.err"
ok $? "with a clear message: $(head -1 "$WORK/b-Q.err")"
[ "$qms" -lt 10000 ]
ok $? "at once, not after the first one ends ($qms ms)"
read -r n bad <"$WORK/readers"
[ "$n" -ge 2 ]
ok $? "readers ran $n rounds of ls, snapshots, extract and verify during the backup"
is "$bad" 0 "every reader succeeded and saw only the last complete snapshot"
[ "$bad" -eq 0 ] || sed 's/^/# /' "$WORK/r.err" | head -20
check "verify is clean afterwards" -- timeout 300 "$CLI" verify
is "$(integrity)" ok "SQLite's integrity_check is ok"
digest >"$WORK/digest1"
check "every earlier snapshot is unchanged" -- bash -c 'head -n "$(wc -l <"$1")" "$2" | diff "$1" -' _ "$WORK/digest0" "$WORK/digest1"
vrun --phone "$Q,serial=Q" -- "$CLI" backup --device Q -q >/dev/null 2>&1
ok $? "the refused phone backs up once the library is free"

# --- watch and a manual backup of the same phone at once -----------------------------------
grow b
"$CLI" auto P on --every connect -q
digest >"$WORK/digest2"
p_before=$("$CLI" snapshots --device P --json | json 'len([s for s in d if s["state"] == "complete"])')
cat >"$WORK/both.sh" <<'EOF'
CLI=$1 CTL=$2 WORK=$3
"$CLI" watch >"$WORK/watch.log" 2>"$WORK/watch.err" & watch=$!
for _ in $(seq 300); do grep -q "Watching for phones" "$WORK/watch.log" && break; sleep 0.1; done
"$CTL" plug P
# Once the watch has begun (a manual backup started before the watch even
# saw the phone is a second, legitimate snapshot: no race to count).
for _ in $(seq 600); do grep -Eq "automatic backup started|waiting for another Lifeboat" "$WORK/watch.log" && break; sleep 0.05; done
timeout 120 "$CLI" backup --device P >"$WORK/m.out" 2>"$WORK/m.err"; echo $? >"$WORK/m.rc"
for _ in $(seq 1200); do grep -Eq "P: snapshot .* complete|\(P\) is up to date" "$WORK/watch.log" && break; sleep 0.1; done
kill -INT "$watch"; wait "$watch"; echo $? >"$WORK/watch.rc"
EOF
vrun --speed usb2 --phone "$P,serial=P,plugged=no" -- bash "$WORK/both.sh" "$CLI" "$CTL" "$WORK" >/dev/null 2>&1
mrc=$(cat "$WORK/m.rc")
[ "$mrc" -eq 0 ] || grep -Eq "Another Lifeboat is using this library|Another program is using the phone" "$WORK/m.err"
ok $? "the manual backup next to the watch succeeds or is refused clearly (exit $mrc$(grep -m1 lifeboat-cli: "$WORK/m.err" | sed 's/^/: /'))"
# Whoever came second: the manual backup is refused (phone or library
# taken), or the watch finds the phone backed up since it was plugged in.
grep -Eq "P: snapshot .* complete|\(P\) is up to date" "$WORK/watch.log"
ok $? "the watch backs the phone up, or finds it just backed up"
is "$(( $("$CLI" snapshots --device P --json | json 'len([s for s in d if s["state"] == "complete"])') - p_before ))" 1 \
   "one new complete snapshot of P, whoever took it"
is "$(cat "$WORK/watch.rc")" 0 "the watch stops cleanly"
! grep -qi "error\|failed" "$WORK/watch.log" "$WORK/watch.err"
ok $? "nothing failed in the watch"
check "verify is clean after watch and manual backup" -- timeout 300 "$CLI" verify
digest >"$WORK/digest3"
check "every earlier snapshot is unchanged" -- bash -c 'head -n "$(wc -l <"$1")" "$2" | diff "$1" -' _ "$WORK/digest2" "$WORK/digest3"

# --- a backup and a watch killed -9 together ---------------------------------------------------
grow c
"$CLI" auto Q on --every connect -q
digest >"$WORK/digest4"
cat >"$WORK/kill.sh" <<'EOF'
CLI=$1 CTL=$2 WORK=$3
"$CLI" backup --device P -q >/dev/null 2>&1 & backup=$!
for _ in $(seq 300); do
  "$CLI" snapshots --json 2>/dev/null | grep -q '"running"' && break; sleep 0.05
done
# The watch sees Q docked and queues behind the backup for the library.
"$CLI" watch >"$WORK/watch2.log" 2>&1 & watch=$!
"$CTL" plug Q
sleep 1.5
kill -9 "$backup" "$watch"
wait "$backup" "$watch" 2>/dev/null
echo killed >"$WORK/killed"
EOF
vrun --speed usb2 --phone "$P,serial=P" --phone "$Q,serial=Q,plugged=no" -- bash "$WORK/kill.sh" "$CLI" "$CTL" "$WORK" >/dev/null 2>&1
timeout 60 "$CLI" snapshots --json >"$WORK/after-kill" 2>"$WORK/after-kill.err"
ok $? "after both were killed the library opens"
is "$(json '[s["state"] for s in d if s["device"] == "P"][0]' <"$WORK/after-kill")" interrupted \
   "the killed backup was mid-way: its snapshot is interrupted"
grep -q "Q: waiting for another Lifeboat" "$WORK/watch2.log"
ok $? "the killed watch was queued for the library meanwhile"
check "verify is clean" -- timeout 300 "$CLI" verify
is "$(integrity)" ok "SQLite's integrity_check is ok"
digest >"$WORK/digest5"
check "every earlier snapshot is unchanged" -- bash -c 'head -n "$(wc -l <"$1")" "$2" | diff "$1" -' _ "$WORK/digest4" "$WORK/digest5"
vrun --phone "$P,serial=P" -- "$CLI" backup --device P --json >"$WORK/b-next" 2>/dev/null
is "$?:$(json 'd["state"]' <"$WORK/b-next" 2>/dev/null)" "0:complete" "the next backup completes"
done_testing

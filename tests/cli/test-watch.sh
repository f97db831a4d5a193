#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lifeboat-cli watch: phones backed up by themselves when docked, by the
# policy `lifeboat-cli auto` keeps in the library.  Time is moved with the
# test clock ($LIFEBOAT_TEST_CLOCK, lb-clock.h), never slept through.
. "$(dirname "$0")/../vphone/tap.sh"
plan 46

. "$(dirname "$0")/restore-lib.sh"
export LIFEBOAT_TEST_CLOCK="$WORK/clock"
echo 0 >"$LIFEBOAT_TEST_CLOCK"
for p in A B L Q R S; do "$MAKE_PHONE" "$WORK/$p" --preset small --seed 11 >/dev/null; done
# 2 x 20 MiB at usb2 speed (about 20 MB/s): an unplug 1 s in falls mid-way.
head -c $((20 << 20)) /dev/urandom >"$WORK/R/Internal shared storage/big-1.bin"
head -c $((20 << 20)) /dev/urandom >"$WORK/R/Internal shared storage/big-2.bin"
head -c $((40 << 20)) /dev/urandom >"$WORK/S/Internal shared storage/video.bin"

complete_of () { "$CLI" snapshots --device "$1" --json | json 'len([s for s in d if s["state"] == "complete"])'; }
states_of () { "$CLI" snapshots --device "$1" --json | json '" ".join(s["state"] for s in reversed(d))'; }

# --- the policy ----------------------------------------------------------------------------------
"$CLI" auto >"$WORK/auto0"
ok $? "auto with no phone known succeeds"
grep -q "knows no phone" "$WORK/auto0"
ok $? "and says the library knows no phone yet"
"$CLI" auto A on --every connect --json >"$WORK/autoA"
is "$(json 'd[0]["device"], d[0]["enabled"], d[0]["chosen"], d[0]["every"], d[0]["last_backup"]' <"$WORK/autoA")" \
   "('A', True, True, 'connect', None)" "auto A on --every connect is kept in the library"
"$CLI" auto A sometimes >/dev/null 2>&1
is "$?" 2 "a word other than on or off is a usage error"
"$CLI" auto A on --every fortnightly >/dev/null 2>&1
is "$?" 2 "so is an unknown --every"
"$CLI" auto --keep daily=0 >/dev/null 2>"$WORK/keep0.err"
is "$?" 2 "a keep rule counting 0 is a usage error"
grep -q "Cannot read “daily=0” as a keep rule" "$WORK/keep0.err"
ok $? "which names the rule it cannot read"
"$CLI" auto --keep weekly=4,daily=7 --json >"$WORK/keep1"
is "$(json 'd[0]["keep"]' <"$WORK/keep1")" "daily=7,weekly=4" "auto --keep keeps the rules in the library, for every phone"
"$CLI" auto --keep last=10,daily=30,weekly=12,monthly=24,yearly=10 >"$WORK/keep2"
grep -q "snapshots are pruned to last=10,daily=30,weekly=12,monthly=24,yearly=10\.$" "$WORK/keep2"
ok $? "and the listing says what automatic backups keep"
for p in L R; do "$CLI" auto $p on --every connect -q; done
"$CLI" auto S on -q

# --- one watch, many phones -----------------------------------------------------------------------
# Inside the rig: the steps below, each waiting for the watch's log line
# that ends it (at most 60 s), and marking where it is.
cat >"$WORK/steps.sh" <<'EOF'
CLI=$1 CTL=$2 WORK=$3 BIG1=$4 BIG2=$5
LOG="$WORK/watch.log"
wait_log () {  # wait_log COUNT PATTERN: until PATTERN is in the log COUNT times
  for _ in $(seq 600); do [ "$(grep -c -- "$2" "$LOG")" -ge "$1" ] && return 0; sleep 0.1; done
  echo "timed out waiting for $1 x '$2'" >>"$WORK/steps.err"; return 1
}
mark () { echo "== $*" >>"$LOG"; }
snap () { "$CLI" snapshots --device "$1" --json | python3 -c 'import json,sys; print(len([s for s in json.load(sys.stdin) if s["state"] == "complete"]))'; }

# WATCH_WRAP: a command to run the watch under when debugging (gdb -batch -ex run -ex bt --args).
$WATCH_WRAP "$CLI" watch >>"$LOG" 2>"$WORK/watch.err" & watch=$!
wait_log 1 "Watching for phones"

mark "B never backed up"
"$CTL" plug B; wait_log 1 "(B) is connected and was never backed up"
sleep 2; echo "B=$(snap B)" >>"$WORK/counts"

mark "A plugged"
"$CTL" plug A; wait_log 1 "A: snapshot .* complete"
mark "A replugged"
"$CTL" unplug A; sleep 1; "$CTL" plug A; wait_log 2 "A: snapshot .* complete"
mark "A daily, replugged"
"$CLI" auto A on --every daily -q
"$CTL" unplug A; sleep 1; "$CTL" plug A; wait_log 1 "(A) is up to date; next automatic backup at 20"
sleep 2; echo "A-daily=$(snap A)" >>"$WORK/counts"
mark "25 hours later, A still plugged"
echo 90000 >"$WORK/clock"; wait_log 3 "A: snapshot .* complete"
mark "B turned on while plugged"
"$CLI" auto B on --every connect -q; wait_log 1 "B: snapshot .* complete"

mark "A and B plugged at once"
"$CLI" auto A on --every connect -q
"$CTL" unplug A; "$CTL" unplug B; sleep 1; "$CTL" plug A; "$CTL" plug B
wait_log 4 "A: snapshot .* complete"; wait_log 2 "B: snapshot .* complete"
"$CTL" unplug A; "$CTL" unplug B

mark "L locked"
"$CTL" plug L; wait_log 1 "(L) is connected but locked"
# Docked locked for 12 s of real time, then 10 minutes of the test clock
# in steps: the sessions it opens are counted (the rig's stats).
sleep 0.5; "$CTL" stats L >"$WORK/l-before.json"
sleep 12
for i in $(seq 10); do echo $((90000 + i * 60)) >"$WORK/clock"; sleep 0.3; done
sleep 1; "$CTL" stats L >"$WORK/l-after.json"
echo "L-locked=$(snap L)" >>"$WORK/counts"
mark "L unlocked"
"$CTL" unlock L; wait_log 1 "L: snapshot .* complete"
"$CTL" unplug L

mark "Q charging only"
"$CTL" plug Q; wait_log 1 "(Q) is connected for charging only"
sleep 7
"$CTL" unplug Q

mark "R unplugged mid-backup"
"$CTL" plug R; wait_log 1 "(R): automatic backup started"
# Pulled once one of the two big files is stored, before the other is.
for _ in $(seq 600); do
  [ -e "$WORK/library/blobs/${BIG1:0:2}/$BIG1" ] || [ -e "$WORK/library/blobs/${BIG2:0:2}/$BIG2" ] && break
  sleep 0.05
done
"$CTL" unplug R; wait_log 1 "R: automatic backup failed"
"$CTL" stats >"$WORK/r-before.json"
"$CTL" plug R; wait_log 1 "R: snapshot .* complete"
"$CTL" stats >"$WORK/r-after.json"
"$CTL" unplug R

mark "B kept to its last"
"$CLI" auto --keep last=1 -q
"$CTL" plug B; wait_log 3 "B: snapshot .* complete"; wait_log 1 "B: pruned by the keep rules"
# A connection is due once (lb_auto_due_at) when no snapshot finished at or
# after the second it began: replugged within the second the last backup
# finished, B would count as backed up already (as "A replugged" above,
# it waits a second).
"$CTL" unplug B; sleep 1
mark "B pruned while the library is read"
# hold_byte1 SH|EX NAME: lib/lock's byte 1 (lb-lock.c), shared as a reader
# (the window's browser, an extract) holds it, or exclusive as a prune or a
# library move does, until $WORK/NAME-done exists.
hold_byte1 () {
  python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[2], os.O_RDWR)
fcntl.lockf(fd, getattr(fcntl, "LOCK_" + sys.argv[1]) | fcntl.LOCK_NB, 1, 1)
open(sys.argv[3], "w").close()
while not os.path.exists(sys.argv[3] + "-done"):
    time.sleep(0.05)' "$1" "$WORK/library/lock" "$WORK/$2" & holder=$!
  for _ in $(seq 100); do [ -e "$WORK/$2" ] && break; sleep 0.05; done
}
hold_byte1 SH reading
"$CTL" plug B; wait_log 4 "B: snapshot .* complete"; wait_log 1 "B: pruning put off"
touch "$WORK/reading-done"; wait $holder
"$CTL" unplug B
"$CLI" auto --keep everything -q
mark "While a prune keeps readers out, A plugged"
hold_byte1 EX pruning
"$CTL" plug A; sleep 3
echo "A-during-prune=$(grep -c "A: snapshot .* complete" "$LOG")" >>"$WORK/counts"
touch "$WORK/pruning-done"; wait $holder
wait_log 5 "A: snapshot .* complete"
"$CTL" unplug A

mark "S stopped mid-backup"
"$CTL" plug S; wait_log 1 "(S): automatic backup started"
sleep 0.5
kill -TERM $watch; wait $watch; echo "watch=$?" >>"$WORK/counts"
EOF

vrun --speed usb2 --phone "$WORK/A,serial=A,plugged=no" --phone "$WORK/B,serial=B,plugged=no" \
     --phone "$WORK/L,serial=L,profile=android-locked,plugged=no" --phone "$WORK/Q,serial=Q,profile=charge-only,plugged=no" \
     --phone "$WORK/R,serial=R,plugged=no" --phone "$WORK/S,serial=S,plugged=no" \
     -- bash "$WORK/steps.sh" "$CLI" "$VP/vphone-ctl" "$WORK" \
        "$(sha256sum <"$WORK/R/Internal shared storage/big-1.bin" | cut -c1-64)" \
        "$(sha256sum <"$WORK/R/Internal shared storage/big-2.bin" | cut -c1-64)"
ok $? "the steps ran"
[ ! -s "$WORK/steps.err" ] || { diag "$(cat "$WORK/steps.err")"; sed 's/^/#   /' "$WORK/watch.log"; }
section () { sed -n "/^== $1/,/^== /p" "$WORK/watch.log"; }

grep -q "lifeboat-cli auto B on" "$WORK/watch.log" && grep -qx "B=0" "$WORK/counts"
ok $? "a phone never backed up is not copied; the log says how to turn it on"
is "$(section "A plugged" | grep -c "A: snapshot .* complete")" 1 "a phone on at each connection is backed up when plugged"
is "$(section "A replugged" | grep -c "A: snapshot .* complete")" 1 "and again when replugged"
grep -qx "A-daily=2" "$WORK/counts" && [ "$(section "A daily" | grep -c "automatic backup started")" = 0 ]
ok $? "at most daily: a replug inside the day makes no snapshot"
is "$(section "25 hours later" | grep -c "A: snapshot .* complete")" 1 \
   "once the clock passes the day, the phone that stayed plugged is backed up, without a replug"
is "$(section "B turned on" | grep -c "B: snapshot .* complete")" 1 "turning a plugged phone on (auto B on) starts its backup"
is "$("$CLI" snapshots --device A --json | json '[s["automatic"] for s in d]')" "[True, True, True, True, True]" \
   "every snapshot the watch made is marked automatic (History tells them from those asked for)"
section "A and B plugged at once" | grep -E "automatic backup started|snapshot .* complete" | sed -E 's/^[0-9: -]+//' >"$WORK/ab"
grep -q "A.*started" "$WORK/ab" && grep -q "B.*started" "$WORK/ab" &&
  awk '/started/ { if (open) bad = 1; open = 1 } /complete/ { open = 0 } END { exit bad }' "$WORK/ab" &&
  ! section "A and B plugged at once" | grep -q "pruning put off"
ok $? "two phones plugged at once are both backed up, one after the other; the look-up of one does not put off the other's prune"
grep -qx "L-locked=0" "$WORK/counts" && [ "$(section "L locked" | grep -c "connected but locked")" = 1 ]
ok $? "a locked phone is waited for, and said so once"
sessions='d["operations"].get("OpenSession", 0)'
opened=$(( $(json "$sessions" <"$WORK/l-after.json") - $(json "$sessions" <"$WORK/l-before.json") ))
# Looking again every 3 s, as before StoreAdded was listened for, opened 4
# in the 12 s alone; now one look at most, after 10 minutes (SAFETY_S in
# lb-monitor.c): its session and the listener's.
[ "$opened" -le 2 ]
ok $? "docked locked for 12 s and 10 minutes of the test clock, it is opened $opened times (at most 2)"
is "$(section "L unlocked" | grep -c "L: snapshot .* complete")" 1 "unlocked, it is backed up without a replug"
is "$(section "Q charging" | grep -c "connected for charging only")" 1 "a phone in charging-only mode is said so once, in 7 s"
is "$(section "Q charging" | grep -c "started")" 0 "and not backed up"
section "R unplugged" | grep -E "R: (automatic backup failed|snapshot .* complete|pruned)" | sed -E 's/^[0-9: -]+//; s/ complete.*/ complete/' >"$WORK/r-log"
grep -q "R: automatic backup failed" "$WORK/r-log" && grep -q "R: snapshot [0-9]* complete" "$WORK/r-log"
ok $? "a backup cut by an unplug fails; the next connection completes one"
is "$(states_of R)" "complete" "the interrupted snapshot goes with the prune after the complete one (the default keep rules)"
grep -q "R: pruned by the keep rules: 1 snapshot removed" "$WORK/r-log"
ok $? "and the log says so"
sent_by_r='[p for p in d["phones"] if p["serial"] == "R"][0]["bytes_to_host"]'
sent_before=$(json "$sent_by_r" <"$WORK/r-before.json")
sent_after=$(json "$sent_by_r" <"$WORK/r-after.json")
total=$(find "$WORK/R" -path "$WORK/R/.vphone" -prune -o -type f -printf '%s\n' | awk '{ n += $1 } END { print n }')
# One big file (20 MiB) of the 42 MB was stored before the unplug.
[ $((sent_after - sent_before)) -lt $((total - (19 << 20))) ]
ok $? "and does not read again the file the interrupted one stored ($((sent_after - sent_before)) of $total bytes read)"
grep -qx "watch=0" "$WORK/counts"
ok $? "SIGTERM stops watch with status 0"
section "S stopped" | grep -q "S: backup stopped" && tail -1 "$WORK/watch.log" | grep -q "Stopped."
ok $? "a running backup is interrupted safely, and the log says so"
is "$(states_of S)" "interrupted" "its snapshot is kept as interrupted"
is "$(section "B kept" | grep -c "B: pruned by the keep rules: 2 snapshots removed")" 1 \
   "with auto --keep last=1, B's next automatic backup prunes its 2 older snapshots"
section "B pruned while" | grep -q "B: pruning put off to the next automatic backup" &&
  [ "$(section "B pruned while" | grep -c "B: snapshot .* complete")" = 1 ]
ok $? "while a reader holds the library, the backup completes and the prune is put off"
is "$(complete_of B)" 2 "B keeps the snapshot left by the prune and the one made while the library was read"
grep -qx "A-during-prune=4" "$WORK/counts" && [ "$(section "While a prune keeps" | grep -c "A: snapshot .* complete")" = 1 ] &&
  ! section "While a prune keeps" | grep -q "cannot be read"
ok $? "a phone plugged while a prune keeps readers out waits for it, then is backed up (no library error)"
"$CLI" verify >"$WORK/verify.out" 2>&1
ok $? "the library verifies after the prunes"

# --- another Lifeboat writing: waited for, then decided again ---------------------------------------
# A backup from the command line (phone T, slow) holds the library when S
# becomes due: the watch queues in the kernel for the lock (no polling),
# says so, and backs S up once the library is free.
"$MAKE_PHONE" "$WORK/T" --preset small --seed 12 >/dev/null
head -c $((40 << 20)) /dev/urandom >"$WORK/T/Internal shared storage/video.bin"
cat >"$WORK/lock.sh" <<'EOF2'
CLI=$1 CTL=$2 WORK=$3
"$CLI" watch >"$WORK/watch2.log" 2>&1 & watch=$!
sleep 1
"$CLI" backup --device T -q >"$WORK/manual.out" 2>&1 & manual=$!
sleep 0.5
"$CTL" plug S
wait $manual; echo "manual=$?" >"$WORK/counts2"
for _ in $(seq 600); do grep -q "S: snapshot" "$WORK/watch2.log" && break; sleep 0.1; done
kill -TERM $watch; wait $watch
EOF2
vrun --speed usb2 --phone "$WORK/S,serial=S,plugged=no" --phone "$WORK/T,serial=T" -- bash "$WORK/lock.sh" "$CLI" "$VP/vphone-ctl" "$WORK"
grep -qx "manual=0" "$WORK/counts2"
ok $? "the backup from the command line completes"
grep -q "S: waiting for another Lifeboat to finish with the library" "$WORK/watch2.log" &&
  grep -q "S: snapshot .* complete" "$WORK/watch2.log"
ok $? "the watch waited for the library, then backed S up" || sed 's/^/#   /' "$WORK/watch2.log"

# Two watches on one library (a headless one and, say, the window's
# background process), one phone: exactly one snapshot.  The second either
# waits for the lock and then finds the snapshot fresh, or sees the phone
# busy and later up to date.
"$MAKE_PHONE" "$WORK/U" --preset small --seed 13 >/dev/null
head -c $((20 << 20)) /dev/urandom >"$WORK/U/Internal shared storage/video.bin"
"$CLI" auto U on -q
cat >"$WORK/two.sh" <<'EOF2'
CLI=$1 CTL=$2 WORK=$3
"$CLI" watch >"$WORK/w1.log" 2>&1 & w1=$!
"$CLI" watch >"$WORK/w2.log" 2>&1 & w2=$!
sleep 1
"$CTL" plug U
for _ in $(seq 600); do cat "$WORK/w1.log" "$WORK/w2.log" | grep -q "U: snapshot" && break; sleep 0.1; done
sleep 5
kill -TERM $w1 $w2; wait $w1 $w2
EOF2
vrun --speed usb2 --phone "$WORK/U,serial=U,plugged=no" -- bash "$WORK/two.sh" "$CLI" "$VP/vphone-ctl" "$WORK"
is "$(complete_of U)" 1 "two watches on one library back a phone up once"
is "$(states_of U)" "complete" "and leave no interrupted or failed snapshot behind"
diag "the other watch: $(cat "$WORK/w1.log" "$WORK/w2.log" | grep -E "U: backed up meanwhile|U\) is up to date|(U\)|U:) .*(fail|busy)" | sed -E 's/^[0-9: -]+//' | tr '\n' ' ')"

"$CLI" auto --json >"$WORK/auto1"
is "$(json '[(p["device"], p["enabled"], p["every"]) for p in d]' <"$WORK/auto1")" \
   "[('A', True, 'connect'), ('B', True, 'connect'), ('L', True, 'connect'), ('R', True, 'connect'), ('S', True, 'daily'), ('T', True, 'daily'), ('U', True, 'daily')]" \
   "auto lists every phone the library knows, with its policy"
"$CLI" auto A off -q && "$CLI" auto --json | json '[p["enabled"] for p in d if p["device"] == "A"]' >"$WORK/auto2"
is "$(cat "$WORK/auto2")" "[False]" "auto A off turns it off"

# --- no room on the library's disk ------------------------------------------------------------
# A library on a real 40 MiB tmpfs (a private user and mount namespace, no
# root needed), a phone with 3 MB stored and then 31 MB more: the second
# automatic backup lists the phone, finds it cannot fit, and reads nothing.
"$MAKE_PHONE" "$WORK/F" --preset small --seed 14 >/dev/null
mkdir -p "$WORK/small"
cat >"$WORK/room.sh" <<'EOF2'
CLI=$1 CTL=$2 WORK=$3 LOG="$WORK/room.log"
wait_log () { for _ in $(seq 600); do grep -q -- "$1" "$LOG" && return 0; sleep 0.1; done; echo "timed out: $1" >>"$WORK/room.err"; return 1; }
"$CLI" init "$LIFEBOAT_LIBRARY" -q && "$CLI" auto F on --every connect -q
"$CLI" watch >"$LOG" 2>&1 & watch=$!
"$CTL" plug F; wait_log "F: snapshot .* complete"; "$CTL" unplug F
head -c $((30 << 20)) /dev/urandom >"$WORK/F/Internal shared storage/video.bin"
sleep 1; "$CTL" plug F; "$CTL" stats F >"$WORK/room-before.json"
wait_log "F: automatic backup failed"
"$CTL" stats F >"$WORK/room-after.json"
sleep 1
kill -TERM $watch; wait $watch
EOF2
# The wall clock here, not the test clock the sections above moved.
LIFEBOAT_LIBRARY="$WORK/small/library" env -u LIFEBOAT_TEST_CLOCK unshare -rm bash -c '
  mount -t tmpfs -o size=40m tmpfs "$1" || exit 99
  "$2/vphone-run" --phone "$3/F,serial=F,plugged=no" -- bash "$3/room.sh" "$4" "$2/vphone-ctl" "$3"
  "$4" snapshots --device F --json >"$3/room-snapshots.json"' room "$WORK/small" "$VP" "$WORK" "$CLI" >"$WORK/room.out" 2>&1
if [ $? = 99 ]; then
  skip 5 "this kernel does not let a user namespace mount a tmpfs"
else
  grep -q "F: automatic backup failed: Not enough room for this automatic backup: the library's disk has .* free, and it needs up to .* Make room by pruning" "$WORK/room.log"
  ok $? "an automatic backup that cannot fit says so, with the figures and what to do" || sed 's/^/#   /' "$WORK/room.log" "$WORK/room.out"
  ! sed -n '/automatic backup failed/,$p' "$WORK/room.log" | grep -q "is up to date"
  ok $? "and does not go on to call the phone up to date" || sed 's/^/#   /' "$WORK/room.log"
  reads='d["operations"].get("GetObject", 0)'
  is "$(json "$reads" <"$WORK/room-after.json")" "$(json "$reads" <"$WORK/room-before.json")" \
     "and reads no file from the phone"
  is "$(json '" ".join(s["state"] for s in reversed(d))' <"$WORK/room-snapshots.json")" "complete interrupted" \
     "the earlier snapshot stays complete; the refused one holds only the folders it listed"
  [ ! -s "$WORK/room.err" ]
  ok $? "the steps ran"
fi
done_testing

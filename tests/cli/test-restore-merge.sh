#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A backup of a phone with a memory card, migrated onto a new phone with no
# card slot (most new phones): by default the card's files go onto the
# internal storage, into the same folders, said in one line; declined
# (--no-merge-storages), the internal storage's files go and the card's are
# left out, again in one line.  Every file is checked on the phone.
. "$(dirname "$0")/../vphone/tap.sh"
plan 16

. "$(dirname "$0")/restore-lib.sh"

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset typical --seed 11 >/dev/null
I="$PHONE/Internal shared storage"
C="$PHONE/SD card"
# Paths on both storages: the same content twice (sent once), and a
# different file at the same path (the card's arrives under a numbered name).
mkdir -p "$C/DCIM/Camera" "$C/Documents"
first=$(cd "$I/DCIM/Camera" && ls | sort | head -1)
cp -p "$I/DCIM/Camera/$first" "$C/DCIM/Camera/$first"
head -c 5000 /dev/urandom >"$C/Documents/clash.txt"
head -c 3000 /dev/urandom >"$I/Documents/clash.txt"
cp -a "$PHONE" "$WORK/orig"
vrun --phone "$PHONE,serial=OLD" -- "$CLI" backup -q
ok $? "the phone with a memory card is backed up"

new_phone () { rm -rf "$1"; mkdir -p "$1/Internal shared storage"; }

# --- accepted (the default) -----------------------------------------------------------------
NEW="$WORK/new"
new_phone "$NEW"
vrun --phone "$NEW,serial=NEW,model=Pixel 9" -- "$CLI" restore latest --to-new-device --dry-run >"$WORK/dry" 2>"$WORK/dry.err"
ok $? "the plan for a phone without a card slot can go ahead"
check "it says in one line that the card's files go onto the internal storage" -- \
  grep -q "no storage of its own for “SD card”: its [0-9,]* files to send (.*) go onto Internal shared storage, into the same folders" "$WORK/dry"
[ "$(grep -c "cannot:" "$WORK/dry")" = 0 ]
ok $? "and lists no file as impossible to send"
vrun --stats "$WORK/s1.json" --phone "$NEW,serial=NEW,model=Pixel 9" -- "$CLI" restore latest --to-new-device --json >"$WORK/r1" 2>"$WORK/r1.err"
ok $? "the migration runs"

# File by file: each of the backup's files is on the new phone where the
# plan put it, with the backup's bytes.
check_plan () { # $1 = the restore's JSON, $2 = the phone, $3 = the original phone
  python3 - "$1" "$2" "$3" <<'EOF'
import hashlib, json, os, sys
d = json.load(open(sys.argv[1]))
phone, orig = sys.argv[2], sys.argv[3]
def sha(p):
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
bad, checked = [], 0
for a in d['actions']:
    src = orig + a['path']
    if os.path.isdir(src):
        continue
    if a['action'] not in ('send', 'identical'):
        bad.append('%s: %s' % (a['path'], a['action']))
        continue
    dst = phone + a['target']
    if not os.path.isfile(dst) or sha(dst) != sha(src):
        bad.append('%s -> %s: not there with its bytes' % (a['path'], a['target']))
    checked += 1
print(checked)
for b in bad[:5]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
every_file () { (cd "$1" && find . -path ./.vphone -prune -o -type f -print | wc -l); }
n=$(check_plan "$WORK/r1" "$NEW" "$WORK/orig" 2>"$WORK/check1")
ok $? "every file of both storages is on the new phone with its bytes (checked $n)"
want=$(( $(every_file "$WORK/orig/Internal shared storage") + $(every_file "$WORK/orig/SD card") ))
is "$n" "$want" "the plan placed every file of the backup"
# The card's copy of the internal storage's photo is the same file: one.
file_sends=$(cd "$WORK/orig" && json 'sum(1 for a in d["actions"] if a["action"] == "send" and not __import__("os").path.isdir("." + a["path"]))' <"$WORK/r1")
is "$file_sends" "$((want - 1))" "the same file at the same path on both storages is sent once"
is "$(ops "$WORK/s1.json" SendObject)" "$file_sends" "and the phone received exactly the files the plan sends"
cmp -s "$NEW/Internal shared storage/Documents/clash.txt" "$WORK/orig/Internal shared storage/Documents/clash.txt" &&
  cmp -s "$NEW/Internal shared storage/Documents/clash (2).txt" "$WORK/orig/SD card/Documents/clash.txt"
ok $? "a different card file at the same path arrives as “clash (2).txt”, the internal one keeps its name"
[ -d "$NEW/Internal shared storage/DCIM/Camera" ] && [ ! -e "$NEW/Internal shared storage/DCIM (2)" ] &&
  [ "$(find "$NEW/Internal shared storage" -maxdepth 1 -name 'DCIM*' | wc -l)" = 1 ]
ok $? "the card's DCIM/Camera is merged into the internal storage's, not created beside it"

vrun --stats "$WORK/s1b.json" --phone "$NEW,serial=NEW,model=Pixel 9" -- "$CLI" restore latest --to-new-device -q
is "$?/$(ops "$WORK/s1b.json" SendObject)" "0/0" \
   "run again, the migration sends nothing (not even the renamed card file, under a next number)"

# --- declined -----------------------------------------------------------------------------
NEW2="$WORK/new2"
new_phone "$NEW2"
vrun --phone "$NEW2,serial=NEW2,model=Pixel 9" -- "$CLI" restore latest --to-new-device --no-merge-storages >"$WORK/r2" 2>"$WORK/r2.err"
ok $? "declined, the migration runs"
check "saying in one line that the card is left out" -- grep -q "“SD card” is left out, as asked" "$WORK/r2"
diff -r "$NEW2/Internal shared storage" "$WORK/orig/Internal shared storage" >"$WORK/d2" 2>&1
ok $? "the new phone holds the internal storage exactly, and nothing of the card's"

# --- planning says what it does -------------------------------------------------------------
# Onto the phone itself (2,000 objects to read, nothing to send), on a
# terminal (script(1), as in test-backup.sh): the line counts the objects
# read while the plan is made, instead of a silent wait.
SCRIPT=(env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" script -qec)
vrun --phone "$PHONE,serial=OLD" -- "${SCRIPT[@]}" "env ASAN_OPTIONS='${ASAN_OPTIONS:-}' '$CLI' restore latest" /dev/null >"$WORK/tty" 2>&1
grep -aq $'\r\033\[KReading what the phone holds: [0-9][0-9]* objects' "$WORK/tty"
ok $? "while planning, the progress line counts the phone's objects read" || sed -n l "$WORK/tty" | head -5 | sed 's/^/#   /'

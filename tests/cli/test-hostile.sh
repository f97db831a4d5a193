#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Untrusted phones: hostile names, sizes, dates and folder structures, and a
# phone whose clock is in another time zone.
. "$(dirname "$0")/../vphone/tap.sh"
plan 19

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
cd "$WORK" || exit 1

HOSTILE="$WORK/hostile"
"$MAKE_PHONE" "$HOSTILE" --preset hostile >/dev/null
vrun --phone "$HOSTILE,profile=hostile,serial=EVIL" -- bash -c '
  "$1" ls >"$2/listed" 2>/dev/null
  "$0" backup --json' "$CLI" "$VP/vphone-probe" "$WORK" >"$WORK/b" 2>"$WORK/b.err"
ok $? "the hostile phone is backed up without a crash"
id=$(json 'd["id"]' <"$WORK/b")
# The probe lists loop-a twice (at the top, where the phone says it is, and
# inside loop-b, whose child it claims to be): count objects by handle.
listed=$(awk '{print $1}' "$WORK/listed" | sort -u | wc -l)
held=$("$CLI" ls -r --json "$id" / | json 'len(d)')
# Exactly three objects cannot be placed: the two folders that are each
# other's parent and the file listed in one folder that names another.
# Everything else must be held, lying sizes included.
is "$held" "$((listed - 3))" "every object listed but the 3 that cannot be placed is in the catalog ($listed listed)"
python3 - "$LIB/catalog.db" "$id" >"$WORK/skipped" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT name FROM skipped WHERE snapshot_id = ?", (int(sys.argv[2]),))
print(" ".join(sorted(r[0].rsplit("/", 1)[-1] for r in rows)))
PY
is "$(cat "$WORK/skipped")" "<none> long.bin loop-a short.bin" \
   "what is left out (the cycle, the misplaced file) and what lied about its size are named, nothing else"
is "$(json 'd["skipped"]' <"$WORK/b")" 4 "the backup's report counts those 4"
"$CLI" ls -r --json "$id" / | json '"a/b.jpg" in [x["name"] for x in d] and [x["name"] for x in d].count("dup.jpg") == 2' | grep -qx True
ok $? "hostile names are kept exactly as the phone gave them"

mkdir -p "$WORK/target" "$WORK/canary"
echo keep >"$WORK/canary/passwd"
"$CLI" extract "$id" / --to "$WORK/target" >"$WORK/x" 2>"$WORK/x.err"
ok $? "extracting the hostile snapshot succeeds"
[ "$(cat "$WORK/canary/passwd")" = keep ] && [ "$(find "$WORK" -newer "$WORK/canary/passwd" -not -path "$WORK/target*" -type f | grep -v -e "/x$" -e "/x.err$" | wc -l)" -eq 0 ]
ok $? "nothing was written outside the target folder"
check "each changed name is listed" -- grep -q "renamed: .*a/b.jpg" "$WORK/x.err"
depth=$(find "$WORK/target" -type d | awk -F/ '{print NF}' | sort -n | tail -1)
[ "$depth" -gt 2000 ]
ok $? "the folder chain deeper than PATH_MAX was written ($depth levels)"

# --- a phone in another time zone ------------------------------------------------------
# AOSP's formatDateTime writes local time with no zone, Android offers no
# DateTime property, and libmtp reads dates with mktime: a computer can only
# take a phone's dates in its own zone. So the computer here runs in New
# York (not UTC, DST) and the dates must come out exactly right when the
# phone is in New York too, and exactly the phone's wall clock read in New
# York when the phone is in Auckland (which no client can do better).
PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small >/dev/null
# PHONE-ZONE HOST-ZONE EXTRACTED: every file as "PATH MTIME-ON-PHONE EXTRACTED-MTIME EXPECTED"
# (expected: the phone's wall clock, read in the computer's zone).
dates_of () {
  python3 - "$PHONE" "$3" "$1" "$2" <<'PY'
import os, sys, datetime, zoneinfo
phone, got, pz, hz = sys.argv[1], sys.argv[2], zoneinfo.ZoneInfo(sys.argv[3]), zoneinfo.ZoneInfo(sys.argv[4])
bad = n = 0
for root, dirs, files in os.walk(phone):
    dirs[:] = [d for d in dirs if not (root == phone and d.startswith("."))]
    for f in files:
        rel = os.path.relpath(os.path.join(root, f), phone)
        t = int(os.stat(os.path.join(phone, rel)).st_mtime)
        wall = datetime.datetime.fromtimestamp(t, pz).replace(tzinfo=None)
        want = int(wall.replace(tzinfo=hz).timestamp())
        have = int(os.stat(os.path.join(got, rel)).st_mtime) if os.path.exists(os.path.join(got, rel)) else None
        n += 1
        if have != want:
            bad += 1
            print(f"# {rel}: phone {t}, extracted {have}, expected {want}")
print(f"{n} files, {bad} wrong")
PY
}
NY=America/New_York
TZ=$NY vrun --phone "$PHONE,serial=TZNY,tz=$NY" -- "$CLI" backup --json >"$WORK/tzny" 2>"$WORK/tzny.err" &&
  TZ=$NY "$CLI" extract "$(json 'd["id"]' <"$WORK/tzny")" / --to "$WORK/x-ny" >/dev/null 2>&1
ok $? "a phone and a computer both in New York: backed up and extracted"
n=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)
dates_of $NY $NY "$WORK/x-ny" >"$WORK/d-ny"
is "$(tail -1 "$WORK/d-ny")" "$n files, 0 wrong" "every extracted file has exactly the phone's date"
grep '^#' "$WORK/d-ny" | head -5
TZ=$NY vrun --phone "$PHONE,serial=TZ,tz=Pacific/Auckland" -- "$CLI" backup --json >"$WORK/tz1" 2>/dev/null &&
  TZ=$NY "$CLI" extract "$(json 'd["id"]' <"$WORK/tz1")" / --to "$WORK/x-akl" >/dev/null 2>&1
ok $? "a phone in Auckland, a computer in New York: backed up and extracted"
dates_of Pacific/Auckland $NY "$WORK/x-akl" >"$WORK/d-akl"
is "$(tail -1 "$WORK/d-akl")" "$n files, 0 wrong" "every extracted file has the phone's wall-clock date, read in New York"
grep '^#' "$WORK/d-akl" | head -5
TZ=$NY vrun --stats "$WORK/tz.json" --phone "$PHONE,serial=TZ,tz=Pacific/Auckland" -- "$CLI" backup --json >"$WORK/tz" 2>/dev/null
ok $? "the phone in Auckland backs up a second time"
is "$(gets "$WORK/tz.json")" 0 "the second backup read no file data"

# What lands on the phone. Android keeps the time of the transfer (libmtp
# sends no date; see tests/vphone/README), a true instant whatever the
# zones: it must fall within the restore.
WIPED="$WORK/wiped"
mkdir -p "$WIPED/Internal shared storage"
t0=$(date +%s)
TZ=$NY vrun --phone "$WIPED,serial=TZ,tz=Pacific/Auckland" -- "$CLI" restore latest --device TZ -q >/dev/null 2>"$WORK/tzr.err"
ok $? "the snapshot is restored onto the wiped phone in Auckland"
t1=$(date +%s)
outside=$(find "$WIPED" -path "$WIPED/.vphone" -prune -o -type f -printf '%T@\n' |
          awk -v a="$t0" -v b="$t1" '$1 < a || $1 > b + 1' | wc -l)
is "$(find "$WIPED" -path "$WIPED/.vphone" -prune -o -type f -print | wc -l) $outside" "$n 0" \
   "every file is back, dated the time of its transfer"
# A player takes the date Lifeboat sets; it reads it in its own zone, so in
# the same zone as the computer the date lands exactly.
PLAYER="$WORK/player"
"$MAKE_PHONE" "$PLAYER" --preset small --seed 4 >/dev/null
cp -a "$PLAYER" "$WORK/player.orig"
TZ=$NY vrun --phone "$PLAYER,serial=TZP,profile=player,tz=$NY" -- "$CLI" backup -q >/dev/null 2>&1 &&
  rm -rf "$PLAYER/Internal shared storage/"* &&
  TZ=$NY vrun --phone "$PLAYER,serial=TZP,profile=player,tz=$NY" -- "$CLI" restore latest --device TZP -q >/dev/null 2>&1
ok $? "a player in New York is backed up, wiped and restored from New York"
files_of () { (cd "$1" && find . -path ./.vphone -prune -o -type f -printf '%P %s %T@\n' | sort); }
cmp -s <(files_of "$PLAYER") <(files_of "$WORK/player.orig")
ok $? "every file lands on the player with exactly its original date"
done_testing

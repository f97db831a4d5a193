#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Names a phone changes or refuses: a snapshot holding names with leading
# and trailing white space and characters FAT cannot hold, restored onto a
# new phone's internal storage (names kept as they are) and its memory card
# (Android trims them; the card's file system refuses the rest).
. "$(dirname "$0")/../vphone/tap.sh"
plan 21

. "$(dirname "$0")/restore-lib.sh"
listing () { (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort); }

# --- the old phone: odd names on its internal storage ------------------------------
OLD="$WORK/old"
N="$OLD/Internal shared storage/Names"
mkdir -p "$N/Trip "
echo lead >"$N/ lead.txt"
echo trail >"$N/trail.txt  "
echo colon >"$N/a:b.txt"
echo what >"$N/what?.txt"
echo one >"$N/dup.txt"
echo two >"$N/dup.txt "
echo plain >"$N/plain.txt"
echo photo >"$N/Trip /photo.jpg"
vrun --phone "$OLD,serial=OLD" -- "$CLI" backup --json >"$WORK/b" 2>/dev/null
ok $? "the old phone is backed up"
sid=$(json 'd["id"]' <"$WORK/b")

NEW="$WORK/new"
mkdir -p "$NEW/Internal shared storage" "$NEW/SD card" "$NEW/.vphone"
printf '[SD card]\nkind=removable\n' >"$NEW/.vphone/storages.ini"
run () {  # run STATS OUT ARGS...: lifeboat-cli restore on the new phone
  local stats=$1 out=$2; shift 2
  vrun --stats "$stats" --phone "$NEW,serial=NEW" -- "$CLI" restore "$sid" --to-new-device --json "$@" >"$out" 2>"$out.err"
}

# --- internal storage keeps every name ------------------------------------------------
run "$WORK/i1.json" "$WORK/i1"
ok $? "onto internal storage the restore succeeds"
same_tree "$NEW/Internal shared storage" "$OLD/Internal shared storage"
ok $? "every name arrives exactly as in the snapshot (white space, “:” and “?” included)"
is "$(json '(d["report"]["failed"], d["report"]["notes"])' <"$WORK/i1")" "([], [])" \
   "the report lists nothing refused and nothing renamed"
run "$WORK/i2.json" "$WORK/i2"
is "$(ops "$WORK/i2.json" SendObject)" 0 "a rerun sends nothing"

# --- the memory card: the plan foresees what Android does ----------------------------
MAP=(--map "Internal shared storage=SD card")
run "$WORK/d.json" "$WORK/d" --dry-run "${MAP[@]}"
python3 - "$WORK/d" >"$WORK/d.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
acts = {a["path"].split("/Names/", 1)[-1]: a for a in d["actions"] if "/Names/" in a["path"]}
want = {" lead.txt": "/SD card/Names/lead.txt", "trail.txt  ": "/SD card/Names/trail.txt",
        "Trip ": "/SD card/Names/Trip", "Trip /photo.jpg": "/SD card/Names/Trip/photo.jpg"}
bad = [(k, acts[k]["target"]) for k, v in want.items() if acts[k]["action"] != "send" or acts[k]["target"] != v]
bad += [k for k in (" lead.txt", "trail.txt  ", "Trip ") if "the phone will name it" not in (acts[k]["reason"] or "")]
print(bad); sys.exit(1 if bad else 0)
PY
ok $? "the plan shows the trimmed name the phone will use for files and folders, and says so"
is "$(json "sorted(a['path'].rsplit('/', 1)[-1] for a in d['actions'] if a['action'] == 'cannot' and 'refuse' in a['reason'])" <"$WORK/d")" \
   "['a:b.txt', 'what?.txt']" "it says the card cannot take the names with “:” and “?”"
is "$(json "len([a for a in d['actions'] if a['action'] == 'cannot' and 'same name' in a['reason'] and a['path'].rsplit('/', 1)[-1].startswith('dup.txt')])" <"$WORK/d")" \
   1 "and that “dup.txt ” and “dup.txt” would be one name there, so one of them cannot go"

run "$WORK/s1.json" "$WORK/s1" "${MAP[@]}"
is "$?/$(json 'd["report"]["interrupted"]' <"$WORK/s1")" "1/False" \
   "the restore onto the memory card runs to the end, and fails for what could not go"
is "$(listing "$NEW/SD card/Names" | tr '\n' '|')" "Trip|Trip/photo.jpg|dup.txt|lead.txt|plain.txt|trail.txt|" \
   "the card holds the trimmed names and nothing it refuses"
cmp -s "$NEW/SD card/Names/lead.txt" "$N/ lead.txt" && cmp -s "$NEW/SD card/Names/Trip/photo.jpg" "$N/Trip /photo.jpg"
ok $? "with the snapshot's contents"
is "$(json 'd["report"]["sent"], len(d["report"]["failed"]), d["report"]["notes"]' <"$WORK/s1")" "(5, 3, [])" \
   "the report: 5 sent, the 3 the card cannot take listed, no name other than planned"
is "$(ops "$WORK/s1.json" SendObject)" 5 "only the files the card takes were sent (no refused SendObject)"
run "$WORK/s2.json" "$WORK/s2" "${MAP[@]}"
is "$(ops "$WORK/s2.json" SendObject)/$(ops "$WORK/s2.json" SendObjectInfo)" "0/0" \
   "a rerun sends nothing: the journal and the plan use the phone's names"
is "$(json 'd["report"]["identical"]' <"$WORK/s2")" 5 "and counts the 5 as already there"
# A backup reads any file dated within FRESH_SECONDS (2) of its listing,
# which might still be growing (lb-backup.c reusable_date): the restore
# above may have ended a second ago.
sleep 3
vrun --stats "$WORK/nb.json" --phone "$NEW,serial=NEW" -- "$CLI" backup -q
ok $? "the new phone is backed up"
is "$(ops "$WORK/nb.json" GetObject)" 0 "without reading a restored file: the journal names them as the phone does"

# --- --rename-invalid picks names the card takes -----------------------------------------
rm -rf "$NEW/SD card/"*
run "$WORK/r1.json" "$WORK/r1" "${MAP[@]}" --rename-invalid
ok $? "with --rename-invalid the restore succeeds"
is "$(listing "$NEW/SD card/Names" | tr '\n' '|')" "Trip|Trip/photo.jpg|a_b.txt|dup (2).txt|dup.txt|lead.txt|plain.txt|trail.txt|what_.txt|" \
   "the names the card refuses arrive as the plan said (“a_b.txt”, “what_.txt”, “dup (2).txt”)"
is "$(json 'd["report"]["sent"], d["report"]["failed"], d["report"]["notes"]' <"$WORK/r1")" "(8, [], [])" \
   "the report: all 8 sent, none refused, none named otherwise than planned"
run "$WORK/r2.json" "$WORK/r2" "${MAP[@]}" --rename-invalid
is "$(ops "$WORK/r2.json" SendObject)" 0 "a rerun sends nothing"
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Finding things through lifeboat-cli.  "Deleted from the phone": a photo
# deleted and one moved between two backups; the deleted one is listed with
# the snapshots that last had it and first lacked it, the moved one as
# moved; restoring the deleted one from its last snapshot puts back that
# file and nothing else.  Search: a renamed file is found under each name
# in the snapshots that had it.
. "$(dirname "$0")/../vphone/tap.sh"
plan 14

. "$(dirname "$0")/restore-lib.sh"

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small --seed 12 >/dev/null
CAM="$PHONE/Internal shared storage/DCIM/Camera"
gone=$(cd "$CAM" && ls | sort | sed -n 1p)
moved=$(cd "$CAM" && ls | sort | sed -n 2p)
cp -a "$PHONE" "$WORK/orig"
vrun --phone "$PHONE,serial=DEL" -- "$CLI" backup --json >"$WORK/b1" 2>/dev/null
ok $? "the phone is backed up"
id1=$(json 'd["id"]' <"$WORK/b1")

"$CLI" deleted >"$WORK/none" 2>&1
ok $? "with one snapshot, deleted runs"
check "and says nothing was deleted" -- grep -q "Nothing was deleted" "$WORK/none"

rm "$CAM/$gone"
mkdir -p "$PHONE/Internal shared storage/Pictures/Kept"
mv "$CAM/$moved" "$PHONE/Internal shared storage/Pictures/Kept/$moved"
vrun --phone "$PHONE,serial=DEL" -- "$CLI" backup --json >"$WORK/b2" 2>/dev/null
id2=$(json 'd["id"]' <"$WORK/b2")
"$CLI" deleted --json >"$WORK/d.json"
ok $? "after the second backup, deleted --json runs"
is "$(json 'sorted((x["path"].split("/")[-1], x["last_snapshot"], x["gone_snapshot"], x["moved_to"] is None) for x in d)' <"$WORK/d.json")" \
   "$(python3 -c "print(sorted([('$moved', $id1, $id2, False), ('$gone', $id1, $id2, True)]))")" \
   "the deleted photo and the moved one, each last in snapshot $id1 and gone by $id2"
is "$(json '[x["moved_to"] for x in d if x["moved_to"]][0]' <"$WORK/d.json")" \
   "/Internal shared storage/Pictures/Kept/$moved" "the moved one says where it is now"
"$CLI" deleted >"$WORK/d.txt"
check "the listing for people says moved, and where" -- grep -q "$moved (.*): moved; last here in snapshot $id1 .*, now at /Internal shared storage/Pictures/Kept/$moved" "$WORK/d.txt"

# Put the deleted one back from the snapshot that last had it.
path=$(json '[x["path"] for x in d if not x["moved_to"]][0]' <"$WORK/d.json")
cp -a "$PHONE" "$WORK/want"
cp -p "$WORK/orig/Internal shared storage/DCIM/Camera/$gone" "$WORK/want/Internal shared storage/DCIM/Camera/$gone"
vrun --stats "$WORK/s.json" --phone "$PHONE,serial=DEL" -- "$CLI" restore "$id1" --only "$path" -q
ok $? "restoring it from snapshot $id1 succeeds"
diff -r -x .vphone "$PHONE" "$WORK/want" >"$WORK/diff" 2>&1 && [ "$(ops "$WORK/s.json" SendObject)" = 1 ]
ok $? "the phone holds exactly that file back (diff -r), and it was the only file sent"

# --- search across the history ----------------------------------------------------------
mv "$PHONE/Internal shared storage/Documents/notes.txt" "$PHONE/Internal shared storage/Documents/diary.txt"
vrun --phone "$PHONE,serial=DEL" -- "$CLI" backup --json >"$WORK/b3" 2>/dev/null
id3=$(json 'd["id"]' <"$WORK/b3")
"$CLI" find NOTES --json >"$WORK/f-old" && "$CLI" find diary --json >"$WORK/f-new"
ok $? "find runs, by the old name and the new one"
is "$(json '[(x["path"], x["snapshots"]) for x in d]' <"$WORK/f-old")" \
   "[('/Internal shared storage/Documents/notes.txt', [$id1, $id2])]" "the old name finds the snapshots before the rename"
is "$(json '[(x["path"], x["snapshots"]) for x in d]' <"$WORK/f-new")" \
   "[('/Internal shared storage/Documents/diary.txt', [$id3])]" "the new name the one after"
[ "$(json 'd[0]["sha256"]' <"$WORK/f-old")" = "$(json 'd[0]["sha256"]' <"$WORK/f-new")" ] &&
  "$CLI" find "" --from 2100-01-01 | grep -q "No file of that name" &&
  ! "$CLI" find x --from yesterday 2>"$WORK/f.err" && grep -q "YEAR-MONTH-DAY" "$WORK/f.err"
ok $? "both are the same content; a date range with nothing in it finds nothing; a bad date is explained"
"$CLI" find diary | grep -q ": in snapshot $id3\$" && "$CLI" find NOTES | grep -q ": in snapshots $id1[–-]$id2\$"
ok $? "for people: 'in snapshot N' for one, 'in snapshots N–M' for more"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Restore and migrate through lifeboat-cli: a wiped phone, a new handset, a
# phone too small, conflicts, resuming, selective restores and --mirror.
. "$(dirname "$0")/../vphone/tap.sh"
plan 50

. "$(dirname "$0")/restore-lib.sh"
CTL="$VP/vphone-ctl"

# --- a toddler wiped the phone (android) ------------------------------------------------
PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset typical --seed 6 >/dev/null
cp -a "$PHONE" "$WORK/orig"
vrun --phone "$PHONE,serial=KID" -- "$CLI" backup -q
ok $? "the phone is backed up"
rm -rf "$PHONE/Internal shared storage/"* "$PHONE/SD card/"*
vrun --phone "$PHONE,serial=KID" -- "$CLI" restore latest --json >"$WORK/r1" 2>"$WORK/r1.err"
ok $? "the wiped phone is restored"
same_tree "$PHONE" "$WORK/orig"
ok $? "diff -r between the restored phone and the original is empty"
is "$(json 'd["report"]["dates_lost"] == d["report"]["sent"] > 0' <"$WORK/r1")" True \
   "on Android the report says the dates could not be kept (the phone sets the transfer time)"
# A file dated within 2 s of the listing may still be growing, and the
# backup reads it whatever the journal says (lb-backup.c reusable_date);
# the phone dates restored files with the transfer time, so wait that out.
sleep 3
vrun --stats "$WORK/after.json" --phone "$PHONE,serial=KID" -- "$CLI" backup --json >"$WORK/b2" 2>/dev/null
ok $? "the next backup succeeds"
is "$(ops "$WORK/after.json" GetObject)" 0 "and reads no file data: the journal knows the restored files"

# --- resuming: a rerun sends nothing that is already there ----------------------------------
vrun --stats "$WORK/rerun.json" --phone "$PHONE,serial=KID" -- "$CLI" restore latest --json >"$WORK/r2" 2>/dev/null
ok $? "running the same restore again succeeds"
is "$(ops "$WORK/rerun.json" SendObject)" 0 "and sends nothing (no SendObject)"

# --- the player keeps dates and playlists ----------------------------------------------------
# A small player with one album and one playlist keeps this quick.
PLAYER="$WORK/player"
"$MAKE_PHONE" "$PLAYER" --preset small --seed 7 >/dev/null
album=$(cd "$PLAYER/Internal shared storage" && find Music -name '*.mp3' | sort)
mkdir -p "$PLAYER/.vphone"
{
  printf '[object 1]\nkind=album\nstorage=Internal shared storage\nname=Homogenic.alb\nartist=Björk\nmtime=1700000000\nmembers='
  printf '%s;' $(echo "$album" | sed 's/ /\\s/g')
  printf '\n\n[object 2]\nkind=playlist\nstorage=Internal shared storage\nname=Evening.pla\nmtime=1700000000\nmembers='
  printf '%s;' $(echo "$album" | sort -r | sed 's/ /\\s/g')
  printf '\n'
} >"$PLAYER/.vphone/objects.ini"
vrun --phone "$PLAYER,serial=MP3,profile=player" -- bash -c 'mtp-playlists; mtp-albums' 2>/dev/null | grep -E "Name:|^      [0-9]+:|Tracks:" | sed 's/^ *[0-9]*: *//' >"$WORK/lists.before"
# Without this the comparison below would hold for two empty lists.
[ "$(grep -cE "Name: +(Homogenic|Evening)$" "$WORK/lists.before")" = 2 ] && [ "$(grep -c "\.mp3$" "$WORK/lists.before")" = 3 ]
ok $? "the player shows its album and its playlist, with their tracks"
cp -a "$PLAYER" "$WORK/player.orig"
vrun --phone "$PLAYER,serial=MP3,profile=player" -- "$CLI" backup -q
rm -rf "$PLAYER/Internal shared storage/"* "$PLAYER/SD card/"* "$PLAYER/.vphone/objects.ini"
vrun --phone "$PLAYER,serial=MP3,profile=player" -- "$CLI" restore latest --json >"$WORK/r3" 2>"$WORK/r3.err"
r3=$?
cmp -s <(files_of "$PLAYER") <(files_of "$WORK/player.orig")
ok $? "every file is back with its original modification time"
vrun --phone "$PLAYER,serial=MP3,profile=player" -- bash -c 'mtp-playlists; mtp-albums' 2>/dev/null | grep -E "Name:|^      [0-9]+:|Tracks:" | sed 's/^ *[0-9]*: *//' >"$WORK/lists.after"
# The snapshot holds the abstract list objects (Evening.pla, Homogenic.alb)
# as files too: a restore that sent them as files could not then create the
# lists under names now taken, and exited 1.
[ "$r3" -eq 0 ] && cmp -s "$WORK/lists.before" "$WORK/lists.after"
ok $? "the wiped player is restored, playlists and albums with the same members in the same order"
is "$(json 'd["report"]["dates_lost"]' <"$WORK/r3")" 0 "no date was lost on the player"
# The same player with SendObjectPropList: libmtp then creates every folder,
# file and list through it (send_file_object_info, create_new_abstract_list).
rm -rf "$PLAYER/Internal shared storage/"* "$PLAYER/SD card/"* "$PLAYER/.vphone/objects.ini"
vrun --stats "$WORK/r4.json" --phone "$PLAYER,serial=MP3,profile=player-proplist" -- "$CLI" restore latest --json >"$WORK/r4" 2>"$WORK/r4.err"
ok $? "the wiped player is restored through SendObjectPropList"
same_tree "$PLAYER" "$WORK/player.orig" && cmp -s <(files_of "$PLAYER") <(files_of "$WORK/player.orig")
ok $? "diff -r with the original is empty, and every date is kept"
# One SendObject per file, and an empty one after each list's
# SendObjectPropList (libmtp's create_new_abstract_list sends it).
[ "$(ops "$WORK/r4.json" SendObjectPropList)" -gt 0 ] && [ "$(ops "$WORK/r4.json" SendObjectInfo)" = 0 ] &&
  [ "$(ops "$WORK/r4.json" SendObject)" = $(($(files_of "$WORK/player.orig" | wc -l) + 2)) ]
ok $? "the rig saw SendObjectPropList and one SendObject per file and list, never SendObjectInfo"
vrun --phone "$PLAYER,serial=MP3,profile=player-proplist" -- bash -c 'mtp-playlists; mtp-albums' 2>/dev/null | grep -E "Name:|^      [0-9]+:|Tracks:" | sed 's/^ *[0-9]*: *//' >"$WORK/lists.after2"
cmp -s "$WORK/lists.before" "$WORK/lists.after2"
ok $? "its playlists and albums are back too"

# --- migration to a new handset ---------------------------------------------------------------
# A two-storage phone smaller than `typical` keeps the rest of this suite quick.
MEDIUM="$WORK/medium"
"$MAKE_PHONE" "$MEDIUM" --preset small --seed 8 >/dev/null
mkdir -p "$MEDIUM/SD card/DCIM" "$MEDIUM/.vphone"
cp -p "$MEDIUM/Internal shared storage/DCIM/Camera/"* "$MEDIUM/SD card/DCIM/"
head -c 20000000 /dev/urandom >"$MEDIUM/SD card/DCIM/clip.mp4"
printf '[SD card]\nkind=removable\n' >"$MEDIUM/.vphone/storages.ini"
cp -a "$MEDIUM" "$WORK/medium.orig"
vrun --phone "$MEDIUM,serial=MEDIUM" -- "$CLI" backup --json >"$WORK/mb" 2>/dev/null
mid=$(json 'd["id"]' <"$WORK/mb")
NEW="$WORK/new"
mkdir -p "$NEW/Phone storage" "$NEW/Memory card" "$NEW/.vphone"
printf '[Phone storage]\nkind=fixed\n[Memory card]\nkind=removable\n' >"$NEW/.vphone/storages.ini"
vrun --phone "$NEW,serial=NEWPHONE,model=Pixel 9" -- "$CLI" restore "$mid" >"$WORK/m1" 2>"$WORK/m1.err"
is "$?" 1 "restoring onto another phone without --to-new-device fails"
check "and says how to ask for it" -- grep -q -- "--to-new-device" "$WORK/m1.err"
[ -z "$(find "$NEW" -mindepth 2 -not -path "$NEW/.vphone*" | head -1)" ]
ok $? "nothing was written to the new phone"
vrun --phone "$NEW,serial=NEWPHONE,model=Pixel 9" -- "$CLI" restore "$mid" --to-new-device --json >"$WORK/m2" 2>"$WORK/m2.err"
ok $? "with --to-new-device the snapshot goes onto the new phone"
same_tree "$NEW/Phone storage" "$WORK/medium.orig/Internal shared storage" && same_tree "$NEW/Memory card" "$WORK/medium.orig/SD card"
ok $? "internal storage and SD card land on the storages of the same kind"

# --- a phone too small ---------------------------------------------------------------------
SMALL="$WORK/small"
mkdir -p "$SMALL/Internal shared storage" "$SMALL/SD card"
vrun --phone "$SMALL,serial=TINY,capacity=2M" -- "$CLI" restore "$mid" --to-new-device >"$WORK/t1" 2>"$WORK/t1.err"
is "$?" 1 "a restore that cannot fit is refused"
check "before writing, saying by how much per storage" -- grep -q "needs .* more space" "$WORK/t1.err"
[ -z "$(find "$SMALL" -mindepth 2 | head -1)" ]
ok $? "the small phone is untouched"

# --- full part-way, then carried on ---------------------------------------------------------
# The disk fills 2 MB into the restore.  Android answers the failed write
# GeneralError, not StoreFull (MtpServer::doSendObject), and deletes the
# partial file; Lifeboat reads the free space again to say why.
FULL="$WORK/full"
mkdir -p "$FULL/Internal shared storage" "$FULL/SD card"
VPHONE_DEBUG=1 vrun --phone "$FULL,serial=FULL,store-full-after-bytes=2000000" -- bash -c '
  "$0" restore "$1" --to-new-device --json >"$3/f1" 2>"$3/f1.err"; echo "first=$?" >"$3/f1.rc"
  (cd "$3/full" && find . -path ./.vphone -prune -o -type f -print | sort) >"$3/f1.files"
  "$2" fault FULL clear
  "$0" restore "$1" --to-new-device -q; echo "second=$?" >"$3/f2.rc"' "$CLI" "$mid" "$CTL" "$WORK" 2>"$WORK/f.debug"
is "$(cat "$WORK/f1.rc")" first=1 "a phone that fills up part-way stops the restore"
check "the phone answered that SendObject GeneralError, as Android does" -- grep -q "SendObject(.*) -> 0x2002" "$WORK/f.debug"
check "the error says the phone's storage is probably full" -- grep -q "storage is probably full" "$WORK/f1.err"
check "and that the rerun carries on" -- grep -q "Run the same restore again" "$WORK/f1.err"
is "$(json 'd["report"]["sent"] > 0' <"$WORK/f1")" True "the report says what was sent before that"
( cd "$FULL" && while read -r f; do cmp -s "$f" "$WORK/medium.orig/$f" || echo "$f"; done ) <"$WORK/f1.files" >"$WORK/f1.partial"
[ -s "$WORK/f1.files" ] && [ ! -s "$WORK/f1.partial" ]
ok $? "every file left on the phone is whole: nothing half-sent stays"
is "$(cat "$WORK/f2.rc")" second=0 "after space is freed (vphone-ctl fault clear) the same restore completes"
same_tree "$FULL" "$WORK/medium.orig"
ok $? "and the phone matches the snapshot"

# --- unplugged in the middle, replugged, run again -------------------------------------------------
UNP="$WORK/unplug"
mkdir -p "$UNP/Internal shared storage" "$UNP/SD card"
# keep-partial: this phone keeps a half-received file when the cable comes out.
vrun --speed usb2 --phone "$UNP,serial=UNP,keep-partial" -- bash -c '
  "$0" restore "$1" --to-new-device -q 2>/dev/null & pid=$!
  sleep 0.5; "$2" unplug UNP; wait $pid; echo "first=$?"
  "$2" plug UNP; sleep 0.3
  "$0" restore "$1" --to-new-device -q; echo "second=$?"' "$CLI" "$mid" "$CTL" >"$WORK/unp" 2>&1
check "a restore cut by an unplug fails" -- grep -q "^first=1$" "$WORK/unp"
check "after replugging, the same restore completes" -- grep -q "^second=0$" "$WORK/unp"
same_tree "$UNP" "$WORK/medium.orig"
ok $? "and the phone matches the snapshot: the half-sent copy was recognised and replaced"

# --- conflicts, --only and --mirror -------------------------------------------------------------
target="$PHONE/Internal shared storage/Documents/$(ls "$WORK/orig/Internal shared storage/Documents" | head -1)"
echo "the phone's own newer notes" >"$target"
vrun --phone "$PHONE,serial=KID" -- "$CLI" restore latest --device KID --json >"$WORK/c1" 2>"$WORK/c1.err"
ok $? "a restore onto a phone holding a different file at a snapshot path succeeds"
is "$(cat "$target")" "the phone's own newer notes" "a different file at a snapshot path is kept"
stem=$(basename "${target%.*}")
ls "$(dirname "$target")" | grep -q "^$stem (restored [0-9-]*)\\." 
ok $? "ours arrives beside it under the “(restored DATE)” name"
is "$(json 'len([a for a in d["actions"] if a["action"] == "conflict"])' <"$WORK/c1")" 1 "the report lists the conflict"
rm -rf "$PHONE/Internal shared storage/Music" "$PHONE/Internal shared storage/Download"
vrun --phone "$PHONE,serial=KID" -- "$CLI" restore latest --device KID --only "/Internal shared storage/Music" -q
[ -d "$PHONE/Internal shared storage/Music" ] && [ ! -d "$PHONE/Internal shared storage/Download" ]
ok $? "--only restores the named folder and nothing else"
same_tree "$PHONE/Internal shared storage/Music" "$WORK/orig/Internal shared storage/Music"
ok $? "and all of it"
echo extra >"$PHONE/Internal shared storage/Documents/extra.txt"
vrun --phone "$PHONE,serial=KID" -- "$CLI" restore latest --device KID --only "/Internal shared storage/Documents" -q
[ -f "$PHONE/Internal shared storage/Documents/extra.txt" ]
ok $? "without --mirror an extra file on the phone stays"
vrun --phone "$PHONE,serial=KID" -- "$CLI" restore latest --device KID --mirror --only "/Internal shared storage/Documents" -q
[ ! -e "$PHONE/Internal shared storage/Documents/extra.txt" ] && same_tree "$PHONE/Internal shared storage/Documents" "$WORK/orig/Internal shared storage/Documents"
ok $? "--mirror removes it and makes the folder match the snapshot exactly"

# --- the hostile snapshot onto a normal phone ------------------------------------------------------
HOSTILE="$WORK/hostile"
"$MAKE_PHONE" "$HOSTILE" --preset hostile >/dev/null
vrun --phone "$HOSTILE,profile=hostile,serial=EVIL" -- "$CLI" backup --json >"$WORK/h" 2>"$WORK/h.err"
ok $? "the hostile phone is backed up"
hid=$(json 'd["id"]' <"$WORK/h")
CLEAN="$WORK/clean"
mkdir -p "$CLEAN/Internal shared storage"
vrun --phone "$CLEAN,serial=CLEAN" -- "$CLI" restore "$hid" --to-new-device --only "/Internal shared storage/hostile" --json >"$WORK/h1" 2>"$WORK/h1.err"
is "$?" 1 "a restore that must leave out names the phone would refuse exits 1"
# The snapshot holds two files named dup.jpg in one folder (the hostile
# phone lists them so); a phone takes one, and refuses the second
# (GeneralError, as AOSP's storage manager does): the plan must say so, not
# find it out by a failed send.  Every failure is then one the plan named.
is "$(json 'sorted(set(d["report"]["failed"]) ^ set(a["path"] + ": " + a["reason"] for a in d["actions"] if a["action"] == "cannot"))' <"$WORK/h1")" \
   "[]" "nothing fails but what the plan refused"
is "$(json '[a["reason"] for a in d["actions"] if a["action"] == "cannot" and a["path"].endswith("/dup.jpg")]' <"$WORK/h1")" \
   "['another file or folder of the snapshot gets the same name on the phone, “dup.jpg”']" \
   "the second dup.jpg is refused in the plan, with the reason"
names='[a["path"].rsplit("/", 1)[-1] for a in d["actions"] if a["action"] == "cannot" and "refuse" in (a["reason"] or "")]'
is "$(json "set(['.', '..', 'b.jpg', 'passwd', 'slashes']) <= set($names) and any(len(n.encode()) > 255 for n in $names)" <"$WORK/h1")" \
   True "each name the phone would refuse is reported (slashes, dot, dot-dot, too long)"
vrun --phone "$CLEAN,serial=CLEAN" -- "$CLI" restore "$hid" --to-new-device --only "/Internal shared storage/hostile" --rename-invalid --json >"$WORK/h2" 2>"$WORK/h2.err"
ok $? "the same restore with --rename-invalid succeeds"
[ "$(json 'len([a for a in d["actions"] if a["action"] == "cannot"]), d["report"]["failed"]' <"$WORK/h2")" = "(0, [])" ] &&
  [ -n "$(ls "$CLEAN/Internal shared storage/hostile" | grep '^a_b.jpg$')" ] &&
  [ -n "$(ls "$CLEAN/Internal shared storage/hostile" | grep '^漢.*\.txt$')" ]
ok $? "--rename-invalid makes them acceptable (the name too long is shortened and lands), lists each change, and the phone takes every one"
done_testing

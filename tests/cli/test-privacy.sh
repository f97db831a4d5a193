#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The library holds someone's photos: its folders are 0700 and its files
# 0600 whatever the umask, extracted files follow the umask, a library
# folder of another user is refused and one others can open is made
# private, and symlinks planted in (or swapped into) an extract or a
# move-library target never make Lifeboat write through them.  The tests
# run as root, where no permission is ever refused: they read the modes
# and owners themselves.
. "$(dirname "$0")/../vphone/tap.sh"
plan 68

CLI="$top_builddir/src/cli/lifeboat-cli"
PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
ME=$(id -u)
"$MAKE_PHONE" "$PHONE" --preset small --seed 12 >/dev/null
cd "$WORK" || exit 1

# Every folder 700 and every file 600, all ours: prints what is not.
not_private () { find "$1" \( ! -user "$ME" -o \( -type d ! -perm 700 \) -o \( ! -type d ! -perm 600 \) \) -printf '%m %u %p\n'; }
# Prints what differs from folders $2 and files $3.
not_mode () { find "$1" \( \( -type d ! -perm "$2" \) -o \( -type f ! -perm "$3" \) \) -printf '%m %p\n'; }

# --- modes under three umasks ---------------------------------------------------------
for um in 000 022 077; do
  LIB="$WORK/lib-$um"
  export LIFEBOAT_LIBRARY="$LIB"
  (
    umask "$um"
    "$CLI" init "$LIB" >/dev/null 2>"$WORK/init.err" &&
      vrun --phone "$PHONE,serial=P$um" -- "$CLI" backup -q 2>>"$WORK/err-$um" &&
      echo "new in run $um" >"$INT/Download/new-$um.txt" &&
      vrun --phone "$PHONE,serial=P$um" -- "$CLI" backup -q 2>>"$WORK/err-$um"
  )
  ok $? "umask $um: init and two backups"
  is "$(not_private "$LIB")" "" "umask $um: after backup every folder is 700 and every file 600, all ours"
  # SQLite's -wal and -shm exist only while the catalog is open: a stalled
  # phone holds the backup with the library open.
  ( umask "$um"; vrun --phone "$PHONE,serial=P$um,stall=1" -- "$CLI" backup -q 2>>"$WORK/err-$um" ) &
  bg=$!
  for _ in $(seq 100); do [ -e "$LIB/catalog.db-shm" ] && [ -e "$LIB/catalog.db-wal" ] && break; sleep 0.05; done
  is "$(stat -c '%a %u' "$LIB/catalog.db-wal" "$LIB/catalog.db-shm" 2>&1 | tr '\n' ' ')" "600 $ME 600 $ME " \
     "umask $um: the open catalog's -wal and -shm are 600 too"
  wait "$bg"
  ( umask "$um"; "$CLI" prune --keep-last 1 -q 2>>"$WORK/err-$um" )
  ok $? "umask $um: prune"
  is "$(not_private "$LIB")" "" "umask $um: after prune too"
  ( umask "$um"; "$CLI" extract latest / --to "$WORK/x-$um/new" -q 2>>"$WORK/err-$um" )
  ok $? "umask $um: extract"
  dmode=$(printf '%o' $((0777 & ~0$um))); fmode=$(printf '%o' $((0666 & ~0$um)))
  is "$(not_mode "$WORK/x-$um/new" "$dmode" "$fmode")" "" "umask $um: extracted folders are $dmode and files $fmode, as the umask says"
  # Folder dates are set last, walking up through "..": still the phone's.
  is "$(cd "$WORK/x-$um/new/Internal shared storage" && find . -mindepth 1 -type d -printf '%P %T@\n' | sed 's/\.[0-9]*$//' | sort)" \
     "$(cd "$INT" && find . -mindepth 1 -type d -printf '%P %T@\n' | sed 's/\.[0-9]*$//' | sort)" "umask $um: extracted folders carry the phone's dates"
  ( umask "$um"; "$CLI" move-library "$WORK/moved-$um" -q 2>>"$WORK/err-$um" )
  ok $? "umask $um: move-library"
  is "$(not_private "$WORK/moved-$um")" "" "umask $um: the moved library is private too"
  [ ! -e "$LIB" ] && [ -f "$WORK/moved-$um/catalog.db" ]
  ok $? "umask $um: and it did move"
done

# --- a library folder others can open, or another user's ----------------------------
LIB="$WORK/moved-022"
export LIFEBOAT_LIBRARY="$LIB"
chmod 0777 "$LIB"
"$CLI" snapshots >/dev/null 2>"$WORK/loose.err"
ok $? "a library folder everyone may write still opens"
is "$(stat -c %a "$LIB")" 700 "and is made 700"
check "with a warning that says why" -- grep -q "^lifeboat-cli: warning: The library folder $LIB could be read or changed by other users (its permissions were 777); it is now private" "$WORK/loose.err"
chmod 0750 "$LIB"
"$CLI" snapshots >/dev/null 2>"$WORK/loose2.err"
is "$(stat -c %a "$LIB")" 700 "one its group may read is made 700 as well"
check "again with the warning" -- grep -q "permissions were 750" "$WORK/loose2.err"
"$CLI" snapshots >/dev/null 2>"$WORK/tight.err"
is "$(cat "$WORK/tight.err")" "" "a private library opens without a word"

before=$(find "$LIB" -printf '%p %s %T@\n' | sort)
chown 4242 "$LIB"
"$CLI" snapshots >/dev/null 2>"$WORK/other.err"
is "$?" 1 "a library folder of another user is refused"
check "saying whose it is and what to do" -- grep -q "belongs to another user (user id 4242).*chown" "$WORK/other.err"
vrun --phone "$PHONE,serial=P022" -- "$CLI" backup -q 2>"$WORK/other-backup.err"
is "$?" 1 "a backup into it is refused too"
chown "$ME" "$LIB"
is "$(find "$LIB" -printf '%p %s %T@\n' | sort)" "$before" "and nothing in it was created or changed"

mkdir -m 0777 "$WORK/open-dest"
"$CLI" move-library "$WORK/open-dest" -q 2>"$WORK/open-dest.err"
ok $? "move-library into an existing folder everyone may write"
is "$(not_private "$WORK/open-dest")" "" "leaves a private library there"
is "$(cat "$WORK/open-dest.err")" "" "quietly: the folder held nothing of the user's yet"
LIB="$WORK/open-dest"
export LIFEBOAT_LIBRARY="$LIB"
mkdir "$WORK/their-dest"
chown 4242 "$WORK/their-dest"
"$CLI" move-library "$WORK/their-dest" 2>"$WORK/their-dest.err"
is "$?" 1 "move-library into another user's folder is refused"
check "saying why" -- grep -q "belongs to another user" "$WORK/their-dest.err"
is "$(ls -A "$WORK/their-dest")" "" "and leaves nothing there"
[ -f "$LIB/catalog.db" ]
ok $? "the library stays where it was"

# --- symlinks planted in a move-library target ------------------------------------------
OUT="$WORK/outside"
mkdir -p "$OUT/dir"
echo "someone's photo" >"$OUT/dir/photo.jpg"
echo "someone's file" >"$OUT/file"
outside () { find "$OUT" -printf '%p %s %T@ %m\n' | sort; }
outside_before=$(outside)
# What a move that crashed leaves (its marker), but with our folders and
# catalog swapped for symlinks to the user's other files.
T="$WORK/planted"
mkdir -p "$T"
touch "$T/.lifeboat-move-incomplete"
ln -s "$OUT/dir" "$T/blobs"
ln -s "$OUT/dir" "$T/tmp"
ln -s "$OUT/file" "$T/catalog.db.partial"
ln -s "$OUT/file" "$T/catalog.db-wal"
"$CLI" move-library "$T" -q 2>"$WORK/planted.err"
ok $? "move-library into a folder an unfinished move left, with symlinks planted in it"
is "$(outside)" "$outside_before" "nothing the symlinks pointed to was removed, written or changed"
is "$(find "$T" -type l)" "" "the symlinks are gone, not followed"
LIB="$T"
export LIFEBOAT_LIBRARY="$LIB"
"$CLI" verify >"$WORK/verify" 2>&1
ok $? "the moved library verifies"
T2="$WORK/planted-no-marker"
mkdir -p "$T2"
ln -s "$OUT/dir" "$T2/blobs"
"$CLI" move-library "$T2" 2>"$WORK/planted2.err"
is "$?" 1 "a target holding a symlink and no marker is not empty: refused"
is "$(outside)" "$outside_before" "and nothing outside changed"

# --- symlinks planted in an extract target --------------------------------------------
mkdir -p "$WORK/x1"
ln -s "$OUT/dir" "$WORK/x1/Internal shared storage"
"$CLI" extract latest / --to "$WORK/x1" 2>"$WORK/x1.err" >/dev/null
is "$?" 1 "extract into a target whose storage folder is a symlink fails"
check "saying the folder is a symbolic link it does not write through" -- grep -q "Internal shared storage in the target folder is a symbolic link, which extract does not write through" "$WORK/x1.err"
mkdir -p "$WORK/x2/Internal shared storage"
ln -s "$OUT/dir" "$WORK/x2/Internal shared storage/DCIM"
"$CLI" extract latest / --to "$WORK/x2" 2>"$WORK/x2.err" >/dev/null
is "$?" 1 "extract into a target with a symlink where a folder of the phone goes fails"
check "naming it" -- grep -q "DCIM in the target folder is a symbolic link" "$WORK/x2.err"
ln -s "$OUT/file" "$WORK/x3-file"
mkdir -p "$WORK/x3/Internal shared storage/Download"
ln -s "$OUT/file" "$WORK/x3/Internal shared storage/Download/new-022.txt"
"$CLI" extract latest / --to "$WORK/x3" 2>"$WORK/x3.err" >/dev/null
is "$?" 1 "and with a symlink where a file goes"
is "$(outside)" "$outside_before" "nothing outside the targets was written"

# --- a folder swapped for a symlink while extract runs ------------------------------------
# Big files under DCIM keep extract busy after it made DCIM; the moment
# DCIM appears the extract is stopped, DCIM moved aside and a symlink to
# the outside put in its place, and the extract let go on.
for i in 1 2 3 4 5 6; do head -c $((8 << 20)) /dev/urandom >"$INT/DCIM/Camera/big-$i.mp4"; done
mkdir -p "$INT/Pictures/after"
echo late >"$INT/Pictures/after/late.txt"
vrun --phone "$PHONE,serial=P022" -- "$CLI" backup -q 2>>"$WORK/err-race"
ok $? "a backup with big files under DCIM"
X="$WORK/race"
mkdir -p "$X"
"$CLI" extract latest / --to "$X" >/dev/null 2>"$WORK/race.err" &
xpid=$!
deadline=$((SECONDS + 20))
until [ -d "$X/Internal shared storage/DCIM" ] || [ $SECONDS -gt $deadline ]; do :; done
kill -STOP "$xpid" 2>/dev/null
stopped=$?
mv "$X/Internal shared storage/DCIM" "$X/Internal shared storage/DCIM.aside"
at_swap=$(find "$X" -type f | wc -l)
ln -s "$OUT/dir" "$X/Internal shared storage/DCIM"
kill -CONT "$xpid" 2>/dev/null
wait "$xpid"
rc=$?
is "$stopped" 0 "extract was still running when its DCIM became a symlink"
is "$(outside)" "$outside_before" "nothing landed outside the target (extract exited $rc: $(head -c 200 "$WORK/race.err"))"
[ -L "$X/Internal shared storage/DCIM" ]
ok $? "the symlink is still there, not replaced or followed"
total=$(find "$INT" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)
[ "$at_swap" -lt "$total" ]
ok $? "the swap came before the extract was done ($at_swap of $total files written)"
[ -f "$X/Internal shared storage/DCIM.aside/Camera/big-6.mp4" ] || grep -q "symbolic link" "$WORK/race.err"
ok $? "what was left went into the real folder, or extract stopped and said why"

done_testing

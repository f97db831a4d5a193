#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lifeboat-cli init: the way a library begins in a new folder, since the
# other commands never create a library that is missing (it may be on a disk
# that is not mounted).  A new folder, an empty one, one that is already a
# library, one holding other files, a parent that is not there, the default
# library, and a first backup into what init made.
. "$(dirname "$0")/../vphone/tap.sh"
plan 16

CLI="$top_builddir/src/cli/lifeboat-cli"
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$WORK/no-schemas"
unset LIFEBOAT_LIBRARY
cd "$WORK" || exit 1

# --- a missing library: the commands say how one begins --------------------------------
"$CLI" --library "$WORK/disk/Lifeboat" snapshots >"$WORK/m.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "is not there" "$WORK/m.out" && grep -q "lifeboat-cli init DIR" "$WORK/m.out" &&
  [ ! -e "$WORK/disk" ]
ok $? "a library that is missing is not made, and the message names lifeboat-cli init: $(tr '\n' ' ' <"$WORK/m.out")"

# --- a new folder -------------------------------------------------------------------
mkdir "$WORK/disk"
"$CLI" init "$WORK/disk/Lifeboat" >"$WORK/i1.out" 2>&1
is "$?" 0 "init makes a library in a new folder"
grep -q "Started an empty library in $WORK/disk/Lifeboat. Use it with --library $WORK/disk/Lifeboat" "$WORK/i1.out"
ok $? "and says how to use it: $(cat "$WORK/i1.out")"
[ -f "$WORK/disk/Lifeboat/catalog.db" ] && [ "$(stat -c %a "$WORK/disk/Lifeboat")" = 700 ] &&
  [ "$(stat -c %a "$WORK/disk/Lifeboat/catalog.db")" = 600 ]
ok $? "it holds a catalog, private to its owner (folder 700, catalog 600)"
"$CLI" --library "$WORK/disk/Lifeboat" snapshots --json >"$WORK/s.json" 2>&1
is "$(json 'len(d)' <"$WORK/s.json")" 0 "the other commands read it: no snapshots yet"

# --- again: left as it is -----------------------------------------------------------
sum_before=$(sha256sum "$WORK/disk/Lifeboat/catalog.db")
"$CLI" init --json "$WORK/disk/Lifeboat" >"$WORK/i2.json" 2>&1
is "$?" 0 "init on a library succeeds"
is "$(json 'd["created"]' <"$WORK/i2.json")" False "saying it did not make one"
is "$(sha256sum "$WORK/disk/Lifeboat/catalog.db")" "$sum_before" "and the catalog is unchanged"

# --- an empty folder, a folder of other files, a parent that is not there ----------------
mkdir "$WORK/empty"
"$CLI" init --json "$WORK/empty" >"$WORK/i3.json" 2>&1
[ "$?" = 0 ] && [ "$(json 'd["created"]' <"$WORK/i3.json")" = True ] && [ -f "$WORK/empty/catalog.db" ]
ok $? "an empty folder becomes a library"
mkdir "$WORK/photos" && echo "mine" >"$WORK/photos/holiday.jpg"
"$CLI" init "$WORK/photos" >"$WORK/i4.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "is not a Lifeboat library: it holds other files" "$WORK/i4.out"
ok $? "a folder holding other files is refused: $(head -1 "$WORK/i4.out")"
[ "$(ls -A "$WORK/photos")" = holiday.jpg ] && [ "$(cat "$WORK/photos/holiday.jpg")" = mine ]
ok $? "and nothing in it is touched or added"
"$CLI" init "$WORK/unmounted/Lifeboat" >"$WORK/i5.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "$WORK/unmounted does not exist. If it is on an external disk, connect and mount" "$WORK/i5.out" &&
  [ ! -e "$WORK/unmounted" ]
ok $? "a folder whose parent is not there (a disk not mounted) is refused, and nothing made: $(head -1 "$WORK/i5.out")"
"$CLI" init "" >/dev/null 2>&1
is "$?" 2 "an empty folder name is a usage error"

# --- the default library: made with its parents -------------------------------------------
XDG_DATA_HOME="$WORK/home/.local/share" "$CLI" init >"$WORK/i6.out" 2>&1
[ "$?" = 0 ] && [ -f "$WORK/home/.local/share/lifeboat/catalog.db" ] &&
  grep -q "the one the other commands use" "$WORK/i6.out"
ok $? "without a folder, init makes the default library, parents and all: $(cat "$WORK/i6.out")"

# --- a first backup into it ----------------------------------------------------------------
"$MAKE_PHONE" "$WORK/phone" --preset small --seed 3 >/dev/null
vrun --phone "$WORK/phone,serial=FIRST" -- "$CLI" --library "$WORK/disk/Lifeboat" backup --json >"$WORK/b.json" 2>"$WORK/b.err"
ok $? "the first backup goes into the library init made"
"$CLI" --library "$WORK/disk/Lifeboat" verify >/dev/null 2>&1
ok $? "which then verifies"
done_testing

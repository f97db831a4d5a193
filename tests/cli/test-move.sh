#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lifeboat-cli move-library: a backed-up library moves whole (snapshots,
# holes, checksums), refuses bad destinations and a busy library, and moves
# the window's saved location along when it named this library.
. "$(dirname "$0")/../vphone/tap.sh"
plan 27

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
PHONE="$WORK/phone"
export LIFEBOAT_LIBRARY="$LIB"
# No window settings unless a test installs them.
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$WORK/no-schemas"
"$MAKE_PHONE" "$PHONE" --preset typical --seed 9 >/dev/null
mkdir -p "$LIB"
cd "$WORK" || exit 1
allocated () { du -s --block-size=1 "$1" | cut -f1; }
blob_of () { sha256sum "$1" | cut -d' ' -f1; }

# --- a library with two snapshots and a sparse file --------------------------------
SPARSE="$PHONE/Internal shared storage/Movies/sparse.mkv"
mkdir -p "$(dirname "$SPARSE")"
truncate -s 64M "$SPARSE"
printf 'a few bytes of data in the middle' | dd of="$SPARSE" bs=1 seek=$((32 << 20)) conv=notrunc status=none
touch -d '2025-05-05 05:05:05' "$SPARSE"
vrun --phone "$PHONE,serial=MOVE" -- "$CLI" backup -q
ok $? "the phone is backed up"
head -c 100000 /dev/urandom >"$PHONE/Internal shared storage/Download/later.bin"
touch -d '2025-06-06 06:06:06' "$PHONE/Internal shared storage/Download/later.bin"
vrun --phone "$PHONE,serial=MOVE" -- "$CLI" backup -q
ok $? "and backed up again after a change"
"$CLI" snapshots --json >"$WORK/snaps.before"
is "$(json 'len(d)' <"$WORK/snaps.before")" 2 "the library has two snapshots"
sparse_blob="$LIB/blobs/$(blob_of "$SPARSE" | cut -c1-2)/$(blob_of "$SPARSE")"
[ -f "$sparse_blob" ] && [ "$(allocated "$sparse_blob")" -lt $((1 << 20)) ]
ok $? "the sparse file is stored with holes"
size_before=$(du -s --block-size=1 --apparent-size "$LIB/blobs" | cut -f1)
alloc_before=$(allocated "$LIB/blobs")

# --- bad destinations ------------------------------------------------------------------
mkdir -p "$WORK/full" && echo mine >"$WORK/full/mine.txt"
"$CLI" move-library "$WORK/full" >"$WORK/m.out" 2>"$WORK/m.err"
is "$?" 1 "a folder that is not empty is refused (exit 1)"
grep -q "is not empty" "$WORK/m.err"
ok $? "saying so: $(head -1 "$WORK/m.err")"
is "$(ls "$WORK/full")" mine.txt "and nothing was written there"
"$CLI" move-library "$LIB/inside" >"$WORK/m.out" 2>"$WORK/m.err"
is "$?" 1 "a folder inside the library is refused"
[ ! -e "$LIB/inside" ]
ok $? "and not created"
"$CLI" move-library >"$WORK/m.out" 2>"$WORK/m.err"
is "$?" 2 "no destination is a usage error (exit 2)"

# --- a busy library ------------------------------------------------------------------------
# The holder takes the writer's lock (waiting, should an earlier step's
# process still be letting go of it), says so on one fifo, and keeps it
# until the other fifo, its stdin, is closed.
mkfifo "$WORK/locked" "$WORK/ready"
python3 -c '
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, 38, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 1, 0))  # F_OFD_SETLKW, byte 0: a writer
open(sys.argv[2], "w").write("x")
sys.stdin.read()' "$LIB/lock" "$WORK/ready" <"$WORK/locked" >/dev/null &
holder=$!
exec 7>"$WORK/locked"   # keeps the holder's stdin open until we close it
exec 8<>"$WORK/ready"   # read-write: opening never blocks, the read times out
read -r -t 30 -n 1 _ <&8 || diag "the lock holder did not start"
exec 8<&-
"$CLI" move-library "$WORK/new" >"$WORK/m.out" 2>"$WORK/m.err"
is "$?" 1 "while a backup holds the library, the move is refused"
grep -q "Another Lifeboat is using this library" "$WORK/m.err"
ok $? "saying why: $(head -1 "$WORK/m.err")"
exec 7>&-
wait "$holder"
[ ! -e "$WORK/new" ]
ok $? "and nothing was created"

# --- killed halfway -----------------------------------------------------------------------
"$CLI" move-library "$WORK/new" >/dev/null 2>&1 &
mover=$!
for _ in $(seq 400); do
  [ "$(find "$WORK/new/blobs" -type f 2>/dev/null | wc -l)" -ge 100 ] && break
  sleep 0.05
done
kill -9 "$mover"; wait "$mover" 2>/dev/null
[ -e "$WORK/new/.lifeboat-move-incomplete" ] && [ -e "$LIB/catalog.db" ]
ok $? "a move killed while copying leaves its marker in the new folder and the old library in place"
"$CLI" snapshots --json >"$WORK/snaps.killed"
cmp -s "$WORK/snaps.before" "$WORK/snaps.killed"
ok $? "the old library still lists the same snapshots"
check "and passes verify" -- "$CLI" verify

# --- the move --------------------------------------------------------------------------
start=$(date +%s.%N)
"$CLI" move-library "$WORK/new" >"$WORK/m.out" 2>"$WORK/m.err"
ok $? "move-library moves it (into the folder the killed move left)"
diag "moved $(du -sh --apparent-size "$WORK/new" | cut -f1) in $(python3 -c "import sys; print(round($(date +%s.%N) - $start, 2))") s"
grep -q "The library is now at $WORK/new" "$WORK/m.out"
ok $? "and says where it is now"
grep -q "Set LIFEBOAT_LIBRARY=$WORK/new" "$WORK/m.out"
ok $? "and that LIFEBOAT_LIBRARY still names the old place"
[ ! -e "$LIB" ]
ok $? "the old folder is gone"
export LIFEBOAT_LIBRARY="$WORK/new"
check "lifeboat-cli verify passes on the moved library" -- "$CLI" verify
"$CLI" snapshots --json >"$WORK/snaps.after"
cmp -s "$WORK/snaps.before" "$WORK/snaps.after"
ok $? "it lists the same snapshots"
# The room may differ by a few blocks (ext4 may count blocks it set aside
# for a file still being written back under load, and directories grow by
# whole blocks): a hole that was filled would add megabytes.
alloc_after=$(allocated "$WORK/new/blobs")
[ "$(du -s --block-size=1 --apparent-size "$WORK/new/blobs" | cut -f1)" = "$size_before" ] &&
  [ "$alloc_after" -le $((alloc_before + (64 << 10))) ]
ok $? "its blobs have the same sizes and take the same room, holes kept ($alloc_after bytes, $alloc_before before)"

# --- the window's saved location follows its library -------------------------------------
mkdir -p "$WORK/schemas"
cat >"$WORK/schemas/io.github.lifeboat.Lifeboat.gschema.xml" <<'EOF'
<schemalist>
  <schema id="io.github.lifeboat.Lifeboat" path="/io/github/lifeboat/Lifeboat/">
    <key name="library-location" type="s"><default>''</default></key>
  </schema>
</schemalist>
EOF
glib-compile-schemas "$WORK/schemas"
export GSETTINGS_SCHEMA_DIR="$WORK/schemas" GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME="$WORK/config"
unset LIFEBOAT_LIBRARY
gsettings set io.github.lifeboat.Lifeboat library-location "$WORK/new"
"$CLI" move-library --json "$WORK/third" >"$WORK/m3.json" 2>"$WORK/m3.err"
ok $? "a library the window uses moves too"
is "$(json 'd["library"], d["saved"], d["warning"]' <"$WORK/m3.json")" "('$WORK/third', True, None)" \
   "--json says where it is and that the location was saved"
is "$(gsettings get io.github.lifeboat.Lifeboat library-location)" "'$WORK/third'" \
   "the window's library-location now names the new place"
check "and lifeboat-cli finds it there without --library" -- "$CLI" verify

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Backups through lifeboat-cli on virtual phones: full, unchanged, changed,
# shared content, and what extract gives back.
. "$(dirname "$0")/../vphone/tap.sh"
plan 30

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
export LIFEBOAT_LIBRARY="$LIB"
"$MAKE_PHONE" "$PHONE" --preset typical --seed 4 >/dev/null
mkdir -p "$LIB"
cd "$WORK" || exit 1

# --- the first backup --------------------------------------------------------------
vrun --stats "$WORK/s1.json" --phone "$PHONE,serial=TYPICAL" -- "$CLI" backup --json >"$WORK/b1" 2>"$WORK/b1.err"
ok $? "the first backup of the typical phone succeeds"
is "$(json 'd["state"]' <"$WORK/b1")" complete "it is complete"
n_files=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)
is "$(json 'd["files"]' <"$WORK/b1")" "$n_files" "it holds every file of the phone ($n_files)"
total=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
is "$(json 'd["bytes"]' <"$WORK/b1")" "$total" "and every byte"
id1=$(json 'd["id"]' <"$WORK/b1")

"$CLI" extract "$id1" / --to "$WORK/out" >"$WORK/x1" 2>&1
ok $? "extract writes the whole snapshot out"
diff -r "$WORK/out" "$PHONE" -x .vphone >"$WORK/diffr" 2>&1
ok $? "diff -r between the extracted snapshot and the phone folder is empty"
(cd "$PHONE" && find . -path ./.vphone -prune -o -type f -printf '%P %T@\n' | sort) >"$WORK/m.phone"
(cd "$WORK/out" && find . -type f -printf '%P %T@\n' | sort) >"$WORK/m.out"
cmp -s "$WORK/m.phone" "$WORK/m.out"
ok $? "extracted files carry the phone's modification times"
n_blobs=$(find "$LIB/blobs" -type f | wc -l)
n_unique=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print0 | xargs -0 sha256sum | awk '{print $1}' | sort -u | wc -l)
is "$n_blobs" "$n_unique" "each distinct content is stored once ($n_unique blobs)"
f=$(find "$LIB/blobs" -type f | head -1)
is "$(sha256sum "$f" | cut -d' ' -f1)" "$(basename "$f")" "a blob is named by its SHA-256, checkable with sha256sum"

# --- nothing changed ------------------------------------------------------------------
size_before=$(stat -c %s "$LIB/catalog.db")
vrun --stats "$WORK/s2.json" --phone "$PHONE,serial=TYPICAL" -- "$CLI" backup --json >"$WORK/b2" 2>"$WORK/b2.err"
ok $? "a second backup with nothing changed succeeds"
is "$(json 'd["state"]' <"$WORK/b2")" complete "it is complete"
is "$(gets "$WORK/s2.json")" 0 "it read no file data from the phone (no GetObject at all)"
is "$(json 'd["transferred_bytes"], d["new_bytes"]' <"$WORK/b2")" "(0, 0)" "it transferred nothing and the store did not grow"
sqlite3_size () { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); print(c.execute("PRAGMA page_count").fetchone()[0]*c.execute("PRAGMA page_size").fetchone()[0])' "$LIB/catalog.db"; }
growth=$(( $(sqlite3_size) - size_before ))
[ "$growth" -lt 65536 ]
ok $? "the catalog grew by $growth bytes (< 64 KiB)"

# --- three changed, two added, one deleted ---------------------------------------------
mapfile -t photos < <(find "$INT/DCIM/Camera" -type f -name '*.jpg' | sort | head -4)
for p in "${photos[@]:0:3}"; do printf 'edited' >>"$p"; touch -d '2026-01-02 03:04:05' "$p"; done
rm "${photos[3]}"
head -c 123456 /dev/urandom >"$INT/Download/new-1.bin"
head -c 654321 /dev/urandom >"$INT/Documents/new-2.pdf"
touch -d '2025-06-07 08:09:10' "$INT/Download/new-1.bin" "$INT/Documents/new-2.pdf"
vrun --stats "$WORK/s3.json" --phone "$PHONE,serial=TYPICAL" -- "$CLI" backup --json >"$WORK/b3" 2>"$WORK/b3.err"
ok $? "a backup after changes succeeds"
id3=$(json 'd["id"]' <"$WORK/b3")
is "$(gets "$WORK/s3.json")" 5 "only the 5 new or changed files were read"
"$CLI" diff --json "$id1" "$id3" >"$WORK/d13"
is "$(json 'len(d["added"]), len(d["removed"]), len(d["changed"])' <"$WORK/d13")" "(2, 1, 3)" \
   "diff shows exactly 2 added, 1 removed and 3 changed"
json 'sorted(d["added"]) == sorted(["/Internal shared storage/Download/new-1.bin", "/Internal shared storage/Documents/new-2.pdf"])' <"$WORK/d13" | grep -qx True
ok $? "the added paths are the two new files"

# --- two phones with the same photo ---------------------------------------------------
OTHER="$WORK/other"
mkdir -p "$OTHER/Internal shared storage/DCIM"
cp -p "${photos[0]}" "$OTHER/Internal shared storage/DCIM/shared.jpg"
head -c 1000 /dev/urandom >"$OTHER/Internal shared storage/DCIM/own.jpg"
blobs_before=$(find "$LIB/blobs" -type f | wc -l)
vrun --phone "$OTHER,serial=OTHER" -- "$CLI" backup --json >"$WORK/b4" 2>"$WORK/b4.err"
ok $? "a second phone backs up into the same library"
is "$(( $(find "$LIB/blobs" -type f | wc -l) - blobs_before ))" 1 "the photo both phones hold is stored once (one new blob: the other file)"
is "$(json 'd["new_bytes"]' <"$WORK/b4")" 1000 "the store grew by the second phone's own file only"
# --- on a terminal: one progress line, redrawn in place --------------------------------
# script(1) gives lifeboat-cli a terminal; the line is drawn every 200 ms,
# so the phone holds enough to take longer than that to copy and restore.
# script itself is not ours: under the sanitizer build the rig's preload
# gives it LeakSanitizer too, and it leaks at exit; lifeboat-cli keeps the
# build's own options.
SCRIPT=(env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" script -qec)
OURS="env ASAN_OPTIONS='${ASAN_OPTIONS:-}' '$CLI'"
BIG="$WORK/big"
mkdir -p "$BIG/Internal shared storage/Movies"
head -c $((64 << 20)) /dev/urandom >"$BIG/Internal shared storage/Movies/big.mp4"
vrun --phone "$BIG,serial=BIG" -- "${SCRIPT[@]}" "$OURS backup" /dev/null >"$WORK/tty-b" 2>&1
ok $? "a backup on a terminal succeeds" || tail -5 "$WORK/tty-b" | sed 's/^/#   /'
grep -aq $'\r\033\[K[0-9]*/1 files, .* of .*/s' "$WORK/tty-b" && grep -aq $'\r\033\[KSnapshot [0-9]* of .* is complete' "$WORK/tty-b"
ok $? "it draws its progress line in place (files, bytes, speed) and clears it before the result" ||
  sed -n l "$WORK/tty-b" | head -5 | sed 's/^/#   /'
rm "$BIG/Internal shared storage/Movies/big.mp4"
vrun --phone "$BIG,serial=BIG" -- "${SCRIPT[@]}" "$OURS restore latest" /dev/null >"$WORK/tty-r" 2>&1
ok $? "a restore on a terminal succeeds" || tail -5 "$WORK/tty-r" | sed 's/^/#   /'
grep -aq $'\r\033\[KRestoring: [0-9]/1 files, .* of ' "$WORK/tty-r"
ok $? "it draws its progress line too" || sed -n l "$WORK/tty-r" | head -5 | sed 's/^/#   /'
big_id=$("$CLI" snapshots --device BIG --json | json 'd[0]["id"]')
"${SCRIPT[@]}" "$OURS extract $big_id / --to '$WORK/x-tty'" /dev/null >"$WORK/tty-x" 2>&1 &&
  cmp -s "$WORK/x-tty/Internal shared storage/Movies/big.mp4" "$BIG/Internal shared storage/Movies/big.mp4"
ok $? "an extract on a terminal succeeds" || tail -5 "$WORK/tty-x" | sed 's/^/#   /'
grep -aq $'\r\033\[KExtracting: [0-9]*%, [01]/1 files, .* of 67\.1.*MB' "$WORK/tty-x" &&
  grep -aq $'\r\033\[KExtracted 1 file into' "$WORK/tty-x"
ok $? "and draws its progress line (files, bytes), cleared before the result" ||
  sed -n l "$WORK/tty-x" | head -5 | sed 's/^/#   /'

# A session left open on the phone (a Lifeboat killed during its fast
# listing, here a bare client that opens one and leaves): the fast listing
# closes it and lists the phone, and nothing is remembered against it.
export XDG_CACHE_HOME="$WORK/cache-stale"
vrun --stats "$WORK/stale.json" --phone "$PHONE,serial=TYPICAL" -- bash -c '
  printf "open\n" | "$@" >/dev/null || exit 9
  "'"$CLI"'" backup --json' _ "${RAW[@]}" >"$WORK/stale" 2>"$WORK/stale.err"
ok $? "a backup after a session left open succeeds"
is "$(json 'd["state"], d["transferred_bytes"]' <"$WORK/stale")/$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(o.get("OpenSession"), o.get("GetObjectPropList"))' "$WORK/stale.json")" \
   "('complete', 0)/4 2" "through the fast listing (OpenSession: the client's, ours refused as already open, ours after closing it, libmtp's; GetObjectPropList: the tree, libmtp's sample)"
[ ! -e "$XDG_CACHE_HOME/lifeboat/listing.ini" ]
ok $? "and the phone is not remembered as one libmtp must list"
done_testing

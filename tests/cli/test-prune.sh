#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lifeboat-cli prune on a library a virtual phone filled: keep rules over
# snapshot dates spread across days, the dry run naming the files whose
# last copy would go, and a prune killed (-9) at several of its system
# calls (strace's fault injection) leaving every kept snapshot whole.
. "$(dirname "$0")/../vphone/tap.sh"
plan 21

. "$(dirname "$0")/restore-lib.sh"
need_tool strace
PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
"$MAKE_PHONE" "$PHONE" --preset small --seed 4 >/dev/null
backup () { vrun --phone "$PHONE,serial=PRUNE" -- "$CLI" backup -q 2>"$WORK/backup.err"; }
blob_files () { find "$LIFEBOAT_LIBRARY/blobs" -type f | wc -l; }
blob_rows () { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from blobs").fetchone()[0])' "$LIFEBOAT_LIBRARY/catalog.db"; }
snapshot_ids () { "$CLI" snapshots --json | json '" ".join(str(s["id"]) for s in d)'; }

backup && cp -a "$PHONE" "$WORK/state1"
# Between the first and second backups five files are edited and a photo
# deleted; between the second and third a file is added.  (Not an empty
# file: its content is every empty file's, never a last copy.)
mapfile -t docs < <(find "$INT" -type f -size +0 -not -path '*/DCIM/*' | sort | head -5)
for f in "${docs[@]}"; do printf ' edited' >>"$f"; done
photo=$(find "$INT/DCIM" -type f | sort | head -1)
rm "$photo"
sleep 3   # a file dated within 2 s of a backup is always read again
backup && cp -a "$PHONE" "$WORK/state2"
echo "a new note" >"$INT/new-note.txt"
sleep 3
backup && cp -a "$PHONE" "$WORK/state3"
is "$(snapshot_ids)" "3 2 1" "three backups of the phone"
is "${#docs[@]}" 5 "five files were edited between the first two"

# Spread the snapshots over days: ten days ago, three days ago, now.
python3 - "$LIFEBOAT_LIBRARY/catalog.db" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
for sid, days in ((1, 10), (2, 3)):
    db.execute("update snapshots set started = ?, finished = ? where id = ?", (now - days * 86400, now - days * 86400 + 60, sid))
db.commit()
EOF

"$CLI" prune >/dev/null 2>"$WORK/usage.err"
is "$?" 2 "prune without a rule is a usage error"
grep -q -- "--keep" "$WORK/usage.err"
ok $? "and says to give a --keep rule"

# --- the dry run -------------------------------------------------------------------------------
sum_library () { (cd "$LIFEBOAT_LIBRARY" && find blobs -type f | sort && python3 -c 'import sqlite3; d=sqlite3.connect("catalog.db"); print(d.execute("select count(*) from snapshots").fetchone(), d.execute("select count(*) from versions").fetchone())'); }
sum_library >"$WORK/before"
"$CLI" prune --keep-daily 2 --dry-run --json >"$WORK/dry" 2>"$WORK/dry.err"
ok $? "a dry run with --keep-daily 2 succeeds"
is "$(json '[s["id"] for s in d["removed"]], d["kept"], d["dry_run"]' <"$WORK/dry")" "([1], 2, True)" \
   "it would remove the snapshot of ten days ago and keep those of the last two days"
want=$(for f in "${docs[@]}" "$photo"; do echo "/${f#"$PHONE"/}"; done | sort | tr '\n' ' ')
is "$(json '" ".join(sorted(c["path"] for c in d["last_copies"])) + " "' <"$WORK/dry")" "$want" \
   "it names the five files' first versions and the photo deleted from the phone as the files whose last copy would go"
is "$(json 'd["blobs"], set(c["snapshot"] for c in d["last_copies"])' <"$WORK/dry")" "(6, {1})" \
   "six stored files would be freed, each last held by snapshot 1"
sum_library >"$WORK/after"
cmp -s "$WORK/before" "$WORK/after"
ok $? "the dry run changes nothing"
"$CLI" prune --keep-daily 2 --dry-run >"$WORK/dry.txt"
grep -q "would go with them" "$WORK/dry.txt" && grep -qF "${docs[0]#"$PHONE"}" "$WORK/dry.txt"
ok $? "the text says so to a person, naming the files"

# --- killed at each step ------------------------------------------------------------------------
# The prune's system calls, in order: SQLite's writes to the WAL (the
# transaction, then its commit), then one unlink per freed blob.  A kill at
# any of them must leave a library that verifies, with snapshots 2 and 3
# exactly as the phone was; the next prune finishes the job.
cp -a "$LIFEBOAT_LIBRARY" "$WORK/pristine"
kills=0 before=0 between=0 whole=0
for point in pwrite64:1 pwrite64:3 pwrite64:6 unlink:1 unlink:3 unlink:5; do
  rm -rf "$LIFEBOAT_LIBRARY" && cp -a "$WORK/pristine" "$LIFEBOAT_LIBRARY"
  call=${point%:*} n=${point#*:}
  # (In a subshell with its stderr dropped, so bash's "Killed" stays out of the log.)
  rc=$( (strace -f -qq -o /dev/null -e trace="$call" -e inject="$call":signal=KILL:when="$n" \
           "$CLI" prune --keep-daily 2 -q >/dev/null 2>&1; echo $?) 2>/dev/null)
  [ "$rc" -eq 137 ] && kills=$((kills + 1))
  "$CLI" verify -q >"$WORK/verify.out" 2>&1 || { diag "verify after a kill at $point:"; sed 's/^/#   /' "$WORK/verify.out"; whole=1; }
  for s in 2 3; do
    rm -rf "$WORK/x"
    "$CLI" extract "$s" / --to "$WORK/x" -q 2>/dev/null && diff -r -x .vphone "$WORK/x" "$WORK/state$s" >/dev/null ||
      { diag "snapshot $s not whole after a kill at $point"; whole=1; }
  done
  ids=$(snapshot_ids)
  [ "$ids" = "3 2 1" ] && before=$((before + 1))
  [ "$ids" = "3 2" ] && [ "$(blob_files)" -gt "$(blob_rows)" ] && between=$((between + 1))
  diag "killed at $point: snapshots $ids, $(blob_files) blob files for $(blob_rows) catalog rows"
  "$CLI" prune --keep-daily 2 --json >"$WORK/resume" 2>&1 || { diag "the prune after a kill at $point failed"; whole=1; }
  [ "$(snapshot_ids)" = "3 2" ] && [ "$(blob_files)" = "$(blob_rows)" ] || { diag "not finished after a kill at $point"; whole=1; }
done
is "$kills" 6 "the prune was killed at each of 6 points (writes of its transaction to the WAL, unlinks)"
is "$whole" 0 "after each kill the library verifies, snapshots 2 and 3 extract exactly as the phone was, and the next prune finishes"
[ "$before" -ge 1 ]
ok $? "at least one kill fell before the commit ($before), which rolled back whole"
[ "$between" -ge 2 ]
ok $? "at least two kills fell between the commit and the last unlink ($between), leaving files the next prune swept"

# --- the prune itself ----------------------------------------------------------------------------
rm -rf "$LIFEBOAT_LIBRARY" && cp -a "$WORK/pristine" "$LIFEBOAT_LIBRARY"
"$CLI" prune --keep-daily 2 --json >"$WORK/real" 2>"$WORK/real.err"
ok $? "the prune succeeds"
is "$(json '[s["id"] for s in d["removed"]], d["blobs"], d["freed_bytes"]' <"$WORK/real")" \
   "$(json '[s["id"] for s in d["removed"]], d["blobs"], d["freed_bytes"]' <"$WORK/dry")" "and does what the dry run said"
is "$(snapshot_ids)" "3 2" "snapshot 1 is gone"
is "$(blob_files)" "$(blob_rows)" "every blob file left is one the catalog knows"
check "the library verifies" -- "$CLI" verify
rm -rf "$WORK/x"
"$CLI" extract 2 / --to "$WORK/x" -q && diff -r -x .vphone "$WORK/x" "$WORK/state2" >/dev/null
ok $? "snapshot 2 still extracts exactly as the phone was then"
sleep 3
vrun --stats "$WORK/next.json" --phone "$PHONE,serial=PRUNE" -- "$CLI" backup --json >"$WORK/next" 2>/dev/null &&
  [ "$(ops "$WORK/next.json" GetObject)" = 0 ]
ok $? "the next backup reads no file: it goes on from the kept snapshot"
done_testing

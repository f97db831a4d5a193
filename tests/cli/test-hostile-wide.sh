#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A phone with 100,000 files in one folder (the rig's hostile-wide preset):
# backed up whole within a bound, browsed, extracted and verified.  About
# 28 minutes on the rig (measured on 2 shared cores: 300,000 transactions,
# three a file: GetObjectInfo, GetObjectPropList, GetObject), so it
# is in `make check-wide`, not in CI.
. "$(dirname "$0")/../vphone/tap.sh"
plan 7

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
cd "$WORK" || exit 1
N=100000

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset hostile-wide >/dev/null
usable=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)
t0=$(date +%s)
VRUN_TIMEOUT=3600 vrun --phone "$PHONE,profile=hostile,serial=WIDE" -- "$CLI" backup --json >"$WORK/b" 2>"$WORK/b.err"
rc=$?
diag "backup of $((N + usable)) files: $(( $(date +%s) - t0 )) s"
is "$rc:$(json 'd["state"]' <"$WORK/b" 2>/dev/null)" "0:complete" "the phone with $N files in one folder is backed up"
is "$(json '(d["files"], d["skipped"])' <"$WORK/b")" "($((N + usable)), 0)" "every file is held, nothing skipped"
timeout 300 "$CLI" ls --json latest "/Internal shared storage/wide" >"$WORK/ls"
is "$?:$(json 'len(d)' <"$WORK/ls")" "0:$N" "the folder lists its $N files"
timeout 600 "$CLI" extract latest "/Internal shared storage/wide" --to "$WORK/x" -q
ok $? "the folder is extracted"
python3 - "$WORK/x" "$N" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
assert len(files) == n, len(files)
for p in files:
    i = int(os.path.basename(p)[1:7])
    assert open(p).read() == f"{i}\n", p
PY
ok $? "every extracted file holds its own content"
check "verify is clean" -- timeout 1800 "$CLI" verify -q
python3 -c 'import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0] != "ok")' "$LIB/catalog.db"
ok $? "SQLite's integrity_check is ok"
done_testing

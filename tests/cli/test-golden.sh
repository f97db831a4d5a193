#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every lifeboat-cli command's --json output on one fixed virtual phone,
# diffed against tests/cli/golden/: what a refactor must not change.  The
# clock, the work folder and the restore date are normalised (see
# normalise below); everything else must match to the byte.
# GOLDEN_UPDATE=1 rewrites the golden files instead (review the git diff).
. "$(dirname "$0")/../vphone/tap.sh"

CLI="$top_builddir/src/cli/lifeboat-cli"
GOLDEN="$top_srcdir/tests/cli/golden"
PHONE="$WORK/phone"
NEW="$WORK/new-phone"
INT="$PHONE/Internal shared storage"
export LIFEBOAT_LIBRARY="$WORK/library"
# No window settings: move-library must not find or change any.
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$WORK/no-schemas"
"$MAKE_PHONE" "$PHONE" --preset small --seed 1 >/dev/null
"$MAKE_PHONE" "$WORK/hostile" --preset hostile --seed 1 >/dev/null
mkdir -p "$LIFEBOAT_LIBRARY" "$WORK/hostile-lib" "$NEW/Internal shared storage"
cd "$WORK" || exit 1
START=$(date +%s)

# normalise OUT ERR: stdout as printed, with times at or after the test's
# start as <now>, today's date (in restored names) as <today> and the work
# folder as $WORK; then lifeboat-cli's own lines from stderr.  Output that
# is not JSON is marked so.
normalise () {
  python3 - "$1" "$2" "$WORK" "$START" <<'PY'
import datetime, json, re, sys
out, err, work, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
utc = datetime.timezone.utc
today = datetime.datetime.fromtimestamp(start, utc).strftime("%Y-%m-%d")
def now(m):
    t = datetime.datetime.strptime(m.group(0), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=utc)
    return "<now>" if t.timestamp() >= start - 60 else m.group(0)
def fix(text):
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now, text)
    return text.replace(work, "$WORK").replace(today, "<today>")
text = open(out, encoding="utf-8").read()
try:
    if text.strip():
        json.loads(text)
except ValueError:
    sys.stdout.write("not JSON:\n")
sys.stdout.write(fix(text))
for line in open(err, encoding="utf-8", errors="replace"):
    if line.startswith("lifeboat-cli:"):
        sys.stdout.write("stderr: " + fix(line))
PY
}

# golden NAME EXPECTED-STATUS -- COMMAND...: runs COMMAND, and checks its
# exit status and its normalised stdout against golden/NAME.json.
golden () {
  local name=$1 want=$2; shift 3
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  local rc=$?
  normalise "$WORK/$name.out" "$WORK/$name.err" >"$WORK/$name.json"
  if [ -n "${GOLDEN_UPDATE:-}" ]; then
    cp "$WORK/$name.json" "$GOLDEN/$name.json"
  fi
  if [ "$rc" -ne "$want" ]; then
    ok 1 "$name: exits $want"; diag "exit status $rc"; sed 's/^/#   /' "$WORK/$name.err" | tail -5
    return
  fi
  diff -u "$GOLDEN/$name.json" "$WORK/$name.json" >"$WORK/$name.diff"
  ok $? "$name: exits $want and prints golden/$name.json"
  [ -s "$WORK/$name.diff" ] && sed 's/^/#   /' "$WORK/$name.diff" | head -40
}
on_phone () { vrun --phone "$PHONE,serial=GOLDEN" -- "$@"; }
plan 25

golden init 0 -- "$CLI" init --json "$WORK/new-library"
golden devices 0 -- on_phone "$CLI" devices --json
golden backup-first 0 -- on_phone "$CLI" backup --json

# One photo changed, one deleted, one file added; all dates fixed.
printf 'edited' >>"$INT/DCIM/Camera/IMG_20240108_150955.jpg"
touch -d '2026-01-02 03:04:05' "$INT/DCIM/Camera/IMG_20240108_150955.jpg"
rm "$INT/Documents/notes.txt"
printf 'a new file, always the same\n' >"$INT/Download/new.txt"
touch -d '2025-06-07 08:09:10' "$INT/Download/new.txt"
golden backup-second 0 -- on_phone "$CLI" backup --json

golden snapshots 0 -- "$CLI" snapshots --json
golden ls-storages 0 -- "$CLI" ls --json 2 /
golden ls-folder 0 -- "$CLI" ls --json 2 "/Internal shared storage"
golden ls-recursive 0 -- "$CLI" ls --json -r 1 "/Internal shared storage/Music"
golden diff 0 -- "$CLI" diff --json 1 2
golden extract 0 -- "$CLI" extract --json 1 "/Internal shared storage/DCIM" "/Internal shared storage/Documents" --to "$WORK/out"
golden verify 0 -- "$CLI" verify --json
golden verify-snapshot 0 -- "$CLI" verify --json 1

# Restores: the first snapshot onto the changed phone (a conflict, a
# missing file), then onto an empty phone.
golden restore-plan 0 -- on_phone "$CLI" restore --json --dry-run 1
golden restore 0 -- on_phone "$CLI" restore --json 1
golden restore-again 0 -- on_phone "$CLI" restore --json 1
golden restore-wrong-phone 1 -- vrun --phone "$NEW,serial=NEW" -- "$CLI" restore --json 1
golden restore-new-plan 0 -- vrun --phone "$NEW,serial=NEW" -- "$CLI" restore --json --dry-run --to-new-device 2
golden restore-new-only 0 -- vrun --phone "$NEW,serial=NEW" -- "$CLI" restore --json --to-new-device --only "/Internal shared storage/Music" 2

# Hostile names into their own library, and out again renamed.
golden backup-hostile 0 -- vrun --phone "$WORK/hostile,serial=HOSTILE" -- "$CLI" -L "$WORK/hostile-lib" backup --json
golden extract-renamed 0 -- "$CLI" -L "$WORK/hostile-lib" extract --json 1 / --to "$WORK/hostile-out"

golden move-library 0 -- "$CLI" move-library --json "$WORK/moved"
export LIFEBOAT_LIBRARY="$WORK/moved"
golden snapshots-moved 0 -- "$CLI" snapshots --json

# A damaged blob: verify names it, and the snapshots holding it.
blob=$(find "$WORK/moved/blobs" -type f | sort | head -1)
chmod u+w "$blob" 2>/dev/null; printf 'X' | dd of="$blob" bs=1 count=1 conv=notrunc status=none
golden verify-damaged 1 -- "$CLI" verify --json
golden verify-damaged-snapshot 1 -- "$CLI" verify --json 2
golden errors-unknown-snapshot 1 -- "$CLI" ls --json 99 /
done_testing

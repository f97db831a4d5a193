#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's demo: back up the built-in virtual phone, change one photo,
# back up again, and show the snapshots and what changed.
# Run from a built tree: tests/demo.sh [WORKDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$top}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-demo.XXXXXX")}
cli="$build/src/cli/lifeboat-cli"
run="$build/tests/vphone/vphone-run"
export LIFEBOAT_LIBRARY="$work/library"
mkdir -p "$LIFEBOAT_LIBRARY"
reads () { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(o.get("GetObject", 0))' "$1"; }

echo "== A virtual phone: 2,000 files, 300 MiB, two storages ($work/phone)"
"$top/tests/vphone/make-phone" "$work/phone" --preset typical

echo
echo "== First backup"
"$run" --stats "$work/stats-1.json" --phone "$work/phone,serial=DEMO-PHONE" -- "$cli" backup
echo "   (files read from the phone: $(reads "$work/stats-1.json"))"

photo=$(find "$work/phone/Internal shared storage/DCIM/Camera" -name '*.jpg' | sort | head -1)
echo
echo "== Changing one photo on the phone: ${photo#"$work/phone"}"
printf 'edited on the phone' >>"$photo"
touch "$photo"
sleep 3   # a file dated within 2 s of a backup is always read again

echo
echo "== Second backup"
"$run" --stats "$work/stats-2.json" --phone "$work/phone,serial=DEMO-PHONE" -- "$cli" backup
echo "   (files read from the phone: $(reads "$work/stats-2.json"))"

echo
echo "== Snapshots"
"$cli" snapshots
echo
echo "== What changed between them"
"$cli" diff 1 2
echo
echo "The library is in $LIFEBOAT_LIBRARY; remove $work when you are done."

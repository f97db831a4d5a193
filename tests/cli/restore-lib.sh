# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the restore tests (sourced after tests/vphone/tap.sh): a fresh
# library in $WORK, and helpers to read lifeboat-cli's JSON, the rig's
# --stats and the phone folders.
CLI="$top_builddir/src/cli/lifeboat-cli"
export LIFEBOAT_LIBRARY="$WORK/library"
mkdir -p "$LIFEBOAT_LIBRARY"
cd "$WORK" || exit 1
ops () { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(o.get(sys.argv[2], 0))' "$1" "$2"; }
same_tree () { diff -r -x .vphone "$1" "$2" >"$WORK/tree.diff" 2>&1; }
files_of () { (cd "$1" && find . -path ./.vphone -prune -o -type f -printf '%P %s %T@\n' | sort); }

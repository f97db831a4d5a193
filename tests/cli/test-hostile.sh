#!/usr/bin/env bash
# Untrusted phones: hostile names, sizes, dates and folder structures, and a
# phone whose clock is in another time zone.
. "$(dirname "$0")/../vphone/tap.sh"
plan 9

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
cd "$WORK" || exit 1
json () { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
gets () { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(sum(o.get(k,0) for k in ("GetObject","GetPartialObject","GetPartialObject64")))' "$1"; }

HOSTILE="$WORK/hostile"
"$MAKE_PHONE" "$HOSTILE" --preset hostile >/dev/null
vrun --phone "$HOSTILE,profile=hostile,serial=EVIL" -- bash -c '
  "$1" ls >"$2/listed" 2>/dev/null
  "$0" backup --json' "$CLI" "$VP/vphone-probe" "$WORK" >"$WORK/b" 2>"$WORK/b.err"
ok $? "the hostile phone is backed up without a crash"
id=$(json 'd["id"]' <"$WORK/b")
listed=$(wc -l <"$WORK/listed")
held=$("$CLI" ls -r --json "$id" / | json 'len(d)')
skipped=$(json 'd["skipped"]' <"$WORK/b")
# Objects with lying sizes are both held and noted, hence "at least".
[ $((held + skipped)) -ge "$listed" ]
ok $? "every object listed is in the catalog or named as left out ($held held + $skipped noted, $listed listed)"
"$CLI" ls -r --json "$id" / | json '"a/b.jpg" in [x["name"] for x in d] and [x["name"] for x in d].count("dup.jpg") == 2' | grep -qx True
ok $? "hostile names are kept exactly as the phone gave them"

mkdir -p "$WORK/target" "$WORK/canary"
echo keep >"$WORK/canary/passwd"
"$CLI" extract "$id" / --to "$WORK/target" >"$WORK/x" 2>"$WORK/x.err"
ok $? "extracting the hostile snapshot succeeds"
[ "$(cat "$WORK/canary/passwd")" = keep ] && [ "$(find "$WORK" -newer "$WORK/canary/passwd" -not -path "$WORK/target*" -type f | grep -v -e "/x$" -e "/x.err$" | wc -l)" -eq 0 ]
ok $? "nothing was written outside the target folder"
check "each changed name is listed" -- grep -q "renamed: .*a/b.jpg" "$WORK/x.err"
depth=$(find "$WORK/target" -type d | awk -F/ '{print NF}' | sort -n | tail -1)
[ "$depth" -gt 2000 ]
ok $? "the folder chain deeper than PATH_MAX was written ($depth levels)"

# --- a phone in another time zone ------------------------------------------------------
PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small >/dev/null
vrun --phone "$PHONE,serial=TZ,tz=Pacific/Auckland" -- "$CLI" backup >/dev/null 2>&1
vrun --stats "$WORK/tz.json" --phone "$PHONE,serial=TZ,tz=Pacific/Auckland" -- "$CLI" backup --json >"$WORK/tz" 2>/dev/null
ok $? "a phone whose clock runs in Auckland backs up twice"
is "$(gets "$WORK/tz.json")" 0 "the second backup read no file data"
done_testing

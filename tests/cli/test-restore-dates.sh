#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Setting dates during a restore: a flaky answer to SetObjectPropValue is
# asked again and date setting goes on for the next files; a phone that
# takes no dates at all (Android) is asked once.
. "$(dirname "$0")/../vphone/tap.sh"
plan 11

. "$(dirname "$0")/restore-lib.sh"

# --- a player that takes dates, answering every 7th SetObjectPropValue GeneralError -------
# flaky-op counts that operation alone, so opening and listing the phone are
# untouched however many transactions they take.
PLAYER="$WORK/player"
"$MAKE_PHONE" "$PLAYER" --preset small --seed 7 >/dev/null
cp -a "$PLAYER" "$WORK/orig"
vrun --phone "$PLAYER,serial=MP3,profile=player" -- "$CLI" backup -q
rm -rf "$PLAYER/Internal shared storage/"*
VPHONE_DEBUG=1 vrun --stats "$WORK/f.json" --phone "$PLAYER,serial=MP3,profile=player,flaky=7,flaky-op=SetObjectPropValue" -- \
  "$CLI" restore latest --json >"$WORK/f" 2>"$WORK/f.err"
grep '^vphone: SetObjectPropValue' "$WORK/f.err" >"$WORK/setprop"
hits=$(grep -c -- '-> 0x2002' "$WORK/setprop")
[ "$hits" -ge 1 ]
ok $? "the flaky answer fell on SetObjectPropValue ($hits times)"
python3 - "$WORK/setprop" >"$WORK/retry.out" 2>&1 <<'PY'
import re, sys
calls = [re.match(r"vphone: SetObjectPropValue\((0x[0-9a-f]+), .*-> (0x[0-9a-f]+)", l).groups() for l in open(sys.argv[1])]
bad = [i for i, (h, rc) in enumerate(calls) if rc == "0x2002" and (i + 1 >= len(calls) or calls[i + 1] != (h, "0x2001"))]
print(bad); sys.exit(1 if bad else 0)
PY
ok $? "each refused date is asked again for the same file, and taken"
sent=$(json 'd["report"]["sent"]' <"$WORK/f")
is "$(ops "$WORK/f.json" SetObjectPropValue)" "$((sent + hits))" \
   "every file sent had its date set, the ones after the refusal too ($sent files, $hits retries)"
python3 - "$PLAYER" "$WORK/orig" >"$WORK/mtimes" 2>&1 <<'PY'
import os, sys
phone, orig = sys.argv[1:]
bad, n = [], 0
for root, dirs, files in os.walk(os.path.join(phone, "Internal shared storage")):
    for f in files:
        p = os.path.join(root, f)
        o = os.path.join(orig, os.path.relpath(p, phone))
        n += 1
        if not os.path.exists(o) or int(os.stat(p).st_mtime) != int(os.stat(o).st_mtime):
            bad.append(p)
print(n, bad); sys.exit(1 if bad or n == 0 else 0)
PY
rc=$?; ok $rc "every file on the phone is where the snapshot has it, with its date"; [ $rc -eq 0 ] || diag "$(cat "$WORK/mtimes")"
is "$(json '(d["report"]["dates_kept"] == d["report"]["sent"], d["report"]["dates_lost"], d["report"]["dates_failed"], d["report"]["notes"])' <"$WORK/f")" \
   "(True, 0, 0, [])" "the report counts every date as kept, none lost or failed"
is "$(json 'd["report"]["failed"]' <"$WORK/f")" "[]" \
   "no file failed: only dates were refused, and each was asked again"
vrun --phone "$PLAYER,serial=MP3,profile=player" -- "$CLI" restore latest --json >"$WORK/f2" 2>/dev/null
ok $? "the same restore without the fault completes"
cmp -s <(files_of "$PLAYER") <(files_of "$WORK/orig")
rc=$?; ok $rc "and every file is back with the snapshot's date"; [ $rc -eq 0 ] || diag "$(diff <(files_of "$PLAYER") <(files_of "$WORK/orig"))"

# --- Android takes no dates: asked once -----------------------------------------------------
PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small --seed 8 >/dev/null
vrun --phone "$PHONE,serial=KID" -- "$CLI" backup -q
rm -rf "$PHONE/Internal shared storage/"*
vrun --stats "$WORK/a.json" --phone "$PHONE,serial=KID" -- "$CLI" restore latest --json >"$WORK/a" 2>/dev/null
ok $? "the wiped Android phone is restored"
is "$(ops "$WORK/a.json" SetObjectPropValue)" 1 "Android's refusal (ObjectPropNotSupported) stops date setting after the first file"
is "$(json '(d["report"]["dates_lost"] == d["report"]["sent"] > 0, d["report"]["dates_failed"], d["report"]["notes"])' <"$WORK/a")" \
   "(True, 0, [])" "and the report counts every date as lost to the phone, none as failed"
done_testing

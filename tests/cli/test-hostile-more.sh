#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# More hostile phones (issue #12): the rig's hostile-more preset (NUL,
# lone surrogates, backslashes, a 1,204-character name, a 3,000-deep chain,
# a folder that is its own parent, a path of 1,200 characters, besides the
# hostile preset's slashes, dot-dots, duplicates, lying sizes and dates),
# and phones that refuse every other request.  For each: no crash, no hang
# (every call under timeout), nothing written outside the library or the
# extract target, a named reason for what is left out, the rest backed up.
. "$(dirname "$0")/../vphone/tap.sh"
plan 26

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
cd "$WORK" || exit 1
# Every call is bounded: a hang fails its check instead of the suite.
cli () { timeout -k 5 300 "$CLI" "$@"; }
VRUN_TIMEOUT=600

# Everything below $WORK but the library, the extract target and this
# script's own output files, with sizes and times: compared after each run.
outside () {
  find "$WORK" -mindepth 1 \( -path "$LIB" -o -path "$WORK/out" -o -path "$WORK/last.out" \) -prune -o \
       -printf '%p %y %s %T@\n' | sort
}
mkdir -p "$WORK/out"
HOSTILE="$WORK/phone-hostile"
PHONE="$WORK/phone-small"
"$MAKE_PHONE" "$HOSTILE" --preset hostile-more >/dev/null
"$MAKE_PHONE" "$PHONE" --preset small >/dev/null
outside >"$WORK/out/before"

# --- the hostile-more phone --------------------------------------------------------
vrun --phone "$HOSTILE,profile=hostile,serial=EVIL" -- timeout 300 "$CLI" backup --json >"$WORK/out/b" 2>"$WORK/out/b.err"
ok $? "the hostile-more phone is backed up without a crash or a hang"
is "$(json 'd["state"]' <"$WORK/out/b")" complete "its snapshot is complete"
id=$(json 'd["id"]' <"$WORK/out/b")
cli ls -r --json "$id" / >"$WORK/out/held"
held=$(json 'len(d)' <"$WORK/out/held")
# What the phone holds: its files and folders on disk and those the rig
# makes (deep/ with 3,000 folders and bottom.txt, self/ and in-self.txt,
# 5 long-named folders and far.txt, loop-a and loop-b).  As in
# test-hostile.sh, three cannot be placed: the two folders that are each
# other's parent and the nameless file that names another folder.
# (Counted without wc -l: one name holds a newline.)
disk=$(find "$HOSTILE/Internal shared storage" -mindepth 1 -printf . | wc -c)
made=$((3001 + 1 + 2 + 6 + 2))
is "$held" "$((disk + made - 3))" "every object but the 3 that cannot be placed is in the catalog ($((disk + made)) on the phone)"
python3 - "$LIB/catalog.db" "$id" >"$WORK/out/skipped" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT name, reason FROM skipped WHERE snapshot_id = ?", (int(sys.argv[2]),))
for name, reason in sorted((n.rsplit("/", 1)[-1], r) for n, r in rows):
    print(name, "|", reason)
PY
is "$(cut -d'|' -f1 "$WORK/out/skipped" | tr -d ' ' | tr '\n' ' ')" "<none> long.bin loop-a self short.bin " \
   "what is left out or lied about is named, nothing else"
grep -q "^self | folder [0-9]* is listed inside itself" "$WORK/out/skipped"
ok $? "the folder that is its own parent: the reason says so"
python3 - "$WORK/out/held" <<'PY'
import json, sys
held = json.load(open(sys.argv[1]))
names = [x["name"] for x in held]
want = ["nul", "back\\..\\..\\slash.jpg", "C:\\Windows\\evil.jpg", "/", "back\\slash.txt",
        "..\\..\\evil.txt", "del\x7f.txt", "cr\rhere.txt", "bell\x07\x1b]0;title\x07.jpg"]
missing = [w for w in want if w not in names]
assert not missing, missing
# A NUL ends the name libmtp reads.
assert all("\0" not in n for n in names)
assert names.count("dup.jpg") == 4, names.count("dup.jpg")
PY
ok $? "names are kept as libmtp read them: backslashes, control characters, 4 duplicates; a NUL ends a name"
python3 - "$WORK/out/held" <<'PY'
import json, sys
held = json.load(open(sys.argv[1]))
for x in held:
    x["path"].encode("utf-8")
# libmtp's iconv gives "?" for each unpaired surrogate.
for want in ("broken?half.txt", "low?half.txt", "??swapped.txt", "ends-high?"):
    assert want in [x["name"] for x in held], want
longest = max(len(x["name"]) for x in held if x["name"].startswith("LLL"))
assert longest == 254, longest
PY
ok $? "names with lone surrogates arrive as valid UTF-8 ("?" for each); the 1,204-character name arrives as the 254 an MTP string holds"
json '[x["path"] for x in d if x["name"] == "bottom.txt"][0].split("/").count("d")' <"$WORK/out/held" | grep -qx 3000
ok $? "the 3,000-deep chain is held to its bottom"
json '[len(x["path"]) for x in d if x["name"] == "far.txt"][0] > 1200' <"$WORK/out/held" | grep -qx True
ok $? "the path of more than 1,200 characters is held"
json '[x["path"] for x in d if x["path"].startswith("/Internal shared storage/self/")]' <"$WORK/out/held" |
  grep -qx "\['/Internal shared storage/self/in-self.txt'\]"
ok $? "the folder that is its own parent is held once, with the file beside its loop"
json '[x["modified"] for x in d if x["name"] in ("garbage-date.jpg", "no-date.jpg", "overflow-date.jpg")]' \
  <"$WORK/out/held" >"$WORK/out/dates"
is "$(cat "$WORK/out/dates")" "['', '', '']" "garbage, missing and overflowing dates are stored as no date"

T="$WORK/out/target/a/b/c/d"
mkdir -p "$T"
cli extract "$id" / --to "$T" >"$WORK/out/x" 2>"$WORK/out/x.err"
ok $? "extracting the hostile-more snapshot succeeds"
check "nothing was written outside the library and the target (nor by ../../../../etc/passwd)" -- \
  diff "$WORK/out/before" <(outside)
[ ! -e "$WORK/out/target/etc" ] && [ -z "$(find "$WORK/out/target" -maxdepth 4 -not -path "$T*" -mindepth 1 -not -type d)" ]
ok $? "nothing escaped the target upward"
check "each changed name is listed: slash, dot, dot-dot, control characters, duplicates" -- bash -c '
  for n in "hostile/a/b.jpg → a_b.jpg" "hostile/\. → _\." "hostile/\.\. → _\.\." "hostile// → _ (2)" \
           "ctrl.x01.x02.txt → ctrl__.txt" "del.x7f.txt → del_.txt" "dup.jpg → dup (4).jpg" \
           "passwd → \.\._\.\._\.\._\.\._etc_passwd"; do
    grep -aq "^renamed: /Internal shared storage/.*$n\$" "$1" || { echo "missing: $n"; exit 1; }
  done' _ "$WORK/out/x.err"
# What the phone holds on disk and told the truth about arrives byte for
# byte: the disk files but the three lying sizes and the unplaceable one,
# plus the three the rig makes (bottom.txt, in-self.txt, far.txt).
python3 - "$HOSTILE" "$T" <<'PY'
import collections, hashlib, os, sys
def digests(root, skip=()):
    # By directory descriptor: the chain is deeper than PATH_MAX.
    out = collections.Counter()
    stack = [(os.open(root, os.O_RDONLY | os.O_DIRECTORY), True)]
    while stack:
        fd, top = stack.pop()
        for e in os.scandir(fd):
            if e.is_dir(follow_symlinks=False):
                if not (top and e.name.startswith(".")):
                    stack.append((os.open(e.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), False))
            elif e.name not in skip:
                f = os.open(e.name, os.O_RDONLY, dir_fd=fd)
                with os.fdopen(f, "rb") as fh:
                    out[hashlib.sha256(fh.read()).hexdigest()] += 1
        os.close(fd)
    return out
phone = digests(sys.argv[1], skip=("short.bin", "long.bin", "empty-plus.bin", "n05.bin"))
got = digests(sys.argv[2])
missing = phone - got
assert not missing, f"{sum(missing.values())} files missing"
assert sum(got.values()) == sum(phone.values()) + 3 + 3, (sum(got.values()), sum(phone.values()))
PY
ok $? "every file that told the truth is extracted byte for byte (and the lying sizes as sent)"
for d in DCIM Documents Download; do diff -r "$HOSTILE/Internal shared storage/$d" "$T/Internal shared storage/$d" || break; done
ok $? "the usable part of the phone is extracted unchanged"
cli verify >"$WORK/out/v" 2>&1
ok $? "verify is clean after the hostile backup"

# --- phones that refuse every other request ---------------------------------------------
# libmtp drops, silently, an object whose ObjectInfo or property list the
# phone refused; a backup then held 2 of the phone's 22 files and called
# itself complete.  Asked again until the listing stops growing, it holds
# all 22; a refused folder listing is asked again too.
n=$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)
for op in GetObjectInfo GetObjectPropList GetObjectHandles; do
  vrun --phone "$PHONE,serial=F-$op,flaky=2,flaky-op=$op" -- timeout 300 "$CLI" backup --json >"$WORK/out/f" 2>/dev/null
  is "$?:$(json '(d["state"], d["files"], d["skipped"])' <"$WORK/out/f" 2>/dev/null)" "0:('complete', $n, 0)" \
     "every other $op refused: all $n files held, nothing skipped"
done
# Every other read refused: a named reason for each file left out, the
# rest held, and the next backup takes exactly what was left.
vrun --phone "$PHONE,serial=F-GET,flaky=2,flaky-op=GetObject" -- timeout 300 "$CLI" backup --json >"$WORK/out/g" 2>/dev/null
got=$(json '(d["files"], d["skipped"])' <"$WORK/out/g")
python3 - "$LIB/catalog.db" "$(json 'd["id"]' <"$WORK/out/g")" >"$WORK/out/g.skipped" <<'PY'
import sqlite3, sys
for name, reason in sqlite3.connect(sys.argv[1]).execute("SELECT name, reason FROM skipped WHERE snapshot_id = ?", (int(sys.argv[2]),)):
    print(name, "|", reason)
PY
python3 -c "import sys; f, s = eval(sys.argv[1]); sys.exit(not (f + s == $n and s > 0 and s == int(sys.argv[2])))" \
  "$got" "$(grep -c '| ..*' "$WORK/out/g.skipped")"
ok $? "every other GetObject refused: each file left out is named with a reason, the rest held $got"
vrun --stats "$WORK/out/g2.json" --phone "$PHONE,serial=F-GET" -- timeout 300 "$CLI" backup --json >"$WORK/out/g2" 2>/dev/null
reads=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phones"][0]["operations"].get("GetObject", 0))' "$WORK/out/g2.json")
is "$(json 'd["files"]' <"$WORK/out/g2"):$reads" "$n:$(python3 -c "print($got[1])")" \
   "the next backup holds all $n, reading only the files left out"
# A phone that refuses every other request from the start refuses the
# GetDeviceInfo of libmtp's open, which then keeps its claim on the phone:
# that is not "another program", and the phone is there all the same.
vrun --phone "$PHONE,serial=F-ALL,flaky=2" -- timeout 300 "$CLI" backup >"$WORK/out/a" 2>"$WORK/out/a.err"
rc=$?
is "$rc" 1 "a phone refusing every other request from the start: the backup fails cleanly"
grep -q "lifeboat-cli: The phone does not answer. Disconnect it, connect it again" "$WORK/out/a.err" &&
  ! grep -q "Another program" "$WORK/out/a.err"
ok $? "and says the phone does not answer, blaming no other program: $(grep lifeboat-cli "$WORK/out/a.err" | sed 's/.*lifeboat-cli: //')"
check "nothing was written outside the library by the flaky phones" -- diff "$WORK/out/before" <(outside)
done_testing

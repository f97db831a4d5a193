#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make check-valgrind`: one full backup and restore of the `small` phone
# with lifeboat-cli under valgrind's memcheck inside the rig (valgrind is
# the rig's command, so it follows lifeboat-cli only): no memory errors,
# no leak, outside what tests/valgrind.supp names as other libraries'.
. "$(dirname "$0")/../vphone/tap.sh"
plan 6

CLI="$top_builddir/src/cli/lifeboat-cli"
PHONE="$WORK/phone"
export LIFEBOAT_LIBRARY="$WORK/library"
need_tool valgrind valgrind 6 || { done_testing; }
# (make check leaves it out of sanitizer builds; make check-valgrind may not.)
if ldd "$CLI" 2>/dev/null | grep -q 'libasan'; then
  skip 6 "lifeboat-cli is a sanitizer build, which valgrind cannot run"
  done_testing
fi
"$MAKE_PHONE" "$PHONE" --preset small --seed 3 >/dev/null
"$CLI" init "$LIFEBOAT_LIBRARY" >/dev/null || exit 1
cp -a "$PHONE" "$WORK/original"
cd "$WORK" || exit 1
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
    --suppressions="$top_srcdir/tests/valgrind.supp" --num-callers=30)

# lost: "definitely indirectly possibly" bytes from a valgrind log
lost () { for k in definitely indirectly possibly; do
            sed -n "s/.*$k lost: \([0-9,]*\) bytes.*/\1/p" "$1" | tr -d , | tail -1 | grep . || echo 0; done | tr '\n' ' '; }
run () {  # run NAME ARGS...: lifeboat-cli under valgrind, inside the rig
  local name=$1; shift
  vrun --phone "$PHONE,serial=VALGRIND" -- "${VG[@]}" --log-file="$WORK/$name.vg" "$CLI" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  local rc=$?
  diag "$name: exit $rc, $(grep 'ERROR SUMMARY' "$WORK/$name.vg" | sed 's/^==[0-9]*== //'), lost bytes (definitely indirectly possibly): $(lost "$WORK/$name.vg")"
  [ $rc -eq 99 ] && grep -v '^==[0-9]*== *$' "$WORK/$name.vg" | sed -n '/ERROR SUMMARY/q;/Memcheck, a memory/,$p' | tail -60 | sed 's/^/#   /'
  return $rc
}

run backup backup -q
is "$?" 0 "backup under valgrind: no memory error, no leak of ours"
[ "$(lost "$WORK/backup.vg")" = "0 0 0 " ]
ok $? "and nothing lost, definitely or possibly, once other libraries' are left out"
find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print0 | xargs -0 rm -f
run restore restore latest -q
is "$?" 0 "restore onto the wiped phone under valgrind: no memory error, no leak of ours"
[ "$(lost "$WORK/restore.vg")" = "0 0 0 " ]
ok $? "and nothing lost"
diff -r -x .vphone "$WORK/original" "$PHONE" >"$WORK/diff" 2>&1
ok $? "the phone is whole again"
grep -q "in use at exit" "$WORK/restore.vg"
ok $? "valgrind really ran lifeboat-cli (its heap summary is there)"
done_testing

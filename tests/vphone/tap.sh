# SPDX-License-Identifier: GPL-3.0-or-later
# TAP helpers for the rig's shell tests (sourced, bash).
# Every test finds the build through $top_builddir / $top_srcdir, which
# `make check` exports; run by hand they default to the source tree.
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
VP="$top_builddir/tests/vphone"
MAKE_PHONE="$top_srcdir/tests/vphone/make-phone"
# A bare MTP initiator (pyusb).  Python is no sanitizer build: its own
# leaks are not ours (cf. tests/gui/test-e2e.sh).
RAW=(env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" /usr/bin/python3 "$top_srcdir/tests/vphone/mtp-raw.py")
export LANG=C.UTF-8 TZ=UTC
# What the tests read: lifeboat-cli's --json on stdin, through a Python
# expression over d; and the objects read from the first phone, from a
# vphone-run --stats FILE.
json () { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
gets () { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(sum(o.get(k,0) for k in ("GetObject","GetPartialObject","GetPartialObject64")))' "$1"; }
_tap_n=0
_tap_failed=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vphone-test.XXXXXX")
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT

plan () { echo "1..$1"; }
diag () { printf '# %s\n' "$@"; }

ok () {  # ok CONDITION-EXIT-STATUS DESCRIPTION
  _tap_n=$((_tap_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_failed=1; fi
}

todo () {  # todo CONDITION-EXIT-STATUS DESCRIPTION REASON: a known bug, reported but not failing the run
  _tap_n=$((_tap_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2 # TODO $3"; else echo "not ok $_tap_n - $2 # TODO $3"; fi
}

check () {  # check DESCRIPTION -- COMMAND...: ok when COMMAND succeeds
  local desc=$1; shift; [ "$1" = "--" ] && shift
  "$@" >"$WORK/last.out" 2>&1
  local rc=$?
  ok $rc "$desc"
  [ $rc -eq 0 ] || { diag "command: $*"; sed 's/^/#   /' "$WORK/last.out" | tail -20; }
}

is () {  # is GOT EXPECTED DESCRIPTION
  if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got:      $1" "expected: $2"; fi
}

skip () {  # skip COUNT REASON: COUNT tests that cannot run here
  local i
  for i in $(seq "$1"); do _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $2"; done
}

# need_tool TOOL PACKAGE COUNT: 0 when TOOL is on PATH; otherwise COUNT
# tests are skipped, or failed under CI=true, where a missing tool means
# the package list is wrong, and 1 is returned.
need_tool () {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "${CI:-}" = true ]; then
    local i
    for i in $(seq "$3"); do ok 1 "$1 is installed (Debian package $2)"; done
  else
    skip "$3" "$1 is not installed (Debian package $2)"
  fi
  return 1
}

# Runs vphone-run with a time limit so a hung client fails instead of
# stalling the suite.
vrun () { timeout -k 5 "${VRUN_TIMEOUT:-900}" "$VP/vphone-run" "$@"; }

done_testing () { exit $_tap_failed; }

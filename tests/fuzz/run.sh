#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make fuzz`: builds each target tests/fuzz/fuzz-NAME.c with clang's
# libFuzzer, ASan and UBSan against the core's sources, and runs each for
# FUZZ_SECONDS.  New inputs go to a work corpus in the build tree (the
# committed corpus and the regressions are read, never written); a finding
# is kept in tests/fuzz/findings/ of the build tree and fails the run.
#
# Makefile.am passes: srcdir, builddir, CORE_SOURCES (the core's files),
# FUZZ_CPPFLAGS and FUZZ_LIBS (the dependencies' flags), and the targets'
# names as arguments.  CLANG overrides the compiler.
set -uo pipefail
: "${srcdir:?}" "${builddir:?}" "${CORE_SOURCES:?}" "${FUZZ_SECONDS:=15}" "${CLANG:=clang}"
FUZZ_CPPFLAGS=${FUZZ_CPPFLAGS:-}
FUZZ_LIBS=${FUZZ_LIBS:-}
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "$builddir" && pwd)
out=$builddir/tests/fuzz
obj=$out/obj
mkdir -p "$obj" "$out/findings"

if ! command -v "$CLANG" >/dev/null; then
  echo "fuzz: $CLANG is not installed (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# No -Werror: gcc's -Werror build is the gate for warnings; a warning only
# clang gives must not stop the fuzzing.
cflags="-O1 -g -Wall -Wextra $san -I$builddir -I$srcdir/src/core -I$srcdir/tests/fuzz
  -DG_LOG_DOMAIN=\"lifeboat\" -DLOCALEDIR=\"/nonexistent\" $FUZZ_CPPFLAGS"

# The core, once, with coverage for libFuzzer; again only what changed.
newest_header=$(ls -t "$srcdir"/src/core/*.h "$builddir/config.h" | head -1)
objects=()
stale=()
for f in $CORE_SOURCES; do
  case $f in *.c) ;; *) continue ;; esac
  o=$obj/$(basename "${f%.c}").o
  objects+=("$o")
  if [ ! -f "$o" ] || [ "$srcdir/$f" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then stale+=("$srcdir/$f"); fi
done
compile () {  # compile SOURCE: one core file into $obj
  # shellcheck disable=SC2086
  "$CLANG" $cflags -fsanitize=fuzzer-no-link -c "$1" -o "$obj/$(basename "${1%.c}").o"
}
export -f compile
export CLANG cflags obj
if [ ${#stale[@]} -gt 0 ]; then
  echo "fuzz: compiling ${#stale[@]} core files with $CLANG"
  printf '%s\n' "${stale[@]}" | xargs -P "${FUZZ_JOBS:-2}" -I{} bash -c 'compile "$1"' _ {} || exit 1
fi

status=0
for name in "$@"; do
  bin=$out/fuzz-$name
  # shellcheck disable=SC2086
  "$CLANG" $cflags -fsanitize=fuzzer "$srcdir/tests/fuzz/fuzz-$name.c" "${objects[@]}" $FUZZ_LIBS -o "$bin" ||
    { status=1; continue; }
  mkdir -p "$out/work/$name"
  # libFuzzer gives up on a folder that is missing: regressions/NAME/ only
  # exists once a bug was found.
  corpora=("$out/work/$name")
  for d in "$srcdir/tests/fuzz/corpus/$name" "$srcdir/tests/fuzz/regressions/$name"; do
    [ -d "$d" ] && corpora+=("$d")
  done
  log=$out/fuzz-$name.log
  echo "fuzz: $name for $FUZZ_SECONDS s"
  ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
  LSAN_OPTIONS=suppressions=$srcdir/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$out/findings/$name-" \
      "${corpora[@]}" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ $rc -eq 0 ]; then
    echo "fuzz: $name: ${runs:-?} runs, no finding"
  else
    status=1
    tail -40 "$log"
    echo "fuzz: $name FOUND A BUG (exit $rc; full log $log)."
    echo "fuzz: the input is in $out/findings/; fix the bug, then keep the input as a test:"
    echo "fuzz:   cp $out/findings/$name-* $srcdir/tests/fuzz/regressions/$name/"
  fi
done
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every fuzz target over its committed corpus and the inputs the fuzzer
# once found bugs with (tests/fuzz/regressions/NAME/), in the ordinary
# build: a bug fixed stays fixed, in the sanitizer pass too.
. "$(dirname "$0")/../vphone/tap.sh"
targets=()
for f in "$top_srcdir"/tests/fuzz/fuzz-*.c; do
  f=${f##*/fuzz-}; targets+=("${f%.c}")
done
plan ${#targets[@]}

for name in "${targets[@]}"; do
  # A bug found once was a hang: the time-out turns one back into a failure.
  out=$(timeout 300 "$top_builddir/tests/fuzz/replay-$name" "$top_srcdir/tests/fuzz/corpus/$name" \
        "$top_srcdir/tests/fuzz/regressions/$name" 2>"$WORK/err")
  rc=$?
  n=${out% inputs}
  # No corpus would make a test that cannot fail.
  [ $rc -eq 0 ] && [ "${n:-0}" -gt 0 ] 2>/dev/null
  ok $? "fuzz target $name replays its corpus and regressions ($out)"
  [ $rc -eq 0 ] || tail -20 "$WORK/err" | sed 's/^/#   /'
done

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A bounded crash-state exploration (tests/faults/explore): the states a
# power cut could leave during a backup, a prune and a library move all
# open, verify and keep every earlier snapshot; and a broken build (a
# rename without its directory fsync, a catalog without its fsyncs) is
# caught, so the checks can fail.  `make check-faults` explores without
# bounds.
. "$(dirname "$0")/../vphone/tap.sh"
plan 5
EXPLORE=("$top_srcdir/tests/faults/explore" --seed "${FAULT_SEED:-1}")
for sc in backup prune move; do
  "${EXPLORE[@]}" --scenario "$sc" --stride "$([ "$sc" = move ] && echo 12 || echo 6)" --sample 3 --backups 2 >"$WORK/$sc" 2>&1
  ok $? "every power-cut state of a $sc checked is sound ($(tail -1 "$WORK/$sc"))"
  [ "$(tail -1 "$WORK/$sc" | grep -c ' 0 violations')" = 1 ] || sed 's/^/#   /' "$WORK/$sc" | tail -25
done
for brk in dirsync dbsync; do
  "${EXPLORE[@]}" --scenario backup --stride 8 --sample 3 --backups 0 --break "$brk" --expect-violations >"$WORK/$brk" 2>&1
  ok $? "a build without its $brk is caught ($(tail -1 "$WORK/$brk"))"
done

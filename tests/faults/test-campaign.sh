#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The short fault campaign (tests/faults/campaign): 40 seeded runs of
# backups and restores of a changing phone, most with a fault, checked
# after each; and a broken build (renames without their directory fsync) must be caught by the
# campaign's power cuts.  `make check-faults` runs 1,000.
. "$(dirname "$0")/../vphone/tap.sh"
plan 2
seed=${FAULT_SEED:-1}
"$top_srcdir/tests/faults/campaign" --runs 40 --seed "$seed" >"$WORK/campaign" 2>&1
ok $? "40 runs with faults lose nothing (seed $seed)"
sed 's/^/# /' "$WORK/campaign"
"$top_srcdir/tests/faults/campaign" --runs 1 --seed "$seed" --break dirsync --expect-violations >"$WORK/broken" 2>&1
ok $? "the campaign catches a build whose renames lack their directory fsync"
grep -E "lost|verify or" "$WORK/broken" | sed 's/^/# /'

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An idle phone with an idle client that listens for events must not burn
# CPU: the rig answers an empty reap with a bounded long poll.
. "$(dirname "$0")/tap.sh"
plan 3

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small >/dev/null
cd "$WORK" || exit 1

# Sanitizers multiply the cost of every call; the budget is for real builds.
limit=${VPHONE_IDLE_CPU_LIMIT:-1.0}
TIMEFORMAT='%R %U %S'
# Two runs, 2 s and 22 s idle: the difference is what 20 s of idling costs,
# without the start-up both share (20 s rather than 10 keeps noise down).
{ time vrun --phone "$PHONE" -- "$VP/vphone-probe" idle 2 >/dev/null 2>&1; } 2>"$WORK/short"
ok $? "a client can open the phone and listen"
{ time vrun --phone "$PHONE" -- "$VP/vphone-probe" idle 22 >/dev/null 2>&1; } 2>"$WORK/long"
ok $? "a client can sit on an open phone for 22 s"
read -r r1 u1 s1 <"$WORK/short"
read -r r2 u2 s2 <"$WORK/long"
pct=$(awk -v r1="$r1" -v c1="$(awk -v a="$u1" -v b="$s1" 'BEGIN{print a+b}')" \
          -v r2="$r2" -v c2="$(awk -v a="$u2" -v b="$s2" 'BEGIN{print a+b}')" \
          'BEGIN {printf "%.2f", 100 * (c2 - c1) / (r2 - r1)}')
awk -v p="$pct" -v l="$limit" 'BEGIN {exit !(p < l)}'
ok $? "idling costs rig and client $pct% of a CPU (limit $limit%)"
done_testing

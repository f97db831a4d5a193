#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One claimant per device, as usbfs has it (devio.c claimintf →
# usb_driver_claim_interface answers -EBUSY while another file holds the
# interface), across every process one vphone-run serves.
. "$(dirname "$0")/tap.sh"
plan 8

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small --seed 5 >/dev/null
cd "$WORK" || exit 1

# Two descriptors of one process are two files to the kernel: each step
# is what a real kernel answers.
vrun --phone "$PHONE" -- "$VP/vphone-probe" claims >"$WORK/claims" 2>"$WORK/claims.err"
ok $? "the raw usbfs probe runs"
cat >"$WORK/claims.want" <<'WANT'
a-claim ok
a-claim-again ok
b-claim EBUSY
b-claim-interface-1 ENOENT
b-getdriver ok
b-driver-name usbfs
b-release EINVAL
b-setconfiguration EBUSY
a-setconfiguration EBUSY
b-clear-halt EBUSY
b-submit-bulk EBUSY
b-get-device-descriptor ok 18
b-get-device-status EBUSY
b-disconnect-claim-except-usbfs ok
b-claim-after-it EBUSY
a-get-device-status ok 4
a-release ok
b-claim-after-release ok
a-claim-now EBUSY
a-claim-after-close ok
WANT
diff "$WORK/claims.want" "$WORK/claims" >"$WORK/claims.diff"
ok $? "claim, release, implicit claims, GETDRIVER, SETCONFIGURATION, DISCONNECT_CLAIM and close answer as usbfs does"
sed 's/^/# /' "$WORK/claims.diff"

# Another process: a libmtp client holds the phone open while mtp-tools try.
# Then it is killed, most likely inside a reap the rig holds open: the
# kernel releases a dead process's claim with its file, so must the rig.
VRUN_TIMEOUT=120 vrun --phone "$PHONE" -- bash -c '
  "$0/vphone-probe" idle 60 >"$1/holder.out" 2>"$1/holder.err" &
  holder=$!
  for i in $(seq 100); do grep -q open "$1/holder.out" && break; sleep 0.1; done
  grep -q open "$1/holder.out" || exit 10
  mtp-files >"$1/second.out" 2>&1; echo $? >"$1/second.rc"
  "$0/vphone-probe" storages >"$1/probe2.out" 2>&1; echo $? >"$1/probe2.rc"
  kill -KILL $holder; wait $holder 2>/dev/null
  mtp-files >"$1/after.out" 2>&1; echo $? >"$1/after.rc"
  exit 0' "$VP" "$WORK"
ok $? "a libmtp client holds the phone while others try"
grep -q "device is busy" "$WORK/second.out" && ! grep -q "^File ID" "$WORK/second.out"
ok $? "mtp-files is refused while another program holds the phone"
is "$(cat "$WORK/probe2.rc" 2>/dev/null)" 2 "vphone-probe cannot open it either"
is "$(cat "$WORK/after.rc" 2>/dev/null)" 0 "once the holder is killed (no release, no close of its own), mtp-files opens the phone"
grep -q "^File ID" "$WORK/after.out"
ok $? "and lists its files"

# GVfs (the busy fault) holds the interface with a usbfs claim too.
vrun --phone "$PHONE,busy" -- mtp-files >"$WORK/gvfs" 2>&1
! grep -q "^File ID" "$WORK/gvfs"
ok $? "the busy fault still keeps every client out"
done_testing

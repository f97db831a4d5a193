#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A FUSE file system over MTP (jmtpfs) sees exactly the phone folder.
. "$(dirname "$0")/tap.sh"
plan 3

PHONE="$WORK/phone"
MNT="$WORK/mnt"
"$MAKE_PHONE" "$PHONE" --preset small --seed 11 >/dev/null
mkdir -p "$MNT"
cd "$WORK" || exit 1

VRUN_TIMEOUT=120 vrun --phone "$PHONE" -- bash -c '
  jmtpfs "$0" >"$1/jmtpfs.log" 2>&1 || exit 10
  trap "fusermount -uz \"$0\"" EXIT
  for i in $(seq 50); do [ -d "$0/Internal shared storage" ] && break; sleep 0.1; done
  ls "$0" >"$1/top" || exit 11
  diff -r "$0/Internal shared storage" "$1/phone/Internal shared storage" >"$1/diff" 2>&1 || exit 12
  exit 0' "$MNT" "$WORK"
rc=$?
ok $rc "jmtpfs mounts the virtual phone (exit $rc)"
is "$(cat "$WORK/top" 2>/dev/null)" "Internal shared storage" "the mount shows the phone's storage"
[ $rc -eq 0 ] && [ ! -s "$WORK/diff" ]
ok $? "diff -r between the mount and the phone folder is empty"
[ -s "$WORK/diff" ] && sed 's/^/# /' "$WORK/diff" | head -20
mountpoint -q "$MNT" && fusermount -uz "$MNT"
done_testing

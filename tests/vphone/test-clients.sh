#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Independent MTP clients, each with its own MTP stack and usbfs layer
# (neither uses libmtp): android-file-transfer's aft-mtp-cli lists and
# reads the phone, go-mtpfs mounts it and reads through GetPartialObject.
# What they see must be the phone folder, byte for byte.
. "$(dirname "$0")/tap.sh"
plan 9

PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
"$MAKE_PHONE" "$PHONE" --preset small --seed 13 >/dev/null
cd "$WORK" || exit 1
# Paths below the storage, folders and files, sorted.
(cd "$INT" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/want-paths"

# --- android-file-transfer ----------------------------------------------------------
if need_tool aft-mtp-cli android-file-transfer 5; then
  # One batch fetches every file into aft/, folders made beforehand.
  mkdir -p "$WORK/aft"
  (cd "$INT" && find . -mindepth 1 -type d | sed 's|^\./||') | while IFS= read -r d; do mkdir -p "$WORK/aft/$d"; done
  (cd "$INT" && find . -type f | sed 's|^\./||') | while IFS= read -r f; do
    printf 'get "%s" "%s"\n' "$f" "$WORK/aft/$f"
  done >"$WORK/aft.batch"
  VRUN_TIMEOUT=300 vrun --stats "$WORK/aft.json" --phone "$PHONE" -- bash -c '
    aft-mtp-cli -l >"$0/aft.devices" 2>"$0/aft.devices.err" || exit 10
    printf "ls-r\n" | aft-mtp-cli -b >"$0/aft.ls" 2>"$0/aft.ls.err" || exit 11
    aft-mtp-cli -b <"$0/aft.batch" >"$0/aft.get" 2>"$0/aft.get.err" || exit 12' "$WORK"
  rc=$?
  ok $rc "aft-mtp-cli lists, walks and reads the phone (exit $rc)"
  [ $rc -eq 0 ] || sed 's/^/#   /' "$WORK"/aft.*.err | tail -10
  grep -q "Virtual Phone\|VirtualPhone" "$WORK/aft.devices"
  ok $? "aft-mtp-cli -l finds the phone by its name: $(head -1 "$WORK/aft.devices")"
  grep -E '^[0-9]+ +' "$WORK/aft.ls" | sed -E 's/^[0-9]+ +//' | LC_ALL=C sort >"$WORK/aft-paths"
  diff "$WORK/want-paths" "$WORK/aft-paths" >"$WORK/aft-paths.diff"
  ok $? "its recursive listing is every folder and file of the storage ($(wc -l <"$WORK/want-paths") paths)"
  sed 's/^/#   /' "$WORK/aft-paths.diff" | head -10
  diff -r "$INT" "$WORK/aft" >"$WORK/aft.diff" 2>&1
  ok $? "every file it fetched is byte-identical to the folder's"
  sed 's/^/#   /' "$WORK/aft.diff" | head -10
  n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phones"][0]["operations"].get("GetObject", 0))' "$WORK/aft.json" 2>/dev/null)
  [ "${n:-0}" -ge "$(cd "$INT" && find . -type f | wc -l)" ]
  ok $? "one GetObject per file at least ($n)"
fi

# --- go-mtpfs ------------------------------------------------------------------------
if need_tool go-mtpfs go-mtpfs 4; then
  MNT="$WORK/mnt"
  mkdir -p "$MNT"
  VRUN_TIMEOUT=300 vrun --stats "$WORK/go.json" --phone "$PHONE" -- bash -c '
    go-mtpfs "$0" >"$1/go-mtpfs.log" 2>&1 & fs=$!
    for i in $(seq 100); do [ -d "$0/Internal shared storage" ] && break; sleep 0.1; done
    ls "$0" >"$1/go-top" || { kill $fs; exit 11; }
    diff -r "$0/Internal shared storage" "$1/phone/Internal shared storage" >"$1/go.diff" 2>&1; d=$?
    fusermount -u "$0" || fusermount -uz "$0"
    wait $fs
    exit $d' "$MNT" "$WORK"
  rc=$?
  ok $rc "go-mtpfs mounts the phone and diff -r finds no difference (exit $rc)"
  sed 's/^/#   /' "$WORK/go.diff" 2>/dev/null | head -10
  [ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/go-mtpfs.log" | tail -10
  is "$(cat "$WORK/go-top" 2>/dev/null)" "Internal shared storage" "the mount shows the phone's storage"
  partial=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(o.get("GetPartialObject", 0) + o.get("GetPartialObject64", 0))' "$WORK/go.json" 2>/dev/null)
  [ "${partial:-0}" -gt 0 ]
  ok $? "it read through partial reads ($partial GetPartialObject/GetPartialObject64)"
  ! mountpoint -q "$MNT"
  ok $? "and unmounts cleanly"
  mountpoint -q "$MNT" && fusermount -uz "$MNT"
fi
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Things at the very top of a storage, restored onto a new, empty phone:
# folders the new phone lacks ("WhatsApp", every folder of a fresh SD card)
# and top-level files, media and not.  A real Android phone (9 and later)
# refuses parent 0 on SendObjectInfo; only 0xFFFFFFFF names the top
# (AOSP MtpServer::doSendObjectInfo), and the rig answers the same.  The
# same restore onto an Android 8 phone (parent0=primary) must land too.
. "$(dirname "$0")/../vphone/tap.sh"
plan 9

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
cd "$WORK" || exit 1
ops () { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(o.get(sys.argv[2], 0))' "$1" "$2"; }

OLD="$WORK/old"
"$MAKE_PHONE" "$OLD" --preset small --seed 8 >/dev/null
for st in "Internal shared storage" "SD card"; do
  mkdir -p "$OLD/$st/WhatsApp/Media"
  printf 'chat' >"$OLD/$st/WhatsApp/Media/msg.txt"
  printf 'top-level text' >"$OLD/$st/readme.txt"         # not media: libmtp sends parent 0 as is
  head -c 3000 /dev/urandom >"$OLD/$st/song.mp3"          # media: libmtp may pick a default folder
  head -c 2000 /dev/urandom >"$OLD/$st/photo.jpg"
done
vrun --phone "$OLD,serial=OLDPHONE" -- "$CLI" backup -q
ok $? "the old phone, with top-level folders and files on both storages, is backed up"

n=0
for variant in "" ",parent0=primary"; do
  n=$((n + 1))
  NEW="$WORK/new$n"
  mkdir -p "$NEW/Internal shared storage" "$NEW/SD card"
  vrun --phone "$NEW,serial=NEWPHONE$n$variant" -- \
    "$CLI" restore latest --to-new-device >"$WORK/out" 2>"$WORK/err"
  ok $? "restored onto a new phone${variant:+ ($variant)}"
  grep -v libmtp "$WORK/err" | grep -v -i 'device' | sed 's/^/#   /' | head -5
  diff -r -x .vphone "$OLD" "$NEW" >"$WORK/diff" 2>&1
  ok $? "every top-level folder and file is on the same storage as before${variant:+ ($variant)}"
  sed 's/^/#   /' "$WORK/diff" | head -10
  vrun --stats "$WORK/again.json" --phone "$NEW,serial=NEWPHONE$n$variant" -- \
    "$CLI" restore latest --to-new-device >/dev/null 2>&1
  ok $? "the same restore again succeeds${variant:+ ($variant)}"
  is "$(ops "$WORK/again.json" SendObjectInfo)" 0 "and creates nothing${variant:+ ($variant)}"
done

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# check-large: objects past 4 GiB (a sparse 5 GiB video on the `large` phone).
. "$(dirname "$0")/tap.sh"
plan 9

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset large >/dev/null
VIDEO="$PHONE/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4"
cd "$WORK" || exit 1

vrun --phone "$PHONE" -- bash -c '
  id=$("$0" ls | awk "\$5 == \"VID_20250704_201500.mp4\" {print \$1; exit}")
  echo "id=$id"
  echo "size=$("$0" size "$id")"
  "$0" read "$id" $((5 * 1024 * 1024 * 1024 - 65536)) 65536 >"$1/tail.bin"
  "$0" read "$id" $((4 * 1024 * 1024 * 1024 + 12345)) 4096 >"$1/mid.bin"
  "$0" read "$id" $((4 * 1024 * 1024 * 1024 - 2048)) 4096 >"$1/across.bin"' \
  "$VP/vphone-probe" "$WORK" >"$WORK/out" 2>/dev/null
ok $? "the 5 GiB object is listed and read on the large phone"
check "its size is the full 64-bit size" -- grep -qx "size=$((5 * 1024 * 1024 * 1024))" "$WORK/out"
tail -c 65536 "$VIDEO" >"$WORK/want-tail.bin"
cmp -s "$WORK/tail.bin" "$WORK/want-tail.bin"
ok $? "GetPartialObject64 reads the last 64 KiB, 5 GiB into the file"
# make-phone writes random bytes either side of 4 GiB in the hole, so these
# compare data: a read that wrapped its offset to 32 bits would get the
# file's head, one that returned zeros the hole.
nonzero () { [ "$(tr -d '\000' <"$1" | wc -c)" -gt 0 ]; }
dd if="$VIDEO" of="$WORK/want-mid.bin" bs=4096 count=1 skip=$((4 * 1024 * 1024 * 1024 + 12345)) iflag=skip_bytes status=none
nonzero "$WORK/want-mid.bin" && cmp -s "$WORK/mid.bin" "$WORK/want-mid.bin"
ok $? "a read at an unaligned offset past 4 GiB is right (and not in the hole)"
dd if="$VIDEO" of="$WORK/want-across.bin" bs=4096 count=1 skip=$((4 * 1024 * 1024 * 1024 - 2048)) iflag=skip_bytes status=none
nonzero "$WORK/want-across.bin" && cmp -s "$WORK/across.bin" "$WORK/want-across.bin"
ok $? "a read across the 4 GiB boundary is right (and not in the hole)"
find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l >"$WORK/n"
[ "$(cat "$WORK/n")" -ge 22000 ]
ok $? "the large phone holds $(cat "$WORK/n") files"
# --- the disk fills while a sparse 5 GiB stream comes in ------------------------------------
# libmtp itself refuses a file larger than the free space it last read
# (check_if_file_fits), so the space must run out during the stream:
# something else fills the disk 4.5 GiB into the data phase, past the
# 0xFFFFFFFF size SendObjectInfo announced, in a run of zeros the rig keeps
# as a hole.  Android answers the failed write GeneralError
# (MtpServer::doSendObject) and unlinks the partial file.
# mtp-sendfile's second argument is the destination folder.  Its top
# level would be parent 0, which Android 9+ answers InvalidObjectHandle at
# SendObjectInfo (MtpServer::doSendObjectInfo special-cases only
# 0xFFFFFFFF), before any data is sent; so the file goes into Movies.
SHORT="$WORK/short"
mkdir -p "$SHORT/Internal shared storage/Movies"
VPHONE_DEBUG=1 vrun --phone "$SHORT,store-full-after-bytes=$((4608 * 1024 * 1024))" -- \
  mtp-sendfile "$VIDEO" /Movies >"$WORK/short.out" 2>&1
is "$?" 1 "a 5 GiB send whose disk fills 4.5 GiB in fails"
grep -q "SendObject(.*) -> 0x2002" "$WORK/short.out"
ok $? "the SendObject is answered GeneralError, as Android does"
is "$(find "$SHORT" -path "$SHORT/.vphone" -prune -o -type f -print | wc -l)" 0 "nothing half-sent stays on the phone"
done_testing

#!/usr/bin/env bash
# A second, independent device-side MTP stack behind the same virtual cable:
# Debian's uMTP-Responder (umtprd) on the rig's emulated FunctionFS endpoints
# (vp-ffs.c), driven by the unmodified libusb and libmtp.  Skipped without
# umtprd.  Not yet part of `make check` (issue #16).
. "$(dirname "$0")/tap.sh"
if ! command -v umtprd >/dev/null; then echo "1..0 # SKIP umtprd (package umtp-responder) is not installed"; exit 0; fi
plan 11

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small >/dev/null
cd "$WORK" || exit 1
# umtprd 1.3.10 writes inotify events on the interrupt endpoint while holding
# the lock its MTP thread needs (src/inotify.c; fixed upstream in 1.6.8,
# commit 7e479ef): a host that reads no events, as mtp-tools, then hangs
# after its first SendObject.  The libmtp part runs without inotify.
RUN=(--phone "$PHONE,serial=UMTPRD1,responder=ffs:umtprd -conf $WORK/noinotify.conf")
"$VP/vphone-run" --phone "$PHONE,serial=UMTPRD1,responder=umtprd" -- \
  sh -c 'cat "$(dirname "$VPHONE_CONTROL")/umtprd-1.conf"' >"$WORK/noinotify.conf" 2>/dev/null
echo "no_inotify 1" >>"$WORK/noinotify.conf"
grep -q '^usb_functionfs_mode 0x1' "$WORK/noinotify.conf"
ok $? "responder=umtprd writes a FunctionFS umtprd.conf"

vrun "${RUN[@]}" -- mtp-detect >"$WORK/detect" 2>"$WORK/detect.err"
ok $? "mtp-detect talks to umtprd"
grep -q '^   Serial number: UMTPRD1$' "$WORK/detect"
ok $? "the device info is umtprd's (serial from its config)"
grep -q 'StorageDescription: Internal shared storage' "$WORK/detect"
ok $? "the phone folder's storage is listed"

n_disk=$(find "$PHONE" -type f -not -path '*/.vphone/*' | wc -l)
n_mtp=$(vrun "${RUN[@]}" -- mtp-files 2>/dev/null | grep -c '^File ID:')
is "$n_mtp" "$n_disk" "mtp-files lists every file"

head -c 3000000 /dev/urandom >"$WORK/up.bin"
cat >"$WORK/seq.sh" <<'EOS'
set -e
id=$(mtp-files 2>/dev/null | awk '/^File ID:/{id=$3} /Filename: up.bin/{print id}')
[ -z "$id" ]
mtp-sendfile "$1/up.bin" up.bin >/dev/null 2>&1
id=$(mtp-files 2>/dev/null | awk '/^File ID:/{id=$3} /Filename: up.bin/{print id}')
mtp-getfile "$id" "$1/back.bin" >/dev/null 2>&1
EOS
vrun "${RUN[@]}" -- bash "$WORK/seq.sh" "$WORK" >/dev/null 2>&1
ok $? "mtp-sendfile and mtp-getfile of a 3 MB file"
cmp -s "$WORK/up.bin" "$PHONE/Internal shared storage/up.bin"
ok $? "the sent file is on the phone, byte for byte"
cmp -s "$WORK/up.bin" "$WORK/back.bin"
ok $? "the file read back is the same"

# Unplug and plug: FUNCTIONFS_DISABLE ends umtprd's held reads, ENABLE
# starts its MTP thread again.
vrun "${RUN[@]}" -- bash -c '"$0"/vphone-ctl unplug UMTPRD1 && "$0"/vphone-ctl plug UMTPRD1 && sleep 0.3 && mtp-folders' "$VP" >"$WORK/replug" 2>&1
ok $? "after an unplug and a plug, umtprd answers again"
# Lifeboat itself against the second stack: a snapshot, extracted, is the
# phone folder byte for byte.
CLI="$top_builddir/src/cli/lifeboat-cli"
mkdir -p "$WORK/lib"
rm -f "$PHONE/Internal shared storage/up.bin"
vrun --phone "$PHONE,serial=UMTPRD1,responder=umtprd" -- "$CLI" -L "$WORK/lib" backup -q >"$WORK/backup" 2>&1
ok $? "lifeboat-cli backup from umtprd"
"$CLI" -L "$WORK/lib" extract 1 / --to "$WORK/ext" -q && diff -r --exclude=.vphone "$PHONE" "$WORK/ext" >"$WORK/diff"
ok $? "the snapshot holds the phone folder, byte for byte"
done_testing

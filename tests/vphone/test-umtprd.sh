#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A second, independent device-side MTP stack behind the same virtual cable:
# Debian's uMTP-Responder (umtprd) on the rig's emulated FunctionFS endpoints
# (vp-ffs.c), driven by the unmodified libusb, libmtp, jmtpfs and Lifeboat.
# The rig's --stats count the operations from the host's side of the cable
# (the command containers it carries), so "no file read" is not umtprd's word.
. "$(dirname "$0")/tap.sh"
plan 41
need_tool umtprd umtp-responder 41 || done_testing
VRUN_TIMEOUT=300
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
# Raw usbfs, no libusb: claims, and Get Device Status as a synchronous
# USBDEVFS_CONTROL, which the rig hands to umtprd as a SETUP event; every
# step answers as on the rig's own responder.
"$VP/vphone-run" --phone "$PHONE,serial=RIG" -- "$VP/vphone-probe" claims >"$WORK/claims.rig" 2>/dev/null
vrun "${RUN[@]}" -- "$VP/vphone-probe" claims >"$WORK/claims.umtprd" 2>/dev/null
grep -qx 'a-get-device-status ok 4' "$WORK/claims.umtprd" && cmp -s "$WORK/claims.rig" "$WORK/claims.umtprd"
ok $? "usbfs claims and a class request by USBDEVFS_CONTROL answer as on the rig's responder"

# jmtpfs, a FUSE file system on libmtp, sees exactly the phone folder.
mkdir -p "$WORK/mnt"
vrun "${RUN[@]}" -- bash -c '
  jmtpfs "$0" >"$1/jmtpfs.log" 2>&1 || exit 10
  trap "fusermount -uz \"$0\"" EXIT
  for i in $(seq 50); do [ -d "$0/Internal shared storage" ] && break; sleep 0.1; done
  diff -r "$0/Internal shared storage" "$1/phone/Internal shared storage" >"$1/jdiff" 2>&1 || exit 12' "$WORK/mnt" "$WORK"
ok $? "jmtpfs mounts umtprd's phone and diff -r with the folder is empty"
mountpoint -q "$WORK/mnt" && fusermount -uz "$WORK/mnt"
rm -f "$PHONE/Internal shared storage/up.bin"

# --- Lifeboat against the second stack -------------------------------------------
# responder=umtprd as Debian configures it, inotify on: fine while nothing is
# written into a folder umtprd watches (one it has listed); see below.
CLI="$top_builddir/src/cli/lifeboat-cli"
export LIFEBOAT_LIBRARY="$WORK/lib" XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$LIFEBOAT_LIBRARY"
ops () { python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["phones"][0]["operations"]; print(sum(o.get(k,0) for k in sys.argv[2:]))' "$@"; }
files_of () { (cd "$1" && find . -path ./.vphone -prune -o -type f -printf '%P %s\n' | sort); }
# Two storages, and files large enough for an unplug to cut one.
mkdir -p "$PHONE/SD card/DCIM" "$PHONE/.vphone"
printf '[SD card]\nkind=removable\n' >"$PHONE/.vphone/storages.ini"
cp -p "$PHONE/Internal shared storage/DCIM/Camera/"* "$PHONE/SD card/DCIM/"
head -c $((6 << 20)) /dev/urandom >"$PHONE/SD card/DCIM/clip-1.mp4"
head -c $((6 << 20)) /dev/urandom >"$PHONE/SD card/DCIM/clip-2.mp4"
# Dated an hour back, as a phone's videos are: a file modified within 2 s
# of a backup's listing may still be growing, so the next backup reads it
# again (lb-backup.c, FRESH_SECONDS), and a quick start made the second
# backup below read these two again (CI, stop 22).
touch -d '1 hour ago' "$PHONE/SD card/DCIM/clip-1.mp4" "$PHONE/SD card/DCIM/clip-2.mp4"
U=(--phone "$PHONE,profile=umtprd,serial=UMTPRD1")
n_files=$(files_of "$PHONE" | wc -l)

vrun --stats "$WORK/s1.json" "${U[@]}" -- "$CLI" backup --json >"$WORK/b1" 2>"$WORK/b1.err"
ok $? "lifeboat-cli backs up the umtprd phone"
is "$(json 'd["state"], d["files"]' <"$WORK/b1")" "('complete', $n_files)" "the snapshot is complete with every file ($n_files)"
is "$(ops "$WORK/s1.json" GetObject)" "$n_files" "the rig saw one GetObject per file on the wire"
id1=$(json 'd["id"]' <"$WORK/b1")
"$CLI" extract "$id1" / --to "$WORK/ext" -q && diff -r -x .vphone "$PHONE" "$WORK/ext" >"$WORK/diff"
ok $? "the snapshot, extracted, is the phone folder byte for byte"
mtimes () { (cd "$1" && find . -path ./.vphone -prune -o -type f -printf '%P %T@\n' | sed 's/\.[0-9]*$//' | sort); }
cmp -s <(mtimes "$PHONE") <(mtimes "$WORK/ext")
ok $? "with the modification times umtprd reported (DateModified, to the second)"

# umtprd describes one object per GetObjectPropList, whatever the depth
# (mtp_op_getobjectproplist.c), and answers the all-objects form with
# InvalidObjectHandle: Lifeboat's fast listing (src/core/lb-device-ptp.c)
# falls back to libmtp's, as the backup above shows, and remembers it.
is "$(ops "$WORK/s1.json" GetObjectPropList)" "$(( $(ops "$WORK/s1.json" GetObjectInfo) + 1 ))" \
   "the fast listing was asked once, then libmtp listed the phone (one GetObjectPropList per ObjectInfo)"
grep -q "^[0-9a-f]*=[0-9]* .*0x2009" "$XDG_CACHE_HOME/lifeboat/listing.ini"
ok $? "the phone is remembered as one libmtp lists (why: InvalidObjectHandle, 0x2009)"
vrun --stats "$WORK/s2.json" "${U[@]}" -- "$CLI" backup --json >"$WORK/b2" 2>"$WORK/b2.err"
ok $? "a second backup with nothing changed succeeds"
is "$(ops "$WORK/s2.json" GetObjectPropList)" "$(ops "$WORK/s2.json" GetObjectInfo)" \
   "which does not ask for the fast listing again"
is "$(json 'd["state"], d["transferred_bytes"], d["new_bytes"]' <"$WORK/b2")" "('complete', 0, 0)" \
   "it is complete and transferred nothing"
is "$(ops "$WORK/s2.json" GetObject GetPartialObject GetPartialObject64)" 0 "no file data was read (no GetObject on the wire)"
"$CLI" verify >"$WORK/verify" 2>&1
ok $? "verify passes"

# --- unplugged in the middle of a file --------------------------------------------
printf 'x' >>"$PHONE/SD card/DCIM/clip-1.mp4"; printf 'x' >>"$PHONE/SD card/DCIM/clip-2.mp4"
touch -d '2024-02-03 04:05:07' "$PHONE/SD card/DCIM/"clip-*.mp4
vrun --phone "$PHONE,profile=umtprd,serial=UMTPRD1,disconnect-after-bytes=9000000" -- \
  "$CLI" backup >"$WORK/cut" 2>"$WORK/cut.err"
is "$?" 1 "a backup cut by an unplug mid-file fails"
check "it says the phone was disconnected" -- grep -qi "disconnected" "$WORK/cut.err"
is "$("$CLI" snapshots --json | json '" ".join(x["state"] for x in d)')" "interrupted complete complete" \
   "the cut snapshot is interrupted, the earlier ones complete"
vrun --phone "$PHONE,profile=umtprd,serial=UMTPRD1,busy" -- "$CLI" devices --json >"$WORK/busy" 2>/dev/null
is "$(json '" ".join(x["serial"] + "=" + x["state"] for x in d)' <"$WORK/busy")" "UMTPRD1=busy" \
   "the busy fault (another program holds the phone) applies to it too"
"$VP/vphone-run" --phone "$PHONE,profile=umtprd,serial=UMTPRD1,flaky=3" -- true 2>"$WORK/flaky.err"
[ $? -ne 0 ] && grep -q "needs the rig's own responder" "$WORK/flaky.err"
ok $? "a fault umtprd would have to answer (flaky) is refused, not silently dropped"
vrun --stats "$WORK/s3.json" "${U[@]}" -- "$CLI" backup --json >"$WORK/b3" 2>"$WORK/b3.err"
ok $? "the next backup completes"
is "$(ops "$WORK/s3.json" GetObject)" 1 "it reads only the file the unplug cut short"
id3=$(json 'd["id"]' <"$WORK/b3")
"$CLI" extract "$id3" / --to "$WORK/ext3" -q && diff -r -x .vphone "$PHONE" "$WORK/ext3" >"$WORK/diff3"
ok $? "and that snapshot, extracted, is the phone folder byte for byte"

# --- restore: the same phone wiped, and a new umtprd phone -------------------------
cp -a "$PHONE" "$WORK/orig"
rm -rf "$PHONE/Internal shared storage/"* "$PHONE/SD card/"*
vrun --stats "$WORK/s4.json" "${U[@]}" -- "$CLI" restore latest --json >"$WORK/r1" 2>"$WORK/r1.err"
ok $? "the wiped umtprd phone is restored"
diff -r -x .vphone "$PHONE" "$WORK/orig" >"$WORK/rdiff"
ok $? "diff -r between the restored phone and the original is empty"
# umtprd sets only ObjectFileName (mtp_properties.c setObjectPropValue;
# DateModified is InvalidObjectPropCode where Android answers
# ObjectPropNotSupported): the phone keeps the transfer time, as Android.
is "$(json 'd["report"]["dates_lost"] == d["report"]["sent"] > 0' <"$WORK/r1")" True \
   "the report says the dates could not be kept, as on Android"
# A backup reads any file dated within 2 seconds of its listing
# (lb-backup.c reusable_date): the restore may have ended a second ago.
sleep 3
vrun --stats "$WORK/s5.json" "${U[@]}" -- "$CLI" backup --json >"$WORK/b5" 2>/dev/null
ok $? "the next backup succeeds"
is "$(ops "$WORK/s5.json" GetObject)" 0 "and reads no file data: the journal knows the restored files"

NEW="$WORK/new"
mkdir -p "$NEW/Phone storage" "$NEW/Memory card" "$NEW/.vphone"
printf '[Phone storage]\nkind=fixed\n[Memory card]\nkind=removable\n' >"$NEW/.vphone/storages.ini"
# umtprd calls every storage fixed RAM (mtp_datasets.c
# build_storageinfo_dataset), so Lifeboat cannot tell the memory card by its
# kind (its own folders come in name order: "Memory card" first): the user
# names it with --map, and the rest follows by kind.
vrun --phone "$NEW,serial=UMTPRD2,model=Other,responder=umtprd" -- \
  "$CLI" restore "$id3" --to-new-device --map "SD card=Memory card" --json >"$WORK/m1" 2>"$WORK/m1.err"
ok $? "the snapshot migrates onto a new umtprd phone"
diff -r "$NEW/Phone storage" "$WORK/orig/Internal shared storage" >"$WORK/mdiff" 2>&1 &&
  diff -r "$NEW/Memory card" "$WORK/orig/SD card" >>"$WORK/mdiff" 2>&1
ok $? "both storages arrive, byte for byte"

# A restore that fills in files missing from folders umtprd has listed:
# 1.3.10 then writes ObjectInfoChanged on the interrupt endpoint while
# holding the lock its MTP thread needs (inotify.c, fixed upstream in
# 1.6.8), and Lifeboat, as libmtp, never reads events: it would hang.  That
# umtprd runs without inotify here (see the README).
"$VP/vphone-run" "${U[@]}" -- sh -c 'cat "$(dirname "$VPHONE_CONTROL")/umtprd-1.conf"' >"$WORK/noinotify2.conf" 2>/dev/null
echo "no_inotify 1" >>"$WORK/noinotify2.conf"
mapfile -t gone < <(find "$PHONE/Internal shared storage/DCIM/Camera" -type f | sort | head -2)
rm -f "${gone[@]}"
vrun --stats "$WORK/s6.json" --phone "$PHONE,serial=UMTPRD1,responder=ffs:umtprd -conf $WORK/noinotify2.conf" -- \
  "$CLI" restore latest --json >"$WORK/r2" 2>"$WORK/r2.err"
ok $? "a restore into folders that are still there succeeds"
is "$(ops "$WORK/s6.json" SendObject)" 2 "it sends only the 2 missing files"
diff -r -x .vphone "$PHONE" "$WORK/orig" >"$WORK/rdiff2"
ok $? "and the phone is the original again"
done_testing

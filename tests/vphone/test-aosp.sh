#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The rig answers as AOSP's MtpServer does, seen from a bare MTP initiator
# (mtp-raw.py: pyusb on the real libusb) rather than through libmtp, which
# hides or rewrites much of it.  Each check names the AOSP function it holds
# the rig to.
. "$(dirname "$0")/tap.sh"
plan 35

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small --seed 5 >/dev/null
mkdir -p "$PHONE/SD card/Music" && printf 'tune' >"$PHONE/SD card/Music/a.mp3"
cd "$WORK" || exit 1
INT=0x10001 SD=0x20001
total=$(find "$PHONE" -mindepth 2 -not -path '*/.vphone*' | wc -l)
top=$(find "$PHONE" -mindepth 2 -maxdepth 2 -not -path '*/.vphone*' | wc -l)

raw () {  # raw OPTIONS < SCRIPT: runs the script against one phone
  vrun --phone "$PHONE$1" -- "${RAW[@]}"
}
line () { sed -n "${1}p" "$2"; }

# --- SendObjectInfo: parent 0 and 0xFFFFFFFF (MtpServer::doSendObjectInfo) ----
raw "" >"$WORK/send" 2>&1 <<EOF
open
sendinfo $INT 0 from-zero 0x3001 0
sendinfo $SD 0 card-zero 0x3001 0
sendinfo $SD 0xffffffff card-top 0x3001 0
sendinfo 0 0xffffffff first-storage 0x3001 0
sendinfo 0xffffffff 0xffffffff nowhere 0x3001 0
sendinfo $INT 0xffffffff note.txt 0x3004 4
sendobj 6e6f7465
events 1
EOF
is "$(line 2 "$WORK/send")" "rc=0x2009 params=[]" "parent 0 is InvalidObjectHandle (Android 9+: MtpStorageManager.getObject(0) is null)"
is "$(line 3 "$WORK/send")" "rc=0x2009 params=[]" "also on the SD card"
ok "$([ ! -e "$PHONE/Internal shared storage/from-zero" ] && [ ! -e "$PHONE/SD card/card-zero" ]; echo $?)" "and nothing is created"
check "parent 0xFFFFFFFF is the storage's top, answered as parent 0" -- \
  grep -qxE 'rc=0x2001 params=\[131073, 0, [0-9]+\]' <(line 4 "$WORK/send")
ok "$([ -d "$PHONE/SD card/card-top" ]; echo $?)" "the folder is on the SD card"
check "storage 0 is the first storage, echoed as 0 (MtpServer::getStorage)" -- \
  grep -qxE 'rc=0x2001 params=\[0, 0, [0-9]+\]' <(line 5 "$WORK/send")
ok "$([ -d "$PHONE/Internal shared storage/first-storage" ]; echo $?)" "and lands on internal storage"
is "$(line 6 "$WORK/send")" "rc=0x2008 params=[]" "storage 0xFFFFFFFF is InvalidStorageID"
is "$(line 8 "$WORK/send")" "rc=0x2001 params=[]" "a file sent to the top arrives"
is "$(grep -c '^event=' "$WORK/send")" "0" "what the host created raises no ObjectAdded (MtpStorageManager freezes it)"

raw ",parent0=primary" >"$WORK/legacy" 2>&1 <<EOF
open
sendinfo $SD 0 legacy 0x3001 0
EOF
check "parent0=primary: Android 8 takes parent 0 ..." -- grep -qxE 'rc=0x2001 params=\[131073, 0, [0-9]+\]' <(line 2 "$WORK/legacy")
ok "$([ -d "$PHONE/Internal shared storage/legacy" ] && [ ! -e "$PHONE/SD card/legacy" ]; echo $?)" \
   "... as the primary storage's top, whichever storage was asked"
rmdir "$PHONE/Internal shared storage/legacy" "$PHONE/Internal shared storage/first-storage" "$PHONE/SD card/card-top"
rm "$PHONE/Internal shared storage/note.txt"

# --- listings (MtpStorageManager.getObjects, MtpDatabase.getObjectPropertyList)
raw "" >"$WORK/list" 2>&1 <<EOF
open
op 0x1006 0xffffffff 0 0
op 0x1006 0xffffffff 0 0xffffffff
op 0x1006 0 0 0xffffffff
proplist 0 0 0xdc07 0 0xffffffff
proplist 0 0 0 0 0
proplist 0 0 0 1 0
proplist 0 0 0xdc07 0 2
EOF
is "$(line 2 "$WORK/list")" "rc=0x2001 params=[$total]" "GetNumObjects with parent 0 counts every object, recursively"
is "$(line 3 "$WORK/list")" "rc=0x2001 params=[$top]" "with parent 0xFFFFFFFF the top level of every storage"
is "$(line 4 "$WORK/list")" "rc=0x2009 params=[]" "storage 0 names no storage root to list"
is "$(line 5 "$WORK/list")" "rc=0x2001 n=$total" "GetObjectPropList from the root at every depth lists every object"
is "$(grep -c '^rc=' "$WORK/list" | tr -d ' ')" "8" "every request was answered"
is "$(grep '^rc=' "$WORK/list" | sed -n '6p;7p;8p' | tr '\n' ' ')" "rc=0x2006 n=0 rc=0xa807 n=0 rc=0xa808 n=0 " \
   "property 0 is ParameterNotSupported, or SpecificationByGroupUnsupported with a group; depth 2 is unsupported"

dcim=$(awk '$3 == "DCIM" { print $1 }' "$WORK/list")
raw "" >"$WORK/depth1" 2>&1 <<EOF
open
op 0x1007 0xffffffff 0 0xffffffff
proplist $dcim 0 0xdc07 0 1
EOF
is "$(sed -n '4,$p' "$WORK/depth1" | awk '{ print $3 }' | tr '\n' ' ')" "Camera DCIM " \
   "depth 1 lists the children and then the folder itself"

# --- MoveObject and CopyObject: parent 0 is the top, 0xFFFFFFFF invalid -------
camera=$(awk '$3 == "Camera" { print $1 }' "$WORK/depth1")
raw "" >"$WORK/move" 2>&1 <<EOF
open
op 0x1007 0xffffffff 0 0xffffffff
op 0x1007 0xffffffff 0 $dcim
op 0x1019 $camera $INT 0xffffffff
op 0x1019 $camera $INT 0
EOF
is "$(line 4 "$WORK/move")" "rc=0x2009 params=[]" "MoveObject to 0xFFFFFFFF is InvalidObjectHandle (MtpServer::doMoveObject)"
is "$(line 5 "$WORK/move")" "rc=0x2001 params=[]" "MoveObject to 0 moves to the storage's top"
ok "$([ -d "$PHONE/Internal shared storage/Camera" ]; echo $?)" "and the folder is there"
mv "$PHONE/Internal shared storage/Camera" "$PHONE/Internal shared storage/DCIM/"

# --- a SendObjectInfo whose data never comes (MtpServer::handleRequest) ------
# Any other command ends the wait without endSendObject(): MtpStorageManager
# keeps the object, listed with no file, until the next connection.
raw ",serial=GHOST" >"$WORK/ghost" 2>&1 <<EOF
open
sendinfo $INT 0xffffffff ghost.bin 0x3000 4
op 0x1007 $INT 0 0xffffffff
sendobj 64617461
sendinfo $INT 0xffffffff ghost.bin 0x3000 4
EOF
ghost=$(sed -n '2p' "$WORK/ghost" | sed -n 's/.*params=\[[0-9]*, 0, \([0-9]*\)\]/\1/p')
is "$(line 4 "$WORK/ghost")" "rc=0x2015 params=[]" "after another command, SendObject is NoValidObjectInfo"
check "the object is still listed" -- bash -c '[ -n "$1" ] && grep -q "$(printf "%02x000000" "$1")" <(sed -n 3p "$2")' _ "$ghost" "$WORK/ghost"
ok "$([ ! -e "$PHONE/Internal shared storage/ghost.bin" ]; echo $?)" "with no file behind it"
is "$(line 5 "$WORK/ghost")" "rc=0x2002 params=[]" "and its name is taken: a second SendObjectInfo is GeneralError"
raw ",serial=GHOST2" >"$WORK/ghost2" 2>&1 <<EOF
open
sendinfo $INT 0xffffffff ghost.bin 0x3000 4
op 0x1008 $ghost
op 0x1009 $ghost
op 0x100b $ghost
EOF
check "GetObjectInfo describes it with size 0" -- grep -q '^rc=0x2001 params=\[\] data=010001000030000000000000' <(line 3 "$WORK/ghost2")
is "$(line 4 "$WORK/ghost2" | cut -d" " -f1)" "rc=0x2002" "GetObject is GeneralError (doGetObject's open fails)"
is "$(line 5 "$WORK/ghost2")" "rc=0x2012 params=[]" "DeleteObject is PartialDeletion (deletePath finds no file)"
raw ",serial=GHOST2" >"$WORK/ghost3" 2>&1 <<EOF
open
sendinfo $INT 0xffffffff ghost.bin 0x3000 4
sendobj 64617461
EOF
is "$(line 3 "$WORK/ghost3")" "rc=0x2001 params=[]" "a new connection has forgotten it: the same name can be sent again"
is "$(cat "$PHONE/Internal shared storage/ghost.bin" 2>/dev/null)" "data" "and the file arrives"
rm -f "$PHONE/Internal shared storage/ghost.bin"

# --- ObjectCompressedSize 0xFFFFFFFF: "4 GiB or more" (MtpServer::doSendObject)
# Android then reads the data phase to its short packet, whatever the
# container's 32-bit length says: libmtp writes the size modulo 4 GiB there.
# The rig's side of a 4 GiB send, without moving 4 GiB: 3000 bytes announced
# as 0xFFFFFFFF, the container claiming 12 bytes.
blob=$(head -c 3000 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
raw ",serial=HUGE" >"$WORK/huge" 2>&1 <<EOF
open
sendinfo $INT 0xffffffff huge.bin 0x3000 0xffffffff
sendobj $blob 12
EOF
is "$(line 3 "$WORK/huge")" "rc=0x2001 params=[]" "a send announced as 0xFFFFFFFF is read to its short packet"
is "$(od -An -tx1 -v "$PHONE/Internal shared storage/huge.bin" 2>/dev/null | tr -d ' \n')" "$blob" "and every byte of it lands, whatever the length field said"
rm -f "$PHONE/Internal shared storage/huge.bin"

# --- handles: kept across sessions, renumbered on a new connection ------------
raw ",serial=RENUM" >"$WORK/renum" 2>&1 <<EOF
open
op 0x1007 0xffffffff 0 0xffffffff
op 0x1007 0xffffffff 0 $dcim
op 0x1003
open
op 0x1008 $((top + 1))
EOF
check "a handle stays valid in a new session on the same connection" -- grep -q '^rc=0x2001 params=\[\] data=' <(line 6 "$WORK/renum")
vrun --phone "$PHONE,serial=RENUM" -- bash -c '
  printf "open\nop 0x1007 0xffffffff 0 0xffffffff\nop 0x1007 0xffffffff 0 %s\n" "$2" | "${@:3}" >/dev/null &&
  "$0" unplug RENUM && "$0" plug RENUM && sleep 1 &&
  printf "open\nop 0x1008 %s\n" "$1" | "${@:3}"' "$VP/vphone-ctl" "$((top + 1))" "$dcim" "${RAW[@]}" >"$WORK/replug" 2>&1
is "$(line 2 "$WORK/replug")" "rc=0x2009 params=[]" \
   "after a replug the old handle is unknown until listed again (a new MtpStorageManager numbers from 1)"

done_testing

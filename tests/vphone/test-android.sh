#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Conformance of the android profile against Debian's mtp-tools: what a
# client reads and writes must be exactly what is in the phone folder.
. "$(dirname "$0")/tap.sh"
plan 35

PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
"$MAKE_PHONE" "$PHONE" --preset small --seed 3 >/dev/null
cd "$WORK" || exit 1

# --- detect and list ---------------------------------------------------------
vrun --phone "$PHONE,serial=ANDROID1" -- mtp-detect >"$WORK/detect" 2>&1
ok $? "mtp-detect succeeds"
check "mtp-detect sees the serial number" -- \
  grep -q "Serial number: ANDROID1" "$WORK/detect"
check "mtp-detect reads the android.com vendor extension" -- grep -q "android.com: 1.0" "$WORK/detect"

vrun --phone "$PHONE" -- mtp-files >"$WORK/files" 2>&1
ok $? "mtp-files succeeds"
python3 - "$WORK/files" "$PHONE" >"$WORK/cmp" 2>&1 <<'PY'
import os, re, sys
listed = sorted(re.findall(r'Filename: (.*)\n\s+File size (\d+)', open(sys.argv[1]).read()))
disk = []
for root, dirs, files in os.walk(sys.argv[2]):
    dirs[:] = [d for d in dirs if not (root == sys.argv[2] and d.startswith('.'))]
    disk += [(f, str(os.path.getsize(os.path.join(root, f)))) for f in files]
disk.sort()
if listed != disk:
    print("listed:", listed); print("disk:  ", disk); sys.exit(1)
PY
ok $? "mtp-files lists every file of the folder with its size"
[ $? -eq 0 ] || sed 's/^/# /' "$WORK/cmp"

vrun --phone "$PHONE" -- mtp-folders >"$WORK/folders" 2>&1
n_disk=$(find "$INT" -mindepth 1 -type d | wc -l)
n_listed=$(grep -cE '^[0-9]+\s' "$WORK/folders")
is "$n_listed" "$n_disk" "mtp-folders lists every folder"
check "mtp-folders shows non-ASCII folder names intact" -- grep -q "Photos été 2024" "$WORK/folders"

# --- read every file -------------------------------------------------------
python3 - "$WORK/files" >"$WORK/ids" <<'PY'
import re, sys
for i, n in re.findall(r'File ID: (\d+)\n\s+Filename: (.*)\n', open(sys.argv[1]).read()):
    print(i, n, sep='\t')
PY
mkdir -p "$WORK/got"
vrun --stats "$WORK/stats.json" --phone "$PHONE" -- bash -c '
  while IFS=$'"'"'\t'"'"' read -r id name; do mtp-getfile "$id" "'"$WORK"'/got/$id" >/dev/null 2>&1 || exit 1; done <"'"$WORK"'/ids"'
ok $? "mtp-getfile fetches every file"
bad=0
while IFS=$'\t' read -r id name; do
  src=$(find "$INT" -name "$name" -type f | head -1)
  cmp -s "$WORK/got/$id" "$src" || { bad=$((bad + 1)); diag "differs: $name"; }
done <"$WORK/ids"
is "$bad" 0 "every fetched file is byte-identical to the folder's"
n_files=$(wc -l <"$WORK/ids")
n_get=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phones"][0]["operations"].get("GetObject", 0))' "$WORK/stats.json")
is "$n_get" "$n_files" "--stats counts one GetObject per fetched file"
total=$(find "$INT" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
to_host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phones"][0]["bytes_to_host"])' "$WORK/stats.json")
[ "$to_host" -ge "$total" ]
ok $? "--stats counts the data bytes sent to the host ($to_host >= $total)"

# --- usb2 pacing is still correct --------------------------------------------
big=$(find "$INT" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2-)
bigid=$(awk -F'\t' -v n="$(basename "$big")" '$2 == n {print $1}' "$WORK/ids")
vrun --speed usb2 --phone "$PHONE" -- mtp-getfile "$bigid" "$WORK/usb2.bin" >/dev/null 2>&1
cmp -s "$WORK/usb2.bin" "$big"
ok $? "--speed usb2 delivers the same bytes"

# --- write: folders, files, deletion -----------------------------------------
head -c 70000 /dev/urandom >"$WORK/upload.bin"
touch -d 2001-01-01 "$WORK/upload.bin"
t0=$(date +%s)
vrun --phone "$PHONE" -- mtp-sendfile "$WORK/upload.bin" /Documents >"$WORK/send" 2>&1
t1=$(date +%s)
cmp -s "$WORK/upload.bin" "$INT/Documents/upload.bin"
ok $? "mtp-sendfile lands as a real file with the same bytes"
m=$(stat -c %Y "$INT/Documents/upload.bin")
[ "$m" -ge "$t0" ] && [ "$m" -le "$t1" ]
ok $? "libmtp sends no date (ptp_pack_OI packs none), so the file is dated when it was written"

# What MtpServer::doSendObjectInfo does with a date a client does send
# (parseDateTime, MtpUtils.cpp; doSendObject sets it once the data is in):
# only "Z" is UTC, any other suffix is ignored and the fields are the
# phone's local time, and no date leaves the time of the write. The phone
# is in Tokyo (+9) and the computer in New York, so a date read in the wrong
# zone, with its suffix honoured, or not applied at all, is hours off.
t0=$(date +%s)
# libmtp sends no date at all (ptp_pack_OI), so mtp-raw.py speaks PTP.
n=0
{ echo open
  for d in 20200102T030405Z 20200102T030405.5Z 20200102T030405+0100 20200102T030405 - garbage; do
    n=$((n + 1))
    echo "sendinfo 0x10001 0xFFFFFFFF dated-$n.bin 0x3000 70000 $d"
    echo "sendobj @$WORK/upload.bin"
  done
} >"$WORK/dated.script"
TZ=America/New_York vrun --phone "$PHONE,tz=Asia/Tokyo" -- \
  "${RAW[@]}" <"$WORK/dated.script" >"$WORK/dated" 2>&1
[ "$(grep -c '^rc=0x2001' "$WORK/dated")" = 13 ]
ok $? "six files are sent with dates of their own in SendObjectInfo"
t1=$(date +%s)
got=""
for n in 1 2 3 4; do got="$got $(TZ=UTC date -d "@$(stat -c %Y "$PHONE/Internal shared storage/dated-$n.bin")" +%Y%m%dT%H%M%SZ)"; done
is "$got" " 20200102T030405Z 20200102T030405Z 20200101T180405Z 20200101T180405Z" \
   "a Z date is UTC; an offset or no suffix is the phone's local time"
m5=$(stat -c %Y "$PHONE/Internal shared storage/dated-5.bin")
m6=$(stat -c %Y "$PHONE/Internal shared storage/dated-6.bin")
[ "$m5" -ge "$t0" ] && [ "$m5" -le "$t1" ] && [ "$m6" -ge "$t0" ] && [ "$m6" -le "$t1" ]
ok $? "an empty or unreadable date leaves the time of the write"
rm -f "$PHONE/Internal shared storage/dated-"*
# mtp-newfolder passes its parent to libmtp as given: 0 is what Android 9
# and later refuse (AOSP MtpServer::doSendObjectInfo); 0xFFFFFFFF is the top.
vrun --phone "$PHONE" -- mtp-newfolder Refused 0 0 >"$WORK/newfolder0" 2>&1
[ ! -e "$INT/Refused" ]
ok $? "mtp-newfolder with parent 0 is refused, as by Android 9 and later"
vrun --phone "$PHONE" -- mtp-newfolder Created 4294967295 0 >"$WORK/newfolder" 2>&1
[ -d "$INT/Created" ]
ok $? "mtp-newfolder with parent 0xFFFFFFFF creates a real folder at the top"
vrun --phone "$PHONE" -- mtp-delfile -f /Documents/upload.bin >"$WORK/del" 2>&1
[ ! -e "$INT/Documents/upload.bin" ]
ok $? "mtp-delfile removes the real file"

# --- what Android refuses ------------------------------------------------------
# Handles are only valid within one connection to the rig (Android numbers
# objects as it lists them), so each probe lists before it acts.
path="$INT/Documents/notes.txt"
before=$(stat -c %Y "$path")
probe_on () {  # probe_on NAME COMMAND ARGS...: runs a vphone-probe command on NAME's handle
  local name=$1; shift
  vrun --phone "$PHONE" -- bash -c '
    id=$("$0" ls | awk -v n="$1" "\$4 == \"FILE\" && \$5 == n {print \$1; exit}")
    [ -n "$id" ] || { echo "no handle for $1"; exit 2; }
    shift; cmd=$1; shift; exec "$0" "$cmd" "$id" "$@"' "$VP/vphone-probe" "$name" "$@"
}
VPHONE_DEBUG=1 probe_on notes.txt set-date 20200101T000000 >"$WORK/setdate" 2>&1
is "$?" 3 "setting DateModified fails"
check "the phone answered SetObjectPropValue(DateModified) with ObjectPropNotSupported, as AOSP does" -- \
  grep -q "SetObjectPropValue(0x[0-9a-f]*, 0xdc09, .*-> 0xa80a" "$WORK/setdate"
is "$(stat -c %Y "$path")" "$before" "the refused date leaves the file's mtime alone"
for bad_name in "a/b.txt" ".." ""; do
  probe_on notes.txt rename "$bad_name" >"$WORK/rename" 2>&1
  is "$?" 3 "renaming to \"$bad_name\" is refused"
done
probe_on notes.txt rename "renamed.txt" >"$WORK/rename" 2>&1
[ -f "$INT/Documents/renamed.txt" ] && [ ! -e "$path" ]
ok $? "renaming through ObjectFileName renames the real file"

# --- names on a memory card (FAT) and on internal storage ------------------------
# MtpServer::doSendObjectInfo trims names on removable storage only; a name
# FAT cannot hold is accepted in the ObjectInfo and refused by the file
# system when the file is created (GeneralError), never up front.
NAMES="$WORK/names"
mkdir -p "$NAMES/Internal shared storage" "$NAMES/SD card" "$NAMES/.vphone"
printf '[SD card]\nkind=removable\n' >"$NAMES/.vphone/storages.ini"
send_one () {  # send_one STORAGE NAME [folder]: sends one file (or folder) by that name
  rm -rf "$WORK/tree"; mkdir -p "$WORK/tree/$1"
  if [ "${3:-}" = folder ]; then mkdir "$WORK/tree/$1/$2"; else echo data >"$WORK/tree/$1/$2"; fi
  VPHONE_DEBUG=1 vrun --phone "$NAMES" -- "$VP/vphone-probe" send-tree "$WORK/tree" >"$WORK/send-one" 2>&1
}
send_one "SD card" $'  padded.txt \t'
[ -f "$NAMES/SD card/padded.txt" ] && [ "$(ls "$NAMES/SD card")" = padded.txt ]
ok $? "on the memory card a name's leading and trailing white space is trimmed"
send_one "Internal shared storage" "  padded.txt "
[ -f "$NAMES/Internal shared storage/  padded.txt " ]
ok $? "on internal storage the name is kept as sent"
send_one "SD card" "a:b.txt"
grep -q "SendObjectInfo(.*-> 0x2001" "$WORK/send-one" && grep -q "SendObject(.*-> 0x2002" "$WORK/send-one"
ok $? "a file name FAT cannot hold passes SendObjectInfo and SendObject answers GeneralError"
[ "$(ls "$NAMES/SD card")" = padded.txt ]
ok $? "and nothing by that name is left on the card"
send_one "SD card" "what?" folder
grep -q "SendObjectInfo(.*-> 0x2002" "$WORK/send-one" && [ ! -e "$NAMES/SD card/what?" ]
ok $? "a folder name FAT cannot hold is refused with GeneralError"
send_one "Internal shared storage" "a:b.txt"
[ -f "$NAMES/Internal shared storage/a:b.txt" ]
ok $? "internal storage takes the same name"

# --- space ---------------------------------------------------------------------
used=$(find "$INT" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
vrun --phone "$PHONE,capacity=$((used + 1000))" -- mtp-sendfile "$WORK/upload.bin" /Documents >"$WORK/full" 2>&1
[ ! -e "$INT/Documents/upload.bin" ]
ok $? "a file larger than the free space is refused (StoreFull) and nothing lands"
mkdir -p "$PHONE/.vphone"
printf '[Internal shared storage]\nmax-file-size=65536\n' >"$PHONE/.vphone/storages.ini"
VPHONE_DEBUG=1 vrun --phone "$PHONE" -- mtp-sendfile "$WORK/upload.bin" /Documents >"$WORK/toolarge" 2>&1
grep -q "SendObjectInfo.*-> 0xa809" "$WORK/toolarge" && [ ! -e "$INT/Documents/upload.bin" ]
ok $? "a file over the storage's maximum file size is refused with ObjectTooLarge"
rm -f "$PHONE/.vphone/storages.ini"
done_testing

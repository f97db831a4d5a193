#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The rig's other profiles (locked, charging-only, player, hostile) and its
# faults, each seen through the real libmtp.
. "$(dirname "$0")/tap.sh"
plan 46

PHONE="$WORK/phone"
INT="$PHONE/Internal shared storage"
"$MAKE_PHONE" "$PHONE" --preset small --seed 5 >/dev/null
cd "$WORK" || exit 1
PROBE="$VP/vphone-probe"

# --- a locked phone ------------------------------------------------------------
vrun --phone "$PHONE,profile=android-locked,serial=LOCKED" -- bash -c '
  "$0" wait-store 20 >"$1" 2>/dev/null & sleep 1; "$2" unlock LOCKED; wait $!' \
  "$PROBE" "$WORK/locked" "$VP/vphone-ctl"
ok $? "unlocking sends StoreAdded on the interrupt endpoint"
is "$(grep -E '^[0-9]+$' "$WORK/locked" | tr '\n' ' ')" "0 1 " "a locked phone shows no storage, then one after unlock"
# Unlocked while no host had a session open: AOSP's MtpServer::sendEvent
# sends nothing then, and a session opened afterwards hears nothing of it.
vrun --phone "$PHONE,profile=android-locked,serial=LOCKED" -- bash -c '
  "$1" unlock LOCKED; "$0" wait-store 2 >"$2" 2>/dev/null' \
  "$PROBE" "$VP/vphone-ctl" "$WORK/unlocked-before"
is "$?:$(grep -E '^[0-9]+$' "$WORK/unlocked-before" | tr '\n' ' ')" "1:1 1 " \
   "an unlock before any session is open sends no StoreAdded to a later one"

vrun --phone "$PHONE,serial=LOCKME" -- bash -c '
  "$0" wait-store 20 removed >"$1" 2>/dev/null & sleep 1; "$2" lock LOCKME; wait $!' \
  "$PROBE" "$WORK/relocked" "$VP/vphone-ctl"
ok $? "locking sends StoreRemoved"
is "$(grep -E '^[0-9]+$' "$WORK/relocked" | tr '\n' ' ')" "1 0 " "a phone that is locked again shows no storage"

# --- what a phone leaves in sysfs ------------------------------------------------------
vrun --phone "$PHONE" -- bash -c '
  d=/sys/bus/usb/devices
  for a in 1-1/idVendor 1-1/idProduct 1-1/bDeviceClass 1-1/bNumConfigurations 1-1/speed 1-1/version \
           1-1:1.0/bInterfaceClass 1-1:1.0/bInterfaceSubClass 1-1:1.0/bNumEndpoints 1-1:1.0/interface \
           1-1:1.0/ep_81/bEndpointAddress 1-1:1.0/ep_02/direction 1-1:1.0/ep_83/type usb1/bDeviceClass; do
    printf "%s=%s\n" "$a" "$(cat "$d/$a")"
  done' >"$WORK/sysfs" 2>&1
is "$(tr '\n' ' ' <"$WORK/sysfs")" \
   "1-1/idVendor=1209 1-1/idProduct=0001 1-1/bDeviceClass=00 1-1/bNumConfigurations=1 1-1/speed=480 1-1/version= 2.00 1-1:1.0/bInterfaceClass=06 1-1:1.0/bInterfaceSubClass=01 1-1:1.0/bNumEndpoints=03 1-1:1.0/interface=MTP 1-1:1.0/ep_81/bEndpointAddress=81 1-1:1.0/ep_02/direction=out 1-1:1.0/ep_83/type=Interrupt usb1/bDeviceClass=09 " \
   "sysfs holds the device, its interface, its endpoints and the root hub as the kernel lays them out"

# --- charging only ---------------------------------------------------------------
# A phone in file-transfer mode rides along, so an empty list can only mean
# the charging-only phone was left out, not that detection failed.
vrun --phone "$PHONE,profile=charge-only" --phone "$PHONE,serial=MTPTOO" -- \
  bash -c '"$0" usb && echo -- && "$0" raw' "$PROBE" >"$WORK/charge" 2>/dev/null
ok $? "libusb and libmtp both list the bus"
sed -n '1,/^--$/p' "$WORK/charge" | grep -q '^18d1:4ee7 '
ok $? "a charging-only phone is on the bus (libusb lists 18d1:4ee7)"
is "$(sed -n '/^--$/,$p' "$WORK/charge" | tail -n +2 | tr '\n' ' ')" "1209:0001 " \
   "libmtp lists the file-transfer phone and not the charging-only one"

# --- the player profile ------------------------------------------------------------
PLAYER="$WORK/player"
"$MAKE_PHONE" "$PLAYER" --preset typical --seed 2 >/dev/null
vrun --phone "$PLAYER,profile=player" -- mtp-detect >"$WORK/pdetect" 2>&1
ok $? "mtp-detect reads the player"
grep -q "Vendor extension description: microsoft.com" "$WORK/pdetect" && ! grep -q "android.com" "$WORK/pdetect"
ok $? "a player lists its vendor extensions, without android.com"
check "a player implements GetObjectReferences" -- grep -q "9810:" "$WORK/pdetect"
vrun --phone "$PLAYER,profile=player" -- mtp-playlists >"$WORK/playlists" 2>&1
ok $? "mtp-playlists succeeds"
python3 - "$WORK/playlists" "$PLAYER/.vphone/objects.ini" >"$WORK/plcmp" 2>&1 <<'PY'
import re, sys
text = open(sys.argv[1]).read()
got = {}
for block in text.split("Playlist ID:")[1:]:
    name = re.search(r"Name: (.*)", block).group(1)
    got[name] = re.findall(r"^\s+\d+:\s+- (.*)$", block, re.M)
want = {}
group = None
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("[object"):
        group = {}
    elif "=" in line and group is not None and not line.startswith("#"):
        k, v = line.split("=", 1)
        group[k] = v
        if k == "members" and group.get("kind") == "playlist":
            # A player titles a playlist without its ".pla" file ending.
            want[group["name"].removesuffix(".pla")] = [m.rsplit("/", 1)[-1] for m in v.split(";") if m]
if not want or got != want:
    print("got", got); print("want", want); sys.exit(1)
PY
ok $? "every playlist comes back with the same members in the same order"
[ $? -eq 0 ] || sed 's/^/# /' "$WORK/plcmp"
vrun --phone "$PLAYER,profile=player" -- mtp-albums >"$WORK/albums" 2>&1
n_albums=$(grep -c "^Album ID:" "$WORK/albums")
n_want=$(grep -c "^kind=album" "$PLAYER/.vphone/objects.ini")
is "$n_albums" "$n_want" "mtp-albums lists every album"
check "albums carry their artist" -- grep -q "Artist: Björk" "$WORK/albums"
vrun --phone "$PLAYER,profile=player" -- bash -c '
  ids=$("$0" ls | awk "\$4 == \"FILE\" && /\.mp3\$/ {print \$1}" | head -2)
  "$0" new-playlist "Made here" $ids' "$PROBE" >"$WORK/newpl" 2>&1
ok $? "a client can create a playlist on the player"
vrun --phone "$PLAYER,profile=player" -- mtp-playlists >"$WORK/playlists2" 2>&1
grep -A5 "Name: Made here" "$WORK/playlists2" | grep -c " - .*\.mp3$" | grep -qx 2
ok $? "the new playlist survives to the next connection, with its 2 tracks"
target="$PLAYER/Internal shared storage/Download/sizes/exact-512.txt"
vrun --phone "$PLAYER,profile=player" -- bash -c '
  id=$("$0" ls | awk "\$5 == \"exact-512.txt\" {print \$1; exit}"); "$0" set-date "$id" 20210304T050607' \
  "$PROBE" >"$WORK/psetdate" 2>&1
ok $? "a player accepts SetObjectPropValue(DateModified)"
is "$(date -u -d "@$(stat -c %Y "$target")" +%Y%m%dT%H%M%S)" 20210304T050607 "the accepted date becomes the file's mtime"
# The rig reads every date a client writes as AOSP's parseDateTime does
# (MtpUtils.cpp): only "Z" means UTC, any other suffix is ignored and the
# fields are the phone's local time, one tenth digit is skipped, fields out
# of range carry over. The phone is in Tokyo (+9, no DST) and the computer
# in New York, so a date read in the wrong zone is hours off.
TZ=America/New_York vrun --phone "$PLAYER,profile=player,tz=Asia/Tokyo" -- bash -c '
  id=$("$0" ls | awk "\$5 == \"exact-512.txt\" {print \$1; exit}")
  target=$1; shift
  for d in "$@"; do
    "$0" set-date "$id" "$d" >/dev/null 2>&1 || { echo "$d refused"; continue; }
    echo "$d $(TZ=UTC date -d "@$(stat -c %Y "$target")" +%Y%m%dT%H%M%SZ)"
  done' "$PROBE" "$target" 20210304T050607 20210304T050607Z 20210304T050607+0200 20210304T050607-0800 \
  20210304T050607.5Z 20210304T050607.55Z 20211304T050607 20210304T050607junk \
  >"$WORK/pdates" 2>"$WORK/pdates.err"
is "$(tr '\n' ' ' <"$WORK/pdates")" "20210304T050607 20210303T200607Z 20210304T050607Z 20210304T050607Z \
20210304T050607+0200 20210303T200607Z 20210304T050607-0800 20210303T200607Z \
20210304T050607.5Z 20210304T050607Z 20210304T050607.55Z 20210303T200607Z \
20211304T050607 20220103T200607Z 20210304T050607junk 20210303T200607Z " \
   "dates are read as parseDateTime reads them, in the phone's zone unless they end in Z"

# --- a player with SendObjectPropList (player-proplist) ---------------------------------
# libmtp's send_file_object_info uses SendObjectPropList whenever the device
# lists it; the player profile does not, so it still sees SendObjectInfo.
check "the plain player does not list SendObjectPropList" -- bash -c '! grep -q "9808:" "$0"' "$WORK/pdetect"
PL="$WORK/plist"
"$MAKE_PHONE" "$PL" --preset small --seed 5 >/dev/null
vrun --phone "$PL,profile=player-proplist" -- mtp-detect >"$WORK/pldetect" 2>&1
check "player-proplist lists SendObjectPropList" -- grep -q "9808:" "$WORK/pldetect"
head -c 300000 /dev/urandom >"$WORK/pl-up.bin"
vrun --stats "$WORK/pl-stats.json" --phone "$PL,profile=player-proplist" -- bash -c '
  mtp-newfolder "Made by proplist" 0 0 && mtp-sendfile "$0" /Documents' "$WORK/pl-up.bin" >"$WORK/plsend" 2>&1
ok $? "a folder and a file are created on it"
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["phones"][0]["operations"]
sys.exit(0 if o.get("SendObjectPropList") == 2 and o.get("SendObjectInfo", 0) == 0 and o.get("SendObject") == 1 else 1)'   "$WORK/pl-stats.json"
ok $? "through SendObjectPropList (twice) and SendObject, never SendObjectInfo"
cmp -s "$WORK/pl-up.bin" "$PL/Internal shared storage/Documents/pl-up.bin" && [ -d "$PL/Internal shared storage/Made by proplist" ]
ok $? "the file arrives byte for byte and the folder exists"
vrun --phone "$PL,profile=player-proplist" -- bash -c '
  ids=$("$0" ls | awk "\$4 == \"FILE\" && /\.mp3\$/ {print \$1}" | head -2)
  "$0" new-playlist "Proplist list" $ids && mtp-playlists' "$PROBE" >"$WORK/plpl" 2>&1
grep -A5 "Name: Proplist list" "$WORK/plpl" | grep -c " - .*\.mp3$" | grep -qx 2
ok $? "a playlist created through SendObjectPropList keeps its 2 tracks"

# --- the hostile profile -------------------------------------------------------------
HOSTILE="$WORK/hostile"
"$MAKE_PHONE" "$HOSTILE" --preset hostile >/dev/null
vrun --phone "$HOSTILE,profile=hostile" -- "$PROBE" ls >"$WORK/hls" 2>/dev/null
ok $? "the hostile phone can be walked to the end"
check "a name with a slash comes through as the phone said it" -- grep -q " FILE a/b.jpg$" "$WORK/hls"
check "a path-traversal name comes through" -- grep -qF " FILE ../../../../etc/passwd" "$WORK/hls"
is "$(grep -c ' FILE dup.jpg$' "$WORK/hls")" 2 "two objects share the name dup.jpg in one folder"
check "control characters in names come through" -- grep -qF 'new\x0aline.txt' "$WORK/hls"
check "the folders that are each other's parent are both listed" -- grep -q "FOLDER loop-b$" "$WORK/hls"
is "$(grep -c ' FOLDER d$' "$WORK/hls")" 2100 "the chain deeper than PATH_MAX is there, all 2100 folders"
vrun --phone "$HOSTILE,profile=hostile" -- bash -c '
  for n in short.bin long.bin empty-plus.bin; do
    id=$("$0" ls | awk -v n="$n" "\$5 == n {print \$1; exit}")
    "$0" get "$id" "$1/$n" >/dev/null 2>&1
  done
  "$0" storages' "$PROBE" "$WORK" >"$WORK/lies" 2>&1
ok $? "the rig keeps answering after objects that lie about their size"

# --- faults ------------------------------------------------------------------------
vrun --phone "$PHONE,busy" -- mtp-detect >"$WORK/busy" 2>&1
check "busy: claiming the interface fails as when GVfs holds the phone" -- grep -q "device is busy" "$WORK/busy"
VPHONE_DEBUG=1 vrun --phone "$PHONE,device-busy" -- mtp-files >"$WORK/dbusy" 2>&1
check "device-busy: operations are answered DeviceBusy" -- grep -q "GetStorageIDs(.*-> 0x2019" "$WORK/dbusy"
start=$(date +%s%N)
vrun --phone "$PHONE,stall=2" -- mtp-detect >/dev/null 2>&1
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed" -ge 2000 ]
ok $? "stall=2: a response is held back for 2 s (took $elapsed ms)"
VPHONE_DEBUG=1 vrun --phone "$PHONE,flaky=4" -- mtp-files >"$WORK/flaky" 2>&1
is "$(grep '^vphone:' "$WORK/flaky" | sed -n '4p;8p' | grep -c -- '-> 0x2002')" 2 "flaky=4: every 4th transaction fails"
vrun --phone "$PHONE,vanish=Internal shared storage/Documents/notes.txt" -- bash -c '
  "$0" ls >"$1/vanish-ls1" || exit 2
  id=$(awk "\$5 == \"notes.txt\" {print \$1; exit}" "$1/vanish-ls1")
  [ -n "$id" ] || exit 3
  mtp-getfile "$id" "$1/vanished" >/dev/null 2>&1 && exit 4
  "$0" ls >"$1/vanish-ls2" || exit 5' "$PROBE" "$WORK" 2>/dev/null
ok $? "vanish: the object is listed, then cannot be read"
# The second listing must have worked: the rest of Documents is still there.
other=$(find "$INT/Documents" -maxdepth 1 -type f ! -name notes.txt -printf '%f\n' | head -1)
[ -n "$other" ] && grep -qF " FILE $other" "$WORK/vanish-ls2" && ! grep -q " notes.txt$" "$WORK/vanish-ls2"
ok $? "vanish: a later listing shows the rest of the phone but not the object"
head -c 100000 /dev/urandom >"$WORK/upload.bin"
VPHONE_DEBUG=1 vrun --phone "$PHONE,store-full-after-bytes=50000" -- mtp-sendfile "$WORK/upload.bin" /Documents >"$WORK/sfull" 2>&1
[ ! -e "$INT/Documents/upload.bin" ] && grep -qi "error" "$WORK/sfull"
ok $? "store-full-after-bytes: the send fails part-way and leaves nothing behind"
# AOSP's doSendObject answers a failed write GeneralError, never StoreFull.
check "the failed write is answered GeneralError (0x2002), as Android does" -- grep -q "SendObject(0x0, 0x0, 0x0, 0x0) -> 0x2002" "$WORK/sfull"
# A file of zeros streams through the rig's hole-punching path, which must
# count against the free space like any other byte.
head -c 100000 /dev/zero >"$WORK/zeros.bin"
vrun --phone "$PHONE,serial=SFULL,store-full-after-bytes=50000" -- bash -c '
  mtp-sendfile "$0" /Documents; echo "first=$?"
  "$1" fault "$2" clear
  mtp-sendfile "$0" /Documents; echo "second=$?"' "$WORK/zeros.bin" "$VP/vphone-ctl" SFULL \
  >"$WORK/szero" 2>&1
check "zeros count against the free space too: the filled phone refuses them" -- grep -q "^first=1$" "$WORK/szero"
check "after \"vphone-ctl fault SERIAL clear\" the space is back and the same send works" -- grep -q "^second=0$" "$WORK/szero"
cmp -s "$WORK/zeros.bin" "$INT/Documents/zeros.bin"
ok $? "and the file is whole on the phone"
done_testing

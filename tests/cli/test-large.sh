#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# check-large: the `large` phone (22,000 files and a sparse 5 GiB video)
# backed up in bounded memory, the video stored with its holes and restored
# whole onto an Android phone, and refused for a FAT32 memory card.
. "$(dirname "$0")/../vphone/tap.sh"
plan 16

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
PHONE="$WORK/phone"
VIDEO="$PHONE/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4"
export LIFEBOAT_LIBRARY="$LIB"
mkdir -p "$LIB"
"$MAKE_PHONE" "$PHONE" --preset large >/dev/null
cd "$WORK" || exit 1

# The largest resident size of any process of the run (the rig included).
python3 - "$VP/vphone-run" "$PHONE" "$CLI" >"$WORK/rss" 2>"$WORK/err" <<'PY'
import resource, subprocess, sys
rc = subprocess.run([sys.argv[1], "--phone", sys.argv[2] + ",serial=LARGE", "--", sys.argv[3], "backup", "--json"],
                    stdout=open("backup.json", "w"), timeout=1800).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
read -r rc rss <"$WORK/rss"
ok "$rc" "the large phone is backed up"
[ "$rss" -lt $((64 * 1024)) ]
ok $? "no process of the backup went over 64 MiB resident (peak ${rss} KiB)"
sha=$(sha256sum "$VIDEO" | cut -d' ' -f1)
blob="$LIB/blobs/${sha:0:2}/$sha"
[ -f "$blob" ] && [ "$(stat -c %s "$blob")" = $((5 * 1024 * 1024 * 1024)) ]
ok $? "the 5 GiB video is stored under its SHA-256 with its full size"
[ "$(du -k "$blob" | cut -f1)" -lt 4096 ]
ok $? "its blob keeps the holes ($(du -k "$blob" | cut -f1) KiB allocated)"
n=$(python3 -c 'import json; print(json.load(open("backup.json"))["files"])')
is "$n" "$(find "$PHONE" -path "$PHONE/.vphone" -prune -o -type f -print | wc -l)" "every file of the large phone is in the snapshot"
# --- the 5 GiB video back onto a phone -----------------------------------------------------
# libmtp announces it as 0xFFFFFFFF ("4 GiB or more") in SendObjectInfo but
# writes the size modulo 4 GiB into the data container; Android reads up to
# the short packet, and so does the rig.  The file must arrive whole.
id=$(python3 -c 'import json; print(json.load(open("backup.json"))["id"])')
NEW="$WORK/new"
mkdir -p "$NEW/Internal shared storage"
vrun --phone "$NEW,serial=NEW5G,capacity=64G" -- "$CLI" restore "$id" --to-new-device \
     --only "/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4" --json >"$WORK/r5g" 2>"$WORK/r5g.err"
ok $? "the 5 GiB video is restored onto an Android phone"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["report"]
sys.exit(0 if r["sent"] == 1 and r["sent_bytes"] == 5 << 30 and not r["failed"] else 1)' "$WORK/r5g"
ok $? "the restore reports it sent, 5 GiB, nothing failed"
GOT="$NEW/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4"
[ -f "$GOT" ] && [ "$(stat -c %s "$GOT")" = $((5 * 1024 * 1024 * 1024)) ] && [ "$(sha256sum "$GOT" | cut -d' ' -f1)" = "$sha" ]
ok $? "on the phone it has the full size and the same SHA-256"
is "$(find "$NEW" -path "$NEW/.vphone" -prune -o -type f -print | wc -l)" 1 "and it is the only file there"
# --- onto a player with SendObjectPropList --------------------------------------------------------
# SendObjectPropList carries the true 64-bit size; libmtp's ptp_usb_senddata
# still writes (size + 12) modulo 4 GiB into the data container's 32-bit
# length, 0x4000000C here.  The player reads the 5 GiB its size announced.
PL="$WORK/plist"
mkdir -p "$PL/Internal shared storage"
VPHONE_DEBUG=1 vrun --stats "$WORK/pl.json" --phone "$PL,serial=PL5G,profile=player-proplist,capacity=64G" -- "$CLI" restore "$id" --to-new-device \
     --only "/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4" --json >"$WORK/rpl" 2>"$WORK/rpl.err"
ok $? "the 5 GiB video is restored onto a player with SendObjectPropList"
GOT="$PL/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4"
[ -f "$GOT" ] && [ "$(stat -c %s "$GOT")" = $((5 * 1024 * 1024 * 1024)) ] && [ "$(sha256sum "$GOT" | cut -d' ' -f1)" = "$sha" ]
ok $? "on the player it has the full size and the same SHA-256"
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["phones"][0]["operations"]
sys.exit(0 if o.get("SendObjectPropList", 0) > 0 and o.get("SendObjectInfo", 0) == 0 and o.get("SendObject") == 1 else 1)' "$WORK/pl.json"
ok $? "it went through SendObjectPropList, not SendObjectInfo"
check "SendObjectPropList carried the 64-bit size (high word 1, low word 0x40000000)" -- \
  grep -q "SendObjectPropList(0x[0-9a-f]*, 0x[0-9a-f]*, 0x[0-9a-f]*, 0x1) -> 0x2001" "$WORK/rpl.err"
check "libmtp wrote the size modulo 4 GiB into the container length" -- grep -q "container length 0x4000000c" "$WORK/rpl.err"
# --- a memory card ----------------------------------------------------------------------------
CARD="$WORK/card"
mkdir -p "$CARD/SD card" "$CARD/.vphone"
printf '[SD card]\nkind=removable\nmax-file-size=4294967295\n' >"$CARD/.vphone/storages.ini"
vrun --phone "$CARD,serial=CARD" -- "$CLI" restore "$id" --to-new-device --map "Internal shared storage=SD card" \
     --only "/Internal shared storage/DCIM/Camera/VID_20250704_201500.mp4" --dry-run --json >"$WORK/plan" 2>/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [a for a in d["actions"] if a["action"] == "cannot" and a["path"].endswith("VID_20250704_201500.mp4")]
sys.exit(0 if c and "4 GiB" in c[0]["reason"] else 1)' "$WORK/plan"
ok $? "onto a FAT32 memory card the plan refuses it, saying why"
[ -z "$(find "$CARD/SD card" -mindepth 1 | head -1)" ]
ok $? "and nothing is written"
done_testing

#!/usr/bin/env bash
# check-large: the `large` phone (22,000 files and a sparse 5 GiB video)
# backed up in bounded memory, the video stored with its holes.
. "$(dirname "$0")/../vphone/tap.sh"
plan 7

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
# --- the 5 GiB video and a memory card -----------------------------------------------------
# Restoring the video itself through the rig is not checked here yet: the
# rig's receive path for data phases past 4 GiB gave a wrong file (see the
# note on the restore issue).
id=$(python3 -c 'import json; print(json.load(open("backup.json"))["id"])')
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

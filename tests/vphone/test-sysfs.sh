#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The phone's sysfs entries as a real kernel lays out a high-speed device:
# the device's attributes, its default endpoint ep_00, the interface and
# its endpoints, with the kernel's formats (clients such as
# android-file-transfer read them).
. "$(dirname "$0")/tap.sh"
plan 6

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset small --seed 2 >/dev/null
cd "$WORK" || exit 1

dump='d=$(readlink -f /sys/bus/usb/devices/1-1) || exit 10
  for f in "$d"/* "$d"/ep_*/* "$d"/1-1:1.0/* "$d"/1-1:1.0/ep_*/*; do
    [ -f "$f" ] && printf "%s=%s\n" "${f#$d/}" "$(head -c 200 "$f" | tr "\n" " " | sed "s/ $//")"
  done'
vrun --phone "$PHONE" -- bash -c "$dump" >"$WORK/android" 2>"$WORK/android.err"
ok $? "/sys/bus/usb/devices/1-1 is there"
missing=
for a in authorized avoid_reset_port bConfigurationValue bDeviceClass bDeviceProtocol bDeviceSubClass \
         bMaxPacketSize0 bMaxPower bNumConfigurations bNumInterfaces bcdDevice bmAttributes busnum \
         configuration descriptors dev devnum devpath idProduct idVendor ltm_capable manufacturer \
         maxchild product quirks removable rx_lanes serial speed tx_lanes urbnum version; do
  grep -q "^$a=" "$WORK/android" || missing="$missing $a"
done
is "$missing" "" "every device attribute of a real 1-1 is present"
grep -E "^ep_00/" "$WORK/android" | LC_ALL=C sort >"$WORK/ep00"
cat >"$WORK/ep00.want" <<'WANT'
ep_00/bEndpointAddress=00
ep_00/bInterval=00
ep_00/bLength=07
ep_00/bmAttributes=00
ep_00/direction=both
ep_00/interval=0ms
ep_00/type=Control
ep_00/wMaxPacketSize=0040
WANT
diff "$WORK/ep00.want" "$WORK/ep00" >"$WORK/ep00.diff"
ok $? "the default endpoint ep_00 is there, as the kernel writes it"
sed 's/^/#   /' "$WORK/ep00.diff"
grep -E "^1-1:1.0/ep_83/" "$WORK/android" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//' >"$WORK/ep83"
is "$(cat "$WORK/ep83")" "1-1:1.0/ep_83/bEndpointAddress=83 1-1:1.0/ep_83/bInterval=06 1-1:1.0/ep_83/bLength=07 1-1:1.0/ep_83/bmAttributes=03 1-1:1.0/ep_83/direction=in 1-1:1.0/ep_83/interval=4ms 1-1:1.0/ep_83/type=Interrupt 1-1:1.0/ep_83/wMaxPacketSize=001c" \
   "the event endpoint: bInterval 6 on a high-speed device reads as 4ms"
is "$(grep -E '^1-1:1.0/(bNumEndpoints|bInterfaceClass|interface)=' "$WORK/android" | LC_ALL=C sort | tr '\n' ' ')" \
   "1-1:1.0/bInterfaceClass=06 1-1:1.0/bNumEndpoints=03 1-1:1.0/interface=MTP " \
   "the MTP interface with its three endpoints"
vrun --phone "$PHONE,profile=charge-only" -- bash -c "$dump" >"$WORK/charge" 2>/dev/null
is "$(grep -oE '^(ep_00|1-1:1.0/ep_[0-9a-f]+)/' "$WORK/charge" | LC_ALL=C sort -u | tr '\n' ' ')" \
   "1-1:1.0/ep_02/ 1-1:1.0/ep_81/ ep_00/ " "charge-only: ep_00 and the ADB interface's two bulk endpoints"
done_testing

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Wrote tests/fuzz/corpus/proplist/: GetObjectPropList answers as Android
# sends them (every file property of every object, as the rig's
# do_get_prop_list does), each behind fuzz-proplist.c's piece-size byte.
#     tests/fuzz/make-proplist-seeds.py tests/fuzz/corpus/proplist
import os
import struct
import sys

STORAGE, FORMAT, PROT, SIZE, NAME, MODIFIED, PARENT, PUID, TITLE, DISPLAY, ADDED = (
    0xDC01, 0xDC02, 0xDC03, 0xDC04, 0xDC07, 0xDC09, 0xDC0B, 0xDC41, 0xDC44, 0xDCE0, 0xDC4E)


def string(s, raw=None):
    units = raw if raw is not None else [ord(c) for c in s] + [0]
    if not units or units == [0]:
        return b"\0"
    return bytes([len(units)]) + b"".join(struct.pack("<H", u) for u in units)


def element(handle, prop, kind, value):
    return struct.pack("<IHH", handle, prop, kind) + value


def obj(handle, storage, parent, name, size, fmt=0x3000, date="20240517T143012", raw=None):
    out = [
        element(handle, STORAGE, 6, struct.pack("<I", storage)),
        element(handle, FORMAT, 4, struct.pack("<H", fmt)),
        element(handle, PROT, 4, struct.pack("<H", 0)),
        element(handle, SIZE, 8, struct.pack("<Q", size)),
        element(handle, NAME, 0xFFFF, string(name, raw)),
        element(handle, MODIFIED, 0xFFFF, string(date)),
        element(handle, PARENT, 6, struct.pack("<I", parent)),
        element(handle, PUID, 0xA, struct.pack("<QQ", handle, 0)),
        element(handle, TITLE, 0xFFFF, string(name, raw)),
        element(handle, DISPLAY, 0xFFFF, string(name, raw)),
        element(handle, ADDED, 0xFFFF, string(date)),
    ]
    return out


def answer(objects):
    elements = [e for o in objects for e in o]
    return struct.pack("<I", len(elements)) + b"".join(elements)


seeds = {
    "empty": answer([]),
    "tree": answer([
        obj(1, 0x10001, 0, "DCIM", 0, 0x3001),
        obj(2, 0x10001, 1, "Camera", 0, 0x3001),
        obj(3, 0x10001, 2, "IMG_0001.jpg", 2_000_000, 0x3801),
        obj(4, 0x10001, 0, "notes.txt", 12, 0x3004, "20240101T000000.5+0100"),
        obj(5, 0x20001, 0, "Music", 0, 0x3001),
        obj(6, 0x20001, 5, "song.mp3", 5 << 32, 0x3009),
    ]),
    "hostile-names": answer([
        obj(7, 0x10001, 0, "", 0, 0x3000),
        obj(8, 0x10001, 0, "x", 1, raw=[0xD800, 0x41, 0]),
        obj(9, 0x10001, 0, "x", 1, raw=[0x41, 0, 0x42, 0]),
        obj(10, 0x10001, 0, "../../etc/passwd", 1),
        obj(11, 0x10001, 0, "bad-date", 1, date="99999999T999999"),
    ]),
    "cycle": answer([
        obj(12, 0x10001, 13, "loop-a", 0, 0x3001),
        obj(13, 0x10001, 12, "loop-b", 0, 0x3001),
    ]),
    "array": struct.pack("<I", 1) + element(1, 0xDC99, 0x4006, struct.pack("<III", 2, 7, 8)),
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, payload in seeds.items():
    for piece in (0, 7, 63):
        with open(os.path.join(sys.argv[1], "%s-%d" % (name, piece)), "wb") as f:
            f.write(bytes([piece]) + payload)

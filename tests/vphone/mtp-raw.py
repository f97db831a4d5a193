#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bare MTP initiator over libusb (pyusb), for the rig's protocol tests.

libmtp hides what a phone answers to the operations it does not export
(GetObjectPropList, GetObjectHandles with parent 0, the SendObjectInfo
response, events), and rewrites parents on the way.  This client speaks
the container format itself, so the tests can hold the rig to what AOSP's
MtpServer answers, byte for byte.

Run inside vphone-run.  Commands, one per argument group, are read as a
small script from stdin, one per line:

    open                          OpenSession(1)
    op CODE [PARAM...]            an operation without a data phase
    send CODE HEXDATA [PARAM...]  an operation with a data-out phase
    sendinfo STORAGE PARENT NAME FORMAT SIZE [DATE]
                                  SendObjectInfo with a minimal dataset; DATE
                                  is its DateModified string as sent ("-" for
                                  an empty one; libmtp can send none at all)
    sendobj HEXDATA [LENGTH]      SendObject; LENGTH, when given, is what the
                                  data container's 32-bit length field says
                                  (libmtp writes the size modulo 4 GiB there);
                                  HEXDATA "@PATH" sends that file's bytes
    proplist HANDLE FORMAT PROP GROUP DEPTH
                                  GetObjectPropList, its elements decoded
    events SECONDS                the events that arrive within SECONDS

Each prints one line: "rc=0x2001 params=[...] data=HEX" (data shown only
when there is some); proplist prints "rc=... n=N" and then one line per
element, "HANDLE 0xPROP VALUE"; events print "event=0x4002 param=N" lines.
"""
import struct
import sys
import time

import usb.core
import usb.util

HEADER = 12


def find_mtp():
    for dev in usb.core.find(find_all=True):
        for cfg in dev:
            for intf in cfg:
                eps = list(intf)
                kinds = [(usb.util.endpoint_type(e.bmAttributes), usb.util.endpoint_direction(e.bEndpointAddress)) for e in eps]
                if len(eps) == 3 and (usb.util.ENDPOINT_TYPE_INTR, usb.util.ENDPOINT_IN) in kinds:
                    return dev, intf
    sys.exit("mtp-raw: no MTP interface")


class Mtp:
    def __init__(self):
        self.dev, intf = find_mtp()
        self.ifnum = intf.bInterfaceNumber
        usb.util.claim_interface(self.dev, self.ifnum)
        for e in intf:
            kind = usb.util.endpoint_type(e.bmAttributes)
            din = usb.util.endpoint_direction(e.bEndpointAddress) == usb.util.ENDPOINT_IN
            if kind == usb.util.ENDPOINT_TYPE_BULK and din:
                self.ep_in = e
            elif kind == usb.util.ENDPOINT_TYPE_BULK:
                self.ep_out = e
            else:
                self.ep_int = e
        self.tid = 0

    def _write(self, ctype, code, payload, length=None):
        if length is None:
            length = HEADER + len(payload)
        buf = struct.pack('<IHHI', length, ctype, code, self.tid) + payload
        self.ep_out.write(buf, timeout=20000)
        if len(buf) % self.ep_out.wMaxPacketSize == 0:
            self.ep_out.write(b'', timeout=20000)

    def _read_container(self):
        # 1 MiB on purpose: libusb splits it into 16 KiB URBs, so the rig
        # must end the transfer at the short packet as the kernel does.
        buf = bytes(self.ep_in.read(1 << 20, timeout=20000))
        length = struct.unpack_from('<I', buf)[0]
        while len(buf) < length:
            buf += bytes(self.ep_in.read(1 << 20, timeout=20000))
        return struct.unpack_from('<HH', buf, 4), buf[HEADER:length]

    def transact(self, code, params=(), data=None, length=None):
        self.tid += 1
        self._write(1, code, b''.join(struct.pack('<I', p) for p in params))
        if data is not None:
            self._write(2, code, data, length)
        got = b''
        while True:
            (ctype, rcode), payload = self._read_container()
            if ctype == 2:
                got += payload
            elif ctype == 3:
                n = len(payload) // 4
                return rcode, list(struct.unpack('<%dI' % n, payload[:4 * n])), got

    def events(self, seconds):
        out = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                buf = bytes(self.ep_int.read(64, timeout=200))
            except usb.core.USBTimeoutError:
                continue
            if len(buf) >= 16:
                code, = struct.unpack_from('<H', buf, 6)
                param, = struct.unpack_from('<I', buf, 12)
                out.append((code, param))
        return out


def mtp_string(s):
    if not s:
        return b'\0'
    units = s.encode('utf-16-le') + b'\0\0'
    return bytes([len(units) // 2]) + units


def object_info(storage, parent, name, fmt, size, date='20240102T030405'):
    return (struct.pack('<IHHIHIIIIIIIHII', storage, fmt, 0, size, 0, 0, 0, 0, 0, 0, 0, parent,
                        1 if fmt == 0x3001 else 0, 0, 0)
            + mtp_string(name) + mtp_string('') + mtp_string(date) + mtp_string(''))


SIZES = {0x0002: 1, 0x0004: 2, 0x0006: 4, 0x0008: 8, 0x000A: 16}


def prop_elements(data):
    """Decodes an ObjectPropList dataset into (handle, property, value)."""
    n, = struct.unpack_from('<I', data)
    pos, out = 4, []
    for _ in range(n):
        handle, prop, dtype = struct.unpack_from('<IHH', data, pos)
        pos += 8
        if dtype == 0xFFFF:
            chars = data[pos]
            value = data[pos + 1:pos + 1 + 2 * chars].decode('utf-16-le').rstrip('\0')
            pos += 1 + 2 * chars
        else:
            size = SIZES[dtype]
            value = int.from_bytes(data[pos:pos + size], 'little')
            pos += size
        out.append((handle, prop, value))
    return out


def num(s):
    return int(s, 0)


def main():
    m = Mtp()
    for line in sys.stdin:
        words = line.split()
        if not words or words[0].startswith('#'):
            continue
        cmd, args = words[0], words[1:]
        if cmd == 'open':
            r = m.transact(0x1002, [1])
        elif cmd == 'op':
            r = m.transact(num(args[0]), [num(a) for a in args[1:]])
        elif cmd == 'send':
            r = m.transact(num(args[0]), [num(a) for a in args[2:]], bytes.fromhex(args[1]))
        elif cmd == 'sendinfo':
            storage, parent, name, fmt, size = num(args[0]), num(args[1]), args[2], num(args[3]), num(args[4])
            date = args[5] if len(args) > 5 else '20240102T030405'
            date = '' if date == '-' else date
            r = m.transact(0x100C, [storage, parent], object_info(storage, parent, name, fmt, size, date))
        elif cmd == 'sendobj':
            if args[0].startswith('@'):
                with open(args[0][1:], 'rb') as f:
                    payload = f.read()
            else:
                payload = bytes.fromhex(args[0])
            r = m.transact(0x100D, [], payload, num(args[1]) if len(args) > 1 else None)
        elif cmd == 'proplist':
            rc, params, data = m.transact(0x9805, [num(a) for a in args[:5]])
            elements = prop_elements(data) if rc == 0x2001 else []
            print('rc=0x%04x n=%d' % (rc, len(elements)))
            for handle, prop, value in elements:
                print('%d 0x%04x %s' % (handle, prop, value))
            sys.stdout.flush()
            continue
        elif cmd == 'events':
            for code, param in m.events(float(args[0])):
                print('event=0x%04x param=%d' % (code, param))
            sys.stdout.flush()
            continue
        else:
            sys.exit('mtp-raw: unknown command ' + cmd)
        rc, params, data = r
        print('rc=0x%04x params=%s%s' % (rc, params, ' data=' + data.hex() if data else ''))
        sys.stdout.flush()
    usb.util.release_interface(m.dev, m.ifnum)


if __name__ == '__main__':
    main()

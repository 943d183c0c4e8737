#!/usr/bin/env python3
"""send_ike.py: send hand-made IKE datagrams to a gateway on loopback.

    send_ike.py [--reply] PORT KIND   KIND: init | init2 | garbage | short |
                                          critical | natt-init | keepalive | esp
init offers X25519 only, init2 X25519 and ECP-256; both send an X25519 KE.
With --reply it waits up to 2 s for an answer and prints each Notify of
it as "notify TYPE DATAHEX" (or "no reply").
The bytes are built here from RFC 7296 section 3 directly (not with our
codec), so the daemon test does not only check the codec against itself.
"""
import os
import socket
import struct
import sys


def pld(ptype, body, nxt, critical=False):
    return bytes([nxt, 0x80 if critical else 0]) + struct.pack("!H", 4 + len(body)) + body


def transform(ttype, tid, keylen=None, last=False):
    attrs = struct.pack("!HH", 0x8000 | 14, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def init_request(critical_unknown=False, groups=(31,)):
    xforms = transform(1, 20, 256) + transform(2, 5)
    for i, g in enumerate(groups):
        xforms += transform(4, g, last=i == len(groups) - 1)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xforms), 1, 1, 0, 2 + len(groups)) + xforms
    ke = struct.pack("!HH", 31, 0) + os.urandom(32)
    nonce = os.urandom(32)
    chain = pld(33, prop, 34) + pld(34, ke, 40)
    if critical_unknown:
        chain += pld(40, nonce, 200) + pld(200, b"\x01\x02\x03\x04", 0, critical=True)
    else:
        chain += pld(40, nonce, 0)
    hdr = os.urandom(8) + bytes(8) + bytes([33, 0x20, 34, 0x08]) + struct.pack(
        "!II", 0, 28 + len(chain))
    return hdr + chain


def print_notifies(data):
    if data[:4] == bytes(4):  # non-ESP marker
        data = data[4:]
    nxt, off = data[16], 28
    while nxt and off + 4 <= len(data):
        ptype = nxt
        nxt, length = data[off], struct.unpack("!H", data[off + 2:off + 4])[0]
        body = data[off + 4:off + length]
        if ptype == 41 and len(body) >= 4:
            spi = body[1]
            ntype = struct.unpack("!H", body[2:4])[0]
            print("notify %d %s" % (ntype, body[4 + spi:].hex()))
        off += length


def main():
    reply = sys.argv[1] == "--reply"
    if reply:
        sys.argv.pop(1)
    port, kind = int(sys.argv[1]), sys.argv[2]
    data = {
        "init": lambda: init_request(),
        "init2": lambda: init_request(groups=(31, 19)),
        "critical": lambda: init_request(True),
        "garbage": lambda: os.urandom(200),
        "short": lambda: init_request()[:27],
        "natt-init": lambda: bytes(4) + init_request(groups=(31, 19)),
        "keepalive": lambda: b"\xff",
        "esp": lambda: struct.pack("!II", 0x1234, 1) + os.urandom(64),
    }[kind]()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(data, ("127.0.0.1", port))
    if reply:
        s.settimeout(2)
        try:
            print_notifies(s.recvfrom(65535)[0])
        except socket.timeout:
            print("no reply")


if __name__ == "__main__":
    main()

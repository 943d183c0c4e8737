#!/usr/bin/env python3
"""send_ike.py: send hand-made IKE datagrams to a gateway on loopback.

    send_ike.py PORT KIND      KIND: init | garbage | short | critical |
                                     natt-init | keepalive | esp
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


def init_request(critical_unknown=False):
    xforms = (transform(1, 20, 256) + transform(2, 5) + transform(4, 31, last=True))
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xforms), 1, 1, 0, 3) + xforms
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


def main():
    port, kind = int(sys.argv[1]), sys.argv[2]
    data = {
        "init": lambda: init_request(),
        "critical": lambda: init_request(True),
        "garbage": lambda: os.urandom(200),
        "short": lambda: init_request()[:27],
        "natt-init": lambda: bytes(4) + init_request(),
        "keepalive": lambda: b"\xff",
        "esp": lambda: struct.pack("!II", 0x1234, 1) + os.urandom(64),
    }[kind]()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(data, ("127.0.0.1", port))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""ike_helper.py: the pieces of tests/integration/ike.sh that are easier in
Python than in sh.

    conn FILE KEY=VALUE...     write a conns/NAME.json: dotted keys
                               (local.id=a.test, ike.retransmit_timeout=0.5,
                               child.mode=transport); list members take
                               comma-separated values; numbers stay numbers;
                               KEY= (empty) removes a member given before
    get FILE PATH              print one value of a JSON file
                               (ike_sas.0.children.0.spi_in; "#" = length)
    expect FILE PATH=VALUE...  compare values; print each mismatch, exit 1
    cross FILE_A FILE_B PA=PB...
                               value PA of FILE_A equals PB of FILE_B
    events FILE EVENT [K=V...] count event lines of `palisadectl --json
                               subscribe` output with these data members
    flood DST PORT COUNT NET [SECONDS]
                               COUNT IKE_SA_INIT requests from random
                               source addresses of NET over SECONDS (2),
                               through a raw socket

IKE messages are built here from RFC 7296 section 3 (not with our codec).
"""
import ipaddress
import json
import os
import random
import socket
import struct
import sys
import time

LISTS = {"addrs", "proposals", "esp_proposals", "local_ts", "remote_ts", "pools"}


def typed(key, value):
    if key.split(".")[-1] in LISTS:
        return [v for v in value.split(",") if v]
    if value in ("true", "false"):
        return value == "true"
    for conv in (int, float):
        try:
            return conv(value)
        except ValueError:
            pass
    return value


def cmd_conn(path, items):
    doc = {"children": [{}]}
    for item in items:
        key, value = item.split("=", 1)
        parts = key.split(".")
        node = doc["children"][0] if parts[0] == "child" else doc
        if parts[0] == "child":
            parts = parts[1:]
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        if value == "":  # KEY= drops a member set earlier
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = typed(key, value)
    if not doc["children"][0]:
        del doc["children"]
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    if "psk" in doc:
        os.chmod(path, 0o600)


def lookup(doc, path):
    node = doc
    for p in path.split("."):
        if p == "#":
            return len(node)
        if isinstance(node, list):
            i = int(p)
            if i >= len(node):
                return None
            node = node[i]
        elif isinstance(node, dict):
            if p not in node:
                return None
            node = node[p]
        else:
            return None
    return node


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"  {path}: {e}")
        return None


def cmd_get(path, key):
    doc = load(path)
    print(text(lookup(doc, key)) if doc is not None else "")


def cmd_expect(path, items):
    doc = load(path)
    bad = 0
    for item in items:
        key, want = item.split("=", 1)
        got = text(lookup(doc, key)) if doc is not None else "(no document)"
        if got != want:
            print(f"  {os.path.basename(path)}: {key} = {got}, want {want}")
            bad += 1
    sys.exit(1 if bad else 0)


def cmd_cross(path_a, path_b, items):
    a, b = load(path_a), load(path_b)
    bad = 0
    for item in items:
        ka, kb = item.split("=", 1)
        va = text(lookup(a, ka)) if a is not None else "(no document)"
        vb = text(lookup(b, kb)) if b is not None else "(no document)"
        if va != vb or va == "null":
            print(f"  {os.path.basename(path_a)}: {ka} = {va}, "
                  f"but {os.path.basename(path_b)}: {kb} = {vb}")
            bad += 1
    sys.exit(1 if bad else 0)


def cmd_events(path, event, items):
    n = 0
    with open(path) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") != event:
                continue
            if all(text(lookup(ev.get("data", {}), k)) == v
                   for k, v in (i.split("=", 1) for i in items)):
                n += 1
    print(n)


# ---- the cookie flood ----

def pld(ptype_next, body):
    return bytes([ptype_next, 0]) + struct.pack("!H", 4 + len(body)) + body


def transform(ttype, tid, keylen=None, last=False):
    attrs = struct.pack("!HH", 0x8000 | 14, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0,
                       tid) + attrs


def init_request():
    """IKE_SA_INIT offering aes256gcm16-prfsha256-x25519 (3.1-3.4, 3.9)."""
    xf = transform(1, 20, 256) + transform(2, 5) + transform(4, 31, last=True)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xf), 1, 1, 0, 3) + xf
    ke = struct.pack("!HH", 31, 0) + os.urandom(32)
    chain = pld(34, prop) + pld(40, ke) + pld(0, os.urandom(32))
    hdr = os.urandom(8) + bytes(8) + bytes([33, 0x20, 34, 0x08]) + struct.pack(
        "!II", 0, 28 + len(chain))
    return hdr + chain


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def datagram(src, dst, sport, dport, payload):
    """IPv4 (RFC 791) + UDP (RFC 768) headers by hand, checksums included."""
    ulen = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, random.getrandbits(16), 0,
                     64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def cmd_flood(dst, port, count, net, duration):
    net = ipaddress.ip_network(net)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    d = socket.inet_aton(dst)
    gap = float(duration) / int(count)
    t0 = time.monotonic()
    for i in range(int(count)):
        host = net.network_address + random.randrange(1, net.num_addresses - 1)
        pkt = datagram(host.packed, d, random.randrange(1024, 65535), int(port),
                       init_request())
        s.sendto(pkt, (dst, 0))
        # pace: the flood lasts `duration` seconds so it can be sampled
        ahead = t0 + (i + 1) * gap - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print(count)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd, rest = a[0], a[1:]
    if cmd == "conn":
        cmd_conn(rest[0], rest[1:])
    elif cmd == "get":
        cmd_get(rest[0], rest[1])
    elif cmd == "expect":
        cmd_expect(rest[0], rest[1:])
    elif cmd == "cross":
        cmd_cross(rest[0], rest[1], rest[2:])
    elif cmd == "events":
        cmd_events(rest[0], rest[1], rest[2:])
    elif cmd == "flood":
        cmd_flood(*rest[:4], rest[4] if len(rest) > 4 else "2")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

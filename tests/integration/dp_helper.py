#!/usr/bin/env python3
"""dp_helper.py: the small tools tests/integration/dp_user.sh needs.

  config   write the two dptool configurations (A and B) of one scenario
  expect   compare a dptool --stats file with expected counters
  udp-send / udp-recv   a counted UDP stream
  tcp-send / tcp-recv   one TCP transfer (checks the data that arrives)
  esp-from-pcap         the ESP packets of a capture, as hex lines
  esp-send              send ESP (raw IP protocol 50, or in UDP) from hex
Only the Python standard library; root for raw sockets.
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

ALGS = {
    # name: (encr, keylen, integ, enc key bytes incl. salt, int key bytes)
    "aes-gcm-128": ("aes-gcm-16", 128, "none", 20, 0),
    "aes-gcm-256": ("aes-gcm-16", 256, "none", 36, 0),
    "chacha20-poly1305": ("chacha20-poly1305", 256, "none", 36, 0),
    "aes-cbc-sha256": ("aes-cbc", 128, "hmac-sha2-256-128", 16, 32),
    "aes-cbc-sha1": ("aes-cbc", 128, "hmac-sha1-96", 16, 20),
    "aes-cbc-sha512": ("aes-cbc", 256, "hmac-sha2-512-256", 32, 64),
}


def key(n, seed):
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n)).hex()


def sa(args, spi, inbound, src, dst, seed, lifetime=None):
    encr, keylen, integ, el, il = ALGS[args.alg]
    d = {"spi": spi, "inbound": inbound, "src": src, "dst": dst,
         "mode": args.mode, "encr": encr, "keylen": keylen, "integ": integ,
         "enc_key": key(el, seed), "reqid": 1, "esn": args.esn}
    if il:
        d["int_key"] = key(il, seed + 100)
    if args.encap:
        d["encap"] = {"sport": 4500, "dport": 4500}
    if lifetime:
        d["lifetime"] = lifetime
    return d


def side(args, me, peer, me_seen, peer_seen, mynet, peernet, spi_out, spi_in,
         seed_out, seed_in, lifetime=None):
    """One end: me/peer are the outer addresses it uses to send; me_seen is
    the address the peer's packets arrive for (ours), peer_seen the address
    the peer's packets come from (behind a NAT: the NAT's)."""
    pols = [{"dir": "out", "src": mynet, "dst": peernet, "tmpl_src": me,
             "tmpl_dst": peer, "reqid": 1, "mode": args.mode,
             "priority": 100, "trap": True},
            {"dir": "in", "src": peernet, "dst": mynet, "tmpl_src": peer_seen,
             "tmpl_dst": me_seen, "reqid": 1, "mode": args.mode,
             "priority": 100}]
    return {"sas": [sa(args, spi_out, False, me, peer, seed_out),
                    sa(args, spi_in, True, peer_seen, me_seen, seed_in,
                       lifetime)],
            "policies": pols}


def cmd_config(args):
    # Outer addresses: A sends to B; behind a NAT, B sees A as args.a_nat.
    a_seen = args.a_nat or args.a
    if args.mode == "tunnel":
        na, nb = args.net_a, args.net_b
    else:
        plen = 32 if ":" not in args.a else 128
        na, nb = f"{args.a}/{plen}", f"{args.b}/{plen}"
        nb_a = f"{a_seen}/{plen}"  # how B names A's traffic
    life = None
    if args.life_packets:
        soft, hard = args.life_packets.split(",")
        life = {"packets_soft": int(soft), "packets_hard": int(hard)}
    cfg_a = side(args, args.a, args.b, args.a, args.b, na, nb,
                 0x1001, 0x2002, 1, 2)
    if args.mode == "tunnel":
        cfg_b = side(args, args.b, a_seen, args.b, a_seen, nb, na,
                     0x2002, 0x1001, 2, 1, life)
    else:
        cfg_b = side(args, args.b, a_seen, args.b, a_seen, nb, nb_a,
                     0x2002, 0x1001, 2, 1, life)
    if args.no_sa_a:
        cfg_a["sas"] = [s for s in cfg_a["sas"] if s["inbound"]]
    for path, cfg in ((args.out_a, cfg_a), (args.out_b, cfg_b)):
        with open(path, "w") as f:
            json.dump(cfg, f, indent=1)


def cmd_expect(args):
    with open(args.stats) as f:
        st = json.load(f)
    bad = 0
    for item in args.checks:
        name, want = item.split("=")
        if name.startswith("0x"):  # 0x1001.packets
            spi, field = name.split(".")
            got = [s.get(field) for s in st["sas"] if s["spi"] == int(spi, 16)]
            got = got[0] if got else None
        else:
            got = st["counters"].get(name)
        if str(got) != want:
            print(f"  {args.stats}: {name} = {got}, want {want}")
            bad += 1
    sys.exit(1 if bad else 0)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def cmd_udp_send(args):
    s = socket.socket(family(args.dst), socket.SOCK_DGRAM)
    s.bind((args.src, 0))
    data = bytes(i & 0xFF for i in range(args.size))
    for _ in range(args.count):
        s.sendto(data, (args.dst, args.port))
        time.sleep(args.gap)


def cmd_udp_recv(args):
    s = socket.socket(family(args.bind), socket.SOCK_DGRAM)
    s.bind((args.bind, args.port))
    s.settimeout(args.timeout)
    n = 0
    try:
        while n < args.count:
            d = s.recv(65536)
            if len(d) == args.size:
                n += 1
    except socket.timeout:
        pass
    print(n)


def cmd_tcp_recv(args):
    s = socket.socket(family(args.bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.bind, args.port))
    s.listen(1)
    s.settimeout(args.timeout)
    got = b""
    try:
        c, _ = s.accept()
        c.settimeout(args.timeout)
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += d
    except socket.timeout:
        pass
    want = bytes((i * 7) & 0xFF for i in range(args.size))
    print("ok" if got == want else f"bad {len(got)}")


def cmd_tcp_send(args):
    s = socket.create_connection((args.dst, args.port), timeout=args.timeout,
                                 source_address=(args.src, 0))
    s.sendall(bytes((i * 7) & 0xFF for i in range(args.size)))
    s.close()


def pcap_packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        linktype = struct.unpack(end + "I", hdr[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(end + "IIII", rec)[2]
            yield linktype, f.read(incl)


def esp_of(linktype, frame):
    """The ESP bytes of an Ethernet/cooked frame, or None."""
    if linktype == 1:  # Ethernet
        etype, ip = struct.unpack("!H", frame[12:14])[0], frame[14:]
    elif linktype == 113:  # Linux cooked
        etype, ip = struct.unpack("!H", frame[14:16])[0], frame[16:]
    else:
        return None
    if etype == 0x0800:
        proto, ip = ip[9], ip[(ip[0] & 0xF) * 4:]
    elif etype == 0x86DD:
        proto, ip = ip[6], ip[40:]
    else:
        return None
    if proto == 50:
        return ip
    if proto == 17 and len(ip) > 12 and ip[8:12] != b"\0\0\0\0":
        return ip[8:]
    return None


def cmd_esp_from_pcap(args):
    n = 0
    for lt, frame in pcap_packets(args.pcap):
        esp = esp_of(lt, frame)
        if esp and (not args.spi or esp[:4] == struct.pack("!I", int(args.spi, 16))):
            print(esp.hex())
            n += 1
            if n == args.count:
                return


def cmd_esp_send(args):
    data = bytes.fromhex(args.hex)
    if args.udp:
        s = socket.socket(family(args.dst), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.src, args.sport or args.udp))
        s.sendto(data, (args.dst, args.udp))
    else:
        s = socket.socket(family(args.dst), socket.SOCK_RAW, 50)
        s.bind((args.src, 0))
        s.sendto(data, (args.dst, 0))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("config")
    c.add_argument("--mode", default="tunnel")
    c.add_argument("--alg", default="aes-gcm-128", choices=sorted(ALGS))
    c.add_argument("--encap", action="store_true")
    c.add_argument("--esn", action="store_true")
    c.add_argument("--a", required=True)
    c.add_argument("--b", required=True)
    c.add_argument("--a-nat", default="")
    c.add_argument("--net-a", default="")
    c.add_argument("--net-b", default="")
    c.add_argument("--life-packets", default="")
    c.add_argument("--no-sa-a", action="store_true")
    c.add_argument("--out-a", required=True)
    c.add_argument("--out-b", required=True)
    e = sub.add_parser("expect")
    e.add_argument("stats")
    e.add_argument("checks", nargs="+")
    for name in ("udp-send", "udp-recv", "tcp-send", "tcp-recv"):
        u = sub.add_parser(name)
        u.add_argument("--src", default="")
        u.add_argument("--dst", default="")
        u.add_argument("--bind", default="")
        u.add_argument("--port", type=int, default=7000)
        u.add_argument("--count", type=int, default=100)
        u.add_argument("--size", type=int, default=200)
        u.add_argument("--gap", type=float, default=0.002)
        u.add_argument("--timeout", type=float, default=5)
    x = sub.add_parser("esp-from-pcap")
    x.add_argument("pcap")
    x.add_argument("--spi", default="")
    x.add_argument("--count", type=int, default=0)
    s = sub.add_parser("esp-send")
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--udp", type=int, default=0)
    s.add_argument("--sport", type=int, default=0)
    s.add_argument("hex")
    args = p.parse_args()
    {"config": cmd_config, "expect": cmd_expect, "udp-send": cmd_udp_send,
     "udp-recv": cmd_udp_recv, "tcp-send": cmd_tcp_send,
     "tcp-recv": cmd_tcp_recv, "esp-from-pcap": cmd_esp_from_pcap,
     "esp-send": cmd_esp_send}[args.cmd](args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""sacheck.py: compare strongSwan's view of an IKE SA with palisade-gatewayd's.

  sacheck.py sas SWAN OURS [options]   the SA pair agrees (state, SPIs,
                                       ids, algorithms, selectors, NAT)
  sacheck.py counters SWAN OURS        byte/packet counters agree crosswise
  sacheck.py get OURS KEY...           print a value of our first IKE SA
                                       (KEY: "state", "children.0.packets_in")
  sacheck.py count SWAN OURS           print "<strongSwan SAs> <our SAs>"
  sacheck.py state SWAN OURS           print the first IKE SA's state and
                                       number of CHILD SAs on each side:
                                       "ESTABLISHED 1 ESTABLISHED 1" ("- 0" if none)
  sacheck.py event EVENTS NAME K=V...  some NAME event of EVENTS (palisadectl
                                       --json subscribe lines) has data.K = V
                                       (V as JSON, else a string)

SWAN is the output of `swanctl --list-sas --pretty`, OURS the output of
`palisadectl --json list-sas`. Problems go to stdout, one per line; the
exit status is 1 when there is one.
"""
import argparse
import json
import sys

# strongSwan's algorithm names -> the proposal keywords of api/control.md 4
ENCR = {
    ("AES_GCM_16", "128"): "aes128gcm16",
    ("AES_GCM_16", "256"): "aes256gcm16",
    ("AES_GCM_12", "256"): "aes256gcm12",
    ("AES_CBC", "128"): "aes128",
    ("AES_CBC", "256"): "aes256",
    ("CHACHA20_POLY1305", None): "chacha20poly1305",
}
INTEG = {
    "HMAC_SHA1_96": "sha1",
    "HMAC_SHA2_256_128": "sha256",
    "HMAC_SHA2_384_192": "sha384",
    "HMAC_SHA2_512_256": "sha512",
}
PRF = {
    "PRF_HMAC_SHA1": "prfsha1",
    "PRF_HMAC_SHA2_256": "prfsha256",
    "PRF_HMAC_SHA2_384": "prfsha384",
    "PRF_HMAC_SHA2_512": "prfsha512",
}
DH = {
    "MODP_2048": "modp2048",
    "MODP_3072": "modp3072",
    "MODP_4096": "modp4096",
    "ECP_256": "ecp256",
    "ECP_384": "ecp384",
    "ECP_521": "ecp521",
    "CURVE_25519": "x25519",
    "CURVE_448": "x448",
}


def parse_pretty(text):
    """swanctl --pretty output -> list of (name, dict) per IKE SA.

    Lines are 'name {', '}', 'key = value', 'key = [', items, ']'."""
    sas = []
    stack = []
    top_name = None
    cur_list = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if cur_list is not None:
            if line == "]":
                cur_list = None
            else:
                cur_list.append(line)
            continue
        if line.endswith("{"):
            name = line[:-1].strip()
            node = {}
            if stack:
                stack[-1][name] = node
            stack.append(node)
            # an IKE SA is a section directly inside a "list-sa event"
            if len(stack) == 2 and top_name == "list-sa event":
                sas.append((name, node))
            elif len(stack) == 1:
                top_name = name
            continue
        if line == "}":
            if stack:
                stack.pop()
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            key, sep, value = line.partition(" =")
        if not stack:
            continue
        if value == "[":
            cur_list = []
            stack[-1][key] = cur_list
        else:
            stack[-1][key] = value
    return sas


def load(swan_file, ours_file):
    with open(swan_file) as f:
        swan = parse_pretty(f.read())
    with open(ours_file) as f:
        ours = json.load(f)["ike_sas"]
    return swan, ours


def algs(sw):
    """strongSwan's algorithm fields -> (encr, integ, prf, dh) keywords."""
    name, size = sw.get("encr-alg"), sw.get("encr-keysize")
    encr = ENCR.get((name, size), ENCR.get((name, None), "%s/%s" % (name, size)))
    integ = INTEG.get(sw["integ-alg"], sw["integ-alg"]) if "integ-alg" in sw else None
    prf = PRF.get(sw["prf-alg"], sw["prf-alg"]) if "prf-alg" in sw else None
    dh = DH.get(sw["dh-group"], sw["dh-group"]) if "dh-group" in sw else None
    return encr, integ, prf, dh


def expect_list(s):
    """'aes128,sha256,prfsha256,modp2048' ('-' = none) -> list"""
    return [None if x == "-" else x for x in s.split(",")]


class Problems:
    def __init__(self):
        self.items = []

    def eq(self, what, have, want):
        if have != want:
            self.items.append("%s: %r, expected %r" % (what, have, want))

    def add(self, msg):
        self.items.append(msg)

    def finish(self):
        for p in self.items:
            print(p)
        return 1 if self.items else 0


def one_pair(p, swan, ours):
    if len(swan) != 1:
        p.add("strongSwan has %d IKE SAs, expected 1" % len(swan))
    if len(ours) != 1:
        p.add("we have %d IKE SAs, expected 1" % len(ours))
    if len(swan) != 1 or len(ours) != 1:
        return None
    sw, us = swan[0][1], ours[0]
    sw_children = list(sw.get("child-sas", {}).values())
    if len(sw_children) != 1:
        p.add("strongSwan has %d CHILD SAs, expected 1" % len(sw_children))
    if len(us["children"]) != 1:
        p.add("we have %d CHILD SAs, expected 1" % len(us["children"]))
    if len(sw_children) != 1 or len(us["children"]) != 1:
        return None
    return sw, us, sw_children[0], us["children"][0]


def check_ike(p, a, sw, us):
    p.eq("strongSwan IKE state", sw.get("state"), "ESTABLISHED")
    p.eq("our IKE state", us["state"], "ESTABLISHED")
    p.eq("initiator SPI (ours vs strongSwan)", us["spi_i"], sw.get("initiator-spi"))
    p.eq("responder SPI (ours vs strongSwan)", us["spi_r"], sw.get("responder-spi"))
    sw_init = sw.get("initiator") == "yes"
    p.eq("strongSwan is initiator", sw_init, a.role == "sw")
    p.eq("our role", us["role"], "responder" if a.role == "sw" else "initiator")
    p.eq("our remote id = strongSwan's local id", us["remote"]["id"], sw.get("local-id"))
    p.eq("our local id = strongSwan's remote id", us["local"]["id"], sw.get("remote-id"))
    if a.auth:
        p.eq("our auth method", us["local"]["auth"], a.auth)
        p.eq("the peer's auth method", us["remote"]["auth"], a.auth)
    p.eq("our local address", us["local"]["addr"], a.g_addr)
    p.eq("our remote address", us["remote"]["addr"], a.s_seen)
    p.eq("strongSwan local address", sw.get("local-host"), a.s_addr)
    p.eq("strongSwan remote address", sw.get("remote-host"), a.g_seen)
    p.eq("our local port", us["local"]["port"], 4500)
    p.eq("strongSwan local port", sw.get("local-port"), "4500")
    # the NAT namespace maps UDP ports to 40000-49999
    p.eq("our remote port is 4500", us["remote"]["port"] == 4500, a.topo != "nat-s")
    p.eq("strongSwan's remote port is 4500", sw.get("remote-port") == "4500", a.topo != "nat-g")
    mine = (us["ike"]["encr"], us["ike"]["integ"], us["ike"]["prf"], us["ike"]["dh"])
    p.eq("IKE algorithms (ours vs strongSwan)", mine, algs(sw))
    if a.ike:
        p.eq("IKE algorithms (ours vs expected)", list(mine), expect_list(a.ike))
    # kernel-libipsec fakes NAT-D: we always see the peer behind a NAT
    p.eq("our nat.remote", us["nat"]["remote"], True)
    p.eq("our nat.local", us["nat"]["local"], a.topo == "nat-g")
    p.eq("strongSwan nat-local", sw.get("nat-local") == "yes", a.topo == "nat-s")
    p.eq("strongSwan nat-remote", sw.get("nat-remote") == "yes", a.topo == "nat-g")


def check_child(p, a, sc, uc):
    p.eq("strongSwan CHILD state", sc.get("state"), "INSTALLED")
    p.eq("our CHILD state", uc["state"], "INSTALLED")
    p.eq("our inbound SPI = strongSwan's outbound", uc["spi_in"], sc.get("spi-out"))
    p.eq("our outbound SPI = strongSwan's inbound", uc["spi_out"], sc.get("spi-in"))
    p.eq("our mode", uc["mode"], a.mode)
    p.eq("strongSwan mode", sc.get("mode"), a.mode.upper())
    p.eq("our ESP in UDP", uc["encap"], True)
    p.eq("strongSwan ESP in UDP", sc.get("encap"), "yes")
    encr, integ, _, _ = algs(sc)
    p.eq("ESP algorithms (ours vs strongSwan)", (uc["esp"]["encr"], uc["esp"]["integ"]),
         (encr, integ))
    if a.esp:
        p.eq("ESP algorithms (ours vs expected)",
             [uc["esp"]["encr"], uc["esp"]["integ"]], expect_list(a.esp))
    p.eq("our remote TS = strongSwan's local TS", uc["remote_ts"], sc.get("local-ts"))
    p.eq("our local TS = strongSwan's remote TS", uc["local_ts"], sc.get("remote-ts"))
    if a.local_ts:
        p.eq("our local TS", uc["local_ts"], [a.local_ts])
    if a.remote_ts:
        p.eq("our remote TS", uc["remote_ts"], [a.remote_ts])


def cmd_sas(a):
    p = Problems()
    swan, ours = load(a.swan, a.ours)
    pair = one_pair(p, swan, ours)
    if pair:
        sw, us, sc, uc = pair
        check_ike(p, a, sw, us)
        check_child(p, a, sc, uc)
    return p.finish()


def cmd_counters(a):
    p = Problems()
    swan, ours = load(a.swan, a.ours)
    pair = one_pair(p, swan, ours)
    if pair:
        _, _, sc, uc = pair
        # What one side sent, the other received: exactly, but for up to
        # 1 % lost on the way in a UDP stream, and for what the receiving
        # kernel dropped for a full socket buffer (slack_in: our side,
        # slack_out: strongSwan's; a busy machine), never more than sent.
        for us_key, sw_key, sent_by_us, unit in (
                ("bytes_in", "bytes-out", False, 1500), ("packets_in", "packets-out", False, 1),
                ("bytes_out", "bytes-in", True, 1500), ("packets_out", "packets-in", True, 1)):
            ours, theirs = uc[us_key], int(sc.get(sw_key, "-1"))
            sent, got = (ours, theirs) if sent_by_us else (theirs, ours)
            slack = sent // 100 + unit * (a.slack_out if sent_by_us else a.slack_in)
            if not (sent - slack <= got <= sent):
                p.add("our %s %d, strongSwan's %s %d" % (us_key, ours, sw_key, theirs))
        if uc["packets_in"] < a.min_packets or uc["packets_out"] < a.min_packets:
            p.add("our counters: %d packets in, %d out; expected at least %d each"
                  % (uc["packets_in"], uc["packets_out"], a.min_packets))
    return p.finish()


def cmd_get(a):
    with open(a.ours) as f:
        v = json.load(f)["ike_sas"]
    if not v:
        return 1
    v = v[0]
    for key in a.key:
        for part in key.split("."):
            v = v[int(part)] if isinstance(v, list) else v[part]
        print(v)
    return 0


def cmd_count(a):
    swan, ours = load(a.swan, a.ours)
    print(len(swan), len(ours))
    return 0


def cmd_state(a):
    swan, ours = load(a.swan, a.ours)
    out = []
    if swan:
        sw = swan[0][1]
        out += [sw.get("state", "?"), str(len(sw.get("child-sas", {})))]
    else:
        out += ["-", "0"]
    if ours:
        out += [ours[0]["state"], str(len(ours[0]["children"]))]
    else:
        out += ["-", "0"]
    print(" ".join(out))
    return 0


def cmd_event(a):
    want = []
    for kv in a.match:
        k, _, v = kv.partition("=")
        try:
            v = json.loads(v)
        except ValueError:
            pass
        want.append((k, v))
    seen = []
    with open(a.events) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event") != a.name:
                continue
            have = []
            for k, v in want:
                d = ev.get("data", {})
                for part in k.split("."):
                    d = d.get(part) if isinstance(d, dict) else None
                have.append(d)
            if have == [v for _, v in want]:
                return 0
            seen.append(have)
    print("no %s event with %s; seen: %s" % (a.name, " ".join(a.match), seen or "none"))
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sas")
    s.add_argument("swan")
    s.add_argument("ours")
    s.add_argument("--role", choices=("sw", "gw"), required=True, help="who initiated")
    s.add_argument("--topo", choices=("direct", "nat-s", "nat-g"), required=True)
    s.add_argument("--mode", default="tunnel")
    s.add_argument("--auth", choices=("psk", "pubkey"))
    s.add_argument("--ike", help="expected encr,integ,prf,dh ('-' = none)")
    s.add_argument("--esp", help="expected encr,integ")
    s.add_argument("--local-ts")
    s.add_argument("--remote-ts")
    for k in ("s-addr", "s-seen", "g-addr", "g-seen"):
        s.add_argument("--" + k, required=True)
    c = sub.add_parser("counters")
    c.add_argument("swan")
    c.add_argument("ours")
    c.add_argument("--min-packets", type=int, default=1)
    c.add_argument("--slack-in", type=int, default=0,
                   help="datagrams our kernel dropped for a full receive buffer")
    c.add_argument("--slack-out", type=int, default=0,
                   help="the same on strongSwan's side")
    g = sub.add_parser("get")
    g.add_argument("ours")
    g.add_argument("key", nargs="+")
    n = sub.add_parser("count")
    n.add_argument("swan")
    n.add_argument("ours")
    t = sub.add_parser("state")
    t.add_argument("swan")
    t.add_argument("ours")
    e = sub.add_parser("event")
    e.add_argument("events")
    e.add_argument("name")
    e.add_argument("match", nargs="*")
    a = ap.parse_args()
    cmds = {"sas": cmd_sas, "counters": cmd_counters, "get": cmd_get, "count": cmd_count,
            "state": cmd_state, "event": cmd_event}
    return cmds[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

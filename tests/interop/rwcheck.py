#!/usr/bin/env python3
"""rwcheck.py: a strongSwan road warrior's IKE SA against ours (eap.sh).

  rwcheck.py pair SWAN OURS --eap-id ID --method M --vip V --net NET ...
        the client's only IKE SA and ours of EAP identity ID agree: states,
        SPIs, identities, EAP, the virtual IP on both sides, selectors
        (the client's V/32 === NET), algorithms
  rwcheck.py counters SWAN OURS --eap-id ID [--min-packets N]
        byte/packet counters agree crosswise, exactly
  rwcheck.py vips OURS          print every virtual IP we leased, sorted
  rwcheck.py count OURS         print our number of IKE SAs

SWAN is one client's `swanctl --list-sas --pretty`, OURS
`palisadectl --json list-sas`. Problems go to stdout, one per line; the
exit status is 1 when there is one.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sacheck import Problems, algs, parse_pretty  # noqa: E402


def load(swan_file, ours_file):
    with open(swan_file) as f:
        swan = parse_pretty(f.read())
    with open(ours_file) as f:
        ours = json.load(f)["ike_sas"]
    return swan, ours


def ours_of(p, ours, eap_id):
    """Our IKE SA whose peer ran EAP as eap_id (exactly one)."""
    mine = [s for s in ours if s["remote"].get("eap_id") == eap_id]
    if len(mine) != 1:
        p.add("we have %d IKE SAs of EAP identity %r, expected 1 (of %d)"
              % (len(mine), eap_id, len(ours)))
        return None
    return mine[0]


def one_pair(p, swan, ours, eap_id):
    if len(swan) != 1:
        p.add("the client has %d IKE SAs, expected 1" % len(swan))
        return None
    us = ours_of(p, ours, eap_id)
    if us is None:
        return None
    sw = swan[0][1]
    sw_children = list(sw.get("child-sas", {}).values())
    if len(sw_children) != 1 or len(us["children"]) != 1:
        p.add("CHILD SAs: the client %d, we %d, expected 1 each"
              % (len(sw_children), len(us["children"])))
        return None
    return sw, us, sw_children[0], us["children"][0]


def cmd_pair(a):
    p = Problems()
    swan, ours = load(a.swan, a.ours)
    pair = one_pair(p, swan, ours, a.eap_id)
    if not pair:
        return p.finish()
    sw, us, sc, uc = pair
    p.eq("client IKE state", sw.get("state"), "ESTABLISHED")
    p.eq("our IKE state", us["state"], "ESTABLISHED")
    p.eq("our role", us["role"], "responder")
    p.eq("initiator SPI (ours vs client)", us["spi_i"], sw.get("initiator-spi"))
    p.eq("responder SPI (ours vs client)", us["spi_r"], sw.get("responder-spi"))
    p.eq("our remote id = client's local id", us["remote"]["id"], sw.get("local-id"))
    p.eq("our local id = client's remote id", us["local"]["id"], sw.get("remote-id"))
    p.eq("our local auth", us["local"]["auth"], "pubkey")
    p.eq("the client's auth method (ours)", us["remote"]["auth"], a.method)
    p.eq("the client's EAP identity (ours)", us["remote"]["eap_id"], a.eap_id)
    p.eq("the client's virtual IPs (client's view)", sw.get("local-vips"), [a.vip])
    p.eq("the client's virtual IPs (ours)", us["remote"]["vips"], [a.vip])
    p.eq("our own virtual IPs", us["local"]["vips"], [])
    p.eq("the client's remote-vips", sw.get("remote-vips"), None)
    mine = (us["ike"]["encr"], us["ike"]["integ"], us["ike"]["prf"], us["ike"]["dh"])
    p.eq("IKE algorithms (ours vs client)", mine, algs(sw))
    p.eq("client CHILD state", sc.get("state"), "INSTALLED")
    p.eq("our CHILD state", uc["state"], "INSTALLED")
    p.eq("our inbound SPI = client's outbound", uc["spi_in"], sc.get("spi-out"))
    p.eq("our outbound SPI = client's inbound", uc["spi_out"], sc.get("spi-in"))
    p.eq("client's local TS: its virtual IP", sc.get("local-ts"), [a.vip + "/32"])
    p.eq("client's remote TS", sc.get("remote-ts"), [a.net])
    p.eq("our remote TS: the virtual IP", uc["remote_ts"], [a.vip + "/32"])
    p.eq("our local TS", uc["local_ts"], [a.net])
    return p.finish()


def cmd_counters(a):
    p = Problems()
    swan, ours = load(a.swan, a.ours)
    pair = one_pair(p, swan, ours, a.eap_id)
    if pair:
        _, _, sc, uc = pair
        for us_key, sw_key in (("bytes_in", "bytes-out"), ("packets_in", "packets-out"),
                               ("bytes_out", "bytes-in"), ("packets_out", "packets-in")):
            p.eq("our %s = client's %s" % (us_key, sw_key), uc[us_key],
                 int(sc.get(sw_key, "-1")))
        if uc["packets_in"] < a.min_packets or uc["packets_out"] < a.min_packets:
            p.add("our counters: %d packets in, %d out; expected at least %d each"
                  % (uc["packets_in"], uc["packets_out"], a.min_packets))
    return p.finish()


def cmd_vips(a):
    with open(a.ours) as f:
        ours = json.load(f)["ike_sas"]
    print(" ".join(sorted(v for s in ours for v in s["remote"]["vips"])))
    return 0


def cmd_count(a):
    with open(a.ours) as f:
        print(len(json.load(f)["ike_sas"]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("pair")
    s.add_argument("swan")
    s.add_argument("ours")
    for k in ("eap-id", "method", "vip", "net"):
        s.add_argument("--" + k, required=True)
    c = sub.add_parser("counters")
    c.add_argument("swan")
    c.add_argument("ours")
    c.add_argument("--eap-id", required=True)
    c.add_argument("--min-packets", type=int, default=1)
    v = sub.add_parser("vips")
    v.add_argument("ours")
    n = sub.add_parser("count")
    n.add_argument("ours")
    a = ap.parse_args()
    return {"pair": cmd_pair, "counters": cmd_counters, "vips": cmd_vips,
            "count": cmd_count}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

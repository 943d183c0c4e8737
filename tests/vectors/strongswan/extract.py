#!/usr/bin/env python3
"""extract.py: turn one strongSwan capture into frozen IKEv2 test vectors.

Called by capture.sh (provenance only; the unit tests never run it):
    extract.py --pcap capture.pcap --log initiator-charon.log [--psk PSK] --out DIR

Writes into DIR:
  NN-<exchange>-<req|rsp>[-fragK].bin  each IKE message (UDP payload; on port
                                      4500 the 4-byte non-ESP marker is removed)
  messages.txt                        one line per message (see README.md)
  keys.txt                            name = value (see README.md)

Keys come from the initiator's charon log at level ike=4/chd=4 (keymat_v2.c
dumps the shared DH secret, SKEYSEED, SK_* and the CHILD_SA keys). Before
anything is written, the vectors are checked with an independent
implementation (Python's hmac/hashlib and the 'cryptography' package):
SKEYSEED and SK_* are derived again, every SK/SKF payload is decrypted and
its ICV verified, CHILD_SA keys are derived again, PSK AUTH payloads are
recomputed and signature AUTH payloads verified against the certificate.
The nonces of SAs created by CREATE_CHILD_SA are taken from the decrypted
messages (charon does not log them).
"""
import argparse
import hashlib
import hmac
import os
import re
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

EXCH = {34: "ike_sa_init", 35: "ike_auth", 36: "create_child_sa", 37: "informational"}
PLD_SA, PLD_KE, PLD_IDI, PLD_IDR, PLD_CERT, PLD_AUTH, PLD_NONCE = 33, 34, 35, 36, 37, 39, 40
PLD_SK, PLD_SKF = 46, 53
ENCR_AES_CBC, ENCR_AES_GCM_16, ENCR_CHACHA = 12, 20, 28
PRF_HASH = {5: hashlib.sha256, 6: hashlib.sha384, 7: hashlib.sha512}
INTEG = {12: (hashlib.sha256, 32, 16), 13: (hashlib.sha384, 48, 24), 14: (hashlib.sha512, 64, 32)}
# ESP proposal tokens in "selected proposal: ESP:..." (strongSwan names)
ESP_ENCR = {"AES_CBC": 12, "AES_GCM_16": 20, "CHACHA20_POLY1305": 28}
ESP_INTEG = {"HMAC_SHA2_256_128": 12, "HMAC_SHA2_384_192": 13, "HMAC_SHA2_512_256": 14}
ESP_DH = {"MODP_2048": 14, "MODP_3072": 15, "ECP_256": 19, "ECP_384": 20, "CURVE_25519": 31}


def die(msg):
    sys.exit(f"extract.py: {msg}")


# ---------------------------------------------------------------- pcap

def read_pcap(path):
    """UDP/IPv4 datagrams of a classic little/big-endian Ethernet pcap."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        end = ">"
    else:
        die(f"{path}: not a classic pcap file")
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        die(f"{path}: link type is not Ethernet")
    off, out = 24, []
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if caplen != wirelen:
            die("truncated frame in pcap")
        if frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0f) * 4
        if ip[9] != 17:
            continue
        src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        tot = struct.unpack(">H", ip[2:4])[0]
        udp = ip[ihl:tot]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        out.append((sec + usec / 1e6, src, sport, dst, dport, udp[8:ulen]))
    return out


def ike_datagrams(pkts):
    """Yield (time, src, sport, dst, dport, ike_bytes, marker_stripped)."""
    n_esp = n_ka = 0
    for t, src, sp, dst, dp, pl in pkts:
        if 500 in (sp, dp) and 4500 not in (sp, dp):
            yield t, src, sp, dst, dp, pl, False
        elif 4500 in (sp, dp):
            if pl == b"\xff":
                n_ka += 1  # RFC 3948 NAT-keepalive
            elif len(pl) >= 4 and pl[:4] == b"\0\0\0\0":
                yield t, src, sp, dst, dp, pl[4:], True
            else:
                n_esp += 1  # ESP in UDP (RFC 3948)
    print(f"  pcap: {n_esp} ESP-in-UDP packets, {n_ka} keepalives (not extracted)")


# ---------------------------------------------------------------- IKE parsing

def hdr(msg):
    spi_i, spi_r, nxt, ver, exch, flags, mid, length = struct.unpack(">QQBBBBII", msg[:28])
    if length != len(msg):
        die("IKE length field does not match the UDP payload")
    return dict(spi_i=spi_i, spi_r=spi_r, next=nxt, ver=ver, exch=exch, flags=flags,
                mid=mid, len=length)


def payloads(buf, first, off=0):
    """[(type, body_offset, body)] of a payload chain starting at buf[off]."""
    out, t = [], first
    while t != 0:
        if off + 4 > len(buf):
            die("payload chain overruns the message")
        nxt, _, plen = struct.unpack(">BBH", buf[off:off + 4])
        if plen < 4 or off + plen > len(buf):
            die("bad payload length")
        out.append((t, off + 4, buf[off + 4:off + plen]))
        if t in (PLD_SK, PLD_SKF):
            break  # next payload names the first inner payload
        off += plen
        t = nxt
    return out


def find(plds, t):
    return [b for (pt, _, b) in plds if pt == t]


def parse_sa(body):
    """First proposal: (proto, spi bytes, {xf_type: (id, keylen)})."""
    plen = struct.unpack(">H", body[2:4])[0]
    prop = body[:plen]
    proto, spi_len, n = prop[5], prop[6], prop[7]
    spi = prop[8:8 + spi_len]
    off, xf = 8 + spi_len, {}
    for _ in range(n):
        tlen = struct.unpack(">H", prop[off + 2:off + 4])[0]
        ttype, tid = prop[off + 4], struct.unpack(">H", prop[off + 6:off + 8])[0]
        keylen, a = 0, off + 8
        while a < off + tlen:
            atype, aval = struct.unpack(">HH", prop[a:a + 4])
            if atype == 0x800e:
                keylen = aval
            a += 4
        xf[ttype] = (tid, keylen)
        off += tlen
    return proto, spi, xf


# ---------------------------------------------------------------- charon log

LINE = re.compile(r"^\S+ (\d+)\[(\w+)\] (?:<[^>]*> )?(.*)$")
DUMP_HDR = re.compile(r"^(.*?) => (\d+) bytes @ 0x[0-9a-f]+$")
DUMP_ROW = re.compile(r"^\s+\d+: ((?:[0-9A-F]{2} )+)")


def read_log(path):
    """Events in log order: ('dump', label, bytes) or ('line', text)."""
    events, cur = [], {}
    for raw in open(path, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        thread, _, msg = m.groups()
        r = DUMP_ROW.match(msg)
        if r and thread in cur:
            cur[thread][2].extend(bytes.fromhex(r.group(1).replace(" ", "")))
            continue
        cur.pop(thread, None)
        h = DUMP_HDR.match(msg)
        if h:
            ev = ["dump", h.group(1), bytearray(), int(h.group(2))]
            events.append(ev)
            cur[thread] = ev
        else:
            events.append(["line", msg])
    for ev in events:
        if ev[0] == "dump" and len(ev[2]) != ev[3]:
            die(f"log dump '{ev[1]}' has {len(ev[2])} of {ev[3]} bytes")
    return events


def log_key_sets(events):
    """IKE key sets and CHILD key sets in log order."""
    ike, child, cur_child = [], [], None
    names = {"shared Diffie Hellman secret": "g_ir", "SKEYSEED": "skeyseed",
             "Sk_d secret": "sk_d", "Sk_ai secret": "sk_ai", "Sk_ar secret": "sk_ar",
             "Sk_ei secret": "sk_ei", "Sk_er secret": "sk_er", "Sk_pi secret": "sk_pi",
             "Sk_pr secret": "sk_pr"}
    cnames = {"DH secret": "g_ir", "seed": "seed", "encryption initiator key": "ei",
              "encryption responder key": "er", "integrity initiator key": "ai",
              "integrity responder key": "ar"}
    esp_prop = None
    for ev in events:
        if ev[0] == "dump" and ev[1] in names:
            if ev[1] == "shared Diffie Hellman secret":
                ike.append({})
            ike[-1][names[ev[1]]] = bytes(ev[2])
        elif ev[0] == "dump" and ev[1] in cnames:
            if cur_child is None:
                cur_child = {"prop": esp_prop}
            cur_child[cnames[ev[1]]] = bytes(ev[2])
        elif ev[0] == "line":
            m = re.match(r"selected proposal: ESP:(\S+)", ev[1])
            if m:
                esp_prop = m.group(1)
            m = re.search(r"CHILD_SA \S+ established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o",
                          ev[1])
            if m and cur_child is not None:
                # the initiator's log: _i is its inbound SPI (chosen by it)
                cur_child["spi_i"], cur_child["spi_r"] = m.group(1), m.group(2)
                child.append(cur_child)
                cur_child = None
    return ike, child


def esp_transforms(prop):
    toks = prop.split("/")
    m = re.match(r"^(AES_CBC|AES_GCM_16|CHACHA20_POLY1305)(?:_(\d+))?$", toks[0])
    if not m:
        die(f"unknown ESP encryption {toks[0]}")
    encr = ESP_ENCR[m.group(1)]
    keylen = int(m.group(2)) if m.group(2) else 0
    integ = next((ESP_INTEG[t] for t in toks[1:] if t in ESP_INTEG), 0)
    dh = next((ESP_DH[t] for t in toks[1:] if t in ESP_DH), 0)
    return encr, keylen, integ, dh


# ---------------------------------------------------------------- crypto (check)

def prf(alg, key, data):
    return hmac.new(key, data, PRF_HASH[alg]).digest()


def prf_plus(alg, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(alg, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def encr_key_len(encr, keylen):
    if encr == ENCR_AES_CBC:
        return keylen // 8
    if encr == ENCR_AES_GCM_16:
        return keylen // 8 + 4
    if encr == ENCR_CHACHA:
        return 36
    die(f"encryption {encr} not supported here")


def ike_keys(suite, skeyseed, ni, nr, spi_i, spi_r):
    plen = PRF_HASH[suite["prf"]]().digest_size
    ek = encr_key_len(suite["encr"], suite["keylen"])
    ak = INTEG[suite["integ"]][1] if suite["integ"] else 0
    sizes = [("sk_d", plen), ("sk_ai", ak), ("sk_ar", ak), ("sk_ei", ek), ("sk_er", ek),
             ("sk_pi", plen), ("sk_pr", plen)]
    km = prf_plus(suite["prf"], skeyseed, ni + nr + struct.pack(">QQ", spi_i, spi_r),
                  sum(s for _, s in sizes))
    out, off = {}, 0
    for name, s in sizes:
        out[name] = km[off:off + s]
        off += s
    return out


def sk_open(suite, ek, ak, msg, body_off, body):
    """Decrypt the SK/SKF body at msg[body_off:]; returns the inner plaintext."""
    aad = msg[:body_off]
    if suite["encr"] in (ENCR_AES_GCM_16, ENCR_CHACHA):
        iv, ct = body[:8], body[8:]
        nonce = ek[-4:] + iv
        aead = AESGCM(ek[:-4]) if suite["encr"] == ENCR_AES_GCM_16 else ChaCha20Poly1305(ek[:-4])
        plain = aead.decrypt(nonce, ct, aad)  # raises InvalidTag
    else:
        h, _, icv_len = INTEG[suite["integ"]]
        icv = body[-icv_len:]
        if not hmac.compare_digest(hmac.new(ak, msg[:-icv_len], h).digest()[:icv_len], icv):
            die("ICV mismatch")
        iv, ct = body[:16], body[16:-icv_len]
        dec = Cipher(algorithms.AES(ek), modes.CBC(iv)).decryptor()
        plain = dec.update(ct) + dec.finalize()
    pad = plain[-1]
    return plain[:-1 - pad]


# ---------------------------------------------------------------- AUTH checks

SIG_ALGS = {  # RFC 7427 AlgorithmIdentifier OIDs (dotted) -> hash
    "1.2.840.10045.4.3.2": hashes.SHA256(), "1.2.840.10045.4.3.3": hashes.SHA384(),
    "1.2.840.10045.4.3.4": hashes.SHA512(), "1.2.840.113549.1.1.11": hashes.SHA256(),
    "1.2.840.113549.1.1.12": hashes.SHA384(), "1.2.840.113549.1.1.13": hashes.SHA512(),
}


def der_oid(b):
    """Dotted OID of the first OBJECT IDENTIFIER in an AlgorithmIdentifier."""
    i = b.index(6)
    n = b[i + 1]
    raw = b[i + 2:i + 2 + n]
    parts, v = [raw[0] // 40, raw[0] % 40], 0
    for c in raw[1:]:
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            parts.append(v)
            v = 0
    return ".".join(map(str, parts))


def check_auth(side, method, auth, octets, sk_p, id_body, psk, prf_alg, cert_der):
    signed = octets + prf(prf_alg, sk_p, id_body)
    if method == 2:
        want = prf(prf_alg, prf(prf_alg, psk, b"Key Pad for IKEv2"), signed)
        if not hmac.compare_digest(want, auth):
            die(f"{side}: PSK AUTH does not match")
        return "PSK AUTH recomputed"
    if method != 14:
        die(f"{side}: AUTH method {method} not checked")
    alen = auth[0]
    oid, sig = der_oid(auth[1:1 + alen]), auth[1 + alen:]
    pub = x509.load_der_x509_certificate(cert_der).public_key()
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(sig, signed, ec.ECDSA(SIG_ALGS[oid]))
        else:
            pub.verify(sig, signed, padding.PKCS1v15(), SIG_ALGS[oid])
    except InvalidSignature:
        die(f"{side}: signature AUTH does not verify")
    return f"RFC 7427 signature ({oid}) verified"


# ---------------------------------------------------------------- main work

class Sa:
    def __init__(self, suite, keys, spi_i, spi_r):
        self.suite, self.keys, self.spi_i, self.spi_r = suite, keys, spi_i, spi_r


def suite_of(xf):
    return {"encr": xf[1][0], "keylen": xf[1][1], "integ": xf.get(3, (0, 0))[0],
            "prf": xf[2][0], "dh": xf[4][0]}


def check_ike_keys(tag, logged, suite, ni, nr, spi_i, spi_r, skeyseed_key, seed_data):
    sks = prf(suite["prf"], skeyseed_key, seed_data)
    if sks != logged["skeyseed"]:
        die(f"{tag}: SKEYSEED differs from charon's")
    k = ike_keys(suite, sks, ni, nr, spi_i, spi_r)
    for name, v in k.items():
        if v != logged.get(name, b""):
            die(f"{tag}: {name} differs from charon's")
    return k


def decrypt_all(msgs, sas):
    """Open every SK/SKF message (SKF: reassembled, kept at the last
    fragment); returns {index: (first type, inner payload list)}."""
    inner, frags = {}, {}
    for i, m in enumerate(msgs):
        h = m["hdr"]
        plds = payloads(m["data"], h["next"], 28)
        m["outer"] = plds
        last = plds[-1]
        if last[0] not in (PLD_SK, PLD_SKF):
            continue
        sa = next((s for s in sas if (s.spi_i, s.spi_r) == (h["spi_i"], h["spi_r"])), None)
        if sa is None:
            continue  # a later IKE SA's key are not known yet
        from_i = bool(h["flags"] & 0x08)
        ek = sa.keys["sk_ei" if from_i else "sk_er"]
        ak = sa.keys["sk_ai" if from_i else "sk_ar"]
        first = m["data"][last[1] - 4]
        if last[0] == PLD_SK:
            plain = sk_open(sa.suite, ek, ak, m["data"], last[1], last[2])
            inner[i] = (first, plain)
            m["sa"] = sa
            continue
        num, total = struct.unpack(">HH", last[2][:4])
        plain = sk_open(sa.suite, ek, ak, m["data"], last[1] + 4, last[2][4:])
        key = (h["spi_i"], h["mid"], h["flags"] & 0x20)
        f = frags.setdefault(key, {"total": total, "parts": {}, "first": None, "last": i})
        f["parts"][num] = plain
        f["last"] = i
        if num == 1:
            f["first"] = first
        m["sa"], m["frag"] = sa, (num, total)
    for key, f in frags.items():
        if sorted(f["parts"]) != list(range(1, f["total"] + 1)):
            die(f"incomplete fragmented message {key}")
        whole = b"".join(f["parts"][n] for n in range(1, f["total"] + 1))
        inner[f["last"]] = (f["first"], whole)
    out = {i: (fp, payloads(pl, fp)) for i, (fp, pl) in inner.items()}
    for i, (fp, plds) in out.items():
        msgs[i]["inner"] = [t for t, _, _ in plds]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--psk")
    ap.add_argument("--ike-proposal", required=True)
    ap.add_argument("--esp-proposal", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    psk = args.psk.encode() if args.psk else None

    # 1. the IKE messages, in capture order, without retransmissions
    msgs, seen = [], set()
    for t, src, sp, dst, dp, data, stripped in ike_datagrams(read_pcap(args.pcap)):
        if data in seen:
            print(f"  dropping a retransmission at {t:.6f}")
            continue
        seen.add(data)
        msgs.append(dict(t=t, src=f"{src}:{sp}", dst=f"{dst}:{dp}", data=data,
                         stripped=stripped, hdr=hdr(data)))
    if len(msgs) < 4:
        die("fewer than 4 IKE messages captured")
    init_req, init_rsp = msgs[0], msgs[1]
    if init_req["hdr"]["exch"] != 34 or init_rsp["hdr"]["exch"] != 34:
        die("capture does not start with IKE_SA_INIT")

    # 2. first IKE SA: suite and nonces from IKE_SA_INIT, keys from the log
    p_req = payloads(init_req["data"], init_req["hdr"]["next"], 28)
    p_rsp = payloads(init_rsp["data"], init_rsp["hdr"]["next"], 28)
    suite = suite_of(parse_sa(find(p_rsp, PLD_SA)[0])[2])
    ni, nr = find(p_req, PLD_NONCE)[0], find(p_rsp, PLD_NONCE)[0]
    spi_i, spi_r = init_rsp["hdr"]["spi_i"], init_rsp["hdr"]["spi_r"]
    log_ike, log_child = log_key_sets(read_log(args.log))
    if not log_ike:
        die("no IKE keys in the log (log level ike=4?)")
    k1 = check_ike_keys("IKE SA", log_ike[0], suite, ni, nr, spi_i, spi_r, ni + nr,
                        log_ike[0]["g_ir"])
    sas = [Sa(suite, k1, spi_i, spi_r)]
    keys = [("ike_proposal", args.ike_proposal), ("esp_proposal", args.esp_proposal),
            ("spi_i", f"{spi_i:016x}"), ("spi_r", f"{spi_r:016x}"),
            ("ike_encr", suite["encr"]), ("ike_encr_keylen", suite["keylen"]),
            ("ike_integ", suite["integ"]), ("ike_prf", suite["prf"]), ("ike_dh", suite["dh"]),
            ("ni", ni.hex()), ("nr", nr.hex()), ("g_ir", log_ike[0]["g_ir"].hex()),
            ("skeyseed", log_ike[0]["skeyseed"].hex())]
    keys += [(n, k1[n].hex()) for n in ("sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi",
                                        "sk_pr")]
    if psk:
        keys.append(("psk", psk.hex()))

    # 3. rekeyed IKE SAs: CREATE_CHILD_SA with an IKE proposal, inside the
    #    old SA; decrypt with the SAs known so far, then add the new one
    while True:
        inner = decrypt_all(msgs, sas)
        if len(sas) == len(log_ike):
            break
        old = sas[-1]
        req = rsp = None
        for i, (fp, plds) in inner.items():
            h = msgs[i]["hdr"]
            sa_b = find(plds, PLD_SA)
            if h["exch"] == 36 and (h["spi_i"], h["spi_r"]) == (old.spi_i, old.spi_r) and \
                    sa_b and parse_sa(sa_b[0])[0] == 1:
                if h["flags"] & 0x20:
                    rsp = plds
                else:
                    req = plds
        if not (req and rsp):
            die("IKE rekey keys in the log but no IKE rekey exchange found")
        _, spi_ib, _ = parse_sa(find(req, PLD_SA)[0])
        _, spi_rb, xf = parse_sa(find(rsp, PLD_SA)[0])
        s2 = suite_of(xf)
        n_i, n_r = find(req, PLD_NONCE)[0], find(rsp, PLD_NONCE)[0]
        nspi_i, nspi_r = struct.unpack(">Q", spi_ib)[0], struct.unpack(">Q", spi_rb)[0]
        lk = log_ike[len(sas)]
        if old.suite["prf"] != s2["prf"]:
            die("PRF changed on rekey: not handled here")
        # 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), old PRF
        k2 = check_ike_keys("rekeyed IKE SA", lk, s2, n_i, n_r, nspi_i, nspi_r,
                            old.keys["sk_d"], lk["g_ir"] + n_i + n_r)
        sas.append(Sa(s2, k2, nspi_i, nspi_r))
        pre = f"ike{len(sas)}_"
        keys += [(pre + "spi_i", f"{nspi_i:016x}"), (pre + "spi_r", f"{nspi_r:016x}"),
                 (pre + "encr", s2["encr"]), (pre + "encr_keylen", s2["keylen"]),
                 (pre + "integ", s2["integ"]), (pre + "prf", s2["prf"]), (pre + "dh", s2["dh"]),
                 (pre + "ni", n_i.hex()), (pre + "nr", n_r.hex()),
                 (pre + "g_ir", lk["g_ir"].hex()), (pre + "skeyseed", lk["skeyseed"].hex())]
        keys += [(pre + n, k2[n].hex()) for n in ("sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er",
                                                  "sk_pi", "sk_pr")]
    for m in msgs:
        if m["hdr"]["exch"] != 34 and "sa" not in m:
            die("a message belongs to no known IKE SA")
    notes = []

    # 4. AUTH payloads of IKE_AUTH
    auth_req = next(p for i, (fp, p) in inner.items() if msgs[i]["hdr"]["exch"] == 35 and
                    not msgs[i]["hdr"]["flags"] & 0x20)
    auth_rsp = next(p for i, (fp, p) in inner.items() if msgs[i]["hdr"]["exch"] == 35 and
                    msgs[i]["hdr"]["flags"] & 0x20 and find(p, PLD_AUTH))
    for side, plds, octets, nonce, sk_p, idt in (
            ("initiator", auth_req, init_req["data"], nr, k1["sk_pi"], PLD_IDI),
            ("responder", auth_rsp, init_rsp["data"], ni, k1["sk_pr"], PLD_IDR)):
        a = find(plds, PLD_AUTH)[0]
        cert = find(plds, PLD_CERT)
        notes.append(f"{side} AUTH: " + check_auth(side, a[0], a[4:], octets + nonce, sk_p,
                                                   find(plds, idt)[0], psk, suite["prf"],
                                                   cert[0][1:] if cert else None))

    # 5. CHILD_SA keys: KEYMAT = prf+(SK_d, [g^ir] | Ni | Nr) (2.17)
    nonces = [(ni, nr, sas[0])]
    for i, (fp, p) in sorted(inner.items()):
        m = msgs[i]
        sa_b = find(p, PLD_SA)
        if m["hdr"]["exch"] == 36 and sa_b and parse_sa(sa_b[0])[0] == 3 and \
                m["hdr"]["flags"] & 0x20:
            req = next(q for j, (_, q) in sorted(inner.items()) if j < i and
                       msgs[j]["hdr"]["exch"] == 36 and msgs[j]["hdr"]["mid"] == m["hdr"]["mid"])
            nonces.append((find(req, PLD_NONCE)[0], find(p, PLD_NONCE)[0], m["sa"]))
    if len(nonces) != len(log_child):
        die(f"{len(log_child)} CHILD_SA key sets in the log, {len(nonces)} CHILD_SAs seen")
    for n, (c, (c_ni, c_nr, c_sa)) in enumerate(zip(log_child, nonces), 1):
        encr, keylen, integ, dh = esp_transforms(c["prop"])
        seed = c.get("g_ir", b"") + c_ni + c_nr
        if seed != c["seed"]:
            die(f"CHILD_SA {n}: seed differs from charon's")
        ek = encr_key_len(encr, keylen)
        ak = INTEG[integ][1] if integ else 0
        km = prf_plus(c_sa.suite["prf"], c_sa.keys["sk_d"], seed, 2 * (ek + ak))
        want = {"ei": km[:ek], "ai": km[ek:ek + ak], "er": km[ek + ak:2 * ek + ak],
                "ar": km[2 * ek + ak:]}
        for name, v in want.items():
            if v != c.get(name, b""):
                die(f"CHILD_SA {n}: {name} differs from charon's")
        pre = "esp_" if n == 1 else f"esp{n}_"
        keys += [(pre + "encr", encr), (pre + "encr_keylen", keylen), (pre + "integ", integ),
                 (pre + "dh", dh), (pre + "spi_i", c["spi_i"]), (pre + "spi_r", c["spi_r"])]
        if n > 1:
            keys += [(pre + "ni", c_ni.hex()), (pre + "nr", c_nr.hex())]
            if dh:
                keys.append((pre + "g_ir", c["g_ir"].hex()))
        keys += [(pre + k, want[k].hex()) for k in ("ei", "ai", "er", "ar")]
        if c_sa is not sas[0]:
            keys.append((pre + "ike_sa", f"{c_sa.spi_i:016x}"))

    write_out(args.out, msgs, keys, notes)


def msg_name(n, m):
    h = m["hdr"]
    name = f"{n:02d}-{EXCH.get(h['exch'], str(h['exch']))}-{'rsp' if h['flags'] & 0x20 else 'req'}"
    if "frag" in m:
        name += f"-frag{m['frag'][0]}"
    return name + ".bin"


def write_out(out, msgs, keys, notes):
    os.makedirs(out, exist_ok=True)
    t0 = msgs[0]["t"]
    with open(os.path.join(out, "messages.txt"), "w") as idx:
        idx.write("# file time_ms src dst exchange flags msgid length marker_stripped "
                  "outer_payloads inner_payloads\n")
        for n, m in enumerate(msgs, 1):
            name = msg_name(n, m)
            open(os.path.join(out, name), "wb").write(m["data"])
            h = m["hdr"]
            chain = ",".join(str(t) for t, _, _ in m["outer"])
            if "inner" not in m:
                inner = "-"  # not protected, or not the last fragment
            else:
                inner = ",".join(str(t) for t in m["inner"]) or "none"
            idx.write(f"{name} {(m['t'] - t0) * 1000:.3f} {m['src']} {m['dst']} "
                      f"{EXCH.get(h['exch'], h['exch'])} 0x{h['flags']:02x} {h['mid']} "
                      f"{h['len']} {'yes' if m['stripped'] else 'no'} {chain} {inner}\n")
    with open(os.path.join(out, "keys.txt"), "w") as f:
        f.write("# strongSwan 5.9.8 capture, keys from the initiator's charon log\n")
        f.write("# (see ../README.md). Checked at capture time by extract.py:\n")
        for note in notes:
            f.write(f"#   {note}\n")
        f.write("#   every SK/SKF payload decrypted and its ICV verified\n")
        f.write("#   SKEYSEED, SK_* and CHILD_SA keys derived again and equal to charon's\n")
        f.write("# Values: hex bytes (empty = zero length), decimal IANA numbers, or\n")
        f.write("# proposal strings as configured in swanctl.conf.\n")
        for k, v in keys:
            f.write(f"{k} = {v}\n")
    print(f"  {len(msgs)} messages, {len(keys)} keys -> {out}")
    for note in notes:
        print(f"  {note}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""xcheck.py: recompute what `test_eap --dump N` printed, with python3's
hashlib (MD4 through OpenSSL's legacy provider, SHA-1, MD5) and the
cryptography package (single DES as TripleDES with K1 = K2 = K3), written
from RFC 2759 section 8, RFC 3079 section 3.4 and [MS-CHAP] 3.1.5.1
without looking at our C code. Exit 0 when every line matches."""
import hashlib
import sys

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes


def md4(b):
    return hashlib.new("md4", b).digest()


def sha1(*parts):
    return hashlib.sha1(b"".join(parts)).digest()


def des(key7, block):
    bits = int.from_bytes(key7, "big")
    key = bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))
    enc = Cipher(TripleDES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


MAGIC1 = b"Magic server to client signing constant"
MAGIC2 = b"Pad to make it do more than one iteration"
MK_MAGIC = b"This is the MPPE Master Key"
SEND_CLIENT = b"On the client side, this is the send key; on the server side, it is the receive key."
RECV_CLIENT = b"On the client side, this is the receive key; on the server side, it is the send key."


def check_ms(user, pw, auth_ch, peer_ch, nt_resp, auth_resp, msk):
    name = user.split(b"\\", 1)[1] if b"\\" in user else user
    h = md4(pw.decode("utf-8").encode("utf-16le"))
    ch = sha1(peer_ch, auth_ch, name)[:8]
    z = h + bytes(5)
    want_nt = b"".join(des(z[7 * i : 7 * i + 7], ch) for i in range(3))
    hh = md4(h)
    want_ar = sha1(sha1(hh, want_nt, MAGIC1), ch, MAGIC2).hex().upper()
    mk = sha1(hh, want_nt, MK_MAGIC)[:16]
    recv = sha1(mk, bytes(40), SEND_CLIENT, b"\xf2" * 40)[:16]
    send = sha1(mk, bytes(40), RECV_CLIENT, b"\xf2" * 40)[:16]
    want_msk = recv + send + bytes(32)
    return (want_nt == nt_resp, want_ar == auth_resp.decode("ascii"), want_msk == msk)


def main():
    ms = md5 = bad = 0
    for line in sys.stdin:
        f = line.split()
        if f[0] == "MS":
            user, pw, ac, pc, nt, ar, msk = (bytes.fromhex(x) for x in f[1:8])
            res = check_ms(user, pw, ac, pc, nt, ar, msk)
            ms += 1
            if not all(res):
                bad += 1
                print("MISMATCH (nt, auth, msk) =", res, "for", user, pw, file=sys.stderr)
        elif f[0] == "MD5":
            pw, ident, chal, resp = (bytes.fromhex(x) for x in f[1:5])
            md5 += 1
            if hashlib.md5(ident + pw + chal).digest() != resp:
                bad += 1
                print("MISMATCH EAP-MD5 for", pw, file=sys.stderr)
    print(f"xcheck: {ms} MS-CHAPv2 and {md5} EAP-MD5 conversations recomputed, {bad} mismatches")
    return 1 if bad or ms == 0 or md5 == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""esp_delay.py TUN SECONDS: holds every packet that goes out of TUN (nft
'fwd to' it from another device's ingress) for SECONDS, then hands it back
to the kernel through the same device: it arrives as received on TUN.
Standard library only."""
import collections
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def ip_packet(p):
    """ nft's fwd from an Ethernet device's ingress keeps the MAC header
    (its first byte is random: the EtherType and the IP version tell) """
    if len(p) > 34 and ((p[12:14] == b"\x08\x00" and p[14] >> 4 == 4) or
                        (p[12:14] == b"\x86\xdd" and p[14] >> 4 == 6)):
        return p[14:]
    return p


def main():
    name, delay = sys.argv[1], float(sys.argv[2])
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    held = collections.deque()
    n = 0
    while True:
        wait = max(0.0, held[0][0] - time.monotonic()) if held else None
        r, _, _ = select.select([fd], [], [], wait)
        if r:
            held.append((time.monotonic() + delay, ip_packet(os.read(fd, 65536))))
        while held and held[0][0] <= time.monotonic():
            os.write(fd, held.popleft()[1])
            n += 1


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""rk_stream.py: a counted UDP stream for tests/integration/rekey.sh.

  send SRC DST PORT SECONDS PPS        prints the number of datagrams sent
  recv BIND PORT TIMEOUT [IDLE]        prints "received N dup D missing M
                                       first-gaps ..." once the stream has
                                       been idle for IDLE seconds (or at
                                       TIMEOUT); exit status 0

Each datagram carries a 64-bit sequence number, so loss, duplicates and
the gaps where packets went missing are exact. Standard library only.
"""
import socket
import struct
import sys
import time


def send(src, dst, port, secs, pps):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    pad = b"r" * 100
    n = 0
    errors = 0
    t0 = time.monotonic()
    while True:
        now = time.monotonic()
        if now - t0 >= secs:
            break
        try:
            s.sendto(struct.pack("!Q", n) + pad, (dst, port))
        except OSError:
            errors += 1
        n += 1
        delay = t0 + n / pps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(n, errors)


def recv(bind, port, timeout, idle):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((bind, port))
    s.settimeout(0.5)
    seen = set()
    when = {}  # arrival (wall clock) by sequence number, to find a gap in the logs
    dup = 0
    last = None
    end = time.monotonic() + timeout
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while time.monotonic() < end:
        if last is not None and time.monotonic() - last > idle:
            break
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        if len(data) < 8:
            continue
        seq = struct.unpack("!Q", data[:8])[0]
        last = time.monotonic()
        if seq in seen:
            dup += 1
        seen.add(seq)
        when[seq] = time.time()
    top = max(seen) + 1 if seen else 0
    missing = [i for i in range(top) if i not in seen]
    gaps = []
    for i in missing:
        if gaps and gaps[-1][1] == i - 1:
            gaps[-1][1] = i
        else:
            gaps.append([i, i])
    print("received %d dup %d missing %d highest %d gaps %s" % (
        len(seen), dup, len(missing), top,
        ",".join("%d-%d%s" % (a, b, after(when, a)) for a, b in gaps[:10])))


def after(when, first):
    """ the arrival time of the datagram before a gap: ' (after HH:MM:SS.mmm)' """
    t = when.get(first - 1)
    if t is None:
        return ""
    return " (after %s.%03d)" % (time.strftime("%H:%M:%S", time.gmtime(t)),
                                 int(t * 1000) % 1000)


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]),
             float(sys.argv[6]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             float(sys.argv[5]) if len(sys.argv) > 5 else 3.0)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()

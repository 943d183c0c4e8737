#!/usr/bin/env python3
"""notify.py GATEWAYD WORKDIR: palisade-gatewayd's side of Type=notify and
the watchdog, without systemd: a NOTIFY_SOCKET of our own, WATCHDOG_USEC=1 s,
the daemon in a network namespace of its own (unshare -n). Expects READY=1,
WATCHDOG=1 at least every 0.5 s (WatchdogSec/2) for 3 s, RELOADING=1 then
READY=1 after SIGHUP with "configuration reloaded" in the log, STOPPING=1
after SIGTERM and exit status 0. Prints one line per check; exit 1 on failure."""
import os, signal, socket, subprocess, sys, time

gw, work = sys.argv[1], sys.argv[2]
cfg = os.path.join(work, "etc")
os.makedirs(os.path.join(cfg, "conns"), exist_ok=True)
os.makedirs(os.path.join(work, "run"), exist_ok=True)
with open(os.path.join(cfg, "gateway.json"), "w") as f:
    f.write('{"listen": ["127.0.0.1"], "datapath": "userspace", "workers": 2}\n')
path = os.path.join(work, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")
env.pop("WATCHDOG_PID", None)
log = open(os.path.join(work, "gw.log"), "w")
p = subprocess.Popen(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', gw,
                      "--foreground", "--config-dir", cfg, "--run-dir", os.path.join(work, "run")],
                     env=env, stdout=log, stderr=subprocess.STDOUT)
msgs = []  # (time, message)
bad = 0


def collect(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data = s.recv(4096).decode()
        except socket.timeout:
            continue
        for m in data.split("\n"):
            if m:
                msgs.append((time.monotonic(), m))


def result(ok, what):
    global bad
    print(("ok: " if ok else "FAIL: ") + what)
    bad |= not ok


def since(t0):
    return [m for t, m in msgs if t >= t0]


collect(10)  # start-up on a busy machine
result("READY=1" in [m for _, m in msgs], "gatewayd sends READY=1")
t0 = time.monotonic()
collect(3)
pings = [t for t, m in msgs if t >= t0 and m == "WATCHDOG=1"]
gaps = [b - a for a, b in zip(pings, pings[1:])]
result(len(pings) >= 4 and max(gaps or [9]) < 0.9,
       "WATCHDOG=1 from the worker pool: %d pings in 3 s with WATCHDOG_USEC=1s (largest gap %.2f s)"
       % (len(pings), max(gaps or [0])))
t0 = time.monotonic()
p.send_signal(signal.SIGHUP)
collect(3)
after = [m for m in since(t0) if m != "WATCHDOG=1"]
log.flush()
reloaded = "configuration reloaded" in open(os.path.join(work, "gw.log")).read()
result(after[:2] == ["RELOADING=1", "READY=1"] and reloaded,
       "SIGHUP (systemctl reload): RELOADING=1, READY=1, 'configuration reloaded' logged")
t0 = time.monotonic()
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(20)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
collect(0.5)
result("STOPPING=1" in since(t0) and rc == 0, "SIGTERM: STOPPING=1, exit status %d" % rc)
if bad:
    print(open(os.path.join(work, "gw.log")).read()[-2000:])
sys.exit(1 if bad else 0)

#!/usr/bin/env python3
"""crash.py: palisade-mgmtd killed with SIGKILL at random points while it
writes. A writer thread sends PUTs one after the other (connections,
EAP users, pools: every kind of file mgmtd writes) and logs each attempt
and each acknowledgement; the main thread kills mgmtd after a random
delay, then checks the directory: every file parses, `palisade-mgmtd
check` passes (api/model validation of every object), and each object
is either its last acknowledged version or the one in flight when mgmtd
died. Repeats until WRITES writes were attempted (default 500).

    crash.py MGMTD [WRITES]      prints "N passed, N failed"
"""
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

MGMTD = sys.argv[1]
WRITES = int(sys.argv[2]) if len(sys.argv) > 2 else 500
PORT = 18090
N_OBJ = 3
passed = failed = 0


def result(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {name}")
    else:
        failed += 1
        print(f"FAIL: {name}{': ' + why if why else ''}")


def conn_doc(k, seq):
    return {"name": f"c{k}", "local": {"id": f"c{k}.test", "auth": "psk"},
            "remote": {"addrs": ["192.0.2.1"], "id": "peer.test", "auth": "psk"},
            "ike": {"proposals": ["aes128-sha256-modp2048"], "rekey_time": 1000 + seq},
            "children": [{"name": "c", "local_ts": ["10.9.0.0/24"], "remote_ts": ["10.8.0.0/24"],
                          "esp_proposals": ["aes128gcm16"]}],
            "psk": f"crash-psk-{k}-long-enough"}


def write_for(k_kind, k, seq):
    """(method, path, body, object key, expected value on disk)"""
    if k_kind == 0:
        return "PUT", f"/api/v1/connections/c{k}", conn_doc(k, seq), f"conn c{k}", 1000 + seq
    if k_kind == 1:
        return "PUT", f"/api/v1/eap-users/u{k}", {"password": f"pw-{seq}"}, f"eap u{k}", f"pw-{seq}"
    rng = f"10.{k}.{seq % 250}.0/24"
    return "PUT", f"/api/v1/pools/p{k}", {"ranges": [rng]}, f"pool p{k}", rng


def on_disk(cfg):
    """Object key -> value as stored now (and parse errors)."""
    vals, errs = {}, []
    for k in range(N_OBJ):
        p = f"{cfg}/conns/c{k}.json"
        if os.path.exists(p):
            try:
                vals[f"conn c{k}"] = json.load(open(p))["ike"]["rekey_time"]
            except Exception as e:
                errs.append(f"{p}: {e}")
    for f, key, field, prefix in (("eap-users.json", "identity", "password", "eap u"),
                                  ("pools.json", "name", "ranges", "pool p")):
        p = f"{cfg}/{f}"
        if not os.path.exists(p):
            continue
        try:
            for o in json.load(open(p)):
                v = o[field][0] if field == "ranges" else o[field]
                vals[prefix + o[key][1:]] = v
        except Exception as e:
            errs.append(f"{p}: {e}")
    return vals, errs


class Writer(threading.Thread):
    def __init__(self, token, seq0, budget):
        super().__init__(daemon=True)
        self.token, self.seq, self.budget = token, seq0, budget
        self.acked, self.inflight, self.attempts = {}, None, 0

    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        hdr = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        while self.attempts < self.budget:
            self.seq += 1
            kind, k = random.randrange(3), random.randrange(N_OBJ)
            m, path, body, key, val = write_for(kind, k, self.seq)
            self.inflight = (key, val)
            self.attempts += 1
            try:
                c.request(m, path, json.dumps(body), hdr)
                r = c.getresponse()
                r.read()
            except Exception:
                return  # mgmtd died: inflight stays
            if r.status not in (200, 201):
                print(f"  unexpected {r.status} for {m} {path}")
                return
            self.acked[key] = val
            self.inflight = None


def start(cfg, log):
    p = subprocess.Popen([MGMTD, "--config-dir", cfg, "--gateway-socket", f"{cfg}/no-gateway.sock",
                          "--listen", f"127.0.0.1:{PORT}"], stdout=log, stderr=log)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return p
        except OSError:
            time.sleep(0.02)
    p.kill()
    raise SystemExit("mgmtd did not start")


def main():
    work = tempfile.mkdtemp(prefix="mgmtd_crash.")
    cfg = f"{work}/cfg"
    os.makedirs(cfg)
    token = subprocess.check_output([MGMTD, "token", "create", "--config-dir", cfg, "--role", "admin",
                                     "--name", "crash"], text=True).strip()
    log = open(f"{work}/mgmtd.log", "ab")
    known, seq, attempted, rounds, bad_rounds = {}, 0, 0, 0, []
    try:
        while attempted < WRITES:
            p = start(cfg, log)
            # a share of the writes per round, so that there are several
            # rounds however fast mgmtd writes
            w = Writer(token, seq, min(WRITES - attempted, WRITES // 8))
            w.start()
            time.sleep(random.uniform(0.02, 0.4))
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            w.join(15)
            rounds += 1
            attempted += w.attempts
            seq = w.seq
            vals, errs = on_disk(cfg)
            want = dict(known)
            want.update(w.acked)
            problems = list(errs)
            for key, v in vals.items():
                ok = v == want.get(key) or (w.inflight and w.inflight == (key, v))
                if not ok:
                    problems.append(f"{key}: {v!r} is neither the acknowledged {want.get(key)!r} "
                                    f"nor the one in flight {w.inflight!r}")
            for key in want:
                if key not in vals:
                    problems.append(f"{key}: acknowledged, but gone")
            chk = subprocess.run([MGMTD, "check", "--config-dir", cfg], capture_output=True, text=True)
            if chk.returncode:
                problems.append(chk.stderr.strip())
            if problems:
                bad_rounds.append((rounds, problems))
            known = vals
    finally:
        log.close()
    result(f"{attempted} writes in {rounds} rounds, each ended by SIGKILL at a random point",
           attempted >= WRITES and rounds >= 5)
    result("after every kill: every file parses, `palisade-mgmtd check` passes, each object is "
           "its old or its new version", not bad_rounds,
           "; ".join(f"round {r}: {p}" for r, p in bad_rounds[:3]))
    left = [f for d in ("", "conns", "mgmt") for f in os.listdir(f"{cfg}/{d}") if f.startswith(".tmp-")]
    result("the start-up check removed the temporary files of the crashes", not left, str(left))
    mode = os.stat(f"{cfg}/eap-users.json").st_mode & 0o777 if os.path.exists(f"{cfg}/eap-users.json") else 0o600
    result("eap-users.json stayed 0600 through the crashes", mode == 0o600, oct(mode))
    if os.environ.get("KEEP") == "1":
        print(f"work dir: {work}")
    else:
        shutil.rmtree(work)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()

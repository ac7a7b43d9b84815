#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Many lookups on nss.sock, as fast as sesamed answers them: what one
local user (or a busy machine) can send.

usage: nssflood.py [--socket PATH] [--threads N] [--count N | --seconds S]
                   [--prefix P] [--names FILE] [--uid UID] [--deadline-ms MS]

Each thread keeps one connection and sends PASSWD_BYNAME requests on it
one after the other (a new connection when sesamed closes one): names
PREFIX0, PREFIX1, ... (distinct across threads), or the lines of FILE in
turn.  --count: N requests in all; --seconds: for S seconds.  --uid drops
to that uid (and gid) first.  --deadline-ms: each request says its caller
waits MS ms (DEADLINE_MS, as libnss_sesame sends 1000), though this one
waits 10 s for the answer.  Prints one line:

    sent=N ok=N notfound=N unavail=N other=N closed=N p50_ms=X p90_ms=X max_ms=X

(closed: no answer, the connection was closed; p50/p90/max over the
requests that were answered).  SIGTERM ends the flood early; the line is
still printed.  Exit status 0.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawclient  # noqa: E402  (the project's independent encoder)

ST_OK, ST_NOTFOUND, ST_UNAVAIL = 0, 1, 2
F_STATUS = 9
F_DEADLINE_MS = 33


def status_of(frames):
    for op, flds in frames:
        if op == rawclient.ANS_END:
            for tag, v in flds:
                if tag == F_STATUS and len(v) == 4:
                    return struct.unpack(">I", v)[0]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", default="/run/sesame/nss.sock")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--prefix", default="nosuchuser")
    ap.add_argument("--names")
    ap.add_argument("--uid", type=int)
    ap.add_argument("--deadline-ms", type=int)
    a = ap.parse_args()
    if a.uid is not None:
        os.setgroups([])
        os.setgid(a.uid)
        os.setuid(a.uid)
    names = open(a.names).read().split() if a.names else None
    lock = threading.Lock()
    counts = {"sent": 0, "ok": 0, "notfound": 0, "unavail": 0, "other": 0, "closed": 0}
    times = []
    nxt = [0]
    end = time.monotonic() + a.seconds if a.seconds else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def take():
        with lock:
            if stop.is_set():
                return None
            if end is None and nxt[0] >= a.count:
                return None
            if end is not None and time.monotonic() >= end:
                return None
            i = nxt[0]
            nxt[0] += 1
            counts["sent"] += 1
        return names[i % len(names)] if names else f"{a.prefix}{i}"

    def worker():
        s = None
        while True:
            name = take()
            if name is None:
                break
            fields = [rawclient.field(rawclient.F_NAME, name.encode())]
            if a.deadline_ms is not None:
                fields.append(rawclient.field(F_DEADLINE_MS, struct.pack(">I", a.deadline_ms)))
            req = rawclient.frame(rawclient.body(rawclient.REQ_PASSWD_BYNAME, fields))
            t0 = time.monotonic()
            frames = None
            try:
                if s is None:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.settimeout(10)
                    s.connect(a.socket)
                s.sendall(req)
                frames = rawclient.recv_frames(s)
            except OSError:
                frames = None
            ms = (time.monotonic() - t0) * 1000
            st = status_of(frames) if frames else None
            with lock:
                if st is None:
                    counts["closed"] += 1
                else:
                    times.append(ms)
                    key = {ST_OK: "ok", ST_NOTFOUND: "notfound", ST_UNAVAIL: "unavail"}.get(st, "other")
                    counts[key] += 1
            if st is None and s is not None:
                s.close()
                s = None
                time.sleep(0.01)  # refused: do not spin
        if s is not None:
            s.close()

    ts = [threading.Thread(target=worker) for _ in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    times.sort()

    def pct(p):
        return f"{times[min(len(times) - 1, int(len(times) * p))]:.1f}" if times else "-"
    print(" ".join(f"{k}={v}" for k, v in counts.items()),
          f"p50_ms={pct(0.5)} p90_ms={pct(0.9)} max_ms={times[-1] if times else 0:.1f}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Time sesamed's answer to AUTH for names that do not exist and for
accounts that do, with a wrong password: the two distributions side by
side.  A benchmark (see existence.sh), not a test: it asserts nothing.

usage: existence.py --socket PATH --existing FORMAT [--samples N]
                    [--password P]

Sends N requests of each kind on PATH (pam.sock; the caller is root, who
may ask about any account), interleaved (unknown, existing, unknown, ...)
so that a change in the machine's load touches both alike, each on a
connection of its own as pam_sesame makes it.  The existing accounts are
FORMAT % i for i in 0..N-1 (one wrong password each, so that none
reaches the lockout); the unknown names are new every time, so that no
answer comes from a cache.  The time is from the first byte sent to the
END frame read.  Prints the percentiles, a histogram, and the statuses
of the answers (a class whose answers are not all AUTH_FAILED or
NOTFOUND measures something else: a rate limit, a directory that is
down).
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import rawclient as rc  # noqa: E402  (the protocol's encoder for tests)

# histogram bins, in milliseconds (upper bounds; the last is open)
BINS = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]


def ask(path, login, password, timeout):
    """(milliseconds, status name) of one AUTH."""
    req = rc.build_request("auth", [login, "--password", password, "--service", "bench",
                                    "--totp-mode", "required"])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        t0 = time.perf_counter_ns()
        s.sendall(req)
        frames = rc.recv_frames(s)
        t1 = time.perf_counter_ns()
    except OSError:
        return None, "no answer"
    finally:
        s.close()
    if not frames:
        return None, "no answer"
    end = dict(frames[-1][1])
    status = int.from_bytes(end.get(rc.TAG["STATUS"], b"\xff\xff\xff\xff"), "big")
    name = rc.STATUS[status] if status < len(rc.STATUS) else str(status)
    return (t1 - t0) / 1e6, name


def percentile(sorted_ms, p):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, int(round(p / 100 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[k]


def histogram(samples):
    counts = [0] * (len(BINS) + 1)
    for ms in samples:
        i = 0
        while i < len(BINS) and ms >= BINS[i]:
            i += 1
        counts[i] += 1
    return counts


def report(classes, n):
    names = list(classes)
    width = 30
    print("%-22s %12s %12s" % ("", names[0], names[1]))
    print("%-22s %12d %12d" % ("samples answered", len(classes[names[0]]["ms"]), len(classes[names[1]]["ms"])))
    for p in (10, 50, 90, 99):
        row = [percentile(sorted(classes[c]["ms"]), p) for c in names]
        print("%-22s %9.3f ms %9.3f ms" % ("p%d" % p, row[0], row[1]))
    print("%-22s %9.3f ms %9.3f ms" % ("max", *(max(classes[c]["ms"] or [float("nan")]) for c in names)))
    print()
    print("histogram (%d samples each; one # per %.1f%%)" % (n, 100 / width))
    hists = [histogram(classes[c]["ms"]) for c in names]
    print("%-14s %-*s   %s" % ("ms", width, names[0], names[1]))
    lows = [0] + BINS
    for i, low in enumerate(lows):
        label = ("%g-%g" % (low, BINS[i])) if i < len(BINS) else (">= %g" % low)
        bars = ["#" * round(h[i] * width / max(1, n)) for h in hists]
        print("%-14s %-*s   %s" % (label, width, "%s %d" % (bars[0], hists[0][i]),
                                   "%s %d" % (bars[1], hists[1][i])))
    print()
    for c in names:
        print("answers, %s: %s" % (c, ", ".join("%s %d" % kv for kv in sorted(classes[c]["status"].items()))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--existing", required=True, help="printf format of the existing names, e.g. member%%04d")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--password", default="Not-The-Passw0rd!")
    ap.add_argument("--timeout", type=float, default=15)
    args = ap.parse_args()
    classes = {"unknown user": {"ms": [], "status": {}}, "wrong password": {"ms": [], "status": {}}}
    tag = os.urandom(4).hex()
    for i in range(args.samples):
        for c, login in (("unknown user", "nosuch-%s-%04d" % (tag, i)), ("wrong password", args.existing % i)):
            ms, status = ask(args.socket, login, args.password, args.timeout)
            if ms is not None:
                classes[c]["ms"].append(ms)
            classes[c]["status"][status] = classes[c]["status"].get(status, 0) + 1
    report(classes, args.samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())

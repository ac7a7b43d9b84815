#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fail if a process started by this build tree's tests is still running.

usage: leftovers.py BUILD_DIR

Meson gives every integration test BUILD_DIR=<the build directory> in its
environment (tests/integration/meson.build), and whatever a test starts
(slapd, sesamed, sshd, helpers) inherits it.  Run last and alone, after
every other test has ended, this lists each process whose environment
holds that BUILD_DIR (or its real path) and fails (TAP) if there is any:
a test that leaves slapd, sesamed or sshd behind leaks one per run.
Processes of other build trees, or of the machine, have no such entry and
are never named; this process and its ancestors (meson) are left out.
A leftover of an earlier run of the same tree is named too: it is just
as much a leak.  Needs root to read other processes' environment (the
integration tests run as root); skips (77) otherwise.
"""
import os
import sys


def ancestors():
    """This process and its ancestors."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open("/proc/%d/stat" % pid) as f:
                # the field after the ")" that ends comm is the state, then ppid
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def build_dirs_of(pid):
    """The BUILD_DIR values in the process's environment (real paths)."""
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read().split(b"\0")
    except OSError:
        return []  # gone, or a zombie: nothing left to run
    return [os.path.realpath(os.fsdecode(e[len(b"BUILD_DIR="):]))
            for e in env if e.startswith(b"BUILD_DIR=")]


def describe(pid):
    """"pid N (running for S s): COMMAND LINE", or None if it is gone."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open("/proc/%d/stat" % pid) as f:
            # field 22, the start time in clock ticks since boot
            start = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            up = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    age = up - start / os.sysconf("SC_CLK_TCK")
    return "pid %d (running for %.0f s): %s" % (pid, age, cmd[:300])


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root to read the environment of the tests' processes")
        return 77
    root = os.path.realpath(sys.argv[1])
    skip = ancestors()
    left = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in skip:
            continue
        pid = int(name)
        if root in build_dirs_of(pid):
            d = describe(pid)
            if d:
                left.append(d)
    print("1..1")
    if left:
        print("not ok 1 - no process started by the tests of %s is still running" % root)
        for d in left:
            print("#   %s" % d)
        return 1
    print("ok 1 - no process started by the tests of %s is still running" % root)
    return 0


if __name__ == "__main__":
    sys.exit(main())

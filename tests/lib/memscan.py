#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# memscan.py PID FILE: count the places where the bytes of FILE (a secret,
# e.g. the bind password file) are in the readable memory of process PID,
# as a thief who can read it (root, a core dump, swap) would find them.
# Prints the count and the region of each hit; exit 0.  Regions that the
# process made unreadable (PROT_NONE: sodium_mprotect_noaccess) are not
# read, nor regions over 256 MiB (a sanitizer's shadow memory).  Needs
# root: sesamed is not dumpable.
import re
import sys

pid, secret = int(sys.argv[1]), open(sys.argv[2], "rb").read().split(b"\n")[0]
if not secret:
    sys.exit("memscan.py: empty secret")
hits = []
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)", line)
        start, end, perms, name = int(m[1], 16), int(m[2], 16), m[3], m[4]
        if perms[0] != "r" or end - start > 256 << 20 or name in ("[vvar]", "[vsyscall]"):
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except (OSError, ValueError, OverflowError):
            continue
        i = data.find(secret)
        while i >= 0:
            hits.append(f"{start + i:#x} {perms} {name or '(anonymous)'}")
            i = data.find(secret, i + 1)
print(len(hits))
for h in hits:
    print(h)

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gen-enum.py OU USERS [GROUPS] [--expect FILE] [--expect-groups FILE]:
an LDIF of USERS posixAccount entries (and GROUPS posixGroups of three
members each) under ou=OU,dc=example,dc=test on stdout, for loading with
slapadd after the fixture (gen-fixture.py); --expect writes the passwd
lines sesamed must serve for them (as getent prints them), --expect-groups
the group lines.  Deterministic; python3 stdlib only.

Among the users are entries that must not be served: a uid below min_uid
(1000) and a name that is a local account (daemon: local wins)."""
import argparse
import sys

BASE = "dc=example,dc=test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ou")
    ap.add_argument("users", type=int)
    ap.add_argument("groups", type=int, nargs="?", default=0)
    ap.add_argument("--expect")
    ap.add_argument("--expect-groups")
    a = ap.parse_args()
    ou = f"ou={a.ou},{BASE}"
    out = sys.stdout
    expect = open(a.expect, "w") if a.expect else None
    expect_gr = open(a.expect_groups, "w") if a.expect_groups else None
    out.write(f"dn: {ou}\nobjectClass: organizationalUnit\nou: {a.ou}\n\n")

    def user(name, uid, serve):
        out.write(f"dn: uid={name},{ou}\nobjectClass: top\nobjectClass: account\n"
                  f"objectClass: posixAccount\nuid: {name}\ncn: User {name}\n"
                  f"uidNumber: {uid}\ngidNumber: 10000\nhomeDirectory: /home/{name}\n"
                  f"loginShell: /bin/bash\n\n")
        if serve and expect:
            expect.write(f"{name}:*:{uid}:10000:User {name}:/home/{name}:/bin/bash\n")

    prefix = a.ou[:3]
    for i in range(a.users):
        user(f"{prefix}{i:07d}", 300000 + i, True)
    user(f"{prefix}low", 999, False)     # below min_uid
    user("daemon", 399999, False)        # a local account's name
    for i in range(a.groups):
        name = f"{prefix}g{i:06d}"
        members = [f"{prefix}{(i * 3 + k) % max(a.users, 1):07d}" for k in range(3)]
        out.write(f"dn: cn={name},{ou}\nobjectClass: top\nobjectClass: posixGroup\n"
                  f"cn: {name}\ngidNumber: {300000 + i}\n"
                  + "".join(f"memberUid: {m}\n" for m in members) + "\n")
        if expect_gr:
            expect_gr.write(f"{name}:x:{300000 + i}:{','.join(members)}\n")


if __name__ == "__main__":
    main()

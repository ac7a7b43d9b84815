#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write a directory of N users for the benchmark (tests/bench/perf.sh).

usage: gen-directory.py [--ppolicy] USERS OUTDIR

Deterministic (the same bytes for the same USERS), python3 stdlib only,
streamed (1,000,000 users need no more memory than their group lists).
OUTDIR gets:

  data.ldif        the directory, for `slapadd -q` (tests/lib/slapd.sh)
  users.txt        up to 5000 user names spread over the whole directory,
                   in a shuffled order: what the lookups ask for
  initgroups.txt   the same users as "name primary-gid" (getgrouplist)
  groups.txt       up to 5000 ordinary group names, shuffled
  creds.txt        200 users as "name password", for the logins
  big.txt          the group with 10,000 members (fewer when USERS is
                   smaller)
  many.txt         "name gid" of the user who is in 500 groups

The base, the service accounts (cn=sesame: the bind DN every system
under test uses) and, with --ppolicy, the default password policy are
those of the test fixture (tests/lib/gen-fixture.py), so tests/lib/slapd.sh
loads and serves this directory as it does the fixture.

People: user0000000 ... as the fixture's users (its user(): inetOrgPerson,
posixAccount, shadowAccount and Sesame's sesameAccount, an {SSHA}
password, User0000000-Passw0rd! ...), uidNumber 100000 + i (above every
local system account, so no "local wins" rule hides one), primary group
benchusers (the fixture's 10000).  Groups
(posixGroup, memberUid): max(500, USERS / 10) ordinary groups
grp000000 ... (gid 200000 + j); every user is in 3 of them, picked at
random with a fixed seed (so about 30 members each at 100k users and
more, 6 at 1k); user0000000 is instead in the first 500 of them; the
group big (gid 190000) has the first min(10000, USERS) users.
"""
import importlib.util
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "fixture", os.path.join(HERE, "..", "lib", "gen-fixture.py"))
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)

SUFFIX = fixture.SUFFIX
GROUPS = fixture.GROUPS
SERVICES = fixture.SERVICES
PRIMARY_GID = fixture.USERS_GID
UID_BASE = 100000
GROUP_GID_BASE = 200000
BIG_GID = 190000
BIG_MEMBERS = 10000
MANY_GROUPS = 500
GROUPS_PER_USER = 3
SAMPLE = 5000
CREDS = 200
MAX_USERS = 10000000


class Writer:
    """The `out` of fixture.entry(): each line goes straight to the file."""

    def __init__(self, f):
        self.append = f.write


def user_name(i):
    return "user%07d" % i


def write_user(out, i):
    fixture.user(out, user_name(i), UID_BASE + i, cn="User %07d" % i,
                 sn="User", gecos="User %07d" % i, sesame=True)


def write_group(out, cn, gid, members, description=None):
    attrs = [("objectClass", "top"), ("objectClass", "posixGroup"),
             ("cn", cn), ("gidNumber", gid)]
    if description:
        attrs.append(("description", description))
    attrs.extend(("memberUid", m) for m in members)
    fixture.entry(out, "cn=%s,%s" % (cn, GROUPS), attrs)


def spread(n, k, rnd):
    """k indexes out of range(n), spread evenly over it, shuffled."""
    k = min(k, n)
    picked = [i * n // k for i in range(k)]
    rnd.shuffle(picked)
    return picked


def generate(n, outdir, policy):
    n_groups = max(MANY_GROUPS, n // 10)
    rnd = random.Random(20261206)
    members = [[] for _ in range(n_groups)]
    with open(os.path.join(outdir, "data.ldif"), "w", encoding="ascii") as f:
        out = Writer(f)
        fixture.entry(out, SUFFIX, [
            ("objectClass", "top"), ("objectClass", "dcObject"),
            ("objectClass", "organization"), ("dc", "example"),
            ("o", "Sesame Benchmark")])
        for ou in ("people", "groups", "services"):
            fixture.entry(out, "ou=%s,%s" % (ou, SUFFIX), [
                ("objectClass", "top"), ("objectClass", "organizationalUnit"),
                ("ou", ou)])
        if policy:
            fixture.ppolicy(out)
        for cn, pw, desc in fixture.SERVICE_ACCOUNTS:
            dn = "cn=%s,%s" % (cn, SERVICES)
            fixture.entry(out, dn, [
                ("objectClass", "top"), ("objectClass", "organizationalRole"),
                ("objectClass", "simpleSecurityObject"), ("cn", cn),
                ("description", desc), ("userPassword", fixture.ssha(pw, dn))])
        for i in range(n):
            write_user(out, i)
            if i == 0:
                picks = range(MANY_GROUPS)
            else:
                picks = rnd.sample(range(n_groups), GROUPS_PER_USER)
            for j in picks:
                members[j].append(user_name(i))
        write_group(out, "benchusers", PRIMARY_GID, [],
                    "primary group of every user")
        write_group(out, "big", BIG_GID,
                    [user_name(i) for i in range(min(n, BIG_MEMBERS))])
        for j in range(n_groups):
            write_group(out, "grp%06d" % j, GROUP_GID_BASE + j, members[j])
            members[j] = None

    def lines(name, rows):
        with open(os.path.join(outdir, name), "w", encoding="ascii") as f:
            f.writelines(r + "\n" for r in rows)

    sample = [user_name(i) for i in spread(n, SAMPLE, rnd)]
    lines("users.txt", sample)
    lines("initgroups.txt", ["%s %d" % (u, PRIMARY_GID) for u in sample])
    lines("groups.txt", ["grp%06d" % j for j in spread(n_groups, SAMPLE, rnd)])
    lines("creds.txt", ["%s %s" % (u, fixture.password_for(u))
                        for u in (user_name(i) for i in spread(n, CREDS, rnd))])
    lines("big.txt", ["big"])
    lines("many.txt", ["%s %d" % (user_name(0), PRIMARY_GID)])


def main(argv):
    args = argv[1:]
    policy = "--ppolicy" in args
    args = [a for a in args if a != "--ppolicy"]
    if len(args) != 2 or not args[0].isdigit() or not 1 <= int(args[0]) <= MAX_USERS:
        sys.stderr.write("usage: gen-directory.py [--ppolicy] USERS OUTDIR "
                         "(USERS 1 to %d)\n" % MAX_USERS)
        return 2
    os.makedirs(args[1], exist_ok=True)
    generate(int(args[0]), args[1], policy)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the Sesame LDAP test fixture (LDIF, RFC 2849) to stdout.

usage: gen-fixture.py [--passwords]

Deterministic (same bytes on every run: the {SSHA} salts are derived from the
user name), python3 stdlib only.  Loaded by tests/lib/slapd.sh with
`slapadd -q`.  The contents are documented in tests/lib/fixture.md - keep the
two in sync.

--passwords prints "DN<TAB>password" for every entry that has a userPassword
instead of the LDIF (handy for test writers; not used by the harness).

NOTE: slapadd does not check attribute syntaxes, and a few entries below
deliberately violate them (uidNumber "abc", a non-ASCII gecos): slapd itself
would refuse those over LDAP (ldapadd/ldapmodify: "Invalid syntax (21)"), but
serves them once they are in the database.  That is how "bad data from a
broken/foreign directory" is simulated.
"""
import base64
import hashlib
import sys

SUFFIX = "dc=example,dc=test"
PEOPLE = "ou=people," + SUFFIX
GROUPS = "ou=groups," + SUFFIX
GROUPS_BIS = "ou=groups-bis," + SUFFIX
SERVICES = "ou=services," + SUFFIX

# Keep in sync with tests/lib/slapd.sh (SLAPD_BIND_PW / SLAPD_LIMITED_PW).
SERVICE_ACCOUNTS = [
    ("sesame", "Sesame-Bind-Passw0rd!", "Sesame daemon service account"),
    ("limited", "Limited-Bind-Passw0rd!",
     "service account with a 100-entry size limit (paged searches included)"),
]

USERS_GID = 10000          # primary group of every user: cn=ldapusers (Debian has local "users" and "staff")
N_MEMBERS = 5000           # member0000..member4999, all in `big` / `bbig`
MEMBER_UID_BASE = 40000
N_MANY = 500               # dave is in many000..many499
MANY_GID_BASE = 20000


def password_for(uid):
    """<Uid>-Passw0rd!  (first letter upper-cased)."""
    return uid[:1].upper() + uid[1:] + "-Passw0rd!"


def ssha(password, name):
    salt = hashlib.sha256(("sesame-fixture:" + name).encode()).digest()[:8]
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def is_safe(value):
    """RFC 2849 SAFE-STRING (also refuse a trailing space, as recommended)."""
    if value == "":
        return True
    if value[0] in " :<" or value[-1] == " ":
        return False
    return all(0 < ord(c) < 128 and c not in "\r\n" for c in value)


def attr_line(attr, value):
    value = str(value)
    if is_safe(value):
        return "%s: %s\n" % (attr, value)
    b64 = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return "%s:: %s\n" % (attr, b64)


def entry(out, dn, attrs):
    """attrs: list of (attr, value) in output order."""
    out.append(attr_line("dn", dn))
    for a, v in attrs:
        out.append(attr_line(a, v))
    out.append("\n")


def user(out, uid, uid_number, cn=None, sn=None, gecos=None, home=None,
         passwords=None):
    cn = cn if cn is not None else uid.capitalize() + " Example"
    sn = sn if sn is not None else "Example"
    home = home if home is not None else "/home/" + uid
    dn = "uid=%s,%s" % (uid, PEOPLE)
    pw = password_for(uid)
    if passwords is not None:
        passwords.append((dn, pw))
    attrs = [
        ("objectClass", "top"),
        ("objectClass", "person"),
        ("objectClass", "organizationalPerson"),
        ("objectClass", "inetOrgPerson"),
        ("objectClass", "posixAccount"),
        ("objectClass", "shadowAccount"),
        ("uid", uid),
        ("cn", cn),
        ("sn", sn),
        ("uidNumber", uid_number),
        ("gidNumber", USERS_GID),
        ("homeDirectory", home),
        ("loginShell", "/bin/bash"),
        ("mail", uid + "@example.test"),
    ]
    if gecos is not None:
        attrs.append(("gecos", gecos))
    attrs.append(("userPassword", ssha(pw, dn)))
    entry(out, dn, attrs)


def posix_group(out, cn, gid, members=(), description=None):
    attrs = [("objectClass", "top"), ("objectClass", "posixGroup"),
             ("cn", cn), ("gidNumber", gid)]
    if description:
        attrs.append(("description", description))
    attrs.extend(("memberUid", m) for m in members)
    entry(out, "cn=%s,%s" % (cn, GROUPS), attrs)


def bis_group(out, cn, gid, member_dns):
    # groupOfNames (STRUCTURAL, MUST member) + extensibleObject (AUXILIARY,
    # core.schema) to carry gidNumber: nis.schema's posixGroup is
    # STRUCTURAL and cannot be combined with groupOfNames.
    attrs = [("objectClass", "top"), ("objectClass", "groupOfNames"),
             ("objectClass", "extensibleObject"),
             ("cn", cn), ("gidNumber", gid)]
    attrs.extend(("member", m) for m in member_dns)
    entry(out, "cn=%s,%s" % (cn, GROUPS_BIS), attrs)


def people_dn(uid):
    return "uid=%s,%s" % (uid, PEOPLE)


def generate(passwords=None):
    out = []
    entry(out, SUFFIX, [("objectClass", "top"), ("objectClass", "dcObject"),
                        ("objectClass", "organization"),
                        ("dc", "example"), ("o", "Sesame Test")])
    for ou in ("people", "groups", "groups-bis", "services"):
        entry(out, "ou=%s,%s" % (ou, SUFFIX),
              [("objectClass", "top"), ("objectClass", "organizationalUnit"),
               ("ou", ou)])

    for cn, pw, desc in SERVICE_ACCOUNTS:
        dn = "cn=%s,%s" % (cn, SERVICES)
        if passwords is not None:
            passwords.append((dn, pw))
        entry(out, dn, [("objectClass", "top"),
                        ("objectClass", "organizationalRole"),
                        ("objectClass", "simpleSecurityObject"),
                        ("cn", cn), ("description", desc),
                        ("userPassword", ssha(pw, dn))])

    p = passwords
    # --- ordinary users ------------------------------------------------
    user(out, "alice", 10001, cn="Alice Example", gecos="Alice Example",
         passwords=p)
    # gecos is IA5String in nis.schema: slapd refuses non-ASCII there, so the
    # non-ASCII name lives in cn (DirectoryString, UTF-8) and gecos is absent;
    # the daemon falls back to cn.
    user(out, "bob", 10002, cn="B\u00f8b \u00dcn\u00efc\u00f8d\u00e9",
         sn="\u00dcn\u00efc\u00f8d\u00e9", passwords=p)
    user(out, "carol", 10003, cn="Carol Example", passwords=p)
    user(out, "dave", 10004, cn="Dave Example", passwords=p)
    # Syntax-violating UTF-8 gecos (only possible through slapadd).
    user(out, "utfgecos", 10005, cn="Utf Gecos",
         gecos="\u00dc\u00f1\u00ee G\u00e9c\u00f6s", passwords=p)
    # --- name / number clashes with local accounts ---------------------
    user(out, "daemon", 10050, cn="LDAP Daemon", passwords=p)
    user(out, "localclash", 10051, cn="Local Clash", passwords=p)
    user(out, "uidclash", 10052, cn="Uid Clash", passwords=p)
    # --- entries the daemon must drop ----------------------------------
    user(out, "negid", -5, cn="Negative Id", passwords=p)
    user(out, "hugeid", 4294967296, cn="Huge Id", passwords=p)
    user(out, "maxid", 4294967295, cn="Max Id", passwords=p)
    user(out, "lowid", 50, cn="Low Id", passwords=p)
    user(out, "rootid", 0, cn="Root Id", passwords=p)
    user(out, "badid", "abc", cn="Bad Id", passwords=p)
    user(out, "colon", 10060, cn="Colon Person", gecos="Colon: Person",
         passwords=p)
    user(out, "newline", 10061, cn="Newline Person", home="/home/new\nline",
         passwords=p)
    # --- bulk users ----------------------------------------------------
    members = ["member%04d" % i for i in range(N_MEMBERS)]
    for i, m in enumerate(members):
        user(out, m, MEMBER_UID_BASE + i, cn="Member %04d" % i, sn="Member",
             gecos="Member %04d" % i, passwords=p)

    # --- RFC 2307 groups (ou=groups, posixGroup + memberUid) -------------
    posix_group(out, "ldapusers", USERS_GID, description="primary group of all")
    posix_group(out, "engineers", 10010, ["alice", "bob"])
    posix_group(out, "admins", 10011, ["alice"])
    posix_group(out, "emptygrp", 10012)
    posix_group(out, "daemon", 10013, description="clashes with local group")
    posix_group(out, "lowgrp", 50, ["alice"], description="gid < min_gid")
    posix_group(out, "neggrp", -5, ["alice"], description="negative gid")
    posix_group(out, "hugegrp", 4294967296, ["alice"],
                description="gid > 2^32-1")
    for j in range(N_MANY):
        posix_group(out, "many%03d" % j, MANY_GID_BASE + j, ["dave"])
    posix_group(out, "big", 30000, members)

    # --- RFC 2307bis groups (ou=groups-bis, groupOfNames + member DN) ----
    bis_group(out, "bstaff", 11010, [people_dn("alice"), people_dn("bob")])
    bis_group(out, "bbig", 11011, [people_dn(m) for m in members])
    bis_group(out, "bdangling", 11012,
              [people_dn("alice"), people_dn("ghost")])
    return "".join(out)


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0
    if len(argv) > 1 and argv[1] == "--passwords":
        pw = []
        generate(pw)
        sys.stdout.write("".join("%s\t%s\n" % x for x in pw))
        return 0
    if len(argv) > 1:
        sys.stderr.write("usage: gen-fixture.py [--passwords]\n")
        return 2
    sys.stdout.buffer.write(generate().encode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

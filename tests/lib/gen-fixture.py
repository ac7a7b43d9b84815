#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the Sesame LDAP test fixture (LDIF, RFC 2849) to stdout.

usage: gen-fixture.py [--login] [--ppolicy] [--passwords]

Deterministic (same bytes on every run: the {SSHA} salts are derived from the
user name), python3 stdlib only.  Loaded by tests/lib/slapd.sh with
`slapadd -q`.  The contents are documented in tests/lib/fixture.md - keep the
two in sync.

--passwords prints "DN<TAB>password" for every entry that has a userPassword
instead of the LDIF (handy for test writers; not used by the harness).

--login adds the accounts of the login tests (disabled, expired,
unconfirmed, ... and one reserved account per test that changes state; see
fixture.md, "Login-test accounts").  They are not in the default fixture so
that the NSS tests' counts stay what they are.

--ppolicy adds ou=policies with the default password policy
cn=default,ou=policies (needs the ppolicy overlay's schema; slapd.sh passes
it when the overlay is loaded and names the entry in ppolicy_default).

The entries use Sesame's schema (conf/schema/sesame.schema: the auxiliary
class sesameAccount), so the slapd loading them must include it.

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
# when the ordinary users' mail addresses were confirmed (fixed: deterministic)
CONFIRMED = "20240101120000Z"


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
         passwords=None, sesame=False, confirmed=None, mail=None, extra=()):
    """sesame: add the auxiliary class sesameAccount; confirmed: the
    sesameEmailConfirmed value (needs sesame); extra: more (attr, value)."""
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
    ]
    if sesame:
        attrs.append(("objectClass", "sesameAccount"))
    attrs += [
        ("uid", uid),
        ("cn", cn),
        ("sn", sn),
        ("uidNumber", uid_number),
        ("gidNumber", USERS_GID),
        ("homeDirectory", home),
        ("loginShell", "/bin/bash"),
        ("mail", mail if mail is not None else uid + "@example.test"),
    ]
    if gecos is not None:
        attrs.append(("gecos", gecos))
    if confirmed is not None:
        attrs.append(("sesameEmailConfirmed", confirmed))
    attrs.extend(extra)
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


def login_users(out, p):
    """Accounts for the PAM/sesamectl/SSH tests (--login), uids 10100+.
    Each test that changes an account's state has its own account, so the
    tests never depend on their order."""
    ok = dict(sesame=True, confirmed=CONFIRMED, passwords=p)
    # account-phase refusals
    user(out, "disabled", 10101, cn="Disabled Example",
         extra=[("sesameDisabled", "TRUE")], **ok)
    # shadowExpire 1 = 1970-01-02: long expired
    user(out, "expired", 10102, cn="Expired Example",
         extra=[("shadowExpire", 1)], **ok)
    # sesameAccount but no sesameEmailConfirmed
    user(out, "unconfirmed", 10103, cn="Unconfirmed Example", sesame=True,
         passwords=p)
    # a mail address that is not <uid>@...: login by mail must give "mailuser"
    user(out, "mailuser", 10104, cn="Mail User", mail="m.user@example.test",
         **ok)
    # reserved for one test each (state changes)
    user(out, "lockme", 10110, cn="Lockout Test", **ok)
    user(out, "pwchange", 10111, cn="Password Change Test", **ok)
    user(out, "totpuser", 10112, cn="Totp Test", **ok)
    user(out, "recovery", 10113, cn="Recovery Test", **ok)
    user(out, "sshuser", 10114, cn="Ssh Test", **ok)
    user(out, "selfuser", 10115, cn="Self Test", **ok)
    user(out, "totp256", 10116, cn="Totp Sha256 Test", **ok)
    user(out, "ctluser", 10117, cn="Sesamectl Test", **ok)
    user(out, "pplocked", 10118, cn="Ppolicy Locked Test", **ok)
    user(out, "expedge", 10119, cn="Expiry Edge Test", **ok)
    user(out, "hookuser", 10120, cn="Hook Test", **ok)
    user(out, "slowuser", 10121, cn="Unavailable Test", **ok)
    # the test replaces its password with one of exactly 512 bytes
    user(out, "longpw", 10122, cn="Long Password Test", **ok)


def ppolicy(out):
    """The default password policy: only there so that slapd's ppolicy
    overlay applies to every entry and honours pwdAccountLockedTime at bind
    time (OpenLDAP 2.5 ignores it unless pwdLockout is TRUE).  pwdMaxFailure
    0: slapd never locks by itself; no quality checks, no expiry, no
    history: sesamed does that, and nothing here may refuse a password
    change."""
    entry(out, "ou=policies," + SUFFIX,
          [("objectClass", "top"), ("objectClass", "organizationalUnit"),
           ("ou", "policies")])
    entry(out, "cn=default,ou=policies," + SUFFIX,
          [("objectClass", "top"), ("objectClass", "organizationalRole"),
           ("objectClass", "pwdPolicy"), ("cn", "default"),
           ("pwdAttribute", "userPassword"),
           ("pwdLockout", "TRUE"),
           ("pwdMaxFailure", 0),
           ("pwdCheckQuality", 0),
           ("pwdMaxAge", 0),
           ("pwdInHistory", 0),
           ("pwdMustChange", "FALSE"),
           ("pwdAllowUserChange", "TRUE"),
           ("pwdSafeModify", "FALSE")])


def generate(passwords=None, login=False, policy=False):
    out = []
    entry(out, SUFFIX, [("objectClass", "top"), ("objectClass", "dcObject"),
                        ("objectClass", "organization"),
                        ("dc", "example"), ("o", "Sesame Test")])
    for ou in ("people", "groups", "groups-bis", "services"):
        entry(out, "ou=%s,%s" % (ou, SUFFIX),
              [("objectClass", "top"), ("objectClass", "organizationalUnit"),
               ("ou", ou)])
    if policy:
        ppolicy(out)

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
    # alice, bob, dave, utfgecos: sesameAccount with a confirmed mail address;
    # carol has no sesameAccount class (sesamed must add it when it first
    # writes state, e.g. a failure count)
    sa = dict(sesame=True, confirmed=CONFIRMED)
    user(out, "alice", 10001, cn="Alice Example", gecos="Alice Example",
         passwords=p, **sa)
    # gecos is IA5String in nis.schema: slapd refuses non-ASCII there, so the
    # non-ASCII name lives in cn (DirectoryString, UTF-8) and gecos is absent;
    # the daemon falls back to cn.
    user(out, "bob", 10002, cn="B\u00f8b \u00dcn\u00efc\u00f8d\u00e9",
         sn="\u00dcn\u00efc\u00f8d\u00e9", passwords=p, **sa)
    user(out, "carol", 10003, cn="Carol Example", passwords=p)
    user(out, "dave", 10004, cn="Dave Example", passwords=p, **sa)
    # Syntax-violating UTF-8 gecos (only possible through slapadd).
    user(out, "utfgecos", 10005, cn="Utf Gecos",
         gecos="\u00dc\u00f1\u00ee G\u00e9c\u00f6s", passwords=p, **sa)
    if login:
        login_users(out, p)
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
    args = argv[1:]
    if "-h" in args or "--help" in args:
        sys.stdout.write(__doc__)
        return 0
    bad = [a for a in args if a not in ("--passwords", "--login", "--ppolicy")]
    if bad or len(set(args)) != len(args):
        sys.stderr.write("usage: gen-fixture.py [--login] [--ppolicy] [--passwords]\n")
        return 2
    opts = dict(login="--login" in args, policy="--ppolicy" in args)
    if "--passwords" in args:
        pw = []
        generate(pw, **opts)
        sys.stdout.write("".join("%s\t%s\n" % x for x in pw))
        return 0
    sys.stdout.buffer.write(generate(**opts).encode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

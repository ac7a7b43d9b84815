#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Lookups and logins by email address when an address is not unique.  A
# user who may set their own mail could put somebody else's address on
# their entry: sesamed must then resolve that address to nobody (NOTFOUND,
# logged), never to whichever entry the directory returns first, so the
# victim's logins by address are never bound against (and never count
# failures on) the other entry.  Equality is the directory's
# (caseIgnoreIA5Match for mail).  Lookups by name are not affected.
# Fixture: tests/lib/fixture.md (the --login accounts: mailuser has
# m.user@example.test).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
P="ou=people,dc=example,dc=test"

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# no cache: every lookup below must reach the directory
CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<EOF
auth     required pam_sesame.so totp=off
EOF

# mail_lookup ADDRESS: PASSWD_BYMAIL on admin.sock (root's lookup by address);
# prints the user name, or the status name (NOTFOUND, UNAVAIL, ...)
mail_lookup() {
        "$PYTHON3" -B - "$HARNESS_LIB" "$1" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[1])
import rawclient as rc
got = rc.exchange("/run/sesame/admin.sock",
                  rc.frame(rc.body(rc.REQ_PASSWD_BYMAIL, [rc.field(rc.F_MAIL, sys.argv[2].encode())])))
off, name, status = 0, None, None
while off + 4 <= len(got):
    (n,) = struct.unpack(">I", got[off:off + 4])
    b, off = got[off + 4:off + 4 + n], off + 4 + n
    _, op, nf = struct.unpack(">HHH", b[:6])
    p = 6
    for _ in range(nf):
        tag, ln = struct.unpack(">HH", b[p:p + 4])
        v, p = b[p + 4:p + 4 + ln], p + 4 + ln
        if op == rc.ANS_PASSWD and tag == rc.F_NAME:
            name = v.decode()
        if op == rc.ANS_END and tag == rc.TAG["STATUS"] and ln == 4:
            status = struct.unpack(">I", v)[0]
if status is None:
    print("NO-ANSWER")
elif status == 0:
    print(name)
else:
    print(rc.STATUS[status] if status < len(rc.STATUS) else status)
EOF
}
# ldap_mod USER LDIF-LINES...: modify the entry as the rootdn
ldap_mod() {
        local u=$1
        shift
        printf '%s\n' "dn: uid=$u,$P" "changetype: modify" "$@" | slapd_ldapmodify >/dev/null
}
# user_binds_since LINE: BINDs as a user (uid=...) in slapd's log after LINE
user_binds_since() { tail -n +"$(($1 + 1))" "$SLAPD_LOG" | grep -c 'BIND dn="uid='; }

# --- unique addresses ---------------------------------------------------------
check "alice@example.test is alice" "alice" "$(mail_lookup alice@example.test)"
check "the directory compares (caseIgnoreIA5Match): ALICE@Example.TEST is alice" "alice" \
        "$(mail_lookup ALICE@Example.TEST)"
check "unknown address: NOTFOUND" "NOTFOUND" "$(mail_lookup nobody@example.test)"
pam_expect "login by m.user@example.test" ok "Mailuser-Passw0rd!" pw m.user@example.test authenticate

# another user, with an address of their own
printf '%s\n' "dn: uid=mallory,$P" "objectClass: top" "objectClass: person" \
        "objectClass: organizationalPerson" "objectClass: inetOrgPerson" "objectClass: posixAccount" \
        "objectClass: shadowAccount" "objectClass: sesameAccount" "uid: mallory" "cn: Mallory Example" \
        "sn: Example" "uidNumber: 10190" "gidNumber: 10000" "homeDirectory: /home/mallory" \
        "loginShell: /bin/bash" "mail: mallory@example.test" "sesameEmailConfirmed: 20240101120000Z" \
        "userPassword: Mallory-Passw0rd!" | slapd_ldapmodify -a >/dev/null ||
        { echo "Bail out! ldapadd of mallory"; exit 1; }
check "mallory@example.test is mallory" "mallory" "$(mail_lookup mallory@example.test)"

# --- mallory takes alice's and (in other case) mailuser's address -------------
ldap_mod mallory "add: mail" "mail: alice@example.test" "mail: M.User@Example.Test" ||
        { echo "Bail out! ldapmodify of mallory"; exit 1; }
check "alice@example.test on two entries: NOTFOUND" "NOTFOUND" "$(mail_lookup alice@example.test)"
check "m.user@example.test, the same to the directory as M.User@Example.Test: NOTFOUND" "NOTFOUND" \
        "$(mail_lookup m.user@example.test)"
ok "the refusal is logged" grep -q "mail 'alice@example.test' matches 2 entries.*refusing an ambiguous address" \
        "$T/sesamed.log"
check "mallory's own address still resolves" "mallory" "$(mail_lookup mallory@example.test)"

LINE=$(wc -l <"$SLAPD_LOG")
pam_expect "login by m.user@example.test now: PAM_USER_UNKNOWN" "$PAM_TEXT_USER_UNKNOWN" "Mailuser-Passw0rd!" \
        pw m.user@example.test authenticate
pam_expect "the attacker's password with the victim's address: PAM_USER_UNKNOWN" "$PAM_TEXT_USER_UNKNOWN" \
        "Mallory-Passw0rd!" pw alice@example.test authenticate
check "... and no bind as either entry was tried" "0" "$(user_binds_since "$LINE")"

# names are not affected
pam_expect "mailuser logs in by name" ok "Mailuser-Passw0rd!" pw mailuser authenticate
pam_expect "alice logs in by name" ok "Alice-Passw0rd!" pw alice authenticate
ok "... binding as each (slapd logged their binds: the count of none above could see one)" \
        test "$(user_binds_since "$LINE")" -ge 2
check "NSS by name: alice" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" "$(getent passwd alice)"

# --- an entry sesamed does not serve does not make an address ambiguous -------
# (lowid: uid 50, below min_uid; it can never be what an address resolves to)
ldap_mod lowid "replace: mail" "mail: bob@example.test" || { echo "Bail out! ldapmodify of lowid"; exit 1; }
check "bob@example.test, also on the dropped entry lowid: bob" "bob" "$(mail_lookup bob@example.test)"

# --- the duplicate goes away: the address resolves again -----------------------
ldap_mod mallory "delete: mail" "mail: alice@example.test" "mail: M.User@Example.Test" ||
        { echo "Bail out! ldapmodify of mallory"; exit 1; }
check "alice@example.test is alice again" "alice" "$(mail_lookup alice@example.test)"
pam_expect "login by m.user@example.test works again" ok "Mailuser-Passw0rd!" pw m.user@example.test authenticate

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

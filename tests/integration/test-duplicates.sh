#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Whoever may write somewhere under user_base can add a second entry
# with a victim's name or uid.  sesamed must then serve neither, for
# lookups and for logins (and log it), never whichever the directory
# returns first.  The same for groups under group_base.  And with RFC 2307bis, a role is held only by the entry
# whose DN a member value is, compared by the directory as a whole DN:
# a member "uid=bob,ou=elsewhere" is not bob.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
B=$SLAPD_BASE
# no cache: every lookup below must reach the directory
CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
PAM
pam_service acct <<PAM
account  required pam_sesame.so
PAM

# binds_since LINE: binds as a user in slapd's log after line LINE
binds_since() { tail -n +"$(($1 + 1))" "$SLAPD_LOG" | grep -c 'BIND dn="uid=.*method='; }
# intruder NAME UIDNUMBER: a second entry, in another branch, with the
# password Intruder-Passw0rd!
intruder() {
        printf '%s\n' "dn: uid=$1,ou=intruders,$B" "objectClass: top" "objectClass: person" \
                "objectClass: organizationalPerson" "objectClass: inetOrgPerson" "objectClass: posixAccount" \
                "uid: $1" "cn: $1" "sn: Intruder" "uidNumber: $2" "gidNumber: 10000" \
                "homeDirectory: /home/$1" "loginShell: /bin/bash" "userPassword: Intruder-Passw0rd!" |
                slapd_ldapmodify -a >/dev/null
}

check "before: alice resolves" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" \
        "$(getent passwd alice)"
printf '%s\n' "dn: ou=intruders,$B" "objectClass: organizationalUnit" "ou: intruders" |
        slapd_ldapmodify -a >/dev/null || { echo "Bail out! ldapadd of ou=intruders"; exit 1; }

# --- the same name ----------------------------------------------------------------
intruder alice 10901 || { echo "Bail out! ldapadd of the second alice"; exit 1; }
ok_fail "a second uid=alice: getent passwd alice answers nothing" getent passwd alice
ok "... logged" grep -q "uid 'alice' matches 2 entries" "$T/sesamed.log"
LINE=$(wc -l <"$SLAPD_LOG")
pam_expect "... the intruder's password is not checked" "$PAM_TEXT_USER_UNKNOWN" "Intruder-Passw0rd!" \
        pw alice authenticate
pam_expect "... nor alice's" "$PAM_TEXT_USER_UNKNOWN" "Alice-Passw0rd!" pw alice authenticate
check "... no bind was made" "0" "$(binds_since "$LINE")"
pam_expect "... the account phase refuses (a key must not get in either)" "$PAM_TEXT_USER_UNKNOWN" "" \
        acct alice acct_mgmt

# --- the same uid ------------------------------------------------------------------
intruder mallory 10002 || { echo "Bail out! ldapadd of mallory"; exit 1; }
ok_fail "mallory with bob's uid 10002: getent passwd 10002 answers nothing" getent passwd 10002
ok "... logged" grep -q "uidNumber '10002' matches 2 entries" "$T/sesamed.log"
check "bob by name is still bob (one entry has that name)" "bob:10002" "$(getent passwd bob | cut -d: -f1,3)"

# --- the duplicate goes: served again ------------------------------------------------
printf '%s\n' "dn: uid=alice,ou=intruders,$B" "changetype: delete" | slapd_ldapmodify >/dev/null ||
        { echo "Bail out! ldapdelete"; exit 1; }
check "the second alice gone: alice resolves again" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" \
        "$(getent passwd alice)"
pam_expect "... and logs in" ok "Alice-Passw0rd!" pw alice authenticate

# --- the same group name or gid ----------------------------------------------------
# a second cn=admins, with mallory as its member, and a group with
# engineers' gid: whoever may add entries under the group base must not
# so decide what getgrnam/getgrgid (and so sudo's %admins) answer
check "before: admins resolves" "admins:x:10011:alice" "$(getent group admins)"
printf '%s\n' "dn: cn=admins,ou=intruders,$B" "objectClass: top" "objectClass: posixGroup" \
        "cn: admins" "gidNumber: 10911" "memberUid: mallory" |
        slapd_ldapmodify -a >/dev/null || { echo "Bail out! ldapadd of the second admins"; exit 1; }
sesamed_stop
CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" EXTRA_LDAP="group_base = $B" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok_fail "a second cn=admins: getent group admins answers nothing" getent group admins
ok "... logged" grep -q "cn 'admins' matches 2 entries" "$T/sesamed.log"
check "... admins by its own gid is still admins (one entry has it)" "admins:x:10011:alice" \
        "$(getent group 10011)"
printf '%s\n' "dn: cn=forged,ou=intruders,$B" "objectClass: top" "objectClass: posixGroup" \
        "cn: forged" "gidNumber: 10010" "memberUid: mallory" |
        slapd_ldapmodify -a >/dev/null || { echo "Bail out! ldapadd of forged"; exit 1; }
ok_fail "a second group with gid 10010: getent group 10010 answers nothing" getent group 10010
ok "... logged" grep -q "gidNumber '10010' matches 2 entries" "$T/sesamed.log"
check "... engineers by name is still engineers" "engineers:x:10010:alice,bob" "$(getent group engineers)"
printf '%s\n' "dn: cn=admins,ou=intruders,$B" "changetype: delete" "" \
        "dn: cn=forged,ou=intruders,$B" "changetype: delete" | slapd_ldapmodify >/dev/null ||
        { echo "Bail out! ldapdelete of the groups"; exit 1; }
check "the duplicates gone: admins resolves again" "admins:x:10011:alice" "$(getent group admins)"
check "... and gid 10010" "engineers:x:10010:alice,bob" "$(getent group 10010)"

# --- RFC 2307bis roles: whole DNs ------------------------------------------------------
printf '%s\n' "dn: cn=bforged,ou=groups-bis,$B" "objectClass: top" "objectClass: groupOfNames" \
        "objectClass: extensibleObject" "cn: bforged" "gidNumber: 11020" \
        "member: uid=bob,ou=elsewhere,$B" | slapd_ldapmodify -a >/dev/null ||
        { echo "Bail out! ldapadd of bforged"; exit 1; }
sesamed_stop
GROUP_SCHEMA=rfc2307bis CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" EXTRA_LDAP="group_base = ou=groups-bis,$B
group_filter = (objectClass=groupOfNames)" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
pam_service role-bis <<PAM
account  required pam_sesame.so require_role=bforged
PAM
pam_service role-staff <<PAM
account  required pam_sesame.so require_role=bstaff
PAM
pam_expect "rfc2307bis: bob holds bstaff (his own DN is a member)" ok "" role-staff bob acct_mgmt
pam_expect "rfc2307bis: a member uid=bob,ou=elsewhere is not bob" "$PAM_TEXT_PERM_DENIED" "" \
        role-bis bob acct_mgmt
pam_service role-big <<PAM
account  required pam_sesame.so require_role=bbig
PAM
LINE=$(wc -l <"$SLAPD_LOG")
pam_expect "rfc2307bis: member0042 holds bbig (5000 members)" ok "" role-big member0042 acct_mgmt
n=$(tail -n +"$((LINE + 1))" "$SLAPD_LOG" | grep -c ' SRCH base=')
diag "searches for that account check: $n"
ok "... asked as one search for the member, not by reading the group" \
        sh -c "tail -n +$((LINE + 1)) '$SLAPD_LOG' | grep -q 'filter=\"(&(objectClass=groupOfNames)(cn=bbig)(member=uid=member0042,'"

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The directory's password policy (slapd's ppolicy overlay), read from the
# password policy control that sesamed sends with every user bind:
#  - after an administrator's reset (pwdReset, pwdMustChange) the password
#    must be changed: the account phase answers PAM_NEW_AUTHTOK_REQD, so
#    sshd and login run passwd, and the change clears it;
#  - an expired password with grace logins left logs in, saying how many
#    remain; one without them is refused saying it has expired, and that
#    right password is not counted as a failure;
#  - ppolicy's own lock ends when its pwdLockoutDuration says, because
#    sesamed binds and lets the directory decide, and it does not refuse
#    the account phase (a key login), as sesamed's own lock does not.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
P="ou=people,dc=example,dc=test"

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
if [ "$SLAPD_PPOLICY" != 1 ]; then
        echo "1..0 # SKIP slapd has no ppolicy overlay"
        exit 0
fi
CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
password required pam_sesame.so
PAM

PAM_TEXT_NEW_AUTHTOK_REQD="Authentication token is no longer valid; new one required"

# policy NAME LDIF-LINES...: a password policy cn=NAME,ou=policies
policy() {
        local n=$1
        shift
        printf '%s\n' "dn: cn=$n,ou=policies,$SLAPD_BASE" "objectClass: top" "objectClass: organizationalRole" \
                "objectClass: pwdPolicy" "cn: $n" "pwdAttribute: userPassword" "pwdCheckQuality: 0" \
                "pwdInHistory: 0" "pwdAllowUserChange: TRUE" "pwdSafeModify: FALSE" "$@" |
                slapd_ldapmodify -a >/dev/null
}
# add NAME UIDNUMBER POLICY: a new account under that policy
add() { ldap_add_user "$1" "$2" "pwdPolicySubentry: cn=$3,ou=policies,$SLAPD_BASE"; }
pw() { fixture_pw "$1"; }
attr() { ldap_root_attr "$@"; }

policy mustchange "pwdMustChange: TRUE" "pwdMaxAge: 0" "pwdLockout: FALSE" || { echo "Bail out! policy"; exit 1; }
policy grace "pwdMustChange: FALSE" "pwdMaxAge: 1" "pwdGraceAuthNLimit: 2" "pwdLockout: FALSE" ||
        { echo "Bail out! policy"; exit 1; }
policy lockout "pwdMustChange: FALSE" "pwdMaxAge: 0" "pwdLockout: TRUE" "pwdMaxFailure: 2" \
        "pwdLockoutDuration: 3" || { echo "Bail out! policy"; exit 1; }
add resetme 10601 mustchange || { echo "Bail out! ldapadd"; exit 1; }
add gracey 10602 grace || { echo "Bail out! ldapadd"; exit 1; }
add pplock 10603 lockout || { echo "Bail out! ldapadd"; exit 1; }

# --- an administrator's reset: the password must be changed -------------------------
printf '%s\n' "dn: uid=resetme,$P" "changetype: modify" "replace: pwdReset" "pwdReset: TRUE" |
        slapd_ldapmodify >/dev/null || { echo "Bail out! ldapmodify pwdReset"; exit 1; }
pam_expect "after a reset: authentication passes" ok "$(pw resetme)" pw resetme authenticate
pam_expect "... the account phase wants a new password (PAM_NEW_AUTHTOK_REQD)" "$PAM_TEXT_NEW_AUTHTOK_REQD" "" \
        pw resetme acct_mgmt
ok "... saying so" grep -qi "must change your password" "$T/pam.out"
pam_expect "... and passwd sets one (PAM_CHANGE_EXPIRED_AUTHTOK, as sshd asks)" ok \
        "$(pw resetme)"$'\n'"Brand-New-Passw0rd!"$'\n'"Brand-New-Passw0rd!" pw resetme "chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)"
check "... which clears pwdReset" "" "$(attr resetme pwdReset)"
pam_expect "... after which the account phase passes" ok "Brand-New-Passw0rd!" pw resetme authenticate acct_mgmt

# --- an expired password ---------------------------------------------------------------
sleep 2 # pwdMaxAge 1
pam_expect "expired, grace logins left: logs in" ok "$(pw gracey)" pw gracey authenticate
ok "... saying how many remain" grep -qE "[0-9]+ more login" "$T/pam.out"
pam_expect "... the last grace login" ok "$(pw gracey)" pw gracey authenticate
pam_expect "expired, no grace left: refused" "$PAM_TEXT_AUTH_ERR" "$(pw gracey)" pw gracey authenticate
ok "... saying the password has expired" grep -qi "password has expired" "$T/pam.out"
for i in 1 2 3 4 5 6; do
        pamtester_run "$(pw gracey)" pw gracey authenticate >/dev/null 2>&1
done
check "... and the right password, though expired, is no failure" "" "$(attr gracey sesameFailureCount)"
check "... nor a lock" "" "$(attr gracey sesameLockedUntil)"

# --- ppolicy's lock and its duration ----------------------------------------------------
for i in 1 2; do
        pam_expect "pplock: wrong password $i" "$PAM_TEXT_AUTH_ERR" "Wrong-$i-Passw0rd!" pw pplock authenticate
done
ok "slapd locked it (pwdAccountLockedTime)" test -n "$(attr pplock pwdAccountLockedTime)"
pam_expect "locked by ppolicy: the right password is refused" "$PAM_TEXT_AUTH_ERR" "$(pw pplock)" pw pplock \
        authenticate
pam_expect "... but the account phase (a key login) is not" ok "" pw pplock acct_mgmt
sleep 4 # pwdLockoutDuration 3
pam_expect "after pwdLockoutDuration: the right password logs in" ok "$(pw pplock)" pw pplock authenticate

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

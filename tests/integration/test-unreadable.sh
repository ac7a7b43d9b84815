#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# State the service DN cannot read is not state that is absent.  An
# access rule that hides the TOTP seed, sesameDisabled, shadowExpire or
# the lock from the service DN (an administrator's mistake) must make
# logins fail closed, never turn an enrolled account into one without
# TOTP, a disabled account into an enabled one or a locked one into an
# unlocked one.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done

# each hidden from the service DN on one entry only
cat >"$T/acl-first.conf" <<'ACL'
access to dn.exact="uid=hiddenseed,ou=people,dc=example,dc=com" attrs=sesameTotpSecret
        by * none
access to dn.exact="uid=hiddendisabled,ou=people,dc=example,dc=com" attrs=sesameDisabled
        by * none
access to dn.exact="uid=hiddenexpiry,ou=people,dc=example,dc=com" attrs=shadowExpire
        by * none
access to dn.exact="uid=hiddenlock,ou=people,dc=example,dc=com" attrs=sesameLockedUntil
        by * none
ACL
SLAPD_ACL_FIRST=$T/acl-first.conf SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null ||
        { echo "Bail out! slapd did not start"; exit 1; }
CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service optional <<PAM
auth     required pam_sesame.so totp=optional
PAM
pam_service acct <<PAM
account  required pam_sesame.so
PAM

pw() { fixture_pw "$1"; }
ldap_add_user hiddenseed 10501 "sesameTotpSecret: v1.an-enrolled-seed" || { echo "Bail out! ldapadd"; exit 1; }
ldap_add_user hiddendisabled 10502 "sesameDisabled: TRUE" || { echo "Bail out! ldapadd"; exit 1; }
ldap_add_user hiddenexpiry 10503 "shadowExpire: 1" || { echo "Bail out! ldapadd"; exit 1; }
ldap_add_user hiddenlock 10504 "sesameLockedUntil: $(($(date +%s) + 600))" || { echo "Bail out! ldapadd"; exit 1; }
ldap_add_user visible 10505 || { echo "Bail out! ldapadd"; exit 1; }

ok_fail "enrolled, seed unreadable: totp=optional does not take the password alone" \
        pamtester_run "$(pw hiddenseed)"$'\n' optional hiddenseed authenticate
ok_fail "disabled, unreadable: the account phase refuses" pamtester_run "" acct hiddendisabled acct_mgmt
ok_fail "... and so does auth, with the right password" \
        pamtester_run "$(pw hiddendisabled)"$'\n' optional hiddendisabled authenticate
ok_fail "expired, unreadable: the account phase refuses" pamtester_run "" acct hiddenexpiry acct_mgmt
ok_fail "locked, unreadable: the right password is not accepted" \
        pamtester_run "$(pw hiddenlock)"$'\n' optional hiddenlock authenticate
ok "the log says why" grep -q "user hiddenseed: cannot read its state" "$T/sesamed.log"
ok "sesamectl check-access hiddenseed names the attribute it may not read" \
        sh -c "timeout 30 '$SESAMECTL' check-access hiddenseed 2>&1 | grep -q 'not readable: sesameTotpSecret'"
ok "sesamectl check-access hiddenlock too" \
        sh -c "timeout 30 '$SESAMECTL' check-access hiddenlock 2>&1 | grep -q 'not readable: sesameLockedUntil'"
ok "sesamectl check-access visible: nothing to say" sesamectl_run check-access visible
pam_expect "an account whose state is readable: logs in" ok "$(pw visible)"$'\n' optional visible authenticate
pam_expect "... and passes the account phase" ok "" acct visible acct_mgmt

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

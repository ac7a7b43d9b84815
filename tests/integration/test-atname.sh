#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Directory user names may contain '@'.  With mail_login (the default) a
# login containing '@' must still be the user of that name first: the
# account, session and password-change phases resolve by name only (the
# name NSS and PAM_USER carry), and authentication tries the name before
# the address.  Otherwise eve@corp, disabled, passes the account phase of
# a stack with user_unknown=ignore (a key login), or another entry whose
# address is eve@corp has its state checked instead of hers.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
PAM
# the shipped profile's account line (conf/pam-configs): an unknown user
# is somebody else's business
pam_service acct <<PAM
account  [success=ok user_unknown=ignore default=bad] pam_sesame.so
account  required pam_permit.so
PAM
pam_service role <<PAM
account  [success=ok user_unknown=ignore default=bad] pam_sesame.so require_role=admins
account  required pam_permit.so
PAM

pam_service acct-strict <<PAM
account  required pam_sesame.so
PAM

ldap_add_user "eve@corp" 10401 "sesameDisabled: TRUE" || { echo "Bail out! ldapadd of eve@corp"; exit 1; }

check "NSS: eve@corp is a user" "eve@corp:10401" "$(getent passwd eve@corp | cut -d: -f1,3)"
pam_expect "account phase: eve@corp, disabled, is refused (not an unknown user)" "$PAM_TEXT_PERM_DENIED" "" \
        acct eve@corp acct_mgmt
pam_expect "... and so is a role she lacks" "$PAM_TEXT_PERM_DENIED" "" role eve@corp acct_mgmt
pam_expect "auth: her own password finds her, and she is refused (disabled)" "$PAM_TEXT_AUTH_ERR" \
        "Eve@corp-Passw0rd!" pw eve@corp authenticate
ok "... saying why" grep -qF "has been disabled" "$T/pam.out"

# --- another entry has eve@corp as its address --------------------------------
ldap_add_user mallet 10402 "mail: eve@corp" || { echo "Bail out! ldapadd of mallet"; exit 1; }
pam_expect "account phase: still eve@corp's own state (disabled)" "$PAM_TEXT_PERM_DENIED" "" acct eve@corp acct_mgmt
pam_expect "auth: mallet's password under the name eve@corp is wrong" "$PAM_TEXT_AUTH_ERR" "Mallet-Passw0rd!" \
        pw eve@corp authenticate
check "... mallet's failures untouched" "" "$(ldap_root_attr mallet sesameFailureCount)"

# --- addresses still work where no user has that name ------------------------------
pam_expect "login by the address m.user@example.test is mailuser" ok "Mailuser-Passw0rd!" pw m.user@example.test \
        authenticate
pam_expect "... but the account phase knows no user of that name (PAM_USER is mailuser after auth)" \
        "$PAM_TEXT_USER_UNKNOWN" "" acct-strict m.user@example.test acct_mgmt
pam_expect "... and knows mailuser" ok "" acct-strict mailuser acct_mgmt

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

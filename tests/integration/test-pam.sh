#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Logins through Linux-PAM with the built pam_sesame.so: pamtester (and
# passwd, and tests/integration/pam-probe for answers longer than
# pamtester's 511 bytes) against private /etc/pam.d services, the built
# sesamed and a real slapd, in a private mount namespace.  Passwords,
# unknown users, login by email, module options, TOTP (codes from
# oathtool only: window edges, replay, wrong and missing codes), lockout
# and unlock, recovery codes, roles, the account phase (disabled,
# expired, unconfirmed, ppolicy), a non-root caller, password changes,
# sessions, events and hooks, and the directory or sesamed going away.
# Fixture: tests/lib/fixture.md ("Login-test accounts": one account per
# test that changes state).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMECTL" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
PROBE=$BUILD_DIR/tests/integration/pam-probe
P="ou=people,dc=example,dc=test"
pw() { printf '%s-Passw0rd!' "${1^}"; } # fixture password of a user

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }

# a hook that appends what it is given to $T/hook.out
cat >"$T/hook.sh" <<EOF
#!/bin/sh
{ echo "ARGV=\$*"; cat; echo "--"; } >>"$T/hook.out"
EOF
chmod 0755 "$T/hook.sh"
# for the account phase: show PAM_USER as the application sees it
# shellcheck disable=SC2016 # expanded by that script
printf '#!/bin/sh\necho "PAM_USER=$PAM_USER"\n' >"$T/show-user"
chmod 0755 "$T/show-user"

HOOKS="program = $T/hook.sh
events = login lockout password-changed recovery-used"
EXTRA_AUTH="track_logins = yes" EXTRA_HOOKS=$HOOKS sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" -d || { echo "Bail out! sesamed did not start"; exit 1; }
# restart_with EXTRA_AUTH_LINES: sesamed with other [auth] settings
restart_with() {
        EXTRA_AUTH=$1 EXTRA_HOOKS=$HOOKS sesamed_config >"$T/sesame.conf"
        sesamed_restart "$T/sesame.conf" -d || diag "sesamed did not restart"
}

# the services
pam_service pw <<EOF
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
account  required pam_exec.so stdout $T/show-user
session  required pam_sesame.so
password required pam_sesame.so
EOF
pam_service totp <<EOF
auth     required pam_sesame.so totp=required
account  required pam_sesame.so
EOF
pam_service totp-optional <<EOF
auth     required pam_sesame.so totp=optional
EOF
pam_service acct <<EOF
account  required pam_sesame.so
EOF
pam_service badopt <<EOF
auth     required pam_sesame.so totp=off no_such_option
EOF
pam_service badvalue <<EOF
auth     required pam_sesame.so totp=reqiured
EOF
pam_service role-auth <<EOF
auth     required pam_sesame.so totp=off require_role=admins
EOF
pam_service role-acct <<EOF
account  required pam_sesame.so require_role=admins
EOF
pam_service role-any <<EOF
auth     required pam_sesame.so totp=off require_role=nosuchgroup,admins
account  required pam_sesame.so require_role=nosuchgroup require_role=admins
EOF
pam_service role-primary <<EOF
account  required pam_sesame.so require_role=ldapusers
EOF
pam_service session-local <<EOF
session  required pam_sesame.so
session  required pam_permit.so
EOF
pam_service passwd <<EOF
password required pam_sesame.so
EOF

# enroll USER [OPTIONS]: a pending seed; its base32 secret on stdout
enroll() {
        sesamectl_run --json totp enroll "$1" --no-activate "${@:2}" 2>"$T/enroll.err" |
                "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
}
# ldap_attr USER ATTR: the attribute's value(s), as the service account sees them
ldap_attr() { slapd_ldapsearch "(uid=$1)" "$2" | sed -n "s/^$2: //p"; }
# ldap_set USER LDIF-LINES...: modify the entry as the rootdn
ldap_set() {
        local u=$1
        shift
        printf '%s\n' "dn: uid=$u,$P" "changetype: modify" "$@" | slapd_ldapmodify >/dev/null
}
# grep_out TEXT: the last pam_expect's output contains TEXT
grep_out() { grep -qF -- "$1" "$T/pam.out"; }
# a 6-digit string that is none of the codes of the window around now
wrong_code() {
        local secret=$1 c
        local -a valid=("$(totp_code "$secret" -1)" "$(totp_code "$secret" 0)" "$(totp_code "$secret" 1)")
        c=${valid[1]}
        while [[ " ${valid[*]} " == *" $c "* ]]; do
                c=$(printf '%06d' $(((10#$c + 1) % 1000000)))
        done
        echo "$c"
}

# --- TOTP seeds first: an activation uses up its step, so the window tests
# below need a later step; the other tests run in the meantime
TOTP_SECRET=$(enroll totpuser)
[ -n "$TOTP_SECRET" ] || { sed 's/^/#   /' "$T/enroll.err"; echo "Bail out! sesamectl totp enroll failed"; exit 1; }
pam_expect "a pending seed is not active: totp=required still refuses totpuser" "$PAM_TEXT_AUTH_ERR" \
        "$(pw totpuser)"$'\n'"$(totp_code "$TOTP_SECRET")" totp totpuser authenticate
ok "... as not set up" grep_out "Two-factor authentication is required but not set up"
ok "activation with a wrong code fails: exit status 1 (sesamed said no)" \
        rc_is 1 sesamectl_run totp activate totpuser <<<"$(wrong_code "$TOTP_SECRET")"
totp_wait_safe
ACT_STEP=$(($(totp_step) - 1))
ok "activation with oathtool's code (previous step)" \
        sesamectl_run totp activate totpuser <<<"$(totp_code "$TOTP_SECRET" -1)"
REC_SECRET=$(enroll recovery)
ok "activate the recovery test's seed" sesamectl_run totp activate recovery <<<"$(totp_code "$REC_SECRET")"
SHA_SECRET=$(enroll totp256 --algorithm sha256 --digits 8)
totp_wait_safe
ok "activate a sha256 / 8-digit seed with oathtool's code" \
        sesamectl_run totp activate totp256 <<<"$(totp_code "$SHA_SECRET" -1 sha256 8)"

# --- passwords ---------------------------------------------------------------
pam_expect "password login (totp=off)" ok "$(pw alice)" pw alice authenticate
pam_expect "wrong password: PAM_AUTH_ERR" "$PAM_TEXT_AUTH_ERR" "Wrong-Passw0rd!" pw alice authenticate
pam_expect "unknown user: PAM_USER_UNKNOWN" "$PAM_TEXT_USER_UNKNOWN" "Whatever-Passw0rd!" pw nosuchuser authenticate
pam_expect "login by email address, then the account phase" ok "$(pw mailuser)" pw m.user@example.test \
        authenticate acct_mgmt
ok "... PAM_USER became the canonical name 'mailuser'" grep_out "PAM_USER=mailuser"
pam_expect "login by alice@example.test" ok "$(pw alice)" pw alice@example.test authenticate acct_mgmt
ok "... PAM_USER=alice" grep_out "PAM_USER=alice"
pam_expect "empty password refused" "$PAM_TEXT_AUTH_ERR" "" pw dave authenticate
ok "... without binding as dave (an empty simple bind is anonymous; slapd logs the user binds)" \
        sh -c "grep -q 'BIND dn=\"uid=alice,$P\"' '$SLAPD_LOG' && ! grep -q 'BIND dn=\"uid=dave,$P\"' '$SLAPD_LOG'"
pam_expect "user names are exact: ALICE is unknown" "$PAM_TEXT_USER_UNKNOWN" "$(pw alice)" pw ALICE authenticate
pam_expect "unknown module option: PAM_SERVICE_ERR" "$PAM_TEXT_SERVICE_ERR" "$(pw alice)" badopt alice authenticate
pam_expect "misspelt option value (totp=reqiured): PAM_SERVICE_ERR" "$PAM_TEXT_SERVICE_ERR" \
        "$(pw alice)" badvalue alice authenticate

# 512 bytes is the limit; longer is refused, never cut (pam-probe: no
# 511-byte cut in its conversation)
LONG=$(printf 'Aa1-%.0s' $(seq 128))
ldap_set longpw "replace: userPassword" "userPassword: $LONG"
probe() { # probe ANSWERS SERVICE USER OPS...: pam-probe, output in $T/probe.out
        local a=$1
        shift
        timeout -k 5 30 "$PROBE" "$@" <<<"$a" >"$T/probe.out" 2>&1
}
ok "a 512-byte password is accepted (pam-probe)" probe "$LONG" pw longpw authenticate
ok "a 513-byte password is refused: PAM_AUTH_ERR (7)" \
        sh -c "printf '%s\n' '${LONG}x' | timeout 30 '$PROBE' pw longpw authenticate | grep -qx 'authenticate: 7 $PAM_TEXT_AUTH_ERR'"
ok "a 4000-byte password is refused: PAM_AUTH_ERR (7)" \
        sh -c "printf '%s\n' '$LONG$LONG$LONG$LONG$LONG$LONG$LONG${LONG:0:416}' | timeout 30 '$PROBE' pw longpw authenticate \
                | grep -qx 'authenticate: 7 $PAM_TEXT_AUTH_ERR'"
ok "... and sesamed never saw them (the module refuses before sending; sesamed logs failures)" \
        sh -c "grep -q 'SESAME_EVENT=login-failed .*USER=alice' '$T/sesamed.log' &&
                ! grep -q 'SESAME_EVENT=login-failed .*USER=longpw' '$T/sesamed.log'"

# --- roles --------------------------------------------------------------------
pam_expect "require_role=admins, auth phase: alice (member) ok" ok "$(pw alice)" role-auth alice authenticate
pam_expect "require_role=admins, auth phase: bob (not a member) refused" "$PAM_TEXT_AUTH_ERR" \
        "$(pw bob)" role-auth bob authenticate
ok "... saying why" grep_out "You do not have the role this service requires."
pam_expect "require_role=admins, account phase: alice ok" ok "" role-acct alice acct_mgmt
pam_expect "require_role=admins, account phase: bob refused (PAM_PERM_DENIED)" "$PAM_TEXT_PERM_DENIED" \
        "" role-acct bob acct_mgmt
ok "... saying why" grep_out "You do not have the role this service requires."
pam_expect "any one of the listed roles is enough (auth and account)" ok "$(pw alice)" role-any alice \
        authenticate acct_mgmt
pam_expect "... and bob has none of them" "$PAM_TEXT_AUTH_ERR" "$(pw bob)" role-any bob authenticate
pam_expect "a role that is the primary group counts (carol, ldapusers)" ok "" role-primary carol acct_mgmt

# --- the account phase --------------------------------------------------------
pam_expect "account phase: alice ok" ok "" acct alice acct_mgmt
pam_expect "disabled account: PAM_PERM_DENIED" "$PAM_TEXT_PERM_DENIED" "" acct disabled acct_mgmt
ok "... 'Your account has been disabled.'" grep_out "Your account has been disabled."
pam_expect "disabled account: refused in auth too, after the password (screen lockers skip acct_mgmt)" \
        "$PAM_TEXT_AUTH_ERR" "$(pw disabled)" pw disabled authenticate
ok "... saying why" grep_out "Your account has been disabled."
pam_expect "... and a wrong password says nothing about it" "$PAM_TEXT_AUTH_ERR" "Guess-Passw0rd!" pw disabled \
        authenticate
ok_fail "... (no reason shown)" grep_out "has been disabled"
pam_expect "expired account (shadowExpire 1): PAM_ACCT_EXPIRED" "$PAM_TEXT_ACCT_EXPIRED" "" acct expired acct_mgmt
ok "... 'Your account has expired.'" grep_out "Your account has expired."
pam_expect "account phase: unknown user" "$PAM_TEXT_USER_UNKNOWN" "" acct nosuchuser acct_mgmt
# shadow(5): the account is expired ON day shadowExpire; a day change
# during the check is detected and the check repeated
expiry_edge() { # expiry_edge OFFSET WANT
        local d0 i
        for i in 1 2; do
                d0=$(($(date +%s) / 86400))
                ldap_set expedge "replace: shadowExpire" "shadowExpire: $((d0 + $1))"
                PAM_OUT=$(pamtester_run "" acct expedge acct_mgmt)
                [ "$(($(date +%s) / 86400))" = "$d0" ] && break
        done
        [[ $(tail -n 1 <<<"$PAM_OUT") == *"$2" ]] || { echo "$PAM_OUT"; return 1; }
}
ok "shadowExpire = today: expired" expiry_edge 0 "pamtester: $PAM_TEXT_ACCT_EXPIRED"
ok "shadowExpire = tomorrow: not yet" expiry_edge 1 "pamtester: account management done."
if [ "$SLAPD_PPOLICY" = 1 ]; then
        ldap_set pplocked "add: pwdAccountLockedTime" "pwdAccountLockedTime: 000001010000Z"
        # (the directory decides at the bind, and a lock is answered as
        # a wrong password: it says nothing before a right password)
        pam_expect "ppolicy-locked account (pwdAccountLockedTime): auth refused as a wrong password" \
                "$PAM_TEXT_AUTH_ERR" "$(pw pplocked)" pw pplocked authenticate
        ok "... the journal says why" \
                grep -q "SESAME_EVENT=login-failed .*USER=pplocked .*REASON=ppolicy-locked" "$T/sesamed.log"
        pam_expect "ppolicy's administrative lock (000001010000Z): account phase PAM_PERM_DENIED" \
                "$PAM_TEXT_PERM_DENIED" "" acct pplocked acct_mgmt
        ok "... 'Your account is locked by the password policy.'" grep_out "locked by the password policy"
else
        diag "slapd has no ppolicy overlay: pwdAccountLockedTime checks skipped"
fi
pam_expect "unconfirmed email, require_confirmed_email off: ok" ok "" acct unconfirmed acct_mgmt
restart_with "track_logins = yes
require_confirmed_email = yes"
pam_expect "require_confirmed_email: unconfirmed refused (PAM_PERM_DENIED)" "$PAM_TEXT_PERM_DENIED" \
        "" acct unconfirmed acct_mgmt
ok "... 'Please confirm your email address before logging in.'" \
        grep_out "Please confirm your email address before logging in."
pam_expect "require_confirmed_email: carol (no sesameAccount class at all) refused" "$PAM_TEXT_PERM_DENIED" \
        "" acct carol acct_mgmt
pam_expect "require_confirmed_email: alice (confirmed) ok" ok "" acct alice acct_mgmt
restart_with "track_logins = yes"

# --- a caller that is not root may only check its own account ----------------
fails_before=$(ldap_attr alice sesameFailureCount)
PAM_AS="10115 10000" pam_expect "non-root caller (uid 10115): its own account works" ok \
        "$(pw selfuser)" pw selfuser authenticate acct_mgmt
PAM_AS="10115 10000" pam_expect "non-root caller: another account's password is not checked (PAM_PERM_DENIED)" \
        "$PAM_TEXT_PERM_DENIED" "$(pw alice)" pw alice authenticate
PAM_AS="10115 10000" pam_expect "non-root caller: nor its account phase" "$PAM_TEXT_PERM_DENIED" "" acct alice acct_mgmt
PAM_AS="10115 10000" pam_expect "non-root caller: a wrong guess for alice is denied too" \
        "$PAM_TEXT_PERM_DENIED" "Guess-Passw0rd!" pw alice authenticate
check "... and counts no failure against alice" "$fails_before" "$(ldap_attr alice sesameFailureCount)"
PAM_AS="10115 10000" pam_expect "non-root caller: an address nobody has looks like another's (no enumeration)" \
        "$PAM_TEXT_PERM_DENIED" "Guess-Passw0rd!" pw nobody@example.test authenticate
pam_expect "root: that address is simply unknown" "$PAM_TEXT_USER_UNKNOWN" "Guess-Passw0rd!" pw \
        nobody@example.test authenticate

# --- lockout ------------------------------------------------------------------
for i in 1 2 3 4; do
        pam_expect "lockme: wrong password $i of 5" "$PAM_TEXT_AUTH_ERR" "Wrong-$i-Passw0rd!" pw lockme authenticate
done
pam_expect "lockme: wrong password 5 of 5 is refused" "$PAM_TEXT_AUTH_ERR" "Wrong-5-Passw0rd!" pw lockme authenticate
pam_expect "locked: the right password now fails as a wrong one would" "$PAM_TEXT_AUTH_ERR" "$(pw lockme)" pw lockme \
        authenticate
ok "... telling a guesser nothing" _not grep_out "is locked"
ok "... the journal says why" grep -q "SESAME_EVENT=login-failed .*USER=lockme .*REASON=locked" "$T/sesamed.log"
pam_expect "locked: the account phase (an SSH key) is not refused" ok "" acct lockme acct_mgmt
ok "the lock is in the directory (sesameLockedUntil in the future)" \
        test "$(ldap_attr lockme sesameLockedUntil)" -gt "$(date +%s)"
ok "sesamectl user show: locked" sh -c "timeout 30 '$SESAMECTL' user show lockme | grep -q '^locked: *yes'"
ok "sesamectl user show --json: locked" sh -c "timeout 30 '$SESAMECTL' --json user show lockme |
        '$PYTHON3' -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)[\"locked\"] is True else 1)'"
ok "sesamectl unlock lockme" sesamectl_run unlock lockme
pam_expect "unlocked: the right password works again" ok "$(pw lockme)" pw lockme authenticate
ok "the lockout was an event" grep -q "SESAME_EVENT=lockout .*USER=lockme" "$T/sesamed.log"

# --- TOTP ---------------------------------------------------------------------
pam_expect "totp=required without a seed: refused" "$PAM_TEXT_AUTH_ERR" \
        "$(pw alice)"$'\n'"123456" totp alice authenticate
ok "... 'Two-factor authentication is required but not set up for your account.'" \
        grep_out "Two-factor authentication is required but not set up"
pam_expect "totp=optional without a seed: the password is enough" ok "$(pw alice)"$'\n' totp-optional alice authenticate

# the window tests run in a step after the activation's
totp_wait_step $((ACT_STEP + 2))
U=totpuser
UPW=$(pw totpuser)
for off in -2 2; do
        totp_wait_safe
        pam_expect "TOTP: the code of step $off is outside the window" "$PAM_TEXT_AUTH_ERR" \
                "$UPW"$'\n'"$(totp_code "$TOTP_SECRET" "$off")" totp "$U" authenticate
done
for off in -1 0 1; do
        totp_wait_safe
        CODE=$(totp_code "$TOTP_SECRET" "$off")
        pam_expect "TOTP: the code of step $off is accepted (a new login)" ok "$UPW"$'\n'"$CODE" totp "$U" authenticate
done
pam_expect "TOTP: replaying the accepted code is refused" "$PAM_TEXT_AUTH_ERR" "$UPW"$'\n'"$CODE" totp "$U" authenticate
totp_wait_safe
pam_expect "TOTP: a wrong code is refused" "$PAM_TEXT_AUTH_ERR" \
        "$UPW"$'\n'"$(wrong_code "$TOTP_SECRET")" totp "$U" authenticate
pam_expect "TOTP: the password alone (empty code) is refused" "$PAM_TEXT_AUTH_ERR" "$UPW"$'\n' totp "$U" authenticate
ok "... without telling that the password was right" _not grep_out "verification code to log in"
ok "... the log says why (REASON=code-needed)" \
        grep -q "SESAME_EVENT=login-failed .*USER=totpuser SERVICE=totp REASON=code-needed" "$T/sesamed.log"
pam_expect "TOTP: totp=optional does not skip the code of an enrolled account" "$PAM_TEXT_AUTH_ERR" \
        "$UPW"$'\n' totp-optional "$U" authenticate
ok "the accepted step is in the directory (replay protection across machines)" \
        test "$(ldap_attr totpuser sesameTotpLastStep)" -ge "$((ACT_STEP + 2))"
ok "users cannot read their own TOTP state (their uid they can)" \
        sh -c "timeout 10 ldapsearch -x -LLL -H '$SLAPD_URI' -D 'uid=totpuser,$P' -w '$UPW' \
                -b 'uid=totpuser,$P' -s base uid sesameTotpSecret sesameTotpLastStep >'$T/self.ldif' &&
                grep -qx 'uid: totpuser' '$T/self.ldif' && ! grep -qi '^sesame' '$T/self.ldif'"
totp_wait_safe
pam_expect "TOTP sha256 / 8 digits (oathtool --totp=sha256 -d 8)" ok \
        "$(pw totp256)"$'\n'"$(totp_code "$SHA_SECRET" 1 sha256 8)" totp totp256 authenticate

# --- recovery codes -----------------------------------------------------------
mapfile -t RC < <(sesamectl_run recovery-codes recovery | grep -E '^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$')
check "sesamectl recovery-codes: 10 codes" 10 "${#RC[@]}"
RPW=$(pw recovery)
pam_expect "a recovery code instead of the TOTP code" ok "$RPW"$'\n'"${RC[0]}" totp recovery authenticate
pam_expect "... works only once" "$PAM_TEXT_AUTH_ERR" "$RPW"$'\n'"${RC[0]}" totp recovery authenticate
pam_expect "another code, typed in upper case without dashes" ok \
        "$RPW"$'\n'"$(tr -d - <<<"${RC[1]^^}")" totp recovery authenticate
check "two codes left unused: 8" 8 "$(timeout 30 "$SESAMECTL" --json user show recovery |
        "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["recovery_codes_left"])')"
ok "recovery-used is an event" grep -q "SESAME_EVENT=recovery-used .*USER=recovery" "$T/sesamed.log"

# --- sessions -----------------------------------------------------------------
pam_expect "session open and close (track_logins)" ok "" pw alice open_session close_session
check "sesameLoginCount written at session open" 1 "$(ldap_attr alice sesameLoginCount)"
ok "sesameLastLogin written" test -n "$(ldap_attr alice sesameLastLogin)"
pam_expect "session of a local user (root): pam_sesame ignores it" ok "" session-local root open_session close_session

# --- password change ----------------------------------------------------------
OLD=$(pw pwchange)
NEW='Tr1cky-Phrase-42'
NEW2='An0ther-Phrase-43'
STAMP0=$(ldap_attr pwchange sesameTokenStamp)
pam_expect "chauthtok: a weak new password is refused (PAM_AUTHTOK_ERR)" "$PAM_TEXT_AUTHTOK_ERR" \
        "$OLD"$'\n'"short"$'\n'"short" passwd pwchange chauthtok
ok "... showing the rules" grep_out "at least 10"
pam_expect "chauthtok: a new password containing the user name is refused" "$PAM_TEXT_AUTHTOK_ERR" \
        "$OLD"$'\n'"Pwchange-1234"$'\n'"Pwchange-1234" passwd pwchange chauthtok
pam_expect "chauthtok: a wrong current password is refused (PAM_AUTH_ERR)" "$PAM_TEXT_AUTH_ERR" \
        "Wrong-Passw0rd!"$'\n'"$NEW"$'\n'"$NEW" passwd pwchange chauthtok
pam_expect "chauthtok: mistyped retype is refused" "$PAM_TEXT_AUTHTOK_ERR" \
        "$OLD"$'\n'"$NEW"$'\n'"${NEW}x" passwd pwchange chauthtok
pam_expect "chauthtok: a disabled account may not set a password (PAM_PERM_DENIED)" "$PAM_TEXT_PERM_DENIED" \
        "$(pw disabled)"$'\n'"$NEW"$'\n'"$NEW" passwd disabled chauthtok
ok "... saying why" grep_out "Your account has been disabled."
whoami_as() { timeout 10 ldapwhoami -x -o nettimeout=5 -H "$SLAPD_URI" -D "uid=$1,$P" -w "$2"; }
ok "nothing changed so far: the old password still binds" whoami_as pwchange "$OLD"
pam_expect "chauthtok (pamtester): old, new, new" ok "$OLD"$'\n'"$NEW"$'\n'"$NEW" passwd pwchange chauthtok
ok "ldapwhoami with the new password" whoami_as pwchange "$NEW"
ok "ldapwhoami with the old password: invalidCredentials (49)" rc_is 49 whoami_as pwchange "$OLD"
ok "the token stamp was replaced" test "$(ldap_attr pwchange sesameTokenStamp)" != "$STAMP0"
ok "passwd(1) as root through pam_sesame" \
        sh -c "printf '%s\n' '$NEW' '$NEW2' '$NEW2' | timeout 30 passwd pwchange"
ok "ldapwhoami with the password set by passwd" whoami_as pwchange "$NEW2"
pam_expect "login with it" ok "$NEW2" pw pwchange authenticate
ok "password-changed is an event" grep -q "SESAME_EVENT=password-changed .*USER=pwchange" "$T/sesamed.log"

# --- events and hooks ---------------------------------------------------------
pam_expect "hookuser logs in" ok "$(pw hookuser)" pw hookuser authenticate
ok "the log has the login event with its MESSAGE_ID" \
        grep -q "SESAME_EVENT=login MESSAGE_ID=e74cc0eef0164119a023e5172bcccb20 USER=hookuser SERVICE=pw" "$T/sesamed.log"
ok "the hook program got the login event on stdin" \
        wait_for 10 sh -c "grep -q '^EVENT=login$' '$T/hook.out' && grep -q '^USER=hookuser$' '$T/hook.out'"
ok "... and its name as the argument" grep -q '^ARGV=login$' "$T/hook.out"
secrets_absent() { # no password, recovery code or seed in the file
        local f=$1 s
        for s in "$(pw alice)" "$(pw lockme)" "$(pw totpuser)" "$(pw recovery)" "$(pw hookuser)" "$(pw selfuser)" \
                "$(pw mailuser)" "$OLD" "$NEW" "$NEW2" "Wrong-Passw0rd!" "Guess-Passw0rd!" "Wrong-5-Passw0rd!" \
                "$LONG" "${RC[0]}" "${RC[1]}" "$TOTP_SECRET" "$REC_SECRET" "$SHA_SECRET"; do
                [ -n "$s" ] || continue
                if grep -qiF -- "$s" "$f"; then
                        echo "found a secret in $f: ${s:0:4}..."
                        return 1
                fi
        done
}
ok "no password, recovery code or seed in sesamed's log" secrets_absent "$T/sesamed.log"
ok "... nor in what the hook got" secrets_absent "$T/hook.out"
# a hook in a directory anybody may write to: anybody could put another
# program under that name between the check and the run
mkdir -m 0777 "$T/open"
sed "s|$T/hook.out|$T/hook2.out|" "$T/hook.sh" >"$T/open/hook.sh"
chmod 0755 "$T/open/hook.sh"
SAFE_HOOKS=$HOOKS
HOOKS="program = $T/open/hook.sh
events = login"
restart_with "track_logins = yes"
pam_expect "hook in a world-writable directory: hookuser logs in" ok "$(pw hookuser)" pw hookuser authenticate
ok "... the hook is refused, saying why" \
        wait_for 10 grep -q "hook $T/open/hook.sh: directory $T/open is writable by group or others; not run" \
        "$T/sesamed.log"
ok "... and did not run" test ! -e "$T/hook2.out"
HOOKS=$SAFE_HOOKS
restart_with ""

# --- the directory or sesamed going away --------------------------------------
slapd_stop "$SLAPD_DIR" >/dev/null
t0=$(ms)
pam_expect "slapd stopped: PAM_AUTHINFO_UNAVAIL" "$PAM_TEXT_AUTHINFO_UNAVAIL" "$(pw slowuser)" pw slowuser authenticate
ok "... within 12 s (took $(($(ms) - t0)) ms)" test $(($(ms) - t0)) -le 12000
pam_expect "slapd stopped: the account phase refuses, it cannot check (PAM_PERM_DENIED)" "$PAM_TEXT_PERM_DENIED" \
        "" acct slowuser acct_mgmt
ok "... saying why" grep_out "cannot be checked right now"
t0=$(ms)
pam_expect "slapd stopped: a local account (root) is not sesame's: PAM_USER_UNKNOWN" "$PAM_TEXT_USER_UNKNOWN" \
        "" acct root acct_mgmt
ok "... at once, without the directory (took $(($(ms) - t0)) ms)" test $(($(ms) - t0)) -le 3000
slapd_restart "$SLAPD_DIR" >/dev/null || diag "slapd restart failed"
ok "slapd back: logins work again (sesamed reconnects by itself)" \
        wait_for 20 pamtester_run "$(pw slowuser)" pw slowuser authenticate
slapd_pause "$SLAPD_DIR"
t0=$(ms)
pam_expect "slapd hung (SIGSTOP): PAM_AUTHINFO_UNAVAIL" "$PAM_TEXT_AUTHINFO_UNAVAIL" "$(pw slowuser)" pw slowuser \
        authenticate
ok "... within 12 s (took $(($(ms) - t0)) ms)" test $(($(ms) - t0)) -le 12000
slapd_resume "$SLAPD_DIR"
ok "slapd resumed: logins work again" wait_for 20 pamtester_run "$(pw slowuser)" pw slowuser authenticate

# sesamed killed while a request hangs in it (the directory is hung)
slapd_pause "$SLAPD_DIR"
(
        pamtester_run "$(pw slowuser)" pw slowuser authenticate >"$T/kill.out"
        echo $? >"$T/kill.rc"
) &
KILL_JOB=$!
in_sesamed() { ss -xHn state established 2>/dev/null | grep -qF "/run/sesame/pam.sock"; }
ok "the request reached sesamed" wait_for 10 in_sesamed
ok "... and has no answer yet" test ! -e "$T/kill.rc"
kill -KILL "$SESAMED_PID"
wait "$SESAMED_PID" 2>/dev/null
SESAMED_PID=
t0=$(ms)
wait "$KILL_JOB"
ok "sesamed SIGKILLed mid-request: pamtester returns (took $(($(ms) - t0)) ms)" test -e "$T/kill.rc"
check "... with PAM_AUTHINFO_UNAVAIL, never success" "pamtester: $PAM_TEXT_AUTHINFO_UNAVAIL" \
        "$(tail -n 1 "$T/kill.out" | sed 's/^.*\(pamtester: \)/\1/')"
slapd_resume "$SLAPD_DIR"
t0=$(ms)
pam_expect "no sesamed at all: PAM_AUTHINFO_UNAVAIL" "$PAM_TEXT_AUTHINFO_UNAVAIL" "$(pw slowuser)" pw slowuser \
        authenticate
ok "... at once (took $(($(ms) - t0)) ms)" test $(($(ms) - t0)) -le 3000
# a directory account may still resolve without sesamed (nscd's cache):
# unchecked, it is refused; a local account is left to the other modules
pam_expect "no sesamed: a directory account is refused in the account phase (PAM_PERM_DENIED)" \
        "$PAM_TEXT_PERM_DENIED" "" acct slowuser acct_mgmt
ok "... saying why" grep -q "cannot be checked right now" "$T/pam.out"
local_user "localacct:x:10199:10199::/nonexistent:/bin/sh"
pam_expect "no sesamed: a local account is left to the other modules (PAM_AUTHINFO_UNAVAIL)" \
        "$PAM_TEXT_AUTHINFO_UNAVAIL" "" acct localacct acct_mgmt
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# SSH login with password + TOTP through the real OpenSSH server: a private
# sshd (tests/lib/sshd.sh) on 127.0.0.1 whose /etc/pam.d/sshd uses the built
# pam_sesame.so (auth totp=required, account, session), users from LDAP
# through the built libnss_sesame, and a paramiko client
# (tests/lib/ssh-login.py) answering the keyboard-interactive prompts.
# Every expected code comes from oathtool.  Fixture: tests/lib/fixture.md
# (the account reserved for this test: sshuser).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"
# shellcheck source=tests/lib/sshd.sh
. "$HARNESS_LIB/sshd.sh"

U=sshuser
U_UID=10114
U_PW=Sshuser-Passw0rd!

_ssh_cleanup() {
        local rc=$?
        sshd_stop
        if [ "${_tap_failed:-0}" != 0 ] && [ -n "${SSHD_LOG:-}" ] && [ -f "$SSHD_LOG" ]; then
                echo "# --- $SSHD_LOG (tail)"
                tail -40 "$SSHD_LOG" | sed 's/^/#   /'
        fi
        harness_cleanup
        return $rc
}
trap _ssh_cleanup EXIT

for f in "$PAM_SESAME" "$SESAMECTL"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# a supplementary LDAP group for the ssh user (its primary group is
# ldapusers), before sesamed caches anything
# shellcheck disable=SC2119
printf 'dn: cn=engineers,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: %s\n' \
        "$SLAPD_BASE" "$U" | slapd_ldapmodify >/dev/null || { echo "Bail out! ldapmodify"; exit 1; }

# this test makes four failed logins; the lockout is not what it checks
EXTRA_AUTH="max_failures = 20" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ctl() { sesamectl_run -c "$T/sesame.conf" "$@"; }

sshd_pam_sesame totp=required >"$T/pam-sshd"
sshd_start "$T/sshd" "$T/pam-sshd" || { echo "Bail out! sshd did not start"; exit 1; }
diag "sshd on 127.0.0.1:$SSHD_PORT (pid $SSHD_PID)"

# login MODE PASSWORD CODE [OPTIONS...]: ssh-login.py as $U; its status in
# LAST_RC (0 in, 1 refused, 2 connection error, 3 command failed, 4 unknown
# prompt), stdout in $T/login.out, the client's report in $T/login.err,
# the sshd log lines written during the attempt in $T/login.log
login() {
        local mode=$1 pw=$2 code=$3 before
        shift 3
        before=$(wc -c <"$SSHD_LOG")
        SESAMED_BEFORE=$(wc -c <"$T/sesamed.log")
        SSH_LOGIN_PASSWORD=$pw SSH_LOGIN_CODE=$code ssh_login "$U" --mode "$mode" --timeout 15 "$@" \
                >"$T/login.out" 2>"$T/login.err"
        LAST_RC=$?
        # sshd logs the result before it answers; the rest of the
        # connection's lines follow soon after
        sleep 0.2
        tail -c +$((before + 1)) "$SSHD_LOG" >"$T/login.log"
}
# report: what the last login printed (for a failing check)
report() { sed 's/^/#   /' "$T/login.err" "$T/login.out"; grep -v debug1 "$T/login.log" | sed 's/^/#   log: /' | head -15; }
# expect_status DESC WANT: the last login's client status was WANT
expect_status() {
        check "$1" "$2" "$LAST_RC"
        [ "$LAST_RC" = "$2" ] || report
}
# refused_by_pam DESC: sshd logged that PAM (pam_sesame's auth) refused,
# an authentication failure, not an unavailable service
refused_by_pam() {
        ok "$1" sh -c "grep -q 'PAM: Authentication failure for $U from' '$T/login.log' &&
                grep -q 'Failed keyboard-interactive/pam for $U from' '$T/login.log' &&
                ! grep -q 'Accepted' '$T/login.log'"
}
# event DESC REGEX: sesamed logged a line matching REGEX (an event of
# doc/events.md) since the last login started (waits up to 5 s)
event() {
        ok "$1" wait_for 5 sh -c "tail -c +$((SESAMED_BEFORE + 1)) '$T/sesamed.log' | grep -qE -- '$2'"
}
EV="USER=$U SERVICE=sshd RHOST=127.0.0.1"
# prompted DESC ANSWERS: the client was asked and answered exactly ANSWERS
prompted() {
        check "$1" "$2" "$(sed -n 's/^prompt: .* -> //p' "$T/login.err" | paste -sd, -)"
}

# --- enrolment (sesamectl, activated with a code from oathtool)
ctl --json totp enroll "$U" --no-activate >"$T/enroll.json" 2>"$T/enroll.err"
check "totp enroll --json --no-activate" 0 "$?"
read -r SECRET TOTP_ALG TOTP_DIGITS TOTP_PERIOD < <(/usr/bin/python3 - "$T/enroll.json" <<'EOF'
import json, sys, urllib.parse
try:
    j = json.load(open(sys.argv[1]))
    q = urllib.parse.parse_qs(urllib.parse.urlparse(j["uri"]).query)
    print(j["secret"], q.get("algorithm", ["SHA1"])[0].lower(), q.get("digits", ["6"])[0],
          q.get("period", ["30"])[0])
except Exception as e:
    print("- - - -")
EOF
)
if [ -z "${SECRET:-}" ] || [ "$SECRET" = - ]; then
        sed 's/^/#   /' "$T/enroll.json" "$T/enroll.err"
        echo "Bail out! no secret from sesamectl totp enroll"
        exit 1
fi
diag "TOTP $TOTP_ALG, $TOTP_DIGITS digits, ${TOTP_PERIOD}s"

# otp OFFSET: oathtool's code for the step OFFSET steps from now
otp() { totp_code "$SECRET" "$1" "$TOTP_ALG" "$TOTP_DIGITS" "$TOTP_PERIOD"; }

# A safe point: at least 12 s left in the current step S, so that the codes
# computed next are all computed within S, and keep their meaning however
# the steps tick meanwhile: S-1 is still inside sesamed's window (1 step)
# when the activation is checked; S and S+1 stay valid until S+2 ends.
totp_wait_safe 12 "$TOTP_PERIOD"
C_PREV=$(otp -1)
C_NOW=$(otp 0)
C_NEXT=$(otp 1)
near="$C_PREV $C_NOW $C_NEXT $(otp -2) $(otp 2)"
# a well-formed code that is none of the codes within two steps of S
C_WRONG=$(printf '%0*d' "$TOTP_DIGITS" $(((10#$C_NOW + 1) % 10 ** TOTP_DIGITS)))
while [[ " $near " == *" $C_WRONG "* ]]; do
        C_WRONG=$(printf '%0*d' "$TOTP_DIGITS" $(((10#$C_WRONG + 7) % 10 ** TOTP_DIGITS)))
done

# activation with the previous step's code: S and S+1 are left unused
ok "totp activate with oathtool's code" ctl totp activate "$U" "$C_PREV"

# --- password + code: logged in, id answers from LDAP
login kbd "$U_PW" "$C_NOW"
expect_status "password + current code: logged in, id ran" 0
prompted "asked for the password, then the code" "password,code"
check "id in the session: the LDAP user, uid and groups" \
        "uid=$U_UID($U) gid=10000(ldapusers) groups=10000(ldapusers),10010(engineers)" \
        "$(cat "$T/login.out")"
ok "sshd accepted keyboard-interactive/pam" grep -q "Accepted keyboard-interactive/pam for $U from 127.0.0.1" "$T/login.log"
event "sesamed: login event with sshd's service and remote host" "SESAME_EVENT=login MESSAGE_ID=[0-9a-f]+ $EV"
event "sesamed: the PAM session was opened" "SESAME_EVENT=session-open MESSAGE_ID=[0-9a-f]+ $EV"
event "sesamed: and closed" "SESAME_EVENT=session-close MESSAGE_ID=[0-9a-f]+ $EV"

# --- the same code again (a second connection): a replay
login kbd "$U_PW" "$C_NOW"
expect_status "the same code replayed on a second connection: refused" 1
prompted "the replay got as far as the code" "password,code"
refused_by_pam "the replay was refused by PAM (authentication failure)"
event "sesamed: the replay failed on the code" "SESAME_EVENT=login-failed .*$EV.* REASON=bad-code"

# --- a wrong code with the right password
login kbd "$U_PW" "$C_WRONG"
expect_status "right password, wrong code: refused" 1
refused_by_pam "the wrong code was refused by PAM"
event "sesamed: the wrong code failed on the code" "SESAME_EVENT=login-failed .*$EV.* REASON=bad-code"

# --- clients that have only the password
login kbd-no-code "$U_PW" ""
expect_status "keyboard-interactive with the password and an empty code: refused" 1
prompted "the password-only client was asked for a code" "password,empty code"
refused_by_pam "the empty code was refused by PAM"
event "sesamed: a code was needed" "SESAME_EVENT=login-failed .*$EV.* REASON=code-needed"

login password "$U_PW" ""
expect_status "password authentication (no keyboard-interactive): refused" 1
ok "the server offers keyboard-interactive only" grep -q 'method not allowed (server allows keyboard-interactive)$' "$T/login.err"
ok "the password method never reached PAM" _not grep -qE 'method keyboard-interactive|keyboard-interactive/pam|PAM: Authentication' "$T/login.log"

# --- a wrong password with a valid, unused code (which a refused login
# must not spend: the next login uses it)
login kbd "Wrong-Passw0rd!" "$C_NEXT"
expect_status "wrong password, valid unused code: refused" 1
refused_by_pam "the wrong password was refused by PAM"
event "sesamed: the wrong password failed on the password" "SESAME_EVENT=login-failed .*$EV.* REASON=bad-password"

# --- after all that, the next step's code still logs in: the refusals
# above were about the code or the password, not a broken service
login kbd "$U_PW" "$C_NEXT"
expect_status "password + next step's code (unused): logged in" 0
check "id again" "uid=$U_UID($U) gid=10000(ldapusers) groups=10000(ldapusers),10010(engineers)" \
        "$(cat "$T/login.out")"

# --- secrets never logged; no sanitizer report from the modules in sshd
for f in "$SSHD_LOG" "$T/sesamed.log" "$SLAPD_LOG"; do
        ok "no password in $(basename "$f")" _not grep -qF -e "$U_PW" -e "Wrong-Passw0rd!" "$f"
        ok "no TOTP seed in $(basename "$f")" _not grep -qF "$SECRET" "$f"
done
for f in "$SSHD_LOG" "$T/sesamed.log"; do
        ok "no code in $(basename "$f")" _not grep -qw -e "$C_PREV" -e "$C_NOW" -e "$C_NEXT" -e "$C_WRONG" "$f"
done
ok "no sanitizer report in the sshd log" _not grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$SSHD_LOG"
ok "sshd is still running" kill -0 "$SSHD_PID"

done_testing

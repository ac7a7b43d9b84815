#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# SSH login with password + TOTP through the real OpenSSH server: a private
# sshd (tests/lib/sshd.sh) on 127.0.0.1 whose /etc/pam.d/sshd uses the built
# pam_sesame.so (auth totp=required, account, session), users from LDAP
# through the built libnss_sesame, and a paramiko client
# (tests/lib/ssh-login.py) answering the keyboard-interactive prompts.
# Every expected code comes from oathtool.
#
# Then public-key logins through a second sshd (publickey only, so PAM's
# auth phase never runs): pam_sesame's account phase must still refuse
# disabled, expired, locked and unconfirmed accounts and accounts without a
# required role (require_role=), and tell the person why: sshd sends the
# account phase's PAM messages to a publickey client as a banner before it
# closes the connection (and logs the refusal).
#
# Fixture: tests/lib/fixture.md (the account reserved for this test:
# sshuser; read only: alice, disabled, expired, unconfirmed).
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
ok "totp activate with oathtool's code" ctl totp activate "$U" <<<"$C_PREV"

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
ok "the password method never reached PAM (sshd logged the connection, no PAM)" \
        sh -c "grep -q 'Connection from 127.0.0.1' '$T/login.log' &&
                ! grep -qE 'method keyboard-interactive|keyboard-interactive/pam|PAM: Authentication' '$T/login.log'"

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

# ---------------------------------------------------------------------------
# Public-key logins: a second sshd (publickey only; UsePAM yes runs the
# account and session phases of pam_sesame, never its auth phase) and a
# sesamed that also requires a confirmed email address
sshd_stop
EXTRA_AUTH=$'max_failures = 20\nrequire_confirmed_email = yes' sesamed_config >"$T/sesame-pk.conf"
sesamed_restart "$T/sesame-pk.conf" || { echo "Bail out! sesamed did not restart"; exit 1; }
sshd_pam_sesame_pubkey >"$T/pam-sshd-pk"
sshd_start "$T/sshd-pk" "$T/pam-sshd-pk" pubkey || { echo "Bail out! the pubkey sshd did not start"; exit 1; }
diag "pubkey sshd on 127.0.0.1:$SSHD_PORT (pid $SSHD_PID), keys in $SSHD_KEYS_DIR"
mkdir -m 0700 "$T/keys"
for u in "$U" alice disabled expired unconfirmed; do
        if ! { ssh-keygen -q -t ed25519 -N '' -C "$u@sesame-test" -f "$T/keys/$u" &&
                sshd_authorize_key "$u" "$T/keys/$u.pub"; }; then
                echo "Bail out! no key for $u"
                exit 1
        fi
done

# pk_login USER [KEY]: ssh-login.py --mode pubkey as USER with KEY
# (default: USER's key); results as for login
pk_login() {
        local user=$1 key=${2:-$T/keys/$1} before
        before=$(wc -c <"$SSHD_LOG")
        SESAMED_BEFORE=$(wc -c <"$T/sesamed.log")
        ssh_login "$user" --mode pubkey --key "$key" --timeout 15 >"$T/login.out" 2>"$T/login.err"
        LAST_RC=$?
        sleep 0.2
        tail -c +$((before + 1)) "$SSHD_LOG" >"$T/login.log"
}
# since REGEX: sesamed's log since the last login has a line matching REGEX
since() { tail -c +$((SESAMED_BEFORE + 1)) "$T/sesamed.log" | grep -qE -- "$1"; }
# pk_refused USER REASON MESSAGE: USER's valid key, then the account phase
# refused: the client was told MESSAGE (an extended regex) in the banner,
# sshd logged the PAM refusal, sesamed the account-refused event with
# REASON; nothing of the auth phase (no login, no login-failed event) and
# no session
pk_refused() {
        local u=$1 reason=$2 msg=$3
        pk_login "$u"
        diag "$u was told: $(sed -n 's/^banner: //p' "$T/login.err" | paste -sd '|' -)"
        expect_status "$u, valid key: refused" 1
        ok "$u: the key was accepted, then the server closed the connection" \
                grep -qx 'refused: connection closed by the server during authentication' "$T/login.err"
        ok "$u: the client was told why ($msg)" grep -qE "^banner: .*$msg" "$T/login.err"
        ok "$u: sshd logged the PAM account refusal" \
                grep -q "Access denied for user $u by PAM account configuration" "$T/login.log"
        ok "$u: sshd let no session start" _not grep -qE "Accepted publickey for $u |session opened" "$T/login.log"
        event "$u: sesamed: account-refused, REASON=$reason" \
                "SESAME_EVENT=account-refused MESSAGE_ID=[0-9a-f]+ USER=$u SERVICE=sshd RHOST=127.0.0.1 REASON=$reason\$"
        ok "$u: no auth phase, no session (no login, login-failed or session event)" \
                _not since "SESAME_EVENT=(login|login-failed|session-open) .*USER=$u "
}

# --- sshuser's key: logged in, with the account and session phases
pk_login "$U"
expect_status "pubkey: $U with its key logged in, id ran" 0
check "pubkey: id in the session: the LDAP user, uid and groups" \
        "uid=$U_UID($U) gid=10000(ldapusers) groups=10000(ldapusers),10010(engineers)" \
        "$(cat "$T/login.out")"
ok "pubkey: sshd accepted publickey" grep -q "Accepted publickey for $U from 127.0.0.1" "$T/login.log"
ok "pubkey: no banner (the account phase had nothing to say)" _not grep -q '^banner:' "$T/login.err"
event "pubkey: sesamed: the PAM session was opened" "SESAME_EVENT=session-open MESSAGE_ID=[0-9a-f]+ $EV"
event "pubkey: sesamed: and closed" "SESAME_EVENT=session-close MESSAGE_ID=[0-9a-f]+ $EV"
ok "pubkey: no login event (the auth phase never ran)" _not since "SESAME_EVENT=login(-failed)? "

# --- a key that is not the user's: sshd refuses it itself, PAM is never asked
pk_login "$U" "$T/keys/alice"
expect_status "pubkey: $U with alice's key: refused" 1
ok "pubkey: refused by sshd (an authentication failure, the connection stays up)" \
        sh -c "grep -q '^refused: ' '$T/login.err' && ! grep -q 'connection closed by the server' '$T/login.err'"
ok "pubkey: sshd found no such key for $U" \
        sh -c "grep -q 'Failed publickey for $U from 127.0.0.1' '$T/login.log' && ! grep -q 'Accepted key' '$T/login.log'"
ok "pubkey: the account phase never ran" _not grep -q 'by PAM account configuration' "$T/login.log"
ok_refused "pubkey: sesamed heard nothing of it (while it answers)" since "SESAME_EVENT=.*USER=$U "

# --- accounts that may not log in, each with a valid key
pk_refused disabled disabled 'has been disabled'
pk_refused expired expired 'has expired'
pk_refused unconfirmed unconfirmed 'confirm your email'
# locked: sesamed's lock after too many failures, set as the rootdn.  It
# guards password and code checks only: whoever knows a user name can
# cause it, so it must not keep the owner's key out
# shellcheck disable=SC2119
printf 'dn: uid=%s,ou=people,%s\nchangetype: modify\nreplace: sesameLockedUntil\nsesameLockedUntil: %s\n' \
        "$U" "$SLAPD_BASE" $(($(date +%s) + 600)) | slapd_ldapmodify >/dev/null ||
        { echo "Bail out! ldapmodify (lock)"; exit 1; }
pk_login "$U"
expect_status "pubkey: $U, locked after failures, logs in with its key" 0
ok "pubkey: ... and sesamed refused nothing" _not since "SESAME_EVENT=account-refused .*USER=$U "
# shellcheck disable=SC2119
printf 'dn: uid=%s,ou=people,%s\nchangetype: modify\ndelete: sesameLockedUntil\n' "$U" "$SLAPD_BASE" |
        slapd_ldapmodify >/dev/null || { echo "Bail out! ldapmodify (unlock)"; exit 1; }

# --- require_role=admins (sshd reads /etc/pam.d/sshd for each connection)
sshd_pam_sesame_pubkey require_role=admins >"$T/pam-sshd-pk-role"
pam_service sshd <"$T/pam-sshd-pk-role" || { echo "Bail out! pam_service"; exit 1; }
pk_refused "$U" role 'role this service requires'
pk_login alice
expect_status "require_role=admins: alice (in admins) with her key logged in" 0
ok "require_role=admins: id shows alice and admins" \
        grep -qE '^uid=10001\(alice\) gid=10000\(ldapusers\) groups=.*10011\(admins\)' "$T/login.out"
ok "require_role=admins: sshd accepted alice's key" grep -q "Accepted publickey for alice from 127.0.0.1" "$T/login.log"
event "require_role=admins: sesamed: alice's session was opened" \
        "SESAME_EVENT=session-open MESSAGE_ID=[0-9a-f]+ USER=alice SERVICE=sshd RHOST=127.0.0.1"

ok "no sanitizer report in the pubkey sshd log" _not grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$SSHD_LOG"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
ok "the pubkey sshd is still running" kill -0 "$SSHD_PID"

done_testing

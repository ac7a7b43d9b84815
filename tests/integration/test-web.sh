#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesamed's side of the self-service links, on web.sock: who may ask
# there (root and the [web] user only), the mails it leaves in the spool,
# and every way a reset or confirmation token must be refused.  Requests
# are sent by tests/lib/rawclient.py as the web user; passwords are
# checked with ldapwhoami against the real slapd.
# Fixture: tests/lib/fixture.md (--login: alice has alice@example.test).
# (sesame-web itself is not started: tests/lib/web.sh for web, binds,
# confirmed and rc_of)
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

[ -e "$SESAMED" ] || bail_out "$SESAMED is not built"
SPOOL=$T/spool

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || bail_out "slapd did not start"
local_user "sesame-web:x:$WEB_UID:$WEB_UID::/nonexistent:/usr/sbin/nologin"
EXTRA_WEB="base_url = https://login.example.test/self" EXTRA_MAIL="spool_dir = $SPOOL" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"

web_as() {
        local uid=$1
        shift
        "$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/web.sock --as-uid "$uid" "$@"
}
# spooled: the number of messages in new/
spooled() { find "$SPOOL/new" -type f 2>/dev/null | wc -l; }
# next_mail: the text of the next message not taken before, waiting for it
# (a request is answered before its mail is written) at most 5 s; each
# request below makes at most one, and its mail is taken before the next
next_mail() { spool_next_mail "$SPOOL"; }
# token_of MAIL-TEXT: the token of its link
token_of() { sed -n 's/^Link: .*?token=//p' <<<"$1"; }
# wait_spooled N: until N messages are there (the request is answered
# before the mail is written), at most 5 s
# (the count is taken anew each round: "test $(spooled)" would count once)
spooled_at_least() { [ "$(spooled)" -ge "$1" ]; }
wait_spooled() { wait_for 5 spooled_at_least "$1"; }

# --- who may ask ---------------------------------------------------------------
ok "web.sock exists, mode 0666, owned by root" \
        sh -c '[ "$(stat -c %a:%u /run/sesame/web.sock)" = 666:0 ]'
check "the web user is answered" 0 "$(rc_of web web-reset-request nobody-here)"
check "another uid gets no answer (closed)" 3 "$(rc_of web_as 1000 web-reset-request alice)"
check "nobody (65534) gets no answer" 3 "$(rc_of web_as 65534 web-reset-request alice)"
check "root is answered" 0 "$(rc_of web_as 0 web-reset-request nobody-here)"
check "the web user is nobody on admin.sock" 3 \
        "$(rc_of as_uid "$WEB_UID" "$WEB_UID" "$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/admin.sock user-show alice)"
check "nor can it ask for a login on web.sock" 3 "$(rc_of web auth alice --password 'Alice-Passw0rd!')"
check "unknown accounts got no mail" 0 "$(spooled)"

# --- forgot password ------------------------------------------------------------
ok "a reset for alice: OK" web web-reset-request alice
ok "... a mail is spooled" wait_spooled 1
MAIL=$(next_mail)
check "... to alice's address" "To: alice@example.test" "$(grep '^To:' <<<"$MAIL")"
check "... template reset" "Template: reset" "$(grep '^Template:' <<<"$MAIL")"
ok "... its link starts with base_url" grep -q '^Link: https://login.example.test/self/reset?token=[A-Za-z0-9_-]\{83\}$' <<<"$MAIL"
ok "... the spool file is the web user's, mode 0600" \
        sh -c "[ \"\$(stat -c %a:%u '$(find "$SPOOL/new" -type f | head -1)')\" = 600:$WEB_UID ]"
ok "... and new/ is the web user's, tmp/ and the spool root's" \
        sh -c "[ \"\$(stat -c %u '$SPOOL/new'):\$(stat -c %u '$SPOOL/tmp'):\$(stat -c %u '$SPOOL')\" = $WEB_UID:0:0 ]"
ok "... no token in sesamed's log" sh -c "! grep -q '$(token_of "$MAIL")' '$T/sesamed.log'"
TOKEN=$(token_of "$MAIL")

check "unknown name: the same answer" "$(web web-reset-request alice)" "$(web web-reset-request no-such-user)"
check "unknown address: the same answer" "$(web web-reset-request alice@example.test)" \
        "$(web web-reset-request nobody@example.test)"
ok "... (the requests for alice spooled two more mails)" wait_spooled 3
sleep 0.5
check "... and the unknown ones none" 3 "$(spooled)"
next_mail >/dev/null
TOKEN2=$(token_of "$(next_mail)")

ok "the token checks" web web-reset-check "$TOKEN"
check "a weak password is BAD_PASSWORD, with the rules" 17 \
        "$(rc_of web web-reset-redeem "$TOKEN" --new-password short)"
ok "... and the token is not spent by it" web web-reset-check "$TOKEN"
TAMPERED=${TOKEN:0:40}$([ "${TOKEN:40:1}" = A ] && echo B || echo A)${TOKEN:41}
check "a tampered token is REFUSED" 16 "$(rc_of web web-reset-redeem "$TAMPERED" --new-password 'Fresh-Passw0rd-1')"
check "... with REASON TOKEN" "REASON=TOKEN" "$(web web-reset-check "$TAMPERED" | grep REASON)"

# failures counted on alice, to see them cleared
for _ in 1 2; do binds alice wrong || true; done
"$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/pam.sock auth alice --password wrong --totp-mode off >/dev/null 2>&1
check "alice has a failure counted" 1 "$("$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/admin.sock user-show alice | sed -n 's/^FAILURES=//p')"

# two redeems of one token at once: exactly one wins
web web-reset-redeem "$TOKEN" --new-password 'Fresh-Passw0rd-1' >"$T/r1" 2>&1 &
A=$!
web web-reset-redeem "$TOKEN" --new-password 'Other-Passw0rd-2' >"$T/r2" 2>&1 &
B=$!
wait $A; RA=$?
wait $B; RB=$?
check "two redeems of one link at once: one OK, one REFUSED" "0 16" "$(printf '%s\n' $RA $RB | sort -n | xargs)"
NEWPW='Fresh-Passw0rd-1'
[ "$RB" = 0 ] && NEWPW='Other-Passw0rd-2'
ok "ldapwhoami with the new password" binds alice "$NEWPW"
ok "... the old one fails" _not binds alice 'Alice-Passw0rd!'
check "Sesame's failure count is cleared" "" \
        "$("$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/admin.sock user-show alice | sed -n 's/^FAILURES=//p')"
check "the link used again: REFUSED" 16 "$(rc_of web web-reset-redeem "$TOKEN" --new-password 'Third-Passw0rd-3')"
check "the other outstanding link died with the change" 16 "$(rc_of web web-reset-check "$TOKEN2")"
ok "a \"password changed\" mail is spooled" wait_spooled 4
MAIL=$(next_mail)
check "... template password-changed" "Template: password-changed" "$(grep '^Template:' <<<"$MAIL")"
ok "... and no link in it" _not grep -q '^Link:' <<<"$MAIL"

# --- a later password change through PAM kills a link ---------------------------
web web-reset-request alice >/dev/null
TOKEN3=$(token_of "$(next_mail)")
ok "a fresh link checks" web web-reset-check "$TOKEN3"
ok "alice changes her password (CHAUTHTOK)" "$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/pam.sock \
        chauthtok alice --password "$NEWPW" --new-password 'Fourth-Passw0rd-4'
check "... the link is dead" 16 "$(rc_of web web-reset-redeem "$TOKEN3" --new-password 'Fifth-Passw0rd-5')"
ok "... and the password is the one she set" binds alice 'Fourth-Passw0rd-4'
MAIL=$(next_mail)
check "... and a \"password changed\" mail is spooled for it" "Template: password-changed To: alice@example.test" \
        "$(grep -E '^(Template|To):' <<<"$MAIL" | xargs)"

# --- expired --------------------------------------------------------------------
sesamed_stop
EXTRA_WEB="base_url = https://login.example.test/self
reset_lifetime = 5" EXTRA_MAIL="spool_dir = $SPOOL" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not restart"
web web-reset-request bob >/dev/null
MAIL=$(next_mail)
check "... to bob" "User: bob" "$(grep '^User:' <<<"$MAIL")"
TOKEN4=$(token_of "$MAIL")
EXPIRES=$(sed -n 's/^Expires: //p' <<<"$MAIL")
check "bob's link expires reset_lifetime (5 s) after it was made" 5 \
        "$((EXPIRES - $(sed -n 's/^Created: //p' <<<"$MAIL")))"
ok "... it checks before" web web-reset-check "$TOKEN4"
while [ "$(date +%s)" -lt "$EXPIRES" ]; do sleep 0.2; done
check "... and is REFUSED from then on" 16 "$(rc_of web web-reset-redeem "$TOKEN4" --new-password 'Fresh-Passw0rd-6')"
ok "... and bob's password is unchanged" binds bob 'Bob-Passw0rd!'

# --- confirmation ---------------------------------------------------------------
ldap_mod() {
        local u=$1
        shift
        printf '%s\n' "dn: uid=$u,$P" "changetype: modify" "$@" | slapd_ldapmodify >/dev/null
}
# carol has no sesameAccount class yet (fixture.md): the confirmation adds it
check "carol is unconfirmed" 0 "$(confirmed carol)"
N=$(spooled)
ok "a confirmation for carol: OK" web web-confirm-request carol
ok "... a mail is spooled" wait_spooled $((N + 1))
MAIL=$(next_mail)
check "... template confirm" "Template: confirm" "$(grep '^Template:' <<<"$MAIL")"
check "... to carol's address" "To: carol@example.test" "$(grep '^To:' <<<"$MAIL")"
ok "... its link is base_url/confirm" grep -q '^Link: https://login.example.test/self/confirm?token=' <<<"$MAIL"
CTOKEN=$(token_of "$MAIL")
check "a confirmation token cannot reset a password" 16 \
        "$(rc_of web web-reset-redeem "$CTOKEN" --new-password 'N3w-Carol-Passw0rd')"
check "... nor pass a reset check" 16 "$(rc_of web web-reset-check "$CTOKEN")"
ok "... and carol's password is unchanged" binds carol 'Carol-Passw0rd!'
web web-reset-request carol >/dev/null
RTOKEN=$(token_of "$(next_mail)")
check "a reset token cannot confirm an address" 16 "$(rc_of web web-confirm-redeem "$RTOKEN")"
check "... carol is still unconfirmed" 0 "$(confirmed carol)"
ok "the confirmation link confirms" web web-confirm-redeem "$CTOKEN"
check "... sesameEmailConfirmed is set" 1 "$(confirmed carol)"
check "... used twice: REFUSED" 16 "$(rc_of web web-confirm-redeem "$CTOKEN")"
N=$(spooled)
ok "a confirmation asked again for the confirmed carol: OK" web web-confirm-request carol
sleep 0.5
check "... but no mail" "$N" "$(spooled)"

# an address changed after the link was sent: the link does not confirm the new one
ldap_mod bob "delete: sesameEmailConfirmed"
web web-confirm-request bob >/dev/null
CTOKEN2=$(token_of "$(next_mail)")
ldap_mod bob "replace: mail" "mail: bob.new@example.test"
check "a link for the old address does not confirm the new one" 16 "$(rc_of web web-confirm-redeem "$CTOKEN2")"
check "... bob stays unconfirmed" 0 "$(confirmed bob)"

# --- values that must not reach a mail header -------------------------------------
N=$(spooled)
ok "CR/LF in the login name: OK, as any unknown name" web web-reset-request $'alice@example.test\r\nBcc: x@evil.test'
sleep 0.5
check "... and nothing spooled" "$N" "$(spooled)"
# a user who may edit their own mail attribute puts a line break in it
ok "the directory takes an address with CR LF for dave" slapd_ldapmodify <<EOF
dn: uid=dave,$P
changetype: modify
replace: mail
mail:: $(printf 'dave@example.test\r\nBcc: x@evil.test' | base64 -w0)
EOF
N=$(spooled)
ok "a reset for dave: OK, as for anyone" web web-reset-request dave
sleep 0.5
check "... but nothing spooled" "$N" "$(spooled)"
ok "... and why is logged" grep -q "password reset requested for .*dave.*no mail" "$T/sesamed.log"
ok "no spool file has a Bcc line" sh -c "! grep -rqi '^Bcc' '$SPOOL'"

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The security notices through a real SMTP server on loopback
# (tests/lib/smtp-sink.py, Debian's aiosmtpd, with STARTTLS and AUTH):
# after the real action, each notice arrives exactly once, to the address
# on the account, with its subject and a line on what to do if it was not
# the user.  "Your password was changed" after pamtester chauthtok and
# after sesamectl password; "two-factor authentication was turned on /
# off" after sesamectl totp activate / disable; "your account was locked"
# after wrong passwords up to the lock, and none for the attempts the lock
# refuses.  sesamectl user confirm-email mails a confirmation link that
# confirms the address when opened in sesame-web.  An unconfirmed address gets its notice; an account without an
# address gets none; a switch in [mail] turns a kind off; and a spool
# that cannot be written does not fail the password change.
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

web_prologue --smtp "$PAM_SESAME" "$SESAMECTL"
# write_config [EXTRA MAIL LINES]
write_config() {
        EXTRA_AUTH="max_failures = 3
lockout_time = 600" EXTRA_WEB="base_url = https://login.example.test
listen = 127.0.0.1:$PORT" EXTRA_MAIL="$(web_mail_conf)
${1:-}" sesamed_config >"$T/sesame.conf"
}
write_config
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
sink_start || bail_out "the SMTP server did not start"
web_start || bail_out "sesame-web did not start"

pam_service passwd <<EOF
password required pam_sesame.so
EOF
pam_service login <<EOF
auth     required pam_sesame.so totp=off
EOF

# mails_to ADDRESS SUBJECT: how many messages to ADDRESS had SUBJECT
mails_to() { mail_list | cut -f 2- | grep -cxF "$1"$'\t'"$2"; }
# arrived ADDRESS SUBJECT: at least one
arrived() { [ "$(mails_to "$1" "$2")" -ge 1 ]; }
# body ADDRESS SUBJECT: the last such message, decoded (mail_parts)
body() {
        local f
        f=$(mail_list | awk -F '\t' -v to="$1" -v s="$2" '$2 == to && $3 == s { f = $1 } END { print f }')
        [ -n "$f" ] && mail_parts "$f"
}
NEW='Tr1cky-Phrase-42'
CHANGED="Sesame: your password was changed"
ON="Sesame: two-factor authentication was turned on"
OFF="Sesame: two-factor authentication was turned off"
LOCKED="Sesame: your account was locked"

# --- passwd through pam_sesame ----------------------------------------------------
pam_expect "pwchange changes the password with pamtester chauthtok" ok \
        "$(fixture_pw pwchange)"$'\n'"$NEW"$'\n'"$NEW" passwd pwchange chauthtok
ok "a \"password changed\" mail arrives for pwchange@example.test" \
        wait_for 15 arrived pwchange@example.test "$CHANGED"
ok "... with what to do if it was not you" grep -q "If it was not you" <<<"$(body pwchange@example.test "$CHANGED")"
ok "... the journal's mail-spooled event names the template" \
        grep -q "SESAME_EVENT=mail-spooled .*USER=pwchange REASON=password-changed" "$T/sesamed.log"
pam_expect "a wrong old password changes nothing" "$PAM_TEXT_AUTH_ERR" \
        "Wrong-Passw0rd!"$'\n'"$NEW-2"$'\n'"$NEW-2" passwd pwchange chauthtok

# --- an unconfirmed address gets the notice; no address, no mail --------------------
pam_expect "unconfirmed changes the password" ok \
        "$(fixture_pw unconfirmed)"$'\n'"$NEW"$'\n'"$NEW" passwd unconfirmed chauthtok
ok "... the notice goes to the address on file, unconfirmed as it is" \
        wait_for 15 arrived unconfirmed@example.test "$CHANGED"
ldap_add_user nomail 10301 || bail_out "ldapadd of nomail"
pam_expect "nomail (no address) changes the password" ok \
        "$(fixture_pw nomail)"$'\n'"$NEW"$'\n'"$NEW" passwd nomail chauthtok
ok "... no mail: logged so" wait_for 5 grep -q "user nomail has no mail address: no password-changed mail" \
        "$T/sesamed.log"

# --- TOTP on and off with sesamectl ----------------------------------------------------
read -r SECRET _ <<<"$(totp_enroll totpuser)"
ok "totpuser enrolled and activated with oathtool's code" test -n "$SECRET"
ok "a \"turned on\" mail arrives for totpuser@example.test" wait_for 15 arrived totpuser@example.test "$ON"
ok "... with what to do if it was not you" grep -q "If it was not you" <<<"$(body totpuser@example.test "$ON")"
ok "sesamectl totp disable totpuser" sesamectl_run totp disable totpuser
ok "a \"turned off\" mail arrives for totpuser@example.test" wait_for 15 arrived totpuser@example.test "$OFF"
ok "... with what to do if it was not you" grep -q "If it was not you" <<<"$(body totpuser@example.test "$OFF")"

# --- the lock ----------------------------------------------------------------------------
for i in 1 2 3; do
        pam_expect "lockme: wrong password $i of 3" "$PAM_TEXT_AUTH_ERR" "Wrong-Passw0rd-$i!" login lockme authenticate
done
ok "... the account is locked" sesamectl_run user show lockme | grep -qi locked
ok "a \"locked\" mail arrives for lockme@example.test" wait_for 15 arrived lockme@example.test "$LOCKED"
LBODY=$(body lockme@example.test "$LOCKED")
ok "... it says when the lock ends" grep -Eq "at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC" <<<"$LBODY"
ok "... and what to do if it was not you" grep -q "If they were not yours" <<<"$LBODY"
pam_expect "lockme: a wrong password while locked" "$PAM_TEXT_AUTH_ERR" "Wrong-Passw0rd-4!" login lockme authenticate
pam_expect "lockme: the right password while locked" "$PAM_TEXT_AUTH_ERR" "$(fixture_pw lockme)" login lockme authenticate

# --- sesamectl password ----------------------------------------------------------------------
ok "sesamectl password dave, the password on standard input" sesamectl_run password dave <<<"$NEW"
ok "... the new password binds" binds dave "$NEW"
ok "... the old one does not" _not binds dave "$(fixture_pw dave)"
ok "a \"password changed\" mail arrives for dave@example.test" wait_for 15 arrived dave@example.test "$CHANGED"
ok "... logged as password-changed by sesamectl" \
        grep -q "SESAME_EVENT=password-changed .*USER=dave SERVICE=sesamectl REASON=admin" "$T/sesamed.log"
OUT=$(sesamectl_run password dave <<<"short" 2>&1)
check "a weak password: exit 1" 1 "$?"
ok "... with the rules" grep -q "at least" <<<"$OUT"
ok "... and dave's password stays" binds dave "$NEW"
OUT=$(sesamectl_run password dave </dev/null 2>&1)
check "no password on standard input: a usage error" 2 "$?"

# --- sesamectl user confirm-email ------------------------------------------------------------
CONFIRM="Sesame: confirm your email address"
check "carol's address is not confirmed" "" "$(ldap_root_attr carol sesameEmailConfirmed)"
ok "sesamectl user confirm-email carol" sesamectl_run user confirm-email carol
ok "a confirmation mail arrives for carol@example.test" wait_for 15 arrived carol@example.test "$CONFIRM"
LINK=$(grep -o "https://login.example.test/confirm?token=[A-Za-z0-9_-]*" <<<"$(body carol@example.test "$CONFIRM")" |
        head -n 1)
ok "... with its link" test -n "$LINK"
ok "... token-issued by sesamectl" grep -q "SESAME_EVENT=token-issued .*USER=carol SERVICE=sesamectl REASON=confirm" \
        "$T/sesamed.log"
check "the link opens in sesame-web" 200 "$(fetch "/confirm${LINK#https://login.example.test/confirm}")"
CSRF=$(csrf_field)
check "... and confirms" 200 "$(fetch /confirm --data-urlencode "csrf=$CSRF" --data-urlencode "token=${LINK#*token=}")"
ok "... sesameEmailConfirmed is set" test -n "$(ldap_root_attr carol sesameEmailConfirmed)"
ok "... token-redeemed" grep -q "SESAME_EVENT=token-redeemed .*USER=carol SERVICE=sesame-web RHOST=127.0.0.1 REASON=confirm" \
        "$T/sesamed.log"
check "the link used again: refused" 400 \
        "$(fetch /confirm --data-urlencode "csrf=$CSRF" --data-urlencode "token=${LINK#*token=}")"
ok "... token-refused" grep -q "SESAME_EVENT=token-refused .*USER=carol SERVICE=sesame-web RHOST=127.0.0.1 REASON=confirm" \
        "$T/sesamed.log"
OUT=$(sesamectl_run user confirm-email carol 2>&1)
check "confirm-email for a confirmed address: exit 1" 1 "$?"
ok "... saying so" grep -q "confirmed already" <<<"$OUT"
OUT=$(sesamectl_run user confirm-email nomail 2>&1)
check "confirm-email for an account without an address: exit 1" 1 "$?"
ok "... saying so" grep -q "no mail address" <<<"$OUT"

# --- a spool that cannot be written does not fail the change ------------------------------
# tmp/ replaced by a symbolic link: sesamed refuses to write through it
mv "$SPOOL/tmp" "$T/spool-tmp"
ln -s "$T/spool-tmp" "$SPOOL/tmp"
MARK=$(wc -l <"$T/sesamed.log")
pam_expect "bob changes the password while the spool cannot be written" ok \
        "$(fixture_pw bob)"$'\n'"$NEW"$'\n'"$NEW" passwd bob chauthtok
ok "... the new password binds" binds bob "$NEW"
ok "... the old one does not" _not binds bob "$(fixture_pw bob)"
ok "... the failure is logged" grep -q "user bob: the password-changed mail could not be spooled" \
        <(tail -n +"$((MARK + 1))" "$T/sesamed.log")
ok "... with a mail-failed event" grep -q "SESAME_EVENT=mail-failed .*USER=bob REASON=password-changed" \
        <(tail -n +"$((MARK + 1))" "$T/sesamed.log")
rm "$SPOOL/tmp"
mv "$T/spool-tmp" "$SPOOL/tmp"

# --- a kind switched off ------------------------------------------------------------------
write_config "notify_password_changed = no"
sesamed_restart "$T/sesame.conf" || bail_out "sesamed did not restart"
pam_expect "alice changes the password with notify_password_changed = no" ok \
        "$(fixture_pw alice)"$'\n'"$NEW"$'\n'"$NEW" passwd alice chauthtok

# --- exactly once ---------------------------------------------------------------------------
sleep 3 # several more passes of the sender (retry_interval 1)
check "pwchange got one \"password changed\" mail" 1 "$(mails_to pwchange@example.test "$CHANGED")"
check "unconfirmed got one" 1 "$(mails_to unconfirmed@example.test "$CHANGED")"
check "totpuser got one \"turned on\" mail" 1 "$(mails_to totpuser@example.test "$ON")"
check "totpuser got one \"turned off\" mail" 1 "$(mails_to totpuser@example.test "$OFF")"
check "lockme got one \"locked\" mail, none for the attempts the lock refused" 1 \
        "$(mails_to lockme@example.test "$LOCKED")"
check "dave got one \"password changed\" mail" 1 "$(mails_to dave@example.test "$CHANGED")"
check "carol got one confirmation mail" 1 "$(mails_to carol@example.test "$CONFIRM")"
check "bob got none (the spool failed)" 0 "$(mail_list | cut -f 2 | grep -c '^bob@')"
check "alice got none (switched off)" 0 "$(mail_list | cut -f 2 | grep -c '^alice@')"
check "no other mail at all" 7 "$(sink_count)"
ok "the spool is empty" test -z "$(ls "$SPOOL/new")"

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
done_testing

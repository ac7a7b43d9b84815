#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Self-registration end to end, with the real parts: slapd with Sesame's
# schema and access rules, sesamed, sesame-web driven by curl, a real SMTP
# server (tests/lib/smtp-sink.py, Debian's aiosmtpd, STARTTLS) and
# pamtester.  Off by default (404); on: the form, CSRF, a taken or bad
# name, the password rules; a new account that cannot log in until the
# mailed link is opened, then logs in with the password chosen (and with
# a TOTP code from oathtool once enrolled, where the service requires
# one); an address that is registered already gets a mail, the visitor the
# same page as for a new one; many registrations at once get distinct uid
# numbers from the directory's counter, skipping numbers in use; and the
# accounts nobody confirmed are purged by sesamectl.
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

web_prologue --smtp "$SESAMECTL" "$PAM_SESAME"
COUNTER="cn=uid-next,ou=services,dc=example,dc=test"
# a local account inside the range, and one made by hand in the directory:
# both numbers must be skipped
local_user "localreg:x:20002:20002::/nonexistent:/usr/sbin/nologin"
ldap_add_user handmade 20001
printf '%s\n' "dn: $COUNTER" "objectClass: sesameIdPool" "cn: uid-next" | slapd_ldapmodify -a >/dev/null ||
        bail_out "the counter entry could not be added"
BASE="https://login.example.test/self"
# write_config yes|no: sesame.conf with registration on or off
write_config() {
        EXTRA_LDAP="user_base = $P" EXTRA_WEB="base_url = $BASE
listen = 127.0.0.1:$PORT
rate_per_address = 1000
registration = $1
register_uid_counter = $COUNTER
register_uid_min = 20000
register_uid_max = 20999
register_gid = 10000" EXTRA_MAIL=$(web_mail_conf) sesamed_config >"$T/sesame.conf"
}
sink_start || bail_out "the SMTP server did not start"

# register NAME MAIL PASSWORD [RETYPE]: the form, filled in and sent;
# prints the status (the page is in $T/b)
register() {
        fetch /register >/dev/null
        fetch /register --data-urlencode "csrf=$(csrf_field)" --data-urlencode "login=$1" --data-urlencode "mail=$2" \
                --data-urlencode "password=$3" --data-urlencode "retype=${4:-$3}"
}
# mails_to ADDRESS: the files of the mails the SMTP server took for it
mails_to() { mail_list | awk -F '\t' -v to="$1" '$2 == to { print $1 }'; }
has_mail_to() { [ -n "$(mails_to "$1")" ]; }
# attr NAME ATTRIBUTE: its values as the rootdn sees them
attr() { ldap_root_attr "$1" "$2"; }
exists() { [ -n "$(attr "$1" uid)" ]; }

pam_service reg <<EOF
auth     required pam_sesame.so totp=optional
account  required pam_sesame.so
EOF
pam_service reg-totp <<EOF
auth     required pam_sesame.so totp=required
account  required pam_sesame.so
EOF

# --- off by default ---------------------------------------------------------------
write_config no
sed -i '/^registration = no$/d' "$T/sesame.conf" # the default, not the line
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
web_start || bail_out "sesame-web did not start"
check "registration off: GET /register is 404" 404 "$(fetch /register)"
fetch /forgot >/dev/null # a form of the pages that are there, for its CSRF value
check "... POST too, however well-formed" 404 \
        "$(fetch /register --data-urlencode "csrf=$(csrf_field)" --data-urlencode login=newbie \
                --data-urlencode mail=newbie@example.test --data-urlencode 'password=Chosen-Passw0rd!' \
                --data-urlencode 'retype=Chosen-Passw0rd!')"
check "... and sesamed answers DENIED on web.sock" 13 \
        "$(rc_of web web-register newbie --mail newbie@example.test --new-password 'Chosen-Passw0rd!')"
ok "... nothing was made" _not exists newbie
web_stop
sesamed_stop

# --- on -------------------------------------------------------------------------------
write_config yes
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not restart"
web_start || bail_out "sesame-web did not restart"
check "registration on: GET /register" 200 "$(fetch /register)"
ok "... shows the password rules" grep -q 'At least 10 characters, from at least 3 of' "$T/b"
ok "... name, address and two password fields" \
        sh -c "grep -q 'name=\"login\"' '$T/b' && grep -q 'name=\"mail\" type=\"email\"' '$T/b' &&
                [ \$(grep -o 'type=\"password\"' '$T/b' | wc -l) = 2 ]"
CSRF=$(csrf_field)
ok "... a CSRF field" test -n "$CSRF"
check "POST without the CSRF field: 403" 403 \
        "$(fetch /register --data-urlencode login=nocsrf --data-urlencode mail=nocsrf@example.test \
                --data-urlencode 'password=Nocsrf-Passw0rd!' --data-urlencode 'retype=Nocsrf-Passw0rd!')"
check "POST with a CSRF field but another cookie: 403" 403 \
        "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -b 'sesame_csrf=AAAA' --data-urlencode "csrf=$CSRF" \
                --data-urlencode login=nocsrf --data-urlencode mail=nocsrf@example.test \
                --data-urlencode 'password=Nocsrf-Passw0rd!' --data-urlencode 'retype=Nocsrf-Passw0rd!' "$URL/register")"
ok "... no account for either" _not exists nocsrf

check "a taken name (alice): 400" 400 "$(register alice fresh1@example.test 'Fresh1-Passw0rd!')"
ok "... saying it is taken" grep -q 'This user name is taken' "$T/b"
ok "... the form again, with what was typed" grep -q 'value="fresh1@example.test"' "$T/b"
check "a local account's name: 400, taken" "400 yes" \
        "$(register localreg fresh2@example.test 'Fresh2-Passw0rd!') $(grep -q 'taken' "$T/b" && echo yes)"
check "a name that is no user name: 400" "400 yes" \
        "$(register 'New Bie' fresh3@example.test 'Fresh3-Passw0rd!') $(grep -q 'cannot be used' "$T/b" && echo yes)"
check "upper case: 400" 400 "$(register NewBie fresh3@example.test 'Fresh3-Passw0rd!')"
check "not an address: 400" "400 yes" \
        "$(register fresh4 'fresh4 at example.test' 'Fresh4-Passw0rd!') $(grep -q 'valid email' "$T/b" && echo yes)"
check "a password the rules refuse: 400, with sesamed's words" "400 yes" \
        "$(register fresh5 fresh5@example.test short) $(grep -q 'too short' "$T/b" && echo yes)"
check "passwords that differ: 400" "400 yes" \
        "$(register fresh6 fresh6@example.test 'Fresh6-Passw0rd!' 'Fresh6-Passw0rd?') $(grep -q 'differ' "$T/b" && echo yes)"
sleep 1
ok "... none of them made an account" \
        sh -c "! ldapsearch -x -LLL -H '$SLAPD_URI' -D '$SLAPD_ADMIN_DN' -w '$SLAPD_ADMIN_PW' -b '$P' \
                '(|(uid=fresh*)(uid=new bie))' dn | grep -q ."
check "... nor sent a mail" 0 "$(sink_count)"

# --- a new account ---------------------------------------------------------------------
check "newbie registers: 200" "200 yes" \
        "$(register newbie newbie@example.test 'Chosen-Passw0rd!') $(grep -q 'Check your mail' "$T/b" && echo yes)"
cp "$T/b" "$T/registered.html"
ok "the entry is made" wait_for 10 exists newbie
check "... pending" "sesamePending" "$(attr newbie objectClass | grep -x sesamePending)"
check "... the first free uid number: 20000" 20000 "$(attr newbie uidNumber)"
check "... the configured group, home and shell" "10000 /home/newbie /bin/bash" \
        "$(attr newbie gidNumber) $(attr newbie homeDirectory) $(attr newbie loginShell)"
check "... the address given" newbie@example.test "$(attr newbie mail)"
ok "... the password hashed by the directory" \
        sh -c "v=\$(ldapsearch -x -LLL -o ldif-wrap=no -H '$SLAPD_URI' -D '$SLAPD_ADMIN_DN' -w '$SLAPD_ADMIN_PW' \
                -b 'uid=newbie,$P' -s base userPassword | sed -n 's/^userPassword:: //p' | base64 -d);
                case \$v in '{SSHA}'* | '{ARGON2}'* | '{CRYPT}'*) true ;; *) false ;; esac"
ok "... it binds with it (the directory itself has no pending state)" binds newbie 'Chosen-Passw0rd!'
ok "a confirmation mail reaches the SMTP server" wait_for 15 has_mail_to newbie@example.test
MAIL=$(mail_parts "$(mails_to newbie@example.test | head -n 1)")
check "... the confirmation template" "Subject: Sesame: confirm your email address" "$(grep '^Subject:' <<<"$MAIL")"
LINK=$(grep -o "$BASE/confirm?token=[A-Za-z0-9_-]*" <<<"$MAIL" | head -n 1)
ok "... with the link, from base_url" test -n "$LINK"
ok "the journal's account-registered event names it and the visitor" \
        grep -q "SESAME_EVENT=account-registered .*USER=newbie SERVICE=sesame-web RHOST=127.0.0.1" "$T/sesamed.log"
ok "... then its link's mail-spooled event" \
        grep -q "SESAME_EVENT=mail-spooled .*USER=newbie REASON=confirm" "$T/sesamed.log"

pam_expect "before the link is opened: no login (pamtester auth)" "$PAM_TEXT_AUTH_ERR" \
        'Chosen-Passw0rd!' reg newbie authenticate
ok "... with a message that says why" grep -q "not active yet" "$T/pam.out"
pam_expect "... and the account phase refuses it" "$PAM_TEXT_PERM_DENIED" "" reg newbie acct_mgmt
check "... on pam.sock: REFUSED, reason PENDING" "REASON=PENDING" \
        "$("$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/pam.sock account newbie | grep REASON)"
ok "... logged as a refusal" grep -q "USER=newbie SERVICE=reg REASON=pending" "$T/sesamed.log"
check "sesamectl user show says it is pending" "true yes" \
        "$(sesamectl_run --json user show newbie | "$PYTHON3" -c 'import json, sys; print(str(json.load(sys.stdin)["pending"]).lower())') \
$(sesamectl_run user show newbie | grep -q '^ *pending: *yes' && echo yes)"

check "the link opens" 200 "$(fetch "/confirm${LINK#"$BASE"/confirm}")"
check "the button confirms" "200 yes" \
        "$(fetch /confirm --data-urlencode "csrf=$(csrf_field)" --data-urlencode "token=${LINK#*token=}" \
                --data-urlencode step=open) $(grep -q 'Address confirmed' "$T/b" && echo yes)"
check "... sesamePending is gone" "" "$(attr newbie objectClass | grep -x sesamePending)"
ok "... the address is confirmed" test -n "$(attr newbie sesameEmailConfirmed)"
check "... and sesamectl user show no longer says pending" false \
        "$(sesamectl_run --json user show newbie | "$PYTHON3" -c 'import json, sys; print(str(json.load(sys.stdin)["pending"]).lower())')"
fetch "/confirm${LINK#"$BASE"/confirm}" >/dev/null
check "the link again: 400" 400 \
        "$(fetch /confirm --data-urlencode "csrf=$(csrf_field)" --data-urlencode "token=${LINK#*token=}" \
                --data-urlencode step=open)"

pam_expect "newbie logs in with the password chosen (pamtester, totp=optional)" ok \
        'Chosen-Passw0rd!' reg newbie authenticate acct_mgmt
pam_expect "... not with another" "$PAM_TEXT_AUTH_ERR" 'Wrong-Passw0rd!' reg newbie authenticate
pam_expect "where TOTP is required and none is enrolled: refused" "$PAM_TEXT_AUTH_ERR" \
        'Chosen-Passw0rd!' reg-totp newbie authenticate
read -r SECRET STEP <<<"$(totp_enroll newbie)"
ok "the administrator enrols newbie for TOTP" test -n "$SECRET"
totp_wait_step $((STEP + 1))
pam_expect "... then newbie logs in with password and oathtool's code" ok \
        "$(printf '%s\n%s' 'Chosen-Passw0rd!' "$(totp_code "$SECRET")")" reg-totp newbie authenticate acct_mgmt
check "NSS serves newbie" "newbie:*:20000:10000:newbie:/home/newbie:/bin/bash" \
        "$(getent passwd newbie | sed 's/:[^:]*:/:*:/')"

check "the name again, now taken: 400" "400 yes" \
        "$(register newbie other@example.test 'Other-Passw0rd!') $(grep -q 'taken' "$T/b" && echo yes)"

# --- an address that has an account already ---------------------------------------------
check "a new name with alice's address: 200" 200 "$(register alice2 alice@example.test 'Second-Passw0rd!')"
ok "... the very page a new account gets" cmp -s "$T/b" "$T/registered.html"
ok "... alice's address gets a mail" wait_for 15 has_mail_to alice@example.test
MAIL=$(mail_parts "$(mails_to alice@example.test | head -n 1)")
check "... saying there is an account" "Subject: Sesame: you already have an account" \
        "$(grep '^Subject:' <<<"$MAIL")"
ok "... named alice, with the forgot-password page" \
        bash -c "grep -q 'your account \"alice\"' <<<\"\$1\" && grep -qx '$BASE/forgot' <<<\"\$1\"" _ "$MAIL"
ok "... and no account was made" _not exists alice2
ok "... a mail-spooled event for it names alice and the template" \
        grep -q "SESAME_EVENT=mail-spooled .*USER=alice REASON=registered" "$T/sesamed.log"
ok "... and no account-registered event" _not grep -q "SESAME_EVENT=account-registered .*USER=alice2" "$T/sesamed.log"
ok "... the same answer on web.sock" web web-register alice3 --mail alice@example.test --new-password 'Third-Passw0rd!'

# --- many at once: distinct uid numbers, numbers in use skipped ------------------------------
N=12
PIDS=()
for i in $(seq -w 1 $N); do
        web web-register "reg$i" --mail "reg$i@example.test" --new-password "Secret$i-Passw0rd!" >"$T/reg$i.out" 2>&1 &
        PIDS+=($!)
done
wait "${PIDS[@]}"
check "$N registrations at once: all answered OK" "$N" "$(grep -l '^STATUS=OK$' "$T"/reg*.out | wc -l)"
count_reg() { ldapsearch -x -LLL -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" -b "$P" '(uid=reg*)' uidNumber |
        grep -c '^uidNumber:'; }
all_made() { [ "$(count_reg)" = "$N" ]; }
ok "... all $N entries are made" wait_for 30 all_made
UIDS=$(ldapsearch -x -LLL -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" -b "$P" '(uid=reg*)' uidNumber |
        sed -n 's/^uidNumber: //p' | sort -n)
check "... with $N distinct uid numbers" "$N" "$(sort -u <<<"$UIDS" | wc -l)"
check "... 20003 to $((20002 + N)): 20001 (an entry's) and 20002 (a local account's) skipped" \
        "$(seq 20003 $((20002 + N)) | xargs)" "$(xargs <<<"$UIDS")"
check "the counter is at the next number" $((20003 + N)) \
        "$(ldapsearch -x -LLL -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" -b "$COUNTER" -s base \
                sesameNextUid | sed -n 's/^sesameNextUid: //p')"
ok "each gets its confirmation mail" wait_for 30 sh -c "[ \$(grep -l '^X-Sink-Rcpt: reg' '$T'/sink/*.eml | wc -l) = $N ]"

# --- pending accounts nobody confirms --------------------------------------------------------
check "purge-pending 1h: none is that old" "pending accounts older than 1h: 0 deleted" \
        "$(sesamectl_run user purge-pending 1h)"
check "purge-pending with a bad age: usage error" 2 "$(rc_of sesamectl_run user purge-pending 3x)"
check "purge-pending 0: the $N pending ones are deleted" "pending accounts older than 0: $N deleted" \
        "$(sesamectl_run user purge-pending 0)"
check "... none is left" 0 "$(count_reg)"
ok "... the confirmed account stays" exists newbie
ok "... and so does everybody else" exists alice
ok "... each deletion is logged" grep -q "pending account 'reg01' (never confirmed) deleted" "$T/sesamed.log"

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
web_stop
sink_stop
done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: installs what it needs, builds Sesame, then in a private mount
# namespace (nothing on this machine's /etc or /run is changed) starts a
# private slapd with sample users (tests/lib/fixture.md), sesamed, and
# shows glibc resolving those users and groups through libnss_sesame.
# Then a real two-factor login: the administrator enrols alice for TOTP
# (a QR code to scan), and alice logs in with her LDAP password and a
# code, through pam_sesame under pamtester and through a private sshd on
# 127.0.0.1.  The codes come from oathtool, standing in for the phone.
# Then self-service: sesame-web on 127.0.0.1 and a real SMTP server
# (tests/lib/smtp-sink.py, STARTTLS with the private slapd's certificate)
# standing in for alice's mailbox; alice asks for a reset link with curl
# as her browser would, the mail is printed, she opens the link, sets a
# new password and logs in with it and a code, and the old one is refused.
# On a terminal it then opens a shell inside the namespace to explore.
# Every wait is bounded; any step that does not do what it shows ends the
# demo with exit status 1.
#
# usage: sudo tests/demo.sh
set -uo pipefail
if [ -z "${SESAME_TEST_NS:-}" ]; then
        cd "$(dirname "$0")/.." || exit 1
        tests/install-deps.sh || exit 1
        if [ ! -f build-demo/build.ninja ]; then
                meson setup build-demo >/dev/null || exit 1
        fi
        ninja -C build-demo >/dev/null || exit 1
        export BUILD_DIR=$PWD/build-demo
fi
. "$(dirname "$0")/lib/harness.sh"
harness_init "$@"

SESAME_WEB=$BUILD_DIR/helper/sesame-web/sesame-web
SYS_PYTHON=/usr/bin/python3 # aiosmtpd is Debian's package
SRC=$(cd "$HARNESS_LIB/../.." && pwd -P)
SPOOL=$T/spool   # sesamed leaves the mails here, sesame-web sends them
MAILDIR=$T/mail  # and the SMTP server stands in for alice's mailbox
NEW_PW='Spring-Meadow-42!'

# fail WHAT: the demo did not do what it showed
fail() {
        echo "demo: $*; logs in $T" >&2
        # shellcheck disable=SC2034 # read by harness_cleanup
        KEEP_TEST_DIR=1
        exit 1
}

slapd_start "$T/slapd" >/dev/null || fail "slapd did not start"
read -r WEB_PORT SMTP_PORT <<<"$(_slapd_free_ports 2 | xargs)"
[ -n "$SMTP_PORT" ] || fail "no free port on 127.0.0.1"
WEB_URL=http://127.0.0.1:$WEB_PORT
# sesame-web drops root for its [web] user: one of this namespace's
# /etc/passwd, at a system uid and gid nobody on this machine has
web_uid=$(awk -F: '{ used[$3] = 1 } END { for (i = 999; i >= 900; i--) if (!(i in used)) { print i; exit } }' \
        /etc/passwd /etc/group)
[ -n "$web_uid" ] || fail "no free system uid for sesame-web"
grep -q '^sesame-web:' /etc/passwd ||
        local_user "sesame-web:x:$web_uid:$web_uid::/nonexistent:/usr/sbin/nologin"
EXTRA_WEB="base_url = $WEB_URL
listen = 127.0.0.1:$WEB_PORT" EXTRA_MAIL="spool_dir = $SPOOL
smtp_url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $SLAPD_CA
from = noreply@example.test
template_dir = $SRC/conf/mail
retry_interval = 2" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { cat "$T/sesamed.log"; fail "sesamed did not start"; }

SINK_PID='' WEB_PID='' FOLLOW_PID=''
demo_stop() {
        local pid
        for pid in $FOLLOW_PID $WEB_PID $SINK_PID; do
                kill "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        done
        harness_cleanup
}
trap demo_stop EXIT

show() {
        echo "\$ $*"
        "$@" 2>&1 | head -5
        echo
}
echo "== Sesame demo: a private slapd at $SLAPD_URI, sesamed on /run/sesame =="
echo "   (nsswitch.conf in this namespace: passwd/group: files sesame)"
echo
show getent passwd alice
show getent passwd 10002
show id alice
show getent group engineers
echo "\$ getent group big | tr , '\\n' | wc -l     # a group of 5000 members"
getent group big | cut -d: -f4 | tr ',' '\n' | wc -l
echo
echo "\$ getent passwd | wc -l                    # enumeration, paged"
getent passwd | wc -l
echo
echo "\$ getent passwd root                       # local accounts always win"
getent passwd root
echo
# ---------------------------------------------------------------------------
# A real login: LDAP password and TOTP code
. "$HARNESS_LIB/sshd.sh"
pam_service sesame-demo <<'PAM'
auth     required pam_sesame.so totp=required
account  required pam_sesame.so
session  required pam_sesame.so
PAM
echo "== Two-factor login =="
echo "\$ cat /etc/pam.d/sesame-demo"
sed "s#$PAM_SESAME#pam_sesame.so#" /etc/pam.d/sesame-demo
echo
echo "\$ sesamectl totp enroll alice --no-activate   # scan the QR code with an authenticator app"
sesamectl_run totp enroll alice --no-activate | tee "$T/enroll.out"
secret=$(sed -n 's/^secret: *//p' "$T/enroll.out")
[ -n "$secret" ] || fail "enrolment failed"
echo
totp_wait_safe 12
code=$(totp_code "$secret" -1)
echo "\$ echo $code | sesamectl totp activate alice   # the code the app showed (oathtool here)"
sesamectl_run totp activate alice <<<"$code" || fail "activation failed"
echo
code=$(totp_code "$secret")
# a code is good once: the last step spent (read after the code, so that
# it is never too early)
spent=$(totp_step)
echo "\$ pamtester sesame-demo alice authenticate acct_mgmt open_session close_session"
echo "  (answers: Alice-Passw0rd! and the current code $code)"
pamtester_run "$(printf 'Alice-Passw0rd!\n%s' "$code")" sesame-demo alice \
        authenticate acct_mgmt open_session close_session || fail "the login failed"
echo
echo "\$ # the same code once more: refused, it was used (replay protection)"
pamtester_run "$(printf 'Alice-Passw0rd!\n%s' "$code")" sesame-demo alice authenticate &&
        fail "a code was accepted twice"
echo
sshd_pam_sesame totp=required >"$T/pam-sshd"
if sshd_start "$T/sshd" "$T/pam-sshd"; then
        code=$(totp_code "$secret" 1)
        spent=$(($(totp_step) + 1))
        echo "\$ ssh -p $SSHD_PORT alice@127.0.0.1 id   # keyboard-interactive: password, then code $code"
        SSH_LOGIN_PASSWORD='Alice-Passw0rd!' SSH_LOGIN_CODE=$code ssh_login alice --mode kbd --timeout 15 ||
                fail "the ssh login failed"
        echo
        sshd_stop
else
        echo "(sshd did not start: see $T/sshd/sshd.log)"
fi
# ---------------------------------------------------------------------------
# Self-service: forgot password, the mail, the link, a new password
echo "== Self-service: alice forgot her password =="
"$SYS_PYTHON" -B "$HARNESS_LIB/smtp-sink.py" "$SMTP_PORT" "$MAILDIR" \
        --tls "$T/slapd/tls/server.pem" "$T/slapd/tls/server.key" >"$T/sink.out" 2>"$T/sink.err" &
SINK_PID=$!
wait_for 10 grep -q ready "$T/sink.out" || fail "the SMTP server did not start"
"$SESAME_WEB" -f -c "$T/sesame.conf" >>"$T/sesame-web.log" 2>&1 &
WEB_PID=$!
wait_for 10 curl -s -o /dev/null --max-time 2 "$WEB_URL/forgot" || fail "sesame-web did not start"
echo "   sesame-web at $WEB_URL (running as user sesame-web); mails go over"
echo "   SMTP with STARTTLS to a mail server on 127.0.0.1:$SMTP_PORT that prints them here"
echo

# web PATH [CURL-ARGS...]: what a browser does, with a cookie jar; the
# page in $T/page, the status on stdout
web() {
        local path=$1
        shift
        curl -s --max-time 10 -b "$T/jar" -c "$T/jar" -o "$T/page" -w '%{http_code}' "$@" "$WEB_URL$path"
}
# csrf: the CSRF value of the form in $T/page
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/page" | head -n 1; }
# page_text: what the page in $T/page says, without its markup
page_text() {
        sed -e 's#<title>[^<]*</title>##' -e 's/<[^>]*>/\n/g' "$T/page" |
                sed -e 's/^[[:space:]]*//' -e '/^$/d' -e 's/^/  | /'
}
# mail_with TEXT: the first message at the SMTP server whose subject
# has TEXT (alice has other mail too: "two-factor authentication was
# turned on" came when she enrolled)
# (headers are encoded: read through mail-show.py)
mail_with() {
        local f
        for f in "$MAILDIR"/*.eml; do
                [ -f "$f" ] || continue
                if "$SYS_PYTHON" -B "$HARNESS_LIB/mail-show.py" "$f" 2>/dev/null | grep "^Subject: .*$1" >/dev/null; then
                        echo "$f"
                        return 0
                fi
        done
        return 1
}
# show_mail TEXT: wait (at most 15 s) for that message, print it
show_mail() {
        local f
        wait_for 15 mail_with "$1" >/dev/null || fail "no mail arrived (see $T/sesame-web.log)"
        f=$(mail_with "$1")
        "$SYS_PYTHON" -B "$HARNESS_LIB/mail-show.py" "$f" | tee "$T/mail.txt"
        echo
}

echo "\$ curl -c jar -b jar $WEB_URL/forgot   # the form, and a cookie for its CSRF value"
[ "$(web /forgot)" = 200 ] || fail "GET /forgot failed"
grep -o '<input[^>]*>' "$T/page" | sed 's/^/  | /'
echo
echo "\$ curl -c jar -b jar --data-urlencode csrf=$(csrf) --data-urlencode login=alice $WEB_URL/forgot"
[ "$(web /forgot --data-urlencode "csrf=$(csrf)" --data-urlencode login=alice)" = 200 ] ||
        fail "POST /forgot failed"
page_text
echo
echo "(the mail server receives:)"
show_mail "set a new password"
link=$(grep -o "$WEB_URL/reset?token=[A-Za-z0-9_-]*" "$T/mail.txt" | head -n 1)
[ -n "$link" ] || fail "no link in the mail"
token=${link#*token=}

echo "\$ curl -c jar -b jar '$link'   # the link: a button that sends the token by POST"
[ "$(web "/reset?token=$token")" = 200 ] || fail "the link did not open"
page_text
echo
echo "\$ curl -c jar -b jar --data-urlencode csrf=... --data-urlencode token=... --data-urlencode step=open $WEB_URL/reset"
[ "$(web /reset --data-urlencode "csrf=$(csrf)" --data-urlencode "token=$token" --data-urlencode step=open)" = 200 ] ||
        fail "the token was not taken"
page_text
echo
(umask 077 && printf '%s' "$NEW_PW" >"$T/newpw")
echo "\$ printf %s '$NEW_PW' > newpw   # the new password, typed twice into the form"
echo "\$ curl -c jar -b jar --data-urlencode csrf=... --data-urlencode token=... --data-urlencode step=set \\"
echo "       --data-urlencode password@newpw --data-urlencode retype@newpw $WEB_URL/reset"
[ "$(web /reset --data-urlencode "csrf=$(csrf)" --data-urlencode "token=$token" --data-urlencode step=set \
        --data-urlencode "password@$T/newpw" --data-urlencode "retype@$T/newpw")" = 200 ] ||
        { page_text; fail "the new password was not set"; }
page_text
grep -q 'Password changed' "$T/page" || fail "the page does not say the password was changed"
echo
echo "(and the mail server receives:)"
show_mail "your password was changed"
echo "\$ curl -c jar -b jar '$link'   # the link (and its button) again: spent"
web "/reset?token=$token" >/dev/null
[ "$(web /reset --data-urlencode "csrf=$(csrf)" --data-urlencode "token=$token" --data-urlencode step=open)" = 400 ] ||
        fail "the link worked twice"
page_text
echo

# a code of a step after every one spent above, so that it is not a replay
echo "(a code is good once: waiting for the app's next code, at most a minute)"
totp_wait_step $((spent + 1)) || fail "no TOTP step to wait for"
code=$(totp_code "$secret")
echo "\$ pamtester sesame-demo alice authenticate   # the OLD password and a good code $code: refused"
pamtester_run "$(printf 'Alice-Passw0rd!\n%s' "$code")" sesame-demo alice authenticate &&
        fail "the old password still works"
echo
echo "\$ pamtester sesame-demo alice authenticate acct_mgmt   # the new password and the same code"
pamtester_run "$(printf '%s\n%s' "$NEW_PW" "$code")" sesame-demo alice authenticate acct_mgmt ||
        fail "the new password does not work"
echo

echo "\$ grep SESAME_EVENT sesamed.log   # every event, with a stable message id"
grep -o 'SESAME_EVENT=.*' "$T/sesamed.log" | head -20
echo

if [ -t 0 ]; then
        export PATH="$BUILD_DIR/helper/sesamectl:$PATH"
        # from now on every mail that arrives is printed here as it lands
        "$SYS_PYTHON" -B "$HARNESS_LIB/mail-show.py" --follow "$MAILDIR" $$ &
        FOLLOW_PID=$!
        cat <<TEXT
A shell inside the demo namespace: try getent, id, sesamectl user show alice,
or pamtester sesame-demo alice authenticate (alice's password is now $NEW_PW).

The self-service pages are at $WEB_URL/forgot (a browser on this machine
works too).  With curl, as above:
  curl -s -c $T/jar -b $T/jar $WEB_URL/forgot | grep csrf
  curl -s -c $T/jar -b $T/jar --data-urlencode csrf=VALUE \\
       --data-urlencode login=bob $WEB_URL/forgot
Mails land in $MAILDIR (one NNNNNN.eml each) and are printed here as they
arrive; $HARNESS_LIB/mail-show.py FILE prints one again.
'exit' ends the demo.
TEXT
        PS1='sesame-demo# ' bash --norc -i
fi
echo "Demo finished; slapd, sesamed, sesame-web and the mail server stopped."

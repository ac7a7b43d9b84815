#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The mails of self-service through a real SMTP server on loopback
# (tests/lib/smtp-sink.py, Debian's aiosmtpd) with STARTTLS and AUTH: the
# forgot-password flow from the form through the mail to a new password
# that ldapwhoami accepts; what a message looks like (RFC 5322 headers,
# text and HTML parts); the SMTP server down, then up: the mail arrives
# exactly once; and no clear text where STARTTLS is required.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

SESAME_WEB=$BUILD_DIR/helper/sesame-web/sesame-web
for f in "$SESAMED" "$SESAME_WEB"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
SYS_PYTHON=/usr/bin/python3 # aiosmtpd is Debian's package
"$SYS_PYTHON" -c 'import aiosmtpd' 2>/dev/null || { echo "1..0 # SKIP python3-aiosmtpd is not installed"; exit 77; }
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
P="ou=people,dc=example,dc=test"
WEB_UID=990
SPOOL=$T/spool

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
local_user "sesame-web:x:$WEB_UID:$WEB_UID::/nonexistent:/usr/sbin/nologin"
read -r PORT SMTP_PORT PLAIN_PORT <<<"$(_slapd_free_ports 3 | xargs)"
BASE="https://login.example.test/self"
URL="http://127.0.0.1:$PORT"
printf 'Smtp-Passw0rd!\n' >"$T/smtp.pw"
chmod 0600 "$T/smtp.pw"
write_config() {
        EXTRA_WEB="base_url = $BASE
listen = 127.0.0.1:$PORT" EXTRA_MAIL="spool_dir = $SPOOL
smtp_url = $1
ca_file = $SLAPD_CA
user = sesame
password_file = $T/smtp.pw
from = noreply@example.test
template_dir = $SRC/conf/mail
retry_interval = 1" sesamed_config >"$T/sesame.conf"
        chmod 0600 "$T/sesame.conf"
}
write_config "smtp://127.0.0.1:$SMTP_PORT"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

SINK_PID=
# sink_start DIR [OPTIONS...]: the SMTP server on SMTP_PORT, writing to DIR
sink_start() {
        local dir=$1
        shift
        "$SYS_PYTHON" -B "$HARNESS_LIB/smtp-sink.py" "$SMTP_PORT" "$dir" "$@" >"$T/sink.out" 2>>"$T/sink.err" &
        SINK_PID=$!
        wait_for 10 grep -q ready "$T/sink.out"
}
sink_stop() { [ -z "$SINK_PID" ] || { kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }; }
TLS=(--tls "$T/slapd/tls/server.pem" "$T/slapd/tls/server.key" --auth sesame "$T/smtp.pw")
WEB_PID=
web_start() {
        "$SESAME_WEB" -f -c "$T/sesame.conf" >>"$T/sesame-web.log" 2>&1 &
        WEB_PID=$!
        wait_for 5 curl -s -o /dev/null --max-time 2 "$URL/forgot"
}
web_stop() { [ -z "$WEB_PID" ] || { kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null; WEB_PID=; }; }
trap 'web_stop; sink_stop; harness_cleanup' EXIT
sink_start "$T/sink" "${TLS[@]}" || { echo "Bail out! the SMTP server did not start"; exit 1; }
web_start || { echo "Bail out! sesame-web did not start"; exit 1; }

fetch() {
        local path=$1
        shift
        curl -s --max-time 10 -b "$T/jar" -c "$T/jar" -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$URL$path"
}
csrf_field() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/b" | head -n 1; }
# forgot LOGIN: the form, filled in and sent; prints the status
forgot() {
        fetch /forgot >/dev/null
        fetch /forgot --data-urlencode "csrf=$(csrf_field)" --data-urlencode "login=$1"
}
count() { find "$1" -name '*.eml' 2>/dev/null | wc -l; }
# mails DIR N: DIR holds at least N messages
mails() { [ "$(count "$1")" -ge "$2" ]; }
# crlf FILE: every line ends in CR LF
crlf() { [ "$(grep -c $'\r$' "$1")" = "$(wc -l <"$1")" ]; }
# mail_info FILE: the headers that matter, decoded, and the parts
mail_info() {
        "$SYS_PYTHON" - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("X-Sink-Rcpt", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
    print("%s: %s" % (h, m[h]))
print("Type: " + m.get_content_type())
for part in m.walk():
    if part.get_content_maintype() == "text":
        print("Part: " + part.get_content_type())
        print(part.get_content())
PY
}
binds() { timeout 10 ldapwhoami -x -H "$SLAPD_URI" -D "uid=$1,$P" -w "$2" >/dev/null 2>&1; }
binds_ok() { binds "$@"; }

# --- forgot -> mail -> link -> new password -------------------------------------
check "forgot for alice: 200" 200 "$(forgot alice)"
ok "a message reaches the SMTP server" wait_for 10 mails "$T/sink" 1
INFO=$(mail_info "$T/sink/000001.eml")
check "... for alice@example.test" "X-Sink-Rcpt: alice@example.test" "$(grep '^X-Sink-Rcpt:' <<<"$INFO")"
check "... From: the app name and [mail] from" "From: Sesame <noreply@example.test>" "$(grep '^From:' <<<"$INFO")"
check "... To:" "To: alice@example.test" "$(grep '^To:' <<<"$INFO")"
check "... Subject: from the template, encoded and decoded" "Subject: Sesame: set a new password" \
        "$(grep '^Subject:' <<<"$INFO")"
ok "... Date: in RFC 5322 form" grep -Eq '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000$' <<<"$INFO"
ok "... a Message-ID" grep -Eq '^Message-ID: <[0-9a-f]{32}@example.test>$' <<<"$INFO"
check "... multipart/alternative with a text and an HTML part" "multipart/alternative text/plain text/html" \
        "$(sed -n 's/^Type: //p; s/^Part: //p' <<<"$INFO" | xargs)"
ok "... CR LF line ends throughout" crlf "$T/sink/000001.eml"
LINK=$(grep -o "$BASE/reset?token=[A-Za-z0-9_-]*" <<<"$INFO" | head -n 1)
ok "... the link, from base_url" test -n "$LINK"
ok "... in the HTML part too" grep -q "<a href=\"$LINK\">" <<<"$INFO"
ok "the spool is empty once it was sent" test -z "$(ls "$SPOOL/new")"
ok "the delivery is logged" grep -q "delivered the reset mail for user alice to 'alice@example.test'" "$T/sesame-web.log"
ok "... and no token in the log" _not grep -q "${LINK#*token=}" "$T/sesame-web.log"

check "the link opens" 200 "$(fetch "/reset${LINK#"$BASE"/reset}")"
fetch /reset --data-urlencode "csrf=$(csrf_field)" --data-urlencode "token=${LINK#*token=}" \
        --data-urlencode step=open >/dev/null
check "a new password through the pages" 200 \
        "$(fetch /reset --data-urlencode "csrf=$(csrf_field)" --data-urlencode "token=${LINK#*token=}" \
                --data-urlencode step=set --data-urlencode password=Mailed-Passw0rd-1 --data-urlencode retype=Mailed-Passw0rd-1)"
ok "ldapwhoami with the new password" binds_ok alice Mailed-Passw0rd-1
ok "... not with the old one" _not binds alice 'Alice-Passw0rd!'
ok "a \"password changed\" mail follows" wait_for 10 mails "$T/sink" 2
INFO=$(mail_info "$T/sink/000002.eml")
check "... its subject" "Subject: Sesame: your password was changed" "$(grep '^Subject:' <<<"$INFO")"
ok "... with what to do if it was not you" grep -q "If it was not you" <<<"$INFO"

# --- the SMTP server down, then up: once -------------------------------------------
sink_stop
check "forgot for bob while the SMTP server is down: 200" 200 "$(forgot bob)"
ok "the failure is logged" wait_for 10 grep -q "reset mail for user bob .* could not be sent" "$T/sesame-web.log"
ok "... and retried" wait_for 10 grep -q "reset mail for user bob .* attempt 2" "$T/sesame-web.log"
check "... the message stays in the spool" 1 "$(ls "$SPOOL/new" | wc -l)"
sink_start "$T/sink2" "${TLS[@]}" || { echo "Bail out! the SMTP server did not restart"; exit 1; }
ok "the server is back: the mail arrives" wait_for 20 mails "$T/sink2" 1
sleep 3 # several more passes of the sender (retry_interval 1)
check "... exactly once" 1 "$(grep -l 'X-Sink-Rcpt: bob@example.test' "$T"/sink*/*.eml | wc -l)"
ok "... and the spool is empty" test -z "$(ls "$SPOOL/new")"

# --- STARTTLS is required: never clear text -----------------------------------------
web_stop
sink_stop
write_config "smtp://127.0.0.1:$SMTP_PORT"
# a server that offers no STARTTLS (and no AUTH)
sink_start "$T/plain" || { echo "Bail out! the plain SMTP server did not start"; exit 1; }
web_start || { echo "Bail out! sesame-web did not restart"; exit 1; }
check "forgot for dave: 200" 200 "$(forgot dave)"
ok "a server without STARTTLS: not sent, logged" \
        wait_for 10 grep -q "reset mail for user dave .* could not be sent" "$T/sesame-web.log"
check "... nothing reached it" 0 "$(count "$T/plain")"
check "... the message waits in the spool" 1 "$(ls "$SPOOL/new" | wc -l)"

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
web_stop
sink_stop
done_testing

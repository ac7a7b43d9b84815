#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The mails of self-service through a real SMTP server on loopback
# (tests/lib/smtp-sink.py, Debian's aiosmtpd) with STARTTLS and AUTH: the
# forgot-password flow from the form through the mail to a new password
# that ldapwhoami accepts; what a message looks like (RFC 5322 headers,
# text and HTML parts); the SMTP server down, then up: the mail arrives
# exactly once; and no clear text where STARTTLS is required.
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

web_prologue --smtp
BASE="https://login.example.test/self"
EXTRA_WEB="base_url = $BASE
listen = 127.0.0.1:$PORT" EXTRA_MAIL=$(web_mail_conf) sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
sink_start || bail_out "the SMTP server did not start"
web_start || bail_out "sesame-web did not start"

# crlf FILE: every line ends in CR LF
crlf() { [ "$(grep -c $'\r$' "$1")" = "$(wc -l <"$1")" ]; }

# --- forgot -> mail -> link -> new password -------------------------------------
check "forgot for alice: 200" 200 "$(forgot alice)"
ok "a message reaches the SMTP server" wait_for 10 sink_has 1
INFO=$(mail_parts "$(sink_file 1)")
check "... for alice@example.test" "X-Sink-Rcpt: alice@example.test" "$(grep '^X-Sink-Rcpt:' <<<"$INFO")"
check "... From: the app name and [mail] from" "From: Sesame <noreply@example.test>" "$(grep '^From:' <<<"$INFO")"
check "... To:" "To: alice@example.test" "$(grep '^To:' <<<"$INFO")"
check "... Subject: from the template, encoded and decoded" "Subject: Sesame: set a new password" \
        "$(grep '^Subject:' <<<"$INFO")"
ok "... Date: in RFC 5322 form" grep -Eq '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000$' <<<"$INFO"
ok "... a Message-ID" grep -Eq '^Message-ID: <[0-9a-f]{32}@example.test>$' <<<"$INFO"
check "... multipart/alternative with a text and an HTML part" "multipart/alternative text/plain text/html" \
        "$(sed -n 's/^Type: //p; s/^Part: //p' <<<"$INFO" | xargs)"
ok "... CR LF line ends throughout" crlf "$(sink_file 1)"
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
ok "ldapwhoami with the new password" binds alice Mailed-Passw0rd-1
ok "... not with the old one" _not binds alice 'Alice-Passw0rd!'
ok "a \"password changed\" mail follows" wait_for 10 sink_has 2
INFO=$(mail_parts "$(sink_file 2)")
check "... its subject" "Subject: Sesame: your password was changed" "$(grep '^Subject:' <<<"$INFO")"
ok "... with what to do if it was not you" grep -q "If it was not you" <<<"$INFO"

# --- the SMTP server down, then up: once -------------------------------------------
sink_stop
check "forgot for bob while the SMTP server is down: 200" 200 "$(forgot bob)"
ok "the failure is logged" wait_for 10 grep -q "reset mail for user bob .* could not be sent" "$T/sesame-web.log"
ok "... and retried" wait_for 10 grep -q "reset mail for user bob .* attempt 2" "$T/sesame-web.log"
check "... the message stays in the spool" 1 "$(ls "$SPOOL/new" | wc -l)"
sink_start "$T/sink2" || bail_out "the SMTP server did not restart"
ok "the server is back: the mail arrives" wait_for 20 sink_has 1 "$T/sink2"
sleep 3 # several more passes of the sender (retry_interval 1)
check "... exactly once" 1 "$(grep -l 'X-Sink-Rcpt: bob@example.test' "$T"/sink*/*.eml | wc -l)"
ok "... and the spool is empty" test -z "$(ls "$SPOOL/new")"

# --- STARTTLS is required: never clear text -----------------------------------------
web_stop
sink_stop
# a server that offers no STARTTLS (and no AUTH)
sink_start --plain "$T/plain" || bail_out "the plain SMTP server did not start"
web_start || bail_out "sesame-web did not restart"
check "forgot for dave: 200" 200 "$(forgot dave)"
ok "a server without STARTTLS: not sent, logged" \
        wait_for 10 grep -q "reset mail for user dave .* could not be sent" "$T/sesame-web.log"
check "... nothing reached it" 0 "$(sink_count "$T/plain")"
check "... the message waits in the spool" 1 "$(ls "$SPOOL/new" | wc -l)"

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
web_stop
sink_stop
done_testing

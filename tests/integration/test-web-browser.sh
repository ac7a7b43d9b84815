#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesame-web's pages in a real browser: Debian's chromium, headless, driven
# by playwright-core (tests/browser/flows.js), against a real sesame-web
# serving HTTPS with its own certificate, sesamed, slapd and an SMTP server
# (tests/lib/smtp-sink.py).  The forgot-password flow from the form through
# the mail to the new password, which ldapwhoami then accepts while the old
# one fails; the resend form and the confirmation link, which sets
# sesameEmailConfirmed in the directory.  A screenshot of every page is
# kept in BUILD_DIR/meson-logs/browser/.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"

# playwright-core from the lock file, once per build tree (npm ci: exactly
# the locked version; no browser is downloaded, chromium is Debian's).
# Before harness_init: the private namespace resolves no host names.
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
MODULES=${BUILD_DIR:?}/tests/browser
if [ -z "${SESAME_TEST_NS:-}" ] && command -v npm >/dev/null &&
        { ! cmp -s "$SRC/tests/browser/package-lock.json" "$MODULES/package-lock.json" ||
                [ ! -e "$MODULES/node_modules/playwright-core/package.json" ]; }; then
        mkdir -p "$MODULES"
        cp "$SRC/tests/browser/package.json" "$SRC/tests/browser/package-lock.json" "$MODULES/"
        timeout 300 npm ci --prefix "$MODULES" --no-audit --no-fund --ignore-scripts >"$MODULES/npm.log" 2>&1 || {
                sed 's/^/# /' "$MODULES/npm.log" | tail -20
                rm -f "$MODULES/package-lock.json"
                echo "Bail out! npm ci of tests/browser failed"
                exit 1
        }
fi
harness_init "$@"

SESAME_WEB=$BUILD_DIR/helper/sesame-web/sesame-web
for f in "$SESAMED" "$SESAME_WEB"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
CHROMIUM=/usr/bin/chromium
SYS_PYTHON=/usr/bin/python3 # aiosmtpd is Debian's package
for need in "$CHROMIUM" node npm; do
        command -v "$need" >/dev/null || { echo "1..0 # SKIP $need is not installed (tests/install-deps.sh)"; exit 77; }
done
"$SYS_PYTHON" -c 'import aiosmtpd' 2>/dev/null || { echo "1..0 # SKIP python3-aiosmtpd is not installed"; exit 77; }
MODULES=$BUILD_DIR/tests/browser
P="ou=people,dc=example,dc=test"
WEB_UID=990

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
local_user "sesame-web:x:$WEB_UID:$WEB_UID::/nonexistent:/usr/sbin/nologin"
read -r PORT SMTP_PORT <<<"$(_slapd_free_ports 2 | xargs)"
URL="https://127.0.0.1:$PORT"
# sesame-web's certificate: the private slapd's (made by openssl for
# 127.0.0.1 when slapd started), its key root's and 0600
install -m 0644 "$T/slapd/tls/server.pem" "$T/web.pem"
install -m 0600 "$T/slapd/tls/server.key" "$T/web.key"
printf 'Smtp-Passw0rd!\n' >"$T/smtp.pw"
chmod 0600 "$T/smtp.pw"
EXTRA_WEB="base_url = $URL
listen = 127.0.0.1:$PORT
tls_cert = $T/web.pem
tls_key = $T/web.key" EXTRA_MAIL="spool_dir = $T/spool
smtp_url = smtp://127.0.0.1:$SMTP_PORT
ca_file = $SLAPD_CA
user = sesame
password_file = $T/smtp.pw
from = noreply@example.test
template_dir = $SRC/conf/mail
retry_interval = 1" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

"$SYS_PYTHON" -B "$HARNESS_LIB/smtp-sink.py" "$SMTP_PORT" "$T/sink" --tls "$T/slapd/tls/server.pem" \
        "$T/slapd/tls/server.key" --auth sesame "$T/smtp.pw" >"$T/sink.out" 2>>"$T/sink.err" &
SINK_PID=$!
"$SESAME_WEB" -f -c "$T/sesame.conf" >>"$T/sesame-web.log" 2>&1 &
WEB_PID=$!
trap 'kill $WEB_PID $SINK_PID 2>/dev/null; wait $WEB_PID $SINK_PID 2>/dev/null; harness_cleanup' EXIT
wait_for 10 grep -q ready "$T/sink.out" || { echo "Bail out! the SMTP server did not start"; exit 1; }
wait_for 10 curl -s -o /dev/null --max-time 2 --cacert "$SLAPD_CA" "$URL/forgot" ||
        { echo "Bail out! sesame-web did not start"; exit 1; }

binds() { timeout 10 ldapwhoami -x -H "$SLAPD_URI" -D "uid=$1,$P" -w "$2" >/dev/null 2>&1; }
confirmed() { slapd_ldapsearch -b "uid=$1,$P" -s base sesameEmailConfirmed | grep -c '^sesameEmailConfirmed:'; }
check "carol's address is not confirmed yet" 0 "$(confirmed carol)"
ok "alice binds with her password" binds alice 'Alice-Passw0rd!'

# The walk, one browser for every page.  The screenshots go where meson
# keeps the logs, and stay there after the test directory is removed.
SHOTS=$BUILD_DIR/meson-logs/browser
rm -rf "$SHOTS"
mkdir -p "$SHOTS" "$T/profile" "$T/home"
# chromium accepts exactly this key's certificate, not any error
SPKI=$(openssl x509 -in "$T/web.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64)
NEWPW='Browser-Passw0rd-1'
HOME=$T/home NODE_PATH=$MODULES/node_modules WEB_URL=$URL SINK_DIR=$T/sink SHOTS=$SHOTS PROFILE=$T/profile \
        SPKI=$SPKI NEW_PASSWORD=$NEWPW timeout 240 node "$SRC/tests/browser/flows.js" >"$T/flows.out" 2>"$T/flows.err"
RC=$?
while IFS= read -r line; do
        case $line in
        PASS\ *) ok "browser: ${line#PASS }" true ;;
        FAIL\ *) ok "browser: ${line#FAIL }" false ;;
        esac
done <"$T/flows.out"
sed 's/^/# /' "$T/flows.err" | tail -20
check "the browser walked every page (flows.js exit status)" 0 "$RC"
check "a screenshot of each page" 12 "$(find "$SHOTS" -name '*.png' -size +1k | wc -l)"

ok "ldapwhoami with the password set in the browser" binds alice "$NEWPW"
ok "... not with the old one" _not binds alice 'Alice-Passw0rd!'
check "carol's address is confirmed in the directory" 1 "$(confirmed carol)"
ok "no browser process is left" _not pgrep -f -- "--user-data-dir=$T/profile"

kill "$WEB_PID"
wait "$WEB_PID" 2>/dev/null
ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
done_testing

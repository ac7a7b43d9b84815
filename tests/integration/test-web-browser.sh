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
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"

# playwright-core from the lock file, once per build tree (npm ci: exactly
# the locked version; no browser is downloaded, chromium is Debian's).
# Before harness_init: the private namespace resolves no host names.
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

MODULES=$BUILD_DIR/tests/browser
CHROMIUM=/usr/bin/chromium
for need in "$CHROMIUM" node npm; do
        command -v "$need" >/dev/null || { echo "1..0 # SKIP $need is not installed (tests/install-deps.sh)"; exit 77; }
done
web_prologue --smtp
URL="https://127.0.0.1:$PORT"
# sesame-web's certificate: the private slapd's (made by openssl for
# 127.0.0.1 when slapd started), its key root's and 0600
install -m 0644 "$T/slapd/tls/server.pem" "$T/web.pem"
install -m 0600 "$T/slapd/tls/server.key" "$T/web.key"
WEB_CACERT=$SLAPD_CA
EXTRA_WEB="base_url = $URL
listen = 127.0.0.1:$PORT
tls_cert = $T/web.pem
tls_key = $T/web.key" EXTRA_MAIL=$(web_mail_conf) sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
sink_start || bail_out "the SMTP server did not start"
web_start || bail_out "sesame-web did not start"

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

web_stop
ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
done_testing

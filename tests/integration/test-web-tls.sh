#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesame-web's own TLS ([web] tls_cert and tls_key): with a certificate
# made here by openssl, curl reaches the pages over HTTPS and verifies
# the server against its CA; the CSRF cookie is Secure; plain HTTP on the
# same port gets no page.  It refuses to start, saying why, when only one
# of the two is set, a file is missing, the key may be read by others, or
# the key does not match.  The key's PEM text is not left in its memory.
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

web_prologue

# a CA and a server certificate for 127.0.0.1 signed by it; a second key
# that matches nothing
TLS=$T/tls
mkdir -p "$TLS"
(
        cd "$TLS" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sesame-test-ca -keyout ca.key -out ca.pem &&
                openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout web.key -out web.csr &&
                printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
                openssl x509 -req -in web.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext \
                        -out web.pem &&
                openssl genrsa -out other.key 2048
) >"$T/openssl.log" 2>&1 || bail_out "openssl could not make the certificates"
chmod 0644 "$TLS/web.pem"
chmod 0600 "$TLS/web.key" "$TLS/other.key"

# config [WEB-LINES...]: sesame.conf with these [web] lines besides listen
config() {
        local extra
        extra=$(printf '%s\n' "listen = 127.0.0.1:$PORT" "base_url = https://127.0.0.1:$PORT" "$@")
        EXTRA_WEB=$extra EXTRA_MAIL=$(web_mail_conf held) sesamed_config >"$T/sesame.conf"
}
config
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"

# refused WEB-LINES...: sesame-web with them exits non-zero within 10 s;
# what it said is in $T/refused.log
refused() {
        config "$@"
        timeout 10 "$SESAME_WEB" -f -c "$T/sesame.conf" >"$T/refused.log" 2>&1
        local rc=$?
        [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
}
said() { grep -q -- "$1" "$T/refused.log"; }

# --- refusals --------------------------------------------------------------------
ok "only tls_cert set: refused" refused "tls_cert = $TLS/web.pem"
ok "... saying that tls_key is missing" said "\[web\] tls_cert is set but tls_key is not"
ok "only tls_key set: refused" refused "tls_key = $TLS/web.key"
ok "... saying that tls_cert is missing" said "\[web\] tls_key is set but tls_cert is not"
ok "a certificate that is not there: refused" refused "tls_cert = $TLS/nothing.pem" "tls_key = $TLS/web.key"
ok "... naming it" said "tls_cert: $TLS/nothing.pem"
chmod 0644 "$TLS/web.key"
ok "a key others may read: refused" refused "tls_cert = $TLS/web.pem" "tls_key = $TLS/web.key"
ok "... naming the key file" said "tls_key: $TLS/web.key"
chmod 0600 "$TLS/web.key"
# "+UID": a number, not a name looked up through NSS (whose sesame module
# an uninstrumented chown cannot load in a sanitizer build)
chown "+$WEB_UID" "$TLS/web.key" || bail_out "chown of the key failed"
ok "a key owned by the web user (not root, the reader): refused" \
        refused "tls_cert = $TLS/web.pem" "tls_key = $TLS/web.key"
ok "... naming the key file" said "tls_key: $TLS/web.key"
chown +0 "$TLS/web.key" || bail_out "chown of the key failed"
ok "a key that does not match the certificate: refused" refused "tls_cert = $TLS/web.pem" "tls_key = $TLS/other.key"
ok "... saying the HTTPS server did not start" said "the HTTPS server did not start"
ok "no sanitizer report from the refusals" no_sanitizer_report "$T/refused.log"

# --- HTTPS ------------------------------------------------------------------------
config "tls_cert = $TLS/web.pem" "tls_key = $TLS/web.key"
URL="https://127.0.0.1:$PORT"
WEB_CACERT=$TLS/ca.pem
web_start || bail_out "sesame-web did not start with TLS"
ok "it says it serves HTTPS" grep -q "listening on 127.0.0.1:$PORT (HTTPS" "$T/sesame-web.log"
ok "sesame-web runs as the web user" sh -c "grep -q '^Uid:[[:space:]]*$WEB_UID[[:space:]]' /proc/$WEB_PID/status"
check "the forgot page over HTTPS, the certificate verified against the CA" 200 "$(fetch /forgot)"
ok "... it is the form" grep -q '<form method="post" action="forgot">' "$T/b"
ok "... its CSRF cookie is Secure" grep -qi '^Set-Cookie: sesame_csrf=.*; Secure' "$T/h"
ok "a client that does not trust the CA gets no page" _not curl -s --max-time 10 -o /dev/null "https://127.0.0.1:$PORT/forgot"
check "plain HTTP on the same port gets no page" 000 \
        "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/forgot")"
check "... and HTTPS still works after it" 200 "$(fetch /forgot)"
# positive control: the scanner finds what sesame-web holds (the key's
# path, in the configuration)
printf '%s' "$TLS/web.key" >"$T/needle"
n=$("$PYTHON3" "$HARNESS_LIB/memscan.py" "$WEB_PID" "$T/needle" | head -1)
ok "the scanner finds a string sesame-web holds (${n:-?} hits)" test "${n:-0}" -ge 1
# the second line of the key's PEM: base64 of the key itself
sed -n 2p "$TLS/web.key" >"$T/key-line"
n=$("$PYTHON3" "$HARNESS_LIB/memscan.py" "$WEB_PID" "$T/key-line" | head -1)
check "the key's PEM text is nowhere in sesame-web's readable memory" 0 "$n"

web_stop
ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesame-web with curl: the forgot-password flow end to end (form, mail in
# the spool, link, new password, ldapwhoami), and the web hygiene: CSRF,
# security headers, no caching of token pages, the same answer for an
# unknown account, links only from base_url whatever Host says, a body
# size limit and the 429 page.  sesame-web is started as root and must
# drop to its [web] user.
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

web_prologue
BASE="https://login.example.test/self"
# The links are read from the spool, so sesame-web's sender must leave the
# mails there (web_mail_conf held; test-web-mail.sh sends them).
EXTRA_WEB="base_url = $BASE
listen = 127.0.0.1:$PORT
rate_per_account = 3" EXTRA_MAIL=$(web_mail_conf held) sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
web_start || bail_out "sesame-web did not start"

next_mail() { spool_next_mail "$SPOOL"; }
: >"$T/seen-mails"
new_mails() { comm -13 <(sort "$T/seen-mails") <(ls -1 "$SPOOL/new" 2>/dev/null | sort); }

ok "sesame-web runs as the web user" sh -c "grep -q '^Uid:[[:space:]]*$WEB_UID[[:space:]]' /proc/$WEB_PID/status"

# --- the form and its headers ----------------------------------------------------
check "GET / redirects to the form (relative Location)" "303 forgot" "$(fetch / ) $(header Location)"
check "GET /forgot" 200 "$(fetch /forgot)"
check "CSP without external sources" \
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" \
        "$(header Content-Security-Policy)"
check "X-Frame-Options" DENY "$(header X-Frame-Options)"
check "Referrer-Policy" no-referrer "$(header Referrer-Policy)"
check "Cache-Control" no-store "$(header Cache-Control)"
ok "the CSRF cookie is HttpOnly, SameSite=Strict, Secure (base_url is https)" \
        sh -c "grep -i '^Set-Cookie: sesame_csrf=' '$T/h' | grep -q 'HttpOnly; SameSite=Strict; Secure'"
ok "no script on the page" _not grep -qi '<script' "$T/b"
CSRF=$(csrf_field)
ok "the form has a CSRF field" test -n "$CSRF"

check "POST without the CSRF field: 403" 403 "$(fetch /forgot --data-urlencode login=alice)"
check "POST with a CSRF field but another cookie: 403" 403 \
        "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -b 'sesame_csrf=AAAA' --data-urlencode "csrf=$CSRF" \
                --data-urlencode login=alice "$URL/forgot")"
check "no mail so far" "" "$(new_mails)"

# --- forgot: the same page for everyone; links from base_url only -----------------
# (curl matches cookies against a Host header it is given: the cookie
# goes along by hand)
COOKIE=$(awk '$6 == "sesame_csrf" { print $7 }' "$T/jar")
check "forgot for alice (with a spoofed Host and X-Forwarded-Host): 200" 200 \
        "$(fetch /forgot -H 'Host: evil.test' -H 'X-Forwarded-Host: evil.test' -b "sesame_csrf=$COOKIE" \
                --data-urlencode "csrf=$CSRF" --data-urlencode login=alice)"
cp "$T/b" "$T/known"
MAIL=$(next_mail)
check "forgot for an unknown name: the same page" "200 same" \
        "$(fetch /forgot --data-urlencode "csrf=$CSRF" --data-urlencode login=nobody-at-all) $(cmp -s "$T/b" "$T/known" && echo same)"
check "forgot for an unknown address: the same page" "200 same" \
        "$(fetch /forgot --data-urlencode "csrf=$CSRF" --data-urlencode login=nobody@example.test) $(cmp -s "$T/b" "$T/known" && echo same)"
LINK=$(sed -n 's/^Link: //p' <<<"$MAIL")
ok "the link is built from base_url, not from Host" grep -q "^$BASE/reset?token=" <<<"$LINK"
ok "... evil.test appears nowhere in the spool" _not grep -rq evil.test "$SPOOL"
check "CR/LF in the login field: the same page" "200 same" \
        "$(fetch /forgot --data-urlencode "csrf=$CSRF" --data-urlencode $'login=alice@example.test\r\nBcc: x@evil.test') $(cmp -s "$T/b" "$T/known" && echo same)"
sleep 0.5
check "... and no mail for it" "" "$(new_mails)"

# --- the link: the token leaves the URL by POST ------------------------------------
TOKEN=${LINK#*token=}
check "GET the link: 200" 200 "$(fetch "/reset?token=$TOKEN")"
check "... not cached" no-store "$(header Cache-Control)"
check "... no Referer leaves it" no-referrer "$(header Referrer-Policy)"
ok "... a form that POSTs the token" grep -q "<form method=\"post\" action=\"reset\">.*name=\"token\" value=\"$TOKEN\"" \
        <(tr -d '\n' <"$T/b")
ok "... and no password field yet" _not grep -q 'type="password"' "$T/b"
CSRF=$(csrf_field)
check "POST it: the new password form" 200 \
        "$(fetch /reset --data-urlencode "csrf=$CSRF" --data-urlencode "token=$TOKEN" --data-urlencode step=open)"
ok "... with the rules shown" grep -q 'At least 10 characters' "$T/b"
ok "... and two password fields" test "$(grep -o 'type="password"' "$T/b" | wc -l)" = 2
CSRF=$(csrf_field)
check "passwords that differ: 400" 400 \
        "$(fetch /reset --data-urlencode "csrf=$CSRF" --data-urlencode "token=$TOKEN" --data-urlencode step=set \
                --data-urlencode password=Web-Passw0rd-1 --data-urlencode retype=Web-Passw0rd-2)"
CSRF=$(csrf_field)
check "a password the rules refuse: 400, with sesamed's words" "400 yes" \
        "$(fetch /reset --data-urlencode "csrf=$CSRF" --data-urlencode "token=$TOKEN" --data-urlencode step=set \
                --data-urlencode password=short --data-urlencode retype=short) $(grep -q 'too short' "$T/b" && echo yes)"
CSRF=$(csrf_field)
check "the new password: 200" "200 yes" \
        "$(fetch /reset --data-urlencode "csrf=$CSRF" --data-urlencode "token=$TOKEN" --data-urlencode step=set \
                --data-urlencode password=Web-Passw0rd-1 --data-urlencode retype=Web-Passw0rd-1) $(grep -q 'Password changed' "$T/b" && echo yes)"
ok "ldapwhoami with the new password" binds alice Web-Passw0rd-1
ok "... the old one fails" _not binds alice 'Alice-Passw0rd!'
check "the link again: 400" 400 \
        "$(fetch /reset --data-urlencode "csrf=$CSRF" --data-urlencode "token=$TOKEN" --data-urlencode step=open)"
ok "... saying it is not valid any more" grep -q 'not valid any more' "$T/b"
check "a malformed token in the link: 400" 400 "$(fetch '/reset?token=%3Cscript%3E')"

# --- limits ---------------------------------------------------------------------
fetch /forgot >/dev/null
CSRF=$(csrf_field)
for i in 1 2 3; do fetch /forgot --data-urlencode "csrf=$CSRF" --data-urlencode login=bob >/dev/null; done
check "a 4th request for bob within the window: 429" 429 \
        "$(fetch /forgot --data-urlencode "csrf=$CSRF" --data-urlencode login=BOB)"
ok "... with a page that says so" grep -q 'Too many requests' "$T/b"
check "a form body over 4 KiB: 413" 413 \
        "$(fetch /forgot --data-urlencode "csrf=$CSRF" --data-urlencode "login=$(head -c 5000 /dev/zero | tr '\0' a)")"
check "PUT: 405" 405 "$(fetch /forgot -X PUT)"
check "an unknown page: 404" 404 "$(fetch /nowhere)"
# a client that sends half a request line and then nothing is cut off
ok "a silent client is dropped after about 15 s" within 25000 0 "" bash -c \
        "exec 3<>/dev/tcp/127.0.0.1/$PORT; printf 'GET /forgot HTTP/1.1\r\n' >&3; cat <&3 >/dev/null"

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
web_stop
done_testing

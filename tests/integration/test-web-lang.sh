#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesame-web's pages in the visitor's language: the German catalogue built
# from po/de.po, installed at the compiled-in LOCALEDIR, and the
# de_DE.UTF-8 locale made by localedef (both in this private namespace
# only); curl asks with Accept-Language.  The best language by q value
# wins, requests at once in two languages each get their own, a language
# without its locale on the machine is not offered (and says so), and
# without a match the page is in the language of the process.  The mails
# are in the language of sesame-web's process (LANG), from the templates'
# de/ directory.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

SESAME_WEB=$BUILD_DIR/helper/sesame-web/sesame-web
MO=$BUILD_DIR/po/de/LC_MESSAGES/sesame.mo
for f in "$SESAMED" "$SESAME_WEB" "$MO"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
[ -e /usr/share/i18n/locales/de_DE ] && command -v localedef >/dev/null ||
        { echo "1..0 # SKIP no locale sources to make de_DE.UTF-8 (Debian's locales)"; exit 77; }
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
WEB_UID=990

# de_DE.UTF-8, made once per build tree (localedef takes seconds)
LOCALES=$BUILD_DIR/tests/locales
if [ ! -e "$LOCALES/de_DE.UTF-8/LC_MESSAGES/SYS_LC_MESSAGES" ]; then
        mkdir -p "$LOCALES"
        localedef -i de_DE -f UTF-8 "$LOCALES/de_DE.UTF-8" >"$T/localedef.log" 2>&1 ||
                { echo "Bail out! localedef de_DE.UTF-8 failed"; exit 1; }
fi
# ... where glibc looks for it, as locale-gen would leave it (not LOCPATH:
# glibc's newlocale() leaks its copy of LOCPATH, which a sanitizer build
# reports).  In this namespace only, /usr/lib/locale holds the machine's
# locales but German ones (and no archive) and, when on, de_DE.UTF-8.
SYSLOCALES=/usr/lib/locale
mkdir -p "$T/locales-off"
for f in "$SYSLOCALES"/*; do
        case ${f##*/} in
        locale-archive | de_* | '*') ;;
        *) cp -a "$f" "$T/locales-off/" ;;
        esac
done
cp -a "$T/locales-off" "$T/locales-on"
cp -a "$LOCALES/de_DE.UTF-8" "$T/locales-on/"
# locales_de on|off: de_DE.UTF-8 on the machine, or not
locales_de() { mount --bind "$T/locales-$1" "$SYSLOCALES"; }
# the catalogue where sesame-web looks for it: LOCALEDIR of config.h, over
# a tmpfs on its nearest existing directory (this namespace only)
LOCALEDIR=$(sed -n 's/^#define LOCALEDIR "\(.*\)"$/\1/p' "$BUILD_DIR/config.h")
d=$LOCALEDIR
while [ ! -d "$d" ]; do d=$(dirname "$d"); done
mount -t tmpfs -o mode=0755 tmpfs "$d" || { echo "Bail out! cannot mount over $d"; exit 1; }
mkdir -p "$LOCALEDIR/de/LC_MESSAGES"
cp "$MO" "$LOCALEDIR/de/LC_MESSAGES/"

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
local_user "sesame-web:x:$WEB_UID:$WEB_UID::/nonexistent:/usr/sbin/nologin"
PORT=$(_slapd_free_ports 1) || { echo "Bail out! no free port"; exit 1; }
URL="http://127.0.0.1:$PORT"
SMTP_PORT=$(_slapd_free_ports 1) || { echo "Bail out! no free port"; exit 1; }
# the mails go to the SMTP server on loopback in clear text: their
# language is what is looked at here (test-web-mail.sh checks STARTTLS)
EXTRA_WEB="listen = 127.0.0.1:$PORT
base_url = $URL" EXTRA_MAIL="spool_dir = $T/spool
smtp_url = smtp://127.0.0.1:$SMTP_PORT
starttls = no
from = noreply@example.test
template_dir = $SRC/conf/mail
retry_interval = 1" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
SYS_PYTHON=/usr/bin/python3 # aiosmtpd is Debian's package
"$SYS_PYTHON" -c 'import aiosmtpd' 2>/dev/null || { echo "1..0 # SKIP python3-aiosmtpd is not installed"; exit 77; }
"$SYS_PYTHON" -B "$HARNESS_LIB/smtp-sink.py" "$SMTP_PORT" "$T/sink" >"$T/sink.out" 2>>"$T/sink.err" &
SINK_PID=$!
wait_for 10 grep -q ready "$T/sink.out" || { echo "Bail out! the SMTP server did not start"; exit 1; }

WEB_PID=
# web_start [VAR=VALUE...]: sesame-web in this environment (LANG unset
# unless given)
web_start() {
        env -u LANG -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LOCPATH "$@" "$SESAME_WEB" -f -c "$T/sesame.conf" \
                >>"$T/sesame-web.log" 2>&1 &
        WEB_PID=$!
        wait_for 10 curl -s -o /dev/null --max-time 2 "$URL/forgot"
}
web_stop() { [ -z "$WEB_PID" ] || { kill "$WEB_PID" 2>/dev/null; wait "$WEB_PID" 2>/dev/null; WEB_PID=; }; }
trap 'web_stop; kill $SINK_PID 2>/dev/null; wait $SINK_PID 2>/dev/null; harness_cleanup' EXIT
# page PATH [ACCEPT-LANGUAGE]: the body, headers in $T/h
page() {
        local al=()
        [ $# -lt 2 ] || al=(-H "Accept-Language: $2")
        curl -s --max-time 10 -D "$T/h" "${al[@]}" "$URL$1"
}
# forgot LOGIN: the form, filled in and sent (in English); prints the status
forgot() {
        curl -s --max-time 10 -c "$T/jar" -o "$T/form" "$URL/forgot"
        curl -s --max-time 10 -b "$T/jar" -o /dev/null -w '%{http_code}' --data-urlencode "login=$1" \
                --data-urlencode "csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/form" | head -n 1)" \
                "$URL/forgot"
}
mails() { [ "$(find "$T/sink" -name '*.eml' 2>/dev/null | wc -l)" -ge "$1" ]; }
# mail N [plain|html]: the subject and the text (or HTML) part of the Nth
# message, decoded
mail() {
        "$SYS_PYTHON" - "$(printf '%s/%06d.eml' "$T/sink" "$1")" "${2:-plain}" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("Subject: " + m["Subject"])
print(m.get_body((sys.argv[2],)).get_content())
PY
}
# spool_put TEMPLATE: a message of TEMPLATE for alice, with a link and an
# end, put into the spool's new/ as sesamed puts it there: written in
# tmp/, the web user's and 0600, then renamed
spool_put() {
        local now name
        now=$(date +%s)
        name=$now.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
        printf '%s\n' "Template: $1" "To: alice@example.test" "User: alice" "Link: $URL/forgot" \
                "Expires: $((now + 600))" "Created: $now" >"$T/spool/tmp/$name"
        chown "+$WEB_UID" "$T/spool/tmp/$name"
        chmod 0600 "$T/spool/tmp/$name"
        mv "$T/spool/tmp/$name" "$T/spool/new/"
}
h1() { sed -n 's/.*<h1>\(.*\)<\/h1>.*/\1/p' <<<"$1"; }
lang_of() { sed -n 's/.*<html lang="\([^"]*\)".*/\1/p' <<<"$1"; }

locales_de on || { echo "Bail out! cannot mount the locales on $SYSLOCALES"; exit 1; }
web_start || { echo "Bail out! sesame-web did not start"; exit 1; }
P=$(page /forgot "de-DE,de;q=0.9,en;q=0.8")
check "Accept-Language de-DE: the forgot page in German" "Passwort vergessen?" "$(h1 "$P")"
check "... <html lang=\"de\">" de "$(lang_of "$P")"
ok "... UTF-8 intact (über)" grep -q "Konto gibt, über das" <<<"$P"
ok "... its label" grep -q ">Benutzername oder E-Mail-Adresse</label>" <<<"$P"
ok "... its button" grep -q ">Link senden</button>" <<<"$P"
ok "... the answer varies by Accept-Language" grep -qi '^Vary: Accept-Language' "$T/h"
P=$(page /forgot "en-GB,en;q=0.9,de;q=0.8")
check "Accept-Language en-GB first: English" "Forgot your password?" "$(h1 "$P")"
check "... <html lang=\"en\">" en "$(lang_of "$P")"
check "no Accept-Language: the process's language (C: English)" "Forgot your password?" "$(h1 "$(page /forgot)")"
check "fr (not offered), de;q=0.5: German" "Passwort vergessen?" "$(h1 "$(page /forgot "fr-FR, fr;q=0.9, de;q=0.5")")"
check "de;q=0.2, en;q=0.7: the higher weight, English" "Forgot your password?" \
        "$(h1 "$(page /forgot "de;q=0.2, en;q=0.7")")"
check "de;q=0 (not acceptable): English" "Forgot your password?" "$(h1 "$(page /forgot "de;q=0")")"
check "de-AT: German (the language, any region)" "Passwort vergessen?" "$(h1 "$(page /forgot "de-AT")")"
check "deu (another language that starts alike): English" "Forgot your password?" "$(h1 "$(page /forgot "deu")")"
check "an error page in German (a POST without its CSRF value)" \
        "Das Formular ist abgelaufen. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut." \
        "$(curl -s --max-time 10 -H 'Accept-Language: de' --data login=alice "$URL/forgot" |
                sed -n 's/.*<p class="error">\(.*\)<\/p>.*/\1/p')"
# 40 requests at once, German and English in turn: each connection has
# its thread, and each thread its own language
mixed() {
        local i
        for i in $(seq 1 40); do
                [ $((i % 2)) = 0 ] && echo "de $i" || echo "en $i"
        done | xargs -P 20 -n 2 sh -c 'curl -s --max-time 20 -H "Accept-Language: $0" "'"$URL"'/forgot" |
                sed -n "s/.*<h1>\(.*\)<\/h1>.*/$0 \1/p"' | sort | uniq -c | awk '{$1=$1; print}' | paste -sd'|'
}
check "40 requests at once, half German, half English: each in its own" \
        "20 de Passwort vergessen?|20 en Forgot your password?" "$(mixed)"
check "forgot for alice (LANG unset)" 200 "$(forgot alice)"
ok "... a mail arrives" wait_for 10 mails 1
check "... in English" "Subject: Sesame: set a new password" "$(mail 1 | head -n 1)"
web_stop

web_start LANG=de_DE.UTF-8 || { echo "Bail out! sesame-web did not restart"; exit 1; }
check "LANG=de_DE.UTF-8, no Accept-Language: German" "Passwort vergessen?" "$(h1 "$(page /forgot)")"
check "... Accept-Language en: English" "Forgot your password?" "$(h1 "$(page /forgot en)")"
check "forgot for alice (LANG=de_DE.UTF-8)" 200 "$(forgot alice)"
ok "... a mail arrives" wait_for 10 mails 2
check "... its subject in German (the de/ template)" "Subject: Sesame: ein neues Passwort setzen" \
        "$(mail 2 | head -n 1)"
ok "... its text too, UTF-8 intact" grep -q "^Passwort zu setzen. Öffnen Sie diesen Link" <<<"$(mail 2)"
ok "... with the link" grep -q "^http://127.0.0.1:$PORT/reset?token=" <<<"$(mail 2)"
# Every kind of mail there is a template for (conf/mail/*.txt) in German:
# a message for each left in the spool as sesamed leaves it (spool.h) and
# sent by this sesame-web, whose subject must be its de/ template's and
# whose HTML part must be German too.  A kind without a German template
# goes out in English, and fails here.
N=2
for f in "$SRC"/conf/mail/*.txt; do
        kind=$(basename "$f" .txt)
        N=$((N + 1))
        spool_put "$kind"
        ok "the $kind mail arrives" wait_for 10 mails "$N"
        want=$(sed -n '1s/^Subject: //p' "$SRC/conf/mail/de/$kind.txt" 2>/dev/null)
        check "... its subject from de/$kind.txt" "Subject: ${want//"{{app}}"/Sesame}" "$(mail "$N" | head -n 1)"
        ok "... and its HTML part from de/$kind.html" grep -q '<html lang="de">' <<<"$(mail "$N" html)"
done
web_stop

# no de_DE.UTF-8 on the machine: German is not offered, and it is said
locales_de off || { echo "Bail out! cannot mount the locales on $SYSLOCALES"; exit 1; }
web_start || { echo "Bail out! sesame-web did not restart"; exit 1; }
check "without the de_DE.UTF-8 locale, Accept-Language de: English" "Forgot your password?" \
        "$(h1 "$(page /forgot de)")"
ok "... and the log says why" grep -q "the de pages are not offered: no locale de_DE.UTF-8" "$T/sesame-web.log"
web_stop

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
done_testing

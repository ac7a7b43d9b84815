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
# shellcheck source=tests/lib/web.sh
. "$(dirname "$0")/../lib/web.sh"
harness_init "$@"

[ -e /usr/share/i18n/locales/de_DE ] && command -v localedef >/dev/null ||
        { echo "1..0 # SKIP no locale sources to make de_DE.UTF-8 (Debian's locales)"; exit 77; }
MO=$BUILD_DIR/po/de/LC_MESSAGES/sesame.mo
web_prologue --smtp "$MO"

# de_DE.UTF-8, made once per build tree (localedef takes seconds)
LOCALES=$BUILD_DIR/tests/locales
if [ ! -e "$LOCALES/de_DE.UTF-8/LC_MESSAGES/SYS_LC_MESSAGES" ]; then
        mkdir -p "$LOCALES"
        localedef -i de_DE -f UTF-8 "$LOCALES/de_DE.UTF-8" >"$T/localedef.log" 2>&1 ||
                bail_out "localedef de_DE.UTF-8 failed"
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
mount -t tmpfs -o mode=0755 tmpfs "$d" || bail_out "cannot mount over $d"
mkdir -p "$LOCALEDIR/de/LC_MESSAGES"
cp "$MO" "$LOCALEDIR/de/LC_MESSAGES/"

# the mails go to the SMTP server on loopback in clear text: their
# language is what is looked at here (test-web-mail.sh checks STARTTLS)
EXTRA_WEB="listen = 127.0.0.1:$PORT
base_url = $URL" EXTRA_MAIL=$(web_mail_conf plain) sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
sink_start --plain || bail_out "the SMTP server did not start"

# page PATH [ACCEPT-LANGUAGE]: the body, headers in $T/h
page() {
        local al=()
        [ $# -lt 2 ] || al=(-H "Accept-Language: $2")
        curl -s --max-time 10 -D "$T/h" "${al[@]}" "$URL$1"
}
# mail N [plain|html]: the subject and the text (or HTML) part of the Nth
# message, decoded
mail() {
        local parts
        parts=$(mail_parts "$(sink_file "$1")") || return 1
        grep '^Subject:' <<<"$parts"
        sed -n "/^Part: text\/${2:-plain}\$/,/^Part: /{/^Part: /d;p}" <<<"$parts"
}
# spool_put TEMPLATE: a message of TEMPLATE for alice, with a link and an
# end, put into the spool's new/ as sesamed puts it there: written in
# tmp/, the web user's and 0600, then renamed
spool_put() {
        local now name
        now=$(date +%s)
        name=$now.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
        printf '%s\n' "Template: $1" "To: alice@example.test" "User: alice" "Link: $URL/forgot" \
                "Expires: $((now + 600))" "Created: $now" >"$SPOOL/tmp/$name"
        chown "+$WEB_UID" "$SPOOL/tmp/$name"
        chmod 0600 "$SPOOL/tmp/$name"
        mv "$SPOOL/tmp/$name" "$SPOOL/new/"
}
h1() { sed -n 's/.*<h1>\(.*\)<\/h1>.*/\1/p' <<<"$1"; }
lang_of() { sed -n 's/.*<html lang="\([^"]*\)".*/\1/p' <<<"$1"; }

locales_de on || bail_out "cannot mount the locales on $SYSLOCALES"
web_start || bail_out "sesame-web did not start"
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
ok "... a mail arrives" wait_for 10 sink_has 1
check "... in English" "Subject: Sesame: set a new password" "$(mail 1 | head -n 1)"
web_stop

web_start LANG=de_DE.UTF-8 || bail_out "sesame-web did not restart"
check "LANG=de_DE.UTF-8, no Accept-Language: German" "Passwort vergessen?" "$(h1 "$(page /forgot)")"
check "... Accept-Language en: English" "Forgot your password?" "$(h1 "$(page /forgot en)")"
check "forgot for alice (LANG=de_DE.UTF-8)" 200 "$(forgot alice)"
ok "... a mail arrives" wait_for 10 sink_has 2
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
        ok "the $kind mail arrives" wait_for 10 sink_has "$N"
        want=$(sed -n '1s/^Subject: //p' "$SRC/conf/mail/de/$kind.txt" 2>/dev/null)
        check "... its subject from de/$kind.txt" "Subject: ${want//"{{app}}"/Sesame}" "$(mail "$N" | head -n 1)"
        ok "... and its HTML part from de/$kind.html" grep -q '<html lang="de">' <<<"$(mail "$N" html)"
done
web_stop

# no de_DE.UTF-8 on the machine: German is not offered, and it is said
locales_de off || bail_out "cannot mount the locales on $SYSLOCALES"
web_start || bail_out "sesame-web did not restart"
check "without the de_DE.UTF-8 locale, Accept-Language de: English" "Forgot your password?" \
        "$(h1 "$(page /forgot de)")"
ok "... and the log says why" grep -q "the de pages are not offered: no locale de_DE.UTF-8" "$T/sesame-web.log"
web_stop

ok "no sanitizer report in sesame-web's log" no_sanitizer_report "$T/sesame-web.log"
done_testing

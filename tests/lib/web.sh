#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What the tests of the self-service share (test-web*.sh, test-register.sh,
# test-notice-mail.sh): slapd with the --login fixture, the web user as a
# local account, sesame-web started and stopped by the test, the SMTP
# server on loopback (smtp-sink.py, Debian's aiosmtpd), curl through the
# pages with a cookie jar, and the mails the server took, decoded
# (mail-show.py).  Sources harness.sh.
#
# Usage, at the top of a test script:
#     . "$(dirname "$0")/../lib/web.sh"
#     harness_init "$@"
#     web_prologue --smtp                  # skips without aiosmtpd
#     EXTRA_WEB="base_url = $URL
#     listen = 127.0.0.1:$PORT" EXTRA_MAIL=$(web_mail_conf) sesamed_config >"$T/sesame.conf"
#     sesamed_start "$T/sesame.conf" || bail_out "sesamed did not start"
#     sink_start || bail_out "the SMTP server did not start"
#     web_start || bail_out "sesame-web did not start"
#     check "forgot for alice" 200 "$(forgot alice)"
#     ok "a mail arrives" wait_for 10 sink_has 1
#
# Set at once: P (ou=people of the fixture), WEB_UID (the [web] user,
# 990), SRC (the source tree), SYS_PYTHON (the system python3, which has
# aiosmtpd).  Set by web_prologue: SESAME_WEB, SPOOL ($T/spool), PORT and
# SMTP_PORT (free ports on loopback), URL (http://127.0.0.1:$PORT;
# a test serving HTTPS sets it anew, and WEB_CACERT to the CA that curl
# verifies sesame-web's certificate with).

# shellcheck source=tests/lib/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# shellcheck disable=SC2034 # for the test scripts
{
        P="ou=people,dc=example,dc=test"
        WEB_UID=990
        SRC=$(cd "$HARNESS_LIB/../.." && pwd -P)
        SYS_PYTHON=/usr/bin/python3 # aiosmtpd is Debian's package
}
WEB_PID=
SINK_PID=
WEB_CACERT=

# bail_out MESSAGE: the test cannot go on
bail_out() {
        echo "Bail out! $*"
        exit 1
}

# web_prologue [--smtp] [FILE...]: after harness_init.  sesamed,
# sesame-web and each FILE must be built (else the test bails out); with
# --smtp, aiosmtpd must be installed (else the test is skipped).  Starts
# slapd with the --login fixture, adds the web user to the local
# accounts, picks PORT and SMTP_PORT, writes the SMTP password that
# sink_start asks for to $T/smtp.pw (0600), and stops sesame-web and the
# SMTP server when the test ends.
web_prologue() {
        local f smtp=
        [ "${1:-}" != --smtp ] || { smtp=1; shift; }
        SESAME_WEB=$BUILD_DIR/helper/sesame-web/sesame-web
        SPOOL=$T/spool
        for f in "$SESAMED" "$SESAME_WEB" "$@"; do
                [ -e "$f" ] || bail_out "$f is not built"
        done
        if [ -n "$smtp" ] && ! "$SYS_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
                echo "1..0 # SKIP python3-aiosmtpd is not installed"
                exit 77
        fi
        SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || bail_out "slapd did not start"
        local_user "sesame-web:x:$WEB_UID:$WEB_UID::/nonexistent:/usr/sbin/nologin"
        read -r PORT SMTP_PORT <<<"$(_slapd_free_ports 2 | xargs)"
        [ -n "$SMTP_PORT" ] || bail_out "no free port"
        URL="http://127.0.0.1:$PORT"
        printf 'Smtp-Passw0rd!\n' >"$T/smtp.pw"
        chmod 0600 "$T/smtp.pw"
        trap 'web_stop; sink_stop; harness_cleanup' EXIT
}

# web_mail_conf [tls|plain|held]: the [mail] lines (for EXTRA_MAIL) of
# a spool in $SPOOL, the shipped templates and mails sent to the SMTP
# server of sink_start on SMTP_PORT: tls (the default) with STARTTLS and
# AUTH, retried each second; plain, in clear text and without AUTH (for
# sink_start --plain); held, to a port where nothing listens and retried
# after an hour, so that the mails stay in the spool to be read there.
web_mail_conf() {
        local to="smtp://127.0.0.1:$SMTP_PORT"
        case ${1:-tls} in
        tls) printf '%s\n' "spool_dir = $SPOOL" "smtp_url = $to" "ca_file = $SLAPD_CA" "user = sesame" \
                "password_file = $T/smtp.pw" "from = noreply@example.test" "template_dir = $SRC/conf/mail" \
                "retry_interval = 1" ;;
        plain) printf '%s\n' "spool_dir = $SPOOL" "smtp_url = $to" "starttls = no" "from = noreply@example.test" \
                "template_dir = $SRC/conf/mail" "retry_interval = 1" ;;
        held) printf '%s\n' "spool_dir = $SPOOL" "smtp_url = smtp://127.0.0.1:1" "template_dir = $SRC/conf/mail" \
                "retry_interval = 3600" ;;
        *) echo "web_mail_conf: unknown kind '$1'" >&2; return 1 ;;
        esac
}

# sink_start [--plain] [DIR]: the SMTP server on SMTP_PORT, writing each
# message it takes to DIR (default $T/sink) as <n>.eml; STARTTLS (with
# slapd's certificate) and AUTH (user sesame, $T/smtp.pw) required, or
# with --plain neither offered.  Waits until it listens, at most 10 s.
sink_start() {
        local -a tls=(--tls "$T/slapd/tls/server.pem" "$T/slapd/tls/server.key" --auth sesame "$T/smtp.pw")
        [ "${1:-}" != --plain ] || { tls=(); shift; }
        "$SYS_PYTHON" -B "$HARNESS_LIB/smtp-sink.py" "$SMTP_PORT" "${1:-$T/sink}" "${tls[@]}" >"$T/sink.out" \
                2>>"$T/sink.err" &
        SINK_PID=$!
        wait_for 10 grep -q ready "$T/sink.out"
}
sink_stop() { [ -z "$SINK_PID" ] || { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }; }

# web_start [VAR=VALUE...]: sesame-web with $T/sesame.conf in the
# foreground (logging to $T/sesame-web.log), in this environment without
# the locale's variables but those given (so its mails are in English
# unless LANG is given); waits until it serves the forgot page, at most
# 10 s.
web_start() {
        env -u LANG -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LOCPATH "$@" "$SESAME_WEB" -f -c "$T/sesame.conf" \
                >>"$T/sesame-web.log" 2>&1 &
        WEB_PID=$!
        wait_for 10 curl -s -o /dev/null --max-time 2 ${WEB_CACERT:+--cacert "$WEB_CACERT"} "$URL/forgot"
}
web_stop() { [ -z "$WEB_PID" ] || { kill "$WEB_PID" 2>/dev/null; wait "$WEB_PID" 2>/dev/null; WEB_PID=; }; }

# fetch PATH [CURL-ARGS...]: $URL$PATH with curl; the headers into $T/h,
# the body into $T/b, cookies to and from $T/jar; prints the status
fetch() {
        local path=$1
        shift
        curl -s --max-time 20 ${WEB_CACERT:+--cacert "$WEB_CACERT"} -b "$T/jar" -c "$T/jar" -D "$T/h" -o "$T/b" \
                -w '%{http_code}' "$@" "$URL$path"
}
# header NAME: its value in the last fetch's answer
header() { grep -i "^$1:" "$T/h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
# csrf_field: the CSRF value of the form in the last fetch's page
csrf_field() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/b" | head -n 1; }
# forgot LOGIN: the forgot-password form, filled in and sent; prints the
# status
forgot() {
        fetch /forgot >/dev/null
        fetch /forgot --data-urlencode "csrf=$(csrf_field)" --data-urlencode "login=$1"
}

# sink_count [DIR]: how many messages the SMTP server took into DIR
# (default $T/sink)
sink_count() { find "${1:-$T/sink}" -name '*.eml' 2>/dev/null | wc -l; }
# sink_has N [DIR]: at least N (for wait_for)
sink_has() { [ "$(sink_count "${2:-}")" -ge "$1" ]; }
# sink_file N: the Nth message of $T/sink
sink_file() { printf '%s/%06d.eml' "$T/sink" "$1"; }
# mail_parts FILE: the message decoded: its headers, type and text parts
# (mail-show.py --parts)
mail_parts() { "$SYS_PYTHON" -B "$HARNESS_LIB/mail-show.py" --parts "$1"; }
# mail_list [DIR]: "FILE<TAB>RECIPIENTS<TAB>SUBJECT" for each message in
# DIR (default $T/sink), in the order they arrived, subjects decoded
mail_list() { "$SYS_PYTHON" -B "$HARNESS_LIB/mail-show.py" --list "${1:-$T/sink}"; }

# binds USER PASSWORD: ldapwhoami as the fixture's USER succeeds
binds() { timeout 10 ldapwhoami -x -H "$SLAPD_URI" -D "uid=$1,$P" -w "$2" >/dev/null 2>&1; }
# confirmed USER: 1 when the directory has USER's address confirmed, else 0
confirmed() { slapd_ldapsearch -b "uid=$1,$P" -s base sesameEmailConfirmed | grep -c '^sesameEmailConfirmed:'; }
# web CMD ARGS...: a web.sock request as the web user (rawclient.py):
# prints the answer; exit status 0 OK, 16 REFUSED, 3 no answer
web() { as_uid "$WEB_UID" "$WEB_UID" "$PYTHON3" -B "$HARNESS_LIB/rawclient.py" --socket /run/sesame/web.sock "$@"; }
# rc_of COMMAND...: its exit status, its output dropped
rc_of() {
        "$@" >/dev/null 2>&1
        echo $?
}

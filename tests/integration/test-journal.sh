#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Events in the journal: a private systemd-journald (volatile storage, in
# the private /run of the namespace, in a network namespace of its own so
# that it cannot touch the kernel's audit settings) and the built sesamed
# run as systemd runs it, not in the foreground, with /dev/log pointing at
# journald's syslog socket as on a systemd host.  Logins through pamtester
# and pam_sesame.so make the events; journalctl reads them back.  Checks
# the fields (doc/events.md), that no password reaches the journal, and
# that an event goes to syslog instead when the journal's socket is gone
# or refuses it, and that journalctl -x explains events with the message
# catalog (conf/sesame.catalog).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
JOURNALD=
for f in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
        [ -x "$f" ] && JOURNALD=$f && break
done
if [ -z "$JOURNALD" ] || ! command -v journalctl >/dev/null; then
        echo "1..0 # SKIP needs systemd-journald and journalctl"
        exit 77
fi
pw() { printf '%s-Passw0rd!' "${1^}"; } # fixture password of a user
SOCK=/run/systemd/journal/socket
LOGIN_ID=e74cc0eef0164119a023e5172bcccb20
FAILED_ID=829a0215ddac42a68071f0cdfefb511e
WRONG_PW='Wr0ng-Journal-Secret!'

JOURNALD_PID=
journald_stop() {
        [ -n "$JOURNALD_PID" ] || return 0
        kill -TERM "$JOURNALD_PID" 2>/dev/null
        timeout 10 tail --pid="$JOURNALD_PID" -f /dev/null
        kill -KILL "$JOURNALD_PID" 2>/dev/null
        wait "$JOURNALD_PID" 2>/dev/null
        JOURNALD_PID=
}
trap 'journald_stop; harness_cleanup' EXIT

# journald: nothing written outside the namespace's /run, nothing read
# from the kernel, nothing forwarded
mkdir -p /run/systemd/journald.conf.d
printf '%s\n' '[Journal]' 'Storage=volatile' 'ReadKMsg=no' 'ForwardToSyslog=no' 'ForwardToKMsg=no' \
        'ForwardToConsole=no' 'ForwardToWall=no' >/run/systemd/journald.conf.d/test.conf
SYSTEMD_LOG_TARGET=console unshare -n -- "$JOURNALD" >"$T/journald.log" 2>&1 &
JOURNALD_PID=$!
wait_for 10 test -S "$SOCK" || { sed 's/^/#   /' "$T/journald.log"; echo "Bail out! journald did not start"; exit 1; }
ok "a private journald listens" test -S /run/systemd/journal/dev-log

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }

# sesamed as systemd starts it: not in the foreground.  The host may have
# no /dev/log to bind over, so sesamed gets a /dev of its own (in a
# nested mount namespace) whose log is journald's syslog socket.  It is
# built in the namespace's private /run, so that no mount of it is ever
# under $T (which the harness removes).
DEV=/run/sesame-test-dev
mkdir "$DEV"
mount -t tmpfs -o mode=0755 tmpfs "$DEV"
for n in null zero full random urandom; do
        touch "$DEV/$n"
        mount --bind "/dev/$n" "$DEV/$n"
done
ln -s /run/systemd/journal/dev-log "$DEV/log"
sesamed_config >"$T/sesame.conf"
chmod 0600 "$T/sesame.conf"
# shellcheck disable=SC2016 # expanded by that shell
unshare -m --propagation private -- sh -c 'mount --rbind "$1" /dev && shift && exec "$@"' \
        sh "$DEV" "$SESAMED" -c "$T/sesame.conf" -d >>"$T/sesamed.log" 2>&1 &
SESAMED_PID=$!
wait_for 10 test -S /run/sesame/pam.sock || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<EOF
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
session  required pam_sesame.so
EOF

J() { timeout 30 journalctl -D /run/log/journal --no-pager "$@"; }
# count MATCH...: how many entries match
count() { J -o json "$@" | grep -c '^{'; }
# count_is N MATCH...: exactly N entries match (for wait_for)
count_is() { [ "$(count "${@:2}")" = "$1" ]; }
# fields MATCH...: "KEY=value" lines of the one entry that matches
fields() {
        local n
        n=$(count "$@")
        [ "$n" = 1 ] || { echo "fields $*: $n entries match, want 1" >&2; return 1; }
        J -o export "$@"
}
# has MATCH... -- LINE...: the one matching entry has each field LINE
has() {
        local -a match=()
        while [ $# -gt 0 ] && [ "$1" != -- ]; do match+=("$1"); shift; done
        shift
        fields "${match[@]}" >"$T/entry" || return 1
        local l rc=0
        for l in "$@"; do
                grep -qxF -- "$l" "$T/entry" || { echo "missing: $l" >&2; rc=1; }
        done
        [ $rc = 0 ] || sed 's/^/entry: /' "$T/entry" >&2
        return $rc
}

# --- the journal path --------------------------------------------------------
pam_expect "hookuser logs in" ok "$(pw hookuser)" -I rhost=192.0.2.7 pw hookuser authenticate
ok "the login event reaches the journal" wait_for 10 count_is 1 MESSAGE_ID=$LOGIN_ID SESAME_USER=hookuser
ok "as a journal entry with its fields" has MESSAGE_ID=$LOGIN_ID SESAME_USER=hookuser -- \
        "_TRANSPORT=journal" "_PID=$SESAMED_PID" "PRIORITY=6" "SYSLOG_FACILITY=10" "SYSLOG_IDENTIFIER=sesamed" \
        "SESAME_EVENT=login" "SESAME_SERVICE=pw" "SESAME_RHOST=192.0.2.7" \
        "MESSAGE=SESAME_EVENT=login MESSAGE_ID=$LOGIN_ID USER=hookuser SERVICE=pw RHOST=192.0.2.7"
ok "fields it does not have are left out" _not grep -qE '^SESAME_(TTY|REASON)=' "$T/entry"
ok "journalctl -t sesamed finds it" count_is 1 -t sesamed SESAME_EVENT=login

# the message catalog explains it (journalctl -x), its fields filled in.
# journalctl -x reads only /var/lib/systemd/catalog/database: a database
# of conf/sesame.catalog alone is built in a private root (--root) and
# mounted over that directory in this namespace; the host's stays as it is
JROOT=/run/sesame-test-root
mkdir -p "$JROOT/usr/lib/systemd/catalog"
cp "$HARNESS_LIB/../../conf/sesame.catalog" "$JROOT/usr/lib/systemd/catalog/"
ok "journalctl --update-catalog takes conf/sesame.catalog" journalctl --root="$JROOT" --update-catalog
mount --bind "$JROOT/var/lib/systemd/catalog" /var/lib/systemd/catalog
ok "journalctl -x shows the catalog's subject of the login" sh -c \
        "journalctl -D /run/log/journal -x --no-pager MESSAGE_ID=$LOGIN_ID SESAME_USER=hookuser |
                grep -F 'Subject: hookuser logged in through Sesame (pw)'"

pam_expect "a wrong password fails" "$PAM_TEXT_AUTH_ERR" "$WRONG_PW" pw hookuser authenticate
ok "login-failed: notice, with the reason" wait_for 10 has MESSAGE_ID=$FAILED_ID SESAME_USER=hookuser -- \
        "PRIORITY=5" "SESAME_EVENT=login-failed" "SESAME_REASON=bad-password" "SYSLOG_FACILITY=10"
ok "journalctl -x explains it with the reason" sh -c \
        "journalctl -D /run/log/journal -x --no-pager MESSAGE_ID=$FAILED_ID SESAME_USER=hookuser |
                grep -F 'Subject: Login of hookuser to pw failed: bad-password'"

# a login name in UTF-8, as typed: matched exactly in the field, escaped
# in the line
pam_expect "an unknown UTF-8 name fails" "$PAM_TEXT_USER_UNKNOWN" "$WRONG_PW" pw 'josé' authenticate
ok "SESAME_USER=josé matches it exactly" wait_for 10 has SESAME_USER='josé' SESAME_REASON=unknown-user -- \
        "SESAME_EVENT=login-failed" \
        "MESSAGE=SESAME_EVENT=login-failed MESSAGE_ID=$FAILED_ID USER=\"jos\\xc3\\xa9\" SERVICE=pw REASON=unknown-user"

pam_expect "a session opens and closes" ok "" pw hookuser open_session close_session
ok "session-open and session-close are entries" \
        wait_for 10 count_is 2 SESAME_USER=hookuser SESAME_EVENT=session-open SESAME_EVENT=session-close

ok "no password in the journal, in any field" _not sh -c \
        "journalctl -D /run/log/journal -o export | grep -aF -e '$(pw hookuser)' -e '$WRONG_PW'"
ok "no event went to syslog as well" count_is 0 _TRANSPORT=syslog SYSLOG_IDENTIFIER=sesamed SESAME_EVENT=login
ok "no event line went to syslog as well" _not sh -c \
        "journalctl -D /run/log/journal -o cat _TRANSPORT=syslog SYSLOG_IDENTIFIER=sesamed | grep -F SESAME_EVENT="
# so that the fallback checks below can fail: syslog does reach journald
ok "sesamed's other messages arrive by syslog, facility authpriv" \
        sh -c "journalctl -D /run/log/journal -o export _TRANSPORT=syslog SYSLOG_IDENTIFIER=sesamed |
                grep -qx SYSLOG_FACILITY=10"

# --- the fallback: syslog, with the same line --------------------------------
# login_via_syslog RHOST DESCRIPTION: hookuser logs in from RHOST; the
# event arrives by syslog with the line it has always had, and not by the
# journal
login_via_syslog() {
        local rhost=$1 desc=$2 line
        line="SESAME_EVENT=login MESSAGE_ID=$LOGIN_ID USER=hookuser SERVICE=pw RHOST=$rhost"
        pam_expect "$desc: hookuser logs in" ok "$(pw hookuser)" -I rhost="$rhost" pw hookuser authenticate
        ok "$desc: the event arrives by syslog" \
                wait_for 10 count_is 1 _TRANSPORT=syslog SYSLOG_IDENTIFIER=sesamed MESSAGE="$line"
        ok "$desc: at facility authpriv, priority info" has _TRANSPORT=syslog MESSAGE="$line" -- \
                "SYSLOG_FACILITY=10" "PRIORITY=6"
        check "$desc: and not by the journal" 0 "$(count _TRANSPORT=journal SESAME_RHOST="$rhost")"
}

mv "$SOCK" "$SOCK.away"
login_via_syslog 192.0.2.8 "no journal socket"

# a socket nobody listens on: sd_journal_sendv() fails, syslog gets it
"$PYTHON3" -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.close()' "$SOCK"
login_via_syslog 192.0.2.10 "a dead journal socket"
rm -f "$SOCK"

mv "$SOCK.away" "$SOCK"
pam_expect "the journal is back: hookuser logs in" ok "$(pw hookuser)" -I rhost=192.0.2.9 pw hookuser authenticate
ok "the journal is back: the event is a journal entry again" \
        wait_for 10 has MESSAGE_ID=$LOGIN_ID SESAME_RHOST=192.0.2.9 -- "_TRANSPORT=journal" "SESAME_USER=hookuser"

ok "sesamed is still running" kill -0 "$SESAMED_PID"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Logins on a machine where the Sesame packages are installed, through
# what the packages installed and nothing else: /usr/sbin/sesamed,
# sesamectl, libnss_sesame.so.2 found by glibc through the edited
# /etc/nsswitch.conf, pam_sesame.so through /etc/pam.d/common-* as
# pam-auth-update wrote them, and Debian's own /etc/pam.d/sshd.  The
# directory is the tests' private slapd (tests/lib/slapd.sh) on 127.0.0.1.
#
# Checks: getent and id resolve a directory user; pamtester logs in with
# password and code through common-auth, common-account and
# common-session; an SSH login with password and code and one with a
# public key go through Debian's sshd stack; sesame-web runs as the
# sesame-web user the package made, as its unit runs it, with the SMTP
# password handed over as LoadCredential= does, and delivers a mail that
# sesamed spooled in the spool tmpfiles.d made to a real SMTP server
# (tests/lib/smtp-sink.py: STARTTLS, AUTH) once that server is up; with
# sesamed stopped, a local user still logs in through the same stacks and
# the directory user is refused.  Codes come from oathtool.
#
# Run as root on a throwaway system: inside the overlay of
# tests/install/run.sh, or as the autopkgtest of debian/tests.  It
# changes /etc/sesame/sesame.conf, adds a local user and PAM service, and
# runs in a private mount namespace of its own (sshd.sh mounts a tmpfs on
# /var/log).  Under a running systemd, sesamed is the packaged
# sesamed.service started through its sockets; otherwise /usr/sbin/sesamed
# runs in the foreground.  TAP on stdout.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 77
fi
# it rewrites /etc/sesame/sesame.conf and adds a user: never on a real system
# shellcheck source=tests/install/throwaway.sh
. "$SRC/tests/install/throwaway.sh"
throwaway_root_or_bail login.sh autopkgtest-ok
if [ -z "${SESAME_LOGIN_NS:-}" ]; then
        export SESAME_LOGIN_NS=1
        exec unshare -m --propagation private -- "$0" "$@"
fi

# the harness's TAP, PAM and TOTP helpers, without its namespace set-up
# (harness_init): everything here is the installed system's
# shellcheck source=tests/lib/harness.sh
. "$SRC/tests/lib/harness.sh"
# shellcheck source=tests/lib/sshd.sh
. "$SRC/tests/lib/sshd.sh"
T=$(mktemp -d /tmp/sesame-login.XXXXXX)
chmod 0711 "$T"
SESAMED=/usr/sbin/sesamed
SESAMECTL=/usr/sbin/sesamectl
# sshd.sh wants a build directory only to look for sanitizer builds
BUILD_DIR=/nonexistent
PAM_SESAME=pam_sesame.so
# services go straight into the system's /etc/pam.d
pam_service() { cat >"/etc/pam.d/$1"; }
LOCAL_USER=sesame-local
LOCAL_PW='Local-Passw0rd!'
ALICE_PW='Alice-Passw0rd!'
SYSTEMD=no
[ -d /run/systemd/system ] && SYSTEMD=yes

cleanup() {
        web_stop
        sink_stop
        sshd_stop
        stop_sesamed
        [ -n "${SLAPD_DIR:-}" ] && slapd_stop "$SLAPD_DIR" >/dev/null 2>&1
        userdel -r "$LOCAL_USER" >/dev/null 2>&1
        rm -f /etc/pam.d/sesame-install /etc/sesame/bindpw /etc/sesame/ldap-ca.pem /etc/sesame/smtp-password
        rm -rf /etc/systemd/system/sesame-web.service.d
        if [ "${_tap_failed:-0}" != 0 ]; then
                echo "# state kept in $T"
                [ -f "$T/sesamed.log" ] && tail -20 "$T/sesamed.log" | sed 's/^/#   sesamed: /'
        else
                rm -rf "$T"
        fi
}
trap cleanup EXIT

start_sesamed() {
        if [ "$SYSTEMD" = yes ]; then
                systemctl restart sesamed-nss.socket sesamed-pam.socket sesamed-admin.socket sesamed-web.socket &&
                        systemctl restart sesamed.service
        else
                sesamed_start /etc/sesame/sesame.conf
        fi
}
stop_sesamed() {
        if [ "$SYSTEMD" = yes ]; then
                # the sockets too: else the next lookup starts sesamed again
                systemctl stop sesamed.service sesamed-nss.socket sesamed-pam.socket sesamed-admin.socket \
                        sesamed-web.socket
        else
                sesamed_stop
                rm -f /run/sesame/*.sock
        fi
}

for f in /usr/sbin/sesamed /usr/sbin/sesamectl /usr/sbin/sesame-web /etc/pam.d/sshd /etc/sesame/totp.key; do
        [ -e "$f" ] || { echo "Bail out! $f is missing: are the packages installed?"; exit 1; }
done
diag "systemd running: $SYSTEMD"

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# the bind password and the CA where an administrator puts them (and
# where sesamed.service's sandbox, with its private /tmp, sees them)
install -m 0600 "$SLAPD_BIND_PW_FILE" /etc/sesame/bindpw
install -m 0644 "$SLAPD_CA" /etc/sesame/ldap-ca.pem
# sesame-web: the SMTP password root's, as an administrator keeps it; the
# service reads the copy LoadCredential= makes.  Without systemd that
# copy is made here as systemd makes it (owned by the service's user,
# 0400).
read -r WEB_PORT SMTP_PORT <<<"$(_slapd_free_ports 2 | xargs)"
printf 'Smtp-Passw0rd!\n' | install -m 0600 /dev/stdin /etc/sesame/smtp-password
if [ "$SYSTEMD" = yes ]; then
        SMTP_CRED=/run/credentials/sesame-web.service/smtp-password
else
        install -d -m 0755 "$T/credentials"
        SMTP_CRED=$T/credentials/smtp-password
        install -m 0400 -o sesame-web -g sesame-web /etc/sesame/smtp-password "$SMTP_CRED"
fi
TOTP_KEY_FILE=/etc/sesame/totp.key BINDPW_FILE=/etc/sesame/bindpw CA_FILE=/etc/sesame/ldap-ca.pem \
        EXTRA_WEB="listen = 127.0.0.1:$WEB_PORT
base_url = https://login.example.test/self" EXTRA_MAIL="smtp_url = smtp://127.0.0.1:$SMTP_PORT
ca_file = /etc/sesame/ldap-ca.pem
user = sesame
password_file = $SMTP_CRED
from = noreply@example.test
retry_interval = 1" sesamed_config >/etc/sesame/sesame.conf
chmod 0644 /etc/sesame/sesame.conf
ok "sesamed --check accepts the configuration and the packaged key" \
        sh -c "$SESAMED -t >/dev/null 2>$T/check.err && ! grep -q warning $T/check.err"
start_sesamed || { echo "Bail out! sesamed did not start"; exit 1; }
ok "sesamectl check" wait_for 10 "$SESAMECTL" check

# --- NSS through the installed module and the edited nsswitch.conf
check "getent passwd alice" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" "$(getent passwd alice)"
check "id alice: the directory's groups" "uid=10001(alice) gid=10000(ldapusers) groups=10000(ldapusers),10010(engineers),10011(admins)" \
        "$(id alice)"
check "root is still root's" "root:x:0:0:root:/root:/bin/bash" "$(getent passwd root)"

# --- a local user with a password
useradd -M -d /nonexistent -s /bin/sh "$LOCAL_USER" && echo "$LOCAL_USER:$LOCAL_PW" | chpasswd ||
        { echo "Bail out! useradd"; exit 1; }

# --- TOTP for alice, activated with oathtool's code
read -r SECRET STEP < <(totp_enroll alice 2>"$T/enroll.err")
[ -n "${STEP:-}" ] || { sed 's/^/#   /' "$T/enroll.err"; echo "Bail out! TOTP enrolment failed"; exit 1; }

# --- pamtester through the common-* files pam-auth-update wrote
printf '@include %s\n' common-auth common-account common-session | pam_service sesame-install
totp_wait_step $((STEP + 1))
STEP=$(totp_step)
pam_expect "common-*: alice with password and code: auth, account, session" ok \
        "$ALICE_PW"$'\n'"$(totp_code "$SECRET")" sesame-install alice authenticate acct_mgmt open_session close_session
pam_expect "common-*: a disabled directory account is refused in the account phase" "$PAM_TEXT_PERM_DENIED" "" \
        sesame-install disabled acct_mgmt
pam_expect "common-*: the local user with the local password" ok "$LOCAL_PW" \
        sesame-install "$LOCAL_USER" authenticate acct_mgmt open_session close_session

# --- SSH through Debian's own /etc/pam.d/sshd
cp /etc/pam.d/sshd "$T/debian-sshd"
sshd_start "$T/sshd" "$T/debian-sshd" kbd || { echo "Bail out! sshd did not start"; exit 1; }
totp_wait_step $((STEP + 1))
SSH_LOGIN_PASSWORD=$ALICE_PW SSH_LOGIN_CODE=$(totp_code "$SECRET") \
        ssh_login alice --mode kbd --timeout 15 >"$T/ssh.out" 2>"$T/ssh.err"
check "ssh: alice with password and code through Debian's sshd stack" 0 "$?"
ok "ssh: id ran in alice's session" grep -q '^uid=10001(alice)' "$T/ssh.out"
sshd_stop

ssh-keygen -q -t ed25519 -N '' -f "$T/key" || { echo "Bail out! ssh-keygen"; exit 1; }
sshd_start "$T/sshd-pk" "$T/debian-sshd" pubkey || { echo "Bail out! sshd (pubkey) did not start"; exit 1; }
for u in alice disabled "$LOCAL_USER"; do
        sshd_authorize_key "$u" "$T/key.pub"
done
pubkey() { ssh_login "$1" --mode pubkey --key "$T/key" --timeout 15 >"$T/ssh.out" 2>"$T/ssh.err"; }
pubkey alice
check "ssh: alice with a public key (account phase through common-account)" 0 "$?"
pubkey disabled
check "ssh: a disabled directory account's key login is refused" 1 "$?"
pubkey "$LOCAL_USER"
check "ssh: the local user with a public key" 0 "$?"

# --- sesame-web as its unit runs it: the sesame-web user, never root
WEB_PID=
web_start() {
        if [ "$SYSTEMD" = yes ]; then
                mkdir -p /etc/systemd/system/sesame-web.service.d &&
                        printf '[Service]\nLoadCredential=smtp-password:/etc/sesame/smtp-password\n' \
                                >/etc/systemd/system/sesame-web.service.d/credential.conf &&
                        systemctl daemon-reload && systemctl start sesame-web.service || return 1
                WEB_PID=$(systemctl show -P MainPID sesame-web.service)
        else
                # User=, Group=, NoNewPrivileges= and an empty bounding set
                setpriv --reuid=sesame-web --regid=sesame-web --init-groups --no-new-privs --bounding-set=-all \
                        /usr/sbin/sesame-web -f >>"$T/sesame-web.log" 2>&1 &
                WEB_PID=$!
        fi
        wait_for 10 curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$WEB_PORT/forgot"
}
web_stop() {
        if [ "$SYSTEMD" = yes ]; then
                systemctl stop sesame-web.service 2>/dev/null
        elif [ -n "$WEB_PID" ]; then
                kill "$WEB_PID" 2>/dev/null
                wait "$WEB_PID" 2>/dev/null
        fi
        WEB_PID=
}
web_log() {
        if [ "$SYSTEMD" = yes ]; then
                journalctl -q -u sesame-web.service
        else
                cat "$T/sesame-web.log"
        fi
}
web_logged() { web_log 2>/dev/null | grep -q "$1"; }
SINK_PID=
# the SMTP server, with the slapd's certificate (its CA is ca_file) and
# the password of /etc/sesame/smtp-password
sink_start() {
        /usr/bin/python3 -B "$SRC/tests/lib/smtp-sink.py" "$SMTP_PORT" "$T/sink" \
                --tls "$T/slapd/tls/server.pem" "$T/slapd/tls/server.key" \
                --auth sesame /etc/sesame/smtp-password >"$T/sink.out" 2>>"$T/sink.err" &
        SINK_PID=$!
        wait_for 10 grep -q ready "$T/sink.out"
}
sink_stop() { [ -z "$SINK_PID" ] || { kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }; }
mailed() { [ -n "$(find "$T/sink" -name '*.eml' 2>/dev/null)" ]; }
# spooled [.bad.]: a mail of sesamed's in new/, sesame-web's (one set
# aside as unreadable, with .bad.)
spooled() { [ -n "$(find /var/spool/sesame/new -type f -user sesame-web -name "${1:-}[0-9]*")" ]; }
spool_waiting() { spooled && ! spooled .bad.; }
fetch() {
        curl -s --max-time 10 -b "$T/jar" -c "$T/jar" -o "$T/page" -w '%{http_code}' "$@" \
                "http://127.0.0.1:$WEB_PORT/forgot"
}
# readable by sesame-web's user, as the package installs it (the
# harness's sesamed_start made it 0600)
chmod 0644 /etc/sesame/sesame.conf
web_start || { web_log | tail -5 | sed 's/^/#   /'; echo "Bail out! sesame-web did not start"; exit 1; }
check "sesame-web runs as the sesame-web user" "$(id -u sesame-web)" "$(ps -o uid= -p "$WEB_PID" | xargs)"
ok "... and read the SMTP password (the credential) without complaint" _not web_logged password_file
fetch >/dev/null
check "forgot for alice through sesame-web: 200" 200 \
        "$(fetch --data-urlencode "csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/page" | head -n 1)" \
                --data-urlencode login=alice)"
ok "sesamed spooled the mail in new/, sesame-web's" wait_for 10 spooled
ok "sesame-web read it and tried to send it (no SMTP server yet: it waits)" \
        wait_for 10 web_logged 'reset mail for user alice .* could not be sent'
ok "... still in the spool, not set aside as unreadable" spool_waiting
ok "nothing left in tmp/" test -z "$(ls -A /var/spool/sesame/tmp)"
sink_start || { echo "Bail out! the SMTP server did not start"; exit 1; }
ok "with the SMTP server up, the mail arrives (STARTTLS, AUTH with the credential)" wait_for 15 mailed
ok "... for alice" grep -q '^X-Sink-Rcpt: alice@example.test' "$T"/sink/*.eml
ok "... and sesame-web deleted it from the spool" wait_for 5 _not spooled
web_stop
sink_stop

# --- sesamed stopped: local users go on, directory users are refused
stop_sesamed
ok_fail "sesamed stopped: alice no longer resolves" getent passwd alice
pam_expect "sesamed stopped: the local user through common-*" ok "$LOCAL_PW" \
        sesame-install "$LOCAL_USER" authenticate acct_mgmt open_session close_session
pam_expect "sesamed stopped: alice cannot authenticate" "$PAM_TEXT_AUTH_ERR" \
        "$ALICE_PW"$'\n'"$(totp_code "$SECRET")" sesame-install alice authenticate
pubkey "$LOCAL_USER"
check "sesamed stopped: the local user's key login through Debian's sshd" 0 "$?"
pubkey alice
check "sesamed stopped: alice's key login is refused" 1 "$?"

done_testing

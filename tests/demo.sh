#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: installs what it needs, builds Sesame, then in a private mount
# namespace (nothing on this machine's /etc or /run is changed) starts a
# private slapd with sample users (tests/lib/fixture.md), sesamed, and
# shows glibc resolving those users and groups through libnss_sesame.
# Then a real two-factor login: the administrator enrols alice for TOTP
# (a QR code to scan), and alice logs in with her LDAP password and a
# code, through pam_sesame under pamtester and through a private sshd on
# 127.0.0.1.  The codes come from oathtool, standing in for the phone.
# On a terminal it then opens a shell inside the namespace to explore.
#
# usage: sudo tests/demo.sh
set -uo pipefail
if [ -z "${SESAME_TEST_NS:-}" ]; then
        cd "$(dirname "$0")/.."
        tests/install-deps.sh || exit 1
        if [ ! -f build-demo/build.ninja ]; then
                meson setup build-demo >/dev/null || exit 1
        fi
        ninja -C build-demo >/dev/null || exit 1
        export BUILD_DIR=$PWD/build-demo
fi
. "$(dirname "$0")/lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "sesamed did not start"; cat "$T/sesamed.log"; exit 1; }

show() {
        echo "\$ $*"
        "$@" 2>&1 | head -5
        echo
}
echo "== Sesame demo: a private slapd at $SLAPD_URI, sesamed on /run/sesame =="
echo "   (nsswitch.conf in this namespace: passwd/group: files sesame)"
echo
show getent passwd alice
show getent passwd 10002
show id alice
show getent group engineers
echo "\$ getent group big | tr , '\\n' | wc -l     # a group of 5000 members"
getent group big | cut -d: -f4 | tr ',' '\n' | wc -l
echo
echo "\$ getent passwd | wc -l                    # enumeration, paged"
getent passwd | wc -l
echo
echo "\$ getent passwd root                       # local accounts always win"
getent passwd root
echo
# ---------------------------------------------------------------------------
# A real login: LDAP password and TOTP code
. "$HARNESS_LIB/sshd.sh"
pam_service sesame-demo <<'EOF'
auth     required pam_sesame.so totp=required
account  required pam_sesame.so
session  required pam_sesame.so
EOF
echo "== Two-factor login =="
echo "\$ cat /etc/pam.d/sesame-demo"
sed "s#$PAM_SESAME#pam_sesame.so#" /etc/pam.d/sesame-demo
echo
echo "\$ sesamectl totp enroll alice --no-activate   # scan the QR code with an authenticator app"
sesamectl_run totp enroll alice --no-activate | tee "$T/enroll.out"
secret=$(sed -n 's/^secret: *//p' "$T/enroll.out")
[ -n "$secret" ] || { echo "enrolment failed"; exit 1; }
echo
totp_wait_safe 12
code=$(totp_code "$secret" -1)
echo "\$ echo $code | sesamectl totp activate alice   # the code the app showed (oathtool here)"
sesamectl_run totp activate alice <<<"$code" || exit 1
echo
code=$(totp_code "$secret")
echo "\$ pamtester sesame-demo alice authenticate acct_mgmt open_session close_session"
echo "  (answers: Alice-Passw0rd! and the current code $code)"
pamtester_run "$(printf 'Alice-Passw0rd!\n%s' "$code")" sesame-demo alice \
        authenticate acct_mgmt open_session close_session || exit 1
echo
echo "\$ # the same code once more: refused, it was used (replay protection)"
pamtester_run "$(printf 'Alice-Passw0rd!\n%s' "$code")" sesame-demo alice authenticate
echo
sshd_pam_sesame totp=required >"$T/pam-sshd"
if sshd_start "$T/sshd" "$T/pam-sshd"; then
        code=$(totp_code "$secret" 1)
        echo "\$ ssh -p $SSHD_PORT alice@127.0.0.1 id   # keyboard-interactive: password, then code $code"
        SSH_LOGIN_PASSWORD='Alice-Passw0rd!' SSH_LOGIN_CODE=$code ssh_login alice --mode kbd --timeout 15
        echo
        sshd_stop
else
        echo "(sshd did not start: see $T/sshd/sshd.log)"
fi
echo "\$ grep SESAME_EVENT sesamed.log   # every event, with a stable message id"
grep -o 'SESAME_EVENT=.*' "$T/sesamed.log" | head -8
echo

if [ -t 0 ]; then
        export PATH="$BUILD_DIR/helper/sesamectl:$PATH"
        echo "A shell inside the demo namespace: try getent, id, sesamectl user show alice,"
        echo "or pamtester sesame-demo alice authenticate.  'exit' ends the demo."
        PS1='sesame-demo# ' bash --norc -i
fi
echo "Demo finished; slapd and sesamed stopped."

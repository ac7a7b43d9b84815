#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every client of sesamed (the NSS module, pam_sesame, sesamectl) refuses a
# server that is not root, even on a socket file that root owns: whoever
# could bind /run/sesame/*.sock before sesamed (or keep an old descriptor
# of it) must not be able to answer "yes" to a login or forge an account.
# tests/lib/fakesesamed.py binds the three sockets as root, then listens as
# uid 65534 and forges a successful answer to anything.  The same forger
# run as root first shows that each client, asked this way, does believe
# what it is told: so the refusals below are the peer check's doing.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMECTL"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
PROBE=$BUILD_DIR/tests/integration/nss-probe
MODULE=$T/lib/libnss_sesame.so.2
FORGED="alice:x:4242:4242:Forged:/forged:/bin/sh"

pam_service login <<EOF
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
EOF

# fake_start UID: the forger on all three sockets, listening as UID
fake_start() {
        local i
        rm -f /run/sesame/*.sock "$T/fake.out"
        : >"$T/fake.log"
        "$PYTHON3" "$HARNESS_LIB/fakesesamed.py" --uid "$1" --log "$T/fake.log" --lifetime 120 \
                /run/sesame/nss.sock /run/sesame/pam.sock /run/sesame/admin.sock >"$T/fake.out" 2>&1 &
        FAKE_PID=$!
        for i in $(seq 1 100); do
                grep -qx ready "$T/fake.out" 2>/dev/null && return 0
                kill -0 "$FAKE_PID" 2>/dev/null || break
                sleep 0.05
        done
        echo "Bail out! fakesesamed.py did not start: $(cat "$T/fake.out")"
        exit 1
}
fake_stop() {
        [ -n "${FAKE_PID:-}" ] || return 0
        kill -TERM "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=
        rm -f /run/sesame/*.sock
}
trap 'fake_stop; harness_cleanup' EXIT
# the forger is up and answers (rawclient.py checks no peer): a request
# on SOCKET gets the forged STATUS=OK
forger_answers() {
        "$PYTHON3" "$HARNESS_LIB/rawclient.py" --socket "/run/sesame/$1" --timeout 5 ping | grep -qx STATUS=OK
}
# requests SOCKET: how many requests reached the forger on SOCKET
requests() { grep -c "^$1 request " "$T/fake.log"; }
# silent SOCKET: how many connections to SOCKET closed without a byte
silent() { grep -c "^$1 nothing$" "$T/fake.log"; }
# rc_out WANT_RC WANT_STDOUT COMMAND...: exit status and whole stdout
rc_out() {
        local want_rc=$1 want_out=$2 out rc
        shift 2
        out=$("$@")
        rc=$?
        [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] && return 0
        echo "exit $rc, want $want_rc; stdout '$out', want '$want_out'"
        return 1
}

# --- control: a forger that IS root is believed by every client --------------
fake_start 0
check "control: getent believes a root server" "$FORGED" "$(getent passwd alice)"
check "control: so does the module called directly" "SUCCESS $FORGED" "$("$PROBE" module "$MODULE" passwd alice)"
pam_expect "control: pam_sesame takes any password from a root server" ok "Any-Passw0rd!" login alice \
        authenticate acct_mgmt
check "control: sesamectl believes a root server" "alice: unlocked" "$(sesamectl_run unlock alice 2>&1)"
check "control: the requests reached the forger (nss: getent and the module; pam; admin)" "2 2 1" \
        "$(requests nss.sock) $(requests pam.sock) $(requests admin.sock)"
fake_stop

# --- the same forger as uid 65534, on sockets root owns ----------------------
fake_start 65534
check "the sockets are root's" "0 0 0" \
        "$(stat -c %u /run/sesame/nss.sock /run/sesame/pam.sock /run/sesame/admin.sock | xargs)"
check "the forger runs as uid 65534" "65534" "$(awk '/^Uid:/ { print $2 }' "/proc/$FAKE_PID/status")"
forger_answers_all() { forger_answers nss.sock && forger_answers pam.sock && forger_answers admin.sock; }
ok "the forger answers on nss.sock, pam.sock and admin.sock" forger_answers_all
: >"$T/fake.log"

ok "getent passwd: nothing (exit 2, no output)" rc_out 2 "" getent passwd alice
ok "getent group: nothing" rc_out 2 "" getent group engineers
ok "getent initgroups: no group of the forger's" rc_out 0 "alice" sh -c "getent initgroups alice | xargs"
check "the module itself: UNAVAIL, not the forged entry" "UNAVAIL" "$("$PROBE" module "$MODULE" passwd alice)"
check "... by uid" "UNAVAIL" "$("$PROBE" module "$MODULE" passwd 4242)"
check "... initgroups" "UNAVAIL 0 " "$("$PROBE" module "$MODULE" initgroups alice)"
pam_expect "pam_sesame auth: PAM_AUTHINFO_UNAVAIL, never success" "$PAM_TEXT_AUTHINFO_UNAVAIL" "Any-Passw0rd!" \
        login alice authenticate
pam_expect "pam_sesame account: refused (PAM_PERM_DENIED), never success" "$PAM_TEXT_PERM_DENIED" "" login alice \
        acct_mgmt
ok "... because it cannot check the account" grep -q "cannot be checked right now" "$T/pam.out"
sesamectl_run unlock alice >"$T/ctl.out" 2>"$T/ctl.err"
check "sesamectl: exit status 3 (unreachable)" 3 "$?"
ok "... saying the server is not root" grep -q "served by a process that is not root" "$T/ctl.err"
ok "... and printing no success" test ! -s "$T/ctl.out"
check "no request reached the forger: not a byte was sent" "0 0 0" \
        "$(requests nss.sock) $(requests pam.sock) $(requests admin.sock)"
ok "... although every client connected (and hung up)" \
        test "$(silent nss.sock)" -ge 5 -a "$(silent pam.sock)" -ge 2 -a "$(silent admin.sock)" -ge 1
fake_stop

done_testing

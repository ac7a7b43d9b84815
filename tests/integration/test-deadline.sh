#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The deadline travels in the request: what the real clients (glibc NSS
# through libnss_sesame, Linux-PAM through pam_sesame, sesamectl) put in
# DEADLINE_MS, and how long they wait, against a stand-in for sesamed
# (tests/lib/deadline-peer.py) that logs each request and answers as slowly
# as a case needs.  In a private mount namespace; no slapd.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

FAKE=$HARNESS_LIB/deadline-peer.py
NSS_MS=$(sed -n 's/^#define SESAME_NSS_TIMEOUT_MS //p' "$BUILD_DIR/config.h")
[ -n "$NSS_MS" ] || { echo "Bail out! no SESAME_NSS_TIMEOUT_MS in $BUILD_DIR/config.h"; exit 1; }

FAKE_PIDS=()
trap 'fake_stop; harness_cleanup' EXIT

# fake_start NAME SOCKET [PLAN]: a stand-in on SOCKET logging to
# $T/NAME.log (one line "OPCODE DEADLINE_MS" per request), answering per
# PLAN (deadline-peer.py); waits until it listens.
fake_start() {
        local name=$1 sock=$2 plan=${3:-}
        : >"$T/$name.log"
        "$PYTHON3" "$FAKE" --socket "$sock" --log "$T/$name.log" --plan "$plan" >"$T/$name.ready" 2>"$T/$name.err" &
        FAKE_PIDS+=($!)
        wait_for 10 grep -qx ready "$T/$name.ready" || { echo "Bail out! $name did not start"; exit 1; }
}
fake_stop() {
        local p
        for p in "${FAKE_PIDS[@]}"; do
                kill "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        FAKE_PIDS=()
}
# request N NAME: line N of NAME's log ("0x0204 1987")
request() { sed -n "${1}p" "$T/$2.log"; }
# in_range LO HI VALUE: LO < VALUE <= HI, VALUE a number
in_range() {
        if [[ $3 =~ ^[0-9]+$ ]] && [ "$3" -gt "$1" ] && [ "$3" -le "$2" ]; then
                return 0
        fi
        echo "'$3' is not in ($1, $2]" >&2
        return 1
}
# deadline N NAME: the DEADLINE_MS of request N
deadline() { request "$1" "$2" | cut -d' ' -f2; }

# --- NSS -----------------------------------------------------------------------
fake_start nss /run/sesame/nss.sock "notfound,ok"
ok "getent passwd of an unknown name: not found (exit 2)" sh -c "getent passwd nosuchuser; [ \$? = 2 ]"
check "... one PASSWD_BYNAME" "0x0002" "$(request 1 nss | cut -d' ' -f1)"
ok "... carrying DEADLINE_MS in (0, $NSS_MS]" in_range 0 "$NSS_MS" "$(deadline 1 nss)"
ok "getent passwd (enumeration)" getent passwd
check "... PASSWD_ENUM" "0x0006" "$(request 2 nss | cut -d' ' -f1)"
ok "... waits for the first frame ten times as long, and says so" \
        in_range "$NSS_MS" "$((10 * NSS_MS))" "$(deadline 2 nss)"
fake_stop

# --- PAM -------------------------------------------------------------------------
pam_service login-t3 <<EOF
auth     required pam_sesame.so totp=off timeout=3
account  required pam_sesame.so timeout=3
EOF
pam_service passwd-t2 <<EOF
password required pam_sesame.so timeout=2
EOF
OLD=Old-Passw0rd! NEW=New-Passw0rd!

fake_start pam /run/sesame/pam.sock "ok,ok"
pam_expect "auth and account" ok "$OLD" login-t3 alice authenticate acct_mgmt
check "... AUTH, ACCOUNT" "0x0200 0x0202" "$(request 1 pam | cut -d' ' -f1) $(request 2 pam | cut -d' ' -f1)"
ok "... AUTH carries timeout=3" in_range 2000 3000 "$(deadline 1 pam)"
ok "... ACCOUNT, another PAM call, the whole of it again" in_range 2000 3000 "$(deadline 2 pam)"
fake_stop

# sesamed takes 1.5 s to check the current password, then does not answer
# the change at all: the call fails when its 2 s are up, not 2 s later
fake_start pw-hang /run/sesame/pam.sock "ok,ok@1500,hang"
t0=$(ms)
pam_expect "a password change whose second request goes unanswered fails" "$PAM_TEXT_AUTHINFO_UNAVAIL" \
        "$OLD"$'\n'"$NEW"$'\n'"$NEW" passwd-t2 bob chauthtok
t1=$(ms)
ok "... within the 2 s of timeout= for the whole call (took $((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
check "... PING (preliminary check), then two CHAUTHTOK" "0x0100 0x0204 0x0204" \
        "$(cut -d' ' -f1 "$T/pw-hang.log" | xargs)"
ok "... the first carries the whole 2 s" in_range 1500 2000 "$(deadline 2 pw-hang)"
ok "... the second what is left of them" in_range 0 500 "$(deadline 3 pw-hang)"
fake_stop

# the person takes 2.5 s to type the new password: their time is not
# sesamed's, so the change still has what the first request left of 2 s
fake_start pw-slow /run/sesame/pam.sock "ok,ok@1000,ok@600"
{
        printf '%s\n' "$OLD"
        sleep 2.5
        printf '%s\n' "$NEW" "$NEW"
} | timeout -k 5 30 pamtester -v passwd-t2 bob chauthtok >"$T/pam.out" 2>&1
check "a slow typist's password change succeeds" 0 "$?"
ok "... its change request has about 1 s left" in_range 500 1000 "$(deadline 3 pw-slow)"
fake_stop

# --- sesamectl -------------------------------------------------------------------
fake_start ctl /run/sesame/other-admin.sock "ok"
ok "sesamectl --socket --timeout 4 ping" sesamectl_run --socket /run/sesame/other-admin.sock --timeout 4 ping
check "... PING" "0x0100" "$(request 1 ctl | cut -d' ' -f1)"
ok "... carrying its --timeout" in_range 3000 4000 "$(deadline 1 ctl)"
fake_stop


done_testing

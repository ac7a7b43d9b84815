#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Socket activation: sesamed serves the sockets systemd passes it
# (sd_listen_fds_with_names(), FileDescriptorName= naming each), here
# passed by systemd-socket-activate, the same protocol a .socket unit
# speaks; it leaves those socket files alone when it stops, and refuses to
# start when passed a socket it does not know.
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

command -v systemd-socket-activate >/dev/null || { echo "Bail out! systemd-socket-activate missing"; exit 1; }
slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
chmod 0600 "$T/sesame.conf"
S=/run/sesame

# activate NAMES...: systemd-socket-activate listening on $S/NAME for
# each NAME, starting sesamed at the first connection; pid in SESAMED_PID
activate() {
        local args=() names="" n
        for n in "$@"; do
                args+=(-l "$S/$n")
                names="${names:+$names:}$n"
        done
        systemd-socket-activate "${args[@]}" --fdname="$names" \
                "$SESAMED" -f -c "$T/sesame.conf" >>"$T/sesamed-activated.log" 2>&1 &
        SESAMED_PID=$!
        # the listening sockets exist before sesamed runs
        for _ in $(seq 1 100); do
                [ -S "$S/$1" ] && return 0
                sleep 0.05
        done
        return 1
}

# systemd-socket-activate execs sesamed in its own process: the harness
# stops it as any sesamed (also on the way out of a failed test)
stop_activated() { sesamed_stop; }

ok "systemd-socket-activate listens on the three sockets" activate nss.sock pam.sock admin.sock
# the sockets systemd made are root's, as the clients require
check "nss.sock is root's" "0" "$(stat -c %u $S/nss.sock)"
check "a lookup through the passed nss.sock" "10001" "$(getent passwd alice | cut -d: -f3)"
check "the group of a passed socket too" "engineers:x:10010:alice,bob" "$(getent group engineers)"
ok "sesamectl through the passed admin.sock" "$SESAMECTL" ping
# PID 1 (systemd, which holds the sockets) must not ask through them: it
# would wait for a sesamed it has to start itself.  getent as PID 1 of a
# new PID namespace stands in for it.
check "getent as PID 1: the directory user is not looked up" "2" \
        "$(unshare -p -f getent passwd alice >/dev/null 2>&1; echo $?)"
check "... while the same lookup as any other process is answered" "10001" "$(getent passwd alice | cut -d: -f3)"
ok "sesamed started from the activation (its log says ready)" grep -q "ready on" "$T/sesamed-activated.log"
stop_activated
ok "the passed sockets are left in place when sesamed stops" test -S $S/nss.sock -a -S $S/admin.sock
rm -f $S/*.sock

# a socket sesamed does not know is refused: it does not start half-way
activate nss.sock bogus.sock || diag "activation did not start"
ok_fail "a lookup fails: sesamed refused the unknown socket" getent passwd alice
wait_for 5 grep -q "not a name sesamed knows" "$T/sesamed-activated.log"
ok "the log names the unknown socket" grep -q "FileDescriptorName=bogus.sock" "$T/sesamed-activated.log"
stop_activated
rm -f $S/*.sock

# some passed, the others created: a unit may pass only nss.sock
ok "activation of nss.sock alone" activate nss.sock
check "lookup through the passed socket" "10001" "$(getent passwd alice | cut -d: -f3)"
ok "pam.sock created by sesamed itself" test -S $S/pam.sock
check "and with its mode" "666" "$(stat -c %a $S/pam.sock)"
stop_activated
ok_fail "the socket sesamed made is removed when it stops" test -e $S/pam.sock

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One sick server, one stuck connection or one slow request must not lock
# everyone out.  The first URI goes through a TCP proxy (tests/lib/
# tcpproxy.py) that can stop forwarding without closing anything (a
# silently dropped path) or delay every chunk (a slow directory); the
# second is slapd itself.  And a URI whose name lookup hangs (a private
# resolv.conf pointing at a DNS server that never answers).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

[ -e "$PAM_SESAME" ] || { echo "Bail out! $PAM_SESAME is not built"; exit 1; }
slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# shellcheck source=tests/lib/proxy.sh
. "$HARNESS_LIB/proxy.sh"
HELPERS=()
stop_helpers() {
        local p
        proxy_stop
        for p in "${HELPERS[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${HELPERS[@]}"; do wait "$p" 2>/dev/null; done
        HELPERS=()
}
trap 'stop_helpers; harness_cleanup' EXIT
proxy_start || { echo "Bail out! the proxy did not start"; exit 1; }

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
PAM
# login USER: a password login through pamtester succeeds
login() {
        local pw
        pw="$(tr '[:lower:]' '[:upper:]' <<<"${1:0:1}")${1:1}-Passw0rd!"
        pamtester_run "$pw" pw "$1" authenticate acct_mgmt | grep -q "successfully"
}
# lookup NAME: one lookup that waits 15 s for sesamed's answer (getent's
# NSS module gives up after 1 s; here the answer itself is wanted)
lookup() {
        echo "$1" >"$T/name"
        LOOKED=$(timeout 30 "$PYTHON3" "$HARNESS_LIB/nssflood.py" --threads 1 --names "$T/name" --count 1)
        grep -q " ok=1 " <<<"$LOOKED"
}
connected_to() { grep -c "connected to $1" "$T/sesamed.log"; }

# ------------------------------------------- a silently dropped connection
# reconnect_interval 8: long enough that "the whole directory failing
# fast" would show below, short enough to see the pool come back
URI="$PROXY_URI $SLAPD_URI" RECONNECT=8 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "a lookup through the first server" lookup alice
check "the pool is on the first URI" 1 "$(connected_to "$PROXY_URI")"
proxy drop
diag "the path to the first server drops everything, silently"
# this lookup meets the stuck pooled connection: sesamed waits its
# timeout (4 s); its caller has long given up
lookup member0001
sleep 4.5
ok "afterwards an uncached lookup is answered (by the second server)" within 3000 0 "" lookup member0002
ok "a password login goes through, without waiting on the first server" within 3000 0 "" login alice
ok "and another one" within 3000 0 "" login bob
ok "the stuck server is logged" grep -q "$PROXY_URI.*no answer" "$T/sesamed.log"
ok_fail "the whole directory was never taken for down" grep -q "no LDAP server reachable" "$T/sesamed.log"
proxy pass
diag "the first server answers again"
# its mark lapses after reconnect_interval; the pool goes back to it
back_on_first() { lookup "member00$((RANDOM % 90 + 10))" && [ "$(connected_to "$PROXY_URI")" -ge 2 ]; }
ok "the pool returns to the first URI once it answers again" wait_for 20 back_on_first
# (libldap always sets SO_KEEPALIVE; the kernel's default first probe
# comes after two hours, sesamed's after 30 s)
ok "TCP keepalive on the pooled connections, probing within a minute" \
        sh -c "ss -tnoH state established '( dport = :$SLAPD_PORT or dport = :$PROXY_PORT )' |
                grep -Eq 'timer:\(keepalive,[0-9.]+(ms|sec),'"
sesamed_stop

# ------------------------------------------- one slow request
# a single server, slow (every chunk 1 s late: 2 s a round trip); a login
# request whose caller waits only 1.5 s runs out of its own time
URI="$PROXY_URI" RECONNECT=30 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "warm the pool" lookup alice
proxy delay 1000
"$PYTHON3" "$HARNESS_LIB/rawclient.py" --socket /run/sesame/pam.sock --timeout 20 --deadline-ms 1500 \
        account bob >"$T/raw.out" 2>&1
check "a login request with 1.5 s to spare on a slow directory: UNAVAIL" 12 "$?"
proxy pass
ok "the request that ran out of time did not take the directory down: the next lookup is answered" \
        within 3000 0 "" lookup member0003
ok "... and a login too" within 3000 0 "" login alice
ok_fail "nothing said the directory was unreachable" grep -q "no LDAP server reachable" "$T/sesamed.log"
sesamed_stop

# ------------------------------------------- idle connections are replaced
URI="$PROXY_URI" EXTRA_LDAP="idle_timeout = 1" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
n0=$(connected_to "$PROXY_URI")
ok "a lookup" lookup member0004
sleep 2.2
ok "a lookup after the connection idled past idle_timeout" lookup member0005
check "... on a new connection" $((n0 + 2)) "$(connected_to "$PROXY_URI")"
sesamed_stop

# ------------------------------------------- a name lookup that hangs
# a DNS server that never answers, and only for this namespace
DNS_IP=127.53.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
cat >"$T/blackhole.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
open(sys.argv[2], "w").close()
while True:
    s.recvfrom(4096)  # and never answer
PY
"$PYTHON3" "$T/blackhole.py" "$DNS_IP" "$T/dns.ready" &
HELPERS+=($!)
wait_for 10 test -e "$T/dns.ready" || { echo "Bail out! the DNS black hole did not start"; exit 1; }
cp /etc/hosts "$T/hosts"
mount --bind "$T/hosts" /etc/hosts
printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$DNS_IP" >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
printf 'passwd: files sesame\ngroup: files sesame\nshadow: files\nhosts: files dns\n' >"$T/nsswitch.conf"
t0=$(ms)
getent hosts ldap.sesame.test >/dev/null
t1=$(ms)
ok "positive control: the host's own lookup of the name hangs (for $((t1 - t0)) ms)" test $((t1 - t0)) -ge 4000

URI="ldap://ldap.sesame.test:$SLAPD_PORT/ $SLAPD_URI" RECONNECT=30 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "a lookup is answered within connect_timeout (2 s) and a little" within 3500 0 "" lookup alice
ok "a password login too" within 3500 0 "" login alice
ok "and the next login does not wait for the name again" within 1500 0 "" login bob
ok "the name lookup that did not finish is logged" grep -q "ldap.sesame.test.*name lookup" "$T/sesamed.log"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

done_testing

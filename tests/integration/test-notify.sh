#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesamed under Type=notify with a watchdog (conf/sesamed.service): it
# says READY=1 once its sockets answer, RELOADING=1 then READY=1 around a
# SIGHUP reload, STOPPING=1 on SIGTERM, and sends WATCHDOG=1 at half the
# interval systemd asks for, also while it is busy serving.  The messages
# are read from a datagram socket standing in for systemd's
# $NOTIFY_SOCKET, speaking the protocol of sd_notify(3).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"

# the stand-in for systemd: every datagram on one line of $T/notify.log
# (newlines within a message become "|"), for at most 120 s
"$PYTHON3" - "$T/notify.sock" "$T/notify.log" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.monotonic() + 120
with open(sys.argv[2], "a", buffering=1) as log:
    while time.monotonic() < end:
        try:
            m = s.recv(4096)
        except socket.timeout:
            continue
        log.write(m.decode(errors="replace").replace("\n", "|") + "\n")
EOF
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null; harness_cleanup' EXIT
wait_for 5 test -S "$T/notify.sock" || { echo "Bail out! no notify socket"; exit 1; }
: >>"$T/notify.log"

# count TEXT: how many messages so far contain TEXT
count() { grep -cF -- "$1" "$T/notify.log"; }

# WATCHDOG_USEC=600000: a ping every 300 ms
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=600000 sesamed_start "$T/sesame.conf" ||
        { echo "Bail out! sesamed did not start"; exit 1; }
ok "READY=1 once the sockets are there" wait_for 5 grep -q '^READY=1|STATUS=serving on /run/sesame$' "$T/notify.log"
ok "lookups answer after READY=1" getent passwd alice
ok "a first WATCHDOG=1" wait_for 5 grep -q '^WATCHDOG=1$' "$T/notify.log"
n0=$(count WATCHDOG=1)
sleep 1.5
n1=$(count WATCHDOG=1)
diag "watchdog pings in 1.5 s: $((n1 - n0))"
ok "about one ping every 300 ms while idle (at least 3 in 1.5 s)" test $((n1 - n0)) -ge 3
ok "and not a flood (at most 8 in 1.5 s)" test $((n1 - n0)) -le 8

# busy: lookups keep waking the loop; the pings go on at the same pace
n0=$(count WATCHDOG=1)
end=$(($(ms) + 1500))
while [ "$(ms)" -lt "$end" ]; do
        getent passwd alice >/dev/null
done
n1=$(count WATCHDOG=1)
diag "watchdog pings in 1.5 s of lookups: $((n1 - n0))"
ok "pings go on while lookups keep it busy (at least 3 in 1.5 s)" test $((n1 - n0)) -ge 3

kill -HUP "$SESAMED_PID"
ok "SIGHUP: RELOADING=1" wait_for 5 grep -q '^RELOADING=1$' "$T/notify.log"
ok "then READY=1 again" wait_for 5 sh -c "sed -n '/^RELOADING=1\$/,\$p' '$T/notify.log' | grep -q '^READY=1\$'"
ok "it reloaded" wait_for 5 grep -q 'configuration reloaded' "$T/sesamed.log"

kill -TERM "$SESAMED_PID"
ok "SIGTERM: STOPPING=1" wait_for 5 grep -q '^STOPPING=1$' "$T/notify.log"
sesamed_stop

# without WATCHDOG_USEC: ready, and no ping at all
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock sesamed_start "$T/sesame.conf" || diag "sesamed did not start"
ok "READY=1 without a watchdog" wait_for 5 grep -q '^READY=1' "$T/notify.log"
sleep 1
check "no WATCHDOG=1 when systemd asks for none" 0 "$(count WATCHDOG=1)"

done_testing

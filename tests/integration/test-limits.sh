#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Connection limits: local users holding idle connections to nss.sock
# (mode 0666) get their share of max_clients and no more, and root's
# lookups and logins are still served.  With max_clients = 16: at most 4
# connections per uid other than 0, at most 8 for all of them together
# (sesamed(8)).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

[ -e "$PAM_SESAME" ] || { echo "Bail out! $PAM_SESAME is not built"; exit 1; }
SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# a long client_timeout: the held connections stay open for the whole test
EXTRA_DAEMON="max_clients = 16
client_timeout = 60" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<EOF
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
EOF

# hold.py SOCKET N: open N connections and hold them; print how many
# sesamed kept open (the others it closes at once), then wait (60 s at
# most) to be killed
cat >"$T/hold.py" <<'EOF'
import select, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
def held():
    # readable: EOF, sesamed closed it
    return sum(1 for s in socks if not select.select([s], [], [], 0)[0])
# settled when the count stays the same for a second (at most 10 s)
last, end = -1, time.monotonic() + 10
while time.monotonic() < end:
    k = held()
    if k == last:
        break
    last = k
    time.sleep(1)
print(held(), flush=True)
time.sleep(60)
EOF
chmod 0644 "$T/hold.py"

HOLDERS=()
# hold UID N: hold N connections to nss.sock as UID (in the background);
# HELD is how many sesamed kept
hold() {
        local out=$T/hold.$1
        # as_uid, but not a function: $! is the python process
        setpriv --reuid="$1" --regid="$1" --clear-groups --inh-caps=-all -- \
                "$PYTHON3" "$T/hold.py" /run/sesame/nss.sock "$2" >"$out" 2>&1 &
        HOLDERS+=($!)
        wait_for 20 test -s "$out"
        HELD=$(cat "$out")
}
stop_holders() {
        local p
        for p in "${HOLDERS[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${HOLDERS[@]}"; do wait "$p" 2>/dev/null; done
        HOLDERS=()
}
trap 'stop_holders; harness_cleanup' EXIT

ok "root: a lookup before" getent passwd alice
hold 65534 20
check "uid 65534 holds 20 connections: 4 are kept" 4 "$HELD"
hold 65533 20
check "uid 65533 holds 20 connections: 4 are kept" 4 "$HELD"
hold 65532 5
check "uid 65532: the share of uids other than 0 is used up" 0 "$HELD"
# (member0007 was never looked up: the mapped cache cannot answer for
# it, nss.sock must)
ok_refused "uid 65534 gets no more: its lookup fails (sesamed answers root)" as_uid 65534 65534 getent passwd member0007
ok "root: lookups are still served" getent passwd alice
ok "root: group lookups too" id alice
pam_expect "root: a login is still served" ok "Alice-Passw0rd!" pw alice authenticate acct_mgmt
n=$(grep -c "refusing a connection" "$T/sesamed.log")
ok "refusals are logged, not one line each ($n lines for 37)" test "$n" -ge 1 -a "$n" -le 5
ok "... with the uid and the reason" grep -q "refusing a connection to nss.sock from uid 65534: its share" \
        "$T/sesamed.log"

stop_holders
ok "released: uid 65534's lookups are served again" wait_for 10 as_uid 65534 65534 getent passwd member0007

# a local user sending what it may not (a PING on nss.sock, a malformed
# frame), 200 times each: refused, and the log is not flooded
cat >"$T/badreq.py" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
import rawclient as rc
kinds = [rc.frame(rc.body(rc.REQ_PING, [])),
         rc.frame(rc.body(rc.REQ_PASSWD_BYNAME, [rc.field(rc.F_NAME, b"a\0b")]))]
answered = 0
for _ in range(200):
    for data in kinds:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect("/run/sesame/nss.sock")
        s.sendall(data)
        answered += len(s.recv(64)) > 0
        s.close()
print(answered)
PY
LOG_BEFORE=$(wc -l <"$T/sesamed.log")
check "400 refused requests from uid 65534: none answered" "0" \
        "$(as_uid 65534 65534 "$PYTHON3" -B "$T/badreq.py" "$HARNESS_LIB")"
n=$(tail -n +$((LOG_BEFORE + 1)) "$T/sesamed.log" | grep -c "uid 65534 .*\(not allowed here\|malformed request\)")
ok "logged with the uid, not one line each ($n lines for 400)" test "$n" -ge 2 -a "$n" -le 4
ok "root is still served" getent passwd alice
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"

sesamed_stop
done_testing

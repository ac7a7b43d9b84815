#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A modify whose answer is lost with its connection may have been made:
# sesamed must not send it again, or one wrong password is counted twice
# (and a TOTP step or recovery code it spent looks spent by somebody
# else).  A proxy between sesamed and slapd (tests/lib/drop-proxy.py)
# drops the connection instead of passing on one modify's answer.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
PORT=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ARM=$T/drop-next-modify-answer
"$PYTHON3" -B "$HARNESS_LIB/drop-proxy.py" "$PORT" "$SLAPD_PORT" "$ARM" &
PROXY_PID=$!
trap 'kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; harness_cleanup' EXIT
wait_for 5 "$PYTHON3" -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()" ||
        { echo "Bail out! the proxy does not listen"; exit 1; }

URI="ldap://127.0.0.1:$PORT/" CACHE_TTL=0 EXTRA_NSS="negative_ttl = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
pam_service pw <<PAM
auth     required pam_sesame.so totp=off
PAM

ldap_add_user resent 10701 || { echo "Bail out! ldapadd"; exit 1; }
pam_expect "through the proxy: a login works" ok "$(fixture_pw resent)" pw resent authenticate

# several pooled connections, so that one lost leaves others to send on
pids=()
for i in $(seq 1 12); do
        getent passwd alice >/dev/null &
        pids+=($!)
done
wait "${pids[@]}"
touch "$ARM"
pamtester_run "Wrong-Passw0rd!" pw resent authenticate >"$T/pam.out" 2>&1
diag "$(tail -n 1 "$T/pam.out")"
ok "the answer to the count's modify was dropped" test ! -e "$ARM"
check "one wrong password, its answer lost: counted once" "1" "$(ldap_root_attr resent sesameFailureCount)"
ok_fail "... and not answered as a success" grep -q "successfully authenticated" "$T/pam.out"

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

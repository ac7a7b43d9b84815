#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesamed works on a request no longer than its caller waits: the
# DEADLINE_MS a request carries bounds its directory work, and a request
# whose caller has already given up is dropped unanswered (and logged).
# Requests are sent by tests/lib/rawclient.py, so the deadline is exactly
# what the case needs.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

# raw SOCKET ARGS...: one request; its exit status says the answer
# (0 OK, 10 + status otherwise, 3 no answer: rawclient.py)
raw() {
        local sock=$1
        shift
        "$PYTHON3" "$HARNESS_LIB/rawclient.py" --socket "/run/sesame/$sock" --timeout 20 "$@" >"$T/raw.out" 2>&1
}
# status ARGS...: raw's exit status
status() { raw "$@"; echo $?; }

# positive controls: with time to spare, the same requests are answered
check "ACCOUNT with 5 s to spare is answered OK" "0" "$(status pam.sock --deadline-ms 5000 account alice)"
check "USER_SHOW with 5 s to spare is answered OK" "0" "$(status admin.sock --deadline-ms 5000 user-show alice)"
check "PING with 1 s to spare is answered" "0" "$(status admin.sock --deadline-ms 1000 ping)"

# the caller has given up before sesamed reads the request
check "ACCOUNT whose caller has given up: no answer" "3" "$(status pam.sock --deadline-ms 0 account alice)"
check "USER_SHOW too" "3" "$(status admin.sock --deadline-ms 10 user-show alice)"
ok "the drop is logged with the caller's uid" \
        wait_for 5 grep -q "uid 0 pid [0-9]*: request 0x0202 dropped: its caller's deadline had passed" "$T/sesamed.log"
ok "and sesamed serves the next request" raw pam.sock --deadline-ms 5000 account alice

# a hung directory: the work ends with the caller's time, not sesamed's
# own 7.5 s budget for logins
slapd_pause "$SLAPD_DIR"
t0=$(ms)
st=$(status pam.sock --deadline-ms 1500 account bob)
t1=$(ms)
slapd_resume "$SLAPD_DIR"
check "hung directory, 1.5 s to spare: UNAVAIL" "12" "$st"
ok "answered within the caller's time (took $((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
ok "the directory recovers" retry 100 0.1 raw pam.sock --deadline-ms 5000 account bob

done_testing

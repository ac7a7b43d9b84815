#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bind password lives in sesamed only in guarded memory that is
# unreadable between binds (sodium_malloc + noaccess): no plain copy of it
# stays in ordinary memory, where a core dump, swap or a reader of
# /proc/PID/mem would find it.  Checked before sesamed binds (libldap's
# own buffers of a bind request are outside sesamed's reach) and after a
# reload (SIGHUP reads the file again).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# the harness exports the password for the tests' own binds: not into
# sesamed's environment, where the scan would find it
unset SLAPD_BIND_PW
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
SCAN=$HARNESS_LIB/memscan.py

# positive control: the scanner finds a secret that is there (the path of
# the password file, which the configuration holds in plain memory)
printf '%s' "$SLAPD_BIND_PW_FILE" >"$T/needle"
n=$("$PYTHON3" "$SCAN" "$SESAMED_PID" "$T/needle" | head -1)
ok "the scanner finds a string sesamed holds (${n:-?} hits)" test "${n:-0}" -ge 1

scan_pw() { "$PYTHON3" "$SCAN" "$SESAMED_PID" "$SLAPD_BIND_PW_FILE" >"$T/scan.out"; head -1 "$T/scan.out"; }
check "after start: the bind password is nowhere in readable memory" 0 "$(scan_pw)"
sed 's/^/#   /' "$T/scan.out" | tail -n +2 | head -5

kill -HUP "$SESAMED_PID"
ok "reloaded" wait_for 10 grep -q "configuration reloaded" "$T/sesamed.log"
check "after a reload: the bind password is nowhere in readable memory" 0 "$(scan_pw)"
sed 's/^/#   /' "$T/scan.out" | tail -n +2 | head -5

ok "and the guarded copy is the one that binds: lookups work" getent passwd alice
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop
done_testing

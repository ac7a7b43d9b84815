#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Failure behaviour: LDAP down (stale cache served, uncached names
# UNAVAIL within the deadline, recovery by itself), LDAP hung, sesamed
# gone or hung (the NSS module gives up fast), SIGHUP with a bad and a good
# configuration, SIGTERM, and a bad configuration at start.
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# entries expire after 1 s, so what follows exercises stale serving
CACHE_TTL=1 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
PROBE=$BUILD_DIR/tests/integration/nss-probe
# modq DB KEY: what libnss_sesame itself answers (nss-module.c)
modq() { "$PROBE" module "$T/lib/libnss_sesame.so.2" "$@"; }

ok "warm the cache: alice" getent passwd alice
ok "warm the cache: engineers" getent group engineers
ok "warm the cache: alice's groups" id alice
sleep 1.2
slapd_stop "$SLAPD_DIR" >/dev/null

diag "slapd stopped"
check "stale cached user served while LDAP is down" "10001" "$(getent passwd alice | cut -d: -f3)"
check "stale cached group served" "engineers:x:10010:alice,bob" "$(getent group engineers)"
check "stale cached group list served" "ldapusers engineers admins" "$(id -Gn alice)"
ok_refused "uncached name is not found" getent passwd member0001
check "... sesamed answers UNAVAIL" UNAVAIL "$(modq passwd member0001)"
ok "uncached name: getent gives up within the deadline" within 3000 2 "" getent passwd member0002

slapd_restart "$SLAPD_DIR" >/dev/null || diag "slapd restart failed"
diag "slapd back on the same ports"
ok "sesamed reconnects by itself" retry 100 0.1 getent passwd member0003

slapd_pause "$SLAPD_DIR"
diag "slapd hung (SIGSTOP)"
ok "hung directory: a lookup gives up within the NSS deadline" within 3000 2 "" getent passwd member0004
ok_refused "hung directory: uncached name not served" getent passwd member0005
slapd_resume "$SLAPD_DIR"
ok "recovers after the hang" retry 150 0.1 getent passwd member0006

sesamed_stop
diag "sesamed stopped"
ok "no sesamed: its socket is gone" test ! -e /run/sesame/nss.sock
ok "no sesamed: getent fails at once" within 1000 2 "" getent passwd alice
absent_ms=$("$PROBE" absent-ms alice)
absent_rc=$?
ok "no sesamed: getpwnam_r finds nothing, in under 50 ms (took ${absent_ms} ms)" \
        test "$absent_rc" = 0 -a "${absent_ms:-999}" -lt 50
check "no sesamed: the module says UNAVAIL" UNAVAIL "$(modq passwd alice)"
ok "no sesamed: local accounts still resolve" getent passwd root

ok "sesamed started again" sesamed_start "$T/sesame.conf"
kill -STOP "$SESAMED_PID"
diag "sesamed hung (SIGSTOP)"
# (SIGSTOP takes effect asynchronously: wait for the state, bounded)
ok "hung sesamed: stopped (state T), its socket there" \
        wait_for 2 sh -c "grep -q '^State:[[:space:]]*T' /proc/$SESAMED_PID/status && test -S /run/sesame/nss.sock"
ok "hung sesamed: getent gives up within its deadline" within 3000 2 "" getent passwd alice
check "hung sesamed: the module says UNAVAIL (no answer is no success)" UNAVAIL "$(modq passwd alice)"
ok "hung sesamed: id of a local user still works" within 5000 0 "uid=0(root) gid=0(root) groups=0(root)" id root
kill -CONT "$SESAMED_PID"
ok "sesamed serves again once it runs" retry 50 0.1 getent passwd alice

# SIGHUP: a bad new configuration keeps the old one
cp "$T/sesame.conf" "$T/good.conf"
printf '[nss]\nno_such_key = 1\n' >>"$T/sesame.conf"
kill -HUP "$SESAMED_PID"
ok "bad reload is logged with file:line: key" retry 50 0.1 grep -q "sesame.conf:[0-9]*: nss.no_such_key" "$T/sesamed.log"
ok "bad reload keeps the running configuration" getent passwd alice
EXTRA_NSS="min_uid = 10002" CACHE_TTL=1 sesamed_config >"$T/sesame.conf"
chmod 0600 "$T/sesame.conf"
sleep 1.1
kill -HUP "$SESAMED_PID"
alice_notfound() { [ "$(modq passwd alice)" = NOTFOUND ]; }
ok "good reload takes effect: sesamed answers NOTFOUND for alice (min_uid 10002)" retry 50 0.1 alice_notfound
ok "good reload: bob still served" getent passwd bob

# SIGTERM: clean exit, sockets removed
kill -TERM "$SESAMED_PID"
wait "$SESAMED_PID"
check "SIGTERM: exit status 0" "0" "$?"
SESAMED_PID=
ok_fail "SIGTERM: nss.sock removed" test -e /run/sesame/nss.sock

# a bad configuration stops sesamed from starting, saying where
printf '[ldap]\nuri = ldap://127.0.0.1:1/\nbase = dc=x\ntimeout = soon\n' >"$T/bad.conf"
chmod 0600 "$T/bad.conf"
"$SESAMED" -f -c "$T/bad.conf" >"$T/bad.out" 2>&1
check "bad configuration: exit status 1" "1" "$?"
ok "bad configuration: message names file, line and key" grep -q "bad.conf:4: ldap.timeout" "$T/bad.out"
chmod 0644 "$T/good.conf"
sed -i "s|^bindpw_file = .*|bindpw_file = $T/pw-world|" "$T/good.conf"
printf 'secret' >"$T/pw-world"
chmod 0644 "$T/pw-world"
"$SESAMED" -f -c "$T/good.conf" >"$T/bad.out" 2>&1
check "world-readable bind password file: refused" "1" "$?"
ok "... with a message that says so" grep -qi "world-readable" "$T/bad.out"

done_testing

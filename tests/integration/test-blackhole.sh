#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The only directory server is blackholed: its packets are dropped, not
# refused (nft drop rules, in a network namespace of the test's own), so
# the pooled connections hang and new ones never connect.  Cached names
# keep answering at cache speed; a name that is not cached is answered
# UNAVAIL within its caller's deadline; and once sesamed has seen the
# directory not answer, it takes it for down and answers misses at once
# instead of making each wait again, until reconnect_interval has passed;
# then one request tries again, and when the packets flow again, lookups
# are served again.  (test-failover.sh covers a second server taking
# over, test-resilience.sh a stopped or SIGSTOPped slapd: refused
# connections, or a TCP peer that still ACKs.)
if [ "$(id -u)" = 0 ] && [ -z "${SESAME_TEST_NETNS:-}" ]; then
        export SESAME_TEST_NETNS=1
        exec unshare -n -- "$0" "$@"
fi
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

command -v nft >/dev/null || { echo "Bail out! nft is not installed (tests/install-deps.sh)"; exit 1; }
ip link set lo up || { echo "Bail out! no loopback in the test's network namespace"; exit 1; }
slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
RECONNECT=6 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

blackhole_on() {
        nft -f - <<EOF
table inet sesame_blackhole {
        chain out {
                type filter hook output priority 0;
                tcp dport $SLAPD_PORT drop
                tcp sport $SLAPD_PORT drop
        }
}
EOF
}
blackhole_off() { nft delete table inet sesame_blackhole; }

# ask NAME: one PASSWD_BYNAME on nss.sock saying its caller waits 1 s
# (as libnss_sesame does), but waiting 15 s for sesamed's answer; sets
# ASKED to nssflood.py's line
ask() {
        echo "$1" >"$T/name"
        ASKED=$(timeout 30 "$PYTHON3" "$HARNESS_LIB/nssflood.py" --threads 1 --names "$T/name" --count 1 \
                --deadline-ms 1000)
        echo "$ASKED"
}
# answered_as NAME WHAT MS: sesamed answers NAME's lookup with WHAT (ok,
# unavail) within MS milliseconds
answered_as() {
        ask "$1"
        local max
        max=$(sed -n 's/.* max_ms=\([0-9.]*\).*/\1/p' <<<"$ASKED")
        grep -q " $2=1 " <<<"$ASKED" && [ -n "$max" ] && [ "${max%.*}" -lt "$3" ]
}

ok "warm the cache: alice" getent passwd alice
ok "warm the cache: engineers" getent group engineers
ok "warm the cache: alice's groups" id alice
# more pooled connections than one, each of which will hang
pids=()
for i in 1 2 3 4; do
        getent passwd "member000$i" >/dev/null &
        pids+=($!)
done
wait "${pids[@]}"

blackhole_on || { echo "Bail out! nft could not add the drop rules"; exit 1; }
diag "every packet to and from slapd is dropped"
ok "positive control: slapd is unreachable (ldapwhoami gives up)" \
        _not timeout 5 ldapwhoami -x -H "$SLAPD_URI" -o nettimeout=2
t0=$(ms)
ok "a cached user answers at cache speed" answered_as alice ok 200
ok "... with the cached entry" within 1000 0 "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" \
        getent passwd alice
ok "a cached group too" within 1000 0 "engineers:x:10010:alice,bob" getent group engineers
ok "a cached group list too" within 1000 0 "ldapusers engineers admins" id -Gn alice
ok "an uncached name: getent gives up within its deadline (1 s)" within 3000 2 "" getent passwd member0100
# sesamed goes on with that lookup to its own limit (timeout = 4 s):
# that first time-out, with no other server to try, is enough
ok "after that first time-out (4 s), with nothing else asked, the directory is taken for down" \
        wait_for 8 grep -q "no LDAP server reachable; failing fast for 6 s" "$T/sesamed.log"
t1=$(ms)
diag "offline after $((t1 - t0)) ms"
ok "then misses are answered at once, not after another wait" answered_as member0102 unavail 300
ok "... each of them" answered_as member0103 unavail 300
ok "... and cached names still answer" answered_as alice ok 200
ok "... through glibc too" within 1000 0 "10001" sh -c "getent passwd alice | cut -d: -f3"

# after reconnect_interval, one request tries the directory again: still
# silent, it is marked down again
sleep 6.5
ok "after reconnect_interval a miss tries again: one connect_timeout (2 s)" answered_as member0104 unavail 4000
ok "... and then misses fail fast again" answered_as member0105 unavail 300

blackhole_off
diag "the packets flow again"
back() { answered_as member0106 ok 3000; }
ok "sesamed serves the directory again by itself, within reconnect_interval" wait_for 15 back
ok "and an uncached name through glibc" getent passwd member0107
sesamed_stop

# --- expired cache entries --------------------------------------------------
# An expired entry is asked of the directory first, and served when the
# directory cannot answer.  Blackholed, the directory's answer would come
# after its time limits (seconds), long after the caller has given up:
# the stale entry must go out within the caller's deadline instead.
CACHE_TTL=1 RECONNECT=6 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "warm the cache again: alice" getent passwd alice
ok "... and bob" getent passwd bob
ok "... and engineers" getent group engineers
sleep 1.2
blackhole_on || { echo "Bail out! nft could not add the drop rules"; exit 1; }
diag "blackholed again; the cached entries have expired"
ok "an expired cached user is still answered, within its caller's deadline (1 s)" \
        within 2000 0 "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" getent passwd alice
ok "... by sesamed itself within that deadline" answered_as bob ok 1000
ok "an expired cached group too" within 2000 0 "engineers:x:10010:alice,bob" getent group engineers
# (this sesamed's log: the one before it said the same long ago)
down() { sesamed_log_since_start | grep -q "no LDAP server reachable"; }
ok "the directory is then taken for down" wait_for 15 down
ok "and expired entries answer at cache speed" answered_as alice ok 200
ok "... each time" answered_as bob ok 200
blackhole_off
ok "the packets flow again: a miss is served by itself" wait_for 15 back

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

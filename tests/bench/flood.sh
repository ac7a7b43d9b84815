#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What one local user's flood costs everyone else: a benchmark, not a
# test (it asserts nothing; tests/integration/test-flood.sh asserts the
# outcomes).  Prints root's uncached lookup latency and root's login
# latency against a directory with DELAY_MS ms round trips, first quiet,
# then while one unprivileged uid floods nss.sock from THREADS threads;
# then how many of 100 recently used users still resolve when the
# directory stops after that uid asked for JUNK unknown names.
#
# usage (root, from the source tree, after a build):
#     BUILD_DIR=build tests/bench/flood.sh
# Environment: DELAY_MS (default 25), THREADS (32), JUNK (20000),
# LOOKUPS (40), LOGINS (10); EXTRA_DAEMON (lines for [daemon], e.g.
# "rate_limit = 0" to see the pool alone).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"
# shellcheck source=tests/lib/proxy.sh
. "$HARNESS_LIB/proxy.sh"

DELAY_MS=${DELAY_MS:-25}
THREADS=${THREADS:-32}
JUNK=${JUNK:-20000}
LOOKUPS=${LOOKUPS:-40}
LOGINS=${LOGINS:-10}
FLOOD=$HARNESS_LIB/nssflood.py
FLOODER=
trap '[ -n "$FLOODER" ] && kill "$FLOODER" 2>/dev/null; proxy_stop; harness_cleanup' EXIT

slapd_start "$T/slapd" >/dev/null || { echo "slapd did not start" >&2; exit 1; }
proxy_start || { echo "the proxy did not start" >&2; exit 1; }
URI=$PROXY_URI CACHE_TTL=1 sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "sesamed did not start" >&2; exit 1; }
pam_service pw <<PAM
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
PAM
# the proxy delays each chunk: half a round trip each way
proxy delay $((DELAY_MS / 2))

# pct FILE P: the P-th percentile of the numbers in FILE
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100); if (i < 1) i = 1; print v[i] }'; }

# lookups TAG FIRST: LOOKUPS uncached lookups as root (a new name each)
lookups() {
        local i t0 t1 n=0 failed=0
        : >"$T/lat.$1"
        for i in $(seq "$2" $(($2 + LOOKUPS - 1))); do
                t0=$(ms)
                getent passwd "$(printf 'member%04d' "$i")" >/dev/null || failed=$((failed + 1))
                t1=$(ms)
                echo $((t1 - t0)) >>"$T/lat.$1"
                n=$((n + 1))
        done
        printf '%-28s root lookups: p50 %4s ms  p90 %4s ms  max %5s ms  failed %d of %d\n' "$1" \
                "$(pct "$T/lat.$1" 50)" "$(pct "$T/lat.$1" 90)" "$(pct "$T/lat.$1" 100)" "$failed" "$n"
}

# logins TAG: LOGINS password logins of alice as root (pamtester)
logins() {
        local i t0 t1 failed=0
        : >"$T/login.$1"
        for i in $(seq 1 "$LOGINS"); do
                t0=$(ms)
                pamtester_run "Alice-Passw0rd!" pw alice authenticate acct_mgmt | grep -q successfully ||
                        failed=$((failed + 1))
                t1=$(ms)
                echo $((t1 - t0)) >>"$T/login.$1"
        done
        printf '%-28s root logins:  p50 %4s ms  p90 %4s ms  max %5s ms  failed %d of %d\n' "$1" \
                "$(pct "$T/login.$1" 50)" "$(pct "$T/login.$1" 90)" "$(pct "$T/login.$1" 100)" "$failed" "$LOGINS"
}

echo "# directory round trip ${DELAY_MS} ms; flood: uid 65534, $THREADS threads"
lookups quiet 100
logins quiet
timeout 600 "$PYTHON3" "$FLOOD" --uid 65534 --threads "$THREADS" --seconds 3600 --prefix bench- \
        --deadline-ms 1000 >"$T/flood.out" &
FLOODER=$!
sleep 1
lookups "under flood" 300
logins "under flood"
kill "$FLOODER"
wait "$FLOODER" 2>/dev/null
FLOODER=
echo "# the flood: $(cat "$T/flood.out")"
grep -h "rate limit\|no free directory connection" "$T/sesamed.log" | tail -2 | sed 's/^/# log: /'

proxy pass
seq -f 'member%04g' 1000 1099 >"$T/used"
"$PYTHON3" "$FLOOD" --threads 4 --names "$T/used" --count 100 >/dev/null
t0=$(ms)
out=$(timeout 3600 "$PYTHON3" "$FLOOD" --uid 65534 --threads 8 --count "$JUNK" --prefix junk-)
t1=$(ms)
echo "# uid 65534 asked for $JUNK unknown names in $((t1 - t0)) ms: $out"
sleep 1.1
slapd_stop "$SLAPD_DIR" >/dev/null
out=$("$PYTHON3" "$FLOOD" --threads 4 --names "$T/used" --count 100)
echo "directory stopped: recently used users that still resolve: $(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$out") of 100"

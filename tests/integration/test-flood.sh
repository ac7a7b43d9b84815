#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One local user must not slow everyone else or empty the cache.  Junk
# names do not evict real users (not-found answers have their own cap in
# the cache), so the users people use still resolve when the directory
# then goes down.  A uid other than 0 gets so many directory requests a
# second (rate_limit, rate_burst) and no more; refusals are logged with
# the uid; root and cached answers are not limited.  The numbers under load (latencies) are the business of
# tests/bench/flood.sh; here, outcomes.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# shellcheck source=tests/lib/proxy.sh
. "$HARNESS_LIB/proxy.sh"
FLOODERS=()
stop_flooders() {
        local p
        for p in "${FLOODERS[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${FLOODERS[@]}"; do wait "$p" 2>/dev/null; done
        FLOODERS=()
        proxy_stop
}
trap 'stop_flooders; harness_cleanup' EXIT
FLOOD=$HARNESS_LIB/nssflood.py
# flood ARGS...: nssflood.py's one line of counts; FLOODED holds it
flood() { FLOODED=$(timeout 120 "$PYTHON3" "$FLOOD" "$@"); echo "$FLOODED"; }
# field NAME: a count from the last flood
field() { sed -n "s/.*\\b$1=\\([0-9.-]*\\).*/\\1/p" <<<"$FLOODED"; }

# ------------------------------------------------ the cache under junk names
# a small cache (cache_max at its minimum, 100) and entries that are stale
# after 1 s, so that what the directory being down shows is the cache's
# content, not its freshness
CACHE_TTL=1 EXTRA_NSS="cache_max = 100" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
seq -f 'member%04g' 1 60 >"$T/used"
flood --threads 2 --names "$T/used" --count 60 >/dev/null
check "60 users looked up: all found" 60 "$(field ok)"
# 3000 names nobody has, 30 times what the cache holds
flood --threads 4 --prefix junkname --count 3000 >/dev/null
check "3000 unknown names: all answered not found" 3000 "$(field notfound)"
sleep 1.1
slapd_stop "$SLAPD_DIR" >/dev/null
diag "slapd stopped"
flood --threads 2 --names "$T/used" --count 60 >/dev/null
check "directory down: the 60 users still resolve from the cache" 60 "$(field ok)"
ok "... and through glibc" getent passwd member0007
slapd_restart "$SLAPD_DIR" >/dev/null || diag "slapd restart failed"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

# ------------------------------------------------ a rate limit per uid
# 10 directory requests a second, 20 at once, for each uid other than 0
EXTRA_DAEMON="rate_limit = 10
rate_burst = 20" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "root: alice resolves (now cached)" getent passwd alice
# uid 65534 asks for 400 names nobody has, as fast as it can (bounded by
# the bucket, this takes a few seconds at most)
t0=$(ms)
flood --uid 65534 --threads 4 --prefix junk65534- --count 400 >/dev/null
t1=$(ms)
diag "uid 65534: $FLOODED ($((t1 - t0)) ms)"
answered=$(field notfound)
check "uid 65534: every request was answered" 400 "$(($(field notfound) + $(field unavail)))"
# 20 at once, then 10 a second: a generous bound for the time it took
ok "uid 65534: most of its flood refused ($answered of 400 reached the directory)" \
        test "$answered" -ge 20 -a "$answered" -le $((20 + 10 * (t1 - t0) / 1000 + 10))
ok "the refusals are logged with the uid and the reason" \
        grep -q "uid 65534 pid [0-9]*: lookup 'pn:junk65534-[0-9]*' refused: over the rate limit" "$T/sesamed.log"
n=$(grep -c "refused: over the rate limit" "$T/sesamed.log")
ok "... not one line each ($n lines)" test "$n" -ge 1 -a "$n" -le 3
ok "uid 65534: what the cache holds is still served" as_uid 65534 65534 getent passwd alice
flood --uid 65533 --threads 2 --prefix junk65533- --count 20 >/dev/null
check "uid 65533: its own bucket, untouched by 65534's flood" 20 "$(field notfound)"
flood --threads 4 --prefix junkroot- --count 400 >/dev/null
check "root: no limit, all 400 answered by the directory" 400 "$(field notfound)"

# pam.sock: the same bucket; over it, UNAVAIL (never success), and logged
cat >"$T/pamflood.py" <<'PY'
import collections, os, socket, struct, sys
sys.path.insert(0, sys.argv[1])
import rawclient
os.setgroups([]); os.setgid(65532); os.setuid(65532)
seen = collections.Counter()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect("/run/sesame/pam.sock")
for _ in range(100):
    s.sendall(rawclient.build_request("account", ["alice"]))
    st = [struct.unpack(">I", v)[0] for op, f in rawclient.recv_frames(s) for t, v in f if t == 9]
    seen[st[0]] += 1
print(" ".join("%d=%d" % kv for kv in sorted(seen.items())))
PY
chmod 0644 "$T/pamflood.py"
got=$(timeout 60 "$PYTHON3" "$T/pamflood.py" "$HARNESS_LIB")
diag "uid 65532, 100 ACCOUNT requests for alice: $got (status=count)"
ok "uid 65532 on pam.sock: about its burst answered DENIED (not its account), the rest UNAVAIL" \
        grep -Eq "^2=(6[0-9]|7[0-9]|80) 3=(2[0-9]|3[0-9])$" <<<"$got"
ok "... logged with the uid and the reason" \
        grep -q "uid 65532 pid [0-9]*: request 0x0202 refused: over the rate limit" "$T/sesamed.log"

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
PAM
pam_expect "root: a login goes on" ok "Alice-Passw0rd!" pw alice authenticate acct_mgmt
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

# ------------------------------------------------ connections kept for root
# a slow directory (every chunk 0.5 s late: 1 s a round trip) and no rate
# limit, so that only the pool stands between one user's flood and root:
# of the 4 pooled connections, 1 is kept for root and logins
proxy_start || { echo "Bail out! the proxy did not start"; exit 1; }
URI=$PROXY_URI EXTRA_DAEMON="rate_limit = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
# lookup NAME: one lookup as root, waiting up to 15 s for the answer
lookup() {
        echo "$1" >"$T/name"
        LOOKED=$(timeout 30 "$PYTHON3" "$FLOOD" --threads 1 --names "$T/name" --count 1 --deadline-ms 3000)
        grep -q " ok=1 " <<<"$LOOKED"
}
# open all four connections while the directory is fast
flood --threads 4 --names "$T/used" --count 8 >/dev/null
proxy delay 500
# uid 65534: 24 threads of lookups of unknown names for 12 s, each saying
# its caller waits 1 s (as libnss_sesame does)
timeout 60 "$PYTHON3" "$FLOOD" --uid 65534 --threads 24 --seconds 12 --prefix slow65534- \
        --deadline-ms 1000 >"$T/slowflood.out" &
FLOODERS+=($!)
sleep 2
for u in member0101 member0102 member0103; do
        ok "root's lookup of $u is answered meanwhile, within 3 s (a round trip is 1 s)" within 3000 0 "" lookup $u
done
wait "${FLOODERS[@]}"
FLOODERS=()
FLOODED=$(cat "$T/slowflood.out")
diag "uid 65534: $FLOODED"
ok "uid 65534's lookups that found no connection in their caller's time were answered UNAVAIL" \
        test "$(field unavail)" -ge 1
ok "... and that is logged" grep -q "no free directory connection (of 4, some kept for root and logins)" \
        "$T/sesamed.log"
ok "... with the uid" grep -q "uid 65534 pid [0-9]*: lookup 'pn:slow65534-[0-9]*' answered UNAVAIL" "$T/sesamed.log"
proxy pass
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

done_testing

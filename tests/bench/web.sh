#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What a self-service request costs sesame-web: a benchmark, not a test
# (it prints, asserts nothing, and "meson test" does not run it).
#
#     BUILD_DIR=build tests/bench/web.sh [SECONDS] [CONNECTIONS]   (as root)
#
# Starts a private slapd with the test fixture, the built sesamed and
# sesame-web (plain HTTP on 127.0.0.1) in a private mount namespace, as
# the integration tests do (tests/lib/harness.sh), and drives it with wrk
# for SECONDS (default 10) each, over CONNECTIONS (default 16, sesame-web's
# limit per client address) at once:
#
#   GET /style.css      a static answer: the floor of one request
#   GET /forgot         the form: a page and a fresh CSRF value
#   POST /forgot        accounts (member0000 ... member4999): the form
#                       checked, sesamed asked on web.sock, the account
#                       looked up, a token made and a mail spooled
#   POST /forgot        names that are no account: the same answer, no
#                       token and no mail
#
# and prints for each: requests per second (and those answered with a
# 2xx), p50 and p99 latency, answers that were not 2xx (for the POSTs, by
# status: 429 is a rate limit, 503 sesamed not answering), and
# sesame-web's resident memory (the largest seen
# while it ran, sampled every 0.2 s).  The rate limits are raised out of
# the way ([web] rate_window 1 s: each name may still ask 1000 times a
# second), and the mails go nowhere (an SMTP port
# where nothing listens: they stay in the spool).  Every loop is bounded
# by wrk's duration; all of it runs on loopback.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
: "${BUILD_DIR:=$(dirname "$0")/../../build}"
export BUILD_DIR
harness_init "$@"
SECS=${1:-10}
CONNS=${2:-16}
case $SECS$CONNS in
'' | *[!0-9]*) echo "usage: $0 [SECONDS] [CONNECTIONS]" >&2; exit 2 ;;
esac
[ "$SECS" -ge 1 ] && [ "$SECS" -le 300 ] && [ "$CONNS" -ge 1 ] && [ "$CONNS" -le 128 ] ||
        { echo "SECONDS 1 to 300, CONNECTIONS 1 to 128" >&2; exit 2; }
SESAME_WEB=$BUILD_DIR/helper/sesame-web/sesame-web
for f in "$SESAMED" "$SESAME_WEB"; do
        [ -x "$f" ] || { echo "$f is not built" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
WEB_UID=990

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "slapd did not start" >&2; exit 1; }
local_user "sesame-web:x:$WEB_UID:$WEB_UID::/nonexistent:/usr/sbin/nologin"
PORT=$(_slapd_free_ports 1) || { echo "no free port" >&2; exit 1; }
URL="http://127.0.0.1:$PORT"
EXTRA_WEB="listen = 127.0.0.1:$PORT
base_url = $URL
rate_window = 1
rate_per_address = 100000
rate_per_account = 1000" EXTRA_MAIL="spool_dir = $T/spool
smtp_url = smtp://127.0.0.1:1
template_dir = $SRC/conf/mail
retry_interval = 3600" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "sesamed did not start" >&2; exit 1; }
"$SESAME_WEB" -f -c "$T/sesame.conf" >>"$T/sesame-web.log" 2>&1 &
WEB_PID=$!
trap 'kill $WEB_PID 2>/dev/null; wait $WEB_PID 2>/dev/null; harness_cleanup' EXIT
wait_for 10 curl -s -o /dev/null --max-time 2 "$URL/forgot" || { echo "sesame-web did not start" >&2; exit 1; }

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$WEB_PID/status"; }
# run NAME WRK-ARGS...: one row of the table
run() {
        local name=$1 max=0 r pid rps ok p50 p99 bad
        shift
        wrk -t "$((CONNS < 2 ? CONNS : 2))" -c "$CONNS" -d "${SECS}s" --timeout 10s --latency "$@" >"$T/wrk.out" 2>&1 &
        pid=$!
        while kill -0 "$pid" 2>/dev/null; do
                r=$(rss)
                [ "${r:-0}" -le "$max" ] || max=$r
                sleep 0.2
        done
        wait "$pid" || { sed 's/^/# /' "$T/wrk.out"; return 1; }
        rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$T/wrk.out")
        # answers that were a 2xx, a second
        ok=$(awk -v r="$rps" '/ requests in / {n = $1} /Non-2xx or 3xx responses:/ {b = $NF}
                END {printf "%.0f", n ? r * (n - b) / n : 0}' "$T/wrk.out")
        p50=$(awk '$1 == "50%" {print $2}' "$T/wrk.out")
        p99=$(awk '$1 == "99%" {print $2}' "$T/wrk.out")
        bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$T/wrk.out")
        printf '%-34s %8s %8s %10s %10s %8s %10s\n' "$name" "$rps" "$ok" "$p50" "$p99" "${bad:-0}" "$((max / 1024)) MiB"
        grep '^# statuses:' "$T/wrk.out" | sed 's/^# /#   /'
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$SRC" describe --always --dirty 2>/dev/null ||
        echo 'unknown tree'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wrk, 2 threads, $CONNS connections, ${SECS} s each; slapd, sesamed, sesame-web and wrk on this host"
echo "# sesame-web at rest: $(($(rss) / 1024)) MiB resident"
printf '%-34s %8s %8s %10s %10s %8s %10s\n' "what" "req/s" "2xx/s" "p50" "p99" "non-2xx" "RSS (max)"
run "GET /style.css (static)" "$URL/style.css"
run "GET /forgot (form, CSRF value)" "$URL/forgot"
# one CSRF value for the whole run, cookie and field
curl -s --max-time 10 -c "$T/jar" -o "$T/form" "$URL/forgot"
CSRF=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/form" | head -n 1)
[ -n "$CSRF" ] || { echo "no CSRF value in the form" >&2; exit 1; }
export CSRF
LOGIN='member%04d' run "POST /forgot, accounts (mail)" -s "$SRC/tests/bench/web-post.lua" "$URL/forgot"
N=$(find "$T/spool/new" -type f 2>/dev/null | wc -l)
LOGIN='nobody%04d' run "POST /forgot, no such account" -s "$SRC/tests/bench/web-post.lua" "$URL/forgot"
echo "# mails spooled: $N for the accounts, $(($(find "$T/spool/new" -type f | wc -l) - N)) for the unknown names"
echo "# sesame-web's peak resident memory: $(($(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' \
        "/proc/$WEB_PID/status") / 1024)) MiB; sesamed's now: $(($(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' \
        "/proc/$SESAMED_PID/status") / 1024)) MiB"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What the memory-mapped cache saves on a hot getpwnam (doc/mcache.md).  A
# benchmark, not a test: it prints, it asserts nothing, and it is not part
# of "meson test".
#
#     BUILD_DIR=build tests/bench/mcache.sh [COUNT]   (as root)
#
# Starts a private slapd and the built sesamed in a private mount
# namespace, as the integration tests do (tests/lib/harness.sh), and
# times COUNT (default 20000) getpwnam_r() of a cached user through glibc
# in 1 and in 4 threads (tests/bench/getpw.c): first with [nss] cache_map
# = no (each lookup a request on nss.sock, answered from sesamed's
# cache), then with the map.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
: "${BUILD_DIR:=$(dirname "$0")/../../build}"
export BUILD_DIR
harness_init "$@"
COUNT=${1:-20000}
case $COUNT in
'' | *[!0-9]* | 0) echo "usage: $0 [COUNT]" >&2; exit 2 ;;
esac
GETPW=$BUILD_DIR/tests/bench/getpw
[ -x "$GETPW" ] || { echo "$GETPW is not built" >&2; exit 1; }

slapd_start "$T/slapd" >/dev/null || { echo "slapd did not start" >&2; exit 1; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null ||
        echo 'unknown tree'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for map in no yes; do
        EXTRA_NSS="cache_map = $map" sesamed_config >"$T/sesame.conf"
        sesamed_restart "$T/sesame.conf" || { echo "sesamed did not start" >&2; exit 1; }
        [ "$map" = no ] || wait_for 5 test -f /run/sesame/nss.map
        getent passwd alice >/dev/null
        echo "# cache_map = $map: hot getpwnam_r(alice), $COUNT lookups a thread"
        for n in 1 4; do
                "$GETPW" alice "$n" "$COUNT"
        done
done
echo "# files alone: getpwnam_r(root), answered from /etc/passwd"
for n in 1 4; do
        "$GETPW" root "$n" "$COUNT"
done
nss_order sesame files
echo "# cache_map = yes, nsswitch.conf \"sesame files\": the map first"
for n in 1 4; do
        "$GETPW" alice "$n" "$COUNT"
done

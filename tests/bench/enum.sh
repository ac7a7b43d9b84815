#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# How long does listing a large directory take, and what does it cost
# sesamed?  A benchmark, not a test: it prints, it asserts nothing, and it
# is not part of "meson test".
#
#     BUILD_DIR=build tests/bench/enum.sh [USERS]   (as root; default 1000000)
#
# Generates USERS posixAccount entries (tests/lib/gen-enum.py) after the
# test fixture, loads them with slapadd into a private slapd, starts the
# built sesamed in a private mount namespace as the integration tests do
# (tests/lib/harness.sh), with the answer cache off, and lists them through
# glibc (nss-probe enum passwd, nsswitch "passwd: sesame"): it prints the
# time to the first entry and to the last, the entries counted, how the
# list ended, and sesamed's peak RSS (VmHWM) before and after.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
: "${BUILD_DIR:=$(dirname "$0")/../../build}"
export BUILD_DIR
harness_init "$@"
USERS=${1:-1000000}
case $USERS in
'' | *[!0-9]* | 0) echo "usage: $0 [USERS]" >&2; exit 2 ;;
esac
PROBE=$BUILD_DIR/tests/integration/nss-probe
[ -x "$SESAMED" ] && [ -x "$PROBE" ] || { echo "$SESAMED or $PROBE is not built" >&2; exit 1; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null ||
        echo 'unknown tree'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(ms)
gen=()
_slapd_have_ppolicy && gen+=(--ppolicy)
{ "$PYTHON3" "$HARNESS_LIB/gen-fixture.py" "${gen[@]}" &&
        "$PYTHON3" "$HARNESS_LIB/gen-enum.py" bench "$USERS"; } >"$T/bench.ldif" ||
        { echo "the LDIF was not generated" >&2; exit 1; }
t1=$(ms)
slapd_start "$T/slapd" "$T/bench.ldif" >/dev/null || { echo "slapd did not start" >&2; exit 1; }
t2=$(ms)
echo "# $USERS users: LDIF generated in $((t1 - t0)) ms, slapadd and slapd start in $((t2 - t1)) ms"

CACHE_TTL=0 EXTRA_LDAP="user_base = ou=bench,$SLAPD_BASE" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "sesamed did not start" >&2; exit 1; }
getent passwd ben0000001 >/dev/null || echo "# (the warm-up lookup failed)"
hwm() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$SESAMED_PID/status"; }
before=$(hwm)
nss_order sesame
"$PROBE" enum passwd 2>"$T/enum.err" | wc -l >"$T/enum.count"
echo "# nss-probe: $(cat "$T/enum.err")"
echo "users listed:            $(cat "$T/enum.count") (want $USERS)"
sed -n 's/.*first after \([0-9-]*\) ms, all after \([0-9]*\) ms; ended: \(.*\)/first entry after:       \1 ms\
all entries after:       \2 ms\
ended:                   \3/p' "$T/enum.err"
echo "sesamed peak RSS:        $(hwm) KiB (before the list: $before KiB)"

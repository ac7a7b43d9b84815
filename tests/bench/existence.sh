#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Does sesamed's answer time tell whether an account exists?  A benchmark,
# not a test: it prints, it asserts nothing, and it is not part of
# "meson test".
#
#     BUILD_DIR=build tests/bench/existence.sh [SAMPLES]   (as root)
#
# Starts a private slapd with the test fixture and the built sesamed in a
# private mount namespace, as the integration tests do
# (tests/lib/harness.sh), then sends SAMPLES (default 200) AUTH requests
# for unknown names and as many for existing accounts with a wrong
# password, interleaved, on pam.sock (tests/bench/existence.py), and
# prints the two distributions side by side: p10, p50, p90, p99 and a
# histogram.  The existing accounts are the fixture's member0000 ... (one
# wrong password each: none reaches the lockout), the unknown names are
# new each time (no cache answers them).  If the two columns differ, a
# local user who may ask pam.sock, or anyone who can time a login prompt,
# learns which names are accounts (doc/security.md).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
: "${BUILD_DIR:=$(dirname "$0")/../../build}"
export BUILD_DIR
harness_init "$@"
SAMPLES=${1:-200}
case $SAMPLES in
'' | *[!0-9]* | 0) echo "usage: $0 [SAMPLES]" >&2; exit 2 ;;
esac
[ "$SAMPLES" -le 5000 ] || { echo "at most 5000 samples (the fixture's member accounts)" >&2; exit 2; }
[ -x "$SESAMED" ] || { echo "$SESAMED is not built" >&2; exit 1; }

slapd_start "$T/slapd" >/dev/null || { echo "slapd did not start" >&2; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "sesamed did not start" >&2; exit 1; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null ||
        echo 'unknown tree'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# AUTH on pam.sock as root, $SAMPLES samples of each, slapd and sesamed on this host"
"$PYTHON3" "$(dirname "$0")/existence.py" --socket /run/sesame/pam.sock --existing 'member%04d' \
        --samples "$SAMPLES"

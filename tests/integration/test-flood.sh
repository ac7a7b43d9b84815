#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One local user must not slow everyone else or empty the cache.  Junk
# names do not evict real users (not-found answers have their own cap in
# the cache), so the users people use still resolve when the directory
# then goes down.  The numbers under load (latencies) are the business of
# tests/bench/flood.sh; here, outcomes.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
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

done_testing

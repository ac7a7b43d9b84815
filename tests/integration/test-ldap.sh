#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesamed's LDAP side: ldaps://, StartTLS and ldapi://, certificate checks
# without fallback to clear text, URI failover, a size-limited service
# account (never a partial answer), and RFC 2307bis groups.
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }

PROBE=$BUILD_DIR/tests/integration/nss-probe
# modq DB KEY: what libnss_sesame itself answers (nss-module.c)
modq() { "$PROBE" module "$T/lib/libnss_sesame.so.2" "$@"; }
# with_conf DESCRIPTION: (re)start sesamed with the variables set by the
# caller; one TAP line: it runs and answers (every case below relies on
# it: a refusal from a sesamed that never started would prove nothing)
with_conf() {
        sesamed_config >"$T/sesame.conf"
        ok "sesamed runs with: $1" _restart_answers
}
_restart_answers() {
        sesamed_restart "$T/sesame.conf" || { echo "sesamed did not start"; return 1; }
        sesamed_answers
}
# unavailable DESCRIPTION: sesamed answers (the module, called directly,
# gets UNAVAIL from it: a running sesamed that cannot reach the directory)
# and getent finds nothing
unavailable() {
        ok_refused "$1: getent finds nothing" getent passwd alice
        check "$1: sesamed says UNAVAIL" "UNAVAIL" "$(modq passwd alice)"
}
# logged TEXT: sesamed's log since its last start has a line with TEXT
logged() { grep -qF -- "$1" <<<"$(sesamed_log_since_start)"; }
# connected_no_bind LINE [OP]: since line LINE of slapd's log, sesamed
# connected (and asked for OP) but never bound, so the bind password was
# sent to no server whose certificate failed
connected_no_bind() {
        local since
        since=$(tail -n +$(($1 + 1)) "$SLAPD_LOG")
        grep -q " ACCEPT from " <<<"$since" || { echo "no connection reached slapd"; return 1; }
        [ -z "${2:-}" ] || grep -q " $2\$" <<<"$since" || { echo "no $2 request"; return 1; }
        ! grep " BIND dn=" <<<"$since"
}

URI=$SLAPD_LDAPS_URI with_conf ldaps
ok "ldaps:// with the right CA" getent passwd alice
slapd_mark=$(wc -l <"$SLAPD_LOG")
URI=$SLAPD_LDAPS_URI CA_FILE=$SLAPD_OTHER_CA with_conf "ldaps, wrong CA"
unavailable "ldaps:// with an unrelated CA is refused"
ok "... after the handshake, before any bind (slapd: connections, no BIND)" connected_no_bind "$slapd_mark"
URI=$SLAPD_URI STARTTLS=yes with_conf starttls
ok "StartTLS with the right CA" getent passwd alice
slapd_mark=$(wc -l <"$SLAPD_LOG")
URI=$SLAPD_URI STARTTLS=yes CA_FILE=$SLAPD_OTHER_CA with_conf "starttls, wrong CA"
unavailable "StartTLS with an unrelated CA: no fallback to clear text"
ok "... no bind after the failed StartTLS (slapd: STARTTLS, no BIND)" connected_no_bind "$slapd_mark" STARTTLS
ok "the StartTLS failure is logged" logged "StartTLS failed"
URI=$SLAPD_LDAPI_URI with_conf ldapi
ok "ldapi://" getent passwd alice
URI="ldap://127.0.0.1:1/ $SLAPD_URI" with_conf failover
ok "failover: first URI dead, second used" getent passwd alice
# (the control for the size limit below: sesamectl check passes)
ok "sesamectl check passes without a size limit in the way" sesamectl_run -c "$T/sesame.conf" check
URI="ldap://127.0.0.1:1/ ldap://127.0.0.1:2/" with_conf "all dead"
unavailable "no URI reachable: nothing served"
ok "no URI reachable: fails within the deadline" within 3000 2 "" getent passwd bob

# cn=limited may see at most 100 entries per search
BINDDN=$SLAPD_LIMITED_DN BINDPW_FILE=$SLAPD_LIMITED_PW_FILE with_conf limited
ok "limited account: single lookups work" getent passwd dave
check "size-limited group search: no partial membership (primary group only)" "1" "$(id -G dave | wc -w)"
ok "the refusal is logged" grep -q "refusing a partial result" "$T/sesamed.log"
check "size-limited enumeration: nothing rather than a part" "0" \
        "$(getent passwd | grep -cvxFf /etc/passwd)"
ok "sesamectl check: exit status 1 under the size limit" rc_is 1 sesamectl_run -c "$T/sesame.conf" check
ok "... naming it" sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' check |
        grep -q '^sesamed: FAILED: .*size limit cuts the list of users short'"

# RFC 2307bis: member DNs
GROUP_SCHEMA=rfc2307bis EXTRA_LDAP="group_base = ou=groups-bis,$SLAPD_BASE
group_filter = (objectClass=groupOfNames)" with_conf rfc2307bis
check "rfc2307bis group: member DNs become names" "bstaff:x:11010:alice,bob" "$(getent group bstaff)"
# (cold, a 5000-member answer may outlast the 1 s NSS deadline under ASan
# on a loaded machine: the content is checked once it is cached)
retry 5 0.5 getent group bbig
check "rfc2307bis big group" "5000" "$(getent group bbig | cut -d: -f4 | tr ',' '\n' | grep -c .)"
ok "rfc2307bis initgroups" sh -c 'id -Gn alice | grep -qw bstaff'
ok "rfc2307bis enumeration" sh -c 'getent group | grep -q "^bstaff:"'

done_testing

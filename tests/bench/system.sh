#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One system under test, measured against a slapd that is already
# running: the part of tests/bench/perf.sh that runs in a private mount
# namespace (one namespace per system, set up by tests/lib/harness.sh as
# for the integration tests: a private /run, /etc/nsswitch.conf,
# /etc/pam.d, /etc/passwd and /etc/group; nothing on the host changes).
#
#     BUILD_DIR=build tests/bench/system.sh SYSTEM SIZE DATA SLAPD_DIR TSV
#
# SYSTEM: sesame (sesamed, libnss_sesame and pam_sesame of BUILD_DIR),
# nslcd (nss-pam-ldapd: nslcd, libnss_ldap, pam_ldap) or sssd (sssd-ldap,
# libnss_sss, pam_sss), each installed by its Debian packages; their
# system services are never started or touched: this starts a private
# daemon of its own with a configuration of its own, bind-mounted over
# the compiled-in paths inside the namespace only.  Every system binds as
# the same service account and keeps its defaults otherwise.  SIZE: the
# number of users (a label for the TSV).  DATA: the directory written by
# gen-directory.py.  SLAPD_DIR: the running slapd (tests/lib/slapd.sh).
# TSV: results are appended to it, a line per figure:
# SIZE SYSTEM REP FIGURE key=value... (the output of bench-nss or
# bench-pam, or the daemon's memory).  Exit status 77 when SYSTEM is not
# installed.
#
# Environment: REPS (1), DUR (3: seconds of each hot run), COLD_N (1000:
# names looked up once in each cold run), THREADS (4: the threaded hot
# run), PAM_N (200: logins in each PAM run), PAM_PROCS (8: processes of
# the concurrent PAM run), LOG_DIR (where the daemons' logs are copied
# to at the end, as SYSTEM-SIZE-NAME.log), FIGURES (the figures to
# measure, by their names in the TSV, e.g. "passwd_all group_all";
# default: all).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"

SYSTEM=${1:-}
SIZE=${2:-}
DATA=${3:-}
BENCH_SLAPD=${4:-}
TSV=${5:-}
case $SYSTEM in
sesame) ;;
nslcd | sssd)
        # the Debian packages of the system (the message says which)
        case $SYSTEM in
        nslcd) pkgs="nslcd libnss-ldapd libpam-ldapd" ;;
        sssd) pkgs="sssd-ldap libnss-sss libpam-sss" ;;
        esac
        # shellcheck disable=SC2086 # a list of words
        if [ "$(dpkg-query -W -f='${db:Status-Status} ' $pkgs 2>/dev/null)" != "installed installed installed " ]; then
                echo "$SYSTEM skipped: not installed (apt-get install $pkgs; see doc/performance.md)" >&2
                exit 77
        fi
        ;;
*)
        echo "usage: $0 sesame|nslcd|sssd SIZE DATA SLAPD_DIR TSV" >&2
        exit 2
        ;;
esac
if [ -z "$SIZE" ] || [ ! -r "$DATA/users.txt" ] || [ ! -r "$BENCH_SLAPD/slapd.env" ] || [ -z "$TSV" ]; then
        echo "usage: $0 sesame|nslcd|sssd SIZE DATA SLAPD_DIR TSV" >&2
        exit 2
fi
DATA=$(cd "$DATA" && pwd -P)
TSV=$(cd "$(dirname "$TSV")" && pwd -P)/$(basename "$TSV")
: "${BUILD_DIR:?BUILD_DIR must point at the meson build directory}"
export BUILD_DIR
harness_init "$@"

REPS=${REPS:-1}
DUR=${DUR:-3}
COLD_N=${COLD_N:-1000}
THREADS=${THREADS:-4}
PAM_N=${PAM_N:-200}
PAM_PROCS=${PAM_PROCS:-8}
BENCH_NSS=$BUILD_DIR/tests/bench/bench-nss
BENCH_PAM=$BUILD_DIR/tests/bench/bench-pam
# no run may hang the benchmark: each is killed after this many seconds
RUN_BOUND=900

# The slapd is perf.sh's, shared by every system: its SLAPD_* for the
# configurations, but not SLAPD_DIR, or harness_cleanup would stop it.
slapd_load_env "$BENCH_SLAPD" || exit 1
unset SLAPD_DIR
head -n "$COLD_N" "$DATA/users.txt" >"$T/users"
head -n "$COLD_N" "$DATA/initgroups.txt" >"$T/initgroups"
head -n "$COLD_N" "$DATA/groups.txt" >"$T/groups"

DAEMON_PID=
# keep_logs: what the daemons logged, for LOG_DIR
keep_logs() {
        local f
        [ -n "${LOG_DIR:-}" ] || return 0
        for f in "$T"/*.log "$T"/sss-log/*.log; do
                [ -f "$f" ] && cp "$f" "$LOG_DIR/$SYSTEM-$SIZE-${f##*/}"
        done
}
trap 'system_stop; keep_logs; harness_cleanup' EXIT

# ---------------------------------------------------------------------------
# the three systems: start with an empty cache, stop, name their PAM module

sesame_up() {
        cat >"$T/sesame.conf" <<EOF
# defaults everywhere but where the directory is (sesame.conf(5))
[ldap]
uri = $SLAPD_URI
base = $SLAPD_BASE
binddn = $SLAPD_BIND_DN
bindpw_file = $SLAPD_BIND_PW_FILE
[totp]
key_file = $TOTP_KEY
EOF
        sesamed_start "$T/sesame.conf" || return 1
        DAEMON_PID=$SESAMED_PID
}

nslcd_up() {
        # nslcd has no option for another configuration file, and its
        # socket (/run/nslcd/socket) is compiled into libnss_ldap and pam_ldap
        cat >"$T/nslcd.conf" <<EOF
uid nslcd
gid nslcd
uri $SLAPD_URI
base $SLAPD_BASE
binddn $SLAPD_BIND_DN
bindpw $SLAPD_BIND_PW
# what a directory of this size needs: paged enumerations
pagesize 1000
EOF
        chown root:nslcd "$T/nslcd.conf" && chmod 0640 "$T/nslcd.conf" || return 1
        mountpoint -q /etc/nslcd.conf || mount --bind "$T/nslcd.conf" /etc/nslcd.conf || return 1
        mkdir -p /run/nslcd && chown nslcd:nslcd /run/nslcd || return 1
        # -n: the foreground without debugging output (-d logs every request)
        nslcd -n >>"$T/nslcd.log" 2>&1 &
        DAEMON_PID=$!
        wait_for 10 test -S /run/nslcd/socket
}

sssd_up() {
        local d=$T/sss
        # sssd's cache, pipes and memory-mapped cache are compiled-in paths
        # under /var/lib/sss: a copy of the package's (empty) tree, modes kept
        if ! mountpoint -q /var/lib/sss; then
                rm -rf "$d" && cp -a /var/lib/sss "$d" || return 1
                rm -f "$d"/db/* "$d"/mc/*
                mount --bind "$d" /var/lib/sss || return 1
                mkdir -p "$T/sss-log" && mount --bind "$T/sss-log" /var/log/sssd || return 1
        fi
        cat >"$T/sssd.conf" <<EOF
[sssd]
services = nss, pam
domains = bench
[nss]
[pam]
[domain/bench]
id_provider = ldap
auth_provider = ldap
access_provider = ldap
ldap_access_order = expire
ldap_account_expire_policy = shadow
chpass_provider = none
ldap_uri = $SLAPD_URI
ldap_search_base = $SLAPD_BASE
ldap_schema = rfc2307
ldap_default_bind_dn = $SLAPD_BIND_DN
ldap_default_authtok_type = password
ldap_default_authtok = $SLAPD_BIND_PW
ldap_id_use_start_tls = false
# sssd refuses a password login over plain LDAP without this (the other
# systems use the same loopback connection)
ldap_auth_disable_tls_never_use_in_production = true
EOF
        chmod 0600 "$T/sssd.conf" || return 1
        rm -f /run/sssd.pid
        sssd -i -c "$T/sssd.conf" --logger=files >>"$T/sssd.log" 2>&1 &
        DAEMON_PID=$!
        # the monitor answers once its responders have created their pipes
        wait_for 20 test -S /var/lib/sss/pipes/nss -a -S /var/lib/sss/pipes/private/pam
}

system_stop() {
        [ -n "$DAEMON_PID" ] || return 0
        if [ "$SYSTEM" = sesame ]; then
                sesamed_stop
        else
                # (sssd's monitor stops its responders and back end)
                kill -TERM "$DAEMON_PID" 2>/dev/null
                wait_for 10 _not kill -0 "$DAEMON_PID" || kill -KILL "$DAEMON_PID" 2>/dev/null
                wait "$DAEMON_PID" 2>/dev/null
        fi
        DAEMON_PID=
}

# the NSS source and PAM module of each system
case $SYSTEM in
sesame) NSS_SOURCE=sesame PAM_MODULE=pam_sesame.so PAM_ARGS=totp=off ;;
nslcd) NSS_SOURCE=ldap PAM_MODULE=pam_ldap.so PAM_ARGS= ;;
sssd) NSS_SOURCE=sss PAM_MODULE=pam_sss.so PAM_ARGS= ;;
esac
pam_service bench <<EOF
auth     required  $PAM_MODULE $PAM_ARGS
account  required  $PAM_MODULE
EOF

# ---------------------------------------------------------------------------
# measuring

# record REP FIGURE COMMAND...: run a driver (bounded) or a function of
# this script, and append the line it prints
record() {
        local rep=$1 figure=$2 line rc
        shift 2
        [ -z "${FIGURES:-}" ] || [ "$figure" = load ] || [[ " $FIGURES " == *" $figure "* ]] || return 0
        if [ "$(type -t "$1")" = function ]; then
                line=$("$@")
        else
                line=$(timeout -k 5 "$RUN_BOUND" "$@")
        fi
        rc=$?
        [ -n "$line" ] || line="error=exit-status-$rc"
        printf '%s\t%s\t%s\t%s\t%s\n' "$SIZE" "$SYSTEM" "$rep" "$figure" "$line" >>"$TSV"
        printf '%-8s %-7s %-18s %s\n' "$SIZE" "$SYSTEM" "$figure" "$line"
}

# daemon_memory: the summed RSS (and PSS) of the daemon and its children
daemon_memory() {
        local pids p rss=0 pss=0 n=0 v
        pids="$DAEMON_PID $(ps -o pid= --ppid "$DAEMON_PID" 2>/dev/null | tr '\n' ' ')"
        for p in $pids; do
                [ -r "/proc/$p/status" ] || continue
                n=$((n + 1))
                v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
                rss=$((rss + ${v:-0}))
                v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
                pss=$((pss + ${v:-0}))
        done
        echo "rss_kb=$rss pss_kb=$pss procs=$n"
}

for rep in $(seq 1 "$REPS"); do
        # the daemons resolve their own users while starting: from the files
        nss_order files
        "${SYSTEM}_up" || { echo "$SYSTEM did not start" >&2; exit 1; }
        nss_order "$NSS_SOURCE"
        record "$rep" load echo "loadavg=$(cut -d' ' -f1 /proc/loadavg)"
        # cold: the first lookup of each name since the daemon started (the
        # user in 500 groups first: the sample of users may hold that one)
        record "$rep" big_cold "$BENCH_NSS" --once group "$DATA/big.txt"
        record "$rep" many_cold "$BENCH_NSS" --once initgroups "$DATA/many.txt"
        record "$rep" passwd_cold "$BENCH_NSS" --once passwd "$T/users"
        record "$rep" group_cold "$BENCH_NSS" --once group "$T/groups"
        record "$rep" initgroups_cold "$BENCH_NSS" --once initgroups "$T/initgroups"
        # hot: the same names again and again
        record "$rep" passwd_hot "$BENCH_NSS" --seconds "$DUR" passwd "$T/users"
        record "$rep" passwd_hot_mt "$BENCH_NSS" --seconds "$DUR" --threads "$THREADS" passwd "$T/users"
        record "$rep" group_hot "$BENCH_NSS" --seconds "$DUR" group "$T/groups"
        record "$rep" initgroups_hot "$BENCH_NSS" --seconds "$DUR" initgroups "$T/initgroups"
        record "$rep" big_hot "$BENCH_NSS" --seconds "$DUR" group "$DATA/big.txt"
        record "$rep" many_hot "$BENCH_NSS" --seconds "$DUR" initgroups "$DATA/many.txt"
        record "$rep" memory_nss daemon_memory
        # enumeration: one pass each
        record "$rep" passwd_all "$BENCH_NSS" passwd-all
        record "$rep" group_all "$BENCH_NSS" group-all
        # logins: pam_start + authenticate + acct_mgmt + pam_end; first
        # each user's first since the daemon started, then the same users
        # again (what a host sees all day: sesamed asks at an account's
        # first login whether it may write its failure count, and after
        # that a right password in a clean window writes nothing,
        # doc/security.md)
        record "$rep" pam_first "$BENCH_PAM" bench "$DATA/creds.txt" "$PAM_N" 1
        record "$rep" pam "$BENCH_PAM" bench "$DATA/creds.txt" "$PAM_N" 1
        record "$rep" pam_mp "$BENCH_PAM" bench "$DATA/creds.txt" "$PAM_N" "$PAM_PROCS"
        record "$rep" memory_end daemon_memory
        nss_order files
        system_stop
done

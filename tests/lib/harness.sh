#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Integration test harness: a private mount namespace in which glibc's real
# NSS path (getent, id) reaches libnss_sesame.so.2 and a sesamed of the
# build tree, against a private slapd (slapd.sh).  Nothing outside the
# namespace is touched: /run, /etc/nsswitch.conf, /etc/ld.so.cache,
# /etc/passwd and /etc/group are bind- or tmpfs-mounted inside it only.
#
# Usage, at the top of a test script:
#     . "$(dirname "$0")/../lib/harness.sh"
#     harness_init "$@"        # re-execs the script in a private namespace
#     slapd_start "$T/slapd"   # (slapd.sh, sourced by harness_init)
#     sesamed_config > "$T/sesame.conf"; sesamed_start "$T/sesame.conf"
#     ok "alice resolves" getent passwd alice
#     done_testing
#
# Needs root (mount namespaces); exits 77 (skip) otherwise.
# Environment: BUILD_DIR (the meson build directory; meson's test() sets it).

set -uo pipefail

HARNESS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/lib/slapd.sh
. "$HARNESS_LIB/slapd.sh"

_tap_n=0
_tap_failed=0

# ok DESCRIPTION COMMAND...: one TAP line for the command's success.
ok() {
        local desc=$1
        shift
        _tap_n=$((_tap_n + 1))
        if "$@" >"$T/last.out" 2>"$T/last.err"; then
                echo "ok $_tap_n - $desc"
        else
                echo "not ok $_tap_n - $desc"
                _tap_failed=$((_tap_failed + 1))
                sed 's/^/#   /' "$T/last.out" "$T/last.err" | head -20
        fi
}

# ok_fail DESCRIPTION COMMAND...: the command must fail.
ok_fail() {
        local desc=$1
        shift
        ok "$desc" _not "$@"
}
_not() { ! "$@"; }

# check DESCRIPTION EXPECTED ACTUAL: string equality.
check() {
        _tap_n=$((_tap_n + 1))
        if [ "$2" = "$3" ]; then
                echo "ok $_tap_n - $1"
        else
                echo "not ok $_tap_n - $1"
                _tap_failed=$((_tap_failed + 1))
                printf '#   expected: %s\n#   got:      %s\n' "${2:0:300}" "${3:0:300}"
        fi
}

diag() { echo "# $*"; }

done_testing() {
        echo "1..$_tap_n"
        [ "$_tap_failed" -eq 0 ]
}

# Wall-clock milliseconds (for "gives up within its deadline" bounds).
ms() { date +%s%3N; }

# within MS COMMAND...: the command finishes within MS milliseconds
# (whatever its exit status); a hang check, not a performance target.
within() {
        local limit=$1 t0 t1
        shift
        t0=$(ms)
        timeout $(((limit / 1000) + 5)) "$@" >/dev/null 2>&1
        t1=$(ms)
        echo "took $((t1 - t0)) ms (bound $limit ms)"
        [ $((t1 - t0)) -le "$limit" ]
}

harness_init() {
        if [ "$(id -u)" != 0 ]; then
                echo "1..0 # SKIP needs root for a private mount namespace"
                exit 77
        fi
        if [ -z "${SESAME_TEST_NS:-}" ]; then
                export SESAME_TEST_NS=1
                exec unshare -m --propagation private -- "$0" "$@"
        fi
        if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
                echo "Bail out! not in a private mount namespace"
                exit 1
        fi
        : "${BUILD_DIR:?BUILD_DIR must point at the meson build directory}"
        BUILD_DIR=$(cd "$BUILD_DIR" && pwd -P)
        SESAMED=$BUILD_DIR/helper/sesamed/sesamed
        # short: the slapd ldapi socket path must fit sun_path
        T=$(mktemp -d /tmp/sesame-test.XXXXXX)
        trap harness_cleanup EXIT
        _ns_setup
}

harness_cleanup() {
        sesamed_stop
        [ -n "${SLAPD_DIR:-}" ] && slapd_stop "$SLAPD_DIR" >/dev/null 2>&1
        if [ "${_tap_failed:-0}" != 0 ] || [ -n "${KEEP_TEST_DIR:-}" ]; then
                echo "# state kept in $T"
                for f in "$T"/sesamed*.log; do
                        [ -f "$f" ] && { echo "# --- $f (tail)"; tail -30 "$f" | sed 's/^/#   /'; }
                done
        else
                rm -rf "$T"
        fi
}

_ns_setup() {
        # a private /run: sesamed's sockets at the compiled-in path
        mount -t tmpfs -o mode=0755 tmpfs /run
        mkdir -p /run/sesame /run/lock
        # the built module, found by the dynamic loader through a private
        # ld.so.cache (-X: never touch links in system directories)
        mkdir -p "$T/lib"
        cp "$BUILD_DIR/nss/libnss_sesame.so.2" "$T/lib/"
        printf 'include /etc/ld.so.conf.d/*.conf\n%s\n' "$T/lib" >"$T/ld.so.conf"
        ldconfig -X -C "$T/ld.so.cache" -f "$T/ld.so.conf"
        mount --bind "$T/ld.so.cache" /etc/ld.so.cache
        # private copies of the local account files, for "local wins" tests
        cp /etc/passwd "$T/passwd"
        cp /etc/group "$T/group"
        mount --bind "$T/passwd" /etc/passwd
        mount --bind "$T/group" /etc/group
        printf 'passwd: files sesame\ngroup: files sesame\nshadow: files\nhosts: files\n' >"$T/nsswitch.conf"
        mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf
        # a sanitizer build of the module needs its runtime loaded first in
        # the (uninstrumented) programs that load it: wrap them, rather
        # than exporting LD_PRELOAD to everything (slapd would get it too)
        if readelf -d "$T/lib/libnss_sesame.so.2" | grep -q 'libasan'; then
                local pre prog
                pre="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
                mkdir -p "$T/bin"
                for prog in getent id; do
                        printf '#!/bin/sh\nLD_PRELOAD="%s" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 exec %s "$@"\n' \
                                "$pre" "$(command -v $prog)" >"$T/bin/$prog"
                        chmod +x "$T/bin/$prog"
                done
                export PATH="$T/bin:$PATH"
        fi
}

# Add a local account line to the namespace's /etc/passwd or /etc/group.
local_user() { echo "$1" >>/etc/passwd; }
local_group() { echo "$1" >>/etc/group; }

# sesamed_config [EXTRA LINES]: a configuration for the running slapd on
# stdout.  Extra "section.key=value" arguments override or add keys.
sesamed_config() {
        local uri=${URI:-$SLAPD_URI}
        cat <<EOF
[ldap]
uri = $uri
base = $SLAPD_BASE
binddn = ${BINDDN:-$SLAPD_BIND_DN}
bindpw_file = ${BINDPW_FILE:-$SLAPD_BIND_PW_FILE}
ca_file = ${CA_FILE:-$SLAPD_CA}
starttls = ${STARTTLS:-no}
connect_timeout = 2
timeout = 4
group_schema = ${GROUP_SCHEMA:-rfc2307}
${EXTRA_LDAP:-}
[nss]
cache_ttl = ${CACHE_TTL:-300}
${EXTRA_NSS:-}
[daemon]
reconnect_interval = ${RECONNECT:-2}
EOF
}

# sesamed_start CONF [ARGS...]: start sesamed in the foreground (logging to
# $T/sesamed.log) and wait (bounded) until nss.sock answers.
sesamed_start() {
        local conf=$1 i
        shift
        chmod 0600 "$conf"
        "$SESAMED" -f -c "$conf" "$@" >>"$T/sesamed.log" 2>&1 &
        SESAMED_PID=$!
        for i in $(seq 1 100); do
                [ -S /run/sesame/nss.sock ] && return 0
                kill -0 "$SESAMED_PID" 2>/dev/null || { SESAMED_PID=; return 1; }
                sleep 0.05
        done
        return 1
}

sesamed_stop() {
        [ -n "${SESAMED_PID:-}" ] || return 0
        kill -CONT "$SESAMED_PID" 2>/dev/null
        kill -TERM "$SESAMED_PID" 2>/dev/null
        local i
        for i in $(seq 1 50); do
                kill -0 "$SESAMED_PID" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL "$SESAMED_PID" 2>/dev/null
        wait "$SESAMED_PID" 2>/dev/null
        SESAMED_PID=
}

# retry N DELAY COMMAND...: run until it succeeds, at most N times.
retry() {
        local n=$1 delay=$2 i
        shift 2
        for i in $(seq 1 "$n"); do
                "$@" >/dev/null 2>&1 && return 0
                sleep "$delay"
        done
        return 1
}

# sesamed_restart CONF: stop the running sesamed, start one with CONF.
sesamed_restart() {
        sesamed_stop
        sesamed_start "$@"
}

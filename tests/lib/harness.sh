#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Integration test harness: a private mount namespace in which glibc's real
# NSS path (getent, id) reaches libnss_sesame.so.2 and a sesamed of the
# build tree, against a private slapd (slapd.sh), and in which PAM services
# (pamtester, passwd) use the built pam_sesame.so.  Nothing outside the
# namespace is touched: /run, /etc/nsswitch.conf, /etc/ld.so.cache,
# /etc/passwd, /etc/group, /etc/pam.d and /var/cache/ldconfig are bind- or
# tmpfs-mounted inside it only.
#
# Usage, at the top of a test script:
#     . "$(dirname "$0")/../lib/harness.sh"
#     harness_init "$@"        # re-execs the script in a private namespace
#     slapd_start "$T/slapd"   # (slapd.sh, sourced by harness_init)
#     sesamed_config > "$T/sesame.conf"; sesamed_start "$T/sesame.conf"
#     ok "alice resolves" getent passwd alice
#     ok_refused "no such user" getent passwd nosuchuser   # sesamed answers,
#                                    # before and after: the refusal is its own
#     ok "gives up in time" within 3000 2 "" getent passwd bob  # time, status, output
#     done_testing
#
# PAM and sesamectl (see the helpers below):
#     pam_service login <<EOF                # /etc/pam.d/login of the namespace
#     auth    required pam_sesame.so totp=off   # (the BUILT module is put in)
#     account required pam_sesame.so
#     EOF
#     pamtester_run $'Alice-Passw0rd!' login alice authenticate acct_mgmt
#     PAM_AS="10115 10000" pamtester_run ...  # as an unprivileged user
#     totp_wait_safe; totp_code "$SECRET" -1  # codes from oathtool only
#     sesamectl_run user show alice
#
# Needs root (mount namespaces); exits 77 (skip) otherwise.
# Environment: BUILD_DIR (the meson build directory; meson's test() sets it).
#
# Set after harness_init: T (the test's directory, mode 0711 so that
# processes of unprivileged test users reach $T/lib and $T/bin), SESAMED,
# SESAMECTL, PAM_SESAME (absolute paths of the built programs), TOTP_KEY
# ($T/totp.key: 32 random bytes, root, 0600; sesamed_config names it as
# [totp] key_file).

set -uo pipefail

HARNESS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/lib/slapd.sh
. "$HARNESS_LIB/slapd.sh"
# the python for test scripts: the system one when there is one
# shellcheck disable=SC2034 # for the test scripts
PYTHON3=$SLAPD_PYTHON

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

# within MS RC OUTPUT COMMAND...: the command finishes within MS
# milliseconds, with exit status RC and OUTPUT as its whole standard
# output.  A hang check, not a performance target; and one that also says
# what the command answered, since giving up in time for the wrong
# reason (or answering wrongly in time) is no pass.  A program is killed
# 5 s after the bound; a shell function must bound itself (as
# sesamectl_run does).
within() {
        local limit=$1 want_rc=$2 want_out=$3 t0 t1 out rc
        shift 3
        t0=$(ms)
        if [ "$(type -t "$1")" = function ]; then
                out=$("$@")
        else
                out=$(timeout $(((limit / 1000) + 5)) "$@")
        fi
        rc=$?
        t1=$(ms)
        echo "took $((t1 - t0)) ms (bound $limit ms); exit status $rc (want $want_rc)"
        printf 'output: %s\nwant:   %s\n' "${out:0:300}" "$want_out"
        [ $((t1 - t0)) -le "$limit" ] && [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]
}

# sesamed_answers: the sesamed of sesamed_start runs and answers a PING on
# admin.sock (within 5 s).  The positive control of every check that
# something is refused: a refusal by a daemon that is not there (it did
# not start, or the input under test killed it) proves nothing.
sesamed_answers() {
        if [ -z "${SESAMED_PID:-}" ] || ! kill -0 "$SESAMED_PID" 2>/dev/null; then
                echo "sesamed is not running"
                return 1
        fi
        if ! "$PYTHON3" "$HARNESS_LIB/rawclient.py" --socket /run/sesame/admin.sock --timeout 5 ping >/dev/null; then
                echo "sesamed (pid $SESAMED_PID) does not answer a PING on admin.sock"
                return 1
        fi
}

# answered COMMAND...: sesamed answers before and after the command
# (sesamed_answers), and the command succeeds.
answered() {
        sesamed_answers || return 1
        "$@" || return 1
        sesamed_answers || { echo "(after the command)"; return 1; }
}

# ok_refused DESCRIPTION COMMAND...: one TAP line: the command fails while
# sesamed answers, before and after it.
ok_refused() {
        local desc=$1
        shift
        ok "$desc" answered _not "$@"
}

# rc_is WANT COMMAND...: the command exits with status WANT
rc_is() {
        local want=$1 rc
        shift
        "$@"
        rc=$?
        [ "$rc" = "$want" ] || { echo "exit status $rc, want $want" >&2; return 1; }
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
        SESAMECTL=$BUILD_DIR/helper/sesamectl/sesamectl
        PAM_SESAME=$BUILD_DIR/pam_module/pam_sesame.so
        # short: the slapd ldapi socket path must fit sun_path
        T=$(mktemp -d /tmp/sesame-test.XXXXXX)
        # unprivileged test users (as_uid) must reach $T/lib (the NSS
        # module), $T/bin and $T/pam.d; nothing in $T can be listed, and
        # the secrets in it are 0600 files
        chmod 0711 "$T"
        trap harness_cleanup EXIT
        # the TOTP sealing key sesamed_config names as [totp] key_file
        TOTP_KEY=$T/totp.key
        (umask 077 && head -c 32 /dev/urandom >"$TOTP_KEY")
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
        # a private /var/spool: sesamed spools its notices (a password
        # change, a lock) to the default [mail] spool_dir of a test that
        # sets none, and they must never reach the host's
        mount -t tmpfs -o mode=0755 tmpfs /var/spool
        # the built module, found by the dynamic loader through a private
        # ld.so.cache (-X: never touch links in system directories)
        mkdir -p "$T/lib"
        cp "$BUILD_DIR/nss/libnss_sesame.so.2" "$T/lib/"
        printf 'include /etc/ld.so.conf.d/*.conf\n%s\n' "$T/lib" >"$T/ld.so.conf"
        # ldconfig also rewrites its auxiliary cache, the host's
        # /var/cache/ldconfig/aux-cache, which every test running at the
        # same time would share (and could read half-written): a private one
        mount -t tmpfs -o mode=0700 tmpfs /var/cache/ldconfig
        ldconfig -X -C "$T/ld.so.cache" -f "$T/ld.so.conf"
        mount --bind "$T/ld.so.cache" /etc/ld.so.cache
        # private copies of the local account files, for "local wins" tests
        cp /etc/passwd "$T/passwd"
        cp /etc/group "$T/group"
        mount --bind "$T/passwd" /etc/passwd
        mount --bind "$T/group" /etc/group
        nss_order files sesame
        mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf
        # a private, empty /etc/pam.d: only the services a test writes with
        # pam_service, and an "other" that refuses everything
        mkdir -m 0755 "$T/pam.d"
        printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" \
                "password required pam_deny.so" "session required pam_deny.so" >"$T/pam.d/other"
        mount --bind "$T/pam.d" /etc/pam.d
        mkdir -m 0755 "$T/bin"
        export PATH="$T/bin:$PATH"
        # every check below assumes this namespace: glibc loading the built
        # module and reading our nsswitch.conf, PAM our pam.d
        local why="" cache
        # (not "ldconfig -p | grep -q": with pipefail, grep leaving early
        # makes the pipeline fail)
        cache=$(ldconfig -p)
        grep -q "^[[:space:]]*libnss_sesame\.so\.2 .*=> $T/lib/libnss_sesame\.so\.2\$" <<<"$cache" ||
                why="ld.so.cache has no $T/lib/libnss_sesame.so.2;"
        cmp -s /etc/nsswitch.conf "$T/nsswitch.conf" || why="$why /etc/nsswitch.conf is not ours;"
        [ /etc/pam.d/other -ef "$T/pam.d/other" ] || why="$why /etc/pam.d is not ours;"
        if [ -n "$why" ]; then
                echo "Bail out! the private namespace is not set up: $why"
                exit 1
        fi
        # a sanitizer build of the modules needs its runtime loaded first in
        # the (uninstrumented) programs that load them: wrap them, rather
        # than exporting LD_PRELOAD to everything (slapd would get it too).
        # setpriv resolves a numeric --reuid with getpwnam() first.
        # ldapwhoami/ldapsearch load neither module and are not wrapped.
        if grep -q 'libasan' <<<"$(readelf -d "$T/lib/libnss_sesame.so.2")"; then
                local pre prog
                pre="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
                # ASan's crypt() interceptor finds the real crypt() when it
                # starts; pam_unix loads libcrypt later (dlopen), so without
                # this a local password check jumps to address 0
                pre="$pre $(gcc -print-file-name=libcrypt.so.1)"
                for prog in getent id pamtester passwd setpriv; do
                        command -v "$prog" >/dev/null || continue
                        printf '#!/bin/sh\nLD_PRELOAD="%s" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 exec %s "$@"\n' \
                                "$pre" "$(command -v $prog)" >"$T/bin/$prog"
                        chmod 0755 "$T/bin/$prog"
                done
        fi
}

# Add a local account line to the namespace's /etc/passwd or /etc/group.
local_user() { echo "$1" >>/etc/passwd; }
local_group() { echo "$1" >>/etc/group; }

# nss_order SOURCES...: the namespace's nsswitch.conf with "passwd:" and
# "group:" set to SOURCES (default at harness_init: files sesame).  With
# "sesame files", every lookup asks sesamed first, so a name or id that
# exists locally shows what sesamed itself serves for it.  The file is
# rewritten in place: the bind mount on /etc/nsswitch.conf follows it.
nss_order() {
        printf 'passwd: %s\ngroup: %s\nshadow: files\nhosts: files\n' "$*" "$*" >"$T/nsswitch.conf"
}

# sesamed_config: a configuration for the running slapd on stdout.
# Variables: URI BINDDN BINDPW_FILE CA_FILE STARTTLS GROUP_SCHEMA CACHE_TTL
# RECONNECT; EXTRA_LDAP EXTRA_NSS EXTRA_DAEMON EXTRA_AUTH EXTRA_TOTP
# EXTRA_PASSWORD EXTRA_HOOKS EXTRA_WEB EXTRA_MAIL (lines added to that section; every key may
# appear once in the file, so set keys through these rather than by
# appending another [section]); TOTP_KEY_FILE (default $TOTP_KEY; empty:
# no key_file line).
sesamed_config() {
        local uri=${URI:-$SLAPD_URI} key=${TOTP_KEY_FILE-$TOTP_KEY} keyline=""
        [ -n "$key" ] && keyline="key_file = $key"
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
${EXTRA_DAEMON:-}
[auth]
${EXTRA_AUTH:-}
[totp]
$keyline
${EXTRA_TOTP:-}
[password]
${EXTRA_PASSWORD:-}
[hooks]
${EXTRA_HOOKS:-}
[web]
${EXTRA_WEB:-}
[mail]
${EXTRA_MAIL:-}
EOF
}

# sesamed_start CONF [ARGS...]: start sesamed in the foreground (logging to
# $T/sesamed.log) and wait (bounded) until nss.sock exists.
sesamed_start() {
        local conf=$1 i
        shift
        chmod 0600 "$conf"
        SESAMED_LOG_MARK=$( { wc -c <"$T/sesamed.log"; } 2>/dev/null || echo 0)
        "$SESAMED" -f -c "$conf" "$@" >>"$T/sesamed.log" 2>&1 &
        SESAMED_PID=$!
        for i in $(seq 1 100); do
                [ -S /run/sesame/nss.sock ] && return 0
                kill -0 "$SESAMED_PID" 2>/dev/null || { SESAMED_PID=; return 1; }
                sleep 0.05
        done
        return 1
}

# sesamed_log_since_start: what the last sesamed_start's sesamed logged
sesamed_log_since_start() { tail -c +$((${SESAMED_LOG_MARK:-0} + 1)) "$T/sesamed.log"; }

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

# ---------------------------------------------------------------------------
# PAM, TOTP and sesamectl helpers

# pam_service NAME: write /etc/pam.d/NAME of the namespace from stdin.  A
# word "pam_sesame.so" becomes the absolute path of the BUILT module
# ($PAM_SESAME), so nothing installed on the host is ever used.
pam_service() {
        local name=${1:?usage: pam_service NAME <FILE}
        case $name in
        */* | .* | "") echo "pam_service: bad service name '$name'" >&2; return 1 ;;
        esac
        sed -E "s#(^|[[:space:]])pam_sesame\.so([[:space:]]|\$)#\1$PAM_SESAME\2#" >"$T/pam.d/$name" &&
                chmod 0644 "$T/pam.d/$name"
}

# pamtester_run ANSWERS SERVICE USER OPERATION...: pamtester -v with
# ANSWERS (newline-separated: one line per prompt, in order) on stdin,
# killed after PAMTESTER_TIMEOUT (default 30) seconds.  Prints pamtester's
# stdout and stderr (the prompts, the module's messages and the result:
# "pamtester: successfully authenticated", or pam_strerror() of the
# failure, e.g. "pamtester: Authentication failure"); returns its status
# (124: killed by the timeout).  Options for pamtester (-I rhost=...) may
# come before SERVICE.  PAM_AS="UID GID": run pamtester as that user
# (see as_uid).  Note: pamtester's conversation (misc_conv) cuts an answer
# at 511 bytes.
pamtester_run() {
        local answers=$1
        local -a as=()
        shift
        if [ -n "${PAM_AS:-}" ]; then
                as=(setpriv --reuid="${PAM_AS% *}" --regid="${PAM_AS#* }" --clear-groups --inh-caps=-all --)
        fi
        # a here-string, not a pipe from printf: pamtester need not read
        # the answers (acct_mgmt reads none), and with pipefail a printf
        # that writes after pamtester has exited dies of SIGPIPE (141)
        timeout -k 5 "${PAMTESTER_TIMEOUT:-30}" "${as[@]}" pamtester -v "$@" <<<"$answers" 2>&1
}

# pam_strerror() texts (Linux-PAM), as pamtester prints them
# shellcheck disable=SC2034 # for the test scripts
{
        PAM_TEXT_AUTH_ERR="Authentication failure"
        PAM_TEXT_USER_UNKNOWN="User not known to the underlying authentication module"
        PAM_TEXT_MAXTRIES="Have exhausted maximum number of retries for service"
        PAM_TEXT_AUTHINFO_UNAVAIL="Authentication service cannot retrieve authentication info"
        PAM_TEXT_SERVICE_ERR="Error in service module"
        PAM_TEXT_PERM_DENIED="Permission denied"
        PAM_TEXT_ACCT_EXPIRED="User account has expired"
        PAM_TEXT_AUTHTOK_ERR="Authentication token manipulation error"
        PAM_TEXT_SESSION_ERR="Cannot make/remove an entry for the specified session"
}

# pam_expect DESCRIPTION EXPECT ANSWERS [PAMTESTER OPTIONS] SERVICE USER
# OPERATION...: one TAP line.  EXPECT "ok": pamtester exits 0; otherwise
# EXPECT is the pam_strerror() text pamtester must end with
# ("pamtester: TEXT", exit status 1; a prompt may precede it on the line).  The output is kept in $T/pam.out
# (and in PAM_OUT) for further checks; on a mismatch it is shown.  A
# sanitizer report in the output is a failure whatever the result.
pam_expect() {
        local desc=$1 want=$2 rc
        shift 2
        PAM_OUT=$(pamtester_run "$@")
        rc=$?
        printf '%s\n' "$PAM_OUT" >"$T/pam.out"
        _tap_n=$((_tap_n + 1))
        # a sanitizer report from the module (UBSan goes on after it) fails too
        if ! grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' "$T/pam.out" &&
                { { [ "$want" = ok ] && [ "$rc" = 0 ]; } ||
                { [ "$want" != ok ] && [ "$rc" = 1 ] &&
                        [[ $(tail -n 1 <<<"$PAM_OUT") == *"pamtester: $want" ]]; }; }; then
                echo "ok $_tap_n - $desc"
                return 0
        fi
        echo "not ok $_tap_n - $desc"
        _tap_failed=$((_tap_failed + 1))
        printf '#   expected: %s\n#   got (exit %s):\n' "$want" "$rc"
        sed 's/^/#     /' "$T/pam.out" | tail -n 12
        return 1
}

# no_sanitizer_report FILE...: no ASan/UBSan/LSan report in the files
# (e.g. $T/sesamed.log: UBSan reports and goes on)
no_sanitizer_report() {
        ! grep -E 'runtime error:|AddressSanitizer|LeakSanitizer' "$@"
}

# as_uid UID GID COMMAND...: run the program COMMAND as an unprivileged
# user: real and effective uid and gid set, no supplementary groups, no
# capabilities.
as_uid() {
        local uid=$1 gid=$2
        shift 2
        setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all -- "$@"
}

# totp_code SECRET [OFFSET_STEPS [ALG [DIGITS [PERIOD]]]]: the RFC 6238
# code of the base32 SECRET for the step OFFSET_STEPS (default 0) away
# from now, computed by oathtool (never by Sesame's code).  ALG sha1
# (default), sha256 or sha512; DIGITS default 6; PERIOD default 30.
totp_code() {
        local secret=$1 off=${2:-0} alg=${3:-sha1} digits=${4:-6} period=${5:-30} now
        now=$(date +%s)
        # the seed on stdin ("-"), not on the command line where ps shows it
        oathtool --totp="$alg" --base32 --digits="$digits" --time-step-size="${period}s" \
                --now="@$((now + off * period))" - <<<"$secret"
}

# totp_wait_safe [SECONDS [PERIOD]]: return once at least SECONDS (default
# 8) remain in the current TOTP step of PERIOD (default 30) seconds, so
# that a code computed now is checked by sesamed in the same step and a
# window-edge test cannot flip.  Waits at most SECONDS.
totp_wait_safe() {
        local need=${1:-8} period=${2:-30} us left
        us=${EPOCHREALTIME/[.,]/}
        left=$((period * 1000000 - us % (period * 1000000)))
        if [ "$left" -lt $((need * 1000000)) ]; then
                # sleep into the next step (plus 50 ms), then it has period-0.05 s
                sleep "$(printf '%d.%06d' $(((left + 50000) / 1000000)) $(((left + 50000) % 1000000)))"
        fi
}

# totp_step [PERIOD]: the current TOTP step number (seconds / PERIOD)
totp_step() { echo $(($(date +%s) / ${1:-30})); }

# totp_wait_step STEP [PERIOD]: return once the current step is at least
# STEP (e.g. one after a step that an activation or login used up, so that
# the codes of the steps before now are not replays), at a safe point
# (totp_wait_safe).  Waits at most until STEP starts, and at most 300 s.
totp_wait_step() {
        local want=$1 period=${2:-30} now_us start_us
        now_us=${EPOCHREALTIME/[.,]/}
        start_us=$((want * period * 1000000))
        if [ "$now_us" -lt "$start_us" ]; then
                if [ $((start_us - now_us)) -gt 300000000 ]; then
                        echo "totp_wait_step: step $want is too far ahead" >&2
                        return 1
                fi
                now_us=$((start_us - now_us + 50000))
                sleep "$(printf '%d.%06d' $((now_us / 1000000)) $((now_us % 1000000)))"
        fi
        totp_wait_safe 8 "$period"
}

# sesamectl_run ARGS...: the built sesamectl, bounded (30 s)
sesamectl_run() {
        timeout -k 5 30 "$SESAMECTL" "$@"
}

# totp_enroll USER: enrol USER for TOTP with sesamectl (default algorithm,
# digits and period) and activate the seed with oathtool's code of the
# previous step.  Prints "SECRET STEP": the base32 seed, and the step the
# activation used up (a login takes a code of a later step: totp_wait_step
# STEP+1).  sesamectl's messages go to stderr.
totp_enroll() {
        local secret step
        secret=$(sesamectl_run --json totp enroll "$1" --no-activate |
                "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["secret"])') || return 1
        [ -n "$secret" ] || return 1
        totp_wait_safe
        step=$(($(totp_step) - 1))
        sesamectl_run totp activate "$1" <<<"$(totp_code "$secret" -1)" >&2 || return 1
        echo "$secret $step"
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.1 s until it succeeds,
# for at most SECONDS.
wait_for() {
        local end
        end=$(($(date +%s%N) / 1000000 + $1 * 1000))
        shift
        while :; do
                "$@" >/dev/null 2>&1 && return 0
                [ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
                sleep 0.1
        done
}

# spool_next_mail SPOOL: the text of the next message in SPOOL/new that no
# earlier call took (remembered in $T/seen-mails), waiting for it at most
# 5 s (sesamed answers a request for a link before it writes the mail).
spool_next_mail() {
        local spool=$1 f
        touch "$T/seen-mails"
        _spool_new() { comm -13 <(sort "$T/seen-mails") <(ls -1 "$spool/new" 2>/dev/null | sort); }
        _spool_has_new() { [ -n "$(_spool_new)" ]; }
        wait_for 5 _spool_has_new || { echo "no new mail in $spool"; return 1; }
        f=$(_spool_new | head -n 1)
        echo "$f" >>"$T/seen-mails"
        cat "$spool/new/$f"
}

# ---------------------------------------------------------------------------
# directory entries of a test's own

# fixture_pw NAME: the password of a fixture user, and of ldap_add_user's
# (first letter upper-cased: Alice-Passw0rd!)
fixture_pw() { printf '%s-Passw0rd!' "${1^}"; }

# ldap_add_user NAME UIDNUMBER [LDIF-LINES...]: as the rootdn, a new
# account uid=NAME in ou=people (inetOrgPerson, posixAccount,
# shadowAccount, sesameAccount), primary group ldapusers (10000), password
# fixture_pw NAME, with LDIF-LINES ("attribute: value") added
ldap_add_user() {
        local u=$1 n=$2
        shift 2
        printf '%s\n' "dn: uid=$u,ou=people,$SLAPD_BASE" "objectClass: top" "objectClass: person" \
                "objectClass: organizationalPerson" "objectClass: inetOrgPerson" "objectClass: posixAccount" \
                "objectClass: shadowAccount" "objectClass: sesameAccount" "uid: $u" "cn: $u" "sn: Example" \
                "uidNumber: $n" "gidNumber: 10000" "homeDirectory: /home/$n" "loginShell: /bin/bash" \
                "userPassword: $(fixture_pw "$u")" "$@" | slapd_ldapmodify -a >/dev/null
}

# ldap_root_attr NAME ATTRIBUTE: the values of ATTRIBUTE of uid=NAME in
# ou=people, one a line, as the rootdn sees them (past every access rule)
ldap_root_attr() {
        timeout 30 ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 -H "$SLAPD_URI" \
                -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" -b "uid=$1,ou=people,$SLAPD_BASE" -s base "$2" |
                sed -n "s/^$2: //p"
}

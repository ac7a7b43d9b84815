#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A private OpenSSH server for Sesame's integration tests.  Source it after
# harness_init (harness.sh), i.e. inside the test's private mount namespace:
#
#     . "$HARNESS_LIB/sshd.sh"
#     sshd_pam_sesame >"$T/pam-sshd"          # or any other pam.d stack
#     sshd_start "$T/sshd" "$T/pam-sshd"      # exports SSHD_* (see below)
#     ssh_login alice --mode kbd               # tests/lib/ssh-login.py
#     sshd_stop
#
# Public-key logins (the PAM auth phase never runs; account and session do):
#
#     sshd_pam_sesame_pubkey require_role=admins >"$T/pam-sshd-pk"
#     sshd_start "$T/sshd-pk" "$T/pam-sshd-pk" pubkey
#     ssh-keygen -q -t ed25519 -N '' -f "$T/alice.key"
#     sshd_authorize_key alice "$T/alice.key.pub"
#     ssh_login alice --mode pubkey --key "$T/alice.key"
#
# sshd_start DIR PAMFILE [AUTH] writes DIR/sshd_config, generates DIR's own
# ed25519 host key, installs PAMFILE as /etc/pam.d/sshd of the namespace
# and runs /usr/sbin/sshd -D -e -f DIR/sshd_config (log: DIR/sshd.log) on
# 127.0.0.1 and a free port in 20000-32767 (retried when the port is lost
# to a race).  AUTH is how users authenticate, always with UsePAM yes (so
# PAM's account and session phases run) and PasswordAuthentication no:
#  - kbd (the default): keyboard-interactive through PAM only
#    (PubkeyAuthentication no, AuthenticationMethods keyboard-interactive).
#  - pubkey: public keys only (PubkeyAuthentication yes,
#    KbdInteractiveAuthentication no, AuthenticationMethods publickey), so
#    the PAM auth phase never runs.  AuthorizedKeysFile is
#    SSHD_KEYS_DIR/%u, one file per user written by sshd_authorize_key.
#    sshd reads the file as the user, and StrictModes (on) wants the file
#    and every directory above it owned by root (or the user) and not
#    group- or world-writable, up to /: so not under DIR (mode 0700, and
#    under /tmp, mode 1777), but under the namespace's private /run (root,
#    0755): SSHD_KEYS_DIR is
#    /run/sesame-sshd/NAME/authorized_keys (NAME: DIR's base name), each
#    file root-owned, mode 0644.
#    When the account phase refuses a user whose key sshd accepted, sshd
#    (9.2) sends the phase's PAM messages (pam_error) to the client as a
#    userauth banner, logs "Access denied for user USER by PAM account
#    configuration" and closes the connection.
# A PAMFILE change (pam_service sshd) takes effect at the next connection:
# sshd reads /etc/pam.d/sshd for each one.
#
# What it changes, all inside the namespace only:
#  - /etc/pam.d/sshd := PAMFILE, with the harness's pam_service (its
#    private /etc/pam.d).
#  - /run/sshd (privilege separation directory; /run is the harness's
#    tmpfs), /run/sesame-sshd (pubkey: authorized keys) and a tmpfs on
#    /var/log (sshd writes failed logins to btmp).
#
# Sanitizer builds: when the built NSS or PAM module links libasan, the
# uninstrumented sshd must load the sanitizer runtimes first: sshd is
# started with LD_PRELOAD (it keeps its environment when it re-executes
# itself for each connection, and the PAM and NSS modules run in those
# processes); a session's environment is built from scratch by sshd, so
# the same LD_PRELOAD is passed to sessions with SetEnv (the command run
# there, e.g. id, resolves users through libnss_sesame too).
#
# Exported after sshd_start: SSHD_DIR SSHD_CONFIG SSHD_PORT SSHD_PID
# SSHD_LOG SSHD_HOST_KEY_PUB SSHD_AUTH SSHD_KEYS_DIR (empty for kbd).

SSHD_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SSHD_BIN=/usr/sbin/sshd
SSHD_START_TIMEOUT=10 # seconds until sshd answers with its banner
SSHD_STOP_TIMEOUT=5   # seconds after SIGTERM before SIGKILL
SSH_LOGIN_PYTHON=/usr/bin/python3 # the system python has python3-paramiko

_sshd_err() { printf 'sshd.sh: %s\n' "$*" >&2; }

# _sshd_sanitizer_preload: the sanitizer runtimes (colon-separated, as
# LD_PRELOAD and SetEnv take them) when the built modules need them, else
# nothing
_sshd_sanitizer_preload() {
        local f dyn asan="" ubsan=""
        for f in "$BUILD_DIR/pam_module/pam_sesame.so" "$BUILD_DIR/nss/libnss_sesame.so.2"; do
                [ -f "$f" ] || continue
                # (grep reads all of it: with pipefail, "readelf | grep -q"
                # can fail when grep leaves first)
                dyn=$(readelf -d "$f" 2>/dev/null)
                if grep -q 'NEEDED.*libasan' <<<"$dyn"; then
                        asan=$(gcc -print-file-name=libasan.so)
                fi
                if grep -q 'NEEDED.*libubsan' <<<"$dyn"; then
                        ubsan=$(gcc -print-file-name=libubsan.so)
                fi
        done
        [ -n "$asan" ] || return 0
        asan=$(readlink -f "$asan")
        if [ -n "$ubsan" ]; then
                printf '%s:%s' "$asan" "$(readlink -f "$ubsan")"
        else
                printf '%s' "$asan"
        fi
}
# sshd is not instrumented (its own leaks are not ours to report); stop at
# the first error so that it cannot go unnoticed
SSHD_ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=stderr
SSHD_UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# _sshd_is_mountpoint DIR: DIR is a mount point in this namespace
_sshd_is_mountpoint() {
        awk -v d="$1" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# sshd_pam_sesame [AUTH OPTIONS...]: a pam.d/sshd stack using the BUILT
# pam_sesame.so (absolute path) for auth (default option totp=required),
# account and session, on stdout
sshd_pam_sesame() {
        local mod=${PAM_SESAME:-$BUILD_DIR/pam_module/pam_sesame.so} opts="$*"
        cat <<EOF
# generated by tests/lib/sshd.sh
auth     required $mod ${opts:-totp=required}
account  required $mod
session  required $mod
password required pam_deny.so
EOF
}

# sshd_pam_sesame_pubkey [ACCOUNT OPTIONS...]: a pam.d/sshd stack for
# public-key logins, on stdout: no auth phase (pam_deny: it never runs
# with AUTH pubkey, and refuses if it ever does), the BUILT pam_sesame.so
# for account (with the options, e.g. require_role=admins) and session
sshd_pam_sesame_pubkey() {
        local mod=${PAM_SESAME:-$BUILD_DIR/pam_module/pam_sesame.so}
        cat <<EOF
# generated by tests/lib/sshd.sh (public-key logins)
auth     required pam_deny.so
account  required $mod${*:+ $*}
session  required $mod
password required pam_deny.so
EOF
}

# sshd_authorize_key USER PUBKEYFILE: PUBKEYFILE (OpenSSH public key lines)
# becomes USER's authorized keys file for the running pubkey sshd
sshd_authorize_key() {
        local user=$1 pub=$2
        [ -n "${SSHD_KEYS_DIR:-}" ] || { _sshd_err "sshd_authorize_key: no pubkey sshd running"; return 1; }
        case $user in
        */* | .* | "") _sshd_err "sshd_authorize_key: bad user name '$user'"; return 1 ;;
        esac
        install -o root -g root -m 0644 "$pub" "$SSHD_KEYS_DIR/$user"
}

# _sshd_free_port: a bindable TCP port on 127.0.0.1 in 20000-32767 (below
# the ephemeral range, so outgoing connections never hold it)
_sshd_free_port() {
        "$SSH_LOGIN_PYTHON" - <<'EOF'
import random, socket, sys
rnd = random.SystemRandom()
for _ in range(2000):
    p = rnd.randrange(20000, 32768)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit("no free port found")
EOF
}

_sshd_write_config() {
        local dir=$1 port=$2 preload=$3 auth=$4 keys=$5
        cat >"$dir/sshd_config" <<EOF
# generated by tests/lib/sshd.sh
Port $port
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
LogLevel DEBUG1
UsePAM yes
PasswordAuthentication no
HostbasedAuthentication no
EOF
        if [ "$auth" = pubkey ]; then
                cat >>"$dir/sshd_config" <<EOF
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey
AuthorizedKeysFile $keys/%u
StrictModes yes
EOF
        else
                cat >>"$dir/sshd_config" <<EOF
KbdInteractiveAuthentication yes
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
AuthorizedKeysFile none
EOF
        fi
        cat >>"$dir/sshd_config" <<EOF
PermitRootLogin no
PermitEmptyPasswords no
PermitTTY no
PermitUserEnvironment no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
LoginGraceTime 20
MaxAuthTries 6
MaxStartups 30
ClientAliveInterval 0
EOF
        if [ -n "$preload" ]; then
                printf 'SetEnv LD_PRELOAD=%s ASAN_OPTIONS=%s UBSAN_OPTIONS=%s\n' \
                        "$preload" "$SSHD_ASAN_OPTIONS" "$SSHD_UBSAN_OPTIONS" >>"$dir/sshd_config"
        fi
}

# _sshd_banner PORT: sshd answers with an SSH-2.0 banner (bounded)
_sshd_banner() {
        # shellcheck disable=SC2016
        timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && read -r -t 2 line <&3 && [[ $line == SSH-2.0-* ]]' _ "$1" 2>/dev/null
}

# _sshd_launch DIR PORT PRELOAD AUTH KEYS: 0 when up, 2 when the port was
# taken, 1 else
_sshd_launch() {
        local dir=$1 port=$2 preload=$3 deadline
        _sshd_write_config "$dir" "$port" "$preload" "$4" "$5"
        chmod 0600 "$dir/sshd_config"
        if ! "$SSHD_BIN" -t -f "$dir/sshd_config" >>"$dir/sshd.log" 2>&1; then
                _sshd_err "sshd -t refused $dir/sshd_config:"
                tail -5 "$dir/sshd.log" >&2
                return 1
        fi
        rm -f "$dir/sshd.pid"
        printf '=== %s tests/lib/sshd.sh: starting sshd on 127.0.0.1:%s\n' "$(date '+%F %T')" "$port" >>"$dir/sshd.log"
        if [ -n "$preload" ]; then
                LD_PRELOAD=$preload ASAN_OPTIONS=$SSHD_ASAN_OPTIONS UBSAN_OPTIONS=$SSHD_UBSAN_OPTIONS \
                        "$SSHD_BIN" -D -e -f "$dir/sshd_config" </dev/null >>"$dir/sshd.log" 2>&1 &
        else
                "$SSHD_BIN" -D -e -f "$dir/sshd_config" </dev/null >>"$dir/sshd.log" 2>&1 &
        fi
        SSHD_PID=$!
        deadline=$(($(date +%s) + SSHD_START_TIMEOUT))
        while :; do
                if ! kill -0 "$SSHD_PID" 2>/dev/null; then
                        wait "$SSHD_PID" 2>/dev/null
                        SSHD_PID=
                        grep -q 'Address already in use' "$dir/sshd.log" && return 2
                        _sshd_err "sshd exited during startup; last lines of $dir/sshd.log:"
                        tail -10 "$dir/sshd.log" >&2
                        return 1
                fi
                # the pid file is written once the listener is bound
                if [ "$(cat "$dir/sshd.pid" 2>/dev/null)" = "$SSHD_PID" ] && _sshd_banner "$port"; then
                        return 0
                fi
                if [ "$(date +%s)" -ge "$deadline" ]; then
                        _sshd_err "sshd (pid $SSHD_PID) not answering after ${SSHD_START_TIMEOUT}s"
                        sshd_stop
                        tail -10 "$dir/sshd.log" >&2
                        return 1
                fi
                sleep 0.05
        done
}

# sshd_start DIR PAMFILE [AUTH]: see the top of this file
sshd_start() {
        local dir=$1 pamfile=$2 auth=${3:-kbd} keys="" preload port _ rc
        : "${T:?sshd_start needs the harness (T)}" "${BUILD_DIR:?}"
        [ -x "$SSHD_BIN" ] || { _sshd_err "$SSHD_BIN not installed"; return 1; }
        case $auth in
        kbd | pubkey) ;;
        *) _sshd_err "sshd_start: unknown AUTH '$auth' (kbd or pubkey)"; return 1 ;;
        esac
        # the harness's private /etc/pam.d
        pam_service sshd <"$pamfile" || return 1
        # the privilege separation directory (chroot of the pre-auth child)
        mkdir -p /run/sshd && chown root:root /run/sshd && chmod 0755 /run/sshd || return 1
        # failed logins go to /var/log/btmp: not the host's
        _sshd_is_mountpoint /var/log || mount -t tmpfs -o mode=0755 tmpfs /var/log || return 1
        mkdir -p "$dir" && chmod 0700 "$dir" || return 1
        dir=$(cd "$dir" && pwd -P)
        if [ "$auth" = pubkey ]; then
                # StrictModes: root-owned, 0755 all the way up (see the top)
                keys=/run/sesame-sshd/$(basename "$dir")/authorized_keys
                mkdir -p "$keys" &&
                        chown root:root /run/sesame-sshd "${keys%/*}" "$keys" &&
                        chmod 0755 /run/sesame-sshd "${keys%/*}" "$keys" || return 1
        fi
        rm -f "$dir/ssh_host_ed25519_key" "$dir/ssh_host_ed25519_key.pub"
        ssh-keygen -q -t ed25519 -N '' -C sesame-test -f "$dir/ssh_host_ed25519_key" >/dev/null || return 1
        chown root:root "$dir"/ssh_host_ed25519_key* && chmod 0600 "$dir/ssh_host_ed25519_key" || return 1
        preload=$(_sshd_sanitizer_preload)
        for _ in 1 2 3 4 5; do
                port=$(_sshd_free_port) || return 1
                _sshd_launch "$dir" "$port" "$preload" "$auth" "$keys"
                rc=$?
                [ "$rc" = 2 ] || break
        done
        [ "$rc" = 0 ] || return 1
        export SSHD_DIR=$dir SSHD_CONFIG=$dir/sshd_config SSHD_PORT=$port SSHD_PID
        export SSHD_LOG=$dir/sshd.log SSHD_HOST_KEY_PUB=$dir/ssh_host_ed25519_key.pub
        export SSHD_AUTH=$auth SSHD_KEYS_DIR=$keys
}

# sshd_stop: SIGTERM, bounded wait, SIGKILL
sshd_stop() {
        [ -n "${SSHD_PID:-}" ] || return 0
        local _
        kill -TERM "$SSHD_PID" 2>/dev/null
        for _ in $(seq 1 $((SSHD_STOP_TIMEOUT * 20))); do
                kill -0 "$SSHD_PID" 2>/dev/null || break
                sleep 0.05
        done
        kill -KILL "$SSHD_PID" 2>/dev/null
        wait "$SSHD_PID" 2>/dev/null
        SSHD_PID=
}

# ssh_login USER [ssh-login.py OPTIONS...]: log in to the running sshd
# (SSH_LOGIN_PASSWORD, SSH_LOGIN_CODE from the environment; for a pubkey
# sshd: --mode pubkey --key PRIVATE_KEY_FILE); the exit
# status is ssh-login.py's (0 ok, 1 refused, 2 connection error, 3 command
# failed, 4 unknown prompt)
ssh_login() {
        local user=$1
        shift
        timeout 90 "$SSH_LOGIN_PYTHON" "$SSHD_LIB/ssh-login.py" --host-key "$SSHD_HOST_KEY_PUB" \
                "$@" 127.0.0.1 "$SSHD_PORT" "$user"
}

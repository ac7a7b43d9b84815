#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Private slapd instances for Sesame's integration tests.
#
# As a library (source it; needs bash >= 5, runs as root):
#     . tests/lib/slapd.sh
#     slapd_start DIR [LDIF]   # exports SLAPD_* (see below); returns non-zero on failure
#     slapd_stop DIR           # SIGTERM, bounded wait, SIGKILL; data kept
#     slapd_pause DIR          # SIGSTOP: a "hung" directory (TCP still accepts)
#     slapd_resume DIR         # SIGCONT
#     slapd_restart DIR        # stop + start on the SAME ports with the same data
#     slapd_load_env DIR       # export SLAPD_* of an instance started elsewhere
#     slapd_ldapsearch ARGS... # ldapsearch -LLL as the service account on SLAPD_URI
#     slapd_ldapmodify ARGS... # ldapmodify as the rootdn on SLAPD_URI
# As a command:
#     tests/lib/slapd.sh start DIR [LDIF]   # prints KEY='value' lines: eval "$(...)"
#     tests/lib/slapd.sh stop|pause|resume|status DIR
#     tests/lib/slapd.sh restart|env DIR    # (restart also prints the lines)
#
# slapd_start creates DIR (absolute path at most 94 bytes, so that DIR/ldapi
# fits in a unix socket path; no white space: use mktemp -d /tmp/...), writes DIR/slapd.conf (slapd.conf format, never
# cn=config, never /etc/ldap/slapd.d), a private CA + server certificate in
# DIR/tls, bulk-loads LDIF (default: the output of gen-fixture.py, see
# fixture.md) with `slapadd -q` into DIR/db and runs slapd as root in the
# foreground mode (-d, so its log goes to DIR/slapd.log) but detached from
# the caller (it is not a child of the calling shell, so a bare `wait` in a
# test does not hang on it).  The system slapd is never used or touched.
#
# Listeners: ldap://127.0.0.1:PORT/ (StartTLS available), ldaps://127.0.0.1:
# TLSPORT/ and ldapi://<DIR/ldapi url-encoded>.  PORT and TLSPORT are picked
# at random in 20000-32767 (below Linux's ephemeral port range, so outgoing
# connections never hold them) after checking they can be bound; if slapd
# still loses a race for a port, the start is retried with new ports.
#
# Exported after slapd_start / slapd_restart / slapd_load_env:
#   SLAPD_DIR SLAPD_CONF SLAPD_LOG SLAPD_PID SLAPD_PORT SLAPD_TLS_PORT
#   SLAPD_URI (ldap://127.0.0.1:PORT/) SLAPD_LDAPS_URI SLAPD_LDAPI_URI
#   SLAPD_CA (DIR/tls/ca.pem) SLAPD_OTHER_CA (unrelated CA: negative tests)
#   SLAPD_BASE (dc=example,dc=test) SLAPD_ADMIN_DN SLAPD_ADMIN_PW (rootdn)
#   SLAPD_BIND_DN SLAPD_BIND_PW SLAPD_BIND_PW_FILE (service account
#     cn=sesame,ou=services; the file is mode 0600, no trailing newline)
#   SLAPD_LIMITED_DN SLAPD_LIMITED_PW SLAPD_LIMITED_PW_FILE (cn=limited)
#   SLAPD_LDIF (the LDIF that was loaded)
#   SLAPD_PPOLICY (1: the ppolicy overlay is loaded, so pwdAccountLockedTime
#     exists and locks binds; 0: this slapd has no ppolicy module)
# The same lines are kept in DIR/slapd.env.
#
# Server-side limits (the daemon must cope with them):
#  * Everybody but the rootdn: a search WITHOUT the paged-results control
#    that matches more than SLAPD_SIZELIMIT (default 500, OpenLDAP's own
#    default) entries fails with sizeLimitExceeded (4) after 500 entries;
#    paged searches may return any total (size.prtotal=unlimited).  So
#    enumerating the 5016 fixture users only works with paging.
#  * cn=limited: at most 100 entries per search, paged or not.  Findings
#    (slapd 2.5.13): a `limits` line WITHOUT size.prtotal inherits the global
#    size.prtotal (here: unlimited), so a paged search by that account
#    silently returns everything; `size.hard=100 size.prtotal=hard` without
#    size.soft returned all 500 entries even unpaged (the larger global soft
#    limit was inherited).  What works is
#    size.soft=100 size.hard=100 size.prtotal=hard
#    (size.prtotal=100 behaves the same): `ldapsearch -E pr=50/noprompt
#    (memberUid=dave)` gets two pages of 50 (result 0) and then result 4
#    "Size limit exceeded" with no entries and no paged-results control
#    (100 entries in total; a single page of 500 requested:
#    100 entries then result 4).  size.pr=N is NOT what we want: a page
#    size request above N is refused outright with adminLimitExceeded (11).
#
# Schema and access control: core, cosine, nis, inetorgperson and Sesame's
# own conf/schema/sesame.schema (the shipped file itself), the ppolicy
# overlay when the module exists (no default policy), and the rules of
# conf/schema/acl-example.conf: userPassword is auth-only (self write),
# the sesame* secrets (TOTP seeds, recovery codes, last step, token stamp)
# are readable and writable by the service account cn=sesame only, the
# other sesame* attributes and the objectClass value sesameAccount are
# writable by cn=sesame only and readable by users; everything else is
# readable by authenticated identities.
#
# Environment knobs: SLAPD_LOGLEVEL (slapd -d level, default "stats"; the
# log is DIR/slapd.log), SLAPD_SIZELIMIT (default 500), SLAPD_MAXSIZE (the
# mdb map size in bytes, default 1 GiB: a limit, not an allocation),
# SLAPD_FIXTURE_OPTS
# (arguments for gen-fixture.py when no LDIF is given, e.g. --login for the
# extra login-test accounts of fixture.md), SLAPD_ACL_FIRST (a file of
# "access to" rules, written for dc=example,dc=com like acl-example.conf,
# put before Sesame's: a test's access mistake).

# ---------------------------------------------------------------------------
# constants (keep the passwords in sync with gen-fixture.py)

SLAPD_HARNESS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
_SLAPD_SUFFIX="dc=example,dc=test"
_SLAPD_ADMIN_DN="cn=admin,$_SLAPD_SUFFIX"
_SLAPD_ADMIN_PW="Admin-Passw0rd!"
_SLAPD_BIND_DN="cn=sesame,ou=services,$_SLAPD_SUFFIX"
_SLAPD_BIND_PW="Sesame-Bind-Passw0rd!"
_SLAPD_LIMITED_DN="cn=limited,ou=services,$_SLAPD_SUFFIX"
_SLAPD_LIMITED_PW="Limited-Bind-Passw0rd!"
_SLAPD_SCHEMA_DIR=/etc/ldap/schema
_SLAPD_MODULE_DIR=/usr/lib/ldap
# Sesame's own schema, the file the project ships (a broken schema must make
# the tests fail, so it is never copied or generated here)
_SLAPD_SESAME_SCHEMA=$(cd "$SLAPD_HARNESS_LIB/../.." && pwd -P)/conf/schema/sesame.schema
# and its example access rules (written for dc=example,dc=com)
_SLAPD_SESAME_ACL=${_SLAPD_SESAME_SCHEMA%/*}/acl-example.conf
# the system python (Debian's python3): faster and more predictable than
# whatever "python3" comes first in PATH (a pyenv shim costs ~1 s a call)
if [[ -x /usr/bin/python3 ]]; then
    SLAPD_PYTHON=/usr/bin/python3
else
    SLAPD_PYTHON=python3
fi
_SLAPD_START_TIMEOUT=10   # seconds until ldapwhoami must succeed
_SLAPD_STOP_TIMEOUT=5     # seconds after SIGTERM before SIGKILL

# ---------------------------------------------------------------------------
# helpers

_slapd_err() {
    printf 'slapd.sh: %s\n' "$*" >&2
}

# single-quote $1 for the shell
_slapd_q() {
    local s=$1 q="'\\''"
    printf "'%s'" "${s//\'/$q}"
}

# milliseconds since the epoch
_slapd_now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$((t / 1000))"
}

_slapd_urlencode() {
    local LC_ALL=C s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9._~-]) out+=$c ;;
        *)
            printf -v c '%%%02X' "'$c"
            out+=$c
            ;;
        esac
    done
    printf '%s' "$out"
}

# _slapd_absdir DIR [create]: print the absolute, symlink-free path
_slapd_absdir() {
    local d=$1
    if [[ ${2:-} == create ]]; then
        mkdir -p -- "$d" || return 1
    fi
    (cd -- "$d" 2>/dev/null && pwd -P) || {
        _slapd_err "no such directory: $d"
        return 1
    }
}

# true if PID is a live (not zombie) process
_slapd_alive() {
    local pid=$1 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/stat ]] || return 1
    state=$(sed -e 's/^.*) //' -e 's/ .*//' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z && $state != X && -n $state ]]
}

# true if PID is a live (not zombie) process running DIR's slapd.conf
_slapd_is_ours() {
    local pid=$1 dir=$2 cmd
    _slapd_alive "$pid" || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"-f $dir/slapd.conf "* ]]
}

# true if PID is gone (or a zombie): a process that has exited
_slapd_gone() {
    local state
    state=$(sed -e 's/^.*) //' -e 's/ .*//' "/proc/$1/stat" 2>/dev/null) || return 0
    [[ $state == Z || $state == X || -z $state ]]
}

# print the pid of DIR's running slapd, fail if none
_slapd_pid() {
    local dir=$1 f pid
    for f in "$dir/slapd.pid" "$dir/slapd.launch.pid"; do
        [[ -s $f ]] || continue
        pid=$(<"$f")
        if _slapd_is_ours "$pid" "$dir"; then
            printf '%s' "$pid"
            return 0
        fi
    done
    return 1
}

# _slapd_free_ports N: print N distinct bindable TCP ports on 127.0.0.1
_slapd_free_ports() {
    "$SLAPD_PYTHON" - "$1" <<'EOF'
import random, socket, sys
n, got, rnd = int(sys.argv[1]), [], random.SystemRandom()
for _ in range(2000):
    p = rnd.randrange(20000, 32768)   # below the ephemeral range (32768+)
    if p in got:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    got.append(p)
    if len(got) == n:
        break
if len(got) != n:
    sys.exit("no free ports found")
print(" ".join(map(str, got)))
EOF
}

# _slapd_gen_tls TLSDIR: test CA, server cert (127.0.0.1/localhost), other CA
_slapd_gen_tls() {
    local t=$1 cnf=$1/openssl.cnf serial san="IP:127.0.0.1,DNS:localhost" h
    rm -rf -- "$t" && mkdir -p -- "$t" || return 1
    # libldap checks the certificate of ldap://localhost/ against the local
    # host name (gethostname()), not "localhost": put that in the SAN too.
    h=$(hostname 2>/dev/null) || h=""
    if [[ $h =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ && $h != localhost ]]; then
        san+=",DNS:$h"
    fi
    cat >"$cnf" <<EOF
# generated by tests/lib/slapd.sh
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
[ v3_server ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = $san
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid,issuer
EOF
    local -a key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    serial=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    {
        openssl req -config "$cnf" -x509 "${key[@]}" -days 3650 \
            -subj "/O=Sesame Test/CN=Sesame Test CA" -extensions v3_ca \
            -keyout "$t/ca.key" -out "$t/ca.pem" &&
            openssl req -config "$cnf" -x509 "${key[@]}" -days 3650 \
                -subj "/O=Sesame Test/CN=Unrelated Test CA" -extensions v3_ca \
                -keyout "$t/other-ca.key" -out "$t/other-ca.pem" &&
            openssl req -config "$cnf" -new "${key[@]}" \
                -subj "/O=Sesame Test/CN=localhost" \
                -keyout "$t/server.key" -out "$t/server.csr" &&
            openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" \
                -CAkey "$t/ca.key" -set_serial "0x$serial" -days 825 \
                -extfile "$cnf" -extensions v3_server -out "$t/server.pem"
    } >"$t/openssl.log" 2>&1 || {
        _slapd_err "openssl failed:"
        cat "$t/openssl.log" >&2
        return 1
    }
    # slapd runs as root: 0600 keys are readable by it
    chmod 0600 "$t"/*.key && chmod 0644 "$t"/*.pem && chmod 0755 "$t"
}

# true if this slapd has the ppolicy overlay (Debian: /usr/lib/ldap/ppolicy.la;
# OpenLDAP 2.5 has the ppolicy schema built into the module)
_slapd_have_ppolicy() {
    [[ -e $_SLAPD_MODULE_DIR/ppolicy.la || -e $_SLAPD_MODULE_DIR/ppolicy.so ]]
}

_slapd_write_conf() {
    local dir=$1 conf=$1/slapd.conf sizelimit=${SLAPD_SIZELIMIT:-500} maxsize=${SLAPD_MAXSIZE:-1073741824}
    local ppload="" ppoverlay=""
    if _slapd_have_ppolicy; then
        ppload="moduleload ppolicy"
        # the default policy (gen-fixture.py --ppolicy) locks nothing and
        # checks nothing: it only makes the overlay apply to every entry,
        # so that pwdAccountLockedTime refuses binds
        ppoverlay="overlay ppolicy
ppolicy_default \"cn=default,ou=policies,$_SLAPD_SUFFIX\""
    fi
    [[ -r $_SLAPD_SESAME_SCHEMA && -r $_SLAPD_SESAME_ACL ]] || {
        _slapd_err "cannot read $_SLAPD_SESAME_SCHEMA or $_SLAPD_SESAME_ACL"
        return 1
    }
    sed "s/dc=example,dc=com/$_SLAPD_SUFFIX/g" "$_SLAPD_SESAME_ACL" >"$dir/sesame-acl.conf" || return 1
    # a test's own rules, first: they take precedence over Sesame's
    local acl_first=""
    if [[ -n ${SLAPD_ACL_FIRST:-} ]]; then
        sed "s/dc=example,dc=com/$_SLAPD_SUFFIX/g" "$SLAPD_ACL_FIRST" >"$dir/acl-first.conf" || return 1
        acl_first="include   $dir/acl-first.conf"
    fi
    cat >"$conf" <<EOF
# Generated by tests/lib/slapd.sh: private slapd instance for Sesame's tests.
include   $_SLAPD_SCHEMA_DIR/core.schema
include   $_SLAPD_SCHEMA_DIR/cosine.schema
include   $_SLAPD_SCHEMA_DIR/nis.schema
include   $_SLAPD_SCHEMA_DIR/inetorgperson.schema
# the schema Sesame ships (conf/schema/sesame.schema)
include   $_SLAPD_SESAME_SCHEMA

pidfile    $dir/slapd.pid
argsfile   $dir/slapd.args
modulepath $_SLAPD_MODULE_DIR
moduleload back_mdb
$ppload
# logging goes to DIR/slapd.log through "slapd -d" (no syslog)
loglevel   none

TLSCACertificateFile  $dir/tls/ca.pem
TLSCertificateFile    $dir/tls/server.pem
TLSCertificateKeyFile $dir/tls/server.key
TLSVerifyClient       never

# Non-paged searches: at most $sizelimit entries (sizeLimitExceeded after
# that); paged searches: unlimited total.  The rootdn has no limits.
sizelimit size.soft=$sizelimit size.hard=$sizelimit size.prtotal=unlimited
timelimit 60

# root DSE and schema: readable by anybody (clients may look at
# supportedControl / supportedExtension)
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read

database   mdb
maxsize    $maxsize
suffix     "$_SLAPD_SUFFIX"
rootdn     "$_SLAPD_ADMIN_DN"
rootpw     $_SLAPD_ADMIN_PW
directory  $dir/db
$ppoverlay

index objectClass eq
index uid,cn,mail eq
index memberUid,member eq
index uidNumber,gidNumber eq

# cn=limited: 100 entries per search, paged or not.  size.prtotal=hard is
# required: without it the global size.prtotal (unlimited) applies to paged
# searches.  See the notes at the top of tests/lib/slapd.sh.
limits dn.exact="$_SLAPD_LIMITED_DN" size.soft=100 size.hard=100 size.prtotal=hard

# Sesame's access rules: conf/schema/acl-example.conf as shipped (with this
# suffix): userPassword auth-only and self-writable, the sesame* secrets
# for cn=sesame only, the other sesame* attributes and the objectClass value
# sesameAccount writable by cn=sesame only.  See doc/schema.md.
$acl_first
include   $dir/sesame-acl.conf

# the rest: readable by every authenticated identity (the service accounts
# and users); anonymous gets nothing
access to *
    by users read
    by anonymous auth
    by * none
EOF
}

# _slapd_write_env DIR: write DIR/slapd.env from the SLAPD_* variables
_slapd_write_env() {
    local dir=$1 v tmp=$1/slapd.env.tmp
    : >"$tmp" || return 1
    for v in SLAPD_DIR SLAPD_CONF SLAPD_LOG SLAPD_PID SLAPD_PORT SLAPD_TLS_PORT \
        SLAPD_URI SLAPD_LDAPS_URI SLAPD_LDAPI_URI SLAPD_CA SLAPD_OTHER_CA \
        SLAPD_BASE SLAPD_ADMIN_DN SLAPD_ADMIN_PW SLAPD_BIND_DN SLAPD_BIND_PW \
        SLAPD_BIND_PW_FILE SLAPD_LIMITED_DN SLAPD_LIMITED_PW \
        SLAPD_LIMITED_PW_FILE SLAPD_LDIF SLAPD_PPOLICY; do
        printf '%s=%s\n' "$v" "$(_slapd_q "${!v-}")" >>"$tmp"
    done
    mv -f -- "$tmp" "$dir/slapd.env"
}

# _slapd_set_vars DIR PORT TLSPORT PID LDIF: set and export SLAPD_*
_slapd_set_vars() {
    export SLAPD_DIR=$1
    export SLAPD_CONF=$1/slapd.conf
    export SLAPD_LOG=$1/slapd.log
    export SLAPD_PORT=$2
    export SLAPD_TLS_PORT=$3
    export SLAPD_PID=$4
    export SLAPD_LDIF=$5
    export SLAPD_URI="ldap://127.0.0.1:$2/"
    export SLAPD_LDAPS_URI="ldaps://127.0.0.1:$3/"
    SLAPD_LDAPI_URI="ldapi://$(_slapd_urlencode "$1/ldapi")"
    export SLAPD_LDAPI_URI
    export SLAPD_CA=$1/tls/ca.pem
    export SLAPD_OTHER_CA=$1/tls/other-ca.pem
    export SLAPD_BASE=$_SLAPD_SUFFIX
    export SLAPD_ADMIN_DN=$_SLAPD_ADMIN_DN
    export SLAPD_ADMIN_PW=$_SLAPD_ADMIN_PW
    export SLAPD_BIND_DN=$_SLAPD_BIND_DN
    export SLAPD_BIND_PW=$_SLAPD_BIND_PW
    export SLAPD_BIND_PW_FILE=$1/bindpw
    export SLAPD_LIMITED_DN=$_SLAPD_LIMITED_DN
    export SLAPD_LIMITED_PW=$_SLAPD_LIMITED_PW
    export SLAPD_LIMITED_PW_FILE=$1/limitedpw
    if _slapd_have_ppolicy; then
        export SLAPD_PPOLICY=1
    else
        export SLAPD_PPOLICY=0
    fi
}

# _slapd_launch DIR PORT TLSPORT WAITDN WAITPW
# returns 0 when up, 2 when slapd could not bind its ports, 1 otherwise
_slapd_launch() {
    local dir=$1 port=$2 tport=$3 wdn=$4 wpw=$5 ldapi urls lpid deadline
    local level=${SLAPD_LOGLEVEL:-stats}
    ldapi="ldapi://$(_slapd_urlencode "$dir/ldapi")"
    urls="ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tport/ $ldapi"
    rm -f -- "$dir/ldapi" "$dir/slapd.pid" "$dir/slapd.launch.pid"
    printf '=== %s tests/lib/slapd.sh: starting slapd -h "%s"\n' \
        "$(date '+%F %T')" "$urls" >>"$dir/slapd.log"
    # The subshell exits at once, so slapd is re-parented (not our child).
    (
        exec </dev/null >>"$dir/slapd.log" 2>&1
        slapd -f "$dir/slapd.conf" -h "$urls" -d "$level" &
        echo "$!" >"$dir/slapd.launch.pid"
    )
    lpid=$(<"$dir/slapd.launch.pid") || return 1
    deadline=$(($(_slapd_now_ms) + _SLAPD_START_TIMEOUT * 1000))
    while :; do
        # (a child that has not exec'd slapd yet, which a loaded machine
        # may leave for a while, is still starting: not ours yet, not gone)
        if ! _slapd_is_ours "$lpid" "$dir" && _slapd_gone "$lpid"; then
            if [[ $(tail -n 30 "$dir/slapd.log") == *"Address already in use"* ]]; then
                return 2
            fi
            _slapd_err "slapd exited during startup; last lines of $dir/slapd.log:"
            tail -n 15 "$dir/slapd.log" >&2
            return 1
        fi
        # slapd binds its listeners before it writes the pidfile: until the
        # pidfile is there, the port may belong to somebody else (a foreign
        # listener would make ldapwhoami hang)
        if [[ $(cat "$dir/slapd.pid" 2>/dev/null) == "$lpid" ]] &&
            timeout 3 ldapwhoami -x -o nettimeout=1 -H "ldap://127.0.0.1:$port/" \
                -D "$wdn" -w "$wpw" >/dev/null 2>&1; then
            return 0
        fi
        if (($(_slapd_now_ms) > deadline)); then
            _slapd_err "slapd (pid $lpid) not answering after ${_SLAPD_START_TIMEOUT}s; killing it"
            # (the child of our launch: slapd, or not exec'd yet)
            kill -KILL "$lpid" 2>/dev/null || true
            tail -n 15 "$dir/slapd.log" >&2
            return 1
        fi
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------
# public API

# slapd_start DIR [LDIF]
slapd_start() {
    local dir ldif=${2:-} ports port tport attempt rc wdn wpw pid
    if (($# < 1 || $# > 2)); then
        _slapd_err "usage: slapd_start DIR [LDIF]"
        return 1
    fi
    if ((EUID != 0)); then
        _slapd_err "slapd_start must run as root"
        return 1
    fi
    dir=$(_slapd_absdir "$1" create) || return 1
    if [[ $dir == *[[:space:]]* ]]; then
        _slapd_err "DIR must not contain white space: $dir"
        return 1
    fi
    if ((${#dir} + 6 > 100)); then
        _slapd_err "DIR too long for an ldapi socket path (${#dir} bytes): $dir"
        return 1
    fi
    if pid=$(_slapd_pid "$dir"); then
        _slapd_err "a slapd (pid $pid) is already running in $dir"
        return 1
    fi
    if [[ -n $ldif ]]; then
        [[ -r $ldif ]] || {
            _slapd_err "cannot read LDIF $ldif"
            return 1
        }
        ldif=$(_slapd_absdir "$(dirname -- "$ldif")")/$(basename -- "$ldif") || return 1
    else
        ldif=$dir/fixture.ldif
        # SLAPD_FIXTURE_OPTS: words for gen-fixture.py (e.g. --login)
        local -a gen=()
        _slapd_have_ppolicy && gen+=(--ppolicy)
        # shellcheck disable=SC2206
        gen+=(${SLAPD_FIXTURE_OPTS:-})
        if ! "$SLAPD_PYTHON" "$SLAPD_HARNESS_LIB/gen-fixture.py" "${gen[@]}" >"$ldif.tmp"; then
            _slapd_err "gen-fixture.py failed"
            return 1
        fi
        mv -f -- "$ldif.tmp" "$ldif" || return 1
    fi

    _slapd_gen_tls "$dir/tls" || return 1
    _slapd_write_conf "$dir" || return 1
    (umask 077 && printf '%s' "$_SLAPD_BIND_PW" >"$dir/bindpw" &&
        printf '%s' "$_SLAPD_LIMITED_PW" >"$dir/limitedpw") || return 1
    : >"$dir/slapd.log"

    rm -rf -- "$dir/db" && mkdir -m 0700 -- "$dir/db" || return 1
    if ! slapadd -q -f "$dir/slapd.conf" -l "$ldif" >"$dir/slapadd.log" 2>&1; then
        _slapd_err "slapadd of $ldif failed:"
        tail -n 20 "$dir/slapadd.log" >&2
        return 1
    fi

    # wait for the service account if the LDIF has it, else for the rootdn
    if [[ -z ${2:-} ]] || grep -qixF "dn: $_SLAPD_BIND_DN" "$ldif"; then
        wdn=$_SLAPD_BIND_DN wpw=$_SLAPD_BIND_PW
    else
        wdn=$_SLAPD_ADMIN_DN wpw=$_SLAPD_ADMIN_PW
    fi
    for attempt in 1 2 3 4 5; do
        ports=$(_slapd_free_ports 2) || return 1
        read -r port tport <<<"$ports"
        rc=0
        _slapd_launch "$dir" "$port" "$tport" "$wdn" "$wpw" || rc=$?
        ((rc == 2)) || break
        _slapd_err "port $port or $tport was taken (attempt $attempt); retrying"
    done
    ((rc == 0)) || return 1
    _slapd_set_vars "$dir" "$port" "$tport" "$(<"$dir/slapd.launch.pid")" "$ldif"
    _slapd_write_env "$dir"
}

# slapd_load_env DIR: export the SLAPD_* of DIR's instance
slapd_load_env() {
    local dir line key val
    dir=$(_slapd_absdir "${1:?usage: slapd_load_env DIR}") || return 1
    [[ -r $dir/slapd.env ]] || {
        _slapd_err "no $dir/slapd.env (slapd_start not run?)"
        return 1
    }
    # parse instead of eval: KEY='value' with '\'' escapes
    while IFS= read -r line; do
        key=${line%%=*}
        val=${line#*=}
        [[ $key =~ ^SLAPD_[A-Z_]+$ ]] || continue
        val=${val#\'}
        val=${val%\'}
        val=${val//\'\\\'\'/\'}
        export "$key=$val"
    done <"$dir/slapd.env"
}

# slapd_stop DIR: SIGTERM (+SIGCONT in case it is paused), bounded wait,
# then SIGKILL.  Succeeds if nothing runs.  Data and config are kept.
slapd_stop() {
    local dir pid deadline
    dir=$(_slapd_absdir "${1:?usage: slapd_stop DIR}") || return 1
    if pid=$(_slapd_pid "$dir"); then
        kill -TERM "$pid" 2>/dev/null || true
        kill -CONT "$pid" 2>/dev/null || true
        deadline=$(($(_slapd_now_ms) + _SLAPD_STOP_TIMEOUT * 1000))
        while _slapd_is_ours "$pid" "$dir" && (($(_slapd_now_ms) < deadline)); do
            sleep 0.05
        done
        if _slapd_is_ours "$pid" "$dir"; then
            _slapd_err "slapd $pid ignored SIGTERM for ${_SLAPD_STOP_TIMEOUT}s; SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            deadline=$(($(_slapd_now_ms) + 3000))
            while _slapd_is_ours "$pid" "$dir" && (($(_slapd_now_ms) < deadline)); do
                sleep 0.05
            done
            if _slapd_is_ours "$pid" "$dir"; then
                _slapd_err "slapd $pid survived SIGKILL"
                return 1
            fi
        fi
    fi
    rm -f -- "$dir/slapd.pid" "$dir/slapd.launch.pid" "$dir/ldapi"
    return 0
}

# _slapd_wait_state PID STATES TIMEOUT_MS
_slapd_wait_state() {
    local pid=$1 states=$2 deadline st
    deadline=$(($(_slapd_now_ms) + $3))
    while :; do
        st=$(sed -e 's/^.*) //' -e 's/ .*//' "/proc/$pid/stat" 2>/dev/null) || return 1
        [[ $st == ["$states"] ]] && return 0
        (($(_slapd_now_ms) < deadline)) || return 1
        sleep 0.02
    done
}

# slapd_pause DIR: SIGSTOP; connections are still accepted by the kernel
# but nothing is answered
slapd_pause() {
    local dir pid
    dir=$(_slapd_absdir "${1:?usage: slapd_pause DIR}") || return 1
    pid=$(_slapd_pid "$dir") || {
        _slapd_err "no slapd running in $dir"
        return 1
    }
    if ! { kill -STOP "$pid" && _slapd_wait_state "$pid" Tt 2000; }; then
        _slapd_err "could not stop slapd $pid"
        return 1
    fi
}

# slapd_resume DIR: SIGCONT
slapd_resume() {
    local dir pid
    dir=$(_slapd_absdir "${1:?usage: slapd_resume DIR}") || return 1
    pid=$(_slapd_pid "$dir") || {
        _slapd_err "no slapd running in $dir"
        return 1
    }
    if ! { kill -CONT "$pid" && _slapd_wait_state "$pid" RSD 2000; }; then
        _slapd_err "could not resume slapd $pid"
        return 1
    fi
}

# slapd_restart DIR: stop, then start again on the same ports, same data
slapd_restart() {
    local dir
    dir=$(_slapd_absdir "${1:?usage: slapd_restart DIR}") || return 1
    slapd_load_env "$dir" || return 1
    slapd_stop "$dir" || return 1
    if ! _slapd_launch "$dir" "$SLAPD_PORT" "$SLAPD_TLS_PORT" \
        "$_SLAPD_ADMIN_DN" "$_SLAPD_ADMIN_PW"; then
        _slapd_err "restart on ports $SLAPD_PORT/$SLAPD_TLS_PORT failed"
        return 1
    fi
    _slapd_set_vars "$dir" "$SLAPD_PORT" "$SLAPD_TLS_PORT" \
        "$(<"$dir/slapd.launch.pid")" "$SLAPD_LDIF"
    _slapd_write_env "$dir"
}

# slapd_ldapsearch ARGS...: as the service account, on SLAPD_URI, base
# SLAPD_BASE, -LLL, no line wrapping (ARGS may override -b)
slapd_ldapsearch() {
    timeout 30 ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 \
        -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" -w "$SLAPD_BIND_PW" \
        -b "$SLAPD_BASE" "$@"
}

# slapd_ldapmodify ARGS...: as the rootdn on SLAPD_URI (LDIF on stdin)
slapd_ldapmodify() {
    timeout 30 ldapmodify -x -o nettimeout=5 -H "$SLAPD_URI" \
        -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" "$@"
}

# ---------------------------------------------------------------------------
# command mode

_slapd_main() {
    set -euo pipefail
    local cmd=${1:-} dir=${2:-}
    if [[ -z $cmd || -z $dir ]]; then
        echo "usage: $0 start DIR [LDIF] | stop|restart|pause|resume|status|env DIR" >&2
        return 2
    fi
    case $cmd in
    start)
        slapd_start "$dir" "${3:-}" >&2
        cat "$SLAPD_DIR/slapd.env"
        ;;
    stop) slapd_stop "$dir" ;;
    restart)
        slapd_restart "$dir" >&2
        cat "$SLAPD_DIR/slapd.env"
        ;;
    pause) slapd_pause "$dir" ;;
    resume) slapd_resume "$dir" ;;
    env)
        dir=$(_slapd_absdir "$dir")
        cat "$dir/slapd.env"
        ;;
    status)
        dir=$(_slapd_absdir "$dir")
        if _slapd_pid "$dir" >/dev/null; then
            echo "slapd running in $dir (pid $(_slapd_pid "$dir"))"
        else
            echo "no slapd running in $dir"
            return 1
        fi
        ;;
    *)
        echo "$0: unknown command $cmd" >&2
        return 2
        ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    _slapd_main "$@"
fi

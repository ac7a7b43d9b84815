#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Self-check of the LDAP test harness (tests/lib/slapd.sh + gen-fixture.py).
# Runs itself inside a private mount namespace (unshare -m), with its state
# on a private tmpfs, starts a slapd, exercises every listener and the
# fixture, pause/resume/restart, and stops it (also on failure: EXIT trap).
# Output: TAP.  Exit 0: all ok; 1: a check failed; 77: skipped (not root or
# no mount namespace available).
#
# Check bodies are functions run through check() or eval'd strings:
# shellcheck disable=SC2317,SC2016
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"

if ((EUID != 0)); then
    echo "1..0 # SKIP must run as root"
    exit 77
fi

if [[ ${_SESAME_HARNESS_NS:-} != "$$-ns" ]]; then
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "1..0 # SKIP cannot create a mount namespace (unshare -m)"
        exit 77
    fi
    # the marker lets the re-executed script know it is inside; $$ is kept
    # by exec, so a nested, unrelated run is not fooled by an inherited one
    export _SESAME_HARNESS_NS="$$-ns"
    exec unshare -m --propagation private -- "$BASH" "$SELF" "$@"
fi

# shellcheck source=slapd.sh
. "$HERE/slapd.sh"

# a clean LDAP client environment (only what each check passes)
unset LDAPURI LDAPBASE LDAPBINDDN LDAPRC LDAPCONF LDAPTLS_CACERT \
    LDAPTLS_CACERTDIR LDAPTLS_REQCERT LDAPTLS_CERT LDAPTLS_KEY || true

PLAN=33
echo "1..$PLAN"
N=0
FAILED=0
ok() {
    N=$((N + 1))
    echo "ok $N - $1"
}
not_ok() {
    N=$((N + 1))
    FAILED=$((FAILED + 1))
    echo "not ok $N - $1"
    shift
    local l
    for l in "$@"; do
        printf '#   %s\n' "$l"
    done
}
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds (output shown on failure)
check() {
    local desc=$1 out rc=0
    shift
    out=$("$@" 2>&1) || rc=$?
    if ((rc == 0)); then
        ok "$desc"
    else
        not_ok "$desc" "exit status $rc" "${out:0:2000}"
    fi
}
# alive PID: the process exists and is not a zombie (init may reap late)
alive() {
    local st
    st=$(sed -e 's/^.*) //' -e 's/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != [ZX] ]]
}
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}

WORK=$(mktemp -d /tmp/sesame-slapd.XXXXXX)
MOUNTED=0
cleanup() {
    local rc=$?
    set +e
    if [[ -n ${WORK:-} ]]; then
        [[ -d $WORK/ldap2 ]] && slapd_stop "$WORK/ldap2" >/dev/null 2>&1
        [[ -d $WORK/ldap ]] && slapd_stop "$WORK/ldap"
        if ((rc != 0 || FAILED != 0)) && [[ -f $WORK/ldap/slapd.log ]]; then
            echo "# last lines of slapd.log:"
            tail -n 20 "$WORK/ldap/slapd.log" | sed 's/^/#   /'
        fi
        ((MOUNTED)) && umount "$WORK"
        rm -rf -- "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# private tmpfs: nothing is left behind even if we are SIGKILLed
if mount -t tmpfs -o mode=0700,size=256m sesame-slapd-test "$WORK" 2>/dev/null; then
    MOUNTED=1
fi
D=$WORK/ldap
T0=$(now_ms)

# --- 1: start ---------------------------------------------------------------
rc=0
slapd_start "$D" >"$WORK/start.log" 2>&1 || rc=$?
if ((rc != 0)); then
    not_ok "slapd_start" "$(cat "$WORK/start.log")"
    echo "Bail out! slapd_start failed"
    exit 1
fi
ok "slapd_start $D ($(($(now_ms) - T0)) ms, pid $SLAPD_PID, ports $SLAPD_PORT/$SLAPD_TLS_PORT)"

# --- 2: exported variables --------------------------------------------------
missing=()
for v in SLAPD_DIR SLAPD_PORT SLAPD_TLS_PORT SLAPD_URI SLAPD_LDAPS_URI \
    SLAPD_LDAPI_URI SLAPD_CA SLAPD_OTHER_CA SLAPD_PID SLAPD_BASE \
    SLAPD_ADMIN_DN SLAPD_ADMIN_PW SLAPD_BIND_DN SLAPD_BIND_PW \
    SLAPD_LIMITED_DN SLAPD_LIMITED_PW SLAPD_BIND_PW_FILE SLAPD_LOG; do
    [[ -n ${!v:-} ]] || missing+=("$v")
done
if ((${#missing[@]} == 0)) && [[ $SLAPD_URI == "ldap://127.0.0.1:$SLAPD_PORT/" &&
    $SLAPD_BASE == dc=example,dc=test && -r $SLAPD_CA && -r $SLAPD_OTHER_CA &&
    $(<"$SLAPD_BIND_PW_FILE") == "$SLAPD_BIND_PW" ]]; then
    ok "SLAPD_* variables exported"
else
    not_ok "SLAPD_* variables exported" "missing/wrong: ${missing[*]:-values}"
fi

# ldapsearch as the service account; usage: svc URI [ldapsearch args]
svc() {
    local uri=$1
    shift
    timeout 10 ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=3 -H "$uri" \
        -D "$SLAPD_BIND_DN" -w "$SLAPD_BIND_PW" -b "$SLAPD_BASE" "$@"
}
# svc_ca CA URI [ldapsearch args]: svc with LDAPTLS_CACERT=CA
svc_ca() {
    local ca=$1
    shift
    LDAPTLS_CACERT=$ca svc "$@"
}
# expect_dn DN COMMAND...: COMMAND must succeed and print "dn: DN"
expect_dn() {
    local dn=$1 out
    shift
    out=$("$@" 2>&1) || {
        echo "$out"
        return 1
    }
    grep -qxF "dn: $dn" <<<"$out" || {
        echo "no 'dn: $dn' in: $out"
        return 1
    }
}
ALICE="uid=alice,ou=people,$SLAPD_BASE"

# --- 3-7: each listener -----------------------------------------------------
check "ldap:// search as the service account" \
    expect_dn "$ALICE" svc "$SLAPD_URI" '(uid=alice)' dn
check "ldaps:// with LDAPTLS_CACERT=ca.pem" \
    expect_dn "$ALICE" svc_ca "$SLAPD_CA" "$SLAPD_LDAPS_URI" '(uid=alice)' dn
check "StartTLS (-ZZ) on ldap://" \
    expect_dn "$ALICE" svc_ca "$SLAPD_CA" "$SLAPD_URI" -ZZ '(uid=alice)' dn
check "ldapi:// simple bind" \
    expect_dn "$ALICE" svc "$SLAPD_LDAPI_URI" '(uid=alice)' dn
check "ldapi:// SASL EXTERNAL" \
    expect_dn "$ALICE" timeout 10 ldapsearch -Q -Y EXTERNAL -LLL -H "$SLAPD_LDAPI_URI" \
    -b "$SLAPD_BASE" '(uid=alice)' dn

# --- 8-9: TLS negative ------------------------------------------------------
must_fail() {
    if "$@" >/dev/null 2>&1; then
        echo "unexpectedly succeeded: $*"
        return 1
    fi
}
check "ldaps:// with other-ca.pem is refused" \
    must_fail svc_ca "$SLAPD_OTHER_CA" "$SLAPD_LDAPS_URI" '(uid=alice)' dn
check "StartTLS with other-ca.pem is refused" \
    must_fail svc_ca "$SLAPD_OTHER_CA" "$SLAPD_URI" -ZZ '(uid=alice)' dn

# --- 10-12: access control --------------------------------------------------
anon_sees_nothing() {
    local out
    # the control: slapd answers anonymous searches (the root DSE is public)
    out=$(timeout 10 ldapsearch -x -LLL -o nettimeout=3 -H "$SLAPD_URI" \
        -b "" -s base namingContexts 2>&1) || {
        echo "anonymous root DSE search failed: $out"
        return 1
    }
    grep -qx "namingContexts: $SLAPD_BASE" <<<"$out" || {
        echo "no namingContexts in the root DSE: $out"
        return 1
    }
    out=$(timeout 10 ldapsearch -x -LLL -o nettimeout=3 -H "$SLAPD_URI" \
        -b "$SLAPD_BASE" '(objectClass=*)' 2>/dev/null) || true
    [[ -z $out ]] || {
        echo "anonymous got: ${out:0:300}"
        return 1
    }
}
check "anonymous reads nothing (while it reads the root DSE)" anon_sees_nothing
passwords_hidden() {
    local out
    out=$(svc "$SLAPD_URI" '(uid=alice)' userPassword uidNumber) || return 1
    grep -q '^uidNumber: 10001$' <<<"$out" || {
        echo "no uidNumber: $out"
        return 1
    }
    if grep -qi '^userPassword' <<<"$out"; then
        echo "service account can read userPassword"
        return 1
    fi
}
check "userPassword hidden from the service account" passwords_hidden
user_binds() {
    timeout 10 ldapwhoami -x -o nettimeout=3 -H "$SLAPD_URI" \
        -D "$ALICE" -w 'Alice-Passw0rd!' | grep -qxF "dn:$ALICE" || return 1
    local rc=0
    timeout 10 ldapwhoami -x -o nettimeout=3 -H "$SLAPD_URI" \
        -D "$ALICE" -w 'wrong' >/dev/null 2>&1 || rc=$?
    ((rc == 49)) || {
        echo "wrong password: exit $rc, expected 49"
        return 1
    }
    timeout 10 ldapwhoami -x -o nettimeout=3 -H "$SLAPD_URI" \
        -D "uid=member4999,ou=people,$SLAPD_BASE" -w 'Member4999-Passw0rd!' >/dev/null
}
check "user simple bind: right password ok, wrong one -> 49" user_binds

# --- 13-18: fixture contents ------------------------------------------------
count_lines() { # count_lines REGEX COMMAND...
    local re=$1 out
    shift
    out=$("$@") || return 1
    grep -c -- "$re" <<<"$out" || true
}
expect_count() { # expect_count N REGEX COMMAND...
    local want=$1 got
    shift
    got=$(count_lines "$@") || {
        echo "search failed"
        return 1
    }
    [[ $got == "$want" ]] || {
        echo "got $got, want $want"
        return 1
    }
}
check "big has 5000 memberUid values" \
    expect_count 5000 '^memberUid: member[0-9]\{4\}$' \
    svc "$SLAPD_URI" -b "cn=big,ou=groups,$SLAPD_BASE" -s base memberUid
check "dave is in 500 groups (memberUid search, paged)" \
    expect_count 500 '^dn: cn=many[0-9]\{3\},ou=groups,' \
    svc "$SLAPD_URI" -E pr=500/noprompt '(&(objectClass=posixGroup)(memberUid=dave))' dn
bob_utf8() {
    local out cn
    out=$(svc "$SLAPD_URI" '(uid=bob)' cn gecos) || return 1
    cn=$(sed -n 's/^cn:: //p' <<<"$out" | base64 -d) || return 1
    [[ $cn == 'Bøb Ünïcødé' ]] || {
        echo "cn is '$cn'"
        return 1
    }
    if grep -qi '^gecos' <<<"$out"; then
        echo "bob has a gecos: $out"
        return 1
    fi
}
check "bob: non-ASCII cn (UTF-8), no gecos" bob_utf8
check "5016 posixAccount entries with paging" \
    expect_count 5016 '^dn: uid=' svc "$SLAPD_URI" -E pr=500/noprompt '(objectClass=posixAccount)' dn
expect_rc() { # expect_rc RC COMMAND...
    local want=$1 rc=0 out
    shift
    out=$("$@" 2>&1) || rc=$?
    ((rc == want)) || {
        echo "exit status $rc, want $want: ${out: -300}"
        return 1
    }
}
check "unpaged enumeration hits the 500 size limit (rc 4)" \
    expect_rc 4 svc "$SLAPD_URI" '(objectClass=posixAccount)' dn
check "RFC2307bis: bbig has 5000 member DNs, alice in bstaff" \
    eval 'expect_count 5000 "^member: uid=member[0-9]\{4\},ou=people," svc "$SLAPD_URI" -b "cn=bbig,ou=groups-bis,$SLAPD_BASE" -s base member &&
          expect_dn "cn=bstaff,ou=groups-bis,$SLAPD_BASE" svc "$SLAPD_URI" "(&(objectClass=groupOfNames)(member=$ALICE))" dn'

# --- 19-20: the limited account ---------------------------------------------
limited_paged() {
    local rc=0 out
    out=$(timeout 10 ldapsearch -x -o ldif-wrap=no -o nettimeout=3 -H "$SLAPD_URI" \
        -D "$SLAPD_LIMITED_DN" -w "$SLAPD_LIMITED_PW" -b "ou=groups,$SLAPD_BASE" \
        -E pr=50/noprompt '(memberUid=dave)' dn 2>&1) || rc=$?
    if ((rc != 4)) || ! grep -q '^result: 4 Size limit exceeded' <<<"$out"; then
        echo "exit $rc: ${out: -400}"
        return 1
    fi
}
check "limited account: paged search (pr=50) -> sizeLimitExceeded (4)" limited_paged
check "limited account: 100 entries are fine" \
    expect_count 100 '^dn: ' timeout 10 ldapsearch -x -LLL -o nettimeout=3 -H "$SLAPD_URI" \
    -D "$SLAPD_LIMITED_DN" -w "$SLAPD_LIMITED_PW" -b "ou=groups,$SLAPD_BASE" \
    -E pr=50/noprompt '(&(memberUid=dave)(gidNumber<=20099))' dn

# --- 21-23: pause / resume --------------------------------------------------
whoami_svc() { # whoami_svc URI [seconds]
    timeout "${2:-5}" ldapwhoami -x -o nettimeout=2 -H "$1" \
        -D "$SLAPD_BIND_DN" -w "$SLAPD_BIND_PW" >/dev/null 2>&1
}
check "slapd_pause" slapd_pause "$D"
paused_hangs() {
    local t0 rc=0
    t0=$(now_ms)
    whoami_svc "$SLAPD_URI" 2 || rc=$?
    ((rc == 124)) || {
        echo "expected a timeout (124), got $rc after $(($(now_ms) - t0)) ms"
        return 1
    }
}
check "paused slapd does not answer (client times out)" paused_hangs
check "slapd_resume: answers again" eval 'slapd_resume "$D" && whoami_svc "$SLAPD_URI"'

# --- 24-27: restart ---------------------------------------------------------
OLD_PID=$SLAPD_PID OLD_PORT=$SLAPD_PORT OLD_TLS_PORT=$SLAPD_TLS_PORT
# not through check(): slapd_restart must update SLAPD_* in this shell
if slapd_restart "$D" >"$WORK/restart.log" 2>&1; then
    ok "slapd_restart"
else
    not_ok "slapd_restart" "$(cat "$WORK/restart.log")"
fi
if [[ $SLAPD_PID != "$OLD_PID" && $SLAPD_PORT == "$OLD_PORT" &&
    $SLAPD_TLS_PORT == "$OLD_TLS_PORT" ]] && ! alive "$OLD_PID" &&
    alive "$SLAPD_PID"; then
    ok "restart: new pid $SLAPD_PID, same ports $SLAPD_PORT/$SLAPD_TLS_PORT"
else
    not_ok "restart: new pid, same ports" \
        "pid $OLD_PID -> $SLAPD_PID, ports $OLD_PORT/$OLD_TLS_PORT -> $SLAPD_PORT/$SLAPD_TLS_PORT"
fi
check "restart: same data on ldap:// and ldapi://" \
    eval 'expect_dn "$ALICE" svc "$SLAPD_URI" "(uid=alice)" dn && expect_dn "$ALICE" svc "$SLAPD_LDAPI_URI" "(uid=alice)" dn'
check "restart: ldaps:// on the same port, same CA" \
    expect_dn "$ALICE" svc_ca "$SLAPD_CA" "$SLAPD_LDAPS_URI" '(uid=alice)' dn

# --- 28-29: command mode, a second instance in parallel ---------------------
second_instance() {
    local d2=$WORK/ldap2 out
    printf 'dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: t\n\n' \
        >"$WORK/tiny.ldif"
    out=$(
        "$HERE/slapd.sh" start "$d2" "$WORK/tiny.ldif" 2>"$WORK/start2.log" || exit 1
    ) || {
        cat "$WORK/start2.log"
        return 1
    }
    (
        set -e
        eval "$out"
        [[ $SLAPD_PORT != "$OLD_PORT" && $SLAPD_DIR == "$d2" ]]
        timeout 5 ldapwhoami -x -o nettimeout=2 -H "$SLAPD_URI" \
            -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" >/dev/null
        timeout 5 ldapwhoami -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" >/dev/null
        "$HERE/slapd.sh" status "$d2" >/dev/null
    ) || {
        echo "second instance not usable: $out"
        return 1
    }
}
check "slapd.sh start (command mode, custom LDIF) runs a 2nd instance in parallel" second_instance
check "slapd.sh stop (command mode)" \
    eval '"$HERE/slapd.sh" stop "$WORK/ldap2" && ! "$HERE/slapd.sh" status "$WORK/ldap2" >/dev/null'

# --- 30: a slapd that a loaded machine execs late ---------------------------
# slapd_start reads the launched pid at once; on a busy machine the child
# may not have exec'd slapd yet.  Such a process is waited for, not taken
# for a slapd that exited during startup.
slow_exec() {
    local d3=$WORK/ldap3 bin=$WORK/slowbin real
    real=$(command -v slapd)
    mkdir -p "$bin"
    cat >"$bin/slapd" <<EOF
#!/bin/bash
# the real slapd, exec'd 1 s late and under another name until then
SLOW_SLAPD_ARGS=\$(printf '%s\n' "\$@") exec -a slow-start /bin/bash -c \
    'sleep 1; mapfile -t a <<<"\$SLOW_SLAPD_ARGS"; exec $real "\${a[@]}"'
EOF
    chmod 0755 "$bin/slapd"
    PATH="$bin:$PATH" "$HERE/slapd.sh" start "$d3" "$WORK/tiny.ldif" >/dev/null 2>"$WORK/start3.log" || {
        cat "$WORK/start3.log"
        return 1
    }
    "$HERE/slapd.sh" stop "$d3" >/dev/null
}
check "a slapd exec'd late is waited for" slow_exec

# --- 31-32: stop ------------------------------------------------------------
STOP_PID=$SLAPD_PID
check "slapd_stop" slapd_stop "$D"
stopped() {
    if alive "$STOP_PID"; then
        echo "pid $STOP_PID still alive"
        return 1
    fi
    if whoami_svc "$SLAPD_URI" 3; then
        echo "port $SLAPD_PORT still answers"
        return 1
    fi
    [[ ! -e $D/ldapi ]] || {
        echo "ldapi socket left behind"
        return 1
    }
}
check "stopped: process gone, port closed, socket removed" stopped

# --- 33: the fixture generator ----------------------------------------------
# (how long it takes is the machine's business, not a test's)
fixture_ok() {
    local a b
    a=$("$SLAPD_PYTHON" "$HERE/gen-fixture.py" | md5sum) || return 1
    b=$("$SLAPD_PYTHON" "$HERE/gen-fixture.py" | md5sum) || return 1
    [[ $a == "$b" ]] || {
        echo "gen-fixture.py output is not deterministic"
        return 1
    }
}
check "gen-fixture.py is deterministic" fixture_ok

if ((N != PLAN)); then
    echo "# planned $PLAN tests but ran $N"
    FAILED=$((FAILED + 1))
fi
echo "# total $(($(now_ms) - T0)) ms"
((FAILED == 0)) || {
    echo "# $FAILED check(s) failed"
    exit 1
}
exit 0

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesamed's serving path: a fixed set of workers fed through a bounded
# queue (helper/sesamed/workers.h), and the user-bind connections that
# check passwords (helper/sesamed/dir.h).  A full queue refuses at once,
# it never grows or hangs; lookups of users other than root leave a worker
# to root; a connection bound as a user never serves the service DN's
# searches; many logins at once all get their own answer.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

# bound as a user, nobody reads another user's entry: only the service
# DN (and the user itself) may; so a search made on a connection bound as
# a user, not as the service DN, would not find the users it looks for
cat >"$T/acl-first.conf" <<'ACL'
access to dn.subtree="ou=people,dc=example,dc=com" attrs=entry,uid,uidNumber,gidNumber,cn,sn,homeDirectory,loginShell,gecos,mail
        by dn.exact="cn=sesame,ou=services,dc=example,dc=com" read
        by self read
        by anonymous auth
        by * none
ACL
SLAPD_ACL_FIRST=$T/acl-first.conf slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# shellcheck source=tests/lib/proxy.sh
. "$HARNESS_LIB/proxy.sh"
trap 'proxy_stop; harness_cleanup' EXIT
FLOOD=$HARNESS_LIB/nssflood.py
flood() { FLOODED=$(timeout 120 "$PYTHON3" "$FLOOD" "$@"); echo "$FLOODED"; }
field() { sed -n "s/.*\\b$1=\\([0-9.-]*\\).*/\\1/p" <<<"$FLOODED"; }

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
account  required pam_sesame.so
PAM

# ------------------------------------------------ a full queue refuses
# one worker, so a queue of 8 a lane; a directory 2 s a round trip (every
# chunk 1 s late), so that the worker is held while the requests pile up
proxy_start || { echo "Bail out! the proxy did not start"; exit 1; }
URI=$PROXY_URI EXTRA_DAEMON="workers = 1
rate_limit = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "sesamed says how many workers it runs" grep -q "ready on .* (1 workers)" "$T/sesamed.log"
ok "root: alice resolves while the directory is fast" getent passwd alice
proxy delay 1000
# 30 connections as root, each sends one lookup of a name nobody has (its
# caller waits 30 s) at the same time; how each ended, and when
cat >"$T/burst.py" <<'PY'
import os, socket, struct, sys, threading, time
sys.path.insert(0, sys.argv[1])
import rawclient
n = int(sys.argv[2])
res = [None] * n
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect("/run/sesame/nss.sock")
    socks.append(s)
def one(i):
    req = rawclient.frame(rawclient.body(rawclient.REQ_PASSWD_BYNAME,
          [rawclient.field(rawclient.F_NAME, b"burst%d" % i),
           rawclient.field(33, struct.pack(">I", 30000))]))
    t0 = time.monotonic()
    try:
        socks[i].sendall(req)
        frames = rawclient.recv_frames(socks[i])
        what = "answered" if frames else "closed"
    except OSError:
        what = "closed"
    res[i] = (what, (time.monotonic() - t0) * 1000)
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
fast = sum(1 for w, ms in res if w == "closed" and ms < 1000)
answered = sum(1 for w, ms in res if w == "answered")
print("closed_fast=%d answered=%d closed=%d" % (fast, answered, sum(1 for w, _ in res if w == "closed")))
PY
chmod 0644 "$T/burst.py"
FLOODED=$(timeout 120 "$PYTHON3" "$T/burst.py" "$HARNESS_LIB" 30)
diag "30 lookups at once, one worker: $FLOODED"
# 1 served + 8 queued; the 21 others refused at once
ok "a full queue refuses at once: at least 15 of 30 closed within 1 s" test "$(field closed_fast)" -ge 15
ok "... and what was queued is served, not dropped (its caller waits 30 s)" test "$(field answered)" -ge 5
ok "... the refusals are logged with the uid and the reason" \
        grep -q "refusing a connection to nss.sock from uid 0: the work queue is full ([0-9]* requests wait in its reserved lane)" \
        "$T/sesamed.log"
proxy delay 0
ok "sesamed goes on serving: bob resolves" getent passwd bob
URI=$PROXY_URI EXTRA_DAEMON="workers = 2
rate_limit = 0" sesamed_config >"$T/sesame.conf"
kill -HUP "$SESAMED_PID"
ok "a reload says that a new worker count waits for a restart" \
        wait_for 5 grep -q "reload: workers = 2 takes effect when sesamed restarts; 1 serve meanwhile" "$T/sesamed.log"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

# ------------------------------------------------ a worker kept for root
# 4 workers, 1 kept from the lookups of users other than root; a directory
# 1 s a round trip
URI=$PROXY_URI EXTRA_DAEMON="workers = 4
rate_limit = 0" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
flood --threads 4 --prefix warm --count 8 >/dev/null
proxy delay 500
timeout 60 "$PYTHON3" "$FLOOD" --uid 65534 --threads 24 --seconds 8 --prefix slow65534- \
        --deadline-ms 1000 >"$T/slowflood.out" &
flooder=$!
sleep 2
lookup() {
        echo "$1" >"$T/name"
        LOOKED=$(timeout 30 "$PYTHON3" "$FLOOD" --threads 1 --names "$T/name" --count 1 --deadline-ms 3000)
        grep -q " ok=1 " <<<"$LOOKED"
}
for u in member0201 member0202; do
        ok "root's lookup of $u is answered while uid 65534 floods, within 3 s" within 3000 0 "" lookup $u
done
wait "$flooder"
FLOODED=$(cat "$T/slowflood.out")
diag "uid 65534: $FLOODED"
ok "uid 65534's flood was answered or refused, never left hanging" \
        test "$(($(field notfound) + $(field unavail) + $(field closed)))" -eq "$(field sent)"
proxy delay 0
proxy_stop
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

# ------------------------------------------------ user binds stay apart
# one connection of each kind: were a connection bound as a user to serve
# a search, that search would find nothing (the rule above)
EXTRA_DAEMON="ldap_connections = 1" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
pam_expect "alice logs in" ok "Alice-Passw0rd!" pw alice authenticate acct_mgmt
ok "then bob resolves (the lookup is the service DN's)" getent passwd bob
pam_expect "bob logs in" ok "Bob-Passw0rd!" pw bob authenticate acct_mgmt
ok "then carol resolves" getent passwd carol
pam_expect "a wrong password of carol is refused" "$PAM_TEXT_AUTH_ERR" "wrong" pw carol authenticate
ok "then dave resolves" getent passwd dave
ok "and the group list of alice" id alice
# slapd's own account of it: no search or modify on a connection after a
# bind as a user (uid=...) on it
cat >"$T/binds.py" <<'PY'
import re, sys
user_bound, bad, binds = set(), [], 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"conn=(\d+) op=\d+ (BIND|SRCH|MOD|ADD|DEL|CMP|EXT)\b(.*)", line)
    if not m:
        continue
    conn, op, rest = m.groups()
    if op == "BIND":
        dn = re.search(r'dn="([^"]*)"', rest)
        if dn and dn.group(1).lower().startswith("uid="):
            user_bound.add(conn)
            binds += 1
        elif dn:
            user_bound.discard(conn)
    elif conn in user_bound and op != "EXT":
        bad.append(line.strip())
print("user_binds=%d service_ops_on_user_connections=%d" % (binds, len(bad)))
for b in bad[:5]:
    print("# " + b)
PY
got=$("$PYTHON3" "$T/binds.py" "$SLAPD_LOG")
diag "$got"
ok "slapd saw the user binds" grep -Eq "user_binds=[1-9]" <<<"$got"
ok "... and no search or modify on a connection bound as a user" grep -q "service_ops_on_user_connections=0" <<<"$got"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

# ------------------------------------------------ one read per login
# pam_sesame asks ACCOUNT on AUTH's connection, and sesamed decides it on
# what AUTH has just read: one lookup and one state read of the account
# per login (slapd's log counts them: the lookup's filter names the user,
# the state read is a search based at its entry)
PROBE=$BUILD_DIR/tests/integration/pam-probe
mark() { MARK=$(wc -c <"$SLAPD_LOG"); }
searches() { # searches USER: "LOOKUPS STATE_READS" in slapd's log since mark
        local u=$1 log
        sleep 0.2 # slapd writes its log as it goes
        log=$(tail -c +$((MARK + 1)) "$SLAPD_LOG")
        echo "$(grep -c "SRCH base=.* filter=\"(&(objectClass=posixAccount)(uid=$u))\"" <<<"$log")" \
                "$(grep -c "SRCH base=\"uid=$u,ou=people," <<<"$log")"
}
probe() { # probe ANSWERS USER OPS...: pam-probe on service pw, output in $T/probe.out
        local a=$1
        shift
        timeout 60 "$PROBE" pw "$@" <<<"$a" >"$T/probe-$1.out" 2>&1
}
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
mark
pam_expect "carol logs in (auth + account, one handle)" ok "Carol-Passw0rd!" pw carol authenticate acct_mgmt
check "... with one lookup and one state read of carol" "1 1" "$(searches carol)"
pam_expect "carol's account phase alone, on a handle of its own, reads afresh" ok "" pw carol acct_mgmt
check "... one more lookup and state read" "2 2" "$(searches carol)"
# sesamed closes a connection idle for client_timeout (1 s here): the
# account phase then goes on a new connection, and reads afresh
sesamed_stop
EXTRA_DAEMON="client_timeout = 1" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
mark
ok "dave: auth, 2.5 s, account: the kept connection was closed by sesamed, a new one answers" \
        probe "Dave-Passw0rd!" dave authenticate sleep=2500 acct_mgmt
check "... and the account phase read afresh" "2 2" "$(searches dave)"
# a child of a fork does not use its parent's connection: it asks on its
# own (and reads afresh); the parent still has its own
mark
ok "member0150: auth, then account in a forked child" \
        probe "Member0150-Passw0rd!" member0150 authenticate fork-acct_mgmt
check "... the child asked on a connection of its own: it read afresh" "2 2" "$(searches member0150)"
mark
ok "member0151: auth, account in a forked child, account in the parent" \
        probe "Member0151-Passw0rd!" member0151 authenticate fork-acct_mgmt acct_mgmt
check "... both account phases succeeded" 2 "$(grep -c "acct_mgmt: 0 " "$T/probe-member0151.out")"
check "... the parent's, on its kept connection, read nothing more" "2 2" "$(searches member0151)"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

# ------------------------------------------------ many logins at once
# 32 pamtester processes at once: 8 users, each with 3 right passwords and
# 1 wrong one (4 checks: under max_failures, so nothing locks)
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
pids=()
for i in $(seq 1 8); do
        u=$(printf 'member%04d' $((300 + i)))
        for k in 1 2 3 4; do
                if [ "$k" = 4 ]; then pw=wrong-$k; want=fail; else pw=$(fixture_pw "$u"); want=ok; fi
                (
                        out=$(PAMTESTER_TIMEOUT=60 pamtester_run "$pw" pw "$u" authenticate acct_mgmt)
                        rc=$?
                        if { [ "$want" = ok ] && [ "$rc" = 0 ]; } ||
                                { [ "$want" = fail ] && [ "$rc" = 1 ] &&
                                        [[ $(tail -n 1 <<<"$out") == *"pamtester: $PAM_TEXT_AUTH_ERR" ]]; }; then
                                echo right >"$T/login-$u-$k"
                        else
                                printf 'wrong (exit %s): %s\n' "$rc" "$(tail -n 1 <<<"$out")" >"$T/login-$u-$k"
                        fi
                ) &
                pids+=($!)
        done
done
wait "${pids[@]}"
right=$(cat "$T"/login-member03* | grep -c '^right$')
grep -h '^wrong' "$T"/login-member03* | head -n 3 | sed 's/^/# /'
check "32 logins at once (24 right passwords, 8 wrong): each got its own answer" 32 "$right"
ok "no sanitizer report from sesamed" no_sanitizer_report "$T/sesamed.log"
sesamed_stop

done_testing

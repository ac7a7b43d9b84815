#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Users and groups through the real glibc NSS path (getent, id) from a real
# slapd, in a private mount namespace: lookups, enumeration with paging,
# big groups, bad entries dropped, local accounts win, hostile names.
# Fixture: tests/lib/fixture.md.
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
# local accounts that collide with directory entries (by name, by uid)
local_user "localclash:x:2001:2001:Local Clash:/home/localclash:/bin/sh"
local_user "localuid:x:10052:10052:Local Uid:/home/localuid:/bin/sh"
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
PROBE=$BUILD_DIR/tests/integration/nss-probe
# modq DB KEY: what libnss_sesame itself answers (nss-module.c), files aside
modq() { "$PROBE" module "$T/lib/libnss_sesame.so.2" "$@"; }

check "getent passwd alice" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" "$(getent passwd alice)"
check "getent passwd by uid" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" "$(getent passwd 10001)"
check "non-ASCII gecos served intact" "bob:*:10002:10000:Bøb Ünïcødé:/home/bob:/bin/bash" "$(getent passwd bob)"
check "getent group by name" "engineers:x:10010:alice,bob" "$(getent group engineers)"
check "getent group by gid" "admins:x:10011:alice" "$(getent group 10011)"
check "group without members" "emptygrp:x:10012:" "$(getent group emptygrp)"
check "id -Gn alice: primary and supplementary groups" "ldapusers engineers admins" "$(id -Gn alice)"
check "id -Gn carol: a user in no group" "ldapusers" "$(id -Gn carol)"
check "id dave: in 500 groups" "501" "$(id -G dave | wc -w)"
check "dave's groups are the many* groups" "500" "$(id -Gn dave | tr ' ' '\n' | grep -c '^many[0-9][0-9][0-9]$')"
# A cold 5000-member answer can outlast the NSS module's 1 s deadline in
# the sanitizer build on a loaded machine (the module then fails, and
# sesamed caches the answer anyway); these checks are about the content,
# so they read it once it is cached.
retry 5 0.5 getent group big
check "group with 5000 members (several frames)" "5000" "$(getent group big | cut -d: -f4 | tr ',' '\n' | grep -c '^member[0-9]')"
check "first and last member of big" "member0000 member4999" \
        "$(getent group big | cut -d: -f4 | tr ',' '\n' | sed -n '1p;$p' | xargs)"

# enumeration pages through more entries than the server's size limit
# (fixture.md: 5 named users + 5000 memberNNNN are valid and not local)
n_ldap=$(getent passwd | grep -cvxFf /etc/passwd)
check "getent passwd enumerates every valid directory user (paged past 500)" "5005" "$n_ldap"
ok "enumeration contains member4999" sh -c 'getent passwd | grep -q "^member4999:"'
ok "group enumeration contains big and many499" sh -c 'getent group | grep -q "^big:" && getent group | grep -q "^many499:"'
check "enumerated big has all members" "5000" "$(getent group | grep '^big:' | cut -d: -f4 | tr ',' '\n' | wc -l)"
ok "enumeration lists no local account twice" sh -c '[ -z "$(getent passwd | cut -d: -f1 | sort | uniq -d)" ]'

# entries that do not fit passwd(5) are dropped, not served mangled:
# sesamed answers NOTFOUND for each (the module, called directly, says
# what sesamed answered; UNAVAIL would be a sesamed that could not)
for u in badid negid hugeid maxid lowid rootid colon newline; do
        check "entry '$u' with a bad field: sesamed answers NOTFOUND" NOTFOUND "$(modq passwd "$u")"
        ok_refused "... and getent finds nothing" getent passwd "$u"
done
check "group with gid below min_gid: sesamed answers NOTFOUND" NOTFOUND "$(modq group lowgrp)"
ok_refused "... and getent finds nothing" getent group lowgrp
ok "the drop is logged" grep -q "uid=badid,ou=people,dc=example,dc=test: bad id" "$T/sesamed.log"

# local accounts win, by name and by id, in sesamed itself: with "files"
# first in nsswitch.conf, files answers a local name before sesame is
# asked, so here sesame comes first and must pass each one on to files
nss_order sesame files
check "sesame asked first: enumeration starts with the directory's users" "alice" \
        "$(getent passwd | head -n 1 | cut -d: -f1)"
check "directory 'daemon' does not shadow the local one" "1" "$(getent passwd daemon | cut -d: -f3)"
check "local name wins" "2001" "$(getent passwd localclash | cut -d: -f3)"
check "local uid wins: uid 10052 is the local account" "localuid" "$(getent passwd 10052 | cut -d: -f1)"
check "directory group whose name is local is not served: daemon is gid 1" "1" "$(getent group daemon | cut -d: -f3)"
nss_order files sesame
check "the module: localclash (a local name) is not sesamed's" "NOTFOUND" "$(modq passwd localclash)"
check "the module: uid 10052 (a local uid) is not sesamed's" "NOTFOUND" "$(modq passwd 10052)"
check "the module: uidclash (whose uid is local) is not served" "NOTFOUND" "$(modq passwd uidclash)"
check "the module: group daemon (a local name) is not served" "NOTFOUND" "$(modq group daemon)"
check "the module: alice is (the control)" "SUCCESS alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" \
        "$(modq passwd alice)"

# names are matched exactly; hostile names are refused cleanly (NOTFOUND
# from sesamed where the name can be asked at all)
check "ALICE is not alice: NOTFOUND" NOTFOUND "$(modq passwd ALICE)"
ok_refused "... getent ALICE finds nothing" getent passwd ALICE
check "filter injection '*)(uid=*': NOTFOUND" NOTFOUND "$(modq passwd '*)(uid=*')"
ok_refused "... getent finds nothing" getent passwd '*)(uid=*'
check "filter injection in a group name: NOTFOUND" NOTFOUND "$(modq group '*')"
ok_refused "... getent finds nothing" getent group '*'
check "name with a newline: NOTFOUND" NOTFOUND "$(modq passwd "$(printf 'alice\nbob')")"
ok_refused "... getent finds nothing" getent passwd "$(printf 'alice\nbob')"
check "unknown user: NOTFOUND" NOTFOUND "$(modq passwd nosuchuser)"
ok_refused "... getent finds nothing" getent passwd nosuchuser
check "unknown uid: NOTFOUND" NOTFOUND "$(modq passwd 99999)"
ok_refused "... getent finds nothing" getent passwd 99999
# (these the module refuses without asking: the protocol cannot carry them)
ok_refused "64 KiB name is refused" getent passwd "$(head -c 65536 /dev/zero | tr '\0' a)"
ok_refused "name with invalid UTF-8 is refused" getent passwd "$(printf 'al\xffice')"
ok "sesamed is still serving after all that" getent passwd alice

# initgroups: nothing re-checks the name after the search (a group lists
# its members' names), so only the RFC 4515 escape keeps a name from
# being a filter: none of these is a user, none may get a group, and
# slapd must have been asked for each one literally (\2A, never *)
log_mark=$(wc -l <"$SLAPD_LOG")
check "initgroups of alice (the control): her two groups" "SUCCESS 2 10010,10011" "$(modq initgroups alice)"
for n in '*' 'member*' '*)(memberUid=*' ')(' '(' '\' '\2a' '\00' 'al*ce'; do
        check "initgroups '$n': the module gets no group" "SUCCESS 0 " "$(modq initgroups "$n")"
        check "initgroups '$n' through glibc: no group" "$n" "$(getent initgroups "$n" | sed 's/[[:space:]]*$//')"
done
check "slapd was asked once for each name (glibc's second ask is cached)" "9" \
        "$(tail -n +$((log_mark + 1)) "$SLAPD_LOG" | grep 'SRCH .*(memberUid=' | grep -vc '(memberUid=alice)')"
check "... and saw no wildcard in any of them" "" \
        "$(tail -n +$((log_mark + 1)) "$SLAPD_LOG" | grep -o '(memberUid=[^)]*\*[^)]*)')"

# the C API glibc gives programs, beyond what getent shows
ok "through glibc: 1 KiB gives ERANGE for the 5000-member group, a bigger buffer the group" "$PROBE" erange big
# through glibc, files answers first and gives ERANGE itself for a buffer
# smaller than a local line: only the module, called directly, shows its own
ok "the module itself: small buffers give TRYAGAIN/ERANGE, big ones the entry (passwd, group; by name, by id)" \
        "$PROBE" module "$T/lib/libnss_sesame.so.2" erange alice big
ok "16 threads looking up concurrently all get the right answer" "$PROBE" threads bob 16
check "fork() inside an enumeration: the parent's enumeration stays complete" \
        "$(getent passwd | wc -l)" "$("$PROBE" fork-enum)"

# raw protocol abuse on nss.sock: each bad frame closes that connection only
ok "malformed frames are refused and sesamed keeps serving" \
        python3 "$HARNESS_LIB/rawclient.py" /run/sesame/nss.sock
ok "admin-only request on nss.sock is refused" \
        python3 "$HARNESS_LIB/rawclient.py" --admin-on-nss /run/sesame/nss.sock
ok "still serving" getent passwd bob

# login by email address needs mail -> account; root only (admin.sock)
check "lookup by email address on admin.sock" "alice" \
        "$(python3 "$HARNESS_LIB/rawclient.py" --mail alice@example.test /run/sesame/admin.sock)"
ok_refused "lookup by email address is not offered on nss.sock" \
        python3 "$HARNESS_LIB/rawclient.py" --mail alice@example.test /run/sesame/nss.sock
ok_refused "unknown email address" \
        python3 "$HARNESS_LIB/rawclient.py" --mail nobody@example.test /run/sesame/admin.sock

# the module talks only to a socket owned by root (member1234 was never
# looked up by name, so the mapped cache does not answer for it: the
# socket must; test-mcache.sh holds the map file to the same rule)
chown nobody /run/sesame/nss.sock
ok_refused "nss.sock not owned by root: the module does not use it" getent passwd member1234
check "... the module says UNAVAIL" UNAVAIL "$(modq passwd member1234)"
chown root /run/sesame/nss.sock
ok "owned by root again: served" getent passwd member1234

done_testing

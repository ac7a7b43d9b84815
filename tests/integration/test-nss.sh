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

# entries that do not fit passwd(5) are dropped, not served mangled
for u in badid negid hugeid maxid lowid rootid colon newline; do
        ok_fail "entry '$u' with a bad field is not served" getent passwd "$u"
done
ok_fail "group with gid below min_gid is not served" getent group lowgrp
ok "the drop is logged" grep -q "uid=badid,ou=people,dc=example,dc=test: bad id" "$T/sesamed.log"

# local accounts win, by name and by id
check "directory 'daemon' does not shadow the local one" "1" "$(getent passwd daemon | cut -d: -f3)"
check "local name wins" "2001" "$(getent passwd localclash | cut -d: -f3)"
check "local uid wins: uid 10052 is the local account" "localuid" "$(getent passwd 10052 | cut -d: -f1)"
ok_fail "directory entry whose uid is local is not served" getent passwd uidclash
ok_fail "directory group whose name is local is not served" sh -c 'getent group daemon | grep -q 10013'

# names are matched exactly; hostile names are refused cleanly
ok_fail "ALICE is not alice" getent passwd ALICE
ok_fail "filter injection '*)(uid=*' finds nothing" getent passwd '*)(uid=*'
ok_fail "filter injection in a group name finds nothing" getent group '*'
ok_fail "64 KiB name is refused" getent passwd "$(head -c 65536 /dev/zero | tr '\0' a)"
ok_fail "name with a newline is refused" getent passwd "$(printf 'alice\nbob')"
ok_fail "name with invalid UTF-8 is refused" getent passwd "$(printf 'al\xffice')"
ok_fail "unknown user" getent passwd nosuchuser
ok_fail "unknown uid" getent passwd 99999
ok "sesamed is still serving after all that" getent passwd alice

# the C API glibc gives programs, beyond what getent shows
PROBE=$BUILD_DIR/tests/integration/nss-probe
ok "small buffers give ERANGE, larger ones the entry (passwd, 5000-member group)" "$PROBE" erange alice big
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
ok_fail "lookup by email address is not offered on nss.sock" \
        python3 "$HARNESS_LIB/rawclient.py" --mail alice@example.test /run/sesame/nss.sock
ok_fail "unknown email address" \
        python3 "$HARNESS_LIB/rawclient.py" --mail nobody@example.test /run/sesame/admin.sock

# the module talks only to a socket owned by root
chown nobody /run/sesame/nss.sock
ok_fail "nss.sock not owned by root: the module does not use it" getent passwd carol
chown root /run/sesame/nss.sock
ok "owned by root again: served" getent passwd carol

done_testing

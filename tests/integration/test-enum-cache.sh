#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A second pass of getent passwd / getent group from the snapshot of the
# first (sesame.conf(5), enum_cache_mb): within cache_ttl the list is the
# snapshot's, after it the directory's again; flush-cache drops it; a
# file that is torn, tampered with or garbage is never served, the list
# comes from the directory instead; an expired snapshot still answers
# while the directory cannot; enum_cache_mb = 0 keeps none; a stopped
# sesamed leaves none.  Fixture: tests/lib/fixture.md (5000 members:
# lists of several pages).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
SNAP=/run/sesame/enum-passwd
GSNAP=/run/sesame/enum-group
PROBE=$BUILD_DIR/tests/integration/nss-probe
TTL=3

# pass NAME: one complete enumeration of users through glibc into
# $T/NAME (sesame only); fails unless it ended complete
pass() {
        "$PROBE" enum passwd >"$T/$1" 2>"$T/$1.err" && grep -q 'ended: complete$' "$T/$1.err"
}
has() { grep -q "^$2:" "$T/$1"; }
# expire: wait until the snapshot written last has outlived cache_ttl
expire() { sleep $((TTL + 1)); }

CACHE_TTL=$TTL sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
nss_order sesame

ok "a first pass, from the directory" pass p1
diag "$(cat "$T/p1.err")"
check "... every user of the fixture" "ok" "$(has p1 member4999 && has p1 alice && echo ok)"
ok "... leaves a snapshot of the list" test -f "$SNAP"
check "... root's, mode 0600" "0 600 regular file" "$(stat -c '%u %a %F' "$SNAP")"

# --- within cache_ttl the snapshot, then the directory -----------------------
ldap_add_user newbie1 20001
ok "a second pass" pass p2
ok_refused "... is the snapshot's: the user added since is not in it yet" has p2 newbie1
check "... the first pass's list, exactly" "" "$(diff "$T/p1" "$T/p2" | head -3)"
expire
ok "after cache_ttl a pass" pass p3
ok "... comes from the directory: the new user is listed" has p3 newbie1
check "... one entry more" "$(($(wc -l <"$T/p1") + 1))" "$(wc -l <"$T/p3")"

# --- flush-cache -----------------------------------------------------------
ldap_add_user newbie2 20002
pass p4
ok_refused "a user added within cache_ttl is not listed" has p4 newbie2
ok "sesamectl flush-cache" sesamectl_run flush-cache
ok_refused "... removes the snapshot" test -e "$SNAP"
ok "... and the next pass" pass p5
ok "... lists the new user" has p5 newbie2

# --- a file that fails the checks is not served --------------------------------
# (each time a user is added first: a list that shows them came from the
# directory, not from the file)
# tampered with: the same length, other bytes in the middle
ldap_add_user newbie3 20003
printf 'XXXXXXXXXXXXXXXX' | dd of="$SNAP" bs=1 seek=4000 conv=notrunc status=none
ok "a snapshot tampered with: the pass" pass p6
ok "... comes from the directory" has p6 newbie3
ok "... and says why the file was dropped" grep -q "enum-passwd: its contents do not match its hash" "$T/sesamed.log"
check "... the list is whole" "$(($(wc -l <"$T/p5") + 1))" "$(wc -l <"$T/p6")"
# torn: cut short
ldap_add_user newbie4 20004
truncate -s 5000 "$SNAP"
ok "a torn snapshot: the pass" pass p7
ok "... comes from the directory" has p7 newbie4
ok "... and says why" grep -q "enum-passwd: its length is not the file's" "$T/sesamed.log"
# shorter than a header
ldap_add_user newbie5 20005
truncate -s 10 "$SNAP"
ok "a snapshot shorter than its header: the pass" pass p8
ok "... comes from the directory" has p8 newbie5
# garbage, root's, mode 0600
ldap_add_user newbie6 20006
head -c 100000 /dev/urandom >"$SNAP"
ok "a snapshot of random bytes: the pass" pass p9
ok "... comes from the directory" has p9 newbie6
ok "... which says so" grep -q "enum-passwd: not a snapshot of this list" "$T/sesamed.log"
# another list's snapshot under this list's name
ldap_add_user newbie7 20007
getent group >/dev/null
cp "$GSNAP" "$SNAP"
ok "the group list's snapshot as the users': the pass" pass p10
ok "... comes from the directory" has p10 newbie7
# anybody's file
ldap_add_user newbie8 20008
pass p11
chmod 0644 "$SNAP"
ldap_add_user newbie9 20009
ok "a snapshot readable by others: the pass" pass p12
ok "... comes from the directory" has p12 newbie9
ok "... which says so" grep -q "enum-passwd: not a regular file of sesamed's own" "$T/sesamed.log"

# --- groups --------------------------------------------------------------------
getent group >"$T/g1"
ok "a pass of the groups leaves a snapshot" test -f "$GSNAP"
printf '%s\n' "dn: cn=newgrp,ou=groups,$SLAPD_BASE" "objectClass: posixGroup" "cn: newgrp" "gidNumber: 20100" \
        "memberUid: alice" | slapd_ldapmodify -a >/dev/null
getent group >"$T/g2"
check "the next pass is the snapshot's, exactly" "" "$(diff "$T/g1" "$T/g2" | head -3)"
check "... big with its 5000 members" "5000" "$(grep '^big:' "$T/g2" | cut -d: -f4 | tr ',' '\n' | wc -l)"
expire
ok "after cache_ttl the new group is listed" sh -c "getent group | grep -q '^newgrp:'"

# --- the directory cannot answer: an expired snapshot will do --------------------
pass p13
expire
slapd_pause "$SLAPD_DIR"
ok "the directory hung, the snapshot expired: a pass" pass p14
slapd_resume "$SLAPD_DIR"
diag "$(cat "$T/p14.err")"
check "... is the snapshot's list" "" "$(diff "$T/p13" "$T/p14" | head -3)"
ok "the directory answers again" wait_for 15 sh -c "getent passwd newbie9 >/dev/null"

# --- none kept ----------------------------------------------------------------------
sesamed_stop
ok_fail "a stopped sesamed leaves no snapshot" sh -c "ls /run/sesame | grep -q enum-"
CACHE_TTL=$TTL EXTRA_NSS="enum_cache_mb = 0" sesamed_config >"$T/none.conf"
sesamed_start "$T/none.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok "enum_cache_mb = 0: a pass" pass p15
ok_refused "... keeps no snapshot" sh -c "ls /run/sesame | grep -q enum-"
ldap_add_user newbie10 20010
ok "... the next pass" pass p16
ok "... comes from the directory" has p16 newbie10
sesamed_stop

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"
done_testing

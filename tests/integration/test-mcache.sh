#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The memory-mapped cache (doc/mcache.md) through the real glibc NSS path:
# a hot lookup makes no connection to nss.sock; an expired record, a
# flushed cache and a file that fails the checks go to the socket; the
# answers are those of the socket; threads and forked children reading
# while sesamed keeps rewriting the file, or replaces it, never get a
# wrong answer, and keep no replaced file mapped.
# Fixture: tests/lib/fixture.md.
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
MAP=/run/sesame/nss.map
PROBE=$BUILD_DIR/tests/integration/nss-probe

# connects CMD...: the unix sockets CMD (and its children) connect to
connects() {
        strace -f -qq -e trace=connect -o "$T/strace.out" "$@" >/dev/null 2>&1
        grep -o 'sun_path="[^"]*"' "$T/strace.out" | sort -u
}
# hot CMD...: succeeds when CMD connects to no nss.sock
hot() { ! connects "$@" | grep -q nss.sock; }
cold() { connects "$@" | grep -q nss.sock; }

# the answers this test compares, map or no map
answers() {
        getent passwd alice bob carol 10001 10002
        getent group engineers admins emptygrp 10010 10011 big
        id alice
        id carol
        id -G dave
}

EXTRA_NSS="cache_map = no" sesamed_config >"$T/nomap.conf"
sesamed_start "$T/nomap.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
ok_refused "cache_map = no: no file is published" test -e "$MAP"
answers >"$T/socket.out" 2>&1
answers >/dev/null 2>&1
ok "cache_map = no: every lookup asks sesamed" cold getent passwd alice

sesamed_config >"$T/sesame.conf"
sesamed_restart "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
# published once the sockets are there: just after nss.sock
ok "sesamed publishes $MAP" wait_for 5 test -f "$MAP"
check "the file is root's, readable by all, written by nobody else" "root 644 regular file" \
        "$(stat -c '%U %a %F' "$MAP")"
# the first round fills sesamed's cache and the map; the second is
# answered from the map
answers >/dev/null 2>&1
answers >"$T/map.out" 2>&1
ok "the map gives the socket's answers (getent passwd/group, id)" cmp "$T/socket.out" "$T/map.out"
check "... which are the fixture's" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" \
        "$(head -1 "$T/map.out")"
ok "hot getpwnam: no connection to nss.sock" hot getent passwd alice
ok "hot getpwuid: none" hot getent passwd 10001
ok "hot getgrnam and getgrgid: none" hot getent group engineers 10011
ok "hot group of 5000 members: none" hot getent group big
ok "hot id (getpwnam, initgroups, getgrgid): none" hot id alice
ok "a name never looked up goes to nss.sock" cold getent passwd member0042
ok "... and is hot after that" hot getent passwd member0042
ok "unknown names are not mapped: asked every time" cold getent passwd nosuchuser
ok "enumeration is not mapped" cold getent passwd
ok "in the same process a second lookup is hot too" sh -c \
        "strace -f -qq -e trace=connect -o '$T/st2' sh -c 'getent passwd alice; getent passwd alice' >/dev/null 2>&1 &&
         ! grep -q nss.sock '$T/st2'"

# a change is seen at once: sesamectl flush-cache empties the map too
printf '%s\n' "dn: uid=carol,ou=people,$SLAPD_BASE" "changetype: modify" "replace: loginShell" "loginShell: /bin/zsh" |
        slapd_ldapmodify >/dev/null
check "changed in LDAP: the cached answer is served until then" "/bin/bash" "$(getent passwd carol | cut -d: -f7)"
ok "sesamectl flush-cache" sesamectl_run flush-cache
check "after flush-cache the change shows at once" "/bin/zsh" "$(getent passwd carol | cut -d: -f7)"
ok "... and is hot again" hot getent passwd carol

# the reader trusts only root's file that nobody else can write
chmod 0664 "$MAP"
ok "a group-writable file is not used" cold getent passwd alice
chmod 0646 "$MAP"
ok "an other-writable file is not used" cold getent passwd alice
chmod 0644 "$MAP"
chown nobody "$MAP"
ok "a file not owned by root is not used" cold getent passwd alice
chown root "$MAP"
ok "root's again: used" hot getent passwd alice
cp "$MAP" "$T/saved.map"
mv "$MAP" "$T/moved.map"
ln -s "$T/moved.map" "$MAP"
ok "a symbolic link is not followed" cold getent passwd alice
rm "$MAP"
mv "$T/moved.map" "$MAP"
head -c 4096 /dev/urandom >"$T/junk.map"
install -m 0644 "$T/junk.map" "$MAP.junk" && mv "$MAP.junk" "$MAP"
check "a file of junk: the socket answers, right" "alice:*:10001:10000:Alice Example:/home/alice:/bin/bash" \
        "$(getent passwd alice)"
ok "... through nss.sock" cold getent passwd alice

# threads and forked children read while sesamed rewrites the file: every
# flush-cache empties it in place, every lookup after it refills it
sesamed_restart "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
wait_for 5 test -f "$MAP"
getent passwd bob >/dev/null
(
        end=$(($(date +%s) + 6))
        while [ "$(date +%s)" -lt "$end" ]; do
                sesamectl_run flush-cache >/dev/null 2>&1
                getent passwd bob carol alice >/dev/null
        done
) &
flusher=$!
ok "8 threads and forked children, 5 s against a file rewritten all along: no wrong answer" \
        "$PROBE" hammer bob 8 5
wait "$flusher"
diag "$(cat "$T/last.out")"

# the same while sesamed is reloaded again and again: each reload
# publishes a new file and gives the old one up, which every reader maps
# anew while the others still read the old one; the old ones are
# unmapped (nss-probe counts the mappings left)
(
        end=$(($(date +%s) + 6))
        while [ "$(date +%s)" -lt "$end" ]; do
                kill -HUP "$SESAMED_PID"
                sleep 0.2
                getent passwd bob carol >/dev/null
        done
) &
reloader=$!
ok "8 threads and forked children, 5 s against a file replaced all along: no wrong answer, none left mapped" \
        "$PROBE" hammer bob 8 5
wait "$reloader"
diag "$(cat "$T/last.out")"

# expiry: with cache_ttl = 2 a record older than that is not used
CACHE_TTL=2 sesamed_config >"$T/ttl.conf"
sesamed_restart "$T/ttl.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
wait_for 5 test -f "$MAP"
getent passwd alice >/dev/null
ok "cache_ttl = 2: hot at first" hot getent passwd alice
sleep 2.5
ok "... expired after 2 s: asked through nss.sock" cold getent passwd alice
ok "... which refreshes it" hot getent passwd alice

# a stopped sesamed takes its file away: nothing is answered from it
sesamed_stop
ok "sesamed stopped: the file is gone" _not test -e "$MAP"
ok "... and nothing answers" _not getent passwd alice

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Enumeration of a directory large enough to matter: the list is
# complete and exact (min_uid and local accounts still apply), its first
# entry comes long before its end (it is streamed page by page, not built
# first), sesamed's memory does not grow with the directory, and a stream
# cut in the middle (the directory hung, sesamed stopped or killed) ends
# the enumeration with an error that the caller can see, never a silently
# short list.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

SMALL=2000
LARGE=40000
SMALL_GROUPS=100
GROUPS_N=1800
PROBE=$BUILD_DIR/tests/integration/nss-probe
PAGE=500 # [ldap] page_size's default

gen=()
_slapd_have_ppolicy && gen+=(--ppolicy)
"$PYTHON3" "$HARNESS_LIB/gen-fixture.py" "${gen[@]}" >"$T/enum.ldif" &&
        "$PYTHON3" "$HARNESS_LIB/gen-enum.py" small "$SMALL" "$SMALL_GROUPS" >>"$T/enum.ldif" &&
        "$PYTHON3" "$HARNESS_LIB/gen-enum.py" large "$LARGE" "$GROUPS_N" --expect "$T/expect.passwd" \
                --expect-groups "$T/expect.group" >>"$T/enum.ldif" ||
        { echo "Bail out! the LDIF was not generated"; exit 1; }
slapd_start "$T/slapd" "$T/enum.ldif" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
B=$SLAPD_BASE

# config OU: users and groups under ou=OU only; no cache, so every
# enumeration below reads the directory
config() {
        CACHE_TTL=0 EXTRA_LDAP="user_base = ou=$1,$B
group_base = ou=$1,$B" sesamed_config >"$T/sesame.conf"
}
rss_kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
# enum_rss OU: sesamed started afresh for OU, one enumeration of users
# and of groups; prints how much its peak RSS grew (KiB) over what it
# was before the enumerations
enum_rss() {
        local before after
        config "$1"
        # AddressSanitizer keeps what is freed in quarantine (256 MiB), to
        # catch uses after free, and records where each allocation was
        # made: the RSS of a sanitizer build grows with all it ever
        # allocated (measured: some 450 KiB per list of 40000), not with
        # what it holds.  Off for these two runs, whose reports would
        # then lack allocation stacks; every other run keeps them.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0:malloc_context_size=0" \
                sesamed_start "$T/sesame.conf" && wait_for 10 sesamed_answers || return 1
        # a lookup first: connections, the TLS and LDAP libraries warmed
        getent passwd "${1:0:3}0000001" >/dev/null
        before=$(rss_kib "$SESAMED_PID" VmHWM)
        "$PROBE" enum passwd >/dev/null 2>>"$T/rss.err" || return 1
        "$PROBE" enum group >/dev/null 2>>"$T/rss.err" || return 1
        after=$(rss_kib "$SESAMED_PID" VmHWM)
        sesamed_stop
        echo $((after - before))
}

# --- the complete, exact list --------------------------------------------------
config large
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }
nss_order sesame
"$PROBE" enum passwd >"$T/passwd.out" 2>"$T/passwd.err"
check "getpwent: the enumeration ends complete" "0" "$?"
diag "$(cat "$T/passwd.err")"
sort "$T/passwd.out" >"$T/got.passwd"
sort "$T/expect.passwd" >"$T/want.passwd"
check "the $LARGE users, exactly (none below min_uid, no local name)" "" \
        "$(diff "$T/want.passwd" "$T/got.passwd" | head -5)"
"$PROBE" enum group >"$T/group.out" 2>"$T/group.err"
check "getgrent: the enumeration ends complete" "0" "$?"
diag "$(cat "$T/group.err")"
check "the $GROUPS_N groups, exactly, with their members" "" \
        "$(diff <(sort "$T/expect.group") <(sort "$T/group.out") | head -5)"
nss_order files sesame
check "getent passwd: local accounts, then the directory's" "$(($(wc -l </etc/passwd) + LARGE))" \
        "$(getent passwd | wc -l)"
ok "nothing but entries was logged about the enumeration" \
        sh -c "! grep -E 'UNAVAIL|refusing a partial' '$T/sesamed.log'"

# --- lists that break off ---------------------------------------------------------
# The probe writes into a FIFO nobody reads yet: it stops reading its
# stream after a few thousand entries, and sesamed stops on a full
# socket.  Then something breaks, and the FIFO is drained.
mkfifo "$T/fifo"
nss_order sesame
# stalled NAME: start the probe, stalled on the FIFO; PROBE_PID
stalled() {
        "$PROBE" enum passwd >"$T/fifo" 2>"$T/$1.err" &
        PROBE_PID=$!
        exec 3<"$T/fifo"
        sleep 1
}
# drained NAME: drain the FIFO, wait for the probe; its exit status in RC
drained() {
        cat <&3 >"$T/$1.out"
        exec 3<&-
        wait "$PROBE_PID"
        RC=$?
}

# the directory stops answering half-way (slapd SIGSTOPped): sesamed's
# next page times out (timeout = 4 s), and its END says so
LINE=$(wc -l <"$SLAPD_LOG")
stalled hung
ok "the enumeration is under way" kill -0 "$PROBE_PID"
# streamed, not built first: with its reader stalled, sesamed has asked
# the directory for the first few pages of the list only (a list built
# in memory first would have asked for all of them)
pages=$(tail -n +"$((LINE + 1))" "$SLAPD_LOG" | grep -c "SRCH base=\"ou=large,$B\"")
ok "streamed: the reader stalled, sesamed has read $pages of the list's $((LARGE / PAGE)) pages" \
        test "$pages" -ge 1 -a "$pages" -le $((LARGE / PAGE / 4))
slapd_pause "$SLAPD_DIR"
drained hung
slapd_resume "$SLAPD_DIR"
diag "$(cat "$T/hung.err")"
check "the directory hung mid-list: the enumeration ends with an error (exit 3)" "3" "$RC"
ok "... errno EIO, after part of the list ($(wc -l <"$T/hung.out") of $LARGE)" \
        sh -c "grep -q 'ended: Input/output error' '$T/hung.err' && [ \$(wc -l <'$T/hung.out') -lt $LARGE ]"
ok "the directory answers again" wait_for 15 sh -c "getent passwd lar0000007 >/dev/null"

# sesamed stops sending (SIGSTOP): each read waits about 10 s, not more
stalled stopped
kill -STOP "$SESAMED_PID"
t0=$(ms)
drained stopped
t1=$(ms)
kill -CONT "$SESAMED_PID"
diag "$(cat "$T/stopped.err")"
# (its page request timed out while it was stopped: the directory is
# taken for down, for reconnect_interval)
check "sesamed stopped mid-list: the enumeration ends with an error (exit 3)" "3" "$RC"
ok "... errno ETIMEDOUT, after waiting $((t1 - t0)) ms for the next entry" \
        sh -c "grep -q 'ended: Connection timed out' '$T/stopped.err' && [ $((t1 - t0)) -lt 20000 ]"
ok "sesamed lists the directory again" wait_for 15 sh -c "getent passwd lar0000008 >/dev/null"

# sesamed killed half-way
stalled cut
ok "the enumeration is still under way" kill -0 "$PROBE_PID"
kill -KILL "$SESAMED_PID"
wait "$SESAMED_PID" 2>/dev/null
SESAMED_PID=
# (what it leaves behind: the next sesamed_start must wait for its own)
rm -f /run/sesame/*.sock
drained cut
diag "$(cat "$T/cut.err")"
check "sesamed killed mid-stream: the enumeration ends with an error (exit 3)" "3" "$RC"
ok "... errno EIO, not the end of a list" grep -q "ended: Input/output error" "$T/cut.err"
n=$(wc -l <"$T/cut.out")
ok "... after part of the list ($n of $LARGE entries)" test "$n" -gt 0 -a "$n" -lt "$LARGE"
nss_order files sesame

# --- memory: independent of the directory's size -------------------------------
# The same enumerations over $SMALL and over $LARGE users (and
# $SMALL_GROUPS and $GROUPS_N groups, so that both runs allocate the same
# kinds of thing): what sesamed's peak RSS grows by must not depend on
# which.  (Built in memory, the larger list took 3.5 MiB more; streamed,
# 0.15 MiB.)
small=$(enum_rss small) || { echo "Bail out! enumeration of ou=small: $(tr '\n' ' ' <"$T/rss.err")"; exit 1; }
large=$(enum_rss large) || { echo "Bail out! enumeration of ou=large: $(tr '\n' ' ' <"$T/rss.err")"; exit 1; }
sed 's/^/# /' "$T/rss.err"
check "... each of the four enumerations was complete" "4" "$(grep -c 'ended: complete$' "$T/rss.err")"
diag "peak RSS growth: $small KiB for $SMALL users, $large KiB for $LARGE"
ok "sesamed's memory does not grow with the directory ($((large - small)) KiB more for $((LARGE / SMALL))x the users)" \
        test "$((large - small))" -lt 1536
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

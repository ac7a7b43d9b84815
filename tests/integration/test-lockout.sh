#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The lockout against a real slapd: however many logins guess at once, at
# most max_failures passwords reach the directory per window (slapd's own
# log counts the binds), a right password racing wrong ones does not lift
# the lock they set, and a failure that cannot be counted (the service DN
# may not write the counter: an access mistake) stops password checks
# instead of letting them run uncounted.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
P="ou=people,dc=example,dc=test"
MAXF=5
PARALLEL=40

# an access mistake on one entry: the service DN may read its failure
# state but not write it
cat >"$T/acl-first.conf" <<'ACL'
access to dn.exact="uid=readonly,ou=people,dc=example,dc=com"
        attrs=sesameFailureCount,sesameFailureTime,sesameLockedUntil
        by dn.exact="cn=sesame,ou=services,dc=example,dc=com" read
        by users read
        by * none
ACL
SLAPD_ACL_FIRST=$T/acl-first.conf SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null ||
        { echo "Bail out! slapd did not start"; exit 1; }
EXTRA_AUTH="max_failures = $MAXF
failure_window = 900
lockout_time = 600" sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

pam_service pw <<PAM
auth     required pam_sesame.so totp=off
PAM

pw() { fixture_pw "$1"; }
# binds_since LINE USER: binds as USER in slapd's log after line LINE
# (slapd logs a successful simple bind twice: method=, then mech=)
binds_since() { tail -n +"$(($1 + 1))" "$SLAPD_LOG" | grep -c "BIND dn=\"uid=$2,$P\" method="; }
# failed_binds_since LINE USER: those of them answered invalidCredentials
failed_binds_since() {
        tail -n +"$(($1 + 1))" "$SLAPD_LOG" | awk -v dn="BIND dn=\"uid=$2,$P\" method=" '
                index($0, dn) { for (i = 1; i <= NF; i++) if ($i ~ /^(conn|op)=/) k = k " " $i; want[k] = 1; k = "" }
                / RESULT tag=97 err=49 / { for (i = 1; i <= NF; i++) if ($i ~ /^(conn|op)=/) k = k " " $i;
                                           if (k in want) n++; k = "" }
                END { print n + 0 }'
}
# mods_since LINE USER: modify operations on USER's entry after line LINE
mods_since() { tail -n +"$(($1 + 1))" "$SLAPD_LOG" | grep -c "MOD dn=\"uid=$2,$P\""; }
# writes_since LINE USER: those of them that changed the entry (err=0)
writes_since() {
        tail -n +"$(($1 + 1))" "$SLAPD_LOG" | awk -v dn="MOD dn=\"uid=$2,$P\"" '
                index($0, dn) { for (i = 1; i <= NF; i++) if ($i ~ /^(conn|op)=/) k = k " " $i; want[k] = 1; k = "" }
                / RESULT tag=103 err=0 / { for (i = 1; i <= NF; i++) if ($i ~ /^(conn|op)=/) k = k " " $i;
                                           if (k in want) n++; k = "" }
                END { print n + 0 }'
}
attr() { ldap_root_attr "$@"; }
# race USER RIGHT: PARALLEL logins at once, all wrong but RIGHT of them
# (0 or 1: the first is the right password); the results in $T/race.N
race() {
        local u=$1 right=$2 i pass pids=()
        for i in $(seq 1 "$PARALLEL"); do
                pass="Wrong-$i-Passw0rd!"
                [ "$i" = 1 ] && [ "$right" = 1 ] && pass=$(pw "$u")
                pamtester_run "$pass" pw "$u" authenticate >"$T/race.$i" 2>&1 &
                pids+=($!)
        done
        wait "${pids[@]}"
}
# refused_all FROM: race.FROM .. race.PARALLEL all ended in a failure
refused_all() {
        local i
        for i in $(seq "$1" "$PARALLEL"); do
                grep -q "pamtester: $PAM_TEXT_AUTH_ERR" "$T/race.$i" || { cat "$T/race.$i"; return 1; }
        done
}

for u in racer:10301 racer2:10302 readonly:10303 racer3:10305; do
        ldap_add_user "${u%:*}" "${u#*:}" || { echo "Bail out! ldapadd of ${u%:*}"; exit 1; }
done

# --- many wrong passwords at once -----------------------------------------------
LINE=$(wc -l <"$SLAPD_LOG")
race racer 0
ok "$PARALLEL wrong passwords at once: every one refused" refused_all 1
n=$(binds_since "$LINE" racer)
diag "binds as racer at slapd: $n, $(failed_binds_since "$LINE" racer) of them wrong"
ok "... and at most max_failures ($MAXF) of them reached the directory" test "$n" -le "$MAXF"
ok "... at least one did (the count above could see a bind)" test "$n" -ge 1
ok "the account is locked (sesameLockedUntil in the future)" test "$(attr racer sesameLockedUntil)" -gt "$(date +%s)"
LINE=$(wc -l <"$SLAPD_LOG")
pam_expect "locked: the right password is refused" "$PAM_TEXT_AUTH_ERR" "$(pw racer)" pw racer authenticate
check "... without a bind" "0" "$(binds_since "$LINE" racer)"

# --- a right password racing wrong ones ----------------------------------------
LINE=$(wc -l <"$SLAPD_LOG")
race racer2 1
ok "the wrong ones were all refused" refused_all 2
n=$(binds_since "$LINE" racer2)
nf=$(failed_binds_since "$LINE" racer2)
diag "binds as racer2 at slapd: $n, $nf of them wrong; the right password: $(tail -n 1 "$T/race.1")"
# A success ends a window (its compare-and-swap resets the count when no
# other check was counted meanwhile): if the right password was checked
# after k < MAXF wrong ones and reset the count, MAXF more may follow in
# the next window.  So per window at most MAXF checks; in this race, with
# its one success, at most two windows: 2*MAXF - 1 wrong ones (seen
# under the worker pool: 4, the right one, then 5).
ok "at most max_failures ($MAXF) checks per window: at most $((2 * MAXF - 1)) wrong ones in two" \
        test "$nf" -le $((2 * MAXF - 1))
ok "... and besides them at most the right one" test "$n" -le $((2 * MAXF))
ok "... the right one was checked once at most" test $((n - nf)) -le 1
ok "... (the count of wrong ones could see one)" test "$nf" -ge 1
ok "the lock the wrong ones set stays, whatever the right one got" \
        test "$(attr racer2 sesameLockedUntil)" -gt "$(date +%s)"
ok "... and so does their count" test "$(attr racer2 sesameFailureCount)" -ge "$MAXF"

# --- the same, once this host knows it may write the account's count -----------------
# (attempts.h: a right password in a clean window is checked uncounted,
# one per account and host; every other check waits for it and is
# counted first, so the bound is the same)
LINE=$(wc -l <"$SLAPD_LOG")
pam_expect "racer3: a right password" ok "$(pw racer3)" pw racer3 authenticate
check "... sesamed asked whether it may write the count: one modify" "1" "$(mods_since "$LINE" racer3)"
check "... which changed nothing" "0" "$(writes_since "$LINE" racer3)"
LINE=$(wc -l <"$SLAPD_LOG")
pam_expect "racer3: a right password again" ok "$(pw racer3)" pw racer3 authenticate
check "... cost the directory no write (a clean window: nothing to count, nothing to reset)" "0" \
        "$(mods_since "$LINE" racer3)"
LINE=$(wc -l <"$SLAPD_LOG")
race racer3 0
ok "$PARALLEL wrong passwords at once: every one refused" refused_all 1
n=$(binds_since "$LINE" racer3)
diag "binds as racer3 at slapd: $n"
ok "... and at most max_failures ($MAXF) of them reached the directory" test "$n" -le "$MAXF"
ok "... at least one did" test "$n" -ge 1
ok "the account is locked" test "$(attr racer3 sesameLockedUntil)" -gt "$(date +%s)"
ok "... and its count holds every check made" test "$(attr racer3 sesameFailureCount)" -ge "$n"
ok "... (written: $(writes_since "$LINE" racer3) modifies that changed the entry)" \
        test "$(writes_since "$LINE" racer3)" -ge 1

# --- a failure that cannot be counted --------------------------------------------
LINE=$(wc -l <"$SLAPD_LOG")
for i in $(seq 1 $((3 * MAXF))); do
        pamtester_run "Wrong-$i-Passw0rd!" pw readonly authenticate >"$T/ro.out" 2>&1
done
pam_expect "counter not writable: after $((3 * MAXF)) guesses the right password is not accepted" \
        "$PAM_TEXT_AUTHINFO_UNAVAIL" "$(pw readonly)" pw readonly authenticate
check "... no password of them reached the directory" "0" "$(binds_since "$LINE" readonly)"
ok "... the log says why" grep -q "user readonly: the attempt cannot be counted" "$T/sesamed.log"
OUT=$(timeout 30 "$SESAMECTL" check-access readonly 2>&1)
rc=$?
diag "sesamectl check-access readonly: $OUT"
check "sesamectl check-access readonly fails" "1" "$rc"
ok "... naming what the service DN may not write" \
        grep -q "not writable: sesameFailureCount, sesameFailureTime, sesameLockedUntil\$" <<<"$OUT"
ok "sesamectl check-access racer: readable and writable" sesamectl_run check-access racer
check "... and the probe changed nothing" "$(attr racer sesameFailureCount)" "$(attr racer sesameFailureCount)"

# --- a lock written by a clock 30 years ahead ---------------------------------------
ldap_add_user farlock 10304 || { echo "Bail out! ldapadd of farlock"; exit 1; }
printf '%s\n' "dn: uid=farlock,$P" "changetype: modify" "replace: sesameLockedUntil" \
        "sesameLockedUntil: $(($(date +%s) + 30 * 365 * 86400 + 600))" | slapd_ldapmodify >/dev/null ||
        { echo "Bail out! ldapmodify of farlock"; exit 1; }
ok "sesamectl user show flags a lock 30 years ahead" \
        sh -c "timeout 30 '$SESAMECTL' user show farlock | grep -q '^clock ahead: *yes'"
ok "... and does not call the account locked" \
        sh -c "timeout 30 '$SESAMECTL' user show farlock | grep -q '^locked: *no'"
pam_expect "such a lock is no lock: the right password logs in" ok "$(pw farlock)" pw farlock authenticate
check "... and the login removed it" "" "$(attr farlock sesameLockedUntil)"

ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

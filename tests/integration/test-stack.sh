#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Whole PAM stacks, as distributions and administrators write them, run
# through real Linux-PAM (pamtester) with the built pam_sesame.so:
#
#   faillock  pam_faillock preauth, then "sufficient pam_sesame", then
#             pam_faillock authfail and pam_deny (pam_faillock(8))
#   required  pam_sesame "required" in every phase
#   die       "[success=done default=die] pam_sesame", then pam_permit
#   debian    Debian's common-auth, -account, -password and -session as
#             the real pam-auth-update writes them from
#             conf/pam-configs/sesame (with Debian's own "unix" profile),
#             included as Debian's /etc/pam.d/other does
#
# Against a stand-in for sesamed (tests/lib/fakesesamed.py) that answers
# pam.sock wrongly -- an internal error, frames of protocol version 2, a
# frame the request is not answered with, one frame too many, half a frame
# then silence, silence, a closed connection, or the right answer from a
# process that is not root -- the stack never succeeds for the directory
# user, in the auth, account and password phases (and in the session
# phase wherever pam_sesame is not "optional"), and every call ends within
# pam_sesame's timeout.  Lookups on nss.sock meanwhile get a correct
# answer from root, with "*" as the password field (as SSSD serves it:
# pam_unix's account phase then passes the user on), so that pam_unix and
# pam_faillock know the user and the verdict is pam_sesame's.
#
# The controls: the same forger as root answering "yes" is believed by
# every stack (so each refusal is the bad answer's doing), and the same
# stacks against the real sesamed and a private slapd let the right
# password and oathtool's code in and keep a wrong code out.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$PAM_SESAME" "$SESAMECTL" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
for prog in pamtester pam-auth-update oathtool; do
        command -v "$prog" >/dev/null || { echo "1..0 # SKIP $prog is not installed"; exit 77; }
done
pw() { printf '%s-Passw0rd!' "${1^}"; } # fixture password of a user

# --- the stacks --------------------------------------------------------------
# (timeout=2: a silent stand-in costs 2 s per call, not the default 10 s;
# the Debian files keep the profile's lines as they are)
mkdir -m 0700 "$T/faillock"
pam_service faillock <<EOF
auth     required       pam_faillock.so preauth dir=$T/faillock
auth     sufficient     pam_sesame.so timeout=2
auth     [default=die]  pam_faillock.so authfail dir=$T/faillock
auth     required       pam_deny.so
account  required       pam_faillock.so dir=$T/faillock
account  required       pam_sesame.so timeout=2
password required       pam_sesame.so timeout=2
session  required       pam_sesame.so timeout=2
EOF
pam_service required <<EOF
auth     required pam_sesame.so timeout=2
account  required pam_sesame.so timeout=2
password required pam_sesame.so timeout=2
session  required pam_sesame.so timeout=2
EOF
pam_service die <<EOF
auth     [success=done default=die] pam_sesame.so timeout=2
auth     required                   pam_permit.so
account  [success=done default=die] pam_sesame.so timeout=2
account  required                   pam_permit.so
password [success=done default=die] pam_sesame.so timeout=2
password required                   pam_permit.so
session  [success=done default=die] pam_sesame.so timeout=2
session  required                   pam_permit.so
EOF

# Debian's common-* files, written by the real pam-auth-update into a
# private root: first as libpam-runtime's postinst does on a fresh system
# (--package --force, Debian's "unix" profile alone), then as a module
# package's postinst does once its profile is installed (--package).
# pam-auth-update keeps its choices in debconf: a private copy of the
# database, so the host's is neither read for them nor written.
debian_common() {
        local root=$T/pam-root
        mkdir -p "$root/usr/share/pam-configs" "$root/etc/pam.d" "$root/var/lib/pam" "$T/debconf"
        cp /usr/share/pam-configs/unix "$root/usr/share/pam-configs/"
        cp -a /var/cache/debconf/. "$T/debconf/"
        mount --bind "$T/debconf" /var/cache/debconf || return 1
        DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$root" --package --force </dev/null || return 1
        cp "$(dirname "$0")/../../conf/pam-configs/sesame" "$root/usr/share/pam-configs/"
        DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$root" --package </dev/null || return 1
        local f
        for f in common-auth common-account common-password common-session; do
                [ -s "$root/etc/pam.d/$f" ] || return 1
                pam_service "$f" <"$root/etc/pam.d/$f" || return 1
        done
}
ok "pam-auth-update writes Debian's common-* with the sesame profile" debian_common
ok "... common-auth: pam_unix, then pam_sesame use_first_pass" \
        grep -qE "^auth[[:space:]]+\[success=1 default=ignore\][[:space:]]+$PAM_SESAME use_first_pass" \
        "$T/pam.d/common-auth"
ok "... common-account: pam_sesame after pam_permit, as the profile says" \
        grep -qE "^account[[:space:]]+\[success=ok new_authtok_reqd=done ignore=ignore user_unknown=ignore authinfo_unavail=ignore default=bad\][[:space:]]+$PAM_SESAME" \
        "$T/pam.d/common-account"
# Debian's /etc/pam.d/other, under another name
pam_service debian <<EOF
@include common-auth
@include common-account
@include common-password
@include common-session
EOF

# --- the stand-in ------------------------------------------------------------
# fake_start MODE [UID]: fakesesamed.py answering pam.sock and admin.sock
# in MODE, listening on them as UID (default 0); nss.sock always as root.
# FAKE_SOCKETS: the sockets (default: nss.sock pam.sock admin.sock).
fake_start() {
        local i sock
        local -a socks=()
        rm -f /run/sesame/*.sock "$T/fake.out"
        : >"$T/fake.log"
        for sock in ${FAKE_SOCKETS:-nss.sock pam.sock admin.sock}; do
                socks+=("/run/sesame/$sock")
        done
        "$PYTHON3" "$HARNESS_LIB/fakesesamed.py" --uid "${2:-0}" --root-nss --mode "$1" --passwd-field '*' \
                --log "$T/fake.log" --lifetime 500 "${socks[@]}" >"$T/fake.out" 2>&1 &
        FAKE_PID=$!
        for i in $(seq 1 100); do
                grep -qx ready "$T/fake.out" 2>/dev/null && return 0
                kill -0 "$FAKE_PID" 2>/dev/null || break
                sleep 0.05
        done
        echo "Bail out! fakesesamed.py did not start: $(cat "$T/fake.out")"
        exit 1
}
fake_stop() {
        [ -n "${FAKE_PID:-}" ] || return 0
        kill -TERM "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=
        rm -f /run/sesame/*.sock
}
trap 'fake_stop; harness_cleanup' EXIT
# pam_conns: connections pam.sock has had (with or without a request)
pam_conns() { grep -cE '^pam\.sock (request|nothing)' "$T/fake.log"; }
# pam_conns_above N: more than N of them (counted anew at every try of
# wait_for: "test $(pam_conns)" would count once)
pam_conns_above() { [ "$(pam_conns)" -gt "$1" ]; }

# stack_run EXPECT BOUND_MS ANSWERS SERVICE USER OPERATION...: pamtester
# (pamtester_run) as one TAP line.  EXPECT "ok": it succeeds; "refused":
# it fails (exit status 1, a PAM error as its last line), pam_sesame
# having asked the stand-in at least once (STACK_ASKED=no: not checked,
# for the real sesamed).  Either way within BOUND_MS and without a
# sanitizer report.  STACK_NOTE=TEXT: added to the description.
# STACK_TODO=REASON: a known defect, a TAP TODO line.
stack_run() {
        local want=$1 bound=$2 answers=$3 desc="${*:4}${STACK_NOTE:+ ($STACK_NOTE)}" before=0 t0 t1 rc why=""
        local todo=${STACK_TODO:+ # TODO $STACK_TODO}
        shift 3
        [ "${STACK_ASKED:-yes}" = yes ] && before=$(pam_conns)
        t0=$(ms)
        PAM_OUT=$(pamtester_run "$answers" "$@")
        rc=$?
        t1=$(ms)
        printf '%s\n' "$PAM_OUT" >"$T/pam.out"
        _tap_n=$((_tap_n + 1))
        if [ "$want" = ok ]; then
                [ "$rc" = 0 ] || why="exit status $rc, want 0"
        else
                [ "$rc" = 1 ] || why="exit status $rc, want 1"
                [[ $(tail -n 1 <<<"$PAM_OUT") == *"pamtester: "* ]] || why="$why; no PAM error at the end"
                [[ $(tail -n 1 <<<"$PAM_OUT") == *successfully* ]] && why="$why; it succeeded"
                # the connection is logged once the stand-in has read it
                [ "${STACK_ASKED:-yes}" = yes ] && ! wait_for 2 pam_conns_above "$before" &&
                        why="$why; pam_sesame never asked the stand-in"
        fi
        [ $((t1 - t0)) -le "$bound" ] || why="$why; took $((t1 - t0)) ms, bound $bound ms"
        grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' "$T/pam.out" && why="$why; sanitizer report"
        if [ -z "$why" ]; then
                echo "ok $_tap_n - $want: $desc$todo"
                return 0
        fi
        echo "not ok $_tap_n - $want: $desc$todo"
        [ -n "$todo" ] || _tap_failed=$((_tap_failed + 1))
        echo "#   ${why#; }"
        sed 's/^/#     /' "$T/pam.out" | tail -n 12
        return 1
}

# the answers pamtester gives: the password and a code (auth); the
# current password and the new one twice, with a spare line for a prompt
# of pam_unix (chauthtok)
AUTH_IN="$(pw alice)"$'\n'"123456"
CHPW_IN="$(pw alice)"$'\n'"New-Passw0rd-1!"$'\n'"New-Passw0rd-1!"$'\n'"New-Passw0rd-1!"

# stacks_refuse MODE [UID]: under a stand-in in MODE, alice gets in
# through no stack, in no phase.  Bounds: pam_sesame's timeout (2 s, or
# the Debian default of 10 s) per request, plus slack for a loaded machine.
# DEBIAN_STACKS=no: not Debian's stacks, whose pam_sesame waits the
# default 10 s per call for a stand-in that never answers.
stacks_refuse() {
        local mode=$1 s
        fake_start "$@"
        for s in faillock required die; do
                stack_run refused 6000 "$AUTH_IN" "$s" alice authenticate
                stack_run refused 6000 "" "$s" alice acct_mgmt
                stack_run refused 6000 "$CHPW_IN" "$s" alice chauthtok
                stack_run refused 6000 "" "$s" alice open_session
                stack_run refused 6000 "" "$s" alice close_session
        done
        if [ "${DEBIAN_STACKS:-yes}" = no ]; then
                fake_stop
                return
        fi
        stack_run refused 15000 "$AUTH_IN" debian alice authenticate
        stack_run refused 15000 "" debian alice acct_mgmt
        stack_run refused 15000 "$CHPW_IN" debian alice chauthtok
        # pam_sesame is "optional" in common-session: the session opens
        # whatever sesamed says (it only records the login), in time
        stack_run ok 15000 "" debian alice open_session
        fake_stop
}

# --- control: a forger that is root and says yes is believed ------------------
fake_start ok
for s in faillock required die; do
        stack_run ok 6000 "$AUTH_IN" "$s" alice authenticate acct_mgmt open_session close_session
        stack_run ok 6000 "$CHPW_IN" "$s" alice chauthtok
done
stack_run ok 15000 "$AUTH_IN" debian alice authenticate acct_mgmt open_session close_session
stack_run ok 15000 "$CHPW_IN" debian alice chauthtok
ok "control: pam_sesame asked the forger (auth, account, session, password)" \
        grep -q '^pam\.sock request 0x0200$' "$T/fake.log"
fake_stop

# --- answers no stack may take -------------------------------------------------
for mode in internal malformed wrong-opcode extra-frames silent close; do
        diag "stand-in mode: $mode"
        stacks_refuse "$mode"
done
# a frame begun and never finished ends in the same wait as silence:
# Debian's stacks, which wait 10 s a call, are shown that once (silent)
diag "stand-in mode: half"
DEBIAN_STACKS=no stacks_refuse half
diag "stand-in: the right answer, from a process that is not root"
stacks_refuse ok 65534

# --- no pam.sock, while lookups of the user still succeed ---------------------
# Something else may still resolve a directory account without sesamed
# (nscd's cache; here the stand-in's nss.sock).  pam_sesame's account phase
# leaves only an account in /etc/passwd to the other modules (PAM_AUTHINFO_
# UNAVAIL, which the profile ignores); any other it refuses, or a stopped
# sesamed would let it through common-account: with an SSH key, a login
# nobody checked.
diag "stand-in: nss.sock only, no pam.sock"
FAKE_SOCKETS=nss.sock fake_start ok
check "alice resolves, with no pam.sock" "alice:*:4242:4242:Forged:/forged:/bin/sh yes" \
        "$(getent passwd alice) $(test -e /run/sesame/pam.sock || echo yes)"
export STACK_ASKED=no
for s in faillock required die; do
        stack_run refused 6000 "$AUTH_IN" "$s" alice authenticate
        stack_run refused 6000 "" "$s" alice acct_mgmt
        stack_run refused 6000 "$CHPW_IN" "$s" alice chauthtok
        stack_run refused 6000 "" "$s" alice open_session
done
stack_run refused 6000 "$AUTH_IN" debian alice authenticate
stack_run refused 6000 "" debian alice acct_mgmt
stack_run refused 6000 "$CHPW_IN" debian alice chauthtok
fake_stop

# --- the real sesamed and slapd: the right person gets in -----------------------
SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

# enrol USER: a TOTP seed activated with oathtool's code of the step
# before now (so that the code of this step is fresh); its base32 secret
# in SECRET
enrol() {
        SECRET=$(sesamectl_run --json totp enroll "$1" --no-activate 2>"$T/enroll.err" |
                "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
        [ -n "$SECRET" ] || return 1
        totp_wait_safe 15
        sesamectl_run totp activate "$1" <<<"$(totp_code "$SECRET" -1)" >/dev/null
}
# wrong CODE: a 6-digit string that is no code of the window around now
wrong() {
        local c
        c=$(printf '%06d' $(((10#$(totp_code "$1") + 500000) % 1000000)))
        while [ "$c" = "$(totp_code "$1" -1)" ] || [ "$c" = "$(totp_code "$1" 1)" ]; do
                c=$(printf '%06d' $(((10#$c + 1) % 1000000)))
        done
        echo "$c"
}

# stack USER: faillock bob, required dave, die totpuser
for pair in faillock:bob required:dave die:totpuser; do
        s=${pair%:*} u=${pair#*:}
        ok "real: $u enrolled for TOTP" enrol "$u"
        STACK_NOTE="real sesamed, a wrong code" \
                stack_run refused 15000 "$(pw "$u")"$'\n'"$(wrong "$SECRET")" "$s" "$u" authenticate
        STACK_NOTE="real sesamed, a wrong password" \
                stack_run refused 15000 "Not-$(pw "$u")"$'\n'"$(totp_code "$SECRET")" "$s" "$u" authenticate
        STACK_NOTE="real sesamed, the password and oathtool's code" \
                stack_run ok 15000 "$(pw "$u")"$'\n'"$(totp_code "$SECRET")" "$s" "$u" authenticate acct_mgmt \
                open_session close_session
done
ok "real: alice enrolled for TOTP" enrol alice
STACK_NOTE="real sesamed, a wrong code" \
        stack_run refused 30000 "$(pw alice)"$'\n'"$(wrong "$SECRET")" debian alice authenticate
STACK_NOTE="real sesamed, the password and oathtool's code" \
        stack_run ok 30000 "$(pw alice)"$'\n'"$(totp_code "$SECRET")" debian alice authenticate
# pam_unix comes first in common-account: a password field of "*" and no
# shadow entry is fine for it, so pam_sesame decides
STACK_NOTE="real sesamed" stack_run ok 30000 "" debian alice acct_mgmt
STACK_NOTE="real sesamed" stack_run ok 30000 "" debian alice open_session close_session
STACK_NOTE="real sesamed, the password changed" \
        stack_run ok 30000 "$(pw pwchange)"$'\n'"New-Passw0rd-1!"$'\n'"New-Passw0rd-1!"$'\n'"New-Passw0rd-1!" \
        debian pwchange chauthtok
ok "real: the new password is the directory's" ldapwhoami -x -H "$SLAPD_URI" \
        -D "uid=pwchange,ou=people,$SLAPD_BASE" -w "New-Passw0rd-1!"

done_testing

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sesamectl, the administration tool, against the built sesamed and a real
# slapd in a private mount namespace: user show (text and JSON), TOTP
# enrol/activate/disable (codes from oathtool), recovery codes, unlock,
# check, and its exit statuses (1: sesamed said no, 2: usage, 3: sesamed
# unreachable).  Fixture: tests/lib/fixture.md (account ctluser).
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
harness_init "$@"

for f in "$SESAMECTL" "$SESAMED"; do
        [ -e "$f" ] || { echo "Bail out! $f is not built"; exit 1; }
done
P="ou=people,dc=example,dc=test"
U=ctluser

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" -d || { echo "Bail out! sesamed did not start"; exit 1; }

ctl() { sesamectl_run -c "$T/sesame.conf" "$@"; }
# json EXPR COMMAND...: run COMMAND (sesamectl --json ...), print the
# Python expression EXPR evaluated with j = the parsed object
json() {
        local expr=$1
        shift
        "$@" 2>/dev/null | "$PYTHON3" -c "import json, sys; j = json.load(sys.stdin); print($expr)"
}
show() { json "$1" ctl --json user show "${2:-$U}"; }
ldap_set() {
        local u=$1
        shift
        printf '%s\n' "dn: uid=$u,$P" "changetype: modify" "$@" | slapd_ldapmodify >/dev/null
}
ldap_attr() { slapd_ldapsearch "(uid=$1)" "$2" | sed -n "s/^$2: //p"; }
# field NAME: the value of a "name: value" line of the last user show
field() { sed -n "s/^$1: *//p" "$T/show.txt"; }

# --- user show ------------------------------------------------------------
ok "user show $U" sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' user show $U >'$T/show.txt'"
check "text: name" "$U" "$(field name)"
check "text: uid" "10117" "$(field uid)"
check "text: mail" "$U@example.test" "$(field mail)"
check "text: confirmed" "yes" "$(field confirmed)"
check "text: locked" "no" "$(field locked)"
check "text: disabled" "no" "$(field disabled)"
check "text: totp" "no" "$(field totp)"
check "text: values start in column 17" "name:           $U" "$(grep '^name:' "$T/show.txt")"
check "--json: one object that parses, status ok" "ok $U 10117 True False False" \
        "$(show 'j["status"], j["name"], j["uid"], j["confirmed"], j["locked"], j["totp_enrolled"]')"
check "--json: alice's roles (the primary group too)" "['admins', 'engineers', 'ldapusers']" "$(show 'sorted(j["roles"])' alice)"
check "user show by email address" "mailuser" "$(show 'j["name"]' m.user@example.test)"
check "user show disabled / expired / unconfirmed" "True True False" \
        "$(show 'j["disabled"]' disabled) $(show 'j["expired"]' expired) $(show 'j["confirmed"]' unconfirmed)"
check "carol (no sesameAccount class) is shown too" "carol False" "$(show 'j["name"], j["confirmed"]' carol)"

# --- TOTP -----------------------------------------------------------------
ctl --json totp enroll "$U" --no-activate >"$T/enroll.json" 2>"$T/enroll.err"
check "totp enroll --json --no-activate: exit status 0" 0 "$?"
SECRET=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/enroll.json" 2>/dev/null)
ok "... gives a base32 secret of a 160-bit sha1 seed" sh -c "echo '$SECRET' | grep -Eqx '[A-Z2-7]{32}'"
ok "... and an otpauth:// URI with it" "$PYTHON3" - "$T/enroll.json" <<'EOF'
import json, sys, urllib.parse
j = json.load(open(sys.argv[1]))
u = urllib.parse.urlparse(j["uri"])
q = urllib.parse.parse_qs(u.query)
assert u.scheme == "otpauth" and u.netloc == "totp", u
assert q["secret"] == [j["secret"]], q
assert q.get("issuer") == ["Sesame"], q
assert "ctluser" in urllib.parse.unquote(u.path), u.path
EOF
ok "the seed is not stored in clear in the directory" \
        sh -c "timeout 10 ldapsearch -x -LLL -o ldif-wrap=no -H '$SLAPD_URI' -D '$SLAPD_ADMIN_DN' \
                -w '$SLAPD_ADMIN_PW' -b 'uid=$U,$P' -s base >'$T/entry.ldif' &&
                grep -q '^sesameTotpPending: v1' '$T/entry.ldif' && ! grep -qi '$SECRET' '$T/entry.ldif'"
check "pending, not active" "False True" "$(show 'j["totp_enrolled"], j["totp_pending"]')"
rc_is_json() { # rc_is_json RC STATUS COMMAND...: exit status and JSON status
        local out rc st
        out=$("${@:3}" 2>/dev/null)
        rc=$?
        st=$("$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["status"])' <<<"$out")
        if [ "$rc" != "$1" ] || [ "$st" != "$2" ]; then
                echo "exit $rc status $st, want $1 $2: $out"
                return 1
        fi
}
code=$(totp_code "$SECRET")
wrong=$(printf '%06d' $(((10#$code + 500000) % 1000000)))
ok "activate with a wrong code: exit 1, status auth_failed" rc_is_json 1 auth_failed ctl --json totp activate "$U" <<<"$wrong"
check "... the seed stays pending" "False True" "$(show 'j["totp_enrolled"], j["totp_pending"]')"
# the code comes on standard input, never in argv where ps would show it
ok "the code in argv: usage error (exit 2), saying where the code goes" \
        sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' totp activate $U $code </dev/null 2>&1 >/dev/null; [ \$? = 2 ]"
ok "... stderr names standard input" sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' totp activate $U $code \
        </dev/null 2>&1 | grep -q 'standard input'"
ok "no code on standard input: usage error (exit 2), no request" \
        sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' totp activate $U </dev/null 2>'$T/nocode.err'; [ \$? = 2 ] &&
                grep -q 'no code entered' '$T/nocode.err'"
check "... the seed is still pending" "False True" "$(show 'j["totp_enrolled"], j["totp_pending"]')"
totp_wait_safe
check "activate with oathtool's code on standard input" "$U: TOTP activated" \
        "$(ctl totp activate "$U" <<<"$(totp_code "$SECRET")")"
check "active: sha1, 6 digits" "True False sha1 6" \
        "$(show 'j["totp_enrolled"], j["totp_pending"], j["totp_algorithm"], j["totp_digits"]')"
ctl user show "$U" >"$T/show.txt"
check "text: totp" "yes (sha1, 6 digits)" "$(field totp)"
ok "enrol again with --algorithm sha512 --digits 8" \
        sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' --json totp enroll $U --algorithm sha512 --digits 8 \
                --no-activate >'$T/enroll2.json'"
SECRET2=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/enroll2.json" 2>/dev/null)
ok "... URI says SHA512 and 8 digits" sh -c "grep -q 'algorithm=SHA512' '$T/enroll2.json' && grep -q 'digits=8' '$T/enroll2.json'"
check "... the old seed stays active while the new one is pending" "True True" \
        "$(show 'j["totp_enrolled"], j["totp_pending"]')"
totp_wait_safe
code=$(totp_code "$SECRET2" 0 sha512 8)
ok "activate the sha512 seed with oathtool --totp=sha512 -d 8, typed as '1234 5678'" \
        ctl totp activate "$U" <<<"${code:0:4} ${code:4}"
check "active: sha512, 8 digits" "True False sha512 8" \
        "$(show 'j["totp_enrolled"], j["totp_pending"], j["totp_algorithm"], j["totp_digits"]')"
check "totp disable" "$U: TOTP disabled" "$(ctl totp disable "$U")"
check "... no seed left" "False False" "$(show 'j["totp_enrolled"], j["totp_pending"]')"
ok "... nor in the directory" test -z "$(ldap_attr "$U" sesameTotpSecret)$(ldap_attr "$U" sesameTotpPending)"

# --- recovery codes -----------------------------------------------------------
ctl recovery-codes "$U" >"$T/codes.txt"
check "recovery-codes: exit status 0" 0 "$?"
mapfile -t RC < <(grep -E '^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$' "$T/codes.txt")
check "10 codes, one per line" 10 "${#RC[@]}"
check "all different" 10 "$(printf '%s\n' "${RC[@]}" | sort -u | wc -l)"
check "user show: 10 left" 10 "$(show 'j["recovery_codes_left"]')"
check "the directory keeps 10 hashes, not the codes" "10 0" \
        "$(ldap_attr "$U" sesameRecoveryCode | wc -l) $(ldap_attr "$U" sesameRecoveryCode | grep -cF -e "${RC[0]}" -e "${RC[0]//-/}")"
ctl --json recovery-codes "$U" >"$T/codes.json"
check "--json: 10 new codes, none of the old ones" "10 0" "$("$PYTHON3" -c '
import json, sys
c = json.load(open(sys.argv[1]))["codes"]
print(len(set(c)), len(set(c) & set(sys.argv[2:])))' "$T/codes.json" "${RC[@]}")"

# --- unlock -------------------------------------------------------------------
ldap_set "$U" "replace: sesameLockedUntil" "sesameLockedUntil: $(($(date +%s) + 600))"
check "a lock in the directory shows" "True" "$(show 'j["locked"]')"
ctl user show "$U" >"$T/show.txt"
ok "text: locked: yes, until ..." sh -c "grep -q '^locked: *yes, until ' '$T/show.txt'"
check "unlock" "$U: unlocked" "$(ctl unlock "$U")"
check "... not locked any more" "False" "$(show 'j["locked"]')"
ok "... and not in the directory" sh -c "v=\$(timeout 10 ldapsearch -x -LLL -H '$SLAPD_URI' -D '$SLAPD_BIND_DN' \
        -w '$SLAPD_BIND_PW' -b 'uid=$U,$P' -s base sesameLockedUntil | sed -n 's/^sesameLockedUntil: //p');
        [ -z \"\$v\" ] || [ \"\$v\" -le \$(date +%s) ]"

# --- check --------------------------------------------------------------------
ok "check: all ok, exit 0" sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' check >'$T/check.txt'"
ok "... three ok lines" sh -c "grep -q '^configuration: ok' '$T/check.txt' && grep -q '^key file: ok' '$T/check.txt' \
        && grep -q '^sesamed: ok' '$T/check.txt'"
chmod 0644 "$TOTP_KEY"
ok "check with a key file of mode 0644: exit status 1" rc_is 1 ctl check
ok "... key file: FAILED" sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' check | grep -q '^key file: FAILED'"
check "... --json status failed" "failed False" "$(json 'j["status"], j["key_file"]["ok"]' ctl --json check | tr -d "(),'")"
chmod 0600 "$TOTP_KEY"
ok "mode 0600 again: check passes" ctl check

# One rule for the key file, whoever reads it: run as the same user,
# sesamectl check and sesamed --check accept and refuse the same files.
# A user can own its configuration and key (the rule is "root or the
# running user"); admin.sock is root's, so this user's check cannot reach
# sesamed and exits 3 when its local checks pass, 1 when one fails.
mkdir -m 0700 "$T/own"
printf '[ldap]\nuri = %s\nbase = %s\n[totp]\nkey_file = %s\n' \
        "$SLAPD_URI" "$SLAPD_BASE" "$T/own/totp.key" >"$T/own/sesame.conf"
cp "$TOTP_KEY" "$T/own/totp.key"
# "+": numeric ids, not looked up (through the module under test)
chown -R +10117:+10000 "$T/own" || { echo "Bail out! cannot chown $T/own"; exit 1; }
as_ctluser() { timeout 30 setpriv --reuid=10117 --regid=10000 --clear-groups "$@"; }
# key_verdicts: "sesamed=ok|warned|exitN sesamectl=EXIT ok|FAILED:" for the
# files in $T/own (sesamed --check warns about a bad key and goes on)
key_verdicts() {
        local d s
        as_ctluser "$SESAMED" --check -c "$T/own/sesame.conf" >/dev/null 2>"$T/own.err"
        d=$?
        if [ "$d" != 0 ]; then
                d=exit$d
        elif grep -q 'TOTP key' "$T/own.err"; then
                d=warned
        else
                d=ok
        fi
        as_ctluser "$SESAMECTL" -c "$T/own/sesame.conf" check >"$T/own.check" 2>&1
        s=$?
        echo "sesamed=$d sesamectl=$s $(grep '^key file:' "$T/own.check" | cut -d' ' -f3)"
}
check "a key owned by the running user: both accept it" "sesamed=ok sesamectl=3 ok" "$(key_verdicts)"
chmod 0640 "$T/own/totp.key"
check "... readable by its group: both refuse it" "sesamed=warned sesamectl=1 FAILED:" "$(key_verdicts)"
chmod 0600 "$T/own/totp.key"
head -c 33 /dev/urandom >>"$T/own/totp.key"
check "... 65 bytes: both refuse it" "sesamed=warned sesamectl=1 FAILED:" "$(key_verdicts)"

# --- exit statuses ------------------------------------------------------------
ok "unknown user: exit status 1" rc_is_json 1 not_found ctl --json user show nosuchuser
ok "... 'no such user' on stderr" sh -c "timeout 30 '$SESAMECTL' -c '$T/sesame.conf' user show nosuchuser 2>&1 >/dev/null \
        | grep -q 'no such user'"
ok "unknown user: unlock exits 1 too" rc_is 1 ctl unlock nosuchuser
ok "unknown user: totp enroll exits 1 too" rc_is 1 ctl --json totp enroll nosuchuser --no-activate
ok "unknown command: exit status 2" rc_is 2 ctl frobnicate
ok "missing argument: exit status 2" rc_is 2 ctl user show
ok "an option of totp enroll with another command: exit status 2" rc_is 2 ctl unlock "$U" --digits 8
ok "not root: refused (admin.sock is root's), exit status 3, while sesamed answers root" \
        answered rc_is 3 timeout 30 setpriv --reuid=10117 --regid=10000 --clear-groups "$SESAMECTL" user show "$U"
ok "no secret in sesamed's log" sh -c "! grep -qiF -e '$SECRET' -e '$SECRET2' -e '${RC[0]}' '$T/sesamed.log'"
sesamed_stop
ok "sesamed stopped: exit status 3, --json status unreachable" rc_is_json 3 unreachable ctl --json user show "$U"
ok "... check exits 3 (local checks pass, sesamed unreachable)" rc_is 3 ctl check
ok "... at once" within 3000 3 "" ctl user show "$U"
ok "no sanitizer report in sesamed's log" no_sanitizer_report "$T/sesamed.log"

done_testing

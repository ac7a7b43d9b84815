#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Debian's own PAM stacks: /etc/pam.d/common-* as pam-auth-update writes
# them (libpam-runtime's stock templates, then conf/pam-configs/sesame
# enabled as libpam-sesame's postinst does it), and Debian's own
# /etc/pam.d/sshd, with the built pam_sesame.so, sesamed and a real slapd.
# Both documented routes (pam_sesame(8)'s sshd example: the sesame account
# line before "@include common-account"; and the profile) must let a
# directory user in with password and code, and must keep refusing what
# the account phase refuses.  With sesamed stopped, a local user still
# logs in through the same stacks and a directory user is refused.
# Removing the profile gives back the files as they were, byte for byte.
#
# pam-auth-update and debconf run for real, on private copies: /etc/pam.d
# is the harness's, and /var/lib/pam, /usr/share/pam-configs,
# /var/cache/debconf and /etc/shadow are bind-mounted copies inside the
# test's mount namespace, so the host's PAM configuration, debconf
# answers and accounts are never touched.  The profile is installed with
# the absolute path of the built module, as pam_service does for
# hand-written services.
# shellcheck source=tests/lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"
# Debian's /etc/pam.d/sshd, read before the harness hides /etc/pam.d
if [ -z "${SESAME_TEST_NS:-}" ] && [ -r /etc/pam.d/sshd ]; then
        DEBIAN_SSHD_PAM=$(cat /etc/pam.d/sshd)
        export DEBIAN_SSHD_PAM
fi
harness_init "$@"
[ -n "${DEBIAN_SSHD_PAM:-}" ] || { echo "Bail out! no /etc/pam.d/sshd (openssh-server)"; exit 1; }

for f in "$PAM_SESAME" "$SESAMECTL" /usr/sbin/pam-auth-update /usr/share/pam/common-auth; do
        [ -e "$f" ] || { echo "Bail out! $f is missing"; exit 1; }
done
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)

SLAPD_FIXTURE_OPTS=--login slapd_start "$T/slapd" >/dev/null || { echo "Bail out! slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "Bail out! sesamed did not start"; exit 1; }

# --- the private copies pam-auth-update works on
mkdir -p "$T/pam-configs" "$T/var-lib-pam" "$T/stock"
cp -a /var/cache/debconf "$T/debconf"
cp /usr/share/pam-configs/* "$T/pam-configs/"
# without Sesame's, and without another directory client's (nslcd's
# ldap, SSSD's sss, ...): a host logs people in through one of them
rm -f "$T/pam-configs/sesame" "$T/pam-configs/ldap" "$T/pam-configs/sss" "$T/pam-configs/krb5" \
        "$T/pam-configs/winbind"
mount --bind "$T/debconf" /var/cache/debconf
mount --bind "$T/pam-configs" /usr/share/pam-configs
mount --bind "$T/var-lib-pam" /var/lib/pam
pam_auth_update() { DEBIAN_FRONTEND=noninteractive timeout 60 pam-auth-update "$@"; }
COMMON="common-auth common-account common-password common-session common-session-noninteractive"

# libpam-runtime's fresh install: the stock templates, then the profiles
# of the packages installed (here: the host's, as above)
for f in $COMMON; do
        cp "/usr/share/pam/$f" "/etc/pam.d/$f"
done
ok "pam-auth-update --package --force (libpam-runtime's first install)" pam_auth_update --package --force
for f in $COMMON; do
        cp "/etc/pam.d/$f" "$T/stock/$f"
done
# a service made of nothing but the common files
printf '@include %s\n' common-auth common-account common-session | pam_service common

# a local account with a password, in a private /etc/shadow
cp /etc/shadow "$T/shadow"
mount --bind "$T/shadow" /etc/shadow
LOCAL_PW='Local-Passw0rd!'
local_user "localpw:x:2101:2101:Local Password:/nonexistent:/bin/sh"
local_group "localpw:x:2101:"
echo "localpw:$(openssl passwd -6 "$LOCAL_PW"):19000:0:99999:7:::" >>"$T/shadow"

# --- a TOTP seed for alice, activated with oathtool's code
read -r SECRET ACT_STEP < <(totp_enroll alice 2>"$T/enroll.err")
[ -n "${ACT_STEP:-}" ] || { sed 's/^/#   /' "$T/enroll.err"; echo "Bail out! TOTP enrolment failed"; exit 1; }
ALICE_PW='Alice-Passw0rd!'

# pam_unix sees the directory account too: no shadow entry, and a password
# field that says so ("*", as SSSD serves), not "x" (which sends pam_unix
# to /etc/shadow and ends in AUTHINFO_UNAVAIL, which common-account refuses)
check "the directory user's password field" "*" "$(getent passwd alice | cut -d: -f2)"

# --- route 1: pam_sesame(8)'s sshd example, without the profile: the
# sesame account line just before "@include common-account" of Debian's sshd
sed "s|^@include common-account|account  [success=ok user_unknown=ignore authinfo_unavail=ignore default=bad]  $PAM_SESAME\n&|" \
        <<<"$DEBIAN_SSHD_PAM" >"$T/pam.d/sshd"
ok "the sesame account line is just before @include common-account" \
        sh -c "grep -A1 pam_sesame.so /etc/pam.d/sshd | grep -q '^@include common-account'"
pam_expect "sshd example: alice's account phase (a public-key login)" ok "" sshd alice acct_mgmt
pam_expect "sshd example: a disabled account is refused" "$PAM_TEXT_PERM_DENIED" "" sshd disabled acct_mgmt
pam_expect "sshd example: root's account phase" ok "" sshd root acct_mgmt

# --- route 2: the pam-auth-update profile, enabled the way libpam-sesame's
# postinst does it ("pam-auth-update --package" once the profile is there)
sed -E "s#(^|[[:space:]])pam_sesame\.so([[:space:]]|\$)#\1$PAM_SESAME\2#" \
        "$SRC/conf/pam-configs/sesame" >"$T/pam-configs/sesame"
ok "pam-auth-update --package with the profile installed" pam_auth_update --package
ok "common-auth: pam_unix first, then pam_sesame with use_first_pass" \
        sh -c "grep -E '^auth' /etc/pam.d/common-auth | head -2 | tr '\n' ' ' |
                grep -qE '^auth.*pam_unix\.so.*auth.*pam_sesame\.so use_first_pass'"
ok "common-account: pam_sesame in the Additional block" \
        sh -c "sed -n '/Additional/,\$p' /etc/pam.d/common-account | grep -q pam_sesame.so"
# Debian's sshd, as shipped
printf '%s\n' "$DEBIAN_SSHD_PAM" >"$T/pam.d/sshd"
totp_wait_step $((ACT_STEP + 1))
pam_expect "common-*: alice with password and code: auth, account and session" ok \
        "$ALICE_PW"$'\n'"$(totp_code "$SECRET")" common alice authenticate acct_mgmt open_session close_session
pam_expect "Debian's sshd: alice's account phase (a public-key login)" ok "" sshd alice acct_mgmt
pam_expect "common-account still refuses a disabled directory account" "$PAM_TEXT_PERM_DENIED" "" \
        common disabled acct_mgmt
pam_expect "a wrong password is refused by common-auth" "$PAM_TEXT_AUTH_ERR" \
        $'Wrong-Passw0rd!\n000000' common alice authenticate
pam_expect "common-*: the local user with the local password" ok "$LOCAL_PW" \
        common localpw authenticate acct_mgmt open_session close_session
pam_expect "Debian's sshd: root's account phase" ok "" sshd root acct_mgmt

# --- sesamed stopped: local accounts go on, directory accounts are refused
sesamed_stop
rm -f /run/sesame/*.sock
pam_expect "sesamed stopped: the local user logs in through common-*" ok "$LOCAL_PW" \
        common localpw authenticate acct_mgmt open_session close_session
pam_expect "sesamed stopped: root's account phase through Debian's sshd" ok "" sshd root acct_mgmt
pam_expect "sesamed stopped: alice cannot authenticate" "$PAM_TEXT_AUTH_ERR" \
        "$ALICE_PW"$'\n'"$(totp_code "$SECRET")" common alice authenticate
ok "sesamed stopped: alice's account phase is refused" _not pamtester_run "" sshd alice acct_mgmt

# --- libpam-sesame's prerm on remove: the files are as before, exactly
ok "pam-auth-update --package --remove sesame" pam_auth_update --package --remove sesame
for f in $COMMON; do
        ok "$f is as before the profile came" cmp "$T/stock/$f" "/etc/pam.d/$f"
done

done_testing

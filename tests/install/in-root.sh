#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The packages' life on a Debian 12 system, run as root inside the
# throwaway root of tests/install/run.sh (an overlay over /):
# install, install again, remove, reinstall, purge and reinstall succeed;
# /etc/nsswitch.conf gains "sesame" on the passwd and group lines and is
# restored byte for byte; pam-auth-update adds the profile to common-*
# and takes it out again, leaving the files as they were; the TOTP key is
# created 0600 on the first installation and kept until purge; the system
# user sesame-web is created and stays after purge; the mail spool has the
# owners and modes sesamed and sesame-web expect, is kept on remove and
# goes with purge; the units pass systemd-analyze verify, sesamed.service's
# exposure stays at or below 2.5 and sesame-web.service's at or below 1.5;
# and, in between, tests/install/login.sh logs in through it all.  TAP on
# stdout.
#
# usage: in-root.sh DEBDIR   (DEBDIR: the .deb files of one build)
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
DEBS=${1:?usage: in-root.sh DEBDIR}
# it purges packages and rewrites /etc/pam.d: never on a real system
# shellcheck source=tests/install/throwaway.sh
. "$SRC/tests/install/throwaway.sh"
throwaway_root_or_bail in-root.sh
# shellcheck source=tests/lib/harness.sh
. "$SRC/tests/lib/harness.sh"
T=$(mktemp -d /tmp/sesame-pkg.XXXXXX)
export DEBIAN_FRONTEND=noninteractive
PKGS="libnss-sesame libpam-sesame sesamed sesame-web"
COMMON="common-auth common-account common-password common-session common-session-noninteractive"
debs=("$DEBS"/libnss-sesame_*.deb "$DEBS"/libpam-sesame_*.deb "$DEBS"/sesamed_*.deb "$DEBS"/sesame-web_*.deb)
for f in "${debs[@]}"; do
        [ -f "$f" ] || { echo "Bail out! no $f"; exit 1; }
done

# no service starts in this root (there is no systemd here either)
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
# a stock system: no Sesame package; common-* as libpam-runtime's first
# installation writes them
# shellcheck disable=SC2086
dpkg --purge $PKGS >/dev/null 2>&1
for f in $COMMON; do
        cp "/usr/share/pam/$f" "/etc/pam.d/$f"
done
# and no other directory client's profile, which the host may have
# (nslcd's ldap, SSSD's sss, ...: a host logs people in through one of
# them; test-debian-pam.sh leaves out the same)
rm -f /usr/share/pam-configs/ldap /usr/share/pam-configs/sss /usr/share/pam-configs/krb5 \
        /usr/share/pam-configs/winbind
pam-auth-update --package --force || { echo "Bail out! pam-auth-update"; exit 1; }
mkdir "$T/stock"
for f in $COMMON; do
        cp "/etc/pam.d/$f" "$T/stock/$f"
done
cp /etc/nsswitch.conf "$T/nsswitch.orig"
# the stock system has no sesame-web user (the overlay's lower layer is
# the host, which has none either)
getent passwd sesame-web >/dev/null && { echo "Bail out! a sesame-web user before the installation"; exit 1; }
nss_line() { sed -n "s/^$1:[[:space:]]*//p" "${2:-/etc/nsswitch.conf}"; }

# installed: each of PKGS is "install ok installed"
installed() {
        # shellcheck disable=SC2086
        [ "$(dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -c '^install ok installed$')" = 4 ]
}
# purged: dpkg knows none of PKGS any more
purged() {
        # shellcheck disable=SC2086
        ! dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -qv '^unknown ok not-installed$'
}
# as_before: nsswitch.conf and common-* exactly as on the stock system
as_before() {
        cmp -s "$T/nsswitch.orig" /etc/nsswitch.conf || return 1
        for f in $COMMON; do
                cmp -s "$T/stock/$f" "/etc/pam.d/$f" || return 1
        done
}
# integrated: sesame last on passwd and group, nothing else changed;
# pam_sesame in common-* beside pam_unix
integrated() {
        [ "$(nss_line passwd)" = "$(nss_line passwd "$T/nsswitch.orig") sesame" ] &&
                [ "$(nss_line group)" = "$(nss_line group "$T/nsswitch.orig") sesame" ] &&
                [ "$(diff "$T/nsswitch.orig" /etc/nsswitch.conf | grep '^[<>]' | grep -cvE '^[<>] (passwd|group):')" = 0 ] &&
                grep -E '^auth' /etc/pam.d/common-auth | head -2 | tr '\n' ' ' |
                grep -qE '^auth.*pam_unix\.so.*auth.*pam_sesame\.so use_first_pass' &&
                sed -n '/Additional/,$p' /etc/pam.d/common-account | grep -q pam_sesame.so &&
                grep -q pam_sesame.so /etc/pam.d/common-password &&
                grep -q pam_sesame.so /etc/pam.d/common-session
}

# spool: the owners and modes of the spool, its tmp/ and its new/: root's
# and open to sesame-web's passage; root's alone; sesame-web's alone
spool() { stat -c '%U %G %a' /var/spool/sesame /var/spool/sesame/tmp /var/spool/sesame/new 2>&1 | tr '\n' ' '; }
SPOOL_MODES="root root 755 root root 700 sesame-web root 700 "

# --- first installation
ok "dpkg -i: the four packages install" dpkg -i "${debs[@]}"
ok "... and are installed" installed
ok "nsswitch.conf: sesame last on passwd and group, nothing else changed" integrated
diag "passwd: $(nss_line passwd)"
ok "pam-auth-update put pam_sesame in common-* (checked above with nsswitch.conf)" \
        grep -q pam_sesame.so /etc/pam.d/common-auth
check "the TOTP key: 32 bytes, root, 0600" "32 0 0 600" "$(stat -c '%s %u %g %a' /etc/sesame/totp.key 2>&1)"
ok "/etc/sesame/sesame.conf is a conffile" \
        sh -c "dpkg-query -W -f='\${Conffiles}' sesamed | grep -q '^ /etc/sesame/sesame.conf '"
check "nothing in /etc/sesame is readable by others but sesame.conf" "/etc/sesame/sesame.conf" \
        "$(find /etc/sesame -type f -perm /o+r)"
ok "the system user sesame-web exists: a system uid, no login" \
        sh -c 'getent passwd sesame-web | grep -qE "^sesame-web:x:[1-9][0-9]{0,2}:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$"'
ok "... and its group" getent group sesame-web
check "the mail spool: root's, tmp/ root's, new/ sesame-web's" "$SPOOL_MODES" "$(spool)"
cp /etc/sesame/totp.key "$T/key.first"
getent passwd sesame-web >"$T/web-user.first"
cp /etc/nsswitch.conf "$T/nsswitch.installed"

ok "dpkg -i again (the same version over itself)" dpkg -i "${debs[@]}"
ok "nsswitch.conf unchanged by it: one sesame per line" cmp "$T/nsswitch.installed" /etc/nsswitch.conf
ok "the key unchanged by it" cmp "$T/key.first" /etc/sesame/totp.key

# --- the units
units="/lib/systemd/system/sesamed.service /lib/systemd/system/sesamed-nss.socket
/lib/systemd/system/sesamed-pam.socket /lib/systemd/system/sesamed-admin.socket
/lib/systemd/system/sesamed-web.socket /lib/systemd/system/sesame-web.service"
# shellcheck disable=SC2086
ok "systemd-analyze verify: the installed units" sh -c "systemd-analyze verify --man=no $(echo $units) 2>&1 | tee /dev/stderr | grep -q . && exit 1 || exit 0"
exposure=$(systemd-analyze security --offline=yes /lib/systemd/system/sesamed.service 2>/dev/null |
        sed -n 's/.*Overall exposure level for sesamed.service: \([0-9.]*\).*/\1/p')
diag "systemd-analyze security: sesamed.service ${exposure:-?}"
ok "sesamed.service exposure at most 2.5" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.5) }'
exposure=$(systemd-analyze security --offline=yes /lib/systemd/system/sesame-web.service 2>/dev/null |
        sed -n 's/.*Overall exposure level for sesame-web.service: \([0-9.]*\).*/\1/p')
diag "systemd-analyze security: sesame-web.service ${exposure:-?}"
ok "sesame-web.service exposure at most 1.5" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 1.5) }'
ok "sesame-web.service runs as sesame-web, with the spool's new/ writable" \
        sh -c "grep -qx 'User=sesame-web' /lib/systemd/system/sesame-web.service &&
                grep -qx 'ReadWritePaths=/var/spool/sesame/new' /lib/systemd/system/sesame-web.service"

# --- logins through what was installed: the autopkgtest (debian/tests),
# which checks the installed state and runs tests/install/login.sh, run
# from the source tree as autopkgtest runs it
(cd "$SRC" && mkdir -p "$T/adt" && AUTOPKGTEST_TMP=$T/adt debian/tests/install) >"$T/login.tap" 2>"$T/login.err"
rc=$?
sed 's/^/#   /' "$T/login.tap"
[ "$rc" = 0 ] || sed 's/^/#   stderr: /' "$T/login.err" | tail -20
check "debian/tests/install (tests/install/login.sh): every check passed" 0 "$rc"
ok "... and it ran them (a plan line)" grep -qE '^1\.\.[1-9]' "$T/login.tap"

# --- remove, reinstall, purge, reinstall
# shellcheck disable=SC2086
ok "dpkg -r: the four packages remove" dpkg -r $PKGS
ok "nsswitch.conf and common-* are as before, byte for byte" as_before
ok "the key is kept on remove (configuration, like sesame.conf)" cmp "$T/key.first" /etc/sesame/totp.key
check "the spool is kept on remove (mails not sent yet)" "$SPOOL_MODES" "$(spool)"
ok "the units are gone" _not test -e /lib/systemd/system/sesame-web.service -o -e /lib/systemd/system/sesamed.service
ok "dpkg -i after remove" dpkg -i "${debs[@]}"
ok "integrated again" integrated
check "the same sesame-web user" "$(cat "$T/web-user.first")" "$(getent passwd sesame-web)"
ok "the kept key is used, not replaced" cmp "$T/key.first" /etc/sesame/totp.key
# shellcheck disable=SC2086
ok "dpkg -r, then dpkg -P" sh -c "dpkg -r $PKGS && dpkg -P $PKGS"
ok "purged" purged
ok "nsswitch.conf and common-* are as before, byte for byte" as_before
ok_fail "the key is gone with the purge" test -e /etc/sesame/totp.key
ok_fail "and /etc/sesame with it" test -e /etc/sesame
ok_fail "the mail spool is gone with the purge" test -e /var/spool/sesame
check "the system user sesame-web stays, as Debian's system users do" "$(cat "$T/web-user.first")" \
        "$(getent passwd sesame-web)"
ok "dpkg -i after purge" dpkg -i "${debs[@]}"
ok "integrated again" integrated
ok "a new key" sh -c "test -f /etc/sesame/totp.key && ! cmp -s '$T/key.first' /etc/sesame/totp.key"
check "a new spool, with the same owners and modes" "$SPOOL_MODES" "$(spool)"
check "the kept sesame-web user is used, not a second one" "$(cat "$T/web-user.first")" "$(getent passwd sesame-web)"
# shellcheck disable=SC2086
ok "a final purge" dpkg -P $PKGS
ok "as before" as_before

rm -rf "$T"
done_testing

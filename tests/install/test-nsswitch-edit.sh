#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libnss-sesame's maintainer scripts against nsswitch.conf files other
# than Debian's stock one: comments, a sesame the administrator placed, an
# [ACTION] after it, look-alike lines, a symbolic link, an upgrade, two
# runs.  The scripts run as dpkg runs them, on a file under DPKG_ROOT (a
# temporary directory): nothing of this machine is read or changed but
# dpkg's database, which is only asked whether libnss-sesame is installed
# (it must not be, as on a machine that is removing it).  TAP on stdout.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/etc"
export DPKG_ROOT=$D DPKG_MAINTSCRIPT_PACKAGE=libnss-sesame DPKG_MAINTSCRIPT_NAME
n=0
failed=0
# check DESCRIPTION EXPECTED ACTUAL
check() {
        n=$((n + 1))
        if [ "$2" = "$3" ]; then
                echo "ok $n - $1"
        else
                echo "not ok $n - $1"
                failed=$((failed + 1))
                diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/#   /'
        fi
}
if dpkg-query -W -f='${Status}' libnss-sesame 2>/dev/null | grep -q '^install'; then
        echo "1..0 # SKIP libnss-sesame is installed on this machine"
        exit 77
fi

# install FILE-CONTENT: the new-installation path (preinst install,
# postinst configure); prints the result
install_() {
        DPKG_MAINTSCRIPT_NAME=preinst sh "$SRC/debian/libnss-sesame.preinst" install &&
                DPKG_MAINTSCRIPT_NAME=postinst sh "$SRC/debian/libnss-sesame.postinst" configure "" &&
                cat "$D/etc/nsswitch.conf"
}
remove_() {
        DPKG_MAINTSCRIPT_NAME=postrm sh "$SRC/debian/libnss-sesame.postrm" remove &&
                cat "$D/etc/nsswitch.conf"
}
put() { printf '%s\n' "$@" >"$D/etc/nsswitch.conf"; }

stock=(
        "# /etc/nsswitch.conf"
        "passwd:         files systemd"
        "group:          files systemd"
        "shadow:         files"
        "gshadow:        files"
        ""
        "hosts:          files dns"
        "netgroup:       nis"
)
put "${stock[@]}"
out=$(install_)
check "stock: sesame last on passwd and group only" \
        "$(printf '%s\n' "${stock[@]}" | sed -E 's/^((passwd|group):.*)$/\1 sesame/')" "$out"
check "stock: removed, byte for byte" "$(printf '%s\n' "${stock[@]}")" "$(remove_)"
check "no marker left" "" "$(ls "$D/etc" | grep -v '^nsswitch.conf$')"

put "passwd: files # local accounts first" "group: files	# tab before the comment" "#passwd: files" \
        "passwdx: files" "initgroups: files"
out=$(install_)
check "comments: sesame before them, look-alike lines untouched" \
        "$(printf '%s\n' "passwd: files sesame # local accounts first" "group: files sesame	# tab before the comment" \
                "#passwd: files" "passwdx: files" "initgroups: files")" "$out"
check "comments: removed, byte for byte" \
        "$(printf '%s\n' "passwd: files # local accounts first" "group: files	# tab before the comment" \
                "#passwd: files" "passwdx: files" "initgroups: files")" "$(remove_)"

put "passwd: files sesame systemd" "group: files sesame [NOTFOUND=return] systemd"
check "placed by the administrator: left where it is" \
        "$(printf '%s\n' "passwd: files sesame systemd" "group: files sesame [NOTFOUND=return] systemd")" "$(install_)"
check "removed with its [ACTION], files and systemd kept" \
        "$(printf '%s\n' "passwd: files systemd" "group: files systemd")" "$(remove_)"

put "passwd: files" "group: files"
install_ >/dev/null
out=$(install_)
check "installed twice: one sesame" "$(printf '%s\n' "passwd: files sesame" "group: files sesame")" "$out"
check "removed twice (remove, then purge): still only sesame gone" \
        "$(printf '%s\n' "passwd: files" "group: files")" \
        "$(remove_ >/dev/null && DPKG_MAINTSCRIPT_NAME=postrm sh "$SRC/debian/libnss-sesame.postrm" purge && cat "$D/etc/nsswitch.conf")"

put "passwd: files" "group: files"
DPKG_MAINTSCRIPT_NAME=preinst sh "$SRC/debian/libnss-sesame.preinst" upgrade 0.1.0
DPKG_MAINTSCRIPT_NAME=postinst sh "$SRC/debian/libnss-sesame.postinst" configure 0.1.0
check "an upgrade leaves the file alone" "$(printf '%s\n' "passwd: files" "group: files")" \
        "$(cat "$D/etc/nsswitch.conf")"

mkdir -p "$D/etc/alternatives"
printf '%s\n' "passwd: files" "group: files" >"$D/etc/alternatives/nsswitch.conf"
rm -f "$D/etc/nsswitch.conf"
ln -s alternatives/nsswitch.conf "$D/etc/nsswitch.conf"
install_ >/dev/null
check "a symbolic link stays one" "alternatives/nsswitch.conf" "$(readlink "$D/etc/nsswitch.conf")"
check "and its target is edited" "$(printf '%s\n' "passwd: files sesame" "group: files sesame")" \
        "$(cat "$D/etc/alternatives/nsswitch.conf")"
remove_ >/dev/null
check "and restored" "$(printf '%s\n' "passwd: files" "group: files")" "$(cat "$D/etc/alternatives/nsswitch.conf")"

echo "1..$n"
[ "$failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The install test: build the Debian packages from this source tree, check
# them with lintian and for a reproducible build, then install them into
# a throwaway Debian 12 root and run tests/install/in-root.sh there.
#
# The throwaway root is an overlay over this machine's own / (the lower,
# read-only layer) with a tmpfs as its upper layer, mounted in a private
# mount and PID namespace and entered with chroot; /proc, /dev, /run and
# /tmp are private too.  Nothing is downloaded, and nothing the packages
# or the tests do reaches the host: dpkg's database, /etc/nsswitch.conf,
# /etc/pam.d and debconf change in the tmpfs only, which vanishes with the
# namespace; every process started in it dies with it.  So this machine
# must be Debian 12 with the build and test dependencies installed
# (tests/install-deps.sh), as CI's is.
#
# usage: tests/install/run.sh [WORKDIR]
#   WORKDIR (default $BUILD_DIR/install-test, else build-install) holds the
#   two package builds (a/ and b/) and their logs.  TAP on stdout.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (mount and PID namespaces, chroot)"
        exit 77
fi
if [ -z "${SESAME_INSTALL_NS:-}" ]; then
        export SESAME_INSTALL_NS=1
        # --fork --pid: every process of the test (slapd, sesamed, sshd)
        # dies with it
        exec unshare --mount --propagation private --pid --fork --mount-proc -- "$0" "$@"
fi
WORK=${1:-${BUILD_DIR:+$BUILD_DIR/install-test}}
WORK=${WORK:-$SRC/build-install}
# shellcheck source=tests/lib/harness.sh
. "$SRC/tests/lib/harness.sh"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd -P)
T=$WORK

# build DIR NAME: a copy of the source tree in DIR/NAME (without build
# directories), then dpkg-buildpackage there; the .debs land in DIR.  The
# tests are not run in the package build (nocheck): the suites run from
# the source tree, and this test checks the packages.
build() {
        local dir=$1 name=$2
        rm -rf "$dir" && mkdir -p "$dir/$name" || return 1
        tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' --exclude=./.git -cf - . |
                tar -C "$dir/$name" -xf - || return 1
        (cd "$dir/$name" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
                timeout 900 dpkg-buildpackage -us -uc -b >"$dir/build.log" 2>&1) ||
                { tail -30 "$dir/build.log" | sed 's/^/#   /'; return 1; }
}

ok "dpkg-buildpackage -us -uc -b" build "$WORK/a" sesame
# a second build in another directory: the same bytes (SOURCE_DATE_EPOCH
# from debian/changelog, build paths mapped away)
ok "a second build, elsewhere" build "$WORK/b" sesame-again
debs() { (cd "$1" && sha256sum -- *.deb); }
# (the four packages and their debug symbols, so that two empty lists
# cannot pass as the same)
check "each build made the four packages" "libnss-sesame libpam-sesame sesame-web sesamed" \
        "$(cd "$WORK/a" && ls -- *.deb | sed 's/_.*//' | grep -v -- '-dbgsym$' | sort | xargs)"
check "the two builds give the same .debs" "$(debs "$WORK/a")" "$(debs "$WORK/b")"
lintian --fail-on error,warning --tag-display-limit 0 "$WORK"/a/*.changes >"$WORK/lintian.log" 2>&1
check "lintian: no error and no warning" 0 "$?"
sed 's/^/#   lintian: /' "$WORK/lintian.log" | grep -v 'running with root privileges'

# the throwaway root (its mount point in WORKDIR, not in the host's /tmp)
R=$WORK/root
mkdir -p "$R"
mount -t tmpfs -o mode=0755 tmpfs "$R" || { echo "Bail out! tmpfs"; exit 1; }
mkdir "$R/upper" "$R/work" "$R/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$R/root" ||
        { echo "Bail out! overlay over /"; exit 1; }
mount -t proc proc "$R/root/proc"
mount --rbind /dev "$R/root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$R/root/run"
mount -t tmpfs -o mode=1777 tmpfs "$R/root/tmp"
mkdir -p "$R/root/run/sesame-src" "$R/root/run/sesame-debs"
mount --bind -o ro "$SRC" "$R/root/run/sesame-src"
mount --bind -o ro "$WORK/a" "$R/root/run/sesame-debs"
diag "throwaway root: overlay of / on $R/root"

SESAME_THROWAWAY_ROOT=1 chroot "$R/root" /bin/bash /run/sesame-src/tests/install/in-root.sh /run/sesame-debs >"$WORK/in-root.tap" 2>"$WORK/in-root.err"
rc=$?
sed 's/^/#   /' "$WORK/in-root.tap"
[ "$rc" = 0 ] || sed 's/^/#   stderr: /' "$WORK/in-root.err" | tail -30
check "in the throwaway root: tests/install/in-root.sh passed" 0 "$rc"
ok "... and ran its checks (a plan line)" grep -qE '^1\.\.[1-9]' "$WORK/in-root.tap"
ok "the host's nsswitch.conf has no sesame" _not grep -qE '^(passwd|group):.*[[:space:]]sesame' /etc/nsswitch.conf
ok "the host has no Sesame package" _not dpkg-query -W libnss-sesame libpam-sesame sesamed sesame-web
ok "the host has no sesame-web user" _not getent passwd sesame-web

done_testing

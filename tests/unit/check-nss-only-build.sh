#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The NSS module alone (-Dnss=true, every other component off, no tests)
# configures and builds with nothing but libc: no dependency is looked
# up, only libsesame-common and libnss_sesame.so.2 are built, the module
# needs libc.so.6 alone, and only its files are installed.  A separate build of the source tree in a
# temporary directory, with warnings as errors.
# usage: check-nss-only-build.sh SOURCE_DIR
set -uo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
b=$tmp/build
status=0
# fail N DESCRIPTION LOG: a "not ok" line with the end of LOG
fail() {
        echo "not ok $1 - $2"
        tail -n 20 "$3" | sed 's/^/#   /'
        status=1
}
# names WHAT: the sorted names of "meson introspect --WHAT" of the build
names() {
        meson introspect "--$1" "$b" |
                python3 -c 'import json, sys; print(" ".join(sorted(x["name"] for x in json.load(sys.stdin))))'
}
echo "1..6"
if meson setup "$b" "$src" -Dwerror=true -Dnss=true -Dsesamed=false -Dpam=false -Dsesamectl=false \
        -Dsesame_web=false -Dtests=false >"$tmp/setup.log" 2>&1; then
        echo "ok 1 - meson setup with only nss"
else
        fail 1 "meson setup with only nss" "$tmp/setup.log"
        exit 1
fi
deps=$(names dependencies)
if [ -z "$deps" ]; then echo "ok 2 - no dependency looked up"; else
        echo "not ok 2 - dependencies looked up: $deps"; status=1; fi
if ninja -C "$b" >"$tmp/build.log" 2>&1; then
        echo "ok 3 - it builds"
else
        fail 3 "it builds" "$tmp/build.log"
        exit 1
fi
targets=$(names targets)
if [ "$targets" = "nss_sesame sesame-common" ]; then echo "ok 4 - only the NSS module and the common library"
else echo "not ok 4 - targets: $targets"; status=1; fi
needed=$(readelf -d "$b/nss/libnss_sesame.so.2" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | xargs)
if [ "$needed" = "libc.so.6" ]; then echo "ok 5 - libnss_sesame.so.2 needs libc only"
else echo "not ok 5 - libnss_sesame.so.2 needs: ${needed:-(nothing readable)}"; status=1; fi
DESTDIR=$tmp/root meson install -C "$b" --no-rebuild --quiet >"$tmp/install.log" 2>&1
installed=$(find "$tmp/root" ! -type d -printf '%f\n' | sort | xargs)
if [ "$installed" = "libnss_sesame.8 libnss_sesame.so libnss_sesame.so.2 nsswitch.conf.example" ]; then
        echo "ok 6 - only the module, its man page and the nsswitch.conf example are installed"
else
        echo "not ok 6 - installed: ${installed:-nothing}"; status=1
        sed 's/^/#   /' "$tmp/install.log" | tail -n 5
fi
exit $status

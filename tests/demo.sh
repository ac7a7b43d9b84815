#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: installs what it needs, builds Sesame, then in a private mount
# namespace (nothing on this machine's /etc or /run is changed) starts a
# private slapd with sample users (tests/lib/fixture.md), sesamed, and
# shows glibc resolving those users and groups through libnss_sesame.
# On a terminal it then opens a shell inside the namespace to explore.
#
# usage: sudo tests/demo.sh
set -uo pipefail
if [ -z "${SESAME_TEST_NS:-}" ]; then
        cd "$(dirname "$0")/.."
        tests/install-deps.sh || exit 1
        if [ ! -f build-demo/build.ninja ]; then
                meson setup build-demo >/dev/null || exit 1
        fi
        ninja -C build-demo >/dev/null || exit 1
        export BUILD_DIR=$PWD/build-demo
fi
. "$(dirname "$0")/lib/harness.sh"
harness_init "$@"

slapd_start "$T/slapd" >/dev/null || { echo "slapd did not start"; exit 1; }
sesamed_config >"$T/sesame.conf"
sesamed_start "$T/sesame.conf" || { echo "sesamed did not start"; cat "$T/sesamed.log"; exit 1; }

show() {
        echo "\$ $*"
        "$@" 2>&1 | head -5
        echo
}
echo "== Sesame demo: a private slapd at $SLAPD_URI, sesamed on /run/sesame =="
echo "   (nsswitch.conf in this namespace: passwd/group: files sesame)"
echo
show getent passwd alice
show getent passwd 10002
show id alice
show getent group engineers
echo "\$ getent group big | tr , '\\n' | wc -l     # a group of 5000 members"
getent group big | cut -d: -f4 | tr ',' '\n' | wc -l
echo
echo "\$ getent passwd | wc -l                    # enumeration, paged"
getent passwd | wc -l
echo
echo "\$ getent passwd root                       # local accounts always win"
getent passwd root
echo
if [ -t 0 ]; then
        echo "A shell inside the demo namespace; try getent/id.  'exit' ends the demo."
        PS1='sesame-demo# ' bash --norc -i
fi
echo "Demo finished; slapd and sesamed stopped."

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# journalctl itself reads conf/sesame.catalog: "journalctl --update-catalog"
# builds a catalog database from it, in a private root (--root, so the
# host's /var/lib/systemd is never written), and "--list-catalog" shows
# every entry that the file holds, defined by sesame.  test-catalog.c
# checks the entries against the events.
# usage: check-catalog.sh SESAME_CATALOG
set -uo pipefail
catalog=$1
if ! command -v journalctl >/dev/null; then
        echo "1..0 # SKIP journalctl is not installed"
        exit 77
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/sesame.catalog"
status=0
echo "1..3"
if out=$(journalctl --root="$root" --update-catalog 2>&1) && [ -z "$out" ] &&
        [ -s "$root/var/lib/systemd/catalog/database" ]; then
        echo "ok 1 - journalctl --update-catalog takes it without a word"
else
        echo "not ok 1 - journalctl --update-catalog: $out"; status=1
fi
want=$(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog" | sort | xargs)
got=$(journalctl --root="$root" --list-catalog | awk '{print $1}' | sort | xargs)
if [ -n "$want" ] && [ "$want" = "$got" ]; then
        echo "ok 2 - journalctl lists each of its $(wc -w <<<"$want") entries"
else
        printf 'not ok 2 - entries of the file and of journalctl differ\n#   file:       %s\n#   journalctl: %s\n' \
                "$want" "$got"
        status=1
fi
if bad=$(journalctl --root="$root" --list-catalog | grep -v '^[0-9a-f]\{32\} sesame: .'); then
        echo "not ok 3 - entries without \"Defined-By: sesame\" or a subject: $bad"; status=1
else
        echo "ok 3 - every entry is defined by sesame and has a subject"
fi
exit $status

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The thin NSS client exports only _nss_sesame_* and needs nothing but libc
# (no libldap, libsodium, libpthread or other library gets loaded into
# every process that calls getpwnam).
# usage: check-exports.sh LIBNSS_SESAME_SO SANITIZED(true|false)
set -uo pipefail
so=$1
sanitized=$2
status=0
echo "1..3"
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_nss_sesame_' | grep -v '^$')
if [ -z "$bad" ]; then echo "ok 1 - only _nss_sesame_* symbols exported"; else
        echo "not ok 1 - other symbols exported: $bad"; status=1; fi
want="_nss_sesame_getpwnam_r _nss_sesame_getpwuid_r _nss_sesame_setpwent _nss_sesame_getpwent_r
_nss_sesame_endpwent _nss_sesame_getgrnam_r _nss_sesame_getgrgid_r _nss_sesame_setgrent
_nss_sesame_getgrent_r _nss_sesame_endgrent _nss_sesame_initgroups_dyn"
missing=
for s in $want; do nm -D --defined-only "$so" | grep -qw "$s" || missing="$missing $s"; done
if [ -z "$missing" ]; then echo "ok 2 - every NSS entry point exported"; else
        echo "not ok 2 - missing:$missing"; status=1; fi
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | xargs)
if [ "$sanitized" = true ]; then
        echo "ok 3 - # SKIP sanitizer build links its runtime"
elif [ "$needed" = "libc.so.6" ]; then
        echo "ok 3 - needs libc only"
else
        echo "not ok 3 - needs: $needed"; status=1
fi
exit $status

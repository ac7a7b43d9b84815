#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_sesame.so exports exactly the six pam_sm_* service functions and
# needs nothing but libc and libpam (no libldap, libsodium, liboath or
# libpthread gets loaded into sshd, sudo or a screen locker).
# usage: check-exports.sh PAM_SESAME_SO SANITIZED(true|false)
set -uo pipefail
so=$1
sanitized=$2
status=0
echo "1..3"
want="pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred"
got=$(nm -D --defined-only "$so" | awk 'NF == 3 {print $3}' | sort | xargs)
if [ -z "$got" ]; then echo "not ok 1 - cannot read the symbols of $so"; status=1
elif bad=$(comm -13 <(tr ' ' '\n' <<<"$want" | sort) <(tr ' ' '\n' <<<"$got" | sort) | xargs); [ -z "$bad" ]; then
        echo "ok 1 - only pam_sm_* symbols exported"
else echo "not ok 1 - other symbols exported: $bad"; status=1; fi
missing=$(comm -23 <(tr ' ' '\n' <<<"$want" | sort) <(tr ' ' '\n' <<<"$got" | sort) | xargs)
if [ -z "$missing" ]; then echo "ok 2 - every PAM service function exported"; else
        echo "not ok 2 - missing: $missing"; status=1; fi
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | xargs)
if [ "$sanitized" = true ]; then
        echo "ok 3 - # SKIP sanitizer build links its runtime"
elif [ "$needed" = "libc.so.6 libpam.so.0" ]; then
        echo "ok 3 - needs libc and libpam only"
else
        echo "not ok 3 - needs: $needed"; status=1
fi
exit $status

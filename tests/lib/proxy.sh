#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A TCP proxy in front of the test's slapd (tcpproxy.py), for tests of a
# slow or silently cut path.  Source after harness_init and slapd_start:
#     . "$HARNESS_LIB/proxy.sh"
#     proxy_start                 # sets PROXY_URI, PROXY_PORT, PROXY_PID
#     proxy delay 500             # or: proxy drop, proxy pass
#     ...; proxy_stop             # (also from the test's EXIT trap)

# proxy MODE...: what the proxy does from now on (tcpproxy.py)
proxy() { echo "$*" >"$T/proxy.mode"; }

proxy_start() {
        proxy pass
        rm -f "$T/proxy.port"
        "$PYTHON3" "$HARNESS_LIB/tcpproxy.py" "$T/proxy.port" "$SLAPD_PORT" "$T/proxy.mode" &
        PROXY_PID=$!
        wait_for 10 test -s "$T/proxy.port" || return 1
        PROXY_PORT=$(cat "$T/proxy.port")
        PROXY_URI=ldap://127.0.0.1:$PROXY_PORT/
}

proxy_stop() {
        [ -n "${PROXY_PID:-}" ] || return 0
        kill "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null
        PROXY_PID=
}

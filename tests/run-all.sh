#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Set up and run every test, the way CI does: install the dependencies,
# build with warnings as errors and run the suite, then build again with
# AddressSanitizer + UndefinedBehaviorSanitizer and run the suite again.
# Ends with one line "N passed, N failed".
#
# usage: sudo tests/run-all.sh [--quick]   (--quick: skip the sanitizer pass)
set -uo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}

tests/install-deps.sh || exit 1

passed=0
failed=0
run_suite() {
        local dir=$1
        shift
        rm -rf "$dir"
        if ! meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1; then
                cat "$dir.setup.log"
                failed=$((failed + 1))
                return
        fi
        if ! ninja -C "$dir"; then
                failed=$((failed + 1))
                return
        fi
        meson test -C "$dir" --print-errorlogs --num-processes 2 | tee "$dir.test.log"
        local ok fail skip
        ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -1)
        fail=$(sed -n 's/^\(Fail\|Unexpected Pass\|Timeout\): *\([0-9]*\).*/\2/p' "$dir.test.log" |
                awk '{s += $1} END {print s + 0}')
        skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$dir.test.log" | tail -1)
        passed=$((passed + ${ok:-0}))
        failed=$((failed + fail))
        # a skipped test checked nothing: in this run (root, every
        # dependency installed) nothing may skip
        failed=$((failed + ${skip:-0}))
}

run_suite build
if [ "$quick" != "--quick" ]; then
        run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

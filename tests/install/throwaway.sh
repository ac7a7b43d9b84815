# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# Sourced first by the scripts that install and purge packages and rewrite
# /etc (in-root.sh, login.sh): they run only where that harms nothing.
# Either tests/install/run.sh's throwaway root, which it says by
# SESAME_THROWAWAY_ROOT=1 and which is an overlay mounted as this
# process's / (an environment variable alone is not proof: a stray one on
# a real system would not make it throwaway), or an autopkgtest testbed,
# which autopkgtest declares disposable (breaks-testbed).
throwaway_root_or_bail() {
        local what=$1 fstype
        if [ -n "${AUTOPKGTEST_TMP:-}" ] && [ "${2:-}" = autopkgtest-ok ]; then
                return 0
        fi
        fstype=$(findmnt -n -o FSTYPE / 2>/dev/null)
        if [ "${SESAME_THROWAWAY_ROOT:-}" != 1 ] || [ "$fstype" != overlay ]; then
                echo "Bail out! $what runs only in tests/install/run.sh's throwaway root" \
                        "(/ is '${fstype:-?}', not that overlay)"
                exit 1
        fi
}

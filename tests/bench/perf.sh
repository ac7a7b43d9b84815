#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sesame beside nslcd and SSSD: the same private slapd, the same machine,
# the same run.  A benchmark, not a test: it prints figures and asserts
# nothing (doc/performance.md says what each figure means).
#
#     BUILD_DIR=build tests/bench/perf.sh [SIZES...]     (as root)
#
# SIZES: directory sizes in users (1000, 10k, 100k, 1M ...; default 1k
# 10k).  For each size, gen-directory.py writes the directory (kept in
# DATA_CACHE for the next run), a private slapd loads it with slapadd
# (tests/lib/slapd.sh, on loopback), and each system of SYSTEMS is
# measured in a private mount namespace of its own (system.sh), one after
# the other against that slapd; a system that is not installed is
# skipped with a message saying so.  Then the table (a row per figure, a
# column per system) is printed, and OUT gets:
#   raw.tsv                 every measurement (system.sh's lines)
#   table.md                the table
#   latency.svg throughput.svg   the charts (gnuplot), one line per system
#   meta.txt                date, commit, machine, versions, load
#   logs/                   what the daemons logged
# Nothing on the host changes: slapd and the daemons are private, and the
# system services of nslcd and sssd are never started.
#
# Environment: BUILD_DIR (the meson build directory, default build/),
# SYSTEMS ("sesame nslcd sssd"), OUT (default BUILD_DIR/bench-results/<UTC
# time>),
# DATA_CACHE (/var/tmp/sesame-bench), and for system.sh: REPS (1), DUR
# (3), COLD_N (1000), THREADS (4), PAM_N (200), PAM_PROCS (8).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
SRC=$(cd "$HERE/../.." && pwd -P)
# shellcheck source=tests/lib/slapd.sh
. "$SRC/tests/lib/slapd.sh"

die() {
        echo "perf.sh: $*" >&2
        exit 1
}

if [ "$(id -u)" != 0 ]; then
        echo "perf.sh: skipped: needs root (private mount namespaces, slapd)" >&2
        exit 77
fi
: "${BUILD_DIR:=$SRC/build}"
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd -P) || die "no build directory $BUILD_DIR (meson setup build)"
export BUILD_DIR
for f in helper/sesamed/sesamed helper/sesamectl/sesamectl nss/libnss_sesame.so.2 \
        pam_module/pam_sesame.so tests/bench/bench-nss tests/bench/bench-pam; do
        [ -e "$BUILD_DIR/$f" ] || die "$BUILD_DIR/$f is missing: ninja -C $BUILD_DIR"
done
SYSTEMS=${SYSTEMS:-sesame nslcd sssd}
DATA_CACHE=${DATA_CACHE:-/var/tmp/sesame-bench}
OUT=${OUT:-$BUILD_DIR/bench-results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/logs" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd -P)

# SIZES: 1k, 10k, 1M or a number of users
[ $# -gt 0 ] || set -- 1k 10k
sizes=()
for s in "$@"; do
        case $s in
        *[kK]) n=${s%?}000 ;;
        *M) n=${s%?}000000 ;;
        *) n=$s ;;
        esac
        [[ $n =~ ^[1-9][0-9]{0,7}$ ]] || die "bad size '$s' (users: 1000, 10k, 1M, at most 10M)"
        sizes+=("$n")
done

# the generator and the fixture it borrows from decide what the data is
stamp=$(cat "$HERE/gen-directory.py" "$SRC/tests/lib/gen-fixture.py" | sha256sum | cut -c1-16)
gen_opts=()
# the slapd of slapd.sh loads the ppolicy overlay when there is one, and
# then names the default policy, which the directory must hold
_slapd_have_ppolicy && gen_opts+=(--ppolicy) && stamp=$stamp-ppolicy

# data_for N: the directory of N users, generated unless already there
data_for() {
        local d=$DATA_CACHE/$1-$stamp
        if [ ! -e "$d/done" ]; then
                echo "# generating $1 users in $d" >&2
                rm -rf "$d" && mkdir -p "$d" &&
                        "$SLAPD_PYTHON" "$HERE/gen-directory.py" "${gen_opts[@]}" "$1" "$d" &&
                        touch "$d/done" || return 1
        fi
        echo "$d"
}

BENCH_SLAPD=
cleanup() {
        if [ -n "$BENCH_SLAPD" ]; then
                slapd_stop "$BENCH_SLAPD" >/dev/null 2>&1
                rm -rf "$BENCH_SLAPD"
        fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
        echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "commit: $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo unknown)"
        echo "build: $BUILD_DIR ($(meson introspect --buildoptions "$BUILD_DIR" 2>/dev/null |
                "$SLAPD_PYTHON" -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print("buildtype=%s b_sanitize=%s" % (o.get("buildtype"), o.get("b_sanitize")))' 2>/dev/null))"
        echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
                "$(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
        echo "versions: $(dpkg-query -W -f='${Package} ${Version}, ' slapd nslcd sssd-ldap libc6 libpam0g 2>/dev/null |
                sed 's/, $//')"
        echo "settings: REPS=${REPS:-1} DUR=${DUR:-3} COLD_N=${COLD_N:-1000} THREADS=${THREADS:-4}" \
                "PAM_N=${PAM_N:-200} PAM_PROCS=${PAM_PROCS:-8}"
        echo "load at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/meta.txt"
cat "$OUT/meta.txt"
printf '%s\n' "# SPDX-License-Identifier: LGPL-2.1-or-later" \
        "# tests/bench/perf.sh: size, system, repetition, figure, what was measured" >"$OUT/raw.tsv"

for n in "${sizes[@]}"; do
        data=$(data_for "$n") || die "could not generate $n users"
        BENCH_SLAPD=$(mktemp -d /tmp/sesame-bench.XXXXXX)
        echo "# $n users: slapadd and slapd" >&2
        # no size limit: every system pages its enumerations, but sssd and
        # nslcd are measured with their defaults; no per-operation log
        # about 1.7 KiB of database per user: a map of 4 KiB per user
        # (at least the harness's 1 GiB) leaves room; it is only reserved
        if ! SLAPD_MAXSIZE=$((n * 4096 > 1073741824 ? n * 4096 : 1073741824)) \
                SLAPD_SIZELIMIT=unlimited SLAPD_LOGLEVEL=none slapd_start "$BENCH_SLAPD" "$data/data.ldif" >&2; then
                tail -n 5 "$BENCH_SLAPD/slapadd.log" >&2 2>/dev/null
                if grep -qs MDB_MAP_FULL "$BENCH_SLAPD/slapadd.log"; then
                        die "$n users do not fit the database size of tests/lib/slapd.sh (its mdb maxsize)"
                fi
                die "slapd did not start with $n users"
        fi
        for system in $SYSTEMS; do
                echo "# $n users: $system" >&2
                LOG_DIR=$OUT/logs "$HERE/system.sh" "$system" "$n" "$data" "$BENCH_SLAPD" "$OUT/raw.tsv" \
                        >>"$OUT/logs/$system-$n.out" 2>&1
                rc=$?
                case $rc in
                0) ;;
                77) grep -h skipped "$OUT/logs/$system-$n.out" >&2 ;;
                *)
                        echo "perf.sh: $system failed at $n users (exit status $rc); see $OUT/logs/$system-$n.out" >&2
                        tail -n 5 "$OUT/logs/$system-$n.out" >&2
                        ;;
                esac
        done
        echo "slapd with $n users: $(awk '/^VmRSS/ { printf "%.0f MB RSS", $2 / 1024 }' "/proc/$SLAPD_PID/status")," \
                "database $(du -sm "$BENCH_SLAPD/db" | cut -f1) MB" >>"$OUT/meta.txt"
        slapd_stop "$BENCH_SLAPD" >/dev/null 2>&1
        rm -rf "$BENCH_SLAPD"
        BENCH_SLAPD=
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"

grep -q '^[^#]' "$OUT/raw.tsv" || die "nothing was measured (see $OUT/logs)"
echo
"$SLAPD_PYTHON" "$HERE/report.py" "$OUT/raw.tsv" "$OUT"
echo
grep -e '^slapd with' -e '^load' "$OUT/meta.txt"
echo "results in $OUT"

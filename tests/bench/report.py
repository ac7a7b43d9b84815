#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The table and the charts of a run of tests/bench/perf.sh.

usage: report.py RAW.tsv OUTDIR

RAW.tsv: lines "SIZE SYSTEM REP FIGURE key=value..." (tests/bench/system.sh).
Prints one Markdown table (a row per figure and directory size, a column
per system; the median of the repetitions) and writes it to
OUTDIR/table.md; writes OUTDIR/latency.svg and OUTDIR/throughput.svg
with gnuplot (when it is installed), one line per system against the
directory size, from the numbers of this run alone (their data and the
gnuplot script stay beside them: chart-*.dat, charts.gp).
"""
import os
import shutil
import statistics
import subprocess
import sys

SYSTEMS = ["sesame", "nslcd", "sssd"]
# the charts may be committed (doc/performance/) as they are
SPDX = "<!-- SPDX-License-Identifier: LGPL-2.1-or-later -->"

# (figure, label, kind); the kinds are rendered by cell()
ROWS = [
    ("passwd_cold", "getpwnam, cold, 1 thread", "lookup"),
    ("passwd_hot", "getpwnam, hot, 1 thread", "lookup"),
    ("passwd_hot_mt", "getpwnam, hot, {threads} threads", "lookup"),
    ("group_cold", "getgrnam, cold", "lookup"),
    ("group_hot", "getgrnam, hot", "lookup"),
    ("initgroups_cold", "getgrouplist, cold", "lookup"),
    ("initgroups_hot", "getgrouplist, hot", "lookup"),
    ("big_cold", "getgrnam of the {big}-member group, cold", "lookup"),
    ("big_hot", "getgrnam of the {big}-member group, hot", "lookup"),
    ("many_cold", "getgrouplist of the user in 500 groups, cold", "lookup"),
    ("many_hot", "getgrouplist of the user in 500 groups, hot", "lookup"),
    ("passwd_all", "passwd enumeration (one pass)", "enum"),
    ("group_all", "group enumeration (one pass)", "enum"),
    ("pam_first", "PAM login, each user's first, 1 process", "pam"),
    ("pam", "PAM login, 1 process", "pam"),
    ("pam_mp", "PAM login, {procs} processes", "pam"),
    ("memory_nss", "daemon memory after the lookups", "memory"),
    ("memory_end", "daemon memory at the end", "memory"),
    ("load", "1-minute load average before the system's run", "load"),
]

# (file stem, title, y label, [(figure, key, panel title)])
CHARTS = [
    ("latency", "Latency (p50) against directory size", "microseconds", [
        ("passwd_cold", "p50_us", "getpwnam, cold"),
        ("passwd_hot", "p50_us", "getpwnam, hot"),
        ("initgroups_cold", "p50_us", "getgrouplist, cold"),
        ("pam", "p50_us", "PAM login, 1 process"),
    ]),
    ("throughput", "Throughput against directory size", "per second", [
        ("passwd_hot", "rate", "getpwnam, hot, 1 thread"),
        ("passwd_hot_mt", "rate", "getpwnam, hot, threads"),
        ("pam", "rate", "PAM logins, 1 process"),
        ("pam_mp", "rate", "PAM logins, processes"),
    ]),
]


def read_raw(path):
    """{(size, system, figure): [dict of one repetition, ...]}"""
    runs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(cols) < 5:
                continue
            size, system, _rep, figure = cols[:4]
            kv = dict(w.split("=", 1) for w in cols[4].split() if "=" in w)
            runs.setdefault((int(size), system, figure), []).append(kv)
    return runs


def median(reps, key):
    """The median of a numeric key over the repetitions, or None."""
    vals = []
    for kv in reps:
        try:
            vals.append(float(kv[key]))
        except (KeyError, ValueError):
            pass
    return statistics.median(vals) if vals else None


def fmt_us(us):
    if us is None:
        return "?"
    if us >= 1e6:
        return "%.2f s" % (us / 1e6)
    if us >= 1e3:
        return "%.3g ms" % (us / 1e3)
    return "%.3g µs" % us


def fmt_rate(r):
    if r is None:
        return "?"
    return "{:,.0f}/s".format(r) if r >= 100 else "%.3g/s" % r


def cell(kind, reps):
    if not reps:
        return "–"
    if "error" in reps[0]:
        return "error (%s)" % reps[0]["error"]
    fail = median(reps, "fail") or 0
    failed = " · **%d failed**" % fail if fail else ""
    if kind == "lookup":
        return "%s · p99 %s · %s%s" % (fmt_us(median(reps, "p50_us")),
                                       fmt_us(median(reps, "p99_us")),
                                       fmt_rate(median(reps, "rate")), failed)
    if kind == "enum":
        return "%s (%d entries)" % (fmt_us(median(reps, "p50_us")),
                                    median(reps, "entries") or 0)
    if kind == "pam":
        return "%s · p50 %s · p99 %s%s" % (fmt_rate(median(reps, "rate")),
                                          fmt_us(median(reps, "p50_us")),
                                          fmt_us(median(reps, "p99_us")),
                                          failed)
    if kind == "load":
        return "%.2f" % median(reps, "loadavg")
    rss = median(reps, "rss_kb")
    return "%.1f MB RSS (%d processes)" % (rss / 1024, median(reps, "procs") or 0)


def size_label(n):
    return "{:,} users".format(n)


def table(runs, systems, sizes):
    """The Markdown table, as a list of lines."""
    out = ["| figure | " + " | ".join(systems) + " |",
           "|---" * (len(systems) + 1) + "|"]
    for size in sizes:
        out.append("| **%s** |" % size_label(size) + " |" * len(systems))
        for figure, label, kind in ROWS:
            cells = [runs.get((size, s, figure), []) for s in systems]
            if not any(cells):
                continue
            threads = procs = "N"
            for reps in cells:
                for kv in reps:
                    threads = kv.get("threads", threads)
                    procs = kv.get("procs", procs)
            label = label.format(threads=threads, procs=procs,
                                 big="{:,}".format(min(size, 10000)))
            out.append("| %s | %s |" % (label, " | ".join(cell(kind, c) for c in cells)))
    return out


def charts(runs, systems, sizes, outdir):
    """chart-*.dat, charts.gp and the SVGs; False when gnuplot is missing."""
    gp = ['set terminal svg size 1000,760 dynamic font "sans,11"',
          'set datafile missing "?"',
          "set logscale xy", "set grid", "set key top left",
          'set xlabel "users in the directory"',
          "set xtics (%s)" % ", ".join('"%s" %d' % (short(s), s) for s in sizes),
          "set offsets graph 0.1, graph 0.1, 0, 0"]
    for stem, title, ylabel, panels in CHARTS:
        gp += ['set output "%s.svg"' % stem,
               'set multiplot layout 2,2 title "%s"' % title,
               'set ylabel "%s"' % ylabel]
        for n, (figure, key, ptitle) in enumerate(panels):
            dat = "chart-%s-%d.dat" % (stem, n)
            with open(os.path.join(outdir, dat), "w", encoding="utf-8") as f:
                f.write("# users " + " ".join(systems) + "\n")
                for size in sizes:
                    vals = [median(runs.get((size, s, figure), []), key) for s in systems]
                    f.write("%d %s\n" % (size, " ".join(
                        "?" if v is None else "%g" % v for v in vals)))
            gp.append('set title "%s"' % ptitle)
            gp.append("plot " + ", ".join(
                '"%s" using 1:%d with linespoints lw 2 pt 7 title "%s"' % (dat, i + 2, s)
                for i, s in enumerate(systems)))
        gp.append("unset multiplot")
    with open(os.path.join(outdir, "charts.gp"), "w", encoding="utf-8") as f:
        f.write("\n".join(gp) + "\n")
    if not shutil.which("gnuplot"):
        return False
    # (a single size makes gnuplot warn about an empty range: kept aside)
    with open(os.path.join(outdir, "gnuplot.log"), "w", encoding="utf-8") as log:
        r = subprocess.run(["gnuplot", "charts.gp"], cwd=outdir, stderr=log,
                           timeout=120, check=False)
    if r.returncode != 0:
        raise RuntimeError("gnuplot failed: see %s/gnuplot.log" % outdir)
    for stem, *_ in CHARTS:
        path = os.path.join(outdir, stem + ".svg")
        with open(path, encoding="utf-8") as f:
            head, rest = f.read().split("\n", 1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(head + "\n" + SPDX + "\n" + rest)
    return True


def short(n):
    for div, unit in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, unit)
    return str(n)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: report.py RAW.tsv OUTDIR\n")
        return 2
    runs = read_raw(argv[1])
    sizes = sorted({k[0] for k in runs})
    present = {k[1] for k in runs}
    systems = [s for s in SYSTEMS if s in present] + sorted(present - set(SYSTEMS))
    if not sizes:
        sys.stderr.write("report.py: no results in %s\n" % argv[1])
        return 1
    os.makedirs(argv[2], exist_ok=True)
    lines = table(runs, systems, sizes)
    with open(os.path.join(argv[2], "table.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if charts(runs, systems, sizes, argv[2]):
        print("\ncharts: %s/latency.svg %s/throughput.svg" % (argv[2], argv[2]))
    else:
        print("\nno charts: gnuplot is not installed (Debian: gnuplot-nox)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

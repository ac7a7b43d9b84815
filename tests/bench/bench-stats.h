/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-stats.h - what the benchmark drivers (bench-nss, bench-pam) share:
 * a latency histogram that costs no allocation per sample, a monotonic
 * clock in nanoseconds, and the reader of their name lists.
 *
 * The histogram is log-linear: 32 buckets per power of two, so a
 * percentile read from it is within about 3 % of the true sample, at any
 * scale from nanoseconds to minutes, in a fixed 11 KiB.  Benchmarks of a
 * memory-mapped cache take millions of samples a second: keeping them all
 * would measure malloc and the page cache rather than the lookup.
 */
#ifndef SESAME_BENCH_STATS_H
#define SESAME_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
/* 2^43 ns is more than two hours: every longer sample lands in the last bucket */
#define HIST_GROUPS 44
#define HIST_BUCKETS (HIST_GROUPS * HIST_SUB)

struct hist {
        uint64_t bucket[HIST_BUCKETS];
        uint64_t count;
        uint64_t sum_ns;
        uint64_t max_ns;
};

/**
 * now_ns() - CLOCK_MONOTONIC in nanoseconds.
 *
 * Return: the time; it never goes backwards.
 */
uint64_t now_ns(void);

/**
 * hist_add() - count one sample.
 * @h: the histogram (zero-initialised before the first sample)
 * @ns: the sample, in nanoseconds
 */
void hist_add(struct hist *h, uint64_t ns);

/**
 * hist_merge() - add every sample of @src to @dst.
 * @dst: the sum
 * @src: a histogram of another thread or process
 */
void hist_merge(struct hist *dst, const struct hist *src);

/**
 * hist_percentile_us() - a percentile of the samples.
 * @h: the histogram
 * @p: the percentile, 0 to 100
 *
 * Return: the middle of the bucket that holds the sample of rank @p, in
 * microseconds; 0 when there are no samples.
 */
double hist_percentile_us(const struct hist *h, double p);

/**
 * hist_mean_us() - the mean of the samples.
 * @h: the histogram
 *
 * Return: the mean in microseconds; 0 when there are no samples.
 */
double hist_mean_us(const struct hist *h);

/*
 * A list of names read from a file, one a line: the first word of each
 * line in name[], the second (or NULL) in arg[].  Blank lines and lines
 * starting with '#' are skipped.
 */
struct name_list {
        char **name;
        char **arg;
        size_t n;
};

/**
 * name_list_read() - read a name list.
 * @path: the file
 * @ret: the list, written only on success (free it with name_list_done())
 *
 * Return: 0, -ENODATA for a file with no names, or another -errno.
 */
int name_list_read(const char *path, struct name_list *ret);

/**
 * name_list_done() - free what a name list holds.
 * @l: the list; it is left empty
 */
void name_list_done(struct name_list *l);

#endif

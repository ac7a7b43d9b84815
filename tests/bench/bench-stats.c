/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-stats.c - the latency histogram and name lists of the benchmark
 * drivers (bench-stats.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-stats.h"
#include "macro.h"

uint64_t now_ns(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Samples below HIST_SUB ns have a bucket each; above, group g (>= 1)
 * holds [HIST_SUB << (g - 1), HIST_SUB << g) in HIST_SUB equal buckets.
 */
static unsigned hist_index(uint64_t ns)
{
        unsigned msb, shift;

        if (ns < HIST_SUB)
                return (unsigned)ns;
        msb = 63u - (unsigned)__builtin_clzll(ns);
        shift = msb - HIST_SUB_BITS;
        if (shift + 1 >= HIST_GROUPS)
                return HIST_BUCKETS - 1;
        return (shift + 1) * HIST_SUB + (unsigned)((ns >> shift) - HIST_SUB);
}

/* the middle of bucket @i, in nanoseconds */
static double hist_value(unsigned i)
{
        unsigned group = i / HIST_SUB, sub = i % HIST_SUB;
        double width;

        if (group == 0)
                return (double)sub;
        width = (double)(UINT64_C(1) << (group - 1));
        return (double)(HIST_SUB + sub) * width + width / 2;
}

void hist_add(struct hist *h, uint64_t ns)
{
        h->bucket[hist_index(ns)]++;
        h->count++;
        h->sum_ns += ns;
        h->max_ns = MAX(h->max_ns, ns);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
        for (unsigned i = 0; i < HIST_BUCKETS; i++)
                dst->bucket[i] += src->bucket[i];
        dst->count += src->count;
        dst->sum_ns += src->sum_ns;
        dst->max_ns = MAX(dst->max_ns, src->max_ns);
}

double hist_percentile_us(const struct hist *h, double p)
{
        uint64_t rank, seen = 0;

        if (h->count == 0)
                return 0;
        /* the sample of rank ceil(p% of count), counted from 1 */
        rank = (uint64_t)(p / 100 * (double)h->count + 0.999999);
        rank = MAX(rank, UINT64_C(1));
        rank = MIN(rank, h->count);
        for (unsigned i = 0; i < HIST_BUCKETS; i++) {
                seen += h->bucket[i];
                if (seen >= rank)
                        /* the last bucket is open-ended: the maximum says more */
                        return (i == HIST_BUCKETS - 1 ? (double)h->max_ns : hist_value(i)) / 1000;
        }
        return (double)h->max_ns / 1000;
}

double hist_mean_us(const struct hist *h)
{
        return h->count ? (double)h->sum_ns / (double)h->count / 1000 : 0;
}

static void fclosep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
}

void name_list_done(struct name_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->name[i]);
                free(l->arg[i]);
        }
        free(l->name);
        free(l->arg);
        *l = (struct name_list){ 0 };
}

/* append @name and @arg (may be NULL) to @l, growing it as needed */
static int name_list_add(struct name_list *l, size_t *cap, const char *name, const char *arg)
{
        if (l->n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 1024;
                char **nn = reallocarray(l->name, ncap, sizeof(char *));

                if (!nn)
                        return -ENOMEM;
                l->name = nn;
                nn = reallocarray(l->arg, ncap, sizeof(char *));
                if (!nn)
                        return -ENOMEM;
                l->arg = nn;
                *cap = ncap;
        }
        l->name[l->n] = strdup(name);
        l->arg[l->n] = arg ? strdup(arg) : NULL;
        if (!l->name[l->n] || (arg && !l->arg[l->n])) {
                free(l->name[l->n]);
                free(l->arg[l->n]);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

int name_list_read(const char *path, struct name_list *ret)
{
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        _cleanup_free_ char *line = NULL;
        struct name_list l = { 0 };
        size_t cap = 0, linesize = 0;
        int r = 0;

        if (!f)
                return -errno;
        while (getline(&line, &linesize, f) >= 0) {
                char *save = NULL, *name, *arg;

                name = strtok_r(line, " \t\r\n", &save);
                if (!name || name[0] == '#')
                        continue;
                arg = strtok_r(NULL, " \t\r\n", &save);
                r = name_list_add(&l, &cap, name, arg);
                if (r < 0)
                        break;
        }
        if (r == 0 && ferror(f))
                r = -EIO;
        if (r == 0 && l.n == 0)
                r = -ENODATA;
        if (r < 0) {
                name_list_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

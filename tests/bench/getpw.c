/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * getpw - the cost of a hot getpwnam_r() through glibc: THREADS threads
 * each look USER up COUNT times; prints the lookups a second and the
 * p50/p99 of one lookup in microseconds.  A benchmark driver, not a test.
 *
 *     getpw USER THREADS COUNT
 */
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct worker {
        const char *user;
        long count;
        double *us; /* one sample a lookup */
        long failed;
};

static double now_us(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void *run(void *arg)
{
        struct worker *w = arg;
        char buf[4096];

        for (long i = 0; i < w->count; i++) {
                struct passwd pw, *p = NULL;
                double a = now_us();
                if (getpwnam_r(w->user, &pw, buf, sizeof(buf), &p) != 0 || !p)
                        w->failed++;
                w->us[i] = now_us() - a;
        }
        return NULL;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: getpw USER THREADS COUNT\n");
                return 2;
        }
        int n = atoi(argv[2]);
        long count = atol(argv[3]);
        if (n < 1 || n > 64 || count < 1)
                return 2;
        pthread_t t[64];
        struct worker w[64];
        double *all = calloc((size_t)(n * count), sizeof(double));
        long failed = 0;
        if (!all)
                return 1;
        double start = now_us();
        for (int i = 0; i < n; i++) {
                w[i] = (struct worker){ argv[1], count, all + i * count, 0 };
                if (pthread_create(&t[i], NULL, run, &w[i]) != 0)
                        return 1;
        }
        for (int i = 0; i < n; i++) {
                (void)pthread_join(t[i], NULL);
                failed += w[i].failed;
        }
        double secs = (now_us() - start) / 1e6;
        qsort(all, (size_t)(n * count), sizeof(double), cmp);
        printf("%d thread(s): %.0f lookups/s, p50 %.2f us, p99 %.2f us, %ld failed\n", n,
               (double)(n * count) / secs, all[(n * count) / 2], all[(n * count) * 99 / 100], failed);
        free(all);
        return failed ? 1 : 0;
}

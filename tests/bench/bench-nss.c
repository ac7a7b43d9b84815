/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-nss - how fast glibc's NSS answers, through whatever module
 * /etc/nsswitch.conf names: the same program measures libnss_sesame,
 * libnss_ldap (nslcd) and libnss_sss (SSSD).  Plain libc, so nothing but
 * the module under test is between the call and the answer.
 *
 *   bench-nss [--threads N] [--seconds S] [--once] MODE [NAMES]
 *
 * MODE: passwd (getpwnam_r), group (getgrnam_r), initgroups
 * (getgrouplist; NAMES lines are "name gid", gid the primary group),
 * passwd-all or group-all (one setpwent/getpwent_r/endpwent pass, or the
 * group one; no NAMES, one thread).
 *
 * Without --once ("hot"), each of N threads looks up names picked at
 * random from NAMES for S seconds (default 3).  With --once ("cold"),
 * every name is looked up exactly once, the list shared by the threads;
 * S (0: none) is then only a bound.  An enumeration runs once, or again
 * and again for S seconds when S is given without --once.
 *
 * Prints one line of key=value pairs, latencies in microseconds:
 * mode threads once ops secs rate p50_us p99_us mean_us max_us fail, and
 * entries (enumerations: entries of the last pass) or groups (initgroups:
 * the mean number of groups per user).  A lookup fails when it finds
 * nothing, or (initgroups) no group beside the primary one: every user of
 * tests/bench/gen-directory.py is in some group.  Exit status 0 when it
 * could measure (failures are counted, not fatal), 2 for a usage error,
 * 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-stats.h"
#include "macro.h"
#include "util.h"

/* the largest answer buffer tried before a lookup counts as failed */
#define BUF_MAX (64u << 20)

enum mode { MODE_PASSWD, MODE_GROUP, MODE_INITGROUPS, MODE_PASSWD_ALL, MODE_GROUP_ALL };

static const char *const mode_names[] = {
        [MODE_PASSWD] = "passwd",
        [MODE_GROUP] = "group",
        [MODE_INITGROUPS] = "initgroups",
        [MODE_PASSWD_ALL] = "passwd-all",
        [MODE_GROUP_ALL] = "group-all",
};

static enum mode arg_mode;
static unsigned arg_threads = 1;
static double arg_seconds = -1;
static bool arg_once;
static struct name_list names;

static atomic_size_t next_name;
static atomic_bool stop;
static uint64_t deadline_ns;

struct worker {
        pthread_t thread;
        unsigned id;
        struct hist hist;
        uint64_t failed;
        uint64_t groups;
        char *buf;
        size_t bufsize;
        gid_t *gids;
        int ngids;
};

/* double the worker's answer buffer; false when it may not grow more */
static bool grow(struct worker *w)
{
        char *nb;

        if (w->bufsize >= BUF_MAX)
                return false;
        nb = realloc(w->buf, w->bufsize * 2);
        if (!nb)
                return false;
        w->buf = nb;
        w->bufsize *= 2;
        return true;
}

static bool lookup_initgroups(struct worker *w, size_t i)
{
        uint32_t gid = 0;
        int n;

        if (!names.arg[i] || parse_u32(names.arg[i], 0, UINT32_MAX - 1, &gid) < 0)
                return false;
        for (;;) {
                int ng = w->ngids;

                n = getgrouplist(names.name[i], gid, w->gids, &ng);
                if (n >= 0)
                        break;
                /* too small: ng says how many there are */
                if (ng <= w->ngids || ng > 1 << 20)
                        return false;
                gid_t *nb = reallocarray(w->gids, (size_t)ng, sizeof(gid_t));
                if (!nb)
                        return false;
                w->gids = nb;
                w->ngids = ng;
        }
        w->groups += (uint64_t)n;
        return n >= 2;
}

/* one lookup of name @i; true when it found what it looked for */
static bool lookup(struct worker *w, size_t i)
{
        for (;;) {
                int r;

                if (arg_mode == MODE_PASSWD) {
                        struct passwd pw, *res = NULL;

                        r = getpwnam_r(names.name[i], &pw, w->buf, w->bufsize, &res);
                        if (r == 0)
                                return res != NULL;
                } else if (arg_mode == MODE_GROUP) {
                        struct group gr, *res = NULL;

                        r = getgrnam_r(names.name[i], &gr, w->buf, w->bufsize, &res);
                        if (r == 0)
                                return res != NULL;
                } else {
                        return lookup_initgroups(w, i);
                }
                if (r != ERANGE || !grow(w))
                        return false;
        }
}

/* the index of the next name to look up, or false when this thread is done */
static bool next(uint64_t *rnd, size_t *ret)
{
        if (atomic_load_explicit(&stop, memory_order_relaxed))
                return false;
        if (arg_once) {
                size_t i = atomic_fetch_add(&next_name, 1);

                if (i >= names.n)
                        return false;
                *ret = i;
                return true;
        }
        /* xorshift64: cheap, and the same sequence on every run */
        *rnd ^= *rnd << 13;
        *rnd ^= *rnd >> 7;
        *rnd ^= *rnd << 17;
        *ret = (size_t)(*rnd % names.n);
        return true;
}

static void *worker_run(void *arg)
{
        struct worker *w = arg;
        uint64_t rnd = UINT64_C(0x9e3779b97f4a7c15) * (w->id + 1);
        size_t i;

        while (next(&rnd, &i)) {
                uint64_t t0 = now_ns(), t1;

                if (!lookup(w, i))
                        w->failed++;
                t1 = now_ns();
                hist_add(&w->hist, t1 - t0);
                if (deadline_ns && t1 >= deadline_ns)
                        atomic_store(&stop, true);
        }
        return NULL;
}

/* one enumeration pass: the number of entries, or -errno */
static long enumerate(char **buf, size_t *bufsize)
{
        long n = 0;

        if (arg_mode == MODE_PASSWD_ALL)
                setpwent();
        else
                setgrent();
        for (;;) {
                struct passwd pw, *pwr = NULL;
                struct group gr, *grr = NULL;
                int r;

                if (arg_mode == MODE_PASSWD_ALL)
                        r = getpwent_r(&pw, *buf, *bufsize, &pwr);
                else
                        r = getgrent_r(&gr, *buf, *bufsize, &grr);
                if (r == ERANGE && *bufsize < BUF_MAX) {
                        char *nb = realloc(*buf, *bufsize * 2);

                        if (!nb) {
                                n = -ENOMEM;
                                break;
                        }
                        *buf = nb;
                        *bufsize *= 2;
                        continue;
                }
                /* ENOENT is the end of the list */
                if (r != 0 || (!pwr && !grr))
                        break;
                n++;
        }
        if (arg_mode == MODE_PASSWD_ALL)
                endpwent();
        else
                endgrent();
        return n;
}

static void print_result(const struct hist *h, uint64_t failed, double secs)
{
        printf("mode=%s threads=%u once=%d ops=%llu secs=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f "
               "mean_us=%.1f max_us=%.1f fail=%llu",
               mode_names[arg_mode], arg_threads, arg_once, (unsigned long long)h->count, secs,
               secs > 0 ? (double)h->count / secs : 0, hist_percentile_us(h, 50),
               hist_percentile_us(h, 99), hist_mean_us(h), (double)h->max_ns / 1000,
               (unsigned long long)failed);
}

static int run_enumeration(void)
{
        size_t bufsize = 1u << 16;
        _cleanup_free_ char *buf = malloc(bufsize);
        struct hist h = { 0 };
        uint64_t start = now_ns(), end;
        long entries = 0;

        if (!buf)
                return 1;
        end = arg_seconds > 0 ? start + (uint64_t)(arg_seconds * 1e9) : 0;
        do {
                uint64_t t0 = now_ns();

                entries = enumerate(&buf, &bufsize);
                hist_add(&h, now_ns() - t0);
        } while (!arg_once && end && now_ns() < end);
        arg_threads = 1;
        print_result(&h, entries <= 0, (double)(now_ns() - start) / 1e9);
        printf(" entries=%ld\n", MAX(entries, 0L));
        return 0;
}

static int run_lookups(void)
{
        _cleanup_free_ struct worker *w = calloc(arg_threads, sizeof(*w));
        struct hist *total = calloc(1, sizeof(*total));
        uint64_t start, failed = 0, groups = 0;
        unsigned started = 0;
        int r = 0;

        if (!w || !total) {
                free(total);
                return 1;
        }
        start = now_ns();
        deadline_ns = arg_seconds > 0 ? start + (uint64_t)(arg_seconds * 1e9) : 0;
        for (unsigned t = 0; t < arg_threads; t++) {
                w[t].id = t;
                w[t].bufsize = 1u << 16;
                w[t].buf = malloc(w[t].bufsize);
                w[t].ngids = 64;
                w[t].gids = calloc((size_t)w[t].ngids, sizeof(gid_t));
                if (!w[t].buf || !w[t].gids || pthread_create(&w[t].thread, NULL, worker_run, &w[t]) != 0) {
                        free(w[t].buf);
                        free(w[t].gids);
                        fprintf(stderr, "bench-nss: cannot start thread %u\n", t);
                        atomic_store(&stop, true);
                        r = 1;
                        break;
                }
                started++;
        }
        for (unsigned t = 0; t < started; t++) {
                (void)pthread_join(w[t].thread, NULL);
                hist_merge(total, &w[t].hist);
                failed += w[t].failed;
                groups += w[t].groups;
                free(w[t].buf);
                free(w[t].gids);
        }
        if (r == 0) {
                print_result(total, failed, (double)(now_ns() - start) / 1e9);
                if (arg_mode == MODE_INITGROUPS)
                        printf(" groups=%.2f", total->count ? (double)groups / (double)total->count : 0);
                printf("\n");
        }
        free(total);
        return r;
}

static int usage(void)
{
        fprintf(stderr, "usage: bench-nss [--threads N] [--seconds S] [--once] "
                        "passwd|group|initgroups NAMES\n"
                        "       bench-nss [--seconds S] passwd-all|group-all\n");
        return 2;
}

static int parse_args(int argc, char **argv)
{
        static const struct option opts[] = {
                { "threads", required_argument, NULL, 't' },
                { "seconds", required_argument, NULL, 's' },
                { "once", no_argument, NULL, 'o' },
                {},
        };
        uint32_t v;
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                if (c == 't' && parse_u32(optarg, 1, 1024, &v) == 0)
                        arg_threads = v;
                else if (c == 's' && parse_u32(optarg, 0, 86400, &v) == 0)
                        arg_seconds = v;
                else if (c == 'o')
                        arg_once = true;
                else
                        return -EINVAL;
        }
        if (optind >= argc)
                return -EINVAL;
        for (size_t m = 0; m < ELEMENTSOF(mode_names); m++)
                if (strcmp(argv[optind], mode_names[m]) == 0) {
                        arg_mode = (enum mode)m;
                        /* an enumeration has no names; a lookup needs them */
                        if (argc - optind != (m >= MODE_PASSWD_ALL ? 1 : 2))
                                return -EINVAL;
                        return 0;
                }
        return -EINVAL;
}

int main(int argc, char **argv)
{
        int r;

        if (parse_args(argc, argv) < 0)
                return usage();
        if (arg_mode == MODE_PASSWD_ALL || arg_mode == MODE_GROUP_ALL)
                return run_enumeration();
        if (arg_seconds < 0)
                arg_seconds = arg_once ? 0 : 3;
        if (!arg_once && arg_seconds == 0)
                /* hot lookups without an end */
                return usage();
        r = name_list_read(argv[optind + 1], &names);
        if (r < 0) {
                fprintf(stderr, "bench-nss: %s: %s\n", argv[optind + 1], strerror(-r));
                return 1;
        }
        r = run_lookups();
        name_list_done(&names);
        return r;
}

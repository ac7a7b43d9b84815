/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss-probe - exercises glibc's NSS API (and so libnss_sesame through
 * nsswitch.conf) in ways getent does not, and calls the module's own entry
 * points where glibc would let another module answer first:
 *
 *   nss-probe erange GROUP        through glibc: a group whose member list
 *                                 needs more than 1 KiB gives ERANGE, then
 *                                 arrives in a big enough buffer (no local
 *                                 group line is that long, so files passes
 *                                 the lookup on to sesame)
 *   nss-probe threads USER N      N threads look USER up concurrently and
 *                                 all get the same answer
 *   nss-probe fork-enum           fork() in the middle of an enumeration:
 *                                 the child sees no entries of its parent's
 *                                 stream, the parent's goes on complete
 *   nss-probe hammer USER N SECS  N threads look USER up for SECS seconds
 *                                 and compare every field with the first
 *                                 answer, while the main thread forks
 *                                 children that do the same (the mapped
 *                                 cache across fork()); prints the count
 *                                 of lookups, fails on any wrong one
 *                                 (under AddressSanitizer the children
 *                                 come after the threads: see there),
 *                                 and when, the threads done, more than
 *                                 one mapping of the file is left (in
 *                                 the parent or a child): a replaced
 *                                 file must be unmapped
 *   nss-probe absent-ms USER      milliseconds one getpwnam_r takes; fails
 *                                 if it finds USER
 *   nss-probe enum passwd|group   the whole enumeration through glibc, each
 *                                 entry as getent prints it; on stderr how
 *                                 it ended (the errno of the last call),
 *                                 how many, and the milliseconds to the
 *                                 first entry and to the end.  Exit status
 *                                 3 when it ended with an error: getent
 *                                 cannot tell that from the end of the list
 *   nss-probe module LIB ...      LIB (libnss_sesame.so.2) itself, dlopen()ed:
 *                                 nss-module.c
 *
 * Exit status 0 when the property holds; the reason on stderr otherwise.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nss-probe.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))

int fail(const char *what)
{
        fprintf(stderr, "nss-probe: %s\n", what);
        return 1;
}

static int probe_erange(const char *group)
{
        struct group gr, *grp = NULL;
        char *big = malloc(1 << 20);
        int r;

        if (!big)
                return fail("out of memory");
        r = getgrnam_r(group, &gr, big, 1024, &grp);
        if (r != ERANGE || grp) {
                free(big);
                return fail("getgrnam_r of a big group with 1 KiB did not give ERANGE");
        }
        r = getgrnam_r(group, &gr, big, 1 << 20, &grp);
        if (r != 0 || !grp || strcmp(gr.gr_name, group) != 0) {
                free(big);
                return fail("getgrnam_r with a big buffer did not find the group");
        }
        size_t n = 0;
        while (gr.gr_mem[n])
                n++;
        printf("%s: %zu members\n", gr.gr_name, n);
        free(big);
        return 0;
}

struct job {
        const char *user;
        int lookups;
        int bad;
};

static void *worker(void *arg)
{
        struct job *j = arg;
        char buf[4096];

        for (int i = 0; i < j->lookups; i++) {
                struct passwd pw, *pwp = NULL;
                if (getpwnam_r(j->user, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp ||
                    strcmp(pw.pw_name, j->user) != 0)
                        j->bad++;
        }
        return NULL;
}

static int probe_threads(const char *user, int n)
{
        pthread_t t[64];
        struct job jobs[64];
        int bad = 0;

        if (n < 1 || n > 64)
                return fail("1..64 threads");
        for (int i = 0; i < n; i++) {
                jobs[i] = (struct job){ user, 50, 0 };
                if (pthread_create(&t[i], NULL, worker, &jobs[i]) != 0)
                        return fail("pthread_create");
        }
        for (int i = 0; i < n; i++) {
                (void)pthread_join(t[i], NULL);
                bad += jobs[i].bad;
        }
        printf("%d threads x 50 lookups, %d wrong\n", n, bad);
        return bad ? 1 : 0;
}

struct hammer {
        const char *user;
        const struct passwd *want;
        int64_t until;
        long lookups, bad;
};

static int64_t mono_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_passwd(const struct passwd *a, const struct passwd *b)
{
        return strcmp(a->pw_name, b->pw_name) == 0 && strcmp(a->pw_passwd, b->pw_passwd) == 0 &&
               a->pw_uid == b->pw_uid && a->pw_gid == b->pw_gid && strcmp(a->pw_gecos, b->pw_gecos) == 0 &&
               strcmp(a->pw_dir, b->pw_dir) == 0 && strcmp(a->pw_shell, b->pw_shell) == 0;
}

/* Lookups until h->until; an answer that is not the wanted one counts as
 * bad (sesamed is up throughout: "not found" is wrong too). */
static void hammer_loop(struct hammer *h)
{
        char buf[4096];

        while (mono_ms() < h->until) {
                struct passwd pw, *pwp = NULL;
                h->lookups++;
                int r = getpwnam_r(h->user, &pw, buf, sizeof(buf), &pwp);
                if (r == 0 && pwp && same_passwd(&pw, h->want))
                        continue;
                /* say what it was: an error, nothing, or another entry */
                if (h->bad++ == 0)
                        fprintf(stderr, "nss-probe: pid %d: %s (%s)\n", (int)getpid(),
                                r ? "an error" : !pwp ? "not found" : "a different entry",
                                r ? strerror(r) : !pwp ? "-" : pw.pw_gecos);
        }
}

/* How many mappings of the cache file the process has: each one a
 * replaced file kept mapped. */
static int map_count(void)
{
        FILE *f = fopen("/proc/self/maps", "re");
        char line[4096];
        int n = 0;

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (strstr(line, "/nss.map"))
                        n++;
        (void)fclose(f);
        return n;
}

static void *hammer_thread(void *arg)
{
        hammer_loop(arg);
        return NULL;
}

static int probe_hammer(const char *user, int n, int secs)
{
        char wbuf[4096];
        struct passwd want, *wp = NULL;
        pthread_t t[64];
        struct hammer h[64];
        long lookups = 0, bad = 0, forks = 0;
#ifdef __SANITIZE_ADDRESS__
        const bool forks_alone = true;
#else
        const bool forks_alone = false;
#endif

        if (n < 1 || n > 64 || secs < 1)
                return fail("1..64 threads, 1 second or more");
        if (getpwnam_r(user, &want, wbuf, sizeof(wbuf), &wp) != 0 || !wp)
                return fail("the user is not found to begin with");
        for (int i = 0; i < n; i++) {
                h[i] = (struct hammer){ user, &want, mono_ms() + secs * 1000, 0, 0 };
                if (pthread_create(&t[i], NULL, hammer_thread, &h[i]) != 0)
                        return fail("pthread_create");
        }
#ifdef __SANITIZE_ADDRESS__
        /* gcc 12's AddressSanitizer runtime has no fork handlers for its
         * allocator: a child forked while another thread is inside
         * malloc() waits for that thread's allocator lock for ever (in
         * glibc's files module, before ours is reached).  Under it the
         * children are forked once the threads are done. */
        for (int i = 0; i < n; i++)
                (void)pthread_join(t[i], NULL);
#endif
        /* children forked while the threads are in the middle of lookups */
        for (int64_t end = mono_ms() + (forks_alone ? 2000 : 0); mono_ms() < MAX(end, h[0].until);) {
                pid_t pid = fork();
                int st;
                if (pid < 0)
                        return fail("fork");
                if (pid == 0) {
                        struct hammer c = { user, &want, mono_ms() + 50, 0, 0 };
                        alarm(10); /* a child that hangs fails */
                        hammer_loop(&c);
                        /* the parent's mappings it came with, but the
                         * current one, are gone after a lookup */
                        _exit(c.bad || !c.lookups || map_count() > 1 ? 1 : 0);
                }
                if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                        fprintf(stderr, "nss-probe: child %d failed (status 0x%x)\n", (int)pid, st);
                        bad++;
                }
                forks++;
        }
#ifndef __SANITIZE_ADDRESS__
        for (int i = 0; i < n; i++)
                (void)pthread_join(t[i], NULL);
#endif
        for (int i = 0; i < n; i++) {
                lookups += h[i].lookups;
                bad += h[i].bad;
        }
        /* the threads are gone, and with them what they held: one more
         * lookup, and no more than the current file is mapped */
        struct passwd pw, *pwp = NULL;
        (void)getpwnam_r(user, &pw, wbuf, sizeof(wbuf), &pwp);
        int maps = map_count();
        printf("%ld lookups in %d threads and %ld children, %ld wrong; %d mapping(s) of the file left\n", lookups, n,
               forks, bad, maps);
        if (maps > 1)
                return fail("replaced files are still mapped");
        return bad ? 1 : 0;
}

static int probe_fork_enum(void)
{
        long before = 0, after = 0;
        pid_t pid;
        int st;

        setpwent();
        /* past the local files, into sesamed's stream */
        for (int i = 0; i < 100 && getpwent(); i++)
                before++;
        pid = fork();
        if (pid < 0)
                return fail("fork");
        if (pid == 0) {
                /* the child must not read its parent's stream: whatever it
                 * gets is not the parent's next entries (it may restart or
                 * end), and it must not hang or crash */
                long n = 0;
                while (getpwent() && n < 100000)
                        n++;
                endpwent();
                _exit(0);
        }
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return fail("the child crashed or failed");
        while (getpwent())
                after++;
        endpwent();
        printf("%ld\n", before + after);
        return 0;
}

static int probe_absent_ms(const char *user)
{
        struct timespec a, b;
        struct passwd pw, *pwp = NULL;
        char buf[4096];

        (void)clock_gettime(CLOCK_MONOTONIC, &a);
        (void)getpwnam_r(user, &pw, buf, sizeof(buf), &pwp);
        (void)clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
        return pwp ? fail("found a user that should not resolve") : 0;
}

static long ms_since(const struct timespec *a)
{
        struct timespec b;

        (void)clock_gettime(CLOCK_MONOTONIC, &b);
        return (long)((b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000);
}

static int probe_enum(const char *db)
{
        bool pw = strcmp(db, "passwd") == 0;
        struct timespec t0;
        long n = 0, first = -1;
        int err;

        if (!pw && strcmp(db, "group") != 0)
                return fail("enum: passwd or group");
        (void)clock_gettime(CLOCK_MONOTONIC, &t0);
        pw ? setpwent() : setgrent();
        for (;;) {
                errno = 0;
                if (pw) {
                        struct passwd *p = getpwent();
                        err = errno;
                        if (!p)
                                break;
                        printf("%s:%s:%u:%u:%s:%s:%s\n", p->pw_name, p->pw_passwd, (unsigned)p->pw_uid,
                               (unsigned)p->pw_gid, p->pw_gecos, p->pw_dir, p->pw_shell);
                } else {
                        struct group *g = getgrent();
                        err = errno;
                        if (!g)
                                break;
                        printf("%s:%s:%u:", g->gr_name, g->gr_passwd, (unsigned)g->gr_gid);
                        for (char **m = g->gr_mem; *m; m++)
                                printf("%s%s", m == g->gr_mem ? "" : ",", *m);
                        printf("\n");
                }
                if (n++ == 0)
                        first = ms_since(&t0);
        }
        pw ? endpwent() : endgrent();
        fprintf(stderr, "%s: %ld entries; first after %ld ms, all after %ld ms; ended: %s\n", db, n, first,
                ms_since(&t0), err == 0 || err == ENOENT ? "complete" : strerror(err));
        return err == 0 || err == ENOENT ? 0 : 3;
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "erange") == 0)
                return probe_erange(argv[2]);
        if (argc == 4 && strcmp(argv[1], "threads") == 0)
                return probe_threads(argv[2], atoi(argv[3]));
        if (argc == 5 && strcmp(argv[1], "hammer") == 0)
                return probe_hammer(argv[2], atoi(argv[3]), atoi(argv[4]));
        if (argc == 2 && strcmp(argv[1], "fork-enum") == 0)
                return probe_fork_enum();
        if (argc == 3 && strcmp(argv[1], "absent-ms") == 0)
                return probe_absent_ms(argv[2]);
        if (argc == 3 && strcmp(argv[1], "enum") == 0)
                return probe_enum(argv[2]);
        if (argc >= 3 && strcmp(argv[1], "module") == 0)
                return probe_module(argc - 2, argv + 2);
        fprintf(stderr, "usage: nss-probe erange GROUP | threads USER N | fork-enum | absent-ms USER | enum DB\n"
                        "       nss-probe module LIB ... (nss-module.c)\n");
        return 2;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-mcache.c - the memory-mapped cache (doc/mcache.md): sesamed's
 * writer (helper/sesamed/mcache-write.c, driven by cache.c) against the
 * reader every process uses (common/mcache.c).  Only NSS keys with data
 * are published; replacing, a not-found answer and a flush take records
 * out; expiry; a new file tells the readers of the old one; a large
 * record is remembered as checked only while nothing was written.  And the
 * seqlock: reader processes and threads copying records while the writer
 * rewrites them (and empties the area over and over) never get a torn
 * copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "macro.h"
#include "mcache-write.h"
#include "mcache.h"
#include "sesame-proto.h"

#define T0 1000000 /* monotonic ms */

static char dir[] = "/tmp/test-mcache-XXXXXX";
static char path[64];

/* The file as a reader sees it (without the owner check, which needs
 * root: test-mcache.sh holds the module to it). */
static void view_of(struct mcache_view *v)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        assert_true(p != MAP_FAILED);
        (void)close(fd);
        assert_int_equal(mcache_view_init(v, p, (size_t)st.st_size), 0);
}

static void view_done(struct mcache_view *v)
{
        (void)munmap((void *)(uintptr_t)v->base, v->size);
}

static int get(const struct mcache_view *v, const char *key, int64_t now, const char *want)
{
        uint8_t *d = NULL;
        size_t len = 0;
        int r = mcache_view_lookup(v, key, now, &d, &len);

        if (r == 0) {
                assert_int_equal(len, strlen(want));
                assert_memory_equal(d, want, len);
                free(d);
        }
        return r;
}

static void put(struct cache *c, const char *key, uint32_t status, const char *value, int64_t expires)
{
        assert_int_equal(cache_put(c, key, status, (const uint8_t *)value, strlen(value), expires), 0);
}

static void test_mirror(void **state _unused_)
{
        struct cache *c = cache_new(100, 100), *other = cache_new(100, 100);
        struct mcache_view v;

        assert_int_equal(mcache_publish(path, c, 100), 0);
        view_of(&v);
        put(c, "pn:alice", SESAME_ST_OK, "alice-frames", T0 + 1000);
        put(c, "pu:10001", SESAME_ST_OK, "uid-frames", T0 + 1000);
        put(c, "gn:staff", SESAME_ST_OK, "group-frames", T0 + 1000);
        put(c, "gg:10000", SESAME_ST_OK, "gid-frames", T0 + 1000);
        put(c, "ig:alice", SESAME_ST_OK, "", T0 + 1000);
        assert_int_equal(get(&v, "pn:alice", T0, "alice-frames"), 0);
        assert_int_equal(get(&v, "pu:10001", T0, "uid-frames"), 0);
        assert_int_equal(get(&v, "gn:staff", T0, "group-frames"), 0);
        assert_int_equal(get(&v, "gg:10000", T0, "gid-frames"), 0);
        assert_int_equal(get(&v, "ig:alice", T0, ""), 0);
        /* expired at its expiry time */
        assert_int_equal(get(&v, "pn:alice", T0 + 1000, NULL), -ESTALE);
        /* the same name in another table is another key */
        assert_int_equal(get(&v, "gn:alice", T0, NULL), -ENOENT);

        /* never published: role checks, mail lookups, enumeration,
         * not-found answers */
        put(c, "rl:alice", SESAME_ST_OK, "role", T0 + 1000);
        put(c, "pm:alice@example.test", SESAME_ST_OK, "by-mail", T0 + 1000);
        put(c, "pe:", SESAME_ST_OK, "everyone", T0 + 1000);
        put(c, "pn:nobody", SESAME_ST_NOTFOUND, "", T0 + 1000);
        assert_int_equal(get(&v, "rl:alice", T0, NULL), -ENOENT);
        assert_int_equal(get(&v, "pm:alice@example.test", T0, NULL), -ENOENT);
        assert_int_equal(get(&v, "pe:", T0, NULL), -ENOENT);
        assert_int_equal(get(&v, "pn:nobody", T0, NULL), -ENOENT);
        const uint8_t *p = memmem(v.base, v.size, "rl:alice", 8);
        assert_null(p);

        /* replaced; then not found any more: gone */
        put(c, "pn:alice", SESAME_ST_OK, "alice-new", T0 + 2000);
        assert_int_equal(get(&v, "pn:alice", T0 + 1500, "alice-new"), 0);
        put(c, "pn:alice", SESAME_ST_NOTFOUND, "", T0 + 2000);
        assert_int_equal(get(&v, "pn:alice", T0, NULL), -ENOENT);

        /* another cache (an older generation) writes nothing */
        put(other, "pn:eve", SESAME_ST_OK, "eve", T0 + 1000);
        cache_flush(other);
        assert_int_equal(get(&v, "pn:eve", T0, NULL), -ENOENT);
        assert_int_equal(get(&v, "pu:10001", T0, "uid-frames"), 0);

        /* a flush empties the file */
        cache_flush(c);
        assert_int_equal(get(&v, "pu:10001", T0, NULL), -ENOENT);
        assert_false(mcache_view_invalid(&v));

        /* a new file: the old one says so */
        assert_int_equal(mcache_publish(path, other, 100), 0);
        assert_true(mcache_view_invalid(&v));
        view_done(&v);
        view_of(&v);
        assert_false(mcache_view_invalid(&v));
        put(other, "pn:eve", SESAME_ST_OK, "eve", T0 + 1000);
        assert_int_equal(get(&v, "pn:eve", T0, "eve"), 0);
        mcache_withdraw(path);
        assert_true(mcache_view_invalid(&v));
        assert_int_equal(access(path, F_OK), -1);
        view_done(&v);
        cache_free(c);
        cache_free(other);
}

/* A full record area is emptied and filled again: the newest answers
 * stay. */
static void test_area_full(void **state _unused_)
{
        static char big[4096];
        char key[32];
        struct mcache_view v;
        static int owner; /* any cache: the writer only compares it */

        memset(big, 'x', sizeof(big) - 1);
        assert_int_equal(mcache_publish(path, &owner, 100), 0);
        view_of(&v);
        /* 1 MiB of area: 1000 records of 4 KiB do not fit */
        for (int i = 0; i < 1000; i++) {
                (void)snprintf(key, sizeof(key), "pn:u%d", i);
                mcache_put(&owner, key, SESAME_ST_OK, (const uint8_t *)big, sizeof(big) - 1, T0 + 1000);
        }
        assert_int_equal(get(&v, "pn:u999", T0, big), 0);
        assert_int_equal(get(&v, "pn:u0", T0, NULL), -ENOENT);
        /* an answer larger than the whole area is not published */
        char *huge = calloc(2 << 20, 1);
        assert_non_null(huge);
        mcache_put(&owner, "pn:huge", SESAME_ST_OK, (const uint8_t *)huge, 2 << 20, T0 + 1000);
        assert_int_equal(get(&v, "pn:huge", T0, NULL), -ENOENT);
        assert_int_equal(get(&v, "pn:u999", T0, big), 0);
        free(huge);
        mcache_withdraw(path);
        view_done(&v);
}

/* ---------------------------------------------------------- the memo */

struct seen {
        bool checked;
        uint32_t note;
        size_t len;
};

static int note_use(const uint8_t *data _unused_, size_t len, struct mcache_hit *hit, void *arg)
{
        struct seen *s = arg;

        s->checked = hit->checked;
        s->note = hit->note;
        s->len = len;
        hit->note = 7;
        return 0;
}

/* Whether a read of @key at @now is told the record passed before. */
static bool checked(const struct mcache_view *v, uint64_t id, struct mcache_memo *memo, const char *key, int64_t now)
{
        struct seen s = { 0 };

        assert_int_equal(mcache_view_read(v, id, key, strlen(key), now, memo, note_use, &s), 0);
        if (s.checked)
                assert_int_equal(s.note, 7);
        return s.checked;
}

/* A large record that passed its use is taken as passed only while
 * nothing was written, in the same mapping, and for at most
 * MCACHE_MEMO_MS; a small one never. */
static void test_memo(void **state _unused_)
{
        static char big[MCACHE_MEMO_MIN + 100];
        static int owner;
        struct mcache_memo memo = { 0 };
        struct mcache_view v;

        memset(big, 'x', sizeof(big) - 1);
        assert_int_equal(mcache_publish(path, &owner, 100), 0);
        view_of(&v);
        mcache_put(&owner, "gn:big", SESAME_ST_OK, (const uint8_t *)big, strlen(big), T0 + 5000);
        mcache_put(&owner, "gn:small", SESAME_ST_OK, (const uint8_t *)"s", 1, T0 + 5000);

        assert_false(checked(&v, 1, &memo, "gn:big", T0));
        assert_true(checked(&v, 1, &memo, "gn:big", T0 + 10));
        /* not without a memo, nor in another mapping */
        assert_false(checked(&v, 0, &memo, "gn:big", T0 + 10));
        assert_false(checked(&v, 2, &memo, "gn:big", T0 + 10));
        assert_false(checked(&v, 1, NULL, "gn:big", T0 + 10));
        /* small: checked every time */
        assert_false(checked(&v, 1, &memo, "gn:small", T0));
        assert_false(checked(&v, 1, &memo, "gn:small", T0));

        /* any write, even of another key, and it is checked again */
        assert_false(checked(&v, 1, &memo, "gn:big", T0));
        assert_true(checked(&v, 1, &memo, "gn:big", T0));
        mcache_put(&owner, "pn:other", SESAME_ST_OK, (const uint8_t *)"o", 1, T0 + 5000);
        assert_false(checked(&v, 1, &memo, "gn:big", T0));
        assert_true(checked(&v, 1, &memo, "gn:big", T0));
        /* a record replaced by one of another length at the same place
         * after a flush: the counter moved */
        mcache_clear(&owner);
        mcache_put(&owner, "gn:big", SESAME_ST_OK, (const uint8_t *)big, strlen(big) - 1, T0 + 5000);
        struct seen s = { 0 };
        assert_int_equal(mcache_view_read(&v, 1, "gn:big", 6, T0, &memo, note_use, &s), 0);
        assert_false(s.checked);
        assert_int_equal(s.len, strlen(big) - 1);

        /* at most MCACHE_MEMO_MS after the check */
        assert_true(checked(&v, 1, &memo, "gn:big", T0 + MCACHE_MEMO_MS - 1));
        assert_false(checked(&v, 1, &memo, "gn:big", T0 + MCACHE_MEMO_MS));
        mcache_withdraw(path);
        view_done(&v);
}

/* ---------------------------------------------------------- the seqlock */

#define KEYS 16
#define READERS 4
#define THREADS 3
#define STRESS_MS 2000
/* Large values: the 1 MiB area is emptied every few rounds, and records
 * are written over the bytes of others all the time. */
#define VALUE_MAX 60000

/* Generation @g of key @k: a header, then bytes that all depend on both,
 * and a length that changes with @g, so a copy mixing two versions (or
 * two records) shows. */
static size_t make_value(uint8_t *buf, uint32_t g, uint32_t k)
{
        size_t len = 8 + (g * 7919 + k * 13) % VALUE_MAX;

        memcpy(buf, &g, 4);
        memcpy(buf + 4, &k, 4);
        for (size_t i = 8; i < len; i++)
                buf[i] = (uint8_t)(g * 31 + k * 17 + i);
        return len;
}

static bool value_ok(const uint8_t *d, size_t len, uint32_t k)
{
        static _Thread_local uint8_t want[VALUE_MAX + 8];
        uint32_t g, kk;

        if (len < 8)
                return false;
        memcpy(&g, d, 4);
        memcpy(&kk, d + 4, 4);
        return kk == k && make_value(want, g, k) == len && memcmp(want, d, len) == 0;
}

struct reader {
        const struct mcache_view *v;
        long found, bad;
};

static int64_t ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *read_loop(void *arg)
{
        struct reader *r = arg;
        int64_t end = ms() + STRESS_MS;
        char key[16];

        for (uint32_t i = 0; ms() < end; i++) {
                uint32_t k = i % KEYS;
                uint8_t *d = NULL;
                size_t len = 0;
                (void)snprintf(key, sizeof(key), "pn:u%u", k);
                int rr = mcache_view_lookup(r->v, key, T0, &d, &len);
                if (rr == 0) {
                        r->found++;
                        if (!value_ok(d, len, k))
                                r->bad++;
                        free(d);
                } else if (rr != -ENOENT && rr != -EAGAIN)
                        r->bad++;
        }
        return NULL;
}

/* A reader process: THREADS threads; exit status 0 when every copy was
 * whole and some were found. */
static int reader_process(void)
{
        struct mcache_view v;
        pthread_t t[THREADS];
        struct reader r[THREADS];
        long found = 0, bad = 0;

        view_of(&v);
        for (int i = 0; i < THREADS; i++) {
                r[i] = (struct reader){ &v, 0, 0 };
                if (pthread_create(&t[i], NULL, read_loop, &r[i]) != 0)
                        return 3;
        }
        for (int i = 0; i < THREADS; i++) {
                (void)pthread_join(t[i], NULL);
                found += r[i].found;
                bad += r[i].bad;
        }
        fprintf(stderr, "# reader %d: %ld copies, %ld torn or wrong\n", (int)getpid(), found, bad);
        return bad ? 1 : found ? 0 : 2;
}

static void test_no_torn_copy(void **state _unused_)
{
        static uint8_t buf[VALUE_MAX + 8];
        const void *owner = &buf;
        pid_t pids[READERS];
        char key[16];
        long puts = 0;

        assert_int_equal(mcache_publish(path, owner, 100), 0);
        for (int i = 0; i < READERS; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0)
                        _exit(reader_process());
        }
        /* rewrite every key with a new generation, all along: the 1 MiB
         * area fills and is emptied every few rounds, and now and then a
         * flush empties it at once */
        int64_t end = ms() + STRESS_MS + 200;
        for (uint32_t g = 1; ms() < end; g++) {
                for (uint32_t k = 0; k < KEYS; k++) {
                        (void)snprintf(key, sizeof(key), "pn:u%u", k);
                        size_t len = make_value(buf, g, k);
                        mcache_put(owner, key, SESAME_ST_OK, buf, len, T0 + 1000);
                        puts++;
                }
                if (g % 50 == 0)
                        mcache_clear(owner);
        }
        for (int i = 0; i < READERS; i++) {
                int st;
                assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
                assert_true(WIFEXITED(st));
                assert_int_equal(WEXITSTATUS(st), 0);
        }
        fprintf(stderr, "# %ld writes\n", puts);
        mcache_withdraw(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mirror),
                cmocka_unit_test(test_area_full),
                cmocka_unit_test(test_memo),
                cmocka_unit_test(test_no_torn_copy),
        };
        int r;

        if (!mkdtemp(dir))
                return 1;
        (void)snprintf(path, sizeof(path), "%s/nss.map", dir);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        (void)rmdir(dir);
        return r;
}

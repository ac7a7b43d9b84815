/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cache.c - helper/sesamed/cache.c: sesamed's answer cache.  Fresh
 * until its expiry time, stale (but still returned, for when the
 * directory is down) after it; negative answers with a cap of their own,
 * so that junk names cannot push real entries out; at most @max answers
 * with data, the least recently used dropped first; flush.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "macro.h"
#include "sesame-proto.h"

#define T0 1000000 /* monotonic ms */

struct got {
        int r;
        uint8_t *data;
        size_t len;
        uint32_t status;
        bool fresh;
};

static struct got get(struct cache *c, const char *key, int64_t now)
{
        struct got g = { .data = NULL, .len = 999, .status = 999, .fresh = true };

        g.r = cache_get(c, key, now, &g.data, &g.len, &g.status, &g.fresh);
        return g;
}

static void put_str(struct cache *c, const char *key, const char *value, int64_t expires)
{
        assert_int_equal(cache_put(c, key, SESAME_ST_OK, (const uint8_t *)value, strlen(value), expires), 0);
}

/* @key is there with @value (status OK). */
static void assert_has(struct cache *c, const char *key, const char *value)
{
        struct got g = get(c, key, T0);

        print_message("%s\n", key);
        assert_int_equal(g.r, 0);
        assert_int_equal(g.status, SESAME_ST_OK);
        assert_int_equal(g.len, strlen(value));
        assert_memory_equal(g.data, value, g.len);
        free(g.data);
}

static void assert_absent(struct cache *c, const char *key)
{
        struct got g = get(c, key, T0);

        print_message("%s\n", key);
        assert_int_equal(g.r, -ENOENT);
        /* nothing handed out */
        assert_null(g.data);
        assert_int_equal(g.len, 999);
        assert_int_equal(g.status, 999);
}

static void absent(void **state _unused_)
{
        struct cache *c = cache_new(8, 8);

        assert_non_null(c);
        assert_absent(c, "pn:alice");
        assert_int_equal(cache_count(c), 0);
        cache_free(c);
}

static void ttl_fresh_and_expired(void **state _unused_)
{
        struct cache *c = cache_new(8, 8);
        struct got g;

        put_str(c, "pn:alice", "frame", T0 + 5000);
        g = get(c, "pn:alice", T0);
        assert_int_equal(g.r, 0);
        assert_true(g.fresh);
        free(g.data);
        g = get(c, "pn:alice", T0 + 4999);
        assert_true(g.fresh);
        free(g.data);
        /* expired at its expiry time, and still returned (stale): when
         * the directory is down, nsssrv serves it */
        g = get(c, "pn:alice", T0 + 5000);
        assert_int_equal(g.r, 0);
        assert_false(g.fresh);
        assert_int_equal(g.len, 5);
        assert_memory_equal(g.data, "frame", 5);
        free(g.data);
        g = get(c, "pn:alice", T0 + 86400000);
        assert_int_equal(g.r, 0);
        assert_false(g.fresh);
        free(g.data);
        assert_int_equal(cache_count(c), 1);
        cache_free(c);
}

static void negative_entries(void **state _unused_)
{
        struct cache *c = cache_new(8, 8);
        struct got g;

        /* a NOTFOUND answer has no data frames */
        assert_int_equal(cache_put(c, "pn:nobody", SESAME_ST_NOTFOUND, NULL, 0, T0 + 1000), 0);
        g = get(c, "pn:nobody", T0);
        assert_int_equal(g.r, 0);
        assert_int_equal(g.status, SESAME_ST_NOTFOUND);
        assert_int_equal(g.len, 0);
        assert_non_null(g.data); /* always a buffer to free */
        assert_true(g.fresh);
        free(g.data);
        g = get(c, "pn:nobody", T0 + 1000);
        assert_int_equal(g.r, 0);
        assert_int_equal(g.status, SESAME_ST_NOTFOUND);
        assert_false(g.fresh);
        free(g.data);
        /* the user appears: the positive answer replaces it */
        put_str(c, "pn:nobody", "entry", T0 + 2000);
        assert_has(c, "pn:nobody", "entry");
        assert_int_equal(cache_count(c), 1);
        cache_free(c);
}

static void copies(void **state _unused_)
{
        struct cache *c = cache_new(8, 8);
        uint8_t v[4] = { 1, 2, 3, 4 };
        struct got g;

        assert_int_equal(cache_put(c, "gg:100", SESAME_ST_OK, v, sizeof(v), T0 + 1000), 0);
        v[0] = 9; /* the cache kept its own copy */
        g = get(c, "gg:100", T0);
        assert_int_equal(g.data[0], 1);
        g.data[1] = 9; /* and hands out copies */
        free(g.data);
        g = get(c, "gg:100", T0);
        assert_memory_equal(g.data, ((uint8_t[]){ 1, 2, 3, 4 }), 4);
        free(g.data);
        cache_free(c);
}

static void eviction_at_max(void **state _unused_)
{
        struct cache *c = cache_new(3, 3);

        put_str(c, "k1", "1", T0 + 1000);
        put_str(c, "k2", "2", T0 + 1000);
        put_str(c, "k3", "3", T0 + 1000);
        assert_int_equal(cache_count(c), 3);
        put_str(c, "k4", "4", T0 + 1000);
        assert_int_equal(cache_count(c), 3);
        assert_absent(c, "k1"); /* the oldest went */
        assert_has(c, "k2", "2");
        assert_has(c, "k3", "3");
        assert_has(c, "k4", "4");
        /* replacing an entry makes it the newest and does not grow */
        put_str(c, "k2", "2b", T0 + 1000);
        assert_int_equal(cache_count(c), 3);
        put_str(c, "k5", "5", T0 + 1000);
        assert_absent(c, "k3");
        assert_has(c, "k2", "2b");
        assert_has(c, "k4", "4");
        assert_has(c, "k5", "5");
        cache_free(c);
}

static void many_keys(void **state _unused_)
{
        const size_t n = 5000;
        struct cache *c = cache_new(n, 16);
        char key[32], value[32];

        for (size_t i = 0; i < n; i++) {
                (void)snprintf(key, sizeof(key), "pu:%zu", 10000 + i);
                (void)snprintf(value, sizeof(value), "v%zu", i);
                put_str(c, key, value, T0 + 1000);
        }
        assert_int_equal(cache_count(c), n);
        for (size_t i = 0; i < n; i += 97) {
                (void)snprintf(key, sizeof(key), "pu:%zu", 10000 + i);
                (void)snprintf(value, sizeof(value), "v%zu", i);
                assert_has(c, key, value);
        }
        /* pu:10000 was just read: the least recently used is pu:10001 */
        put_str(c, "pu:x", "x", T0 + 1000);
        assert_int_equal(cache_count(c), n);
        assert_absent(c, "pu:10001");
        assert_has(c, "pu:10000", "v0");
        assert_has(c, "pu:10002", "v2");
        cache_free(c);
}

/* The table grows with the entries (from 1024 buckets to what the caps
 * ask for): every entry is still found after each doubling, a replaced
 * one has its new value, and a flush leaves nothing behind. */
static void growth_keeps_entries(void **state _unused_)
{
        const size_t n = 9000;
        struct cache *c = cache_new(n, 100);
        char key[32], value[32];

        for (size_t i = 0; i < n; i++) {
                (void)snprintf(key, sizeof(key), "gn:g%zu", i);
                (void)snprintf(value, sizeof(value), "v%zu", i);
                put_str(c, key, value, T0 + 1000);
                if (i % 1000 == 999)
                        assert_has(c, "gn:g0", "v0");
        }
        for (size_t i = 0; i < n; i += 3) {
                (void)snprintf(key, sizeof(key), "gn:g%zu", i);
                (void)snprintf(value, sizeof(value), "w%zu", i);
                put_str(c, key, value, T0 + 1000);
        }
        assert_int_equal(cache_count(c), n);
        for (size_t i = 0; i < n; i++) {
                (void)snprintf(key, sizeof(key), "gn:g%zu", i);
                (void)snprintf(value, sizeof(value), "%c%zu", i % 3 ? 'v' : 'w', i);
                assert_has(c, key, value);
        }
        assert_absent(c, "gn:g9000");
        cache_flush(c);
        assert_int_equal(cache_count(c), 0);
        assert_absent(c, "gn:g1");
        cache_free(c);
}

/* A lookup makes an entry the most recently used: what people use stays,
 * whatever else is asked for. */
static void lookups_refresh(void **state _unused_)
{
        struct cache *c = cache_new(3, 3);

        put_str(c, "k1", "1", T0 + 1000);
        put_str(c, "k2", "2", T0 + 1000);
        put_str(c, "k3", "3", T0 + 1000);
        assert_has(c, "k1", "1");
        put_str(c, "k4", "4", T0 + 1000);
        assert_absent(c, "k2");
        assert_has(c, "k1", "1");
        assert_has(c, "k3", "3");
        assert_has(c, "k4", "4");
        /* a stale entry read is refreshed too: it is what is served when
         * the directory is down */
        assert_has(c, "k3", "3");
        put_str(c, "k5", "5", T0 + 1000);
        put_str(c, "k6", "6", T0 + 1000);
        assert_has(c, "k3", "3");
        assert_absent(c, "k1");
        assert_absent(c, "k4");
        cache_free(c);
}

static void put_negative(struct cache *c, const char *key)
{
        assert_int_equal(cache_put(c, key, SESAME_ST_NOTFOUND, NULL, 0, T0 + 1000), 0);
}

/* Not-found answers have a cap of their own: any number of unknown names
 * evicts no answer with data. */
static void negative_cap(void **state _unused_)
{
        struct cache *c = cache_new(5, 2);
        char key[32];
        struct got g;

        for (int i = 0; i < 5; i++) {
                (void)snprintf(key, sizeof(key), "pn:user%d", i);
                put_str(c, key, "entry", T0 + 1000);
        }
        for (int i = 0; i < 1000; i++) {
                (void)snprintf(key, sizeof(key), "pn:junk%d", i);
                put_negative(c, key);
        }
        assert_int_equal(cache_count(c), 5 + 2);
        for (int i = 0; i < 5; i++) {
                (void)snprintf(key, sizeof(key), "pn:user%d", i);
                assert_has(c, key, "entry");
        }
        assert_absent(c, "pn:junk997");
        g = get(c, "pn:junk998", T0);
        assert_int_equal(g.r, 0);
        assert_int_equal(g.status, SESAME_ST_NOTFOUND);
        free(g.data);
        g = get(c, "pn:junk999", T0);
        assert_int_equal(g.r, 0);
        free(g.data);
        /* and answers with data do not evict not-found ones either */
        put_str(c, "pn:user5", "entry", T0 + 1000);
        assert_int_equal(cache_count(c), 5 + 2);
        assert_absent(c, "pn:user0");
        g = get(c, "pn:junk999", T0);
        assert_int_equal(g.r, 0);
        free(g.data);
        /* a name that turns up moves from one kind to the other */
        put_str(c, "pn:junk999", "entry", T0 + 1000);
        assert_int_equal(cache_count(c), 5 + 1);
        assert_absent(c, "pn:user1");
        put_negative(c, "pn:user2");
        put_negative(c, "pn:junk0");
        assert_int_equal(cache_count(c), 4 + 2);
        assert_absent(c, "pn:junk998");
        assert_has(c, "pn:user3", "entry");
        cache_free(c);
}

static void flush(void **state _unused_)
{
        struct cache *c = cache_new(8, 8);

        put_str(c, "pn:alice", "a", T0 + 1000);
        put_str(c, "pn:bob", "b", T0 + 1000);
        assert_int_equal(cache_count(c), 2);
        cache_flush(c);
        assert_int_equal(cache_count(c), 0);
        assert_absent(c, "pn:alice");
        assert_absent(c, "pn:bob");
        /* usable afterwards */
        put_str(c, "pn:alice", "a2", T0 + 1000);
        assert_has(c, "pn:alice", "a2");
        cache_flush(c);
        cache_flush(c); /* on an empty cache */
        assert_int_equal(cache_count(c), 0);
        cache_free(c);
        assert_null(cache_free(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(absent),          cmocka_unit_test(ttl_fresh_and_expired),
                cmocka_unit_test(negative_entries), cmocka_unit_test(copies),
                cmocka_unit_test(eviction_at_max), cmocka_unit_test(many_keys),
                cmocka_unit_test(growth_keeps_entries),
                cmocka_unit_test(lookups_refresh), cmocka_unit_test(negative_cap),
                cmocka_unit_test(flush),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

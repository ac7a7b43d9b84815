/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache.c - the answer cache (see cache.h): one hash table, and two
 * recency lists, one for answers with data and one for not-found answers,
 * each with its own cap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "mcache-write.h"
#include "sesame-proto.h"

struct centry {
        struct centry *next;          /* hash chain */
        struct centry *older, *newer; /* its kind's recency list */
        char *key;
        uint8_t *data;
        size_t len;
        uint32_t status;
        int64_t expires;
};

/* The entries of one kind, least recently used first. */
struct lru {
        struct centry *oldest, *newest;
        size_t count, max;
};

struct cache {
        pthread_mutex_t lock;
        struct centry **buckets;
        size_t nbuckets;
        size_t max_buckets; /* what the caps ask for: the table grows to it */
        struct lru found, notfound;
};

/* The table starts this small and doubles as entries come (a table sized
 * for cache_max at once would be megabytes, and its pages, touched by
 * the hashes of a few thousand keys, all resident). */
#define BUCKETS_MIN 1024

/* FNV-1a */
static size_t hash(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return (size_t)h;
}

struct cache *cache_new(size_t max, size_t negative_max)
{
        struct cache *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->found.max = max;
        c->notfound.max = negative_max;
        c->max_buckets = BUCKETS_MIN;
        while (c->max_buckets < max + negative_max && c->max_buckets < (1u << 20))
                c->max_buckets *= 2;
        c->nbuckets = BUCKETS_MIN;
        c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
        if (!c->buckets) {
                free(c);
                return NULL;
        }
        (void)pthread_mutex_init(&c->lock, NULL);
        return c;
}

static void centry_free(struct centry *e)
{
        free(e->key);
        free(e->data);
        free(e);
}

/* A not-found answer carries no data: its own kind. */
static struct lru *lru_of(struct cache *c, const struct centry *e)
{
        return e->status == SESAME_ST_OK ? &c->found : &c->notfound;
}

static void lru_unlink(struct lru *l, struct centry *e)
{
        if (e->older)
                e->older->newer = e->newer;
        else
                l->oldest = e->newer;
        if (e->newer)
                e->newer->older = e->older;
        else
                l->newest = e->older;
        e->older = e->newer = NULL;
        l->count--;
}

static void lru_push(struct lru *l, struct centry *e)
{
        e->older = l->newest;
        e->newer = NULL;
        if (l->newest)
                l->newest->newer = e;
        else
                l->oldest = e;
        l->newest = e;
        l->count++;
}

static struct centry **find(struct cache *c, const char *key)
{
        struct centry **p = &c->buckets[hash(key) & (c->nbuckets - 1)];

        while (*p && strcmp((*p)->key, key) != 0)
                p = &(*p)->next;
        return p;
}

/* Under the lock: twice the buckets once there are more entries than
 * buckets, up to max_buckets.  Without the memory, the chains grow
 * longer instead. */
static void maybe_grow(struct cache *c)
{
        size_t n = c->nbuckets * 2;
        struct centry **b;

        if (c->found.count + c->notfound.count <= c->nbuckets || n > c->max_buckets)
                return;
        b = calloc(n, sizeof(*b));
        if (!b)
                return;
        for (size_t i = 0; i < c->nbuckets; i++)
                while (c->buckets[i]) {
                        struct centry *e = c->buckets[i];
                        size_t k = hash(e->key) & (n - 1);

                        c->buckets[i] = e->next;
                        e->next = b[k];
                        b[k] = e;
                }
        free(c->buckets);
        c->buckets = b;
        c->nbuckets = n;
}

static void remove_entry(struct cache *c, struct centry **slot)
{
        struct centry *e = *slot;

        *slot = e->next;
        lru_unlink(lru_of(c, e), e);
        centry_free(e);
}

static void flush_lru(struct cache *c, struct lru *l)
{
        while (l->oldest)
                remove_entry(c, find(c, l->oldest->key));
}

void cache_flush(struct cache *c)
{
        (void)pthread_mutex_lock(&c->lock);
        flush_lru(c, &c->found);
        flush_lru(c, &c->notfound);
        mcache_clear(c);
        (void)pthread_mutex_unlock(&c->lock);
}

struct cache *cache_free(struct cache *c)
{
        if (!c)
                return NULL;
        cache_flush(c);
        free(c->buckets);
        (void)pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
}

int cache_get(struct cache *c, const char *key, int64_t now, uint8_t **ret_data, size_t *ret_len,
              uint32_t *ret_status, bool *ret_fresh)
{
        int r = -ENOENT;

        (void)pthread_mutex_lock(&c->lock);
        struct centry *e = *find(c, key);
        if (e) {
                uint8_t *d = malloc(e->len ? e->len : 1);
                if (!d)
                        r = -ENOMEM;
                else {
                        memcpy(d, e->data, e->len);
                        *ret_data = d;
                        *ret_len = e->len;
                        *ret_status = e->status;
                        *ret_fresh = now < e->expires;
                        /* in use: the last to go, fresh or stale (a
                         * stale one is what is served while the
                         * directory is down) */
                        lru_unlink(lru_of(c, e), e);
                        lru_push(lru_of(c, e), e);
                        r = 0;
                }
        }
        (void)pthread_mutex_unlock(&c->lock);
        return r;
}

int cache_put(struct cache *c, const char *key, uint32_t status, const uint8_t *data, size_t len, int64_t expires)
{
        struct centry *e = calloc(1, sizeof(*e));
        struct lru *l;

        if (!e || !(e->key = strdup(key)) || !(e->data = malloc(len ? len : 1))) {
                if (e)
                        centry_free(e);
                return -ENOMEM;
        }
        if (len)
                memcpy(e->data, data, len);
        e->len = len;
        e->status = status;
        e->expires = expires;
        l = lru_of(c, e);

        (void)pthread_mutex_lock(&c->lock);
        struct centry **slot = find(c, key);
        if (*slot)
                remove_entry(c, slot);
        /* the mapped file follows every change, under the same lock, so
         * that it never holds an answer the cache has replaced */
        mcache_put(c, key, status, data, len, expires);
        /* only an entry of the same kind makes room: unknown names push
         * out unknown names, never users and groups */
        while (l->count >= l->max && l->oldest)
                remove_entry(c, find(c, l->oldest->key));
        if (l->max == 0) {
                (void)pthread_mutex_unlock(&c->lock);
                centry_free(e);
                return 0;
        }
        slot = find(c, key);
        e->next = *slot;
        *slot = e;
        lru_push(l, e);
        maybe_grow(c);
        (void)pthread_mutex_unlock(&c->lock);
        return 0;
}

size_t cache_count(struct cache *c)
{
        size_t n;

        (void)pthread_mutex_lock(&c->lock);
        n = c->found.count + c->notfound.count;
        (void)pthread_mutex_unlock(&c->lock);
        return n;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

struct centry {
        struct centry *next;             /* hash chain */
        struct centry *older, *newer;    /* insertion order, for eviction */
        char *key;
        uint8_t *data;
        size_t len;
        uint32_t status;
        int64_t expires;
};

struct cache {
        pthread_mutex_t lock;
        struct centry **buckets;
        size_t nbuckets, count, max;
        struct centry *oldest, *newest;
};

/* FNV-1a */
static size_t hash(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return (size_t)h;
}

struct cache *cache_new(size_t max)
{
        struct cache *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->max = max;
        c->nbuckets = 1024;
        while (c->nbuckets < max && c->nbuckets < (1u << 20))
                c->nbuckets *= 2;
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

static struct centry **find(struct cache *c, const char *key)
{
        struct centry **p = &c->buckets[hash(key) & (c->nbuckets - 1)];

        while (*p && strcmp((*p)->key, key) != 0)
                p = &(*p)->next;
        return p;
}

static void unlink_entry(struct cache *c, struct centry **slot)
{
        struct centry *e = *slot;

        *slot = e->next;
        if (e->older)
                e->older->newer = e->newer;
        else
                c->oldest = e->newer;
        if (e->newer)
                e->newer->older = e->older;
        else
                c->newest = e->older;
        c->count--;
        centry_free(e);
}

void cache_flush(struct cache *c)
{
        (void)pthread_mutex_lock(&c->lock);
        while (c->oldest)
                unlink_entry(c, find(c, c->oldest->key));
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
                        r = 0;
                }
        }
        (void)pthread_mutex_unlock(&c->lock);
        return r;
}

int cache_put(struct cache *c, const char *key, uint32_t status, const uint8_t *data, size_t len, int64_t expires)
{
        struct centry *e = calloc(1, sizeof(*e));

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

        (void)pthread_mutex_lock(&c->lock);
        struct centry **slot = find(c, key);
        if (*slot)
                unlink_entry(c, slot);
        while (c->count >= c->max && c->oldest)
                unlink_entry(c, find(c, c->oldest->key));
        slot = find(c, key);
        e->next = *slot;
        *slot = e;
        e->older = c->newest;
        if (c->newest)
                c->newest->newer = e;
        else
                c->oldest = e;
        c->newest = e;
        c->count++;
        (void)pthread_mutex_unlock(&c->lock);
        return 0;
}

size_t cache_count(struct cache *c)
{
        size_t n;

        (void)pthread_mutex_lock(&c->lock);
        n = c->count;
        (void)pthread_mutex_unlock(&c->lock);
        return n;
}

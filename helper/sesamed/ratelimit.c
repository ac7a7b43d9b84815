/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.c - token buckets per uid and the throttle of refusal
 * messages (see ratelimit.h).
 */
#include <stdlib.h>

#include "macro.h"
#include "ratelimit.h"
#include "util.h"

/* Buckets are kept for this many uids at most: a uid whose bucket has
 * filled up again needs none, so only uids sending right now hold one;
 * when the table is full anyway, the fullest bucket goes (it starts full
 * next time, which errs on the side of serving, and a uid that has used
 * up its tokens keeps its empty bucket). */
#define RATE_UIDS_MAX 1024
#define REFUSAL_LOG_EVERY_MS 10000

struct bucket {
        uid_t uid;
        int64_t last;   /* monotonic ms of the last refill */
        uint64_t milli; /* tokens, in thousandths */
};

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bucket buckets[RATE_UIDS_MAX];
static size_t n_buckets;

static void refill(struct bucket *b, uint32_t rate, uint32_t burst, int64_t now)
{
        uint64_t full = (uint64_t)burst * 1000;

        if (now > b->last) {
                /* ms * tokens/s = thousandths of a token */
                b->milli = MIN(full, b->milli + (uint64_t)(now - b->last) * rate);
                b->last = now;
        }
        b->milli = MIN(b->milli, full); /* a smaller burst after a reload */
}

/* The bucket of @uid, a new full one, or NULL when out of room. */
static struct bucket *bucket_of(uid_t uid, uint32_t rate, uint32_t burst, int64_t now)
{
        size_t fullest = SIZE_MAX;

        for (size_t i = 0; i < n_buckets; i++)
                if (buckets[i].uid == uid)
                        return &buckets[i];
        /* a full bucket is as good as none: make room */
        for (size_t i = 0; i < n_buckets;) {
                refill(&buckets[i], rate, burst, now);
                if (buckets[i].milli >= (uint64_t)burst * 1000) {
                        buckets[i] = buckets[--n_buckets];
                        continue;
                }
                if (fullest == SIZE_MAX || buckets[i].milli > buckets[fullest].milli)
                        fullest = i;
                i++;
        }
        if (n_buckets == RATE_UIDS_MAX)
                buckets[fullest] = buckets[--n_buckets];
        buckets[n_buckets] = (struct bucket){ .uid = uid, .last = now, .milli = (uint64_t)burst * 1000 };
        return &buckets[n_buckets++];
}

bool rate_take(uid_t uid, uint32_t rate, uint32_t burst, int64_t now)
{
        struct bucket *b;
        bool ok;

        if (uid == 0 || rate == 0)
                return true;
        (void)pthread_mutex_lock(&rate_lock);
        b = bucket_of(uid, rate, burst, now);
        refill(b, rate, burst, now);
        ok = b->milli >= 1000;
        if (ok)
                b->milli -= 1000;
        (void)pthread_mutex_unlock(&rate_lock);
        return ok;
}

void rate_reset(void)
{
        (void)pthread_mutex_lock(&rate_lock);
        n_buckets = 0;
        (void)pthread_mutex_unlock(&rate_lock);
}

bool refusal_log_due(struct refusal_log *l, unsigned *ret_quiet)
{
        int64_t now = now_ms();
        bool due;

        (void)pthread_mutex_lock(&l->lock);
        due = now >= l->next;
        if (due) {
                *ret_quiet = l->quiet;
                l->quiet = 0;
                l->next = now + REFUSAL_LOG_EVERY_MS;
        } else
                l->quiet++;
        (void)pthread_mutex_unlock(&l->lock);
        return due;
}

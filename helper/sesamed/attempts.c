/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attempts.c - the one uncounted check per account and host (attempts.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "attempts.h"
#include "macro.h"
#include "outcome.h"
#include "util.h"

/* The table: ATTEMPTS_SLOTS entries in buckets of WAYS; an entry is
 * busy while a check holds or waits on it, and only an idle one is
 * given to another DN. */
#define WAYS 4
#define BUCKETS (ATTEMPTS_SLOTS / WAYS)

struct entry {
        uint64_t key;      /* 0: empty */
        bool written;      /* a write of its failure state succeeded */
        bool uncounted;    /* a check holds the slot */
        uint32_t counting; /* counted checks between their wait and increment */
        uint32_t waiting;  /* counted checks waiting for the slot */
        uint64_t used;     /* tick of the last use: the idle entry used least recently goes */
};

static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct entry e[ATTEMPTS_SLOTS];
        uint64_t tick;
        /* counted checks whose DN found no entry: while any is under
         * way, no slot is given (their increments would not wait) */
        uint32_t homeless;
        uint8_t hkey[crypto_shorthash_KEYBYTES];
        bool ready;
} t = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void init_locked(void)
{
        pthread_condattr_t ca;

        if (t.ready)
                return;
        (void)pthread_condattr_init(&ca);
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void)pthread_cond_init(&t.cond, &ca);
        (void)pthread_condattr_destroy(&ca);
        randombytes_buf(t.hkey, sizeof(t.hkey));
        t.ready = true;
}

static uint64_t key_of(const char *dn)
{
        uint8_t h[crypto_shorthash_BYTES];
        uint64_t k;

        (void)crypto_shorthash(h, (const unsigned char *)dn, strlen(dn), t.hkey);
        memcpy(&k, h, sizeof(k));
        return k ? k : 1;
}

static bool idle(const struct entry *e)
{
        return !e->uncounted && e->counting == 0 && e->waiting == 0;
}

/* @dn's entry; with @make, a new one in place of the least recently
 * used idle entry of its bucket (NULL when all are busy). */
static struct entry *find_locked(const char *dn, bool make)
{
        uint64_t k = key_of(dn);
        struct entry *b = &t.e[(k % BUCKETS) * WAYS], *victim = NULL;

        for (size_t i = 0; i < WAYS; i++)
                if (b[i].key == k) {
                        b[i].used = ++t.tick;
                        return &b[i];
                }
        if (!make)
                return NULL;
        for (size_t i = 0; i < WAYS; i++)
                if (idle(&b[i]) && (!victim || b[i].used < victim->used))
                        victim = &b[i];
        if (victim)
                *victim = (struct entry){ .key = k, .used = ++t.tick };
        return victim;
}

enum attempts_claim attempts_claim(const char *dn)
{
        struct entry *e;
        enum attempts_claim c = ATTEMPTS_BUSY;

        (void)pthread_mutex_lock(&t.lock);
        init_locked();
        e = find_locked(dn, false);
        if (!e || !e->written)
                c = ATTEMPTS_UNPROVEN;
        else if (idle(e) && t.homeless == 0) {
                e->uncounted = true;
                c = ATTEMPTS_CLAIMED;
        }
        (void)pthread_mutex_unlock(&t.lock);
        return c;
}

void attempts_release(const char *dn)
{
        struct entry *e;

        (void)pthread_mutex_lock(&t.lock);
        init_locked();
        e = find_locked(dn, false);
        if (e && e->uncounted) {
                e->uncounted = false;
                (void)pthread_cond_broadcast(&t.cond);
        }
        (void)pthread_mutex_unlock(&t.lock);
}

int attempts_count_begin(const char *dn, int64_t deadline, bool *ret_homeless)
{
        int64_t end = now_ms() + ATTEMPTS_WAIT_MAX_MS;
        struct entry *e;
        int r = 0;

        if (deadline > 0 && deadline < end)
                end = deadline;
        (void)pthread_mutex_lock(&t.lock);
        init_locked();
        e = find_locked(dn, true);
        *ret_homeless = !e;
        if (!e) {
                t.homeless++;
                goto out;
        }
        e->waiting++;
        while (e->uncounted) {
                struct timespec ts = { .tv_sec = end / 1000, .tv_nsec = (end % 1000) * 1000000 };

                if (pthread_cond_timedwait(&t.cond, &t.lock, &ts) == ETIMEDOUT && e->uncounted) {
                        r = OUT_UNAVAIL;
                        break;
                }
        }
        e->waiting--;
        if (r == 0)
                e->counting++;
out:
        (void)pthread_mutex_unlock(&t.lock);
        return r;
}

void attempts_count_end(const char *dn, bool homeless)
{
        struct entry *e;

        (void)pthread_mutex_lock(&t.lock);
        init_locked();
        /* a counting entry is busy, so it is still there */
        e = homeless ? NULL : find_locked(dn, false);
        if (e && e->counting > 0)
                e->counting--;
        else if (homeless && t.homeless > 0)
                t.homeless--;
        (void)pthread_mutex_unlock(&t.lock);
}

void attempts_written(const char *dn, bool ok)
{
        struct entry *e;

        (void)pthread_mutex_lock(&t.lock);
        init_locked();
        e = find_locked(dn, ok);
        if (e)
                e->written = ok;
        (void)pthread_mutex_unlock(&t.lock);
}

void attempts_reset(void)
{
        (void)pthread_mutex_lock(&t.lock);
        init_locked();
        memset(t.e, 0, sizeof(t.e));
        t.homeless = 0;
        t.tick = 0;
        (void)pthread_mutex_unlock(&t.lock);
}

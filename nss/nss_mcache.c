/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_mcache.c - one mapping of the cache file per process (see
 * nss_mcache.h).
 *
 * Threads: the current mapping is reference-counted under a mutex held
 * only to take or drop a reference, never during a lookup.  When sesamed
 * replaces the file, the old mapping is retired and unmapped by the last
 * thread that still reads it, so no thread ever reads unmapped memory.
 *
 * fork(): the mapping is MAP_SHARED and stays valid in the child, the
 * same file with the same contents; what the child must not inherit is a
 * mutex some other thread held at the time.  pthread_atfork() takes the
 * mutex around fork(), so the child starts with it unlocked and the
 * state consistent.  References that other threads of the parent held
 * are never dropped in the child: there the mapping is never unmapped,
 * which is safe (only memory is kept).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mcache.h"
#include "nss_mcache.h"
#include "util.h"

/* After a failed attempt to map the file, the next not before this. */
#define RETRY_MS 1000

struct mapping {
        struct mcache_view v;
        unsigned refs;
        bool retired; /* no longer current: unmapped when refs reaches 0 */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct mapping *current;
static int64_t next_try;

static void fork_prepare(void)
{
        (void)pthread_mutex_lock(&lock);
}

static void fork_done(void)
{
        (void)pthread_mutex_unlock(&lock);
}

static void register_atfork(void)
{
        (void)pthread_atfork(fork_prepare, fork_done, fork_done);
}

static void mapping_free(struct mapping *m)
{
        (void)munmap((void *)(uintptr_t)m->v.base, m->v.size);
        free(m);
}

/* Under the lock: the current mapping is no longer to be used. */
static void retire_locked(void)
{
        struct mapping *m = current;

        current = NULL;
        if (!m)
                return;
        m->retired = true;
        if (m->refs == 0)
                mapping_free(m);
}

static struct mapping *acquire(int64_t now)
{
        struct mapping *m;

        (void)pthread_once(&once, register_atfork);
        (void)pthread_mutex_lock(&lock);
        if (current && mcache_view_invalid(&current->v)) {
                retire_locked();
                next_try = 0; /* replaced: the new file is there now */
        }
        if (!current && now >= next_try) {
                m = calloc(1, sizeof(*m));
                if (m && mcache_map(MCACHE_PATH, &m->v) == 0)
                        current = m;
                else {
                        free(m);
                        next_try = now + RETRY_MS;
                }
        }
        m = current;
        if (m)
                m->refs++;
        (void)pthread_mutex_unlock(&lock);
        return m;
}

static void release(struct mapping *m)
{
        (void)pthread_mutex_lock(&lock);
        if (--m->refs == 0 && m->retired)
                mapping_free(m);
        (void)pthread_mutex_unlock(&lock);
}

int nss_mcache_get(const char *key, uint8_t **ret, size_t *ret_len)
{
        int64_t now = now_ms();
        struct mapping *m = acquire(now);
        int r;

        if (!m)
                return -ENOENT;
        r = mcache_view_lookup(&m->v, key, now, ret, ret_len);
        release(m);
        return r;
}

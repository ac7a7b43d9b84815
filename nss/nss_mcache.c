/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_mcache.c - one mapping of the cache file per process (see
 * nss_mcache.h), read by its threads without a lock.
 *
 * Threads: the current mapping is published in an atomic pointer.  A
 * thread that reads announces the mapping it is about to read in a slot
 * of its own (a hazard pointer), then checks that the mapping is still
 * the published one; both with sequentially consistent order.  When
 * sesamed replaces the file, the thread that notices takes the lock,
 * unpublishes the old mapping and puts it on a list of retired ones;
 * a retired mapping is unmapped, under the lock, once no slot names it:
 * by that thread at once, or later by the last reader of it on its way
 * out (with a trylock: a reader never waits).  Either the retiring
 * thread sees the reader's slot, or the reader sees the new pointer and
 * leaves the old mapping alone, so no thread reads unmapped memory.  A
 * lookup costs two loads of the published pointer and two stores to the
 * thread's own slot (a cache line of its own), nothing shared is written.
 * The slot also holds the thread's memo of the large answers it used
 * (struct mcache_memo), read and written by that thread alone.
 *
 * Slots are made on a thread's first lookup, under the lock, and given
 * back at its exit (a pthread key's destructor) for the next new thread
 * to take: there are never more than the most threads that ever looked
 * up at once.  (The destructor stays registered with glibc, so the
 * module is linked with -z nodelete: a dlclose() does not unload it.)  A slot holds the previous value while a lookup nests in
 * it (one in a signal handler), so the outer one stays announced.
 *
 * fork(): the mapping is MAP_SHARED and stays valid in the child, the
 * same file with the same contents; what the child must not inherit is a
 * mutex some other thread held at the time.  pthread_atfork() takes the
 * lock around fork(); in the child, the slots of the threads that did
 * not come along are emptied and given back, so retired mappings they
 * named are unmapped there too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mcache.h"
#include "nss_mcache.h"
#include "util.h"

/* After a failed attempt to map the file, the next not before this. */
#define RETRY_MS 1000
/* Rounds of "announce, check" before a lookup goes to sesamed: each
 * failed one means another thread replaced the mapping meanwhile. */
#define ENTER_TRIES 4
#define CACHE_LINE 64

struct mapping {
        struct mcache_view v;
        uint64_t id; /* for the memos: never the same twice in a process */
        struct mapping *next_retired;
};

struct slot {
        alignas(CACHE_LINE) _Atomic(struct mapping *) hazard;
        struct slot *next; /* every slot ever made, under the lock */
        bool taken;        /* by a living thread, under the lock */
        /* the large answers this thread used (mcache.h): its own */
        struct mcache_memo memo;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static bool have_key;
static _Atomic(struct mapping *) current;
static _Atomic int64_t next_try;
static uint64_t last_id; /* under the lock */
/* getpid(), asked once per process: 0 until then, and again in a child */
static atomic_int self_pid;
/* under the lock */
static struct mapping *retired;
static struct slot *slots;
/* a hint, read without the lock: retired mappings wait */
static atomic_bool have_retired;

static void mapping_free(struct mapping *m)
{
        (void)munmap((void *)(uintptr_t)m->v.base, m->v.size);
        free(m);
}

static bool in_use(const struct mapping *m)
{
        for (struct slot *s = slots; s; s = s->next)
                if (atomic_load(&s->hazard) == m)
                        return true;
        return false;
}

/* Under the lock: unmap the retired mappings no slot names. */
static void reclaim_locked(void)
{
        struct mapping **p = &retired;

        while (*p) {
                struct mapping *m = *p;
                if (in_use(m))
                        p = &m->next_retired;
                else {
                        *p = m->next_retired;
                        mapping_free(m);
                }
        }
        atomic_store_explicit(&have_retired, retired != NULL, memory_order_relaxed);
}

static void slot_release(void *arg)
{
        struct slot *s = arg;

        (void)pthread_mutex_lock(&lock);
        atomic_store(&s->hazard, NULL);
        s->taken = false;
        reclaim_locked();
        (void)pthread_mutex_unlock(&lock);
}

static void fork_prepare(void)
{
        (void)pthread_mutex_lock(&lock);
}

static void fork_parent(void)
{
        (void)pthread_mutex_unlock(&lock);
}

static void fork_child(void)
{
        struct slot *mine = have_key ? pthread_getspecific(slot_key) : NULL;

        atomic_store(&self_pid, 0);
        /* this thread is the only one here now */
        for (struct slot *s = slots; s; s = s->next)
                if (s != mine) {
                        atomic_store(&s->hazard, NULL);
                        s->taken = false;
                        s->memo = (struct mcache_memo){ 0 };
                }
        reclaim_locked();
        (void)pthread_mutex_unlock(&lock);
}

static void init_once(void)
{
        have_key = pthread_key_create(&slot_key, slot_release) == 0;
        (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* The calling thread's slot, made or taken on its first lookup (after
 * init_once()); NULL when there is none to be had (then sesamed
 * answers). */
static struct slot *my_slot(void)
{
        struct slot *s;

        if (!have_key)
                return NULL;
        s = pthread_getspecific(slot_key);
        if (s)
                return s;
        (void)pthread_mutex_lock(&lock);
        for (s = slots; s && s->taken; s = s->next)
                ;
        if (!s) {
                s = aligned_alloc(CACHE_LINE, sizeof(*s));
                if (s) {
                        atomic_init(&s->hazard, NULL);
                        s->next = slots;
                        slots = s;
                }
        }
        if (s) {
                s->memo = (struct mcache_memo){ 0 };
                s->taken = pthread_setspecific(slot_key, s) == 0;
                if (!s->taken)
                        s = NULL;
        }
        (void)pthread_mutex_unlock(&lock);
        return s;
}

/* The published mapping is missing or given up by sesamed: under the
 * lock, retire it and map the file again (not more than once a second
 * while that fails). */
static void refresh(int64_t now)
{
        struct mapping *m;

        (void)pthread_mutex_lock(&lock);
        m = atomic_load(&current);
        if (m && mcache_view_invalid(&m->v)) {
                atomic_store(&current, NULL);
                m->next_retired = retired;
                retired = m;
                m = NULL;
                atomic_store(&next_try, 0); /* replaced: the new file is there now */
        }
        if (!m && now >= atomic_load(&next_try)) {
                m = calloc(1, sizeof(*m));
                if (m && mcache_map(MCACHE_PATH, &m->v) == 0) {
                        m->id = ++last_id;
                        atomic_store(&current, m);
                } else {
                        free(m);
                        atomic_store(&next_try, now + RETRY_MS);
                }
        }
        reclaim_locked();
        (void)pthread_mutex_unlock(&lock);
}

/* Announce the published mapping in @s and return it, or NULL (then the
 * slot holds @prev again). */
static struct mapping *enter(struct slot *s, struct mapping *prev, int64_t now)
{
        for (int i = 0; i < ENTER_TRIES; i++) {
                struct mapping *m = atomic_load(&current);
                if (!m) {
                        if (now < atomic_load_explicit(&next_try, memory_order_relaxed))
                                break;
                        refresh(now);
                        continue;
                }
                atomic_store(&s->hazard, m);
                /* still published after the announcement: not unmapped
                 * before the slot is cleared */
                if (atomic_load(&current) != m)
                        continue;
                if (!mcache_view_invalid(&m->v))
                        return m;
                atomic_store(&s->hazard, prev);
                refresh(now);
        }
        atomic_store(&s->hazard, prev);
        return NULL;
}

static void leave(struct slot *s, struct mapping *prev)
{
        atomic_store_explicit(&s->hazard, prev, memory_order_release);
        /* the last reader of a retired mapping unmaps it */
        if (atomic_load_explicit(&have_retired, memory_order_relaxed) && pthread_mutex_trylock(&lock) == 0) {
                reclaim_locked();
                (void)pthread_mutex_unlock(&lock);
        }
}

/* Not in PID 1, which asks nothing of Sesame (nss_sesame.c). */
static bool is_pid1(void)
{
        int pid = atomic_load_explicit(&self_pid, memory_order_relaxed);

        if (pid == 0) {
                pid = (int)getpid();
                atomic_store_explicit(&self_pid, pid, memory_order_relaxed);
        }
        return pid == 1;
}

int nss_mcache_read(const char *key, size_t klen, mcache_use_fn use, void *arg)
{
        struct mapping *m, *prev;
        struct slot *s;
        int64_t now;
        int r;

        /* the fork handler that forgets the pid in a child first */
        (void)pthread_once(&once, init_once);
        if (is_pid1())
                return -ENOENT;
        s = my_slot();
        if (!s)
                return -ENOENT;
        now = now_ms();
        prev = atomic_load_explicit(&s->hazard, memory_order_relaxed);
        m = enter(s, prev, now);
        if (!m)
                return -ENOENT;
        r = mcache_view_read(&m->v, m->id, key, klen, now, &s->memo, use, arg);
        leave(s, prev);
        return r;
}

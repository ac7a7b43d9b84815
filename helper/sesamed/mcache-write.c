/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mcache-write.c - writing the memory-mapped NSS cache (see
 * mcache-write.h).  The record area is an append log: a replaced or
 * removed record is unlinked from its chain and its bytes stay until the
 * area is full, when the whole file is emptied in place (as by a flush)
 * and filling starts again.  Hot answers come back at their next lookup
 * through nss.sock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "mcache-write.h"
#include "mcache.h"
#include "sesame-proto.h"

/* The record area per answer the cache may hold, and its bounds: an
 * answer is a few hundred bytes, a large group more. */
#define BYTES_PER_ENTRY 128
#define DATA_MIN (UINT32_C(1) << 20)
#define DATA_MAX (UINT32_C(64) << 20)

static struct {
        pthread_mutex_t lock;
        uint8_t *base; /* NULL: nothing published */
        size_t size;
        const void *owner;
} mc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct mcache_header *hdr(void)
{
        return (struct mcache_header *)mc.base;
}

static uint32_t *heads(int table)
{
        return (uint32_t *)(mc.base + hdr()->tables_off) + (size_t)table * hdr()->nbuckets;
}

static struct mcache_rec *rec_at(uint32_t off)
{
        return (struct mcache_rec *)(mc.base + off);
}

/* Seqlock: readers that overlap a change see the counter move (or odd)
 * and retry or ask sesamed.  The release fence orders the odd value
 * before every store of the change. */
static uint32_t write_begin(void)
{
        uint32_t s = atomic_load_explicit(&hdr()->seq, memory_order_relaxed);

        atomic_store_explicit(&hdr()->seq, s + 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        return s;
}

static void write_end(uint32_t s)
{
        atomic_store_explicit(&hdr()->seq, s + 2, memory_order_release);
}

/* Inside a write: empty every table and the record area. */
static void clear_locked(void)
{
        memset(heads(0), 0, (size_t)MCACHE__TABLES * hdr()->nbuckets * sizeof(uint32_t));
        hdr()->used = 0;
}

/* Inside a write: unlink @key's record from its chain, if there is one. */
static void unlink_key(uint32_t *head, const char *key, uint32_t klen, uint32_t h)
{
        uint32_t *link = head;

        for (unsigned step = 0; *link != 0 && step < MCACHE_CHAIN_MAX; step++) {
                struct mcache_rec *r = rec_at(*link);
                if (r->hash == h && r->key_len == klen && memcmp(r + 1, key, klen) == 0) {
                        *link = r->next;
                        return;
                }
                link = &r->next;
        }
}

/* Inside a write: append a record and make it the head of its chain. */
static void append(uint32_t *head, const char *key, uint32_t klen, uint32_t h, const uint8_t *data, uint32_t len,
                   int64_t expires)
{
        uint64_t need = sizeof(struct mcache_rec) + (uint64_t)klen + len;

        need = (need + MCACHE_ALIGN - 1) / MCACHE_ALIGN * MCACHE_ALIGN;
        if (need > hdr()->data_size)
                return; /* never fits: served through nss.sock */
        if (hdr()->used + need > hdr()->data_size)
                clear_locked();
        uint32_t off = hdr()->data_off + hdr()->used;
        struct mcache_rec *r = rec_at(off);
        *r = (struct mcache_rec){
                .next = *head, .hash = h, .expires = expires, .key_len = klen, .data_len = len
        };
        memcpy(r + 1, key, klen);
        if (len)
                memcpy((uint8_t *)(r + 1) + klen, data, len);
        hdr()->used += (uint32_t)need;
        *head = off;
}

void mcache_put(const void *owner, const char *key, uint32_t status, const uint8_t *data, size_t len,
                int64_t expires)
{
        int table = mcache_table_of(key);
        size_t klen = strlen(key);

        if (table < 0 || klen > SESAME_FRAME_MAX || len > UINT32_MAX)
                return;
        uint32_t h = mcache_hash(key, klen);
        (void)pthread_mutex_lock(&mc.lock);
        if (mc.base && owner == mc.owner) {
                uint32_t *head = &heads(table)[h & (hdr()->nbuckets - 1)];
                uint32_t s = write_begin();
                unlink_key(head, key, (uint32_t)klen, h);
                if (status == SESAME_ST_OK)
                        append(head, key, (uint32_t)klen, h, data, (uint32_t)len, expires);
                write_end(s);
        }
        (void)pthread_mutex_unlock(&mc.lock);
}

void mcache_clear(const void *owner)
{
        (void)pthread_mutex_lock(&mc.lock);
        if (mc.base && owner == mc.owner) {
                uint32_t s = write_begin();
                clear_locked();
                write_end(s);
        }
        (void)pthread_mutex_unlock(&mc.lock);
}

/* Tell the readers of the file at @path (ours, or a previous sesamed's)
 * to map the path again. */
static void invalidate_path(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct mcache_header))
                return;
        struct mcache_header *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (h == MAP_FAILED)
                return;
        atomic_store_explicit(&h->invalid, 1, memory_order_release);
        (void)munmap(h, sizeof(*h));
}

/* Give the file up: readers that have it mapped are told to map @path
 * again, and find nothing there (or, in mcache_publish(), the new file).
 * A file a previous sesamed left at @path goes the same way. */
static void withdraw_locked(const char *path)
{
        struct stat st;

        if (mc.base) {
                atomic_store_explicit(&hdr()->invalid, 1, memory_order_release);
                (void)munmap(mc.base, mc.size);
                mc.base = NULL;
                mc.owner = NULL;
        }
        invalidate_path(path);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
                (void)unlink(path);
}

void mcache_withdraw(const char *path)
{
        (void)pthread_mutex_lock(&mc.lock);
        withdraw_locked(path);
        (void)pthread_mutex_unlock(&mc.lock);
}

/* The sizes of a file for @entries answers.  A bucket per 8 answers in
 * each of the five tables: the answers spread over them, so a full cache
 * has chains of one or two records (three for a cache of users alone),
 * far below MCACHE_CHAIN_MAX; larger tables only spread the heads of a
 * day's few thousand lookups over more pages, each of them resident. */
static void layout(uint32_t entries, struct mcache_header *h)
{
        uint64_t data = (uint64_t)entries * BYTES_PER_ENTRY;
        uint32_t nb = 1024;

        while (nb < entries / 8 && nb < (UINT32_C(1) << 20))
                nb *= 2;
        data = data < DATA_MIN ? DATA_MIN : data > DATA_MAX ? DATA_MAX : data;
        *h = (struct mcache_header){
                .version = MCACHE_VERSION,
                .header_size = sizeof(*h),
                .nbuckets = nb,
                .tables_off = sizeof(*h),
        };
        memcpy(h->magic, MCACHE_MAGIC, sizeof(h->magic));
        h->data_off = h->tables_off + MCACHE__TABLES * nb * (uint32_t)sizeof(uint32_t);
        h->data_off = (h->data_off + MCACHE_ALIGN - 1) / MCACHE_ALIGN * MCACHE_ALIGN;
        h->data_size = (uint32_t)data;
        h->file_size = (uint64_t)h->data_off + h->data_size;
}

/* A new file at a temporary name beside @path (its name in @tmp),
 * mapped at *@ret, *@ret_size bytes. */
static int create(const char *path, uint32_t entries, char *tmp, size_t tmpsize, uint8_t **ret, size_t *ret_size)
{
        struct mcache_header h;
        _cleanup_close_ int fd = -1;
        int r;

        layout(entries, &h);
        if (snprintf(tmp, tmpsize, "%s.XXXXXX", path) >= (int)tmpsize)
                return -ENAMETOOLONG;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* readable by every process, writable by sesamed alone; the
         * space is taken now, so that a full /run fails here and not as
         * a SIGBUS on a later write through the mapping */
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        else
                r = -posix_fallocate(fd, 0, (off_t)h.file_size);
        if (r == 0) {
                void *p = mmap(NULL, h.file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (p == MAP_FAILED)
                        r = -errno;
                else {
                        memcpy(p, &h, sizeof(h));
                        *ret = p;
                        *ret_size = h.file_size;
                }
        }
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

int mcache_publish(const char *path, const void *owner, uint32_t entries)
{
        char tmp[PATH_MAX];
        uint8_t *base = NULL;
        size_t size = 0;
        int r;

        (void)pthread_mutex_lock(&mc.lock);
        r = create(path, entries, tmp, sizeof(tmp), &base, &size);
        if (r == 0) {
                /* the readers of the old file move to the new one */
                if (mc.base) {
                        atomic_store_explicit(&hdr()->invalid, 1, memory_order_release);
                        (void)munmap(mc.base, mc.size);
                        mc.base = NULL;
                }
                invalidate_path(path);
                if (rename(tmp, path) < 0) {
                        r = -errno;
                        (void)unlink(tmp);
                        (void)munmap(base, size);
                } else {
                        mc.base = base;
                        mc.size = size;
                        mc.owner = owner;
                }
        }
        if (r < 0)
                withdraw_locked(path);
        (void)pthread_mutex_unlock(&mc.lock);
        return r;
}

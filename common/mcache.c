/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mcache.c - reading the memory-mapped NSS cache (see mcache.h and
 * doc/mcache.md).  Nothing read from the file is trusted: every offset
 * and length is checked against the view's bounds where it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "mcache.h"

static const char *const prefixes[MCACHE__TABLES] = {
        [MCACHE_PW_NAME] = "pn:", [MCACHE_PW_UID] = "pu:",         [MCACHE_GR_NAME] = "gn:",
        [MCACHE_GR_GID] = "gg:",  [MCACHE_INITGROUPS] = "ig:",
};

int mcache_table_of(const char *key)
{
        for (int t = 0; t < MCACHE__TABLES; t++)
                if (strncmp(key, prefixes[t], 3) == 0)
                        return t;
        return -1;
}

int mcache_view_init(struct mcache_view *v, const void *base, size_t size)
{
        struct mcache_header h;
        uint64_t tables_end;

        if (size < sizeof(h) || ((uintptr_t)base % MCACHE_ALIGN) != 0)
                return -EBADMSG;
        memcpy(&h, base, sizeof(h));
        if (memcmp(h.magic, MCACHE_MAGIC, sizeof(h.magic)) != 0 || h.version != MCACHE_VERSION ||
            h.header_size != sizeof(h) || h.file_size != size)
                return -EBADMSG;
        /* a power of two, so that a hash masks to a bucket */
        if (h.nbuckets == 0 || (h.nbuckets & (h.nbuckets - 1)) != 0 || h.nbuckets > size)
                return -EBADMSG;
        tables_end = (uint64_t)h.tables_off + (uint64_t)MCACHE__TABLES * h.nbuckets * sizeof(uint32_t);
        if (h.tables_off < sizeof(h) || h.tables_off % sizeof(uint32_t) != 0 || tables_end > h.data_off ||
            h.data_off % MCACHE_ALIGN != 0 || (uint64_t)h.data_off + h.data_size > size)
                return -EBADMSG;
        *v = (struct mcache_view){
                .base = base,
                .size = size,
                .nbuckets = h.nbuckets,
                .tables_off = h.tables_off,
                .data_off = h.data_off,
                .data_end = h.data_off + h.data_size,
        };
        return 0;
}

static struct mcache_header *header(const struct mcache_view *v)
{
        /* the atomics are only loaded, never stored, through this */
        return (struct mcache_header *)(uintptr_t)v->base;
}

bool mcache_view_invalid(const struct mcache_view *v)
{
        return atomic_load_explicit(&header(v)->invalid, memory_order_acquire) != 0;
}

/* Whether [off, off + len) lies in the record area (64-bit sums: no
 * wrap-around from values read out of the file). */
static bool in_data(const struct mcache_view *v, uint64_t off, uint64_t len)
{
        return off >= v->data_off && off + len <= v->data_end;
}

/*
 * One walk of @key's chain.  What it finds may be torn by a writer; the
 * caller keeps it only if the sequence counter did not move meanwhile.
 */
static int lookup_once(const struct mcache_view *v, int table, const char *key, uint32_t klen, uint32_t h,
                       int64_t now, uint8_t **ret, size_t *ret_len)
{
        const uint8_t *heads = v->base + v->tables_off + (size_t)table * v->nbuckets * sizeof(uint32_t);
        struct mcache_rec rec;
        uint32_t off;

        memcpy(&off, heads + (size_t)(h & (v->nbuckets - 1)) * sizeof(uint32_t), sizeof(off));
        /* bounded: a chain that cycles ends here as a miss */
        for (unsigned step = 0; off != 0; step++) {
                if (step >= MCACHE_CHAIN_MAX || off % MCACHE_ALIGN != 0 || !in_data(v, off, sizeof(rec)))
                        return -EBADMSG;
                memcpy(&rec, v->base + off, sizeof(rec));
                uint64_t key_off = (uint64_t)off + sizeof(rec);
                if (rec.hash == h && rec.key_len == klen && in_data(v, key_off, klen) &&
                    memcmp(v->base + key_off, key, klen) == 0) {
                        if (!in_data(v, key_off + klen, rec.data_len))
                                return -EBADMSG;
                        if (now >= rec.expires)
                                return -ESTALE;
                        uint8_t *d = malloc(rec.data_len ? rec.data_len : 1);
                        if (!d)
                                return -ENOMEM;
                        memcpy(d, v->base + key_off + klen, rec.data_len);
                        *ret = d;
                        *ret_len = rec.data_len;
                        return 0;
                }
                off = rec.next;
        }
        return -ENOENT;
}

int mcache_view_lookup(const struct mcache_view *v, const char *key, int64_t now, uint8_t **ret,
                       size_t *ret_len)
{
        struct mcache_header *hdr = header(v);
        int table = mcache_table_of(key);
        size_t klen = strlen(key);

        if (table < 0 || klen > UINT32_MAX)
                return -ENOENT;
        uint32_t h = mcache_hash(key, klen);
        for (int tries = 0; tries < MCACHE_TRIES; tries++) {
                uint32_t s1 = atomic_load_explicit(&hdr->seq, memory_order_acquire);
                if (s1 & 1) {
                        /* sesamed is half-way through a change */
                        (void)sched_yield();
                        continue;
                }
                uint8_t *d = NULL;
                size_t len = 0;
                int r = lookup_once(v, table, key, (uint32_t)klen, h, now, &d, &len);
                /* the copy is complete before the counter is read again */
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(&hdr->seq, memory_order_relaxed) == s1) {
                        if (r == 0) {
                                *ret = d;
                                *ret_len = len;
                        }
                        return r;
                }
                free(d);
        }
        return -EAGAIN;
}

int mcache_map(const char *path, struct mcache_view *ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;
        void *p;
        int r;

        if (fd < 0)
                return errno == ELOOP ? -EPERM : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* anyone who could write it could answer every lookup */
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return -EPERM;
        if (st.st_size < (off_t)sizeof(struct mcache_header) || st.st_size > (off_t)MCACHE_FILE_MAX)
                return -EBADMSG;
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return -errno;
        r = mcache_view_init(ret, p, (size_t)st.st_size);
        /* given up by sesamed, and not yet removed */
        if (r == 0 && mcache_view_invalid(ret))
                r = -ESTALE;
        if (r < 0)
                (void)munmap(p, (size_t)st.st_size);
        return r;
}

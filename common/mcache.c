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

/* The record header at @off, each field loaded once: the bounds checked
 * on a copy are the bounds used, whatever a writer does meanwhile. */
static void read_rec(const struct mcache_view *v, uint32_t off, struct mcache_rec *r)
{
        const volatile struct mcache_rec *p = (const volatile struct mcache_rec *)(v->base + off);

        r->next = p->next;
        r->hash = p->hash;
        r->expires = p->expires;
        r->key_len = p->key_len;
        r->data_len = p->data_len;
}

/* A read in progress: what read_once() needs besides the key. */
struct read_ctx {
        const struct mcache_view *v;
        uint64_t view_id;
        struct mcache_memo *memo;
        int64_t now;
        uint32_t seq;
        mcache_use_fn use;
        void *arg;
        /* out: the record used, and what its use left */
        uint32_t off;
        struct mcache_hit hit;
};

static unsigned memo_slot(uint32_t off)
{
        return (off / MCACHE_ALIGN) % MCACHE_MEMO_SLOTS;
}

/* Whether the record at @off passed its use in this mapping at the
 * counter's present value, not long ago. */
static bool memo_has(const struct read_ctx *c, uint32_t off, uint32_t *note)
{
        if (!c->memo || c->view_id == 0)
                return false;
        const struct mcache_memo_slot *m = &c->memo->slot[memo_slot(off)];
        if (m->view_id != c->view_id || m->off != off || m->seq != c->seq || c->now - m->at >= MCACHE_MEMO_MS ||
            c->now < m->at)
                return false;
        *note = m->note;
        return true;
}

static void memo_put(const struct read_ctx *c)
{
        if (!c->memo || c->view_id == 0 || c->hit.checked)
                return;
        c->memo->slot[memo_slot(c->off)] = (struct mcache_memo_slot){
                .view_id = c->view_id, .at = c->now, .off = c->off, .seq = c->seq, .note = c->hit.note
        };
}

/*
 * One walk of @key's chain.  What it finds may be torn by a writer; the
 * caller keeps what the use made of it only if the sequence counter did
 * not move meanwhile.
 */
static int read_once(struct read_ctx *c, int table, const char *key, uint32_t klen, uint32_t h)
{
        const struct mcache_view *v = c->v;
        const volatile uint32_t *heads =
                (const volatile uint32_t *)(v->base + v->tables_off) + (size_t)table * v->nbuckets;
        struct mcache_rec rec;
        uint32_t off = heads[h & (v->nbuckets - 1)];

        /* bounded: a chain that cycles ends here as a miss */
        for (unsigned step = 0; off != 0; step++) {
                if (step >= MCACHE_CHAIN_MAX || off % MCACHE_ALIGN != 0 || !in_data(v, off, sizeof(rec)))
                        return -EBADMSG;
                read_rec(v, off, &rec);
                uint64_t key_off = (uint64_t)off + sizeof(rec);
                if (rec.hash == h && rec.key_len == klen && in_data(v, key_off, klen) &&
                    memcmp(v->base + key_off, key, klen) == 0) {
                        if (!in_data(v, key_off + klen, rec.data_len))
                                return -EBADMSG;
                        if (c->now >= rec.expires)
                                return -ESTALE;
                        c->hit = (struct mcache_hit){ 0 };
                        /* only a large record is worth remembering */
                        if (rec.data_len >= MCACHE_MEMO_MIN) {
                                c->off = off;
                                c->hit.checked = memo_has(c, off, &c->hit.note);
                        }
                        return c->use(v->base + key_off + klen, rec.data_len, &c->hit, c->arg);
                }
                off = rec.next;
        }
        return -ENOENT;
}

int mcache_view_read(const struct mcache_view *v, uint64_t view_id, const char *key, size_t klen, int64_t now,
                     struct mcache_memo *memo, mcache_use_fn use, void *arg)
{
        struct mcache_header *hdr = header(v);
        int table = mcache_table_of(key);
        struct read_ctx c = { .v = v, .view_id = view_id, .memo = memo, .now = now, .use = use, .arg = arg };

        if (table < 0 || klen > UINT32_MAX)
                return -ENOENT;
        uint32_t h = mcache_hash(key, klen);
        for (int tries = 0; tries < MCACHE_TRIES; tries++) {
                c.seq = atomic_load_explicit(&hdr->seq, memory_order_acquire);
                if (c.seq & 1) {
                        /* sesamed is half-way through a change */
                        (void)sched_yield();
                        continue;
                }
                c.off = 0;
                int r = read_once(&c, table, key, (uint32_t)klen, h);
                /* every read of the record is done before the counter is
                 * read again */
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(&hdr->seq, memory_order_relaxed) == c.seq) {
                        if (r == 0 && c.off != 0)
                                memo_put(&c);
                        return r;
                }
        }
        return -EAGAIN;
}

struct copy {
        uint8_t *d;
        size_t len;
};

static int copy_use(const uint8_t *data, size_t len, struct mcache_hit *hit _unused_, void *arg)
{
        struct copy *c = arg;

        free(c->d);
        c->d = malloc(len ? len : 1);
        if (!c->d)
                return -ENOMEM;
        memcpy(c->d, data, len);
        c->len = len;
        return 0;
}

int mcache_view_lookup(const struct mcache_view *v, const char *key, int64_t now, uint8_t **ret,
                       size_t *ret_len)
{
        struct copy c = { NULL, 0 };
        int r = mcache_view_read(v, 0, key, strlen(key), now, NULL, copy_use, &c);

        if (r == 0) {
                *ret = c.d;
                *ret_len = c.len;
        } else
                free(c.d);
        return r;
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

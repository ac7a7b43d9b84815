/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * enumsnap.c - snapshots of whole enumerations (see enumsnap.h).
 *
 * File: a fixed header, then the body: the data frames of the pass as
 * they were sent on nss.sock (length words included), without the END.
 * Host byte order; the file never leaves the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enumsnap.h"
#include "log.h"
#include "macro.h"
#include "util.h"

#define SNAP_MAGIC "SESAMEEN"
#define SNAP_VERSION 1
/* what is read and sent at a time */
#define SNAP_CHUNK (64 * 1024)

struct snap_header {
        char magic[8];
        uint32_t version;
        uint32_t list;
        uint8_t instance[16]; /* this sesamed's, random */
        uint64_t gen;         /* of snap_flush() */
        int64_t expires;      /* now_ms() clock */
        uint64_t body_len;
        uint8_t hash[crypto_generichash_BYTES]; /* BLAKE2b of the body */
};

struct snap_writer {
        enum snap_list list;
        int fd;
        char tmp[PATH_MAX];
        uint64_t gen, len, max;
        crypto_generichash_state hs;
        bool failed;
};

/* The file whose hash was last found right, per list: while it is
 * unchanged (the same inode, size and change time) it is not hashed
 * again for each pass. */
struct checked {
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec ctime;
        bool valid;
};

static struct {
        pthread_mutex_t lock;
        struct checked checked[SNAP__LISTS];
        char dir[PATH_MAX];
        uint8_t instance[16];
        bool have_instance;
        uint64_t gen;
        bool writing[SNAP__LISTS];
} snap = { .lock = PTHREAD_MUTEX_INITIALIZER, .dir = SESAME_RUNDIR };

static const char *const names[SNAP__LISTS] = { "enum-passwd", "enum-group" };

void snap_set_dir(const char *dir)
{
        (void)snprintf(snap.dir, sizeof(snap.dir), "%s", dir ? dir : SESAME_RUNDIR);
}

static int snap_path(enum snap_list list, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/%s", snap.dir, names[list]);

        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Under snap.lock. */
static void instance_locked(void)
{
        if (!snap.have_instance) {
                randombytes_buf(snap.instance, sizeof(snap.instance));
                snap.have_instance = true;
        }
}

struct snap_writer *snap_begin(enum snap_list list, uint64_t max)
{
        struct snap_writer *w;
        struct snap_header h = { 0 };

        if (max == 0)
                return NULL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return NULL;
        (void)pthread_mutex_lock(&snap.lock);
        if (snap.writing[list]) {
                (void)pthread_mutex_unlock(&snap.lock);
                free(w);
                return NULL;
        }
        snap.writing[list] = true;
        w->gen = snap.gen;
        (void)pthread_mutex_unlock(&snap.lock);
        w->list = list;
        w->max = max;
        int n = snprintf(w->tmp, sizeof(w->tmp), "%s/%s.XXXXXX", snap.dir, names[list]);
        w->fd = n > 0 && (size_t)n < sizeof(w->tmp) ? mkostemp(w->tmp, O_CLOEXEC) : -1;
        if (w->fd < 0) {
                log_warning("%s: cannot create a snapshot of the list: %s", w->tmp, strerror(errno));
                w->tmp[0] = '\0';
                snap_abort(w);
                return NULL;
        }
        /* the header comes last, when the body's hash is known */
        if (write(w->fd, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
                snap_abort(w);
                return NULL;
        }
        (void)crypto_generichash_init(&w->hs, NULL, 0, sizeof(h.hash));
        return w;
}

void snap_write(struct snap_writer *w, const uint8_t *data, size_t len)
{
        if (!w || w->failed)
                return;
        if (len > w->max - w->len) {
                log_debug("%s: the list is over enum_cache_mb; not kept", names[w->list]);
                w->failed = true;
                return;
        }
        for (size_t off = 0; off < len;) {
                ssize_t n = write(w->fd, data + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        log_warning("%s: writing the snapshot of the list failed: %s", w->tmp,
                                    n < 0 ? strerror(errno) : "short write");
                        w->failed = true;
                        return;
                }
                off += (size_t)n;
        }
        (void)crypto_generichash_update(&w->hs, data, len);
        w->len += len;
}

static void writer_free(struct snap_writer *w)
{
        if (w->fd >= 0)
                (void)close(w->fd);
        if (w->tmp[0])
                (void)unlink(w->tmp);
        (void)pthread_mutex_lock(&snap.lock);
        snap.writing[w->list] = false;
        (void)pthread_mutex_unlock(&snap.lock);
        free(w);
}

void snap_abort(struct snap_writer *w)
{
        if (w)
                writer_free(w);
}

void snap_commit(struct snap_writer *w, int64_t expires)
{
        struct snap_header h = { .magic = SNAP_MAGIC, .version = SNAP_VERSION, .list = w->list };
        char path[PATH_MAX];

        if (w->failed || snap_path(w->list, path, sizeof(path)) < 0) {
                writer_free(w);
                return;
        }
        h.expires = expires;
        h.body_len = w->len;
        (void)crypto_generichash_final(&w->hs, h.hash, sizeof(h.hash));
        (void)pthread_mutex_lock(&snap.lock);
        instance_locked();
        memcpy(h.instance, snap.instance, sizeof(h.instance));
        h.gen = w->gen;
        /* a flush since the pass began: what it read may be older than
         * the flush, so it is not kept */
        if (w->gen == snap.gen && pwrite(w->fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
            rename(w->tmp, path) == 0)
                w->tmp[0] = '\0';
        (void)pthread_mutex_unlock(&snap.lock);
        writer_free(w);
}

void snap_flush(void)
{
        char path[PATH_MAX];

        (void)pthread_mutex_lock(&snap.lock);
        snap.gen++;
        memset(snap.checked, 0, sizeof(snap.checked));
        for (int i = 0; i < SNAP__LISTS; i++)
                if (snap_path((enum snap_list)i, path, sizeof(path)) == 0)
                        (void)unlink(path);
        (void)pthread_mutex_unlock(&snap.lock);
}

/* ------------------------------------------------------------ reading */

static int read_at(int fd, uint8_t *buf, size_t len, off_t off)
{
        for (size_t got = 0; got < len;) {
                ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ENODATA; /* shorter than it was */
                got += (size_t)n;
        }
        return 0;
}

/* Whether the file open on @fd is a snapshot of @list to serve: 0, or
 * why not (a static text). */
static const char *check(int fd, enum snap_list list, bool stale, struct snap_header *h, uint8_t *buf)
{
        crypto_generichash_state hs;
        uint8_t hash[crypto_generichash_BYTES];
        struct stat st;
        struct checked *c;
        bool ours;

        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
                return "not a regular file of sesamed's own, mode 0600";
        if ((uint64_t)st.st_size < sizeof(*h) || read_at(fd, (uint8_t *)h, sizeof(*h), 0) < 0)
                return "shorter than its header";
        if (memcmp(h->magic, SNAP_MAGIC, sizeof(h->magic)) != 0 || h->version != SNAP_VERSION ||
            h->list != (uint32_t)list)
                return "not a snapshot of this list";
        (void)pthread_mutex_lock(&snap.lock);
        ours = snap.have_instance && memcmp(h->instance, snap.instance, sizeof(h->instance)) == 0 &&
               h->gen == snap.gen;
        (void)pthread_mutex_unlock(&snap.lock);
        if (!ours)
                return "left by another sesamed, or from before a flush";
        if (h->body_len != (uint64_t)st.st_size - sizeof(*h))
                return "its length is not the file's";
        if (!stale && h->expires <= now_ms())
                return NULL; /* expired: not an error, not served either */
        (void)pthread_mutex_lock(&snap.lock);
        c = &snap.checked[list];
        ours = c->valid && c->dev == st.st_dev && c->ino == st.st_ino && c->size == st.st_size &&
               c->ctime.tv_sec == st.st_ctim.tv_sec && c->ctime.tv_nsec == st.st_ctim.tv_nsec;
        (void)pthread_mutex_unlock(&snap.lock);
        if (ours)
                return NULL;
        (void)crypto_generichash_init(&hs, NULL, 0, sizeof(hash));
        for (uint64_t off = 0; off < h->body_len;) {
                size_t n = (size_t)MIN((uint64_t)SNAP_CHUNK, h->body_len - off);
                if (read_at(fd, buf, n, (off_t)(sizeof(*h) + off)) < 0)
                        return "unreadable";
                (void)crypto_generichash_update(&hs, buf, n);
                off += n;
        }
        (void)crypto_generichash_final(&hs, hash, sizeof(hash));
        if (sodium_memcmp(hash, h->hash, sizeof(hash)) != 0)
                return "its contents do not match its hash";
        (void)pthread_mutex_lock(&snap.lock);
        snap.checked[list] = (struct checked){ st.st_dev, st.st_ino, st.st_size, st.st_ctim, true };
        (void)pthread_mutex_unlock(&snap.lock);
        return NULL;
}

int snap_serve(enum snap_list list, bool stale, snap_send_fn send, void *userdata, bool *sent)
{
        char path[PATH_MAX];
        struct snap_header h;
        _cleanup_free_ uint8_t *buf = NULL;
        const char *why;
        int fd, r = 0;

        *sent = false;
        if (snap_path(list, path, sizeof(path)) < 0)
                return -ENOENT;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -ENOENT;
        buf = malloc(SNAP_CHUNK);
        if (!buf) {
                (void)close(fd);
                return -ENOENT;
        }
        why = check(fd, list, stale, &h, buf);
        if (why) {
                log_notice("%s: %s; removed, the list is read from the directory", path, why);
                (void)unlink(path);
                (void)close(fd);
                return -ENOENT;
        }
        if (!stale && h.expires <= now_ms()) {
                (void)close(fd);
                return -ENOENT;
        }
        for (uint64_t off = 0; r == 0 && off < h.body_len;) {
                size_t n = (size_t)MIN((uint64_t)SNAP_CHUNK, h.body_len - off);
                r = read_at(fd, buf, n, (off_t)(sizeof(h) + off));
                if (r == 0) {
                        *sent = true;
                        r = send(buf, n, userdata);
                }
                off += n;
        }
        (void)close(fd);
        return r < 0 && !*sent ? -ENOENT : r;
}

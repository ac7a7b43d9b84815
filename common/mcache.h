/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mcache.h - the memory-mapped NSS cache: the file sesamed publishes in
 * SESAME_RUNDIR and every process reads, so that a hot passwd, group or
 * initgroups lookup needs no IPC.  The layout and the reasoning behind
 * it are in doc/mcache.md; sesamed writes it (helper/sesamed/mcache-write.c),
 * this module reads it.
 *
 * To a reader the file is untrusted input: it checks the owner and mode
 * before mapping it, and every offset and length against the mapped size
 * at each use, and walks a hash chain a bounded number of steps.  An
 * answer is decoded where it lies, between two reads of the header's
 * sequence counter (a seqlock), and what was made of it is used only when
 * both are the same even value.
 *
 * libc only, no logging: linked into the NSS module.
 */
#ifndef SESAME_MCACHE_H
#define SESAME_MCACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Where sesamed publishes it, compiled into the NSS module. */
#define MCACHE_PATH SESAME_RUNDIR "/nss.map"

#define MCACHE_MAGIC "SESAMEMC"
#define MCACHE_VERSION 1
/* Records start on this alignment (offsets are multiples of it). */
#define MCACHE_ALIGN 8
/* Hash chain steps a reader walks before it gives up (a miss). */
#define MCACHE_CHAIN_MAX 64
/* Seqlock rounds a reader tries before it gives up (a miss). */
#define MCACHE_TRIES 8
/* The largest file a reader maps. */
#define MCACHE_FILE_MAX (UINT32_C(1) << 30)

/* One hash table per lookup; the cache key prefix of each is in
 * mcache_table_of(). */
enum mcache_table {
        MCACHE_PW_NAME,    /* "pn:" */
        MCACHE_PW_UID,     /* "pu:" */
        MCACHE_GR_NAME,    /* "gn:" */
        MCACHE_GR_GID,     /* "gg:" */
        MCACHE_INITGROUPS, /* "ig:" */
        MCACHE__TABLES,
};

/*
 * The file's first bytes.  Host byte order (the file never leaves the
 * host).  Only seq, invalid and used change after the file is created.
 */
struct mcache_header {
        char magic[8];                /* MCACHE_MAGIC, no NUL */
        uint32_t version;             /* MCACHE_VERSION */
        uint32_t header_size;         /* sizeof(struct mcache_header) */
        uint64_t file_size;           /* the file's size, fixed */
        uint32_t nbuckets;            /* per table, a power of two */
        uint32_t tables_off;          /* MCACHE__TABLES * nbuckets u32 heads */
        uint32_t data_off;            /* first byte of the record area */
        uint32_t data_size;           /* its bytes */
        _Atomic uint32_t seq;         /* odd while sesamed writes */
        _Atomic uint32_t invalid;     /* non-zero: replaced or switched off */
        uint32_t used;                /* the writer's append point in the area */
        uint32_t reserved;
};

/*
 * A record, at an offset (from the start of the file) that is a multiple
 * of MCACHE_ALIGN, followed by key_len bytes of key (the cache key, e.g.
 * "pn:alice", no NUL) and data_len bytes of answer: the data frames
 * sesamed sends on nss.sock for that request (length word included).
 */
struct mcache_rec {
        uint32_t next;     /* next record of the chain, 0: the end */
        uint32_t hash;     /* mcache_hash() of the key */
        int64_t expires;   /* CLOCK_MONOTONIC ms (util.h now_ms()) */
        uint32_t key_len;
        uint32_t data_len;
};

/* FNV-1a over @len bytes. */
static inline uint32_t mcache_hash(const char *s, size_t len)
{
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char)s[i]) * 16777619u;
        return h;
}

/* The table of a cache key, or -1 for a key that is not published
 * (everything but the five NSS lookups by name or id). */
int mcache_table_of(const char *key);

/* A validated view of a mapped file: the layout copied out of the header
 * once, so later changes to the header cannot move it. */
struct mcache_view {
        const uint8_t *base;
        size_t size;
        uint32_t nbuckets;
        uint32_t tables_off;
        uint32_t data_off;
        uint32_t data_end;
};

/**
 * mcache_view_init() - check a mapped file's header and layout.
 * @v:    filled on success
 * @base: the mapping, aligned to MCACHE_ALIGN at least
 * @size: its size
 *
 * Return: 0, or -EBADMSG (not a cache file of this version, or a layout
 * that does not fit in @size).
 */
int mcache_view_init(struct mcache_view *v, const void *base, size_t size);

/* Whether sesamed has given this file up (replaced or switched off): the
 * reader maps the path again. */
bool mcache_view_invalid(const struct mcache_view *v);

/* What a reader is told about an answer besides its bytes, and what it
 * leaves for the next time (struct mcache_memo). */
struct mcache_hit {
        bool checked;  /* these very bytes passed this use before */
        uint32_t note; /* in: what that use left, when checked; out: what
                        * this one leaves */
};

/**
 * mcache_use_fn - what a reader does with an answer in place.
 * @data: the answer's data frames, inside the mapping
 * @len:  their length (within the record area)
 * @hit:  whether the bytes passed before (then the strict checks may be
 *        left out, not the bounds checks), and a note to keep
 * @arg:  the caller's
 *
 * Called between two reads of the sequence counter: the bytes may change
 * under it (sesamed writing), so it must read them as untrusted (every
 * length checked where it is used, each read once) and keep nothing but
 * its own output, which counts only if the counter did not move.  It may
 * be called again (a retry) and must then start over.
 *
 * Return: 0 or a negative errno, handed back by mcache_view_read().
 */
typedef int (*mcache_use_fn)(const uint8_t *data, size_t len, struct mcache_hit *hit, void *arg);

/* Records at least this large are remembered once used (struct
 * mcache_memo): smaller ones cost less to check again than to look up. */
#define MCACHE_MEMO_MIN 1024
#define MCACHE_MEMO_SLOTS 4
/* How long a remembered check holds: far less than the time sesamed
 * needs to bring the 32-bit counter round to the same value. */
#define MCACHE_MEMO_MS 1000

/*
 * A reader's memory of the large records it used: the record at @off of
 * the mapping @view_id passed the use when the sequence counter read
 * @seq.  As long as the counter still reads @seq, nothing in the file has
 * been written since, so the same bytes are there.  One per thread: no
 * locking.  @view_id must never be reused for another mapping in the
 * process (0: none).
 */
struct mcache_memo {
        struct mcache_memo_slot {
                uint64_t view_id;
                int64_t at; /* now_ms() of the check */
                uint32_t off, seq, note;
        } slot[MCACHE_MEMO_SLOTS];
};

/**
 * mcache_view_read() - use the answer for a cache key where it lies.
 * @v:       an initialised view
 * @view_id: this mapping's number for @memo (never reused), or 0
 * @key:     the cache key ("pn:alice"), the table from its prefix
 * @klen:    strlen(@key)
 * @now:     now_ms()
 * @memo:    the calling thread's (or NULL: every answer checked in full)
 * @use:     called with the answer; its return value is this one's
 * @arg:     for @use
 *
 * Return: what @use returned, when the sequence counter was the same even
 * value before the chain walk and after @use; -ENOENT (not there, or not
 * a published key); -ESTALE (there, expired); -EAGAIN (sesamed kept
 * writing for MCACHE_TRIES rounds); -EBADMSG (a chain or record out of
 * bounds, or a cycle).  Anything but 0 means: ask sesamed.
 */
int mcache_view_read(const struct mcache_view *v, uint64_t view_id, const char *key, size_t klen, int64_t now,
                     struct mcache_memo *memo, mcache_use_fn use, void *arg);

/**
 * mcache_view_lookup() - a copy of the answer for a cache key.
 * @v:       an initialised view
 * @key:     the cache key
 * @now:     now_ms()
 * @ret:     a malloc'd copy of the answer's frames (free it), on success
 * @ret_len: its length
 *
 * mcache_view_read() with a copy as the use; -ENOMEM besides its values.
 */
int mcache_view_lookup(const struct mcache_view *v, const char *key, int64_t now, uint8_t **ret,
                       size_t *ret_len);

/**
 * mcache_map() - open, check and map the file read-only.
 * @path:    MCACHE_PATH (tests: another)
 * @ret:     the view of the mapping; munmap(ret->base, ret->size)
 *
 * The file must be a regular file (not a symbolic link) owned by root
 * and writable by nobody else, between the header size and
 * MCACHE_FILE_MAX bytes, with a valid header (mcache_view_init()).
 *
 * Return: 0, -ENOENT, -EPERM (owner, mode or type), -EBADMSG, -ESTALE
 * (marked invalid), or another -errno of open(), fstat() or mmap().
 */
int mcache_map(const char *path, struct mcache_view *ret);

#endif

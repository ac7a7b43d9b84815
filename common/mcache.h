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
 * answer is copied out between two reads of the header's sequence
 * counter (a seqlock) and used only when both are the same even value.
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

/**
 * mcache_view_lookup() - copy the answer for a cache key out of the file.
 * @v:       an initialised view
 * @key:     the cache key ("pn:alice"), the table from its prefix
 * @now:     now_ms()
 * @ret:     a malloc'd copy of the answer's frames (free it), on success
 * @ret_len: its length
 *
 * Return: 0; -ENOENT (not there, or not a published key); -ESTALE
 * (there, expired); -EAGAIN (sesamed kept writing for MCACHE_TRIES
 * rounds); -EBADMSG (a chain or record out of bounds, or a cycle);
 * -ENOMEM.  Anything but 0 means: ask sesamed.
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mcache-write.h - sesamed's side of the memory-mapped NSS cache
 * (common/mcache.h, doc/mcache.md): one file per process, which mirrors
 * the NSS answers of one answer cache (its "owner").  cache.c calls
 * mcache_put() and mcache_clear() for every change it makes, so the file
 * never holds an answer the in-memory cache has replaced or flushed; calls
 * from any other cache (an older configuration generation still
 * finishing its requests) are ignored.
 *
 * Writes are in place, between two increments of the header's sequence
 * counter, under one mutex.
 */
#ifndef SESAMED_MCACHE_WRITE_H
#define SESAMED_MCACHE_WRITE_H

#include <stddef.h>
#include <stdint.h>

/**
 * mcache_publish() - publish a new, empty file at @path for @owner.
 * @path:    MCACHE_PATH (tests: another)
 * @owner:   the cache whose answers it mirrors
 * @entries: how many answers it should hold (the cache's cache_max);
 *           sizes the hash tables and the record area
 *
 * The file is written beside @path and renamed over it, so a reader
 * maps either the old file or the whole new one; the old file (also one
 * a previous sesamed left behind) is marked invalid first, so readers
 * that have it mapped map @path again.
 *
 * Return: 0 or -errno (then nothing is published at @path).
 */
int mcache_publish(const char *path, const void *owner, uint32_t entries);

/* Mark the file at @path invalid, remove it and unmap it (switched off,
 * exit); also a file a previous sesamed left there. */
void mcache_withdraw(const char *path);

/* Mirror cache_put(): an answer with data (status SESAME_ST_OK) for a
 * published key (mcache_table_of()) is stored; any other status removes
 * the key's record.  Keys that are not NSS lookups are never written. */
void mcache_put(const void *owner, const char *key, uint32_t status, const uint8_t *data, size_t len,
                int64_t expires);

/* Mirror cache_flush(): every record goes. */
void mcache_clear(const void *owner);

#endif

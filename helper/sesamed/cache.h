/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cache.h - sesamed's in-memory answer cache.  Keys are request keys
 * ("pn:alice", "pu:10001", ...), values are the encoded data frames of the
 * answer plus its status, so a hit is one copy and one write.
 *
 * Entries have an expiry time, but an expired entry is not removed: when
 * the directory cannot be reached, the stale answer is still served (it
 * was complete and authoritative when it was stored).
 *
 * Answers with data (status OK) and the others (NOTFOUND) are counted
 * apart: at most @max of the first and @negative_max of the second, and
 * a new entry only ever pushes out the least recently used entry of its
 * own kind.  So any number of lookups of unknown names evicts no user or
 * group, and the users people use stay cached (a lookup makes an entry
 * the most recently used) however much else is asked for.
 */
#ifndef SESAMED_CACHE_H
#define SESAMED_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;

/* At most @max answers with data and @negative_max others (0: none
 * cached). */
struct cache *cache_new(size_t max, size_t negative_max);
struct cache *cache_free(struct cache *c);

/* Copy of the entry for @key (free *ret_data); -ENOENT if absent.
 * *ret_fresh tells whether it has expired at @now (monotonic ms).  The
 * entry becomes the most recently used of its kind. */
int cache_get(struct cache *c, const char *key, int64_t now, uint8_t **ret_data, size_t *ret_len,
              uint32_t *ret_status, bool *ret_fresh);
/* Store (replacing) an answer until @expires: as a not-found answer
 * unless @status is SESAME_ST_OK. */
int cache_put(struct cache *c, const char *key, uint32_t status, const uint8_t *data, size_t len,
              int64_t expires);
void cache_flush(struct cache *c);
size_t cache_count(struct cache *c);

#endif

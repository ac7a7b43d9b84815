/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_mcache.h - the NSS module's reader of the memory-mapped cache
 * (common/mcache.h): one mapping per process, shared by its threads.
 */
#ifndef SESAME_NSS_MCACHE_H
#define SESAME_NSS_MCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "mcache.h"

/**
 * nss_mcache_read() - use the cached answer for a cache key, without IPC.
 * @key:  "pn:alice", "pu:10001", "gn:staff", "gg:5000" or "ig:alice"
 * @klen: strlen(@key)
 * @use:  called with the answer's data frames where they lie in the
 *        mapping (mcache_use_fn: it may run more than once, and only its
 *        last run counts)
 * @arg:  for @use
 *
 * Maps MCACHE_PATH on first use and again when sesamed replaced it; when
 * there is nothing to map, tries again a second later at the earliest.
 *
 * Return: what @use returned, or -errno for anything that means "ask
 * sesamed": no file, a miss, an expired record, a file that fails a
 * check, sesamed writing.
 */
int nss_mcache_read(const char *key, size_t klen, mcache_use_fn use, void *arg);

#endif

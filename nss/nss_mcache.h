/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_mcache.h - the NSS module's reader of the memory-mapped cache
 * (common/mcache.h): one mapping per process, shared by its threads.
 */
#ifndef SESAME_NSS_MCACHE_H
#define SESAME_NSS_MCACHE_H

#include <stddef.h>
#include <stdint.h>

/**
 * nss_mcache_get() - the cached answer for a cache key, without IPC.
 * @key:     "pn:alice", "pu:10001", "gn:staff", "gg:5000" or "ig:alice"
 * @ret:     a malloc'd copy of the answer's data frames (free it)
 * @ret_len: its length
 *
 * Maps MCACHE_PATH on first use and again when sesamed replaced it; when
 * there is nothing to map, tries again a second later at the earliest.
 *
 * Return: 0, or -errno for anything that means "ask sesamed": no file,
 * a miss, an expired record, a file that fails a check, sesamed writing.
 */
int nss_mcache_get(const char *key, uint8_t **ret, size_t *ret_len);

#endif

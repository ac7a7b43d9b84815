/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctx.h - configuration generations.  Everything a request needs that
 * depends on sesame.conf (the directory pool, the cache, the TOTP key, the
 * hook mask) lives in one reference-counted generation.  SIGHUP builds a
 * new generation and swaps it in; a request keeps the one it started with
 * until it ends, so a reload never changes the rules half-way through.
 */
#ifndef SESAMED_CTX_H
#define SESAMED_CTX_H

#include <stdint.h>

#include "accounts.h"

struct seal_key;

struct daemon_ctx {
        struct sesame_conf *conf;
        struct dir *dir;
        struct localdb *local;
        struct cache *cache;
        struct accounts acct;
        /* [totp] key_file; NULL when it could not be loaded: NSS and
         * password logins work, every TOTP operation fails closed */
        struct seal_key *key;
        char key_error[512]; /* why it is NULL */
        uint32_t hook_mask;  /* events_parse() of [hooks] events */
        uint64_t gen;        /* its number: 1, 2, ... (one per ctx_new()) */
        int refs;
};

/**
 * ctx_new() - a new generation for @conf.
 * @conf: taken over by the generation, also on failure
 * @ret:  the generation, with one reference
 *
 * Return: 0, -ENOMEM, or -EINVAL for a configuration error (logged).
 */
int ctx_new(struct sesame_conf *conf, struct daemon_ctx **ret);
/* A reference to the current generation; ctx_put() it. */
struct daemon_ctx *ctx_get(void);
void ctx_put(struct daemon_ctx *x);
/* Make @x the current generation (takes the caller's reference). */
void ctx_install(struct daemon_ctx *x);

#endif

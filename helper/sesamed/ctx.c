/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctx.c - configuration generations (see ctx.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "conf.h"
#include "ctx.h"
#include "dir.h"
#include "events.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "seal.h"

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct daemon_ctx *ctx_current;
static uint64_t ctx_gens;

/* Users' passwords reach the directory in a simple bind: say so when a
 * URI would carry them in clear across a network. */
static void warn_cleartext(const struct sesame_conf *conf)
{
        static const char *const local[] = { "ldap://127.", "ldap://localhost", "ldap://[::1]" };

        if (conf->starttls)
                return;
        for (size_t i = 0; i < conf->n_uri; i++) {
                bool loopback = false;

                if (strncmp(conf->uri[i], "ldap://", 7) != 0)
                        continue; /* ldaps:// or ldapi:// */
                for (size_t j = 0; j < ELEMENTSOF(local); j++)
                        if (strncasecmp(conf->uri[i], local[j], strlen(local[j])) == 0)
                                loopback = true;
                if (!loopback)
                        log_warning("%s without starttls: users' passwords would cross the network in clear; "
                                    "use ldaps:// or starttls = yes",
                                    conf->uri[i]);
        }
}

int ctx_new(struct sesame_conf *conf, struct daemon_ctx **ret)
{
        struct daemon_ctx *x = calloc(1, sizeof(*x));
        char err[512];
        int r;

        if (!x) {
                conf_free(conf);
                return -ENOMEM;
        }
        x->conf = conf;
        x->refs = 1;
        (void)pthread_mutex_lock(&ctx_lock);
        x->gen = ++ctx_gens;
        (void)pthread_mutex_unlock(&ctx_lock);
        warn_cleartext(conf);
        r = events_parse(conf->hook_events ? conf->hook_events : "", &x->hook_mask, err, sizeof(err));
        if (r < 0) {
                log_error("hooks.events: %s", err);
                ctx_put(x);
                return -EINVAL;
        }
        x->dir = dir_new(conf);
        x->local = localdb_new(NULL, NULL);
        x->cache = cache_new(conf->cache_max, conf->negative_max);
        x->acct = (struct accounts){ conf, x->dir, x->local };
        if (!x->dir || !x->local || !x->cache) {
                ctx_put(x);
                return -ENOMEM;
        }
        r = seal_key_load(conf->totp_key_file, &x->key, err, sizeof(err));
        if (r < 0) {
                x->key = NULL;
                (void)snprintf(x->key_error, sizeof(x->key_error), "%s", err[0] ? err : strerror(-r));
                log_warning("TOTP key not loaded (%s): TOTP enrolment and TOTP logins will fail; "
                            "password logins and lookups work",
                            x->key_error);
        }
        *ret = x;
        return 0;
}

struct daemon_ctx *ctx_get(void)
{
        struct daemon_ctx *x;

        (void)pthread_mutex_lock(&ctx_lock);
        x = ctx_current;
        x->refs++;
        (void)pthread_mutex_unlock(&ctx_lock);
        return x;
}

void ctx_put(struct daemon_ctx *x)
{
        bool last;

        (void)pthread_mutex_lock(&ctx_lock);
        last = --x->refs == 0;
        (void)pthread_mutex_unlock(&ctx_lock);
        if (!last)
                return;
        dir_free(x->dir);
        localdb_free(x->local);
        cache_free(x->cache);
        seal_key_free(x->key);
        conf_free(x->conf);
        free(x);
}

void ctx_install(struct daemon_ctx *x)
{
        struct daemon_ctx *old;

        (void)pthread_mutex_lock(&ctx_lock);
        old = ctx_current;
        ctx_current = x;
        (void)pthread_mutex_unlock(&ctx_lock);
        if (old)
                ctx_put(old);
}

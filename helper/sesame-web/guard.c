/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guard.c - CSRF values and rate limits (web.h).
 *
 * CSRF: a value is base64url(nonce[16] || HMAC-SHA512/256(key, nonce)[16])
 * with a key made at start (a restart makes open forms fail once).  The
 * form page sets it as a cookie (SameSite=Strict, HttpOnly) and as a
 * hidden field; a POST must bring both, equal and valid: another site can
 * neither read the cookie nor set it.
 *
 * Rate limits: a fixed table of counters, indexed by a keyed hash of the
 * key, each counting hits in a window of [web] rate_window seconds.  Two
 * keys may share a counter (they then share a limit): a table of fixed
 * size cannot be made to grow by a flood of addresses or names.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "conf.h"
#include "web.h"

#define NONCE 16
#define TAG 16
#define RATE_SLOTS 4096

static uint8_t csrf_key[crypto_auth_KEYBYTES];
static uint8_t rate_key[crypto_shorthash_KEYBYTES];

static struct {
        pthread_mutex_t lock;
        struct {
                int64_t start;
                uint32_t hits;
        } slot[RATE_SLOTS];
} rates = { .lock = PTHREAD_MUTEX_INITIALIZER };

int guard_init(void)
{
        if (sodium_init() < 0)
                return -1;
        randombytes_buf(csrf_key, sizeof(csrf_key));
        randombytes_buf(rate_key, sizeof(rate_key));
        return 0;
}

static void tag_of(const uint8_t nonce[NONCE], uint8_t out[TAG])
{
        uint8_t full[crypto_auth_BYTES];

        crypto_auth(full, nonce, NONCE, csrf_key);
        memcpy(out, full, TAG);
}

void csrf_new(char out[64])
{
        uint8_t raw[NONCE + TAG];

        randombytes_buf(raw, NONCE);
        tag_of(raw, raw + NONCE);
        sodium_bin2base64(out, 64, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool csrf_ok(const char *cookie, const char *field)
{
        uint8_t raw[NONCE + TAG], tag[TAG];
        size_t n = field ? strlen(field) : 0, len = 0;

        if (!cookie || n == 0 || strlen(cookie) != n || sodium_memcmp(cookie, field, n) != 0)
                return false;
        if (sodium_base642bin(raw, sizeof(raw), field, n, NULL, &len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            len != sizeof(raw))
                return false;
        tag_of(raw, tag);
        return sodium_memcmp(tag, raw + NONCE, TAG) == 0;
}

bool rate_hit(const struct sesame_conf *c, const char *key, uint32_t limit)
{
        uint8_t h[crypto_shorthash_BYTES];
        int64_t now = time(NULL);
        uint64_t i;
        bool ok;

        crypto_shorthash(h, (const uint8_t *)key, strlen(key), rate_key);
        memcpy(&i, h, sizeof(i));
        i %= RATE_SLOTS;
        (void)pthread_mutex_lock(&rates.lock);
        if (now - rates.slot[i].start >= (int64_t)c->web_rate_window || now < rates.slot[i].start) {
                rates.slot[i].start = now;
                rates.slot[i].hits = 0;
        }
        ok = rates.slot[i].hits < limit;
        if (ok)
                rates.slot[i].hits++;
        (void)pthread_mutex_unlock(&rates.lock);
        return ok;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tokens.c - make and verify reset and confirmation tokens (tokens.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "macro.h"
#include "seal.h"
#include "tokens.h"

#define HEAD_LEN 30 /* version, purpose, uid, expires, nonce */
#define NONCE_LEN 16
#define BIND_MAX 4096 /* one bound string; a DN is far shorter */
_Static_assert(HEAD_LEN + SEAL_MAC_LEN == TOKEN_BIN_LEN, "token layout");

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

/* The MAC of @head and @b: each bound string is prefixed by its length,
 * so no two bindings run together into the same bytes. */
static int mac_of(const struct seal_key *k, const uint8_t head[HEAD_LEN], const struct token_binding *b,
                  uint8_t out[SEAL_MAC_LEN])
{
        const char *parts[3] = { b->dn, b->stamp ? b->stamp : "", b->mail ? b->mail : "" };
        size_t len = HEAD_LEN, o = HEAD_LEN;
        _cleanup_free_ uint8_t *msg = NULL;

        if (!b->dn || !*b->dn)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                if (strlen(parts[i]) > BIND_MAX)
                        return -EINVAL;
                len += 2 + strlen(parts[i]);
        }
        msg = malloc(len);
        if (!msg)
                return -ENOMEM;
        memcpy(msg, head, HEAD_LEN);
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                size_t n = strlen(parts[i]);

                put_be(msg + o, n, 2);
                memcpy(msg + o + 2, parts[i], n);
                o += 2 + n;
        }
        return seal_token_mac(k, msg, len, out);
}

int token_make(const struct seal_key *k, const struct token_claims *c, const struct token_binding *b,
               char out[TOKEN_TEXT_LEN + 1])
{
        uint8_t bin[TOKEN_BIN_LEN];
        int r;

        if (!k || (c->purpose != TOKEN_RESET && c->purpose != TOKEN_CONFIRM) || c->expires < 0)
                return -EINVAL;
        bin[0] = TOKEN_VERSION;
        bin[1] = c->purpose;
        put_be(bin + 2, c->uid, 4);
        put_be(bin + 6, (uint64_t)c->expires, 8);
        randombytes_buf(bin + 14, NONCE_LEN);
        r = mac_of(k, bin, b, bin + HEAD_LEN);
        if (r == 0)
                (void)sodium_bin2base64(out, TOKEN_TEXT_LEN + 1, bin, sizeof(bin),
                                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(bin, sizeof(bin));
        return r;
}

/* @text to its bytes: exactly TOKEN_TEXT_LEN characters of base64url. */
static int decode(const char *text, uint8_t bin[TOKEN_BIN_LEN])
{
        size_t len = 0;

        if (!text || strnlen(text, TOKEN_TEXT_LEN + 1) != TOKEN_TEXT_LEN)
                return -EINVAL;
        if (sodium_base642bin(bin, TOKEN_BIN_LEN, text, TOKEN_TEXT_LEN, NULL, &len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            len != TOKEN_BIN_LEN || bin[0] != TOKEN_VERSION)
                return -EINVAL;
        return 0;
}

int token_claims(const char *text, struct token_claims *ret)
{
        uint8_t bin[TOKEN_BIN_LEN];
        uint64_t expires;

        if (decode(text, bin) < 0)
                return -EINVAL;
        expires = get_be(bin + 6, 8);
        if (expires > INT64_MAX)
                return -EINVAL;
        *ret = (struct token_claims){ .purpose = bin[1], .uid = (uint32_t)get_be(bin + 2, 4),
                                      .expires = (int64_t)expires };
        return 0;
}

int token_verify(const struct seal_key *k, const char *text, uint8_t purpose, const struct token_binding *b,
                 int64_t now)
{
        uint8_t bin[TOKEN_BIN_LEN], mac[SEAL_MAC_LEN];
        struct token_claims c;
        int r;

        if (token_claims(text, &c) < 0 || decode(text, bin) < 0)
                return -EINVAL;
        r = mac_of(k, bin, b, mac);
        if (r == 0 && crypto_verify_32(mac, bin + HEAD_LEN) != 0)
                r = -EINVAL;
        /* checked after the MAC, whose work is then the same for every
         * token of the right shape */
        if (r == 0 && (c.purpose != purpose || now >= c.expires))
                r = -EINVAL;
        sodium_memzero(bin, sizeof(bin));
        sodium_memzero(mac, sizeof(mac));
        return r;
}

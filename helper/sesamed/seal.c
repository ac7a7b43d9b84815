/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seal.c - secrets at rest in LDAP (crypto_secretbox), and recovery codes
 * (keyed BLAKE2b with a key derived by crypto_kdf).
 *
 * The key file is read with safefile_read() as a SAFEFILE_SECRET, straight
 * into sodium_malloc'd memory (never a malloc'd copy); that it holds
 * exactly SEAL_KEY_LEN bytes is this module's rule.  sesamectl check
 * calls seal_key_check() too, so it agrees with sesamed by construction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "macro.h"
#include "safefile.h"
#include "seal.h"
#include "sesame-proto.h"
#include "util.h"

#define SEAL_PREFIX "v1$"
#define SEAL_PREFIX_LEN (sizeof(SEAL_PREFIX) - 1)
#define SEAL_NAME_MAX 255     /* name_len is one byte */
#define SEAL_PAYLOAD_MAX 1024 /* a packed TOTP seed is 68 */
#define SEAL_PLAIN_MAX (1 + SEAL_NAME_MAX + SEAL_PAYLOAD_MAX)
#define SEAL_BIN_MAX (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + SEAL_PLAIN_MAX)
#define SEAL_BIN_MIN (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 1)
/* base64 with padding, no NUL */
#define SEAL_B64_MAX (((SEAL_BIN_MAX + 2) / 3) * 4)
#define SEAL_TEXT_MAX (SEAL_PREFIX_LEN + SEAL_B64_MAX)

#define RC_CONTEXT "sesamerc" /* crypto_kdf_CONTEXTBYTES == 8 */
#define RC_SUBKEY_ID 1
#define RC_CHARS 12
#define TK_SUBKEY_ID 2 /* the MAC key of reset and confirmation tokens */
static const char rc_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no i, l, o, 0, 1 */

struct seal_key {
        unsigned char box[crypto_secretbox_KEYBYTES];
        unsigned char rc[crypto_generichash_BYTES];
        unsigned char tk[crypto_generichash_BYTES];
};

_Static_assert(crypto_secretbox_KEYBYTES == SEAL_KEY_LEN, "secretbox key size");
_Static_assert(crypto_kdf_KEYBYTES == SEAL_KEY_LEN, "kdf key size");
_Static_assert(sizeof(RC_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(RECOVERY_CODE_LEN == RC_CHARS + 2 + 1, "recovery code layout");
_Static_assert(RECOVERY_HASH_LEN == 2 * crypto_generichash_BYTES + 1, "recovery hash size");

/* The key file: safefile_read()'s rules for a secret, straight into the
 * sodium_malloc'd key (no other copy), and exactly SEAL_KEY_LEN bytes of
 * any value, '\n' and NUL included.  A longer file is refused by the
 * reader's cap; both sizes are reported as this rule. */
static int key_read(const char *path, unsigned char *key, char *err, size_t errsize)
{
        size_t len = 0;
        int r;

        r = safefile_read(path, SAFEFILE_SECRET, key, SEAL_KEY_LEN, &len, err, errsize);
        if (r == -ENOENT)
                return errf(err, errsize, r, "%s: no such file; create it with: sesamectl key generate",
                            path);
        if (r == -EFBIG)
                return errf(err, errsize, -EINVAL, "%s: must hold exactly %d bytes, not more", path,
                            SEAL_KEY_LEN);
        if (r < 0)
                return r;
        if (len != SEAL_KEY_LEN) {
                erase(key, len);
                return errf(err, errsize, -EINVAL, "%s: must hold exactly %d bytes, not %zu", path,
                            SEAL_KEY_LEN, len);
        }
        return 0;
}

static int key_load(const char *path, struct seal_key **ret, char *err, size_t errsize)
{
        struct seal_key *k;
        int r;

        if (err && errsize > 0)
                err[0] = '\0';
        if (sodium_init() < 0)
                return errf(err, errsize, -EIO, "%s: libsodium cannot be initialised", path ? path : "(null)");
        k = sodium_malloc(sizeof(*k));
        if (!k)
                return errf(err, errsize, -ENOMEM, "%s: out of memory", path ? path : "(null)");
        r = key_read(path, k->box, err, errsize);
        if (r >= 0 && (crypto_kdf_derive_from_key(k->rc, sizeof(k->rc), RC_SUBKEY_ID, RC_CONTEXT, k->box) != 0 ||
                       crypto_kdf_derive_from_key(k->tk, sizeof(k->tk), TK_SUBKEY_ID, RC_CONTEXT, k->box) != 0))
                r = errf(err, errsize, -EIO, "%s: key derivation failed", path);
        if (r >= 0 && sodium_mprotect_readonly(k) != 0)
                r = errf(err, errsize, -errno, "%s: cannot protect the key: %m", path);
        if (r < 0) {
                sodium_free(k); /* wipes */
                return r;
        }
        *ret = k;
        return 0;
}

int seal_key_load(const char *path, struct seal_key **ret, char *err, size_t errsize)
{
        if (!ret)
                return errf(err, errsize, -EINVAL, "%s: invalid arguments", path ? path : "(null)");
        return key_load(path, ret, err, errsize);
}

int seal_key_check(const char *path, char *err, size_t errsize)
{
        struct seal_key *k = NULL;
        int r;

        /* read it too: a file that changed size after fstat() is caught */
        r = key_load(path, &k, err, errsize);
        seal_key_free(k);
        return r;
}

struct seal_key *seal_key_free(struct seal_key *k)
{
        if (k)
                sodium_free(k); /* makes it writable again and wipes it */
        return NULL;
}

char *seal_value(const struct seal_key *k, const char *name, const uint8_t *payload, size_t len)
{
        unsigned char plain[SEAL_PLAIN_MAX];
        unsigned char bin[SEAL_BIN_MAX];
        size_t name_len, plain_len, bin_len, b64_size;
        char *out;

        if (!k || !name || (!payload && len > 0)) {
                errno = EINVAL;
                return NULL;
        }
        name_len = strnlen(name, SEAL_NAME_MAX + 1);
        if (name_len == 0 || name_len > SEAL_NAME_MAX || len > SEAL_PAYLOAD_MAX) {
                errno = name_len > SEAL_NAME_MAX ? ENAMETOOLONG : EINVAL;
                return NULL;
        }
        plain_len = 1 + name_len + len;
        bin_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain_len;
        b64_size = sodium_base64_ENCODED_LEN(bin_len, sodium_base64_VARIANT_ORIGINAL);
        out = malloc(SEAL_PREFIX_LEN + b64_size);
        if (!out)
                return NULL;

        plain[0] = (unsigned char)name_len;
        memcpy(plain + 1, name, name_len);
        if (len > 0)
                memcpy(plain + 1 + name_len, payload, len);
        randombytes_buf(bin, crypto_secretbox_NONCEBYTES);
        (void)crypto_secretbox_easy(bin + crypto_secretbox_NONCEBYTES, plain, plain_len, bin, k->box);
        sodium_memzero(plain, sizeof(plain));

        memcpy(out, SEAL_PREFIX, SEAL_PREFIX_LEN);
        sodium_bin2base64(out + SEAL_PREFIX_LEN, b64_size, bin, bin_len, sodium_base64_VARIANT_ORIGINAL);
        return out;
}

int unseal_value(const struct seal_key *k, const char *name, const char *sealed, uint8_t *out, size_t size,
                 size_t *ret_len)
{
        unsigned char bin[SEAL_BIN_MAX];
        unsigned char plain[SEAL_PLAIN_MAX];
        size_t text_len, bin_len = 0, plain_len, name_len, n;
        int r = -EINVAL;

        if (!k || !name || !sealed || (!out && size > 0) || !ret_len)
                return -EINVAL;
        /* bounded before anything is decoded */
        text_len = strnlen(sealed, SEAL_TEXT_MAX + 1);
        if (text_len > SEAL_TEXT_MAX || text_len < SEAL_PREFIX_LEN ||
            memcmp(sealed, SEAL_PREFIX, SEAL_PREFIX_LEN) != 0)
                return -EINVAL;
        name_len = strnlen(name, SEAL_NAME_MAX + 1);
        if (name_len == 0 || name_len > SEAL_NAME_MAX)
                return -EINVAL;
        /* no ignored characters and no end pointer: all of it must be
         * canonical base64, or it fails */
        if (sodium_base642bin(bin, sizeof(bin), sealed + SEAL_PREFIX_LEN, text_len - SEAL_PREFIX_LEN, NULL,
                              &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
                return -EINVAL;
        if (bin_len < SEAL_BIN_MIN || bin_len > SEAL_BIN_MAX)
                return -EINVAL;
        plain_len = bin_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
        if (crypto_secretbox_open_easy(plain, bin + crypto_secretbox_NONCEBYTES,
                                       bin_len - crypto_secretbox_NONCEBYTES, bin, k->box) != 0)
                goto out;
        /* authentic, but for whom? */
        if (plain[0] != name_len || plain_len < 1 + name_len || memcmp(plain + 1, name, name_len) != 0)
                goto out;
        n = plain_len - 1 - name_len;
        if (n > size) {
                r = -ERANGE;
                goto out;
        }
        if (n > 0)
                memcpy(out, plain + 1 + name_len, n);
        *ret_len = n;
        r = 0;
out:
        sodium_memzero(plain, sizeof(plain));
        return r;
}

void recovery_new(char out[RECOVERY_CODE_LEN])
{
        size_t j = 0;

        if (!out)
                return;
        if (sodium_init() < 0)
                abort(); /* no randomness: nothing safe to return */
        for (size_t i = 0; i < RC_CHARS; i++) {
                if (i > 0 && i % 4 == 0)
                        out[j++] = '-';
                out[j++] = rc_alphabet[randombytes_uniform(sizeof(rc_alphabet) - 1)];
        }
        out[j] = '\0';
}

int recovery_hash(const struct seal_key *k, const char *dn, const char *code, char out[RECOVERY_HASH_LEN])
{
        unsigned char norm[RC_CHARS];
        unsigned char h[crypto_generichash_BYTES];
        uint8_t dn_len[8];
        crypto_generichash_state st;
        size_t n = 0, len, dlen;
        int r = -EINVAL;

        if (!k || !dn || !code || !out)
                return -EINVAL;
        /* the DN's length first, so that no DN and code run into the
         * same bytes as another DN and code */
        dlen = strlen(dn);
        for (size_t i = 0; i < sizeof(dn_len); i++)
                dn_len[i] = (uint8_t)((uint64_t)dlen >> (8 * i));
        len = strnlen(code, SESAME_CODE_MAX + 1);
        if (len > SESAME_CODE_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                char ch = code[i];

                if (ch == ' ' || ch == '\t' || ch == '-')
                        continue;
                if (ch >= 'A' && ch <= 'Z')
                        ch = (char)(ch - 'A' + 'a');
                if (ch == '\0' || !strchr(rc_alphabet, ch) || n == RC_CHARS)
                        goto out;
                norm[n++] = (unsigned char)ch;
        }
        if (n != RC_CHARS)
                goto out;
        if (crypto_generichash_init(&st, k->rc, sizeof(k->rc), sizeof(h)) != 0 ||
            crypto_generichash_update(&st, dn_len, sizeof(dn_len)) != 0 ||
            crypto_generichash_update(&st, (const unsigned char *)dn, dlen) != 0 ||
            crypto_generichash_update(&st, norm, sizeof(norm)) != 0 ||
            crypto_generichash_final(&st, h, sizeof(h)) != 0)
                goto out;
        sodium_bin2hex(out, RECOVERY_HASH_LEN, h, sizeof(h));
        r = 0;
out:
        sodium_memzero(norm, sizeof(norm));
        sodium_memzero(h, sizeof(h));
        sodium_memzero(&st, sizeof(st));
        return r;
}

int seal_token_mac(const struct seal_key *k, const uint8_t *msg, size_t len, uint8_t out[SEAL_MAC_LEN])
{
        if (!k)
                return -EINVAL;
        return crypto_generichash(out, SEAL_MAC_LEN, msg, len, k->tk, sizeof(k->tk)) == 0 ? 0 : -EIO;
}

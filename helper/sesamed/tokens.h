/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tokens.h - the tokens of reset and confirmation links.
 *
 * A token is base64url (no padding) of 62 bytes:
 *
 *   u8  version    TOKEN_VERSION
 *   u8  purpose    TOKEN_RESET or TOKEN_CONFIRM
 *   u32 uid        the account's uidNumber (big-endian): how it is found
 *   u64 expires    seconds since the epoch (big-endian)
 *   16  nonce      randombytes_buf(): no two tokens are alike
 *   32  mac        keyed BLAKE2b-256 (seal_token_mac()) of the 30 bytes
 *                  above and of what the token is bound to: the entry's
 *                  DN, its sesameTokenStamp, and for a confirmation the
 *                  mail address it confirms
 *
 * Nothing of a token is stored: the directory holds the stamp, which
 * sesamed replaces whenever a token is spent or the password changes, so
 * every token made before stops verifying (single use, and "dead after
 * the password changed", with one compare-and-swap in LDAP: state-web.c).
 * The MAC key is derived from the [totp] key_file, which only sesamed
 * reads; a directory dump or a replica cannot make tokens.
 *
 * The MAC is compared in constant time (crypto_verify_32).  Which check
 * failed is never told to the caller: a forged token, a spent one and an
 * expired one get the same -EINVAL.
 */
#ifndef SESAMED_TOKENS_H
#define SESAMED_TOKENS_H

#include <stdint.h>

#include "sesame-proto.h"

struct seal_key;

#define TOKEN_VERSION 1
#define TOKEN_RESET 1
#define TOKEN_CONFIRM 2
#define TOKEN_BIN_LEN 62
#define TOKEN_TEXT_LEN 83 /* base64url of TOKEN_BIN_LEN, no padding */
_Static_assert(TOKEN_TEXT_LEN <= SESAME_TOKEN_MAX, "a token must fit SESAME_F_TOKEN");

/* What a token says about itself (read before it is verified, to find the
 * account it must then be verified against). */
struct token_claims {
        uint8_t purpose;
        uint32_t uid;
        int64_t expires;
};

/* The account state a token is bound to. */
struct token_binding {
        const char *dn;
        const char *stamp; /* sesameTokenStamp; NULL: none yet */
        const char *mail;  /* TOKEN_CONFIRM: the address; else NULL */
};

/**
 * token_make() - a new token.
 * @out: TOKEN_TEXT_LEN characters and a NUL; wipe it after use
 * Return: 0, -EINVAL (no key, a purpose or binding out of range) or -EIO.
 */
int token_make(const struct seal_key *k, const struct token_claims *c, const struct token_binding *b,
               char out[TOKEN_TEXT_LEN + 1]);

/**
 * token_claims() - read what @text claims, without believing it.
 * Return: 0, or -EINVAL when @text is not the shape of a token.
 */
int token_claims(const char *text, struct token_claims *ret);

/**
 * token_verify() - is @text a live token of @purpose for @b at @now?
 * Return: 0, or -EINVAL for any reason it is not (not the shape of a
 * token, another version or purpose, expired, a MAC that does not match
 * @b: another account, a stamp renewed since, another address), or -EIO.
 */
int token_verify(const struct seal_key *k, const char *text, uint8_t purpose, const struct token_binding *b,
                 int64_t now) __attribute__((warn_unused_result));

#endif

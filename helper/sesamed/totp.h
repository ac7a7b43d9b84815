/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * totp.h - RFC 6238 codes with liboath's check calls, and the seeds.
 *
 * Only the validate calls of liboath are used (never its users-file API).
 * Pure functions: no LDAP, no logging of secrets.
 */
#ifndef SESAMED_TOTP_H
#define SESAMED_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOTP_SEED_MAX 64   /* bytes; sha1 uses 20, sha256 32, sha512 64 */
#define TOTP_B32_MAX 128   /* base32 text of the largest seed, with NUL */
#define TOTP_PACK_MAX (4 + TOTP_SEED_MAX)

struct totp_params {
        uint32_t alg;    /* SESAME_ALG_* */
        uint32_t digits; /* 6..8 */
        uint32_t period; /* seconds per step, 10..300 */
};

/* liboath initialised once per process; 0 or -EIO. */
int totp_init(void);

/* True if @code is exactly @digits ASCII digits, nothing else. */
bool totp_code_syntax(const char *code, uint32_t digits);

/* Check @code at time @now (seconds since the epoch) against the steps
 * now-@window .. now+@window.  A step <= @last_step is refused (replay);
 * pass -1 when no step was accepted yet.  Returns 0 and the step that
 * matched in @ret_step, OUT_BAD_CREDENTIALS (outcome.h) if no step
 * matched (or only replayed ones did), -EINVAL for bad parameters or a
 * code of the wrong syntax. */
int totp_check(const struct totp_params *p, const uint8_t *seed, size_t seed_len, const char *code,
               int64_t now, uint32_t window, int64_t last_step, int64_t *ret_step);

/* Seed length for an algorithm (20, 32, 64); 0 if unknown. */
size_t totp_seed_len(uint32_t alg);
/* Fill @seed with totp_seed_len(alg) random bytes; returns that length. */
size_t totp_new_seed(uint32_t alg, uint8_t seed[TOTP_SEED_MAX]);

/* RFC 4648 base32, upper case, no padding; -ERANGE if @size is too small. */
int totp_base32(const uint8_t *seed, size_t len, char *out, size_t size);

/* otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with ISSUER and ACCOUNT percent-encoded; malloc'd, NULL on ENOMEM. */
char *totp_uri(const struct totp_params *p, const char *issuer, const char *account, const char *b32);

/* The bytes sealed into LDAP: [alg u8][digits u8][period u16 BE][seed].
 * pack returns the length; unpack returns 0 or -EINVAL (bad layout,
 * unknown alg, digits or period out of range, seed length not the
 * algorithm's). */
size_t totp_pack(const struct totp_params *p, const uint8_t *seed, size_t seed_len,
                 uint8_t out[TOTP_PACK_MAX]);
int totp_unpack(const uint8_t *in, size_t len, struct totp_params *p, uint8_t seed[TOTP_SEED_MAX],
                size_t *seed_len);

#endif

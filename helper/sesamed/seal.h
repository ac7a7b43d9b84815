/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seal.h - secrets at rest in LDAP, and recovery codes.
 *
 * The key file ([totp] key_file) holds exactly 32 random bytes (create it
 * with "sesamectl key generate") and meets safefile.h's rules for a
 * SAFEFILE_SECRET: a regular file owned by root (or the running uid), not
 * a symbolic link, with no access for group or others.  The key lives in
 * sodium_malloc'd memory, read-only after loading.
 *
 * A sealed value is text safe for an IA5String attribute:
 *   "v1$" base64(nonce[24] || crypto_secretbox_easy(name_len u8 || name || payload))
 * The user name inside binds the value to one account: a value copied to
 * another entry does not open.
 *
 * Recovery codes: 10 per account, "xxxx-xxxx-xxxx" from the alphabet
 * [a-z2-9] without look-alikes; stored as hex of a keyed BLAKE2b-256 (key
 * derived from the master key with crypto_kdf, context "sesamerc"), so a
 * directory dump does not reveal them.  Comparing normalises: lower case,
 * blanks and dashes dropped.
 *
 * Tokens (reset and confirmation links, tokens.h) are authenticated with
 * a keyed BLAKE2b-256 whose key is derived the same way (subkey 2), so a
 * token key never is the key of anything else.
 */
#ifndef SESAMED_SEAL_H
#define SESAMED_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 32
#define RECOVERY_CODES 10
#define RECOVERY_CODE_LEN 15  /* "xxxx-xxxx-xxxx" + NUL */
#define RECOVERY_HASH_LEN 65  /* 64 hex + NUL */
#define SEAL_MAC_LEN 32       /* seal_token_mac() */

struct seal_key;

/* Load and check the key file.  Errors: those of safefile_read() (-ENOENT,
 * -ELOOP, -EISDIR, -EPERM for owner or mode, -EINVAL for a relative path
 * or a special file, ...), except that a file of the wrong size, larger
 * ones included, is -EINVAL; a message for the administrator goes to @err. */
int seal_key_load(const char *path, struct seal_key **ret, char *err, size_t errsize);
/* Checks only (sesamed --check, sesamectl check): the same rules and the
 * same reading, no key kept. */
int seal_key_check(const char *path, char *err, size_t errsize);
struct seal_key *seal_key_free(struct seal_key *k);

/* malloc'd sealed text, NULL on error (ENOMEM, name too long). */
char *seal_value(const struct seal_key *k, const char *name, const uint8_t *payload, size_t len);
/* 0 and the payload, or -EINVAL (malformed, wrong key, other name) or
 * -ERANGE (@size too small).  The caller wipes @out after use. */
int unseal_value(const struct seal_key *k, const char *name, const char *sealed, uint8_t *out,
                 size_t size, size_t *ret_len);

/* A new random recovery code. */
void recovery_new(char out[RECOVERY_CODE_LEN]);
/* Keyed hash of a typed code, normalised, for the entry @dn (the hash
 * of the same code for another entry is another, so a hash copied
 * there is worthless); -EINVAL if it does not have the shape of a
 * recovery code once normalised (12 chars of the alphabet). */
int recovery_hash(const struct seal_key *k, const char *dn, const char *code, char out[RECOVERY_HASH_LEN]);

/* Keyed BLAKE2b-256 of @msg with the token subkey: 0, or -EINVAL (no
 * key) / -EIO. */
int seal_token_mac(const struct seal_key *k, const uint8_t *msg, size_t len, uint8_t out[SEAL_MAC_LEN]);

#endif

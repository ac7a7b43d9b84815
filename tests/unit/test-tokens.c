/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-tokens.c - helper/sesamed/tokens.c: a token verifies for what it
 * was made for and for nothing else (another purpose, account, stamp,
 * address, key, time, or a single character changed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"
#include "testfile.h"
#include "tokens.h"

#define NOW 1800000000
#define DN "uid=alice,ou=people,dc=example,dc=test"

static struct seal_key *key, *other;

static struct seal_key *load(const char *name)
{
        uint8_t bytes[SEAL_KEY_LEN];
        char path[PATH_MAX], err[256];
        struct seal_key *k = NULL;

        randombytes_buf(bytes, sizeof(bytes));
        assert_true(snprintf(path, sizeof(path), "%s", testdir_file(name, bytes, sizeof(bytes), 0600)) <
                    (int)sizeof(path));
        if (seal_key_load(path, &k, err, sizeof(err)) < 0)
                fail_msg("%s", err);
        return k;
}

static int setup(void **state)
{
        (void)state;
        if (sodium_init() < 0 || testdir_setup("test-tokens") < 0)
                return -1;
        key = load("key");
        other = load("other");
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        seal_key_free(key);
        seal_key_free(other);
        return testdir_teardown("test-tokens");
}

static const struct token_binding alice = { DN, "0123456789abcdef0123456789abcdef", "alice@example.test" };

static void make(uint8_t purpose, int64_t expires, const struct token_binding *b, char out[TOKEN_TEXT_LEN + 1])
{
        struct token_claims c = { .purpose = purpose, .uid = 10001, .expires = expires };

        assert_int_equal(token_make(key, &c, b, out), 0);
        assert_int_equal(strlen(out), TOKEN_TEXT_LEN);
}

static void test_roundtrip(void **state)
{
        char t[TOKEN_TEXT_LEN + 1], u[TOKEN_TEXT_LEN + 1];
        struct token_claims c;

        (void)state;
        make(TOKEN_RESET, NOW + 1800, &alice, t);
        /* URL-safe as it is: base64url, no padding */
        assert_int_equal(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                         TOKEN_TEXT_LEN);
        assert_int_equal(token_claims(t, &c), 0);
        assert_int_equal(c.purpose, TOKEN_RESET);
        assert_int_equal(c.uid, 10001);
        assert_int_equal(c.expires, NOW + 1800);
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &alice, NOW), 0);
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &alice, NOW + 1799), 0);
        /* two tokens for the same are never alike (the nonce) */
        make(TOKEN_RESET, NOW + 1800, &alice, u);
        assert_string_not_equal(t, u);
}

static void test_refusals(void **state)
{
        char t[TOKEN_TEXT_LEN + 1], c[TOKEN_TEXT_LEN + 1];
        struct token_binding b;

        (void)state;
        make(TOKEN_RESET, NOW + 1800, &alice, t);
        make(TOKEN_CONFIRM, NOW + 1800, &alice, c);
        /* expired: at its expiry and after */
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &alice, NOW + 1800), -EINVAL);
        /* the other purpose, both ways */
        assert_int_equal(token_verify(key, t, TOKEN_CONFIRM, &alice, NOW), -EINVAL);
        assert_int_equal(token_verify(key, c, TOKEN_RESET, &alice, NOW), -EINVAL);
        assert_int_equal(token_verify(key, c, TOKEN_CONFIRM, &alice, NOW), 0);
        /* another key */
        assert_int_equal(token_verify(other, t, TOKEN_RESET, &alice, NOW), -EINVAL);
        assert_int_equal(token_verify(NULL, t, TOKEN_RESET, &alice, NOW), -EINVAL);
        /* a renewed stamp, no stamp, another entry, another address */
        b = alice;
        b.stamp = "ffffffffffffffffffffffffffffffff";
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &b, NOW), -EINVAL);
        b.stamp = NULL;
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &b, NOW), -EINVAL);
        b = alice;
        b.dn = "uid=bob,ou=people,dc=example,dc=test";
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &b, NOW), -EINVAL);
        b = alice;
        b.mail = "mallory@example.test";
        assert_int_equal(token_verify(key, c, TOKEN_CONFIRM, &b, NOW), -EINVAL);
        /* the parts run together differently: no collision */
        b = (struct token_binding){ DN "0", "123456789abcdef0123456789abcdef", "alice@example.test" };
        assert_int_equal(token_verify(key, t, TOKEN_RESET, &b, NOW), -EINVAL);
}

/* Every single character changed, and every length but the right one. */
static void test_tampered(void **state)
{
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char t[TOKEN_TEXT_LEN + 1], u[TOKEN_TEXT_LEN + 2];
        unsigned refused = 0;

        (void)state;
        make(TOKEN_RESET, NOW + 1800, &alice, t);
        for (size_t i = 0; i < TOKEN_TEXT_LEN; i++) {
                strcpy(u, t);
                u[i] = b64[(strchr(b64, t[i]) - b64 + 1) % 64];
                /* the last character carries 2 spare bits: a change there
                 * may be a non-canonical encoding, refused by the decoder */
                if (token_verify(key, u, TOKEN_RESET, &alice, NOW) != 0)
                        refused++;
        }
        assert_int_equal(refused, TOKEN_TEXT_LEN);
        strcpy(u, t);
        u[TOKEN_TEXT_LEN - 1] = '\0';
        assert_int_equal(token_verify(key, u, TOKEN_RESET, &alice, NOW), -EINVAL);
        snprintf(u, sizeof(u), "%sA", t);
        assert_int_equal(token_verify(key, u, TOKEN_RESET, &alice, NOW), -EINVAL);
        assert_int_equal(token_verify(key, "", TOKEN_RESET, &alice, NOW), -EINVAL);
        assert_int_equal(token_verify(key, NULL, TOKEN_RESET, &alice, NOW), -EINVAL);
        /* padding or the other base64 alphabet */
        strcpy(u, t);
        u[10] = '+';
        assert_int_equal(token_verify(key, u, TOKEN_RESET, &alice, NOW), -EINVAL);
}

static void test_make_refuses(void **state)
{
        char t[TOKEN_TEXT_LEN + 1];
        struct token_claims c = { .purpose = 3, .uid = 1, .expires = NOW };
        struct token_binding nodn = { NULL, NULL, NULL };

        (void)state;
        assert_int_equal(token_make(key, &c, &alice, t), -EINVAL);
        c.purpose = TOKEN_RESET;
        assert_int_equal(token_make(NULL, &c, &alice, t), -EINVAL);
        assert_int_equal(token_make(key, &c, &nodn, t), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_tampered),
                cmocka_unit_test(test_make_refuses),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}

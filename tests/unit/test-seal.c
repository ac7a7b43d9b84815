/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-seal.c - helper/sesamed/seal.c: the key file rules, sealing and
 * unsealing (and everything that must not unseal), recovery codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "seal.h"
#include "testfile.h"

#define B64_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define RC_ALPHABET "abcdefghjkmnpqrstuvwxyz23456789"

struct fixture {
        char key_path[PATH_MAX];
        char other_path[PATH_MAX];
        struct seal_key *key, *other;
};

/* 32 bytes with a NUL inside and a newline at the end: both are key bytes */
static const uint8_t key_bytes[SEAL_KEY_LEN] = {
        0x00, 0x0a, 0x41, 0x00, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0,
        0xc0, 0xd0, 0xe0, 0xf0, 0x01, 0x02, 0x03, 0x0d, 0x0a, 0x00, 0x00, 0x07, 0x08, 0x09, 0x00, 0x0a,
};

static void path_in(const char *name, char out[PATH_MAX])
{
        assert_true(snprintf(out, PATH_MAX, "%s", testdir_path(name)) < PATH_MAX);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        uint8_t other[SEAL_KEY_LEN];
        char err[256];

        if (!f || sodium_init() < 0)
                return -1;
        if (testdir_setup("test-seal") < 0)
                return -1;
        path_in("key", f->key_path);
        path_in("other", f->other_path);
        testdir_file("key", key_bytes, sizeof(key_bytes), 0600);
        randombytes_buf(other, sizeof(other));
        testdir_file("other", other, sizeof(other), 0400);
        if (seal_key_load(f->key_path, &f->key, err, sizeof(err)) < 0 ||
            seal_key_load(f->other_path, &f->other, err, sizeof(err)) < 0) {
                fprintf(stderr, "setup: %s\n", err);
                return -1;
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        seal_key_free(f->key);
        seal_key_free(f->other);
        free(f);
        return testdir_teardown("test-seal");
}

static void expect_key(const char *path, int want)
{
        struct seal_key *k = (struct seal_key *)0x1;
        char err[512] = "";
        int r;

        r = seal_key_load(path, &k, err, sizeof(err));
        if (r != want)
                print_error("seal_key_load(%s) = %d (%s), want %d\n", path, r, err, want);
        assert_int_equal(r, want);
        if (want == 0) {
                assert_true(k != NULL && k != (struct seal_key *)0x1);
                seal_key_free(k);
        } else {
                assert_ptr_equal(k, (struct seal_key *)0x1); /* untouched */
                assert_non_null(strstr(err, path));          /* says which file */
        }
        err[0] = '\0';
        assert_int_equal(seal_key_check(path, err, sizeof(err)), want);
        if (want != 0)
                assert_true(err[0] != '\0');
}

static void test_key_file_ok(void **state)
{
        struct fixture *f = *state;
        char p[PATH_MAX];
        uint8_t nl[SEAL_KEY_LEN];

        expect_key(f->key_path, 0);
        expect_key(f->other_path, 0);
        /* 32 newlines, 32 NULs */
        memset(nl, '\n', sizeof(nl));
        path_in("newlines", p);
        testdir_file("newlines", nl, sizeof(nl), 0600);
        expect_key(p, 0);
        memset(nl, 0, sizeof(nl));
        path_in("nuls", p);
        testdir_file("nuls", nl, sizeof(nl), 0600);
        expect_key(p, 0);
}

static void test_key_file_size(void **state)
{
        uint8_t buf[SEAL_KEY_LEN + 1];
        char p[PATH_MAX];

        (void)state;
        memcpy(buf, key_bytes, SEAL_KEY_LEN);
        buf[SEAL_KEY_LEN] = '\n'; /* "the key plus a newline" is 33 bytes */
        path_in("size", p);
        testdir_file("size", buf, 0, 0600);
        expect_key(p, -EINVAL);
        testdir_file("size", buf, 1, 0600);
        expect_key(p, -EINVAL);
        testdir_file("size", buf, SEAL_KEY_LEN - 1, 0600);
        expect_key(p, -EINVAL);
        testdir_file("size", buf, SEAL_KEY_LEN + 1, 0600);
        expect_key(p, -EINVAL);
        /* 44 bytes of base64 text are not a key either */
        testdir_file("size", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 44, 0600);
        expect_key(p, -EINVAL);
        testdir_file("size", buf, SEAL_KEY_LEN, 0600);
        expect_key(p, 0);
}

static void test_key_file_mode(void **state)
{
        static const mode_t bad[] = { 0640, 0604, 0620, 0602, 0610, 0601, 0644, 0660, 0666, 0700 | 0040 };
        static const mode_t good[] = { 0600, 0400, 0200, 0700, 0000 };
        char p[PATH_MAX];

        (void)state;
        path_in("mode", p);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                testdir_file("mode", key_bytes, SEAL_KEY_LEN, bad[i]);
                expect_key(p, -EPERM);
        }
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (geteuid() != 0 && !(good[i] & 0400))
                        continue; /* unreadable unless root */
                testdir_file("mode", key_bytes, SEAL_KEY_LEN, good[i]);
                expect_key(p, 0);
        }
}

static void test_key_file_kind(void **state)
{
        struct fixture *f = *state;
        char p[PATH_MAX];

        /* the file rules are safefile_read()'s, with its error codes */
        /* a symbolic link to a good key */
        path_in("link", p);
        assert_int_equal(symlink(f->key_path, p), 0);
        expect_key(p, -ELOOP);
        /* a directory, a FIFO (must not hang) */
        path_in("dir", p);
        assert_int_equal(mkdir(p, 0700), 0);
        expect_key(p, -EISDIR);
        path_in("fifo", p);
        assert_int_equal(mkfifo(p, 0600), 0);
        expect_key(p, -EINVAL);
        expect_key("/dev/null", -EINVAL);
        /* missing: the message says how to create it; relative */
        path_in("missing", p);
        expect_key(p, -ENOENT);
        {
                char err[512];

                assert_int_equal(seal_key_check(p, err, sizeof(err)), -ENOENT);
                assert_non_null(strstr(err, "sesamectl key generate"));
        }
        assert_int_equal(seal_key_check("relative/key", NULL, 0), -EINVAL);
        assert_int_equal(seal_key_check(NULL, NULL, 0), -EINVAL);
        assert_int_equal(seal_key_load(f->key_path, NULL, NULL, 0), -EINVAL);
}

static void test_key_file_owner(void **state)
{
        char p[PATH_MAX];

        (void)state;
        if (geteuid() != 0) {
                print_message("not root: the other-owner case needs chown, skipped\n");
                skip();
        }
        path_in("owner", p);
        testdir_file("owner", key_bytes, SEAL_KEY_LEN, 0600);
        expect_key(p, 0);
        assert_int_equal(chown(p, 65534, 65534), 0);
        expect_key(p, -EPERM);
        assert_int_equal(chown(p, 0, 65534), 0); /* any group is fine at mode 0600 */
        expect_key(p, 0);
}

static void test_round_trip(void **state)
{
        struct fixture *f = *state;
        static const size_t lens[] = { 0, 1, 20, 68, 100, 1024 };
        uint8_t payload[1024], out[1100];
        char name[256];

        randombytes_buf(payload, sizeof(payload));
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                char *s = seal_value(f->key, "alice", payload, lens[i]), *s2;
                size_t n = 12345;

                assert_non_null(s);
                assert_int_equal(strncmp(s, "v1$", 3), 0);
                assert_int_equal(strspn(s + 3, B64_CHARS "="), strlen(s + 3));
                assert_int_equal(unseal_value(f->key, "alice", s, out, sizeof(out), &n), 0);
                assert_int_equal(n, lens[i]);
                assert_memory_equal(out, payload, lens[i]);
                /* a fresh nonce each time */
                s2 = seal_value(f->key, "alice", payload, lens[i]);
                assert_non_null(s2);
                assert_string_not_equal(s, s2);
                free(s2);
                free(s);
        }
        /* the longest name */
        memset(name, 'n', 255);
        name[255] = '\0';
        {
                char *s = seal_value(f->key, name, payload, 68);
                size_t n = 0;

                assert_non_null(s);
                assert_int_equal(unseal_value(f->key, name, s, out, sizeof(out), &n), 0);
                assert_int_equal(n, 68);
                name[254] = '\0';
                assert_int_equal(unseal_value(f->key, name, s, out, sizeof(out), &n), -EINVAL);
                free(s);
        }
}

static void test_seal_refuses(void **state)
{
        struct fixture *f = *state;
        uint8_t payload[1100] = { 0 };
        char name[300];

        memset(name, 'n', 256);
        name[256] = '\0';
        assert_null(seal_value(f->key, name, payload, 10));
        assert_null(seal_value(f->key, "", payload, 10));
        assert_null(seal_value(f->key, NULL, payload, 10));
        assert_null(seal_value(NULL, "alice", payload, 10));
        assert_null(seal_value(f->key, "alice", NULL, 10));
        assert_null(seal_value(f->key, "alice", payload, 1025));
}

static void test_out_size(void **state)
{
        struct fixture *f = *state;
        uint8_t payload[68], out[68];
        char *s;
        size_t n = 999;

        randombytes_buf(payload, sizeof(payload));
        s = seal_value(f->key, "alice", payload, sizeof(payload));
        assert_non_null(s);
        assert_int_equal(unseal_value(f->key, "alice", s, out, 67, &n), -ERANGE);
        assert_int_equal(n, 999);
        assert_int_equal(unseal_value(f->key, "alice", s, out, 0, &n), -ERANGE);
        assert_int_equal(unseal_value(f->key, "alice", s, out, 68, &n), 0);
        assert_int_equal(n, 68);
        assert_memory_equal(out, payload, 68);
        assert_int_equal(unseal_value(f->key, "alice", s, out, 68, NULL), -EINVAL);
        assert_int_equal(unseal_value(f->key, "alice", NULL, out, 68, &n), -EINVAL);
        assert_int_equal(unseal_value(f->key, NULL, s, out, 68, &n), -EINVAL);
        assert_int_equal(unseal_value(NULL, "alice", s, out, 68, &n), -EINVAL);
        free(s);
}

static void test_wrong_name_and_key(void **state)
{
        struct fixture *f = *state;
        static const char *const names[] = { "bob", "alic", "alice2", "Alice", "ALICE", " alice", "alice\n" };
        uint8_t payload[68], out[100];
        char *s;
        size_t n = 999;

        randombytes_buf(payload, sizeof(payload));
        s = seal_value(f->key, "alice", payload, sizeof(payload));
        assert_non_null(s);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                assert_int_equal(unseal_value(f->key, names[i], s, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(unseal_value(f->key, "", s, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(unseal_value(f->other, "alice", s, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(n, 999);
        assert_int_equal(unseal_value(f->key, "alice", s, out, sizeof(out), &n), 0);
        free(s);
}

static void test_tampered(void **state)
{
        struct fixture *f = *state;
        uint8_t payload[68], out[100];
        char *s, *t;
        size_t n, len;

        randombytes_buf(payload, sizeof(payload));
        s = seal_value(f->key, "alice", payload, sizeof(payload));
        assert_non_null(s);
        len = strlen(s);
        t = strdup(s);
        assert_non_null(t);
        /* every character replaced by every other base64 character */
        for (size_t i = 0; i < len; i++) {
                for (const char *c = B64_CHARS "=$v2 \n"; *c; c++) {
                        if (*c == s[i])
                                continue;
                        t[i] = *c;
                        assert_int_equal(unseal_value(f->key, "alice", t, out, sizeof(out), &n), -EINVAL);
                }
                t[i] = s[i];
        }
        /* every truncation */
        for (size_t i = 0; i < len; i++) {
                t[i] = '\0';
                assert_int_equal(unseal_value(f->key, "alice", t, out, sizeof(out), &n), -EINVAL);
                t[i] = s[i];
        }
        free(t);
        /* anything after the end */
        {
                static const char *const tails[] = { "\n", " ", "=", "A", "AAAA", "====", "$" };

                for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
                        char buf[512];

                        snprintf(buf, sizeof(buf), "%s%s", s, tails[i]);
                        assert_int_equal(unseal_value(f->key, "alice", buf, out, sizeof(out), &n), -EINVAL);
                }
        }
        assert_int_equal(unseal_value(f->key, "alice", s, out, sizeof(out), &n), 0);
        free(s);
}

static void test_garbage(void **state)
{
        struct fixture *f = *state;
        static const char *const bad[] = {
                "", "v", "v1", "v1$", "v1$=", "v1$====", "v1$AAAA", "V1$AAAA", "v2$AAAA", "$v1",
                "v1$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 42 zero bytes */
                "v1$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 40: nonce and MAC only */
                "v1$AA==", "v1$AA=A", "v1$A===", "v1$-_-_", "v1$\xff\xfe", "hello world",
        };
        uint8_t out[2048];
        size_t n = 7;
        (void)state;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(unseal_value(f->key, "alice", bad[i], out, sizeof(out), &n), -EINVAL);
        /* random bytes behind the prefix, and random base64 of many lengths */
        for (int round = 0; round < 2000; round++) {
                char buf[600];
                size_t len = 3 + randombytes_uniform(sizeof(buf) - 4);

                memcpy(buf, "v1$", 3);
                for (size_t i = 3; i < len; i++) {
                        if (round % 2)
                                buf[i] = B64_CHARS[randombytes_uniform(64)];
                        else
                                buf[i] = (char)(1 + randombytes_uniform(255));
                }
                buf[len] = '\0';
                assert_int_equal(unseal_value(f->key, "alice", buf, out, sizeof(out), &n), -EINVAL);
        }
        assert_int_equal(n, 7);
}

static void test_oversized(void **state)
{
        struct fixture *f = *state;
        uint8_t payload[1024], out[2048];
        size_t sizes[] = { 4000, 1 << 16, 1 << 22 };
        char *s;
        size_t n = 7;

        /* the largest value seal_value() makes still opens */
        randombytes_buf(payload, sizeof(payload));
        {
                char name[256];

                memset(name, 'x', 255);
                name[255] = '\0';
                s = seal_value(f->key, name, payload, sizeof(payload));
                assert_non_null(s);
                assert_int_equal(unseal_value(f->key, name, s, out, sizeof(out), &n), 0);
                assert_int_equal(n, sizeof(payload));
                free(s);
        }
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                char *big = malloc(sizes[i] + 1);

                assert_non_null(big);
                memcpy(big, "v1$", 3);
                memset(big + 3, 'A', sizes[i] - 3);
                big[sizes[i]] = '\0';
                n = 7;
                assert_int_equal(unseal_value(f->key, "alice", big, out, sizeof(out), &n), -EINVAL);
                assert_int_equal(n, 7);
                free(big);
        }
}

static void test_recovery_new(void **state)
{
        char codes[RECOVERY_CODES][RECOVERY_CODE_LEN];
        (void)state;

        for (size_t i = 0; i < RECOVERY_CODES; i++) {
                recovery_new(codes[i]);
                assert_int_equal(strlen(codes[i]), RECOVERY_CODE_LEN - 1);
                for (size_t j = 0; j < RECOVERY_CODE_LEN - 1; j++) {
                        if (j == 4 || j == 9)
                                assert_int_equal(codes[i][j], '-');
                        else
                                assert_non_null(strchr(RC_ALPHABET, codes[i][j]));
                }
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(codes[i], codes[j]);
        }
        /* no look-alikes, ever */
        for (int round = 0; round < 1000; round++) {
                char c[RECOVERY_CODE_LEN];

                recovery_new(c);
                assert_null(strpbrk(c, "ilo01IO"));
        }
}

#define DN_A "uid=alice,ou=people,dc=example,dc=com"
#define DN_B "uid=mallory,ou=people,dc=example,dc=com"

static void test_recovery_hash(void **state)
{
        struct fixture *f = *state;
        static const char *const same[] = {
                "abcd-efgh-jkmn", "abcdefghjkmn", "ABCD-EFGH-JKMN", "AbCd-EfGh-JkMn", " abcd efgh jkmn ",
                "abcd--efgh--jkmn", "\tabcd-efgh-jkmn\t", "a-b-c-d-e-f-g-h-j-k-m-n", "-abcdefghjkmn-",
        };
        char ref[RECOVERY_HASH_LEN], h[RECOVERY_HASH_LEN], other[RECOVERY_HASH_LEN];
        char plain_hex[RECOVERY_HASH_LEN];
        uint8_t plain[32];

        assert_int_equal(recovery_hash(f->key, DN_A, "abcd-efgh-jkmn", ref), 0);
        assert_int_equal(strlen(ref), 64);
        assert_int_equal(strspn(ref, "0123456789abcdef"), 64);
        for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
                memset(h, 0, sizeof(h));
                assert_int_equal(recovery_hash(f->key, DN_A, same[i], h), 0);
                assert_string_equal(h, ref);
        }
        /* a different code, a different key */
        assert_int_equal(recovery_hash(f->key, DN_A, "abcd-efgh-jkmp", h), 0);
        assert_string_not_equal(h, ref);
        assert_int_equal(recovery_hash(f->other, DN_A, "abcd-efgh-jkmn", other), 0);
        assert_string_not_equal(other, ref);
        /* bound to the entry: the hash of the same code for another
         * entry is another, so a hash copied there is worthless */
        assert_int_equal(recovery_hash(f->key, DN_B, "abcd-efgh-jkmn", h), 0);
        assert_string_not_equal(h, ref);
        /* keyed: not the plain hash of the code */
        crypto_generichash(plain, sizeof(plain), (const uint8_t *)"abcdefghjkmn", 12, NULL, 0);
        sodium_bin2hex(plain_hex, sizeof(plain_hex), plain, sizeof(plain));
        assert_string_not_equal(plain_hex, ref);
        /* a fresh code hashes the same typed in upper case */
        {
                char c[RECOVERY_CODE_LEN], up[RECOVERY_CODE_LEN];

                recovery_new(c);
                for (size_t i = 0; i < sizeof(c); i++)
                        up[i] = (char)(c[i] >= 'a' && c[i] <= 'z' ? c[i] - 'a' + 'A' : c[i]);
                assert_int_equal(recovery_hash(f->key, DN_A, c, h), 0);
                assert_int_equal(recovery_hash(f->key, DN_A, up, other), 0);
                assert_string_equal(h, other);
        }
}

static void test_recovery_hash_refuses(void **state)
{
        struct fixture *f = *state;
        static const char *const bad[] = {
                "", "-", "    ", "abcd-efgh-jkm", "abcd-efgh-jkmnp", "abcd-efgh-jkmn-a",
                "abcd-efgh-jkmi", "abcd-efgh-jkml", "abcd-efgh-jkmo", "abcd-efgh-jkm0", "abcd-efgh-jkm1",
                "abcd_efgh_jkmn", "abcd.efgh.jkmn", "abcd-efgh-jkm\xc3\xa9", "123456", "12345678",
                "abcd-efgh-jkmn\n", "abcd-efgh-\xef\xbd\x8akmn",
                "a - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - bcdefghjkmn",
        };
        char h[RECOVERY_HASH_LEN];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = recovery_hash(f->key, DN_A, bad[i], h);

                if (r != -EINVAL)
                        print_error("recovery_hash(\"%s\") = %d\n", bad[i], r);
                assert_int_equal(r, -EINVAL);
        }
        assert_int_equal(recovery_hash(f->key, DN_A, NULL, h), -EINVAL);
        assert_int_equal(recovery_hash(NULL, DN_A, "abcd-efgh-jkmn", h), -EINVAL);
        assert_int_equal(recovery_hash(f->key, NULL, "abcd-efgh-jkmn", h), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_key_file_ok),
                cmocka_unit_test(test_key_file_size),
                cmocka_unit_test(test_key_file_mode),
                cmocka_unit_test(test_key_file_kind),
                cmocka_unit_test(test_key_file_owner),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_seal_refuses),
                cmocka_unit_test(test_out_size),
                cmocka_unit_test(test_wrong_name_and_key),
                cmocka_unit_test(test_tampered),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_oversized),
                cmocka_unit_test(test_recovery_new),
                cmocka_unit_test(test_recovery_hash),
                cmocka_unit_test(test_recovery_hash_refuses),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}

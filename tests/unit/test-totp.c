/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-totp.c - helper/sesamed/totp.c.  Every expected code comes from the
 * real oathtool(1), never from liboath through Sesame's own code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "sesame-proto.h"
#include "outcome.h"
#include "totp.h"

/* RFC 6238 appendix B seeds */
static const uint8_t rfc_sha1[20] = "12345678901234567890";
static const uint8_t rfc_sha256[32] = "12345678901234567890123456789012";
static const uint8_t rfc_sha512[64] = "1234567890123456789012345678901234567890123456789012345678901234";

static const char *mode_arg(uint32_t alg)
{
        switch (alg) {
        case SESAME_ALG_SHA1:
                return "--totp=SHA1";
        case SESAME_ALG_SHA256:
                return "--totp=SHA256";
        default:
                return "--totp=SHA512";
        }
}

/* Run oathtool; its one line of output (without the newline) into @out. */
static void run_oathtool(char *const argv[], char *out, size_t size)
{
        posix_spawn_file_actions_t fa;
        int pipefd[2], status = 0, r;
        size_t len = 0;
        pid_t pid;
        ssize_t n;

        assert_int_equal(pipe(pipefd), 0);
        assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
        assert_int_equal(posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO), 0);
        assert_int_equal(posix_spawn_file_actions_addclose(&fa, pipefd[0]), 0);
        assert_int_equal(posix_spawn_file_actions_addclose(&fa, pipefd[1]), 0);
        r = posix_spawnp(&pid, "oathtool", &fa, NULL, argv, environ);
        if (r != 0)
                fail_msg("cannot run oathtool (is it installed?): %s", strerror(r));
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        while (len + 1 < size && (n = read(pipefd[0], out + len, size - 1 - len)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                assert_true(n > 0);
                len += (size_t)n;
        }
        close(pipefd[0]);
        out[len] = '\0';
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_true(len > 1 && out[len - 1] == '\n');
        out[len - 1] = '\0';
}

/* oathtool's code for @seed (hex, or base32 text when @b32 is given). */
static void oathtool_code(uint32_t alg, uint32_t digits, uint32_t period, int64_t now, const uint8_t *seed,
                          size_t seed_len, const char *b32, char out[16])
{
        char prog[] = "oathtool", opt_d[] = "-d", opt_s[] = "-s", opt_n[] = "-N", opt_b[] = "--base32";
        char mode[16], d[16], s[16], t[32], key[2 * TOTP_SEED_MAX + 1];
        char *argv[12];
        int i = 0;

        snprintf(d, sizeof(d), "%u", digits);
        snprintf(s, sizeof(s), "%us", period);
        snprintf(t, sizeof(t), "@%" PRId64, now);
        if (b32)
                snprintf(key, sizeof(key), "%s", b32);
        else
                sodium_bin2hex(key, sizeof(key), seed, seed_len);
        snprintf(mode, sizeof(mode), "%s", mode_arg(alg));
        argv[i++] = prog;
        argv[i++] = mode;
        argv[i++] = opt_d;
        argv[i++] = d;
        argv[i++] = opt_s;
        argv[i++] = s;
        argv[i++] = opt_n;
        argv[i++] = t;
        if (b32)
                argv[i++] = opt_b;
        argv[i++] = key;
        argv[i] = NULL;
        run_oathtool(argv, out, 16);
        assert_int_equal(strlen(out), digits);
}

static int setup(void **state)
{
        (void)state;
        return totp_init() == 0 && sodium_init() >= 0 ? 0 : -1;
}

static void test_rfc6238_vectors(void **state)
{
        /* oathtool against the published values first: it is the oracle */
        static const struct {
                uint32_t alg;
                int64_t t;
                const char *code;
        } v[] = {
                { SESAME_ALG_SHA1, 59, "94287082" },          { SESAME_ALG_SHA256, 59, "46119246" },
                { SESAME_ALG_SHA512, 59, "90693936" },        { SESAME_ALG_SHA1, 1111111109, "07081804" },
                { SESAME_ALG_SHA256, 1111111109, "68084774" }, { SESAME_ALG_SHA512, 1111111109, "25091201" },
                { SESAME_ALG_SHA1, 20000000000, "65353130" },  { SESAME_ALG_SHA512, 20000000000, "47863826" },
        };
        (void)state;
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                struct totp_params p = { v[i].alg, 8, 30 };
                const uint8_t *seed = v[i].alg == SESAME_ALG_SHA1   ? rfc_sha1 :
                                      v[i].alg == SESAME_ALG_SHA256 ? rfc_sha256 :
                                                                      rfc_sha512;
                size_t len = totp_seed_len(v[i].alg);
                char code[16];
                int64_t step = -7;

                oathtool_code(v[i].alg, 8, 30, v[i].t, seed, len, NULL, code);
                assert_string_equal(code, v[i].code);
                assert_int_equal(totp_check(&p, seed, len, code, v[i].t, 0, -1, &step), 0);
                assert_int_equal(step, v[i].t / 30);
        }
}

static void test_code_syntax(void **state)
{
        (void)state;
        assert_true(totp_code_syntax("123456", 6));
        assert_true(totp_code_syntax("000000", 6));
        assert_true(totp_code_syntax("1234567", 7));
        assert_true(totp_code_syntax("12345678", 8));
        assert_false(totp_code_syntax(NULL, 6));
        assert_false(totp_code_syntax("", 6));
        assert_false(totp_code_syntax("", 0));
        assert_false(totp_code_syntax("12345", 6));
        assert_false(totp_code_syntax("1234567", 6));
        assert_false(totp_code_syntax("123456", 8));
        assert_false(totp_code_syntax("12345a", 6));
        assert_false(totp_code_syntax("a23456", 6));
        assert_false(totp_code_syntax(" 123456", 6));
        assert_false(totp_code_syntax("123456 ", 6));
        assert_false(totp_code_syntax("123 456", 6));
        assert_false(totp_code_syntax("123456\n", 6));
        assert_false(totp_code_syntax("\t123456", 6));
        assert_false(totp_code_syntax("+12345", 6));
        assert_false(totp_code_syntax("-12345", 6));
        assert_false(totp_code_syntax("12345\x80", 6));
        /* Unicode digits: Arabic-Indic, full-width, superscript */
        assert_false(totp_code_syntax("\xd9\xa1\xd9\xa2\xd9\xa3", 6));
        assert_false(totp_code_syntax("\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6", 6));
        assert_false(totp_code_syntax("\xef\xbc\x91\xef\xbc\x92", 6));
        assert_false(totp_code_syntax("12345\xc2\xb9", 6));
}

/* Codes from oathtool for every algorithm, 6, 7 and 8 digits, two periods. */
static void test_algorithms_and_digits(void **state)
{
        static const uint32_t algs[] = { SESAME_ALG_SHA1, SESAME_ALG_SHA256, SESAME_ALG_SHA512 };
        static const uint32_t digits[] = { 6, 7, 8 };
        static const uint32_t periods[] = { 30, 60 };
        static const int64_t times[] = { 0, 59, 1234567890, 1700000000, 4102444800 };
        (void)state;

        for (size_t a = 0; a < 3; a++)
                for (size_t d = 0; d < 3; d++)
                        for (size_t pi = 0; pi < 2; pi++)
                                for (size_t ti = 0; ti < 5; ti++) {
                                        struct totp_params p = { algs[a], digits[d], periods[pi] };
                                        uint8_t seed[TOTP_SEED_MAX];
                                        size_t len = totp_new_seed(algs[a], seed);
                                        char code[16];
                                        int64_t step = -7;

                                        assert_int_equal(len, totp_seed_len(algs[a]));
                                        oathtool_code(p.alg, p.digits, p.period, times[ti], seed, len, NULL,
                                                      code);
                                        assert_int_equal(totp_check(&p, seed, len, code, times[ti], 1, -1,
                                                                    &step),
                                                         0);
                                        assert_true(step >= times[ti] / p.period - 1 &&
                                                    step <= times[ti] / p.period + 1);
                                        assert_int_equal(totp_check(&p, seed, len, code, times[ti], 0, -1,
                                                                    &step),
                                                         0);
                                        assert_int_equal(step, times[ti] / p.period);
                                        /* one digit changed: wrong at this step */
                                        code[p.digits - 1] = code[p.digits - 1] == '9' ? '0' :
                                                             (char)(code[p.digits - 1] + 1);
                                        assert_int_equal(totp_check(&p, seed, len, code, times[ti], 0, -1,
                                                                    &step),
                                                         OUT_BAD_CREDENTIALS);
                                }
}

/* Right code, wrong parameters: algorithm, digits and period all matter. */
static void test_parameters_matter(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA256, 8, 30 };
        char code8[16], code7[16], code6[16], code_sha1[16];
        const int64_t now = 1700000000;
        (void)state;

        oathtool_code(SESAME_ALG_SHA256, 8, 30, now, rfc_sha256, 32, NULL, code8);
        oathtool_code(SESAME_ALG_SHA256, 7, 30, now, rfc_sha256, 32, NULL, code7);
        oathtool_code(SESAME_ALG_SHA256, 6, 30, now, rfc_sha256, 32, NULL, code6);
        oathtool_code(SESAME_ALG_SHA1, 8, 30, now, rfc_sha256, 32, NULL, code_sha1);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code8, now, 1, -1, NULL), 0);
        /* right number, wrong length: a syntax error, never checked */
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code7, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code6, now, 1, -1, NULL), -EINVAL);
        p.digits = 6;
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code6, now, 1, -1, NULL), 0);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code7, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code8, now, 1, -1, NULL), -EINVAL);
        p.digits = 7;
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code7, now, 1, -1, NULL), 0);
        p.digits = 8;
        assert_string_not_equal(code_sha1, code8);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code_sha1, now, 1, -1, NULL), OUT_BAD_CREDENTIALS);
        p.alg = SESAME_ALG_SHA1;
        assert_int_equal(totp_check(&p, rfc_sha256, 32, code_sha1, now, 1, -1, NULL), 0);
}

static void test_bad_syntax_refused(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA1, 6, 30 };
        const int64_t now = 1700000000;
        char code[16], buf[64];
        static const char *const around[][2] = {
                { " ", "" }, { "", " " }, { "", "\n" }, { "\t", "" }, { "", "\r" }, { "+", "" }, { "", "0" }, { "0", "" },
        };
        (void)state;

        oathtool_code(SESAME_ALG_SHA1, 6, 30, now, rfc_sha1, 20, NULL, code);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, code, now, 1, -1, NULL), 0);
        for (size_t i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
                snprintf(buf, sizeof(buf), "%s%s%s", around[i][0], code, around[i][1]);
                assert_int_equal(totp_check(&p, rfc_sha1, 20, buf, now, 1, -1, NULL), -EINVAL);
        }
        /* five of its digits, and one replaced by a letter */
        snprintf(buf, sizeof(buf), "%.5s", code);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, buf, now, 1, -1, NULL), -EINVAL);
        snprintf(buf, sizeof(buf), "%.5sx", code);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, buf, now, 1, -1, NULL), -EINVAL);
        /* the same digits as Arabic-Indic and full-width digits */
        buf[0] = '\0';
        for (size_t i = 0; i < 6; i++)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "\xd9%c", (char)(0xa0 + code[i] - '0'));
        assert_int_equal(totp_check(&p, rfc_sha1, 20, buf, now, 1, -1, NULL), -EINVAL);
        buf[0] = '\0';
        for (size_t i = 0; i < 6; i++)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "\xef\xbc%c",
                         (char)(0x90 + code[i] - '0'));
        assert_int_equal(totp_check(&p, rfc_sha1, 20, buf, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, "", now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, NULL, now, 1, -1, NULL), -EINVAL);
}

static void test_window(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA1, 6, 30 };
        const int64_t now = 1111111109, step = now / 30;
        char codes[5][16];
        int64_t got;
        (void)state;

        for (int d = -2; d <= 2; d++)
                oathtool_code(p.alg, p.digits, p.period, now + d * 30, rfc_sha1, 20, NULL, codes[d + 2]);
        /* five different codes (so refusing one means something) */
        assert_string_not_equal(codes[1], codes[2]);
        assert_string_not_equal(codes[2], codes[3]);
        assert_string_not_equal(codes[1], codes[3]);
        for (int i = 1; i <= 3; i++) {
                assert_string_not_equal(codes[0], codes[i]);
                assert_string_not_equal(codes[4], codes[i]);
        }
        for (int d = -1; d <= 1; d++) {
                got = -7;
                assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[d + 2], now, 1, -1, &got), 0);
                assert_int_equal(got, step + d);
        }
        got = -7;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[0], now, 1, -1, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[4], now, 1, -1, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(got, -7);
        /* window 0: only the current step; window 2: all five */
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[2], now, 0, -1, &got), 0);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[1], now, 0, -1, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[3], now, 0, -1, &got), OUT_BAD_CREDENTIALS);
        for (int d = -2; d <= 2; d++) {
                assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[d + 2], now, 2, -1, &got), 0);
                assert_int_equal(got, step + d);
        }
        /* the last second of a step and the first of the next */
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[2], step * 30 + 29, 0, -1, &got), 0);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[2], step * 30 + 30, 0, -1, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, codes[2], step * 30 + 30, 1, -1, &got), 0);
        assert_int_equal(got, step);
}

static void test_replay(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA256, 8, 30 };
        const int64_t now = 1700000000, step = now / 30;
        char prev[16], cur[16], next[16];
        int64_t got;
        (void)state;

        oathtool_code(p.alg, 8, 30, now - 30, rfc_sha256, 32, NULL, prev);
        oathtool_code(p.alg, 8, 30, now, rfc_sha256, 32, NULL, cur);
        oathtool_code(p.alg, 8, 30, now + 30, rfc_sha256, 32, NULL, next);
        assert_string_not_equal(prev, cur);
        assert_string_not_equal(cur, next);
        assert_string_not_equal(prev, next);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, cur, now, 1, step - 1, &got), 0);
        assert_int_equal(got, step);
        /* the same step again, or an older one */
        assert_int_equal(totp_check(&p, rfc_sha256, 32, cur, now, 1, step, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, cur, now, 1, step + 1, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, prev, now, 1, step, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, prev, now, 1, step - 1, &got), OUT_BAD_CREDENTIALS);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, prev, now, 1, step - 2, &got), 0);
        assert_int_equal(got, step - 1);
        /* a later step still passes */
        assert_int_equal(totp_check(&p, rfc_sha256, 32, next, now, 1, step, &got), 0);
        assert_int_equal(got, step + 1);
        assert_int_equal(totp_check(&p, rfc_sha256, 32, next, now, 1, step + 1, &got), OUT_BAD_CREDENTIALS);
}

/*
 * A code that is the code of two adjacent steps: with this seed, steps
 * 910737 and 910738 (found with "oathtool --totp -w 3000000 -N @0 KEY";
 * checked below with oathtool again).  liboath's own window scan stops
 * at the first match, the current step; that it is a replay must not
 * hide that the next step matches too.
 */
static void test_replay_does_not_hide_later_step(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA1, 6, 30 };
        const int64_t s = 910737, now = s * 30 + 5;
        char a[16], b[16], before[16];
        int64_t got;
        (void)state;

        oathtool_code(p.alg, 6, 30, s * 30, rfc_sha1, 20, NULL, a);
        oathtool_code(p.alg, 6, 30, (s + 1) * 30, rfc_sha1, 20, NULL, b);
        oathtool_code(p.alg, 6, 30, (s - 1) * 30, rfc_sha1, 20, NULL, before);
        assert_string_equal(a, b);
        assert_string_not_equal(a, before);

        got = -7;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, a, now, 1, -1, &got), 0);
        assert_int_equal(got, s); /* the earliest */
        assert_int_equal(totp_check(&p, rfc_sha1, 20, a, now, 1, s - 1, &got), 0);
        assert_int_equal(got, s);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, a, now, 1, s, &got), 0);
        assert_int_equal(got, s + 1);
        assert_int_equal(totp_check(&p, rfc_sha1, 20, a, now, 1, s + 1, &got), OUT_BAD_CREDENTIALS);
        /* window 0 at step s: only s, a replay */
        assert_int_equal(totp_check(&p, rfc_sha1, 20, a, now, 0, s, &got), OUT_BAD_CREDENTIALS);
}

static void test_bad_parameters(void **state)
{
        struct totp_params ok = { SESAME_ALG_SHA1, 6, 30 }, p;
        const int64_t now = 1700000000;
        char code[16];
        (void)state;

        oathtool_code(SESAME_ALG_SHA1, 6, 30, now, rfc_sha1, 20, NULL, code);
        assert_int_equal(totp_check(&ok, rfc_sha1, 20, code, now, 1, -1, NULL), 0);
        assert_int_equal(totp_check(NULL, rfc_sha1, 20, code, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, NULL, 20, code, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, rfc_sha1, 0, code, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, rfc_sha1, TOTP_SEED_MAX + 1, code, now, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, rfc_sha1, 20, code, -1, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, rfc_sha1, 20, code, INT64_MAX, 1, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, rfc_sha1, 20, code, now, 1000000, -1, NULL), -EINVAL);
        assert_int_equal(totp_check(&ok, rfc_sha1, 20, code, now, 1, -2, NULL), -EINVAL);
        p = ok, p.alg = 3;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, code, now, 1, -1, NULL), -EINVAL);
        p = ok, p.digits = 5;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, "12345", now, 1, -1, NULL), -EINVAL);
        p = ok, p.digits = 9;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, "123456789", now, 1, -1, NULL), -EINVAL);
        p = ok, p.period = 9;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, code, now, 1, -1, NULL), -EINVAL);
        p = ok, p.period = 301;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, code, now, 1, -1, NULL), -EINVAL);
        p = ok, p.period = 0;
        assert_int_equal(totp_check(&p, rfc_sha1, 20, code, now, 1, -1, NULL), -EINVAL);
}

static void test_seeds(void **state)
{
        uint8_t a[TOTP_SEED_MAX], b[TOTP_SEED_MAX];
        (void)state;

        assert_int_equal(totp_seed_len(SESAME_ALG_SHA1), 20);
        assert_int_equal(totp_seed_len(SESAME_ALG_SHA256), 32);
        assert_int_equal(totp_seed_len(SESAME_ALG_SHA512), 64);
        assert_int_equal(totp_seed_len(3), 0);
        assert_int_equal(totp_seed_len(UINT32_MAX), 0);
        assert_int_equal(totp_new_seed(3, a), 0);
        for (uint32_t alg = 0; alg < 3; alg++) {
                memset(a, 0, sizeof(a));
                memset(b, 0, sizeof(b));
                assert_int_equal(totp_new_seed(alg, a), totp_seed_len(alg));
                assert_int_equal(totp_new_seed(alg, b), totp_seed_len(alg));
                assert_memory_not_equal(a, b, totp_seed_len(alg));
                /* nothing written past the seed */
                for (size_t i = totp_seed_len(alg); i < TOTP_SEED_MAX; i++)
                        assert_int_equal(a[i], 0);
        }
}

static void test_base32_vectors(void **state)
{
        static const struct {
                const char *in, *out;
        } v[] = {
                /* RFC 4648 section 10, without the padding */
                { "f", "MY" },         { "fo", "MZXQ" },          { "foo", "MZXW6" },
                { "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },  { "foobar", "MZXW6YTBOI" },
                { "12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" },
        };
        char out[TOTP_B32_MAX];
        (void)state;

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                assert_int_equal(totp_base32((const uint8_t *)v[i].in, strlen(v[i].in), out, sizeof(out)), 0);
                assert_string_equal(out, v[i].out);
        }
        /* exact size works, one byte less is -ERANGE */
        assert_int_equal(totp_base32((const uint8_t *)"foobar", 6, out, 11), 0);
        assert_string_equal(out, "MZXW6YTBOI");
        assert_int_equal(totp_base32((const uint8_t *)"foobar", 6, out, 10), -ERANGE);
        assert_int_equal(totp_base32((const uint8_t *)"foobar", 6, out, 0), -ERANGE);
        assert_int_equal(totp_base32(NULL, 6, out, sizeof(out)), -EINVAL);
        assert_int_equal(totp_base32((const uint8_t *)"x", 0, out, sizeof(out)), -EINVAL);
}

/* What we print is what oathtool --base32 (and so an app) reads. */
static void test_base32_oathtool(void **state)
{
        (void)state;
        for (uint32_t alg = 0; alg < 3; alg++)
                for (int round = 0; round < 3; round++) {
                        uint8_t seed[TOTP_SEED_MAX];
                        size_t len = totp_new_seed(alg, seed);
                        char b32[TOTP_B32_MAX], hex_code[16], b32_code[16];

                        assert_int_equal(totp_base32(seed, len, b32, sizeof(b32)), 0);
                        assert_int_equal(strlen(b32), (len * 8 + 4) / 5);
                        assert_int_equal(strspn(b32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), strlen(b32));
                        oathtool_code(alg, 8, 30, 1700000000 + round, seed, len, NULL, hex_code);
                        oathtool_code(alg, 8, 30, 1700000000 + round, NULL, 0, b32, b32_code);
                        assert_string_equal(hex_code, b32_code);
                }
}

static void test_uri(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA1, 6, 30 };
        char *u;
        (void)state;

        u = totp_uri(&p, "Sesame", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_non_null(u);
        assert_string_equal(u, "otpauth://totp/Sesame:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                               "&issuer=Sesame&algorithm=SHA1&digits=6&period=30");
        free(u);

        p = (struct totp_params){ SESAME_ALG_SHA256, 8, 60 };
        u = totp_uri(&p, "ACME Co.", "alice@example.com", "MZXW6YTBOI");
        assert_non_null(u);
        assert_string_equal(u, "otpauth://totp/ACME%20Co.:alice%40example.com?secret=MZXW6YTBOI"
                               "&issuer=ACME%20Co.&algorithm=SHA256&digits=8&period=60");
        free(u);

        p = (struct totp_params){ SESAME_ALG_SHA512, 7, 300 };
        u = totp_uri(&p, "a:b/c?d&e=f#g%h+i", "Zo\xc3\xab~_-.x y", "MY");
        assert_non_null(u);
        assert_string_equal(u, "otpauth://totp/a%3Ab%2Fc%3Fd%26e%3Df%23g%25h%2Bi:Zo%C3%AB~_-.x%20y?secret=MY"
                               "&issuer=a%3Ab%2Fc%3Fd%26e%3Df%23g%25h%2Bi&algorithm=SHA512&digits=7"
                               "&period=300");
        free(u);

        /* not base32 text, or bad parameters */
        p = (struct totp_params){ SESAME_ALG_SHA1, 6, 30 };
        assert_null(totp_uri(&p, "Sesame", "alice", ""));
        assert_null(totp_uri(&p, "Sesame", "alice", "mzxw6ytboi"));
        assert_null(totp_uri(&p, "Sesame", "alice", "MZXW6YTBOI======"));
        assert_null(totp_uri(&p, "Sesame", "alice", "MZXW&x=1"));
        assert_null(totp_uri(&p, NULL, "alice", "MY"));
        assert_null(totp_uri(&p, "Sesame", NULL, "MY"));
        assert_null(totp_uri(&p, "Sesame", "alice", NULL));
        p.digits = 9;
        assert_null(totp_uri(&p, "Sesame", "alice", "MY"));
}

static void test_pack_round_trip(void **state)
{
        (void)state;
        for (uint32_t alg = 0; alg < 3; alg++) {
                struct totp_params p = { alg, 6 + alg, 30 + 100 * alg }, q;
                uint8_t seed[TOTP_SEED_MAX], seed2[TOTP_SEED_MAX], buf[TOTP_PACK_MAX];
                size_t len = totp_new_seed(alg, seed), n, len2 = 0;

                n = totp_pack(&p, seed, len, buf);
                assert_int_equal(n, 4 + len);
                assert_int_equal(buf[0], alg);
                assert_int_equal(buf[1], 6 + alg);
                assert_int_equal(buf[2], (30 + 100 * alg) >> 8);
                assert_int_equal(buf[3], (30 + 100 * alg) & 0xff);
                assert_memory_equal(buf + 4, seed, len);
                memset(&q, 0, sizeof(q));
                assert_int_equal(totp_unpack(buf, n, &q, seed2, &len2), 0);
                assert_int_equal(q.alg, p.alg);
                assert_int_equal(q.digits, p.digits);
                assert_int_equal(q.period, p.period);
                assert_int_equal(len2, len);
                assert_memory_equal(seed2, seed, len);
        }
}

static void expect_unpack_fails(const uint8_t *in, size_t len)
{
        struct totp_params q = { 99, 99, 99 };
        uint8_t seed[TOTP_SEED_MAX];
        size_t seed_len = 1234;

        assert_int_equal(totp_unpack(in, len, &q, seed, &seed_len), -EINVAL);
        /* nothing written */
        assert_int_equal(q.alg, 99);
        assert_int_equal(seed_len, 1234);
}

static void test_pack_rejects(void **state)
{
        struct totp_params p = { SESAME_ALG_SHA256, 8, 30 };
        uint8_t buf[TOTP_PACK_MAX + 8], seed[TOTP_SEED_MAX] = { 0 };
        size_t n;
        (void)state;

        /* pack refuses what unpack would refuse */
        assert_int_equal(totp_pack(&p, seed, 20, buf), 0);
        assert_int_equal(totp_pack(&p, seed, 64, buf), 0);
        p.digits = 5;
        assert_int_equal(totp_pack(&p, seed, 32, buf), 0);
        p.digits = 8, p.period = 301;
        assert_int_equal(totp_pack(&p, seed, 32, buf), 0);
        p.period = 30, p.alg = 7;
        assert_int_equal(totp_pack(&p, seed, 32, buf), 0);
        p.alg = SESAME_ALG_SHA256;
        n = totp_pack(&p, seed, 32, buf);
        assert_int_equal(n, 36);

        expect_unpack_fails(buf, 0);
        expect_unpack_fails(buf, 3);
        expect_unpack_fails(buf, 4);
        expect_unpack_fails(buf, n - 1); /* seed one byte short */
        expect_unpack_fails(buf, n + 1); /* one byte too many */
        expect_unpack_fails(buf, TOTP_PACK_MAX + 1);
        buf[0] = SESAME_ALG_SHA1; /* a 32-byte seed is not sha1's */
        expect_unpack_fails(buf, n);
        buf[0] = SESAME_ALG_SHA512;
        expect_unpack_fails(buf, n);
        buf[0] = 3;
        expect_unpack_fails(buf, n);
        buf[0] = SESAME_ALG_SHA256;
        buf[1] = 5;
        expect_unpack_fails(buf, n);
        buf[1] = 9;
        expect_unpack_fails(buf, n);
        buf[1] = 8;
        buf[2] = 0, buf[3] = 9; /* period 9 */
        expect_unpack_fails(buf, n);
        buf[2] = 1, buf[3] = 45; /* period 301 */
        expect_unpack_fails(buf, n);
        buf[2] = 0x80, buf[3] = 30;
        expect_unpack_fails(buf, n);
        buf[2] = 0, buf[3] = 30;
        {
                struct totp_params q;
                size_t l;

                assert_int_equal(totp_unpack(buf, n, &q, seed, &l), 0);
                assert_int_equal(totp_unpack(NULL, n, &q, seed, &l), -EINVAL);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc6238_vectors),
                cmocka_unit_test(test_code_syntax),
                cmocka_unit_test(test_algorithms_and_digits),
                cmocka_unit_test(test_parameters_matter),
                cmocka_unit_test(test_bad_syntax_refused),
                cmocka_unit_test(test_window),
                cmocka_unit_test(test_replay),
                cmocka_unit_test(test_replay_does_not_hide_later_step),
                cmocka_unit_test(test_bad_parameters),
                cmocka_unit_test(test_seeds),
                cmocka_unit_test(test_base32_vectors),
                cmocka_unit_test(test_base32_oathtool),
                cmocka_unit_test(test_uri),
                cmocka_unit_test(test_pack_round_trip),
                cmocka_unit_test(test_pack_rejects),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}

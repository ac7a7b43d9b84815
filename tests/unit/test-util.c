/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-util.c - parse_u32, strcpy_bounded, str_quote, now_ms/ms_left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void expect_u32(const char *s, uint32_t min, uint32_t max, int want, uint32_t want_v)
{
        uint32_t v = 0xdeadbeef;
        int r = parse_u32(s, min, max, &v);

        if (r != want)
                print_error("parse_u32(\"%s\", %u, %u) = %d, want %d\n", s ? s : "(null)", min, max,
                            r, want);
        assert_int_equal(r, want);
        /* the result is only written on success */
        assert_int_equal(v, r == 0 ? want_v : 0xdeadbeef);
}

static void test_parse_u32_valid(void **state)
{
        (void)state;
        expect_u32("0", 0, UINT32_MAX, 0, 0);
        expect_u32("1", 0, UINT32_MAX, 0, 1);
        expect_u32("1000", 0, UINT32_MAX, 0, 1000);
        expect_u32("4294967295", 0, UINT32_MAX, 0, UINT32_MAX);
}

static void test_parse_u32_syntax(void **state)
{
        (void)state;
        expect_u32(NULL, 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("+1", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("-1", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("-0", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32(" 1", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("1 ", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("1\n", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("\t1", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("1a", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("0x10", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("1.0", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("1e3", 0, UINT32_MAX, -EINVAL, 0);
}

static void test_parse_u32_leading_zero(void **state)
{
        (void)state;
        expect_u32("00", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("007", 0, UINT32_MAX, -EINVAL, 0);
        expect_u32("01000", 0, UINT32_MAX, -EINVAL, 0);
}

static void test_parse_u32_overflow(void **state)
{
        (void)state;
        expect_u32("4294967296", 0, UINT32_MAX, -ERANGE, 0);
        expect_u32("4294967300", 0, UINT32_MAX, -ERANGE, 0);
        expect_u32("18446744073709551616", 0, UINT32_MAX, -ERANGE, 0);
        /* long enough to wrap a 64-bit accumulator if it were not
         * checked digit by digit */
        expect_u32("99999999999999999999999999999999999999", 0, UINT32_MAX, -ERANGE, 0);
}

static void test_parse_u32_range(void **state)
{
        (void)state;
        expect_u32("1000", 1000, 60000, 0, 1000);
        expect_u32("60000", 1000, 60000, 0, 60000);
        expect_u32("999", 1000, 60000, -ERANGE, 0);
        expect_u32("60001", 1000, 60000, -ERANGE, 0);
        expect_u32("0", 1, 10, -ERANGE, 0);
        expect_u32("5", 5, 5, 0, 5);
}

static void test_strcpy_bounded(void **state)
{
        char buf[8];

        (void)state;
        memset(buf, 'X', sizeof(buf));
        assert_int_equal(strcpy_bounded(buf, sizeof(buf), "1234567"), 0);
        assert_string_equal(buf, "1234567");

        /* one byte too long: -ERANGE and the buffer is untouched */
        memset(buf, 'X', sizeof(buf));
        assert_int_equal(strcpy_bounded(buf, sizeof(buf), "12345678"), -ERANGE);
        for (size_t i = 0; i < sizeof(buf); i++)
                assert_int_equal(buf[i], 'X');

        assert_int_equal(strcpy_bounded(buf, 1, ""), 0);
        assert_string_equal(buf, "");
        assert_int_equal(strcpy_bounded(buf, 1, "a"), -ERANGE);
        assert_int_equal(strcpy_bounded(buf, 0, ""), -ERANGE);
}

static const char *quote(const char *s, size_t len, size_t size)
{
        static char buf[256];

        return str_quote(s, len, buf, size);
}

static void test_str_quote_plain(void **state)
{
        (void)state;
        assert_string_equal(quote("alice", 5, 64), "'alice'");
        assert_string_equal(quote("", 0, 64), "''");
        /* @len bounds the input; a NUL before it ends it */
        assert_string_equal(quote("alice", 3, 64), "'ali'");
        assert_string_equal(quote("al\0ice", 6, 64), "'al'");
        /* UTF-8 passes through untouched */
        assert_string_equal(quote("\xc3\xa9t\xc3\xa9", 5, 64), "'\xc3\xa9t\xc3\xa9'");
}

static void test_str_quote_escapes(void **state)
{
        (void)state;
        assert_string_equal(quote("a\nb", 3, 64), "'a\\x0ab'");
        assert_string_equal(quote("\r\t\x1b", 3, 64), "'\\x0d\\x09\\x1b'");
        assert_string_equal(quote("\x7f", 1, 64), "'\\x7f'");
        assert_string_equal(quote("it's", 4, 64), "'it\\x27s'");
        assert_string_equal(quote("a\\b", 3, 64), "'a\\x5cb'");
        /* a forged log line stays on one line */
        assert_null(strchr(quote("x\n[auth] ok", 11, 64), '\n'));
}

static void test_str_quote_truncation(void **state)
{
        const char *q;

        (void)state;
        q = quote("abcdefghijklmnopqrstuvwxyz", 26, 12);
        assert_true(strlen(q) < 12);
        assert_int_equal(q[0], '\'');
        assert_int_equal(q[strlen(q) - 1], '\'');
        assert_non_null(strstr(q, ".."));
        assert_int_equal(strncmp(q, "'abc", 4), 0);

        /* too small for anything useful: an empty string, still terminated */
        assert_string_equal(quote("abc", 3, 7), "");
        assert_string_equal(quote("abc", 3, 1), "");
}

/*
 * Whatever the input, nothing is written at or after buf[size] and the
 * result is NUL-terminated inside it.  Each size gets a fresh heap buffer
 * with an 8-byte guard area: the guard check catches a small overrun
 * (and reports it below), ASan anything larger.
 */
static void test_str_quote_bounds(void **state)
{
        static const char *in[] = { "abcdefghijklmnopqrstuvwxyz", "\n\n\n\n\n\n\n\n\n\n",
                                    "a\nb\nc\nd\ne\nf\n", "''''''''''", "x\x7fy\x7fz\x7f" };
        unsigned bad = 0;

        (void)state;
        for (size_t k = 0; k < sizeof(in) / sizeof(in[0]); k++) {
                for (size_t size = 0; size <= 40; size++) {
                        char *buf = malloc(size + 8);

                        assert_non_null(buf);
                        memset(buf, 0x5a, size + 8);
                        str_quote(in[k], strlen(in[k]), buf, size);
                        bool over = false, unterminated = size > 0 && !memchr(buf, '\0', size);
                        for (size_t i = size; i < size + 8; i++)
                                over = over || buf[i] != 0x5a;
                        if (over || unterminated) {
                                print_message("str_quote(input %zu, size %zu): %s\n", k, size,
                                              over ? "wrote past buf[size - 1]"
                                                   : "no NUL inside the buffer");
                                bad++;
                        }
                        free(buf);
                }
        }
        assert_int_equal(bad, 0);
}

static void test_ms_left(void **state)
{
        int64_t now = now_ms(), later;
        int left;

        (void)state;
        assert_true(now >= 0);
        later = now_ms();
        assert_true(later >= now);

        assert_int_equal(ms_left(now - 1), 0);
        assert_int_equal(ms_left(now - 100000), 0);
        assert_int_equal(ms_left(0), 0);

        left = ms_left(now_ms() + 10000);
        assert_true(left > 0 && left <= 10000);

        /* clamped for poll() */
        assert_int_equal(ms_left(now + (int64_t)INT_MAX * 4), INT_MAX);
        assert_int_equal(ms_left(INT64_MAX), INT_MAX);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_u32_valid),
                cmocka_unit_test(test_parse_u32_syntax),
                cmocka_unit_test(test_parse_u32_leading_zero),
                cmocka_unit_test(test_parse_u32_overflow),
                cmocka_unit_test(test_parse_u32_range),
                cmocka_unit_test(test_strcpy_bounded),
                cmocka_unit_test(test_str_quote_plain),
                cmocka_unit_test(test_str_quote_escapes),
                cmocka_unit_test(test_str_quote_truncation),
                cmocka_unit_test(test_str_quote_bounds),
                cmocka_unit_test(test_ms_left),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-web-form.c - helper/sesame-web/form.c: form bodies decode to the
 * fields the pages know, and everything odd marks the form bad.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web.h"

static void parse(const char *body, struct form *f) { form_parse(body, strlen(body), f); }

static void test_fields(void **state)
{
        struct form f;

        (void)state;
        parse("csrf=abc_-&login=alice%40example.test&step=set&password=a+b%26c&retype=a%2Bb&token=T0k-_&other=x", &f);
        assert_false(f.bad);
        assert_string_equal(f.csrf, "abc_-");
        assert_string_equal(f.login, "alice@example.test");
        assert_string_equal(f.step, "set");
        assert_string_equal(f.password, "a b&c");
        assert_string_equal(f.retype, "a+b");
        assert_string_equal(f.token, "T0k-_");
        /* UTF-8 passes, decoded */
        parse("login=%C3%A9milie", &f);
        assert_false(f.bad);
        assert_string_equal(f.login, "\xc3\xa9milie");
        /* empty and missing fields are empty */
        parse("login=&", &f);
        assert_false(f.bad);
        assert_string_equal(f.login, "");
        assert_string_equal(f.token, "");
}

static void test_bad(void **state)
{
        static const char *const bad[] = {
                "login=a&login=b",   /* twice */
                "login=%0",          /* cut escape */
                "login=%zz",         /* not hex */
                "login=a%00b",       /* NUL */
                "login=%C0%AF",      /* overlong UTF-8 */
                "login=%FF",         /* not UTF-8 */
                "step=0123456789abcdef", /* longer than the field */
        };
        struct form f;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                parse(bad[i], &f);
                if (!f.bad)
                        fail_msg("'%s' was not refused", bad[i]);
        }
        /* CR and LF are data, not structure: decoded, and never a
         * header, since the pages only send them to sesamed */
        parse("login=a%0D%0AB", &f);
        assert_false(f.bad);
        assert_string_equal(f.login, "a\r\nB");
}

static void test_token_shape(void **state)
{
        char long_token[SESAME_TOKEN_MAX + 2];

        (void)state;
        assert_true(token_shape_ok("AbC-_09"));
        assert_false(token_shape_ok(""));
        assert_false(token_shape_ok(NULL));
        assert_false(token_shape_ok("a+b"));
        assert_false(token_shape_ok("a b"));
        assert_false(token_shape_ok("<script>"));
        memset(long_token, 'A', sizeof(long_token) - 1);
        long_token[sizeof(long_token) - 1] = '\0';
        assert_false(token_shape_ok(long_token));
        long_token[SESAME_TOKEN_MAX] = '\0';
        assert_true(token_shape_ok(long_token));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_token_shape),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

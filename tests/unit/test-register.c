/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-register.c - helper/sesamed/register.c: the user names and
 * addresses self-registration accepts (the directory side is in
 * tests/integration/test-register.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "register.h"
#include "sesame-proto.h"

static void test_names(void **state)
{
        static const char *const good[] = { "alice", "_svc", "a", "bob.smith", "x-1_2", "abcdefghijklmnopqrstuvwxyz012345" };
        static const char *const bad[] = {
                "",           "Alice",         "1alice",    "-alice",     ".alice",    "al ice",
                "al:ice",     "al,ice",        "eve@corp",  "ali\tce",    "caf\xc3\xa9", "al/ice",
                "abcdefghijklmnopqrstuvwxyz0123456", /* 33 */ "al+ice", "al=ice", "al\\ice",
        };

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                if (!register_name_ok(good[i]))
                        fail_msg("'%s' refused", good[i]);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (register_name_ok(bad[i]))
                        fail_msg("'%s' accepted", bad[i]);
}

static void test_mails(void **state)
{
        static const char *const good[] = { "a@b", "alice@example.test", "a.b+tag@sub.example.org" };
        static const char *const bad[] = {
                "",         "alice",           "@example.test", "alice@",        "a@b@c",
                "a b@c",    "a@b\r\nBcc: x@y", "<a@b>",         "a@b,c@d",       "\"a\"@b",
                "a@b;c",    "a@[1.2.3.4]",     "caf\xc3\xa9@b", "a@b\x7f",       "a\\@b",
        };
        char longest[SESAME_MAIL_MAX + 2];

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                if (!register_mail_ok(good[i]))
                        fail_msg("'%s' refused", good[i]);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (register_mail_ok(bad[i]))
                        fail_msg("'%s' accepted", bad[i]);
        memset(longest, 'a', sizeof(longest));
        longest[1] = '@';
        longest[SESAME_MAIL_MAX] = '\0';
        assert_true(register_mail_ok(longest));
        longest[SESAME_MAIL_MAX] = 'a';
        longest[SESAME_MAIL_MAX + 1] = '\0';
        assert_false(register_mail_ok(longest));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_mails),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-quality.c - helper/sesamed/quality.c: each [password] rule, the
 * message, the user name, the old password, the length limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "quality.h"
#include "sesame-proto.h"

#define MINIMAL "[ldap]\nuri = ldap://localhost\nbase = dc=example,dc=org\n"

static struct sesame_conf *load(const char *extra)
{
        struct sesame_conf *c = NULL;
        char text[1024], err[512] = "";

        snprintf(text, sizeof(text), "%s%s", MINIMAL, extra);
        if (conf_parse("test.conf", text, strlen(text), &c, err, sizeof(err)) < 0)
                fail_msg("conf_parse: %s", err);
        return c;
}

/* The result, and the message must hold @why and the rules on one line. */
static void expect(const struct sesame_conf *c, const char *user, const char *old, const char *pw, const char *why)
{
        char msg[512];
        int r;

        memset(msg, 'X', sizeof(msg));
        r = pw_quality_check(c, user, old, pw, msg, sizeof(msg));
        if (!why) {
                if (r != 0)
                        print_error("\"%s\" refused: %s\n", pw, msg);
                assert_int_equal(r, 0);
                return;
        }
        if (r != -EINVAL)
                print_error("\"%s\" accepted, want \"%s\"\n", pw, why);
        assert_int_equal(r, -EINVAL);
        assert_non_null(memchr(msg, '\0', sizeof(msg)));
        if (!strstr(msg, why))
                print_error("message \"%s\" lacks \"%s\"\n", msg, why);
        assert_non_null(strstr(msg, why));
        assert_null(strchr(msg, '\n'));
        /* the rules follow the problem, with the configured numbers */
        {
                char rules[200];

                snprintf(rules, sizeof(rules), "A password needs at least %u characters, from %u of: lower case, "
                         "upper case, digits, other", c->pw_min_length, c->pw_min_classes);
                assert_non_null(strstr(msg, rules));
                assert_true(strstr(msg, why) < strstr(msg, rules));
        }
        assert_true((strstr(msg, "must not contain the user name") != NULL) == c->pw_reject_username);
        /* the password is never quoted back */
        if (pw[0])
                assert_null(strstr(msg, pw));
}

static void test_defaults(void **state)
{
        struct sesame_conf *c = load("");
        char msg[512];
        (void)state;

        assert_int_equal(c->pw_min_length, 10);
        assert_int_equal(c->pw_min_classes, 3);
        assert_true(c->pw_reject_username);
        expect(c, "alice", "Alice-Passw0rd!", "Correct-Horse7", NULL);
        expect(c, "alice", NULL, "Correct-Horse7", NULL);
        /* the message of the header, word for word */
        assert_int_equal(pw_quality_check(c, "alice", NULL, "Sh0rt!", msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "The password is too short. A password needs at least 10 characters, from 3 of: "
                                 "lower case, upper case, digits, other; and must not contain the user name.");
        conf_free(c);
}

static void test_length(void **state)
{
        struct sesame_conf *c = load("[password]\nmin_length = 12\nmin_classes = 1\n");
        char pw[SESAME_PASSWORD_MAX + 2];
        (void)state;

        expect(c, "alice", NULL, "", "too short");
        expect(c, "alice", NULL, "abcdefghijk", "too short");  /* 11 */
        expect(c, "alice", NULL, "abcdefghijkl", NULL);        /* 12 */
        /* bytes, not characters: 6 two-byte letters are 12 bytes */
        expect(c, "alice", NULL, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL);
        expect(c, "alice", NULL, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "too short");
        /* SESAME_PASSWORD_MAX is the most; one more is refused, not cut */
        memset(pw, 'a', sizeof(pw));
        pw[SESAME_PASSWORD_MAX] = '\0';
        expect(c, "alice", NULL, pw, NULL);
        pw[SESAME_PASSWORD_MAX] = 'a';
        pw[SESAME_PASSWORD_MAX + 1] = '\0';
        expect(c, "alice", NULL, pw, "too long");
        conf_free(c);
}

static void test_classes(void **state)
{
        struct sesame_conf *c = load("[password]\nmin_length = 8\nmin_classes = 3\n");
        (void)state;

        expect(c, "alice", NULL, "abcdefghij", "more kinds of characters");
        expect(c, "alice", NULL, "ABCDEFGHIJ", "more kinds of characters");
        expect(c, "alice", NULL, "0123456789", "more kinds of characters");
        expect(c, "alice", NULL, "!@#$%^&*()", "more kinds of characters");
        expect(c, "alice", NULL, "abcdeFGHIJ", "more kinds of characters");
        expect(c, "alice", NULL, "abcde12345", "more kinds of characters");
        expect(c, "alice", NULL, "abcde!!!!!", "more kinds of characters");
        expect(c, "alice", NULL, "abcdeFGH12", NULL);
        expect(c, "alice", NULL, "abcdeFGH!!", NULL);
        expect(c, "alice", NULL, "abcde123!!", NULL);
        expect(c, "alice", NULL, "ABCDE123!!", NULL);
        /* a space and a non-ASCII letter are "other" */
        expect(c, "alice", NULL, "abcde 1234", NULL);
        expect(c, "alice", NULL, "abcde\xc3\xa9" "1234", NULL);
        conf_free(c);

        c = load("[password]\nmin_length = 8\nmin_classes = 4\n");
        expect(c, "alice", NULL, "abcdeFGH12", "more kinds of characters");
        expect(c, "alice", NULL, "abcdeFGH1!", NULL);
        conf_free(c);
        c = load("[password]\nmin_length = 8\nmin_classes = 1\n");
        expect(c, "alice", NULL, "abcdefghij", NULL);
        expect(c, "alice", NULL, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL);
        conf_free(c);
}

static void test_username(void **state)
{
        struct sesame_conf *c = load("");
        (void)state;

        expect(c, "alice", NULL, "alice-Passw0rd!", "user name");
        expect(c, "alice", NULL, "My-ALICE-Passw0rd", "user name");
        expect(c, "alice", NULL, "My-aLiCe-Passw0rd", "user name");
        expect(c, "alice", NULL, "Passw0rd!-Alice", "user name");
        expect(c, "alice", NULL, "Passw0rd!-Alic", NULL);
        expect(c, "alice", NULL, "Passw0rd!-al1ce", NULL);
        /* no user name given, or an empty one: nothing to compare */
        expect(c, NULL, NULL, "alice-Passw0rd!", NULL);
        expect(c, "", NULL, "alice-Passw0rd!", NULL);
        conf_free(c);

        c = load("[password]\nreject_username = no\n");
        expect(c, "alice", NULL, "alice-Passw0rd!", NULL);
        expect(c, "alice", NULL, "Sh0rt!", "too short"); /* and the rules omit the user name */
        conf_free(c);
}

static void test_same_as_old(void **state)
{
        struct sesame_conf *c = load("");
        (void)state;

        expect(c, "alice", "Correct-Horse7", "Correct-Horse7", "same as the old");
        expect(c, "alice", "Correct-Horse7", "Correct-Horse8", NULL);
        expect(c, "alice", "Correct-Horse7", "correct-Horse7", NULL);
        expect(c, "alice", "Correct-Horse7", "Correct-Horse7!", NULL);
        expect(c, "alice", "Correct-Horse7!", "Correct-Horse7", NULL);
        expect(c, "alice", "", "Correct-Horse7", NULL);
        conf_free(c);
}

static void test_bad_arguments(void **state)
{
        struct sesame_conf *c = load("");
        char msg[256];
        (void)state;

        assert_int_equal(pw_quality_check(NULL, "alice", NULL, "Correct-Horse7", msg, sizeof(msg)), -EINVAL);
        assert_int_equal(pw_quality_check(c, "alice", NULL, NULL, msg, sizeof(msg)), -EINVAL);
        assert_true(msg[0] != '\0');
        /* no room for a message is fine; a small one is cut, not overrun */
        assert_int_equal(pw_quality_check(c, "alice", NULL, "short", NULL, 0), -EINVAL);
        memset(msg, 'X', sizeof(msg));
        assert_int_equal(pw_quality_check(c, "alice", NULL, "short", msg, 10), -EINVAL);
        assert_int_equal(strlen(msg), 9);
        assert_int_equal(msg[10], 'X');
        assert_int_equal(pw_quality_check(c, "alice", NULL, "Correct-Horse7", NULL, 0), 0);
        conf_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_length),
                cmocka_unit_test(test_classes),
                cmocka_unit_test(test_username),
                cmocka_unit_test(test_same_as_old),
                cmocka_unit_test(test_bad_arguments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

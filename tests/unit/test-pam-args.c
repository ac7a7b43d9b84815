/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-pam-args.c - pam_sesame's option parser (pam_module/pam_args.c):
 * defaults, every option, and the refusal of unknown options and bad
 * values (which the module turns into PAM_SERVICE_ERR in every phase).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pam_args.h"
#include "sesame-proto.h"

#define ARGS(...) ((const char *[]){ __VA_ARGS__ })
#define NARGS(...) ((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)))
#define PARSE(a, err, ...) pam_sesame_parse_args(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), (a), (err), sizeof(err))

static void expect_bad(int argc, const char **argv, const char *want_in_err)
{
        struct pam_sesame_args a;
        char err[256];
        int r = pam_sesame_parse_args(argc, argv, &a, err, sizeof(err));

        if (r != -EINVAL || !strstr(err, want_in_err))
                print_error("option '%s': r=%d err='%s', want -EINVAL with '%s'\n", argv[argc - 1], r, err,
                            want_in_err);
        assert_int_equal(r, -EINVAL);
        assert_non_null(strstr(err, want_in_err));
}
#define BAD(want, ...) expect_bad(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), (want))

static void test_defaults(void **state)
{
        struct pam_sesame_args a;
        char err[256];

        (void)state;
        memset(&a, 0x5a, sizeof(a));
        assert_int_equal(pam_sesame_parse_args(0, NULL, &a, err, sizeof(err)), 0);
        assert_false(a.debug);
        assert_false(a.use_first_pass);
        assert_false(a.try_first_pass);
        assert_false(a.use_authtok);
        assert_int_equal(a.totp_mode, SESAME_TOTP_REQUIRED);
        assert_int_equal(a.timeout_s, 10);
        assert_null(a.password_prompt);
        assert_null(a.code_prompt);
        assert_int_equal(a.n_roles, 0);
}

static void test_flags(void **state)
{
        struct pam_sesame_args a;
        char err[256];

        (void)state;
        assert_int_equal(PARSE(&a, err, "debug", "use_first_pass", "try_first_pass", "use_authtok"), 0);
        assert_true(a.debug);
        assert_true(a.use_first_pass);
        assert_true(a.try_first_pass);
        assert_true(a.use_authtok);
}

static void test_totp(void **state)
{
        struct pam_sesame_args a;
        char err[256];

        (void)state;
        assert_int_equal(PARSE(&a, err, "totp=off"), 0);
        assert_int_equal(a.totp_mode, SESAME_TOTP_OFF);
        assert_int_equal(PARSE(&a, err, "totp=optional"), 0);
        assert_int_equal(a.totp_mode, SESAME_TOTP_OPTIONAL);
        assert_int_equal(PARSE(&a, err, "totp=required"), 0);
        assert_int_equal(a.totp_mode, SESAME_TOTP_REQUIRED);
        /* the last one wins */
        assert_int_equal(PARSE(&a, err, "totp=off", "totp=optional"), 0);
        assert_int_equal(a.totp_mode, SESAME_TOTP_OPTIONAL);

        BAD("totp=", "totp=");
        BAD("totp=reqiured", "totp=reqiured");
        BAD("totp=Required", "totp=Required");
        BAD("totp=off ", "totp=off ");
        BAD("totp", "totp");
}

static void test_timeout(void **state)
{
        struct pam_sesame_args a;
        char err[256];

        (void)state;
        assert_int_equal(PARSE(&a, err, "timeout=1"), 0);
        assert_int_equal(a.timeout_s, 1);
        assert_int_equal(PARSE(&a, err, "timeout=60"), 0);
        assert_int_equal(a.timeout_s, 60);
        assert_int_equal(PARSE(&a, err, "timeout=25"), 0);
        assert_int_equal(a.timeout_s, 25);

        BAD("1 to 60", "timeout=0");
        BAD("1 to 60", "timeout=61");
        BAD("1 to 60", "timeout=");
        BAD("1 to 60", "timeout=-1");
        BAD("1 to 60", "timeout=5s");
        BAD("1 to 60", "timeout=05");
        BAD("1 to 60", "timeout= 5");
        BAD("1 to 60", "timeout=99999999999999999999");
}

static void test_roles(void **state)
{
        struct pam_sesame_args a;
        char err[256];

        (void)state;
        assert_int_equal(PARSE(&a, err, "require_role=admins"), 0);
        assert_int_equal(a.n_roles, 1);
        assert_int_equal(a.roles[0].len, 6);
        assert_memory_equal(a.roles[0].name, "admins", 6);

        assert_int_equal(PARSE(&a, err, "require_role=admins,wheel", "require_role=ops"), 0);
        assert_int_equal(a.n_roles, 3);
        assert_int_equal(a.roles[0].len, 6);
        assert_memory_equal(a.roles[0].name, "admins", 6);
        assert_int_equal(a.roles[1].len, 5);
        assert_memory_equal(a.roles[1].name, "wheel", 5);
        assert_int_equal(a.roles[2].len, 3);
        assert_memory_equal(a.roles[2].name, "ops", 3);

        /* UTF-8 group names are fine */
        assert_int_equal(PARSE(&a, err, "require_role=b\xc3\xbcro"), 0);
        assert_int_equal(a.n_roles, 1);

        BAD("group names", "require_role=");
        BAD("group names", "require_role=a,,b");
        BAD("group names", "require_role=a,");
        BAD("group names", "require_role=,a");
        BAD("group names", "require_role=a, b");
        BAD("group names", "require_role=a\tb");
        BAD("group names", "require_role=\xc0\xaf");
}

static void test_roles_limits(void **state)
{
        struct pam_sesame_args a;
        char err[256];
        char many[40 * 4 + 32], longest[32 + SESAME_NAME_MAX + 2];
        size_t o;

        (void)state;
        /* 32 roles in all, over any number of options */
        o = (size_t)snprintf(many, sizeof(many), "require_role=");
        for (int i = 0; i < 32; i++)
                o += (size_t)snprintf(many + o, sizeof(many) - o, "%sr%d", i ? "," : "", i);
        assert_int_equal(PARSE(&a, err, many), 0);
        assert_int_equal(a.n_roles, 32);
        BAD("more than 32", many, "require_role=one-more");
        (void)snprintf(many + o, sizeof(many) - o, ",r32");
        BAD("more than 32", many);

        /* a role name of SESAME_NAME_MAX bytes, not one more */
        o = (size_t)snprintf(longest, sizeof(longest), "require_role=");
        memset(longest + o, 'g', SESAME_NAME_MAX);
        longest[o + SESAME_NAME_MAX] = '\0';
        assert_int_equal(PARSE(&a, err, longest), 0);
        assert_int_equal(a.roles[0].len, SESAME_NAME_MAX);
        longest[o + SESAME_NAME_MAX] = 'g';
        longest[o + SESAME_NAME_MAX + 1] = '\0';
        BAD("group names", longest);
}

static void test_prompts(void **state)
{
        struct pam_sesame_args a;
        char err[256];
        char longest[32 + PAM_SESAME_PROMPT_MAX + 2];
        size_t o;

        (void)state;
        assert_int_equal(PARSE(&a, err, "password_prompt=LDAP password: ", "code_prompt=One-time code: "), 0);
        assert_string_equal(a.password_prompt, "LDAP password: ");
        assert_string_equal(a.code_prompt, "One-time code: ");
        /* '=' inside the text is text */
        assert_int_equal(PARSE(&a, err, "code_prompt=Code (a=b): "), 0);
        assert_string_equal(a.code_prompt, "Code (a=b): ");

        BAD("1 to 256", "password_prompt=");
        BAD("1 to 256", "code_prompt=");
        o = (size_t)snprintf(longest, sizeof(longest), "code_prompt=");
        memset(longest + o, 'p', PAM_SESAME_PROMPT_MAX);
        longest[o + PAM_SESAME_PROMPT_MAX] = '\0';
        assert_int_equal(PARSE(&a, err, longest), 0);
        longest[o + PAM_SESAME_PROMPT_MAX] = 'p';
        longest[o + PAM_SESAME_PROMPT_MAX + 1] = '\0';
        BAD("1 to 256", longest);
}

static void test_unknown(void **state)
{
        (void)state;
        BAD("unknown option 'bogus'", "bogus");
        BAD("unknown option", "debug=1");
        BAD("unknown option", "DEBUG");
        BAD("unknown option", "");
        BAD("unknown option", "use_first_pass ");
        BAD("unknown option", "nullok");
        BAD("unknown option", "require_roles=admins");
        /* the bad one is reported even after good ones */
        BAD("unknown option 'x'", "debug", "totp=off", "x");
        /* control characters are quoted in the log line */
        BAD("unknown option 'a\\x0ab'", "a\nb");
}

static void test_small_err_buffer(void **state)
{
        struct pam_sesame_args a;
        char err[8];

        (void)state;
        assert_int_equal(PARSE(&a, err, "this-is-a-long-unknown-option"), -EINVAL);
        assert_true(strlen(err) < sizeof(err));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),   cmocka_unit_test(test_flags),
                cmocka_unit_test(test_totp),       cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_roles),      cmocka_unit_test(test_roles_limits),
                cmocka_unit_test(test_prompts),    cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_small_err_buffer),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

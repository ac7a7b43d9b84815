/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dir-servers.c - what the directory code knows about each server
 * (dir-internal.h): the order servers are tried in (healthy ones in
 * configuration order, suspect ones last, down ones not at all), that a
 * server found silent when no other is healthy is down, and that only
 * every server down makes the directory fail fast.  No server is
 * contacted: marks are set by hand, and reconnect_interval (60 s) does
 * not pass during the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "conf.h"
#include "dir-internal.h"
#include "dir.h"
#include "macro.h"

static const char conf_text[] = "[ldap]\n"
                                "uri = ldap://a.invalid/ ldap://b.invalid/ ldap://c.invalid/\n"
                                "base = dc=example,dc=test\n"
                                "[daemon]\n"
                                "reconnect_interval = 60\n";

struct fixture {
        struct sesame_conf *conf;
        struct dir *d;
};

static int setup(void **state)
{
        static struct fixture f;
        char err[512];

        assert_int_equal(conf_parse("test", conf_text, strlen(conf_text), &f.conf, err, sizeof(err)), 0);
        f.d = dir_new(f.conf);
        assert_non_null(f.d);
        *state = &f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        dir_free(f->d);
        conf_free(f->conf);
        return 0;
}

/* dir_server_order() as a string of URI indices, "012" */
static const char *order(struct dir *d)
{
        static char s[CONF_URIS_MAX + 1];
        size_t o[CONF_URIS_MAX], n = dir_server_order(d, o);

        for (size_t i = 0; i < n; i++)
                s[i] = (char)('0' + o[i]);
        s[n] = '\0';
        return s;
}

static void marks(void **state)
{
        struct dir *d = ((struct fixture *)*state)->d;

        assert_string_equal(order(d), "012");
        for (size_t i = 0; i < 3; i++)
                assert_true(dir_server_healthy(d, i));

        /* a stuck connection to the first: tried last, not dropped */
        dir_server_suspect(d, 0);
        assert_string_equal(order(d), "120");
        assert_false(dir_server_healthy(d, 0));

        /* the second cannot be connected to: not tried */
        dir_server_down(d, 1, "connection refused");
        assert_string_equal(order(d), "20");
        assert_false(dir_server_healthy(d, 1));
        assert_true(dir_server_healthy(d, 2));

        /* a stuck connection to the last healthy one: nothing else is
         * left to try, so it is down (a directory whose packets are
         * dropped fails fast after one time-out); the suspect one is
         * still tried */
        dir_server_suspect(d, 2);
        assert_string_equal(order(d), "0");
        assert_false(dir_server_healthy(d, 2));

        /* only when every server is down is there nothing to try */
        dir_server_down(d, 0, "connection refused");
        assert_string_equal(order(d), "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(marks, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

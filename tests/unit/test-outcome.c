/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-outcome.c - helper/sesamed/outcome.c: the one place where an
 * outcome becomes a wire status.
 *
 * The intended status of every OUT_* value is written out here a second
 * time, on purpose: a change to the mapping shows up as a difference, and
 * a new OUT_* value that this table does not list fails the test.
 * Anything unknown must answer INTERNAL, never OK.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "outcome.h"
#include "sesame-proto.h"

static const struct {
        int r;
        uint32_t status;
} expected[] = {
        { 0, SESAME_ST_OK },
        { OUT_NOTFOUND, SESAME_ST_NOTFOUND },
        { OUT_UNAVAIL, SESAME_ST_UNAVAIL },
        { OUT_LIMIT, SESAME_ST_UNAVAIL },
        { OUT_DENIED, SESAME_ST_DENIED },
        { OUT_BAD_CREDENTIALS, SESAME_ST_AUTH_FAILED },
        { OUT_PASSWORD_POLICY, SESAME_ST_BAD_PASSWORD },
        { OUT_CONFLICT, SESAME_ST_INTERNAL },
        { OUT_NO_VALUE, SESAME_ST_INTERNAL },
        { OUT_EXISTS, SESAME_ST_INTERNAL },
        { OUT_CONSTRAINT, SESAME_ST_INTERNAL },
        { OUT_SCHEMA, SESAME_ST_INTERNAL },
        { OUT_ACCESS, SESAME_ST_INTERNAL },
        { OUT_LDAP, SESAME_ST_INTERNAL },
        { OUT_INVALID, SESAME_ST_INTERNAL },
};

static void every_outcome_maps_as_intended(void **state _unused_)
{
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                print_message("outcome %d\n", expected[i].r);
                assert_int_equal(outcome_status(expected[i].r), expected[i].status);
        }
}

static void every_outcome_is_listed_here(void **state _unused_)
{
        /* the values are 1.._OUT_MAX-1 with no gap: each appears above */
        for (int r = 1; r < _OUT_MAX; r++) {
                bool listed = false;

                for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                        listed |= expected[i].r == r;
                print_message("outcome %d\n", r);
                assert_true(listed);
        }
        assert_int_equal(ELEMENTSOF(expected), _OUT_MAX);
}

static void negative_errno_is_internal(void **state _unused_)
{
        static const int errs[] = { -ENOMEM, -EIO, -EPIPE, -EINVAL, -EHOSTDOWN, -EACCES, -1, INT_MIN };

        for (size_t i = 0; i < ELEMENTSOF(errs); i++)
                assert_int_equal(outcome_status(errs[i]), SESAME_ST_INTERNAL);
}

static void unknown_positive_is_internal(void **state _unused_)
{
        /* fail closed: a value nobody defined is never OK or NOTFOUND */
        assert_int_equal(outcome_status(_OUT_MAX), SESAME_ST_INTERNAL);
        assert_int_equal(outcome_status(_OUT_MAX + 1), SESAME_ST_INTERNAL);
        assert_int_equal(outcome_status(1000), SESAME_ST_INTERNAL);
        assert_int_equal(outcome_status(INT_MAX), SESAME_ST_INTERNAL);
}

static void strings(void **state _unused_)
{
        assert_string_equal(outcome_str(-ENOMEM), strerror(ENOMEM));
        assert_string_equal(outcome_str(-EPIPE), strerror(EPIPE));
        assert_string_equal(outcome_str(0), "success");
        for (int r = 1; r < _OUT_MAX; r++) {
                const char *s = outcome_str(r);

                assert_non_null(s);
                assert_true(strlen(s) > 0);
                /* distinct, so a log line tells them apart */
                for (int q = 1; q < r; q++)
                        assert_string_not_equal(outcome_str(q), s);
        }
        assert_string_equal(outcome_str(_OUT_MAX), "unknown outcome");
        assert_string_equal(outcome_str(INT_MAX), "unknown outcome");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_outcome_maps_as_intended),
                cmocka_unit_test(every_outcome_is_listed_here),
                cmocka_unit_test(negative_errno_is_internal),
                cmocka_unit_test(unknown_positive_is_internal),
                cmocka_unit_test(strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

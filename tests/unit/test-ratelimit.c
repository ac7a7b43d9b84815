/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ratelimit.c - helper/sesamed/ratelimit.c: a token bucket per uid
 * (a burst, then the rate; root and a rate of 0 unlimited; one uid's
 * bucket is not another's) and the throttle of refusal messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "macro.h"
#include "ratelimit.h"

#define T0 1000000 /* monotonic ms */

static unsigned taken(uid_t uid, uint32_t rate, uint32_t burst, int64_t now, unsigned tries)
{
        unsigned n = 0;

        for (unsigned i = 0; i < tries; i++)
                n += rate_take(uid, rate, burst, now);
        return n;
}

static void burst_then_rate(void **state _unused_)
{
        rate_reset();
        assert_int_equal(taken(1000, 10, 20, T0, 100), 20);
        /* 10 a second: one every 100 ms */
        assert_int_equal(taken(1000, 10, 20, T0 + 99, 5), 0);
        assert_int_equal(taken(1000, 10, 20, T0 + 100, 5), 1);
        assert_int_equal(taken(1000, 10, 20, T0 + 1100, 100), 10);
        /* idle long enough: full again, never more */
        assert_int_equal(taken(1000, 10, 20, T0 + 600000, 100), 20);
        /* a clock that goes back gives nothing */
        assert_int_equal(taken(1000, 10, 20, T0, 5), 0);
}

static void per_uid(void **state _unused_)
{
        rate_reset();
        assert_int_equal(taken(1000, 10, 5, T0, 50), 5);
        assert_int_equal(taken(1001, 10, 5, T0, 50), 5);
        assert_int_equal(taken(1000, 10, 5, T0, 50), 0);
        /* root is never limited, nor anyone with rate 0 */
        assert_int_equal(taken(0, 10, 5, T0, 1000), 1000);
        assert_int_equal(taken(1000, 0, 5, T0, 1000), 1000);
}

/* More uids than the table holds: every one still gets its burst, and the
 * busy one keeps its (empty) bucket. */
static void many_uids(void **state _unused_)
{
        rate_reset();
        assert_int_equal(taken(1000, 1, 3, T0, 10), 3);
        for (uid_t u = 2000; u < 2000 + 5000; u++) {
                assert_int_equal(taken(u, 1, 3, T0 + 1, 1), 1);
                if (u % 100 == 0)
                        assert_int_equal(taken(1000, 1, 3, T0 + 1, 1), 0);
        }
}

static void refusal_log(void **state _unused_)
{
        struct refusal_log l = REFUSAL_LOG_INIT;
        unsigned quiet = 99;

        assert_true(refusal_log_due(&l, &quiet));
        assert_int_equal(quiet, 0);
        quiet = 99;
        for (int i = 0; i < 7; i++)
                assert_false(refusal_log_due(&l, &quiet));
        assert_int_equal(quiet, 99); /* untouched when not due */
        l.next = 0;                  /* as if 10 s had passed */
        assert_true(refusal_log_due(&l, &quiet));
        assert_int_equal(quiet, 7);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(burst_then_rate),
                cmocka_unit_test(per_uid),
                cmocka_unit_test(many_uids),
                cmocka_unit_test(refusal_log),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

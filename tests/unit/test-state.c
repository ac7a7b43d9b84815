/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-state.c - helper/sesamed/state-rules.c: the decisions about an
 * account's state that need no directory: locked, expired, the failures
 * in the window, and what one more failure does (new window or one more,
 * lock or not, until when).  state.c carries these decisions out against
 * slapd in the integration tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "conf.h"
#include "macro.h"
#include "state.h"

#define NOW 1800000000 /* 2027-01-15 08:00:00 UTC */
#define WINDOW 900
#define LOCKOUT 600
#define MAXF 3

static const struct sesame_conf conf = {
        .max_failures = MAXF,
        .failure_window = WINDOW,
        .lockout_time = LOCKOUT,
};

/* @n failures, the window started at @t. */
static struct acct_state failed(uint32_t n, int64_t t)
{
        return (struct acct_state){
                .last_step = -1,
                .has_failures = true,
                .failures = n,
                .has_failure_time = true,
                .failure_time = t,
        };
}

static struct acct_state locked_until(struct acct_state s, int64_t until)
{
        s.has_locked_until = true;
        s.locked_until = until;
        return s;
}

static void locked(void **state _unused_)
{
        struct acct_state none = { .last_step = -1 };

        assert_false(state_locked(&none, &conf, NOW));
        assert_true(state_locked(&(struct acct_state){ .has_locked_until = true, .locked_until = NOW + 1 }, &conf,
                                 NOW));
        /* the lock ends at its second */
        assert_false(state_locked(&(struct acct_state){ .has_locked_until = true, .locked_until = NOW }, &conf, NOW));
        assert_false(state_locked(&(struct acct_state){ .has_locked_until = true, .locked_until = NOW - 1 }, &conf, NOW));
        /* a value without has_locked_until means nothing */
        assert_false(state_locked(&(struct acct_state){ .locked_until = NOW + 100 }, &conf, NOW));
}

static void expired(void **state _unused_)
{
        const int64_t today = NOW / 86400;
        struct acct_state s = { .has_shadow_expire = true };

        assert_false(state_expired(&(struct acct_state){ .shadow_expire = 0 }, NOW));
        s.shadow_expire = today + 1;
        assert_false(state_expired(&s, NOW));
        assert_false(state_expired(&s, (today + 1) * 86400 - 1)); /* the last second before */
        assert_true(state_expired(&s, (today + 1) * 86400));
        s.shadow_expire = today;
        assert_true(state_expired(&s, NOW));
        s.shadow_expire = 0; /* 1 January 1970 */
        assert_true(state_expired(&s, NOW));
}

static void failures_in_window(void **state _unused_)
{
        struct acct_state s;

        s = (struct acct_state){ .last_step = -1 };
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
        s = failed(2, NOW - 10);
        assert_int_equal(state_failures(&s, &conf, NOW), 2);
        s = failed(2, NOW - WINDOW + 1);
        assert_int_equal(state_failures(&s, &conf, NOW), 2);
        s = failed(2, NOW - WINDOW); /* the window has just passed */
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
        /* a count without a time, or a time without a count */
        s = failed(2, NOW - 10);
        s.has_failure_time = false;
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
        s = failed(2, NOW - 10);
        s.has_failures = false;
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
        /* a little clock skew between hosts is tolerated, a time far in
         * the future is not */
        s = failed(2, NOW + 60);
        assert_int_equal(state_failures(&s, &conf, NOW), 2);
        s = failed(2, NOW + 61);
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
        /* a lock that has ended closes its window; a running one does not */
        s = locked_until(failed(MAXF, NOW - 100), NOW);
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
        s = locked_until(failed(MAXF, NOW - 100), NOW + 1);
        assert_int_equal(state_failures(&s, &conf, NOW), MAXF);
}

static void plan(const struct acct_state *s, const struct sesame_conf *c, bool new_window, uint32_t count,
                 bool lock)
{
        struct failure_plan p;

        memset(&p, 0xa5, sizeof(p));
        state_failure_plan(s, c, NOW, &p);
        assert_int_equal(p.new_window, new_window);
        assert_int_equal(p.count, count);
        assert_int_equal(p.lock, lock);
        assert_int_equal(p.until, lock ? NOW + (int64_t)c->lockout_time : 0);
}

static void first_failure(void **state _unused_)
{
        struct acct_state s = { .last_step = -1 };
        struct sesame_conf strict = conf;

        plan(&s, &conf, true, 1, false);
        strict.max_failures = 1; /* one strike */
        plan(&s, &strict, true, 1, true);
}

static void increments_inside_window(void **state _unused_)
{
        struct acct_state s = failed(1, NOW - 10);

        plan(&s, &conf, false, 2, false);
        s = failed(1, NOW - WINDOW + 1);
        plan(&s, &conf, false, 2, false);
        s = failed(1, NOW + 60); /* skew within the tolerance */
        plan(&s, &conf, false, 2, false);
}

static void window_passed(void **state _unused_)
{
        struct acct_state s = failed(MAXF - 1, NOW - WINDOW);

        /* would have locked inside the window: starts over instead */
        plan(&s, &conf, true, 1, false);
        s = failed(MAXF - 1, NOW - 86400 * 30);
        plan(&s, &conf, true, 1, false);
        /* the far past too (a value written by hand): now - time must
         * not overflow into a window that never closes */
        s = failed(MAXF - 1, INT64_MIN);
        plan(&s, &conf, true, 1, false);
        assert_int_equal(state_failures(&s, &conf, NOW), 0);
}

static void max_reached_locks(void **state _unused_)
{
        struct acct_state s = failed(MAXF - 1, NOW - 10);

        plan(&s, &conf, false, MAXF, true);
        /* beyond it (others failed at the same time): still locks */
        s = failed(MAXF + 5, NOW - 10);
        plan(&s, &conf, false, MAXF + 6, true);
        /* the count does not wrap */
        s = failed(UINT32_MAX, NOW - 10);
        plan(&s, &conf, false, UINT32_MAX, true);
}

static void ended_lock_starts_new_window(void **state _unused_)
{
        struct acct_state s = locked_until(failed(MAXF, NOW - 100), NOW - 1);

        plan(&s, &conf, true, 1, false);
        s = locked_until(failed(MAXF, NOW - 100), NOW);
        plan(&s, &conf, true, 1, false);
        /* still locked (a failure while locked is counted on) */
        s = locked_until(failed(MAXF, NOW - 100), NOW + 1);
        plan(&s, &conf, false, MAXF + 1, true);
}

static void future_time_ignored(void **state _unused_)
{
        /* a failure time ahead of the clock (a host whose clock is wrong,
         * or a value written by hand) must not keep a window open for
         * ever: a new one starts from now */
        struct acct_state s = failed(MAXF - 1, NOW + 3600);

        plan(&s, &conf, true, 1, false);
        s = failed(MAXF - 1, INT64_MAX);
        plan(&s, &conf, true, 1, false);
}

static void lock_decision(void **state _unused_)
{
        int64_t until = 7;

        assert_false(state_failure_locks(0, &conf, NOW, &until));
        assert_false(state_failure_locks(MAXF - 1, &conf, NOW, &until));
        assert_int_equal(until, 7); /* untouched */
        assert_true(state_failure_locks(MAXF, &conf, NOW, &until));
        assert_int_equal(until, NOW + LOCKOUT);
        assert_true(state_failure_locks(UINT32_MAX, &conf, NOW, &until));
        assert_int_equal(until, NOW + LOCKOUT);
}

/* Times from a host whose clock ran far ahead: a lock that would hold
 * for 30 years, a TOTP step 30 years on.  Beyond the bound they are
 * ignored (and flagged for sesamectl user show); within it, honoured. */
static void implausible_times(void **state _unused_)
{
        const int64_t years30 = 30LL * 365 * 86400;
        struct acct_state s = locked_until(failed(MAXF, NOW), NOW + LOCKOUT + STATE_CLOCK_SKEW_MAX);

        assert_true(state_locked(&s, &conf, NOW));
        assert_false(state_implausible(&s, &conf, NOW, 30));
        s = locked_until(failed(MAXF, NOW), NOW + LOCKOUT + STATE_CLOCK_SKEW_MAX + 1);
        assert_false(state_locked(&s, &conf, NOW));
        assert_true(state_implausible(&s, &conf, NOW, 30));
        s = locked_until(failed(MAXF, NOW), NOW + years30 + LOCKOUT);
        assert_false(state_locked(&s, &conf, NOW));
        assert_true(state_implausible(&s, &conf, NOW, 30));
        /* a lock that is implausible does not hold its window open */
        plan(&s, &conf, true, 1, false);

        s = (struct acct_state){ .last_step = (NOW + STATE_CLOCK_SKEW_MAX) / 30 };
        assert_int_equal(state_last_step(&s, NOW, 30), (NOW + STATE_CLOCK_SKEW_MAX) / 30);
        assert_false(state_implausible(&s, &conf, NOW, 30));
        s.last_step = (NOW + years30) / 30;
        assert_int_equal(state_last_step(&s, NOW, 30), -1);
        assert_true(state_implausible(&s, &conf, NOW, 30));
        /* (a period not known: the step is not judged) */
        assert_false(state_implausible(&s, &conf, NOW, 0));
        /* a value that is no step at all still refuses every code */
        s.last_step = INT64_MAX;
        assert_int_equal(state_last_step(&s, NOW, 30), INT64_MAX);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(locked),
                cmocka_unit_test(expired),
                cmocka_unit_test(failures_in_window),
                cmocka_unit_test(first_failure),
                cmocka_unit_test(increments_inside_window),
                cmocka_unit_test(window_passed),
                cmocka_unit_test(max_reached_locks),
                cmocka_unit_test(ended_lock_starts_new_window),
                cmocka_unit_test(future_time_ignored),
                cmocka_unit_test(lock_decision),
                cmocka_unit_test(implausible_times),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

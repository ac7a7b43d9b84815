/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state-rules.c - the decisions about an account's state that need no
 * I/O: locked, expired, the failure window (see state.h).  Kept apart
 * from state.c, which reads and writes the directory, so that tests can
 * link these with a directory of their own.
 */
#include <stdlib.h>

#include "conf.h"
#include "macro.h"
#include "state.h"

void state_done(struct acct_state *s)
{
        free(s->dn);
        free(s->token_stamp);
        erase_and_free(s->totp_secret);
        erase_and_free(s->totp_pending);
        free(s->last_step_raw);
        for (size_t i = 0; i < s->n_recovery; i++)
                erase_and_free(s->recovery[i]);
        free(s->recovery);
        *s = (struct acct_state){ .last_step = -1 };
}

/* A lock written by a clock far ahead (the sum is of sane values only:
 * no time read from the directory can overflow it). */
static bool lock_implausible(const struct acct_state *s, const struct sesame_conf *c, int64_t now)
{
        return s->has_locked_until && s->locked_until > now + (int64_t)c->lockout_time + STATE_CLOCK_SKEW_MAX;
}

bool state_locked(const struct acct_state *s, const struct sesame_conf *c, int64_t now)
{
        return s->has_locked_until && now < s->locked_until && !lock_implausible(s, c, now);
}

static bool step_implausible(const struct acct_state *s, int64_t now, uint32_t period)
{
        return period > 0 && s->last_step != INT64_MAX && s->last_step > (now + STATE_CLOCK_SKEW_MAX) / period;
}

int64_t state_last_step(const struct acct_state *s, int64_t now, uint32_t period)
{
        return step_implausible(s, now, period) ? -1 : s->last_step;
}

bool state_implausible(const struct acct_state *s, const struct sesame_conf *c, int64_t now, uint32_t period)
{
        return lock_implausible(s, c, now) || step_implausible(s, now, period);
}

bool state_expired(const struct acct_state *s, int64_t now)
{
        return s->has_shadow_expire && now / 86400 >= s->shadow_expire;
}

/* The window of the counted failures is still open at @now. */
static bool window_open(const struct acct_state *s, const struct sesame_conf *c, int64_t now)
{
        if (!s->has_failures || !s->has_failure_time)
                return false;
        /* (written so that no time read from the directory can
         * overflow the subtraction) */
        if (s->failure_time <= now - (int64_t)c->failure_window || s->failure_time > now + 60)
                return false;
        /* a lockout that has ended closes the window it came from, and
         * so does one that no clock of ours could have written */
        if (s->has_locked_until && (s->locked_until <= now || lock_implausible(s, c, now)))
                return false;
        return true;
}

uint32_t state_failures(const struct acct_state *s, const struct sesame_conf *c, int64_t now)
{
        return window_open(s, c, now) ? s->failures : 0;
}

bool state_failure_locks(uint32_t count, const struct sesame_conf *c, int64_t now, int64_t *ret_until)
{
        if (count < c->max_failures)
                return false;
        *ret_until = now + (int64_t)c->lockout_time;
        return true;
}

void state_failure_plan(const struct acct_state *s, const struct sesame_conf *c, int64_t now,
                        struct failure_plan *ret)
{
        *ret = (struct failure_plan){ .new_window = !window_open(s, c, now) };
        if (ret->new_window)
                ret->count = 1;
        else
                ret->count = s->failures < UINT32_MAX ? s->failures + 1 : UINT32_MAX;
        ret->lock = state_failure_locks(ret->count, c, now, &ret->until);
}

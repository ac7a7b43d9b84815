/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state-web.h - the writes of the self-service links to an account's
 * state (state.h's conventions: one modify each, outcome.h values).
 */
#ifndef SESAMED_STATE_WEB_H
#define SESAMED_STATE_WEB_H

#include <stdint.h>

#include "state.h"

/**
 * state_spend_stamp() - spend the token stamp @s was read with: replace
 * sesameTokenStamp by a new random one with a compare-and-swap (delete
 * the value read + add the new one, or add when there was none), so every
 * token bound to the old stamp dies, and of two redeems of one token
 * exactly one wins.  With @confirmed_at > 0, sesameEmailConfirmed is set
 * to that time in the same modify, and objectClass sesamePending of a
 * self-registered account removed.
 * Return: 0; OUT_CONFLICT when the stamp changed since the read; what
 * dir_modify() returns.
 */
int state_spend_stamp(struct dir *d, struct acct_state *s, int64_t confirmed_at)
        __attribute__((warn_unused_result));

#endif

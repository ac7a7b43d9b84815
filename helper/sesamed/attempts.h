/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attempts.h - which password checks of this host may be counted after
 * they fail instead of before they are made ([auth] strict_count = no).
 *
 * Counting every check in the directory before it is made (the atomic
 * increment of state.c) bounds the checks of a failure window to
 * max_failures however many logins run at once on however many hosts,
 * but costs every successful login two directory writes: the count and
 * its reset.  Most logins are a user's right password on an account
 * with no failure in its window.  For those, one check per account and
 * host may be made uncounted, and counted only if it fails:
 *
 *  - The uncounted check holds the account's slot on this host from
 *    before its state is read until its failure is counted
 *    (attempts_claim() .. attempts_release()).  It is made only when
 *    that fresh state shows no failure in the window and no lock.
 *  - A counted check waits while the slot is held, and the slot cannot
 *    be taken while a counted check is between its wait and its
 *    increment (attempts_count_begin() .. attempts_count_end()).  So on
 *    one host every check is in the count that decides the next one,
 *    exactly as when all are counted first: at most max_failures per
 *    window.  With several hosts, each may add its one uncounted check
 *    to a window that others are counting: at most max_failures plus
 *    one per other host.
 *  - The slot is given only for an entry whose failure state this
 *    sesamed has written, or found it may write (a modify that the
 *    access rules allow and that changes nothing, state.h
 *    state_probe_failures()), before (attempts_written()): an entry the
 *    service DN may not write (an ACL mistake) never gets an uncounted
 *    check, and one whose write fails loses that standing, so a failure
 *    that cannot be counted still stops the checks (doc/security.md).
 *
 * Entries are keyed by a keyed hash of the DN in a fixed table
 * (ATTEMPTS_SLOTS); when it is full the account's checks are counted
 * first, as with strict_count.  Process-wide (not per configuration
 * generation: a reload must not open a second slot), thread-safe.
 */
#ifndef SESAMED_ATTEMPTS_H
#define SESAMED_ATTEMPTS_H

#include <stdbool.h>
#include <stdint.h>

#define ATTEMPTS_SLOTS 8192
#define ATTEMPTS_WAIT_MAX_MS 30000

enum attempts_claim {
        ATTEMPTS_CLAIMED,  /* the slot is this check's: attempts_release() it */
        ATTEMPTS_BUSY,     /* another check of @dn is under way here: count first */
        ATTEMPTS_UNPROVEN, /* no write of @dn's failure state is known to
                            * succeed (attempts_written()): count first, or
                            * find out and ask again */
};
/* Take @dn's slot for one uncounted check. */
enum attempts_claim attempts_claim(const char *dn);
/* Give back the slot of attempts_claim(). */
void attempts_release(const char *dn);

/**
 * attempts_count_begin() - before counting a check of @dn: wait while an
 * uncounted check of @dn is under way on this host, and keep new ones
 * from starting until attempts_count_end().
 * @deadline: monotonic ms (now_ms()) to give up at; 0: none
 * @ret_homeless: for attempts_count_end() (the table had no room)
 * Return: 0, or OUT_UNAVAIL when the deadline (at most
 * ATTEMPTS_WAIT_MAX_MS from now) passed first: the check must not be made.
 */
int attempts_count_begin(const char *dn, int64_t deadline, bool *ret_homeless);
/* After the count of attempts_count_begin() returned 0 (whatever the
 * count's own outcome). */
void attempts_count_end(const char *dn, bool homeless);

/* The outcome of a write of @dn's failure state: @ok gives it the
 * standing attempts_claim() needs, a failure takes it away. */
void attempts_written(const char *dn, bool ok);

/* Forget everything (the unit tests). */
void attempts_reset(void);

#endif

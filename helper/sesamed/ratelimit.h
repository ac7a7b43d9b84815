/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.h - how much directory work one local user may cause, and how
 * often a refusal is logged.
 *
 * nss.sock and pam.sock are open to every uid.  Each uid other than 0
 * has a token bucket ([daemon] rate_limit tokens a second, at most
 * rate_burst of them): every request of that uid that needs the directory
 * (a lookup the cache cannot answer fresh, every login request) takes a
 * token, and without one it is refused.  Answers the cache holds cost no
 * token, and root (sshd, login, su, sudo: every login's own lookups) has
 * no bucket at all, so one user's flood slows nobody else.
 *
 * A refusal is logged with the caller's uid and the reason, at most once
 * every 10 seconds per kind of refusal (struct refusal_log), with how
 * many more there were in between: an administrator can tell "the
 * directory is down" from "uid N floods the socket" in the journal alone,
 * and a flood cannot flood the journal.  Thread-safe.
 */
#ifndef SESAMED_RATELIMIT_H
#define SESAMED_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * rate_take() - take one token from @uid's bucket at @now (monotonic ms).
 * @rate:  tokens a second; 0: no limit
 * @burst: the bucket's size (a new or long idle uid starts full)
 * Return: true when the request may go on; always for uid 0.
 */
bool rate_take(uid_t uid, uint32_t rate, uint32_t burst, int64_t now);

/* Forget every bucket (the unit tests). */
void rate_reset(void);

/* One kind of refusal's log throttle; REFUSAL_LOG_INIT. */
struct refusal_log {
        pthread_mutex_t lock;
        int64_t next;   /* no message before (monotonic ms) */
        unsigned quiet; /* refusals not logged since the last message */
};
#define REFUSAL_LOG_INIT { PTHREAD_MUTEX_INITIALIZER, 0, 0 }

/**
 * refusal_log_due() - may a refusal be logged now?
 * Return: true, with *@ret_quiet the refusals left unlogged since the
 * last message; false (this one counted) within 10 s of the last message.
 */
bool refusal_log_due(struct refusal_log *l, unsigned *ret_quiet);

/* Log a refusal at @level (LOG_*), throttled per call site: at most once
 * every 10 s, with the count of those left unlogged since appended. */
#define log_refusal(level, fmt, ...)                                                                     \
        do {                                                                                             \
                static struct refusal_log rl_ = REFUSAL_LOG_INIT;                                        \
                unsigned quiet_;                                                                         \
                if (refusal_log_due(&rl_, &quiet_))                                                      \
                        log_msg(level, fmt " (and %u more since the last message)", __VA_ARGS__, quiet_); \
        } while (0)

#endif

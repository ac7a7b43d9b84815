/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.h - the login state of one account: the sesame* attributes of its
 * entry (auxiliary class sesameAccount, see conf/schema/sesame.schema),
 * plus pwdAccountLockedTime (ppolicy) and shadowExpire, read and written
 * by sesamed as its service DN.
 *
 * Two halves: the decisions that need no I/O (state_locked() ...
 * state_failure_plan(), in state-rules.c) and the reads and writes of the
 * directory (state.c).
 *
 * Reading: state_read() fetches everything at once.  Writing: one LDAP
 * modify per function; objectClass sesameAccount is added in the same
 * modify when the entry lacks it.  Updates that race with other sesamed
 * instances are made safe by the directory itself:
 *  - password checks are counted before they are made, with
 *    LDAP_MOD_INCREMENT (the new count comes back through the Post-Read
 *    control), and a success removes exactly the count it read;
 *  - the TOTP step is a compare-and-swap: delete the old value + add the
 *    new one in one modify (or add when there was none), which fails if
 *    another login changed it first;
 *  - a recovery code is spent by deleting its value, which fails if it is
 *    already gone.
 *
 * Return values follow outcome.h: 0, -ENOMEM, or an OUT_* value: those
 * of dir_modify() (dir.h; OUT_UNAVAIL: the directory is unreachable),
 * and OUT_CONFLICT where another writer won a race this function would
 * otherwise have to lose silently.  Nothing here logs a secret.
 */
#ifndef SESAMED_STATE_H
#define SESAMED_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

struct dir;
struct sesame_conf;

struct acct_state {
        char *dn;                /* the entry (a copy) */
        bool has_class;          /* objectClass sesameAccount present */
        bool disabled;           /* sesameDisabled: TRUE */
        bool confirmed;          /* sesameEmailConfirmed present */
        bool pending;            /* objectClass sesamePending: self-registered, not confirmed yet */
        bool ppolicy_locked;     /* pwdAccountLockedTime present */
        bool ppolicy_admin_lock; /* ... and 000001010000Z: until an administrator lifts it */
        bool must_change;        /* pwdReset: TRUE (ppolicy: changed by an administrator) */
        bool has_shadow_expire;
        int64_t shadow_expire;   /* days since the epoch */
        char *token_stamp;       /* sesameTokenStamp, or NULL */
        char *totp_secret;       /* sesameTotpSecret (sealed), or NULL */
        char *totp_pending;      /* sesameTotpPending (sealed), or NULL */
        char *last_step_raw;     /* sesameTotpLastStep as stored (for the CAS), or NULL */
        int64_t last_step;       /* its value; -1 when absent */
        char **recovery;         /* sesameRecoveryCode values (hashes) */
        size_t n_recovery;
        bool has_failures;
        uint32_t failures;       /* sesameFailureCount */
        bool has_failure_time;
        int64_t failure_time;    /* sesameFailureTime, epoch seconds */
        bool has_locked_until;
        int64_t locked_until;    /* sesameLockedUntil, epoch seconds */
        bool has_last_login;
        int64_t last_login;      /* sesameLastLogin, epoch seconds */
        bool has_login_count;
        uint32_t login_count;    /* sesameLoginCount */
        /* not stored: the handler's check was made without being
         * counted first, and is counted if it fails (attempts.h) */
        bool uncounted;
};

/* ------------------------------------------------ decisions, no I/O */

void state_done(struct acct_state *s);

/* How far ahead of this host's clock another host's clock may have run
 * when it wrote a time: a lock that ends later than now + lockout_time
 * + this, or a TOTP step later than now + this, was written by a clock
 * that was wrong, and is ignored (sesamectl user show flags it). */
#define STATE_CLOCK_SKEW_MAX 300

/* sesameLockedUntil is in the future, and not implausibly far. */
bool state_locked(const struct acct_state *s, const struct sesame_conf *c, int64_t now);
/* The last TOTP step for the replay check: -1 (none) instead of a step
 * implausibly far ahead for @period; INT64_MAX stays (no step at all:
 * every code refused). */
int64_t state_last_step(const struct acct_state *s, int64_t now, uint32_t period);
/* A lock or (when @period is known, not 0) a TOTP step implausibly far
 * ahead, which the rules above ignore. */
bool state_implausible(const struct acct_state *s, const struct sesame_conf *c, int64_t now, uint32_t period);
/* shadowExpire is set and today (days since the epoch) >= it. */
bool state_expired(const struct acct_state *s, int64_t now);
/* Failures in the current window (0 when the window has passed). */
uint32_t state_failures(const struct acct_state *s, const struct sesame_conf *c, int64_t now);

/* What one more counted attempt at @now does to the state @s (the
 * failure window rules of state_count_attempt()). */
struct failure_plan {
        bool new_window; /* start a new window (count 1 from @now): there is
                          * none, it is older than failure_window, a lock
                          * has ended since, or its time (or its lock's)
                          * is implausibly far in the future */
        uint32_t count;  /* the count after this attempt, as far as @s knows */
        bool lock;       /* @count reaches max_failures: lock ... */
        int64_t until;   /* ... until now + lockout_time (0 when not) */
};
void state_failure_plan(const struct acct_state *s, const struct sesame_conf *c, int64_t now,
                        struct failure_plan *ret);
/* Whether @count failures in the window lock the account at @now;
 * *ret_until says until when (set only when they do). */
bool state_failure_locks(uint32_t count, const struct sesame_conf *c, int64_t now, int64_t *ret_until);

/* ------------------------------------------------ the directory (state.c) */

/*
 * Whether the service DN may read every attribute of @dn that the login
 * decisions need, and write every one sesamed writes, without changing
 * anything (a write is tried as the delete of a value no entry has: the
 * directory checks its access rules first, then finds no such value).
 * 0 when it may; OUT_ACCESS with the names of the attributes it may not
 * read or write in @msg; another outcome when that cannot be told.
 */
int state_check_access(struct dir *d, const char *dn, char *msg, size_t size);

/* Whether the service DN may write the failure count, its time and the
 * lock of @dn, found out the same way in one modify, which changes
 * nothing and is not committed: 0 when it may, OUT_ACCESS when it may
 * not, another outcome when that cannot be told. */
int state_probe_failures(struct dir *d, const char *dn);

/* Read the state of @dn (an entry a lookup has just found).  0;
 * OUT_ACCESS when the entry cannot be read (gone since, or hidden by an
 * ACL); what dir_read() returns; -ENOMEM.  state_done() it in every case. */
int state_read(struct dir *d, const char *dn, struct acct_state *ret);

/*
 * Count one password check before it is made, so that however many
 * logins run at once, on however many hosts, at most max_failures checks
 * reach the directory in a window: a new window (count 1, a
 * compare-and-swap) as state_failure_plan() decides, or the count
 * incremented in the directory, whose answer (Post-Read) is this
 * attempt's number, *ret_count.  An attempt that cannot be counted must
 * not be made.
 */
int state_count_attempt(struct dir *d, const struct sesame_conf *c, struct acct_state *s, int64_t now,
                        uint32_t *ret_count);
/* sesameLockedUntil := now + lockout_time. */
int state_lock(struct dir *d, const struct sesame_conf *c, struct acct_state *s, int64_t now);
/* After a successful login: remove the failure count, its time and an
 * ended lock, only if the count is still the one this login counted to
 * (OUT_CONFLICT otherwise: other attempts were counted since, and they
 * are not this login's to forget).  Nothing is written when there is
 * nothing. */
int state_reset_failures(struct dir *d, struct acct_state *s);
/* sesamectl unlock: remove count, time and lock; then try to remove
 * pwdAccountLockedTime (ignored when absent or not allowed; *ret_ppolicy
 * tells whether that worked, or was not needed). */
int state_unlock(struct dir *d, struct acct_state *s, bool *ret_ppolicy);

/* Compare-and-swap of sesameTotpLastStep from the value read to @step.
 * OUT_CONFLICT when another login changed it since the read. */
int state_cas_last_step(struct dir *d, struct acct_state *s, int64_t step);
/* Spend the recovery code whose hash is @hash: delete that value.
 * OUT_CONFLICT when it is no longer there (another login spent it). */
int state_use_recovery(struct dir *d, struct acct_state *s, const char *hash);
/* Replace all recovery codes by @hashes (@n of them). */
int state_set_recovery(struct dir *d, struct acct_state *s, char *const *hashes, size_t n);

/* sesameTotpPending := @sealed. */
int state_set_pending(struct dir *d, struct acct_state *s, const char *sealed);
/* Activation in one modify: sesameTotpSecret := the pending value, delete
 * that exact pending value (OUT_CONFLICT if it changed since the read),
 * sesameTotpLastStep := @step.  OUT_NO_VALUE when none was pending. */
int state_activate_totp(struct dir *d, struct acct_state *s, int64_t step);
/* Remove secret, pending seed, last step and recovery codes. */
int state_disable_totp(struct dir *d, struct acct_state *s);

/* A new random sesameTokenStamp (32 hex digits). */
int state_new_token_stamp(struct dir *d, struct acct_state *s);
/* Session opened: sesameLastLogin := now, sesameLoginCount += 1 (set to
 * 1 when absent). */
int state_track_login(struct dir *d, struct acct_state *s, int64_t now);

#endif

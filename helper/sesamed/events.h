/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * events.h - what happened, to the journal (or syslog) and to hook programs.
 *
 * Every event has a stable 128-bit message id (the same id in every
 * release, listed in doc/events.md) and one log line, e.g.
 *   SESAME_EVENT=login MESSAGE_ID=... USER=alice SERVICE=sshd RHOST=::1
 * It is a journal entry with its values as fields of their own when
 * journald runs, else that line in syslog (LOG_AUTHPRIV).  Never a
 * password, code or seed.
 *
 * Hooks: when [hooks] program is set and the event is listed in [hooks]
 * events, event_emit() has hooks.c run the program (hooks.h), off the
 * request's path.
 */
#ifndef SESAMED_EVENTS_H
#define SESAMED_EVENTS_H

#include <stdint.h>

struct sesame_conf;

enum event {
        EV_LOGIN = 0,         /* auth succeeded */
        EV_LOGIN_FAILED,      /* wrong password or code, unknown user */
        EV_LOCKOUT,           /* the failure limit was reached */
        EV_UNLOCK,            /* sesamectl unlock */
        EV_ACCOUNT_REFUSED,   /* account phase said no (REASON) */
        EV_PASSWORD_CHANGED,
        EV_TOTP_ENROLLED,     /* a seed was activated */
        EV_TOTP_DISABLED,
        EV_RECOVERY_CODES,    /* new recovery codes were made */
        EV_RECOVERY_USED,     /* a recovery code was spent */
        EV_SESSION_OPEN,
        EV_SESSION_CLOSE,
        EV_TOKEN_ISSUED,      /* a reset or confirmation link was made (REASON: reset, confirm) */
        EV_TOKEN_REDEEMED,    /* a link was spent: password set, address confirmed */
        EV_TOKEN_REFUSED,     /* a link that is not live was brought back */
        EV_MAIL_SPOOLED,      /* a mail was left in the spool (REASON: its template) */
        EV_MAIL_FAILED,       /* a mail that was due could not be spooled (REASON: its template) */
        EV_ACCOUNT_REGISTERED, /* a visitor made an account, pending until its address is confirmed */
        EV__MAX,
};

struct event_data {
        const char *user;    /* canonical name, or the login as typed when unknown */
        const char *service; /* may be NULL */
        const char *rhost;
        const char *tty;
        const char *reason;  /* short word: "bad-password", "bad-code", "locked", ... */
};

/* "login", "login-failed", ...; NULL if out of range. */
const char *event_name(enum event ev);
/* Parse [hooks] events (blank-separated names) into a bit mask; -EINVAL
 * and a message naming the unknown event. */
int events_parse(const char *list, uint32_t *ret_mask, char *err, size_t errsize);
/* Log @ev and start the hook if its bit is in @hook_mask. */
void event_emit(const struct sesame_conf *c, uint32_t hook_mask, enum event ev, const struct event_data *d);

#endif

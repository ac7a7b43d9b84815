/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.h - the mails sesamed decides are due: the security notices
 * (password changed, TOTP on or off, account locked) and the mails that
 * carry a link (websrv.c, adminsrv.c).  Each is left in the mail spool
 * (spool.h) for sesame-web to send; sesamed never speaks SMTP.
 *
 * A notice follows a change that is already made: when it cannot be
 * spooled, that is logged (and a mail-failed event says so), and the
 * change stands.  A notice goes to the address on the account's entry,
 * confirmed or not: it carries no token and grants nothing, and the
 * owner of an address not confirmed yet is still the person most likely
 * to read it.  An account without an address gets none.
 */
#ifndef SESAMED_NOTIFY_H
#define SESAMED_NOTIFY_H

#include <stdint.h>

struct daemon_ctx;
struct pwrec;

enum notice {
        NOTICE_PASSWORD_CHANGED, /* template password-changed */
        NOTICE_TOTP_ENABLED,     /* totp-enabled */
        NOTICE_TOTP_DISABLED,    /* totp-disabled */
        NOTICE_ACCOUNT_LOCKED,   /* account-locked; @until is the lock's end */
        NOTICE__MAX,
};

/**
 * notify_spool() - leave the mail of template @tmpl for @pw (which must
 * have an address) in the spool, and tell the log and the journal:
 * mail-spooled, or mail-failed with the error logged before it.
 * @link: the link the mail carries, or NULL
 * @expires: epoch seconds it dies (or the lock ends), 0: none
 *
 * Return: 0, or the -errno of spool_write(); nothing is undone either way.
 */
int notify_spool(const struct daemon_ctx *x, const char *tmpl, const struct pwrec *pw, const char *link,
                 int64_t expires);

/**
 * notify_user() - the notice @n for @pw, when [mail] switches it on and
 * the account has an address.  Never fails: what went wrong is logged.
 * @until: NOTICE_ACCOUNT_LOCKED: epoch seconds the lock ends; else 0
 */
void notify_user(const struct daemon_ctx *x, enum notice n, const struct pwrec *pw, int64_t until);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.c - spool the mails that are due, and say so (notify.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "accounts.h"
#include "conf.h"
#include "ctx.h"
#include "events.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "spool.h"
#include "websrv.h"

static const char *const notice_tmpl[NOTICE__MAX] = {
        [NOTICE_PASSWORD_CHANGED] = "password-changed",
        [NOTICE_TOTP_ENABLED] = "totp-enabled",
        [NOTICE_TOTP_DISABLED] = "totp-disabled",
        [NOTICE_ACCOUNT_LOCKED] = "account-locked",
};

/* Is @n switched on in [mail]? */
static bool notice_on(const struct sesame_conf *c, enum notice n)
{
        switch (n) {
        case NOTICE_PASSWORD_CHANGED: return c->mail_notify_password_changed;
        case NOTICE_TOTP_ENABLED: return c->mail_notify_totp_enabled;
        case NOTICE_TOTP_DISABLED: return c->mail_notify_totp_disabled;
        case NOTICE_ACCOUNT_LOCKED: return c->mail_notify_account_locked;
        case NOTICE__MAX: break;
        }
        return false;
}

int notify_spool(const struct daemon_ctx *x, const char *tmpl, const struct pwrec *pw, const char *link,
                 int64_t expires)
{
        struct event_data d = { .user = pw->name, .reason = tmpl };
        int r;

        r = spool_write(x->conf, web_peer_uid(x),
                        &(struct spool_msg){ .tmpl = tmpl, .to = pw->mail, .user = pw->name, .link = link,
                                             .expires = expires });
        if (r < 0) {
                /* spool_write() logged a failure of the file system */
                log_error("user %s: the %s mail could not be spooled: %s", pw->name, tmpl,
                          r == -EINVAL ? "the address or name cannot go into a mail" : strerror(-r));
                event_emit(x->conf, x->hook_mask, EV_MAIL_FAILED, &d);
                return r;
        }
        event_emit(x->conf, x->hook_mask, EV_MAIL_SPOOLED, &d);
        return 0;
}

void notify_user(const struct daemon_ctx *x, enum notice n, const struct pwrec *pw, int64_t until)
{
        if (!notice_on(x->conf, n))
                return;
        if (!pw->mail || !pw->mail[0]) {
                log_info("user %s has no mail address: no %s mail", pw->name, notice_tmpl[n]);
                return;
        }
        (void)notify_spool(x, notice_tmpl[n], pw, NULL, until);
}

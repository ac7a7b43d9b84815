/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * websrv.c - the requests of web.sock (sesame-proto.h): reset and
 * confirmation links, made here, mailed through the spool, redeemed here.
 *
 * No answer tells an anonymous visitor whether an account exists: the
 * requests for a link are answered OK before the account is looked up,
 * and every token that does not verify, for whatever reason, is the same
 * REFUSED/TOKEN.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "accounts.h"
#include "conf.h"
#include "ctx.h"
#include "dir-web.h"
#include "dispatch.h"
#include "events.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "outcome.h"
#include "quality.h"
#include "spool.h"
#include "state-web.h"
#include "state.h"
#include "tokens.h"
#include "util.h"
#include "websrv.h"

uid_t web_peer_uid(const struct daemon_ctx *x)
{
        FILE *f = fopen(WEB_PASSWD_FILE, "re");
        uid_t uid = DISPATCH_NO_UID;
        struct passwd *p;

        if (!f)
                return DISPATCH_NO_UID;
        while ((p = fgetpwent(f)))
                if (x->conf->web_user && strcmp(p->pw_name, x->conf->web_user) == 0) {
                        /* root is admitted anyway; a [web] user of uid 0
                         * would be a mistake to refuse, not to honour */
                        uid = p->pw_uid == 0 ? DISPATCH_NO_UID : p->pw_uid;
                        break;
                }
        (void)fclose(f);
        return uid;
}

static void quoted(const char *s, char *buf, size_t size) { (void)str_quote(s, strlen(s), buf, size); }

/* LOGIN of a visitor: an address when it has an '@', else a user name; a
 * local account is never ours.  0 or an outcome.h value. */
static int find_login(struct daemon_ctx *x, const char *login, struct pwrec *pw)
{
        if (strchr(login, '@'))
                return acct_user_bymail(&x->acct, login, pw);
        if (localdb_has_user(x->acct.local, login, UINT32_MAX))
                return OUT_NOTFOUND;
        return acct_user_byname(&x->acct, login, pw);
}

void web_event(struct call *c, enum event ev, const char *user, const char *service, const char *reason)
{
        char rhost[SESAME_TEXT_MAX + 1];
        struct event_data d = { .user = user, .service = service, .reason = reason };

        if (req_string(c->req, SESAME_F_RHOST, rhost, sizeof(rhost)))
                d.rhost = rhost;
        event_emit(c->x->conf, c->x->hook_mask, ev, &d);
}

/* token-issued, -redeemed or -refused: a link of @purpose for @user
 * (NULL: not known), asked by @service. */
static void token_event(struct call *c, enum event ev, const char *user, uint8_t purpose, const char *service)
{
        web_event(c, ev, user, service, purpose == TOKEN_RESET ? "reset" : "confirm");
}

int web_mail_link(struct call *c, const struct pwrec *pw, const struct acct_state *st, uint8_t purpose,
                  const char *service)
{
        const struct sesame_conf *conf = c->x->conf;
        bool reset = purpose == TOKEN_RESET;
        int64_t now = time(NULL);
        struct token_claims claims = {
                .purpose = purpose,
                .uid = pw->uid,
                .expires = now + (reset ? conf->web_reset_lifetime : conf->web_confirm_lifetime),
        };
        struct token_binding b = { .dn = pw->dn, .stamp = st->token_stamp, .mail = reset ? NULL : pw->mail };
        char token[TOKEN_TEXT_LEN + 1], link[SESAME_TEXT_MAX];
        int r;

        r = token_make(c->x->key, &claims, &b, token);
        if (r < 0)
                return r;
        if ((size_t)snprintf(link, sizeof(link), "%s/%s?token=%s", conf->web_base_url, reset ? "reset" : "confirm",
                             token) >= sizeof(link))
                r = -ENAMETOOLONG;
        else {
                token_event(c, EV_TOKEN_ISSUED, pw->name, purpose, service);
                r = notify_spool(c->x, reset ? "reset" : "confirm", pw, link, claims.expires);
        }
        sodium_memzero(token, sizeof(token));
        sodium_memzero(link, sizeof(link));
        return r;
}

/* RESET_REQUEST and CONFIRM_REQUEST: OK at once, then the work. */
static int request_link(struct call *c, uint8_t purpose)
{
        struct daemon_ctx *x = c->x;
        char login[SESAME_MAIL_MAX + 1], q[80];
        const char *what = purpose == TOKEN_RESET ? "password reset" : "confirmation";
        struct acct_state st = { 0 };
        struct pwrec pw = { 0 };
        int r;

        if (!req_string(c->req, SESAME_F_LOGIN, login, sizeof(login)))
                return -EINVAL;
        /* the same answer, at the same moment, whether or not there is
         * such an account: what follows only decides about the mail */
        r = client_end(c->cl, SESAME_ST_OK, NULL);
        if (r < 0)
                return r;
        quoted(login, q, sizeof(q));
        r = find_login(x, login, &pw);
        if (r != 0) {
                log_info("%s requested for %s: %s; no mail", what, q, outcome_str(r));
                return 0;
        }
        if (!pw.mail) {
                log_notice("%s requested for user %s, who has no mail address; no mail", what, pw.name);
                goto out;
        }
        r = state_read(x->dir, pw.dn, &st);
        if (r == 0 && purpose == TOKEN_CONFIRM && st.confirmed) {
                log_info("confirmation requested for user %s, whose address is confirmed already; no mail",
                         pw.name);
                goto out;
        }
        if (r == 0)
                r = web_mail_link(c, &pw, &st, purpose, "sesame-web");
        if (r != 0)
                log_error("%s requested for user %s: no mail: %s", what, pw.name, outcome_str(r));
        else
                log_notice("%s link for user %s spooled", what, pw.name);
out:
        state_done(&st);
        pwrec_done(&pw);
        return 0;
}

int handle_web_reset_request(struct call *c) { return request_link(c, TOKEN_RESET); }
int handle_web_confirm_request(struct call *c) { return request_link(c, TOKEN_CONFIRM); }

static int refuse_token(struct call *c) { return client_end_ex(c->cl, SESAME_ST_REFUSED, NULL, SESAME_R_TOKEN, 0); }

/*
 * The account and state a token of @purpose was made for, if it is live:
 * 0 with @pw and @st filled (done them in any case); OUT_DENIED for a
 * token that is not live (logged without the token); another outcome.h
 * value when that cannot be decided now.
 */
static int token_account(struct call *c, const char *token, uint8_t purpose, struct pwrec *pw,
                         struct acct_state *st)
{
        struct daemon_ctx *x = c->x;
        struct token_claims claims;
        int r;

        if (!x->key) {
                log_error("a token cannot be checked without the key: %s", x->key_error);
                return -ENOKEY;
        }
        if (token_claims(token, &claims) < 0 || claims.purpose != purpose) {
                log_notice("web: a malformed token, or one for another purpose, refused");
                return OUT_DENIED;
        }
        r = acct_user_byuid(&x->acct, claims.uid, pw);
        if (r == OUT_NOTFOUND) {
                log_notice("web: a token for uid %u, which is no account, refused", claims.uid);
                return OUT_DENIED;
        }
        if (r == 0)
                r = state_read(x->dir, pw->dn, st);
        if (r != 0)
                return r;
        r = token_verify(x->key, token, purpose,
                         &(struct token_binding){ .dn = pw->dn, .stamp = st->token_stamp,
                                                  .mail = purpose == TOKEN_CONFIRM ? pw->mail : NULL },
                         time(NULL));
        if (r == -EINVAL || (r == 0 && purpose == TOKEN_CONFIRM && !pw->mail)) {
                log_notice("web: a token for user %s refused: forged, expired, spent or outdated", pw->name);
                return OUT_DENIED;
        }
        return r;
}

int handle_web_reset_check(struct call *c)
{
        char token[SESAME_TOKEN_MAX + 1];
        struct acct_state st = { 0 };
        struct pwrec pw = { 0 };
        int r;

        if (!req_string(c->req, SESAME_F_TOKEN, token, sizeof(token)))
                return refuse_token(c);
        r = token_account(c, token, TOKEN_RESET, &pw, &st);
        sodium_memzero(token, sizeof(token));
        if (r == OUT_DENIED)
                token_event(c, EV_TOKEN_REFUSED, pw.name, TOKEN_RESET, "sesame-web");
        state_done(&st);
        pwrec_done(&pw);
        if (r == OUT_DENIED)
                return refuse_token(c);
        return client_end(c->cl, outcome_status(r), NULL);
}

/* After the token was spent: the password, the failures, the events. */
static int reset_apply(struct call *c, const struct pwrec *pw, struct acct_state *st, const char *newpw,
                       char *msg, size_t msgsize)
{
        struct daemon_ctx *x = c->x;
        int r;

        r = dir_set_password(x->dir, pw->dn, newpw, msg, msgsize);
        if (r != 0)
                return r;
        log_notice("user %s set a new password through a reset link", pw->name);
        token_event(c, EV_TOKEN_REDEEMED, pw->name, TOKEN_RESET, "sesame-web");
        r = state_reset_failures(x->dir, st);
        if (r != 0)
                log_error("user %s: the failure count could not be cleared: %s", pw->name, outcome_str(r));
        event_emit(x->conf, x->hook_mask, EV_PASSWORD_CHANGED,
                   &(struct event_data){ .user = pw->name, .service = "sesame-web", .reason = "reset" });
        notify_user(x, NOTICE_PASSWORD_CHANGED, pw, 0);
        return 0;
}

int handle_web_reset_redeem(struct call *c)
{
        char token[SESAME_TOKEN_MAX + 1], newpw[SESAME_PASSWORD_MAX + 1], msg[SESAME_TEXT_MAX];
        struct acct_state st = { 0 };
        struct pwrec pw = { 0 };
        uint32_t status;
        int r;

        msg[0] = '\0';
        if (!req_string(c->req, SESAME_F_TOKEN, token, sizeof(token)) ||
            !req_string(c->req, SESAME_F_NEWPASSWORD, newpw, sizeof(newpw)))
                r = OUT_DENIED;
        else
                r = token_account(c, token, TOKEN_RESET, &pw, &st);
        /* the rules before the token is spent: a password they refuse
         * leaves the link usable for a better one */
        if (r == 0 && pw_quality_check(c->x->conf, pw.name, NULL, newpw, msg, sizeof(msg)) < 0)
                r = OUT_PASSWORD_POLICY;
        else if (r == 0) {
                /* the one redeem that wins; any other gets OUT_CONFLICT */
                r = state_spend_stamp(c->x->dir, &st, 0);
                if (r == OUT_CONFLICT) {
                        log_notice("web: a reset token for user %s was spent by another request", pw.name);
                        r = OUT_DENIED;
                } else if (r == 0)
                        r = reset_apply(c, &pw, &st, newpw, msg, sizeof(msg));
        }
        sodium_memzero(token, sizeof(token));
        sodium_memzero(newpw, sizeof(newpw));
        if (r == OUT_DENIED)
                token_event(c, EV_TOKEN_REFUSED, pw.name, TOKEN_RESET, "sesame-web");
        state_done(&st);
        pwrec_done(&pw);
        if (r == OUT_DENIED)
                return refuse_token(c);
        if (r == OUT_PASSWORD_POLICY)
                return client_end(c->cl, SESAME_ST_BAD_PASSWORD, msg[0] ? msg : "The password does not meet the rules.");
        status = outcome_status(r);
        return client_end(c->cl, status, NULL);
}

int handle_web_confirm_redeem(struct call *c)
{
        char token[SESAME_TOKEN_MAX + 1];
        struct acct_state st = { 0 };
        struct pwrec pw = { 0 };
        int r;

        if (!req_string(c->req, SESAME_F_TOKEN, token, sizeof(token)))
                r = OUT_DENIED;
        else
                r = token_account(c, token, TOKEN_CONFIRM, &pw, &st);
        sodium_memzero(token, sizeof(token));
        if (r == 0) {
                r = state_spend_stamp(c->x->dir, &st, time(NULL));
                if (r == OUT_CONFLICT)
                        r = OUT_DENIED;
                else if (r == 0) {
                        log_notice("user %s confirmed the mail address", pw.name);
                        token_event(c, EV_TOKEN_REDEEMED, pw.name, TOKEN_CONFIRM, "sesame-web");
                }
        }
        if (r == OUT_DENIED)
                token_event(c, EV_TOKEN_REFUSED, pw.name, TOKEN_CONFIRM, "sesame-web");
        state_done(&st);
        pwrec_done(&pw);
        if (r == OUT_DENIED)
                return refuse_token(c);
        return client_end(c->cl, outcome_status(r), NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dispatch.c - the table of requests, their authorisation, and the loop
 * that serves one connection (see dispatch.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "conf.h"
#include "ctx.h"
#include "dir.h"
#include "dispatch.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "outcome.h"
#include "ratelimit.h"
#include "util.h"
#include "websrv.h"

#define NSS SOCK_BIT(SOCK_NSS)
#define PAM SOCK_BIT(SOCK_PAM)
#define ADMIN SOCK_BIT(SOCK_ADMIN)
#define WEB SOCK_BIT(SOCK_WEB)

static const enum peer_policy peer_policy[SOCK__MAX] = {
        [SOCK_NSS] = PEER_ANYONE,
        [SOCK_PAM] = PEER_ANYONE,
        [SOCK_ADMIN] = PEER_ROOT,
        [SOCK_WEB] = PEER_WEB,
};

static const struct dispatch_entry dispatch[] = {
        /* lookups: what NSS serves to anyone anyway */
        { SESAME_REQ_PASSWD_BYNAME, NSS | ADMIN, 0, handle_passwd_byname, NULL },
        { SESAME_REQ_PASSWD_BYUID, NSS | ADMIN, 0, handle_passwd_byuid, NULL },
        { SESAME_REQ_PASSWD_ENUM, NSS | ADMIN, 0, handle_passwd_enum, NULL },
        { SESAME_REQ_GROUP_BYNAME, NSS | ADMIN, 0, handle_group_byname, NULL },
        { SESAME_REQ_GROUP_BYGID, NSS | ADMIN, 0, handle_group_bygid, NULL },
        { SESAME_REQ_GROUP_ENUM, NSS | ADMIN, 0, handle_group_enum, NULL },
        { SESAME_REQ_INITGROUPS, NSS | ADMIN, 0, handle_initgroups, NULL },
        { SESAME_REQ_PING, PAM | ADMIN, 0, handle_ping, NULL },
        /* mail -> account is not for everyone: no enumeration of
         * addresses through nss.sock */
        { SESAME_REQ_PASSWD_BYMAIL, ADMIN, 0, handle_passwd_bymail, NULL },
        /* administration */
        { SESAME_REQ_CACHE_FLUSH, ADMIN, 0, handle_cache_flush, NULL },
        { SESAME_REQ_USER_SHOW, ADMIN, D_ACCOUNT | D_MAIL, handle_user_show, NULL },
        { SESAME_REQ_TOTP_ENROLL, ADMIN, D_ACCOUNT | D_MAIL, handle_totp_enroll, NULL },
        { SESAME_REQ_TOTP_ACTIVATE, ADMIN, D_ACCOUNT | D_MAIL, handle_totp_activate, NULL },
        { SESAME_REQ_TOTP_DISABLE, ADMIN, D_ACCOUNT | D_MAIL, handle_totp_disable, NULL },
        { SESAME_REQ_RECOVERY_CODES, ADMIN, D_ACCOUNT | D_MAIL, handle_recovery_codes, NULL },
        { SESAME_REQ_UNLOCK, ADMIN, D_ACCOUNT | D_MAIL, handle_unlock, NULL },
        { SESAME_REQ_CHECK, ADMIN, 0, handle_check, NULL },
        { SESAME_REQ_PASSWORD_SET, ADMIN, D_ACCOUNT | D_MAIL, handle_password_set, NULL },
        { SESAME_REQ_CONFIRM_SEND, ADMIN, D_ACCOUNT | D_MAIL, handle_confirm_send, NULL },
        { SESAME_REQ_PURGE_PENDING, ADMIN, 0, handle_purge_pending, NULL },
        /* logins: anyone may connect, a caller that is not root acts on
         * its own account only */
        /* only AUTH takes an address: the phases after it get the
         * user name (PAM_USER is set to it on success), which is what
         * NSS resolves and what they must resolve too */
        { SESAME_REQ_AUTH, PAM, D_ACCOUNT | D_SELF | D_MAIL, handle_auth, auth_unresolved },
        { SESAME_REQ_ACCOUNT, PAM, D_ACCOUNT | D_SELF, handle_account, NULL },
        { SESAME_REQ_CHAUTHTOK, PAM, D_ACCOUNT | D_SELF, handle_chauthtok, NULL },
        { SESAME_REQ_SESSION, PAM, D_ACCOUNT | D_SELF, handle_session, NULL },
        /* self-service for anonymous visitors, through sesame-web: the
         * handlers look accounts up themselves (no D_ACCOUNT), since
         * their answers must not tell whether one exists */
        { SESAME_REQ_WEB_RESET_REQUEST, WEB, 0, handle_web_reset_request, NULL },
        { SESAME_REQ_WEB_RESET_CHECK, WEB, 0, handle_web_reset_check, NULL },
        { SESAME_REQ_WEB_RESET_REDEEM, WEB, 0, handle_web_reset_redeem, NULL },
        { SESAME_REQ_WEB_CONFIRM_REQUEST, WEB, 0, handle_web_confirm_request, NULL },
        { SESAME_REQ_WEB_CONFIRM_REDEEM, WEB, 0, handle_web_confirm_redeem, NULL },
        /* self-registration: off unless [web] registration (the
         * handler answers DENIED then) */
        { SESAME_REQ_WEB_REGISTER, WEB, 0, handle_web_register, NULL },
};

enum peer_policy dispatch_peer_policy(enum sock_class cls)
{
        return cls < SOCK__MAX ? peer_policy[cls] : PEER_ROOT;
}

const struct dispatch_entry *dispatch_authorise(uint16_t opcode, enum sock_class cls, uid_t uid, uid_t web_uid)
{
        if (cls >= SOCK__MAX || (peer_policy[cls] == PEER_ROOT && uid != 0))
                return NULL;
        if (peer_policy[cls] == PEER_WEB && uid != 0 && (web_uid == DISPATCH_NO_UID || uid != web_uid))
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(dispatch); i++)
                if (dispatch[i].opcode == opcode)
                        return dispatch[i].classes & SOCK_BIT(cls) ? &dispatch[i] : NULL;
        return NULL;
}

bool dispatch_may_target(const struct dispatch_entry *d, uid_t uid, uint32_t target)
{
        if (!(d->flags & D_SELF))
                return true;
        return uid == 0 || uid == target;
}

/*
 * LOGIN to an account, the one rule for every request that names one: a
 * user name matched exactly, as NSS does; then, for a D_MAIL request
 * when no user has that name, an email address when it has an '@' and
 * mail logins are on (on admin.sock always: only root asks there).  The
 * name comes first because names may contain '@' too: the user eve@corp
 * is eve@corp, whoever has that address.  A local account is never
 * ours: answered NOTFOUND at once, so root still gets through the
 * account phase while the directory is down.  To a caller that is not
 * root, an unknown address looks like somebody else's (DENIED), so that
 * pam.sock does not tell which addresses exist (user names are public
 * anyway).  0 or an outcome.h value.
 */
static int resolve_login(struct client *cl, const struct dispatch_entry *d, const char *login, struct pwrec *pw)
{
        struct daemon_ctx *x = cl->ctx;
        bool mail = (d->flags & D_MAIL) && strchr(login, '@') &&
                    (x->conf->mail_login || cl->cls == SOCK_ADMIN);
        int r;

        if (localdb_has_user(x->acct.local, login, UINT32_MAX))
                return OUT_NOTFOUND;
        r = acct_user_byname(&x->acct, login, pw);
        if (r != OUT_NOTFOUND || !mail)
                return r;
        r = acct_user_bymail(&x->acct, login, pw);
        if (r == OUT_NOTFOUND && cl->cred.uid != 0)
                return OUT_DENIED;
        return r;
}

/* What an AUTH answered OK left on its connection (dispatch.h). */
struct login_memo {
        struct pwrec pw;
        struct acct_state st;
        uint64_t gen; /* of the generation it was read under */
        int64_t at;   /* now_ms() when it was left */
};

void dispatch_memo_drop(struct client *cl)
{
        struct login_memo *m = cl->memo;

        if (!m)
                return;
        cl->memo = NULL;
        pwrec_done(&m->pw);
        state_done(&m->st);
        free(m);
}

/* Leave @pw and c->kept on the connection (both moved there). */
static void memo_keep(struct call *c, struct pwrec *pw)
{
        struct login_memo *m = malloc(sizeof(*m));

        if (!m)
                return; /* the ACCOUNT reads them again */
        *m = (struct login_memo){ .pw = *pw, .st = c->kept, .gen = c->x->gen, .at = now_ms() };
        *pw = (struct pwrec){ 0 };
        c->kept = (struct acct_state){ .last_step = -1 };
        c->cl->memo = m;
}

/* The memo of @cl, if it may decide this ACCOUNT for @login: then the
 * account (moved into @pw) and its state (moved into @st) come from it,
 * and true.  The memo is gone from the connection either way. */
static bool memo_take(struct call *c, const char *login, struct pwrec *pw, struct acct_state *st)
{
        struct login_memo *m = c->cl->memo;
        bool fits = m && c->req->opcode == SESAME_REQ_ACCOUNT && m->gen == c->x->gen &&
                    now_ms() - m->at <= DISPATCH_MEMO_MS && strcmp(m->pw.name, login) == 0;

        if (fits) {
                *pw = m->pw;
                *st = m->st;
                m->pw = (struct pwrec){ 0 };
                m->st = (struct acct_state){ .last_step = -1 };
        }
        dispatch_memo_drop(c->cl);
        return fits;
}

/* Steps 2 and 3 for a D_ACCOUNT request, then the handler. */
static int call_with_account(const struct dispatch_entry *d, struct call *c)
{
        struct client *cl = c->cl;
        char login[SESAME_MAIL_MAX + 1], q[80];
        struct pwrec pw = { 0 };
        struct acct_state st = { .last_step = -1 };
        int r;

        if (!req_string(c->req, SESAME_F_LOGIN, login, sizeof(login))) {
                dispatch_memo_drop(cl);
                return client_end(cl, outcome_status(OUT_NOTFOUND), NULL);
        }
        c->login = login;
        c->started = now_ms();
        if (memo_take(c, login, &pw, &st))
                c->st = &st;
        else if ((r = resolve_login(cl, d, login, &pw)) != 0) {
                if (r != OUT_NOTFOUND && r != OUT_DENIED)
                        log_debug("uid %u pid %d: request 0x%04x: the account cannot be looked up: %s",
                                  (unsigned)cl->cred.uid, (int)cl->cred.pid, c->req->opcode, outcome_str(r));
                if (d->unresolved)
                        d->unresolved(c, r);
                return client_end(cl, outcome_status(r), NULL);
        }
        if (!dispatch_may_target(d, cl->cred.uid, pw.uid)) {
                log_refusal(LOG_NOTICE, "uid %u pid %d: request 0x%04x for %s (uid %u) denied: not its own account",
                            (unsigned)cl->cred.uid, (int)cl->cred.pid, c->req->opcode,
                            str_quote(pw.name, strlen(pw.name), q, sizeof(q)), pw.uid);
                pwrec_done(&pw);
                state_done(&st);
                return client_end(cl, outcome_status(OUT_DENIED), NULL);
        }
        c->pw = &pw;
        c->want_kept = cl->cls == SOCK_PAM;
        r = d->fn(c);
        if (c->keep && r >= 0)
                memo_keep(c, &pw);
        state_done(&c->kept);
        state_done(&st);
        pwrec_done(&pw);
        return r;
}

/* When the request being read must be answered by: the budget of its
 * socket class.  A login must be answered before pam_sesame gives up. */
int64_t dispatch_deadline(enum sock_class cls, const struct proto_msg *req, int64_t now)
{
        struct proto_field f;
        uint32_t ms;

        if (!proto_find(req, SESAME_F_DEADLINE_MS, &f))
                return cls == SOCK_PAM ? now + DISPATCH_PAM_BUDGET_MS : 0;
        ms = proto_field_u32(&f);
        /* the caller counted from before its send: keep back a little for
         * the way here and the way back of the answer */
        ms -= MIN(ms, MAX(ms / 20, (uint32_t)DISPATCH_DEADLINE_MARGIN_MS));
        if (ms == 0)
                return -1;
        return now + MIN(ms, (uint32_t)DISPATCH_DEADLINE_MAX_MS);
}

/* A request dropped unanswered, logged at most once every 10 s with the
 * count of the others since. */
static void log_dropped(const struct client *cl, uint16_t opcode, int64_t waited)
{
        log_refusal(LOG_NOTICE,
                    "uid %u pid %d: request 0x%04x dropped: its caller's deadline had passed (it waited %lld ms "
                    "for a worker)",
                    (unsigned)cl->cred.uid, (int)cl->cred.pid, opcode, (long long)waited);
}

/* A login request answered UNAVAIL (the directory down, busy, or too slow
 * for the caller's time), logged with the uid, throttled: lookups say so
 * in nsssrv.c. */
static void log_unavail(const struct client *cl, uint16_t opcode)
{
        log_refusal(LOG_WARNING,
                    "uid %u pid %d: request 0x%04x answered UNAVAIL: the directory could not answer in the "
                    "caller's time",
                    (unsigned)cl->cred.uid, (int)cl->cred.pid, opcode);
}

/*
 * A pam.sock request of a uid other than 0 takes a token of its rate
 * limit (ratelimit.h): each one costs binds and searches.  Over the limit,
 * it is answered UNAVAIL (pam_sesame: PAM_AUTHINFO_UNAVAIL, never
 * success), and that is logged, throttled, with the uid.
 */
static bool pam_metered(const struct client *cl, uint16_t opcode)
{
        const struct sesame_conf *conf = cl->ctx->conf;

        if (cl->cls != SOCK_PAM || opcode == SESAME_REQ_PING ||
            rate_take(cl->cred.uid, conf->rate_limit, conf->rate_burst, now_ms()))
                return true;
        log_refusal(LOG_WARNING,
                    "uid %u pid %d: request 0x%04x refused: over the rate limit of uids other than 0 "
                    "(rate_limit = %u a second)",
                    (unsigned)cl->cred.uid, (int)cl->cred.pid, opcode, conf->rate_limit);
        return false;
}

int dispatch_request(struct client *cl, const struct proto_msg *msg)
{
        const struct dispatch_entry *d;
        int64_t now = now_ms();
        int r;

        /* what an AUTH left serves the request right after it, if that
         * is an ACCOUNT (call_with_account()), and nothing later */
        if (msg->opcode != SESAME_REQ_ACCOUNT)
                dispatch_memo_drop(cl);
        d = dispatch_authorise(msg->opcode, cl->cls, cl->cred.uid,
                               cl->cls == SOCK_WEB ? web_peer_uid(cl->ctx) : DISPATCH_NO_UID);
        if (!d) {
                log_refusal(LOG_NOTICE, "uid %u pid %d: request 0x%04x not allowed here; closing",
                            (unsigned)cl->cred.uid, (int)cl->cred.pid, msg->opcode);
                return -EPERM;
        }
        struct call c = { .cl = cl, .x = cl->ctx, .req = msg, .kept = { .last_step = -1 } };
        /* counted from when the request was whole, not from when a
         * worker took it: the time it waited in the queue is the
         * caller's too */
        cl->deadline = dispatch_deadline(cl->cls, msg, cl->received);
        if (cl->deadline < 0 || (cl->deadline > 0 && now >= cl->deadline)) {
                /* nobody waits for the answer any more */
                log_dropped(cl, msg->opcode, now - cl->received);
                return -ETIME;
        }
        if (!pam_metered(cl, msg->opcode))
                return client_end(cl, SESAME_ST_UNAVAIL, NULL) < 0 ? -EPIPE : 0;
        /* bound the directory work of the request; but a lookup,
         * once started, runs to the end of its own per-operation
         * limits: its answer goes into the cache, where the
         * caller's retry finds it.  Waiting for a pooled
         * connection ends with the caller's time, whatever the
         * request; and lookups of users other than root leave
         * the reserved connections to root and logins. */
        dir_deadline_set(cl->cls == SOCK_NSS ? 0 : cl->deadline);
        dir_caller_set(cl->deadline, cl->cred.uid == 0 || cl->cls != SOCK_NSS);
        cl->status = UINT32_MAX;
        r = d->flags & D_ACCOUNT ? call_with_account(d, &c) : d->fn(&c);
        dir_deadline_set(0);
        dir_caller_set(0, true);
        if (cl->cls == SOCK_PAM && cl->status == SESAME_ST_UNAVAIL)
                log_unavail(cl, msg->opcode);
        return r < 0 ? r : 0;
}

int handle_ping(struct call *c)
{
        return client_end(c->cl, SESAME_ST_OK, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * authsrv.c - the pam.sock requests: AUTH, ACCOUNT, CHAUTHTOK, SESSION.
 *
 * Each request is worked out into a struct verdict whose status starts as
 * INTERNAL; only the one explicit success path at the end of each
 * function sets OK, so an error anywhere cannot answer OK by accident.
 * A failure below (outcome.h) becomes a status through outcome_status();
 * the statuses set here by name are this file's own decisions (a wrong
 * code, a refused account).
 * Who may ask about which account was settled before a handler runs
 * (dispatch.c): c->pw is the account LOGIN named, and a caller that is
 * not root only ever gets its own.
 *
 * Secrets (PASSWORD, NEWPASSWORD, CODE) are copied into buffers on the
 * stack that are wiped before the handler returns; dispatch.c wipes the
 * request frame.  They are never logged.  (libldap's own copy of a bind
 * password, in the BER buffer of the bind request, is freed by libldap
 * without being wiped; it does not outlive the request.)
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attempts.h"
#include "cache.h"
#include "conf.h"
#include "dir.h"
#include "events.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "outcome.h"
#include "quality.h"
#include "seal.h"
#include "ctx.h"
#include "dispatch.h"
#include "state.h"
#include "totp.h"
#include "util.h"

/* More ROLE fields than this in one request are refused (each costs a
 * directory search). */
#define ROLES_MAX 64

struct req_common {
        char login[SESAME_MAIL_MAX + 1];
        char service[SESAME_NAME_MAX + 1];
        char rhost[SESAME_TEXT_MAX + 1];
        char tty[SESAME_NAME_MAX + 1];
};

struct verdict {
        uint32_t status; /* SESAME_ST_*; INTERNAL until proven otherwise */
        uint32_t reason; /* SESAME_R_*, 0: none */
        uint32_t locked_until;
        const char *message;
        char msgbuf[SESAME_TEXT_MAX + 1];
        char user[SESAME_NAME_MAX + 1]; /* canonical name, for ANS_USER on OK */
};

static void req_common_parse(const struct proto_msg *req, struct req_common *c)
{
        if (!req_string(req, SESAME_F_LOGIN, c->login, sizeof(c->login)))
                c->login[0] = '\0';
        if (!req_string(req, SESAME_F_SERVICE, c->service, sizeof(c->service)))
                c->service[0] = '\0';
        if (!req_string(req, SESAME_F_RHOST, c->rhost, sizeof(c->rhost)))
                c->rhost[0] = '\0';
        if (!req_string(req, SESAME_F_TTY, c->tty, sizeof(c->tty)))
                c->tty[0] = '\0';
}

static void emit(struct client *cl, enum event ev, const char *user, const struct req_common *c, const char *reason)
{
        struct event_data d = {
                .user = user,
                .service = c && c->service[0] ? c->service : NULL,
                .rhost = c && c->rhost[0] ? c->rhost : NULL,
                .tty = c && c->tty[0] ? c->tty : NULL,
                .reason = reason,
        };

        event_emit(cl->ctx->conf, cl->ctx->hook_mask, ev, &d);
}

/*
 * What AUTH, ACCOUNT and CHAUTHTOK start with: the state of the account
 * (dispatch.c resolved and authorised it).  0, or why not (logged).  The
 * caller frees @st either way.
 */
static int load_state(struct call *c, struct acct_state *st)
{
        int r;

        if (c->st) {
                /* ACCOUNT right after AUTH: what AUTH read (dispatch.h) */
                *st = *c->st;
                *c->st = (struct acct_state){ .last_step = -1 };
                return 0;
        }
        r = state_read(c->x->dir, c->pw->dn, st);

        if (r != 0)
                log_error("user %s: cannot read its state: %s", c->pw->name, outcome_str(r));
        return r;
}

/*
 * acct_has_role(), its answer (member or not) kept in the answer cache
 * for [auth] role_ttl seconds under "rl:ROLE:USER" (neither name holds a
 * ':'), so that account checks repeated by a busy host or a flooding
 * local user cost the directory one search per role and user in that
 * time, not two per check.  Only a fresh answer is reused: when it has
 * expired and the directory cannot answer, the check fails as it would
 * without a cache (a role is never granted from a stale answer).
 */
static int has_role(struct daemon_ctx *x, const struct pwrec *pw, const char *role)
{
        uint32_t ttl = x->conf->role_ttl, st = 0;
        char key[2 * SESAME_NAME_MAX + 8];
        _cleanup_free_ uint8_t *data = NULL;
        size_t len = 0;
        bool fresh = false;
        int r;

        if (ttl == 0 || !x->cache || snprintf(key, sizeof(key), "rl:%s:%s", role, pw->name) >= (int)sizeof(key))
                return acct_has_role(&x->acct, pw, role);
        if (cache_get(x->cache, key, now_ms(), &data, &len, &st, &fresh) == 0 && fresh)
                return st == SESAME_ST_OK ? 0 : OUT_NOTFOUND;
        r = acct_has_role(&x->acct, pw, role);
        if (r == 0 || r == OUT_NOTFOUND)
                (void)cache_put(x->cache, key, outcome_status(r), NULL, 0, now_ms() + (int64_t)ttl * 1000);
        return r;
}

/*
 * The ROLE fields: 0 when there are none or the user has one of them;
 * OUT_NOTFOUND when it has none of them; OUT_INVALID for more than
 * ROLES_MAX of them; another outcome when that cannot be told.
 */
static int check_roles(struct daemon_ctx *x, const struct proto_msg *req, const struct pwrec *pw)
{
        struct proto_iter it;
        struct proto_field f;
        int st = 0, n = 0;

        proto_iter_init(&it, req);
        while (proto_iter_next(&it, &f)) {
                char role[SESAME_NAME_MAX + 1];
                int r;

                if (f.tag != SESAME_F_ROLE)
                        continue;
                if (++n > ROLES_MAX) {
                        log_warning("more than %d roles in one request; refusing", ROLES_MAX);
                        return OUT_INVALID;
                }
                if (st == 0)
                        st = OUT_NOTFOUND; /* there is a requirement */
                if (proto_field_str(&f, role, sizeof(role)) < 0)
                        continue;
                r = has_role(x, pw, role);
                if (r == 0)
                        return 0;
                if (r != OUT_NOTFOUND)
                        st = r; /* unknown yet: unless another role matches */
        }
        return st;
}

static void refuse_ppolicy(struct verdict *o)
{
        o->status = SESAME_ST_REFUSED;
        o->reason = SESAME_R_PPOLICY_LOCKED;
        o->message = "The account is locked by the directory's password policy.";
}

static void refuse_role(struct verdict *o)
{
        o->status = SESAME_ST_REFUSED;
        o->reason = SESAME_R_ROLE;
        o->message = "The account lacks the role this service requires.";
}

/*
 * The account's own state forbids a login now: disabled, self-registered
 * and not confirmed yet, expired, or an unconfirmed address where [auth]
 * require_confirmed_email.  Sets @o and
 * returns the event reason, or NULL.  Both AUTH (after the credentials
 * were verified, so a guesser learns nothing) and ACCOUNT apply it: some
 * applications (screen lockers) never run the account phase.
 */
static const char *refuse_state(const struct daemon_ctx *x, const struct acct_state *st, int64_t now,
                                struct verdict *o)
{
        if (st->disabled) {
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_DISABLED;
                o->message = "The account is disabled.";
                return "disabled";
        }
        /* whatever require_confirmed_email says: nobody has shown that
         * a self-registered account's address is its owner's */
        if (st->pending) {
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_PENDING;
                o->message = "The account is not active yet: its email address has not been confirmed.";
                return "pending";
        }
        if (state_expired(st, now)) {
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_EXPIRED;
                o->message = "The account has expired.";
                return "expired";
        }
        if (x->conf->require_confirmed_email && !st->confirmed) {
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_UNCONFIRMED;
                o->message = "The account's email address has not been confirmed.";
                return "unconfirmed";
        }
        return NULL;
}

/* Send the outcome: ANS_USER (only on OK), then END. */
static int answer(struct client *cl, const struct verdict *o)
{
        if (o->status == SESAME_ST_OK && o->user[0]) {
                uint8_t buf[64 + SESAME_NAME_MAX];
                struct proto_writer w;
                int r;

                proto_begin(&w, buf, sizeof(buf), SESAME_ANS_USER);
                if (proto_put_str(&w, SESAME_F_NAME, o->user) != 0)
                        return client_end(cl, SESAME_ST_INTERNAL, NULL);
                r = client_send_frame(cl, &w);
                if (r < 0)
                        return r;
        }
        return client_end_ex(cl, o->status, o->message, o->reason, o->locked_until);
}

/* ------------------------------------------------------------------ AUTH */

struct auth_req {
        struct req_common c;
        char password[SESAME_PASSWORD_MAX + 1];
        char code[SESAME_CODE_MAX + 1];
        uint32_t totp_mode;
};

/* Count the check of this login before it is made (check_password()):
 * 0 with the count after it in *@ret_count, or why it could not be. */
static int count_first(struct client *cl, const struct pwrec *pw, struct acct_state *st, int64_t now,
                       uint32_t *ret_count)
{
        struct daemon_ctx *x = cl->ctx;
        bool homeless;
        int r = attempts_count_begin(pw->dn, cl->deadline, &homeless);

        if (r != 0)
                return r;
        r = state_count_attempt(x->dir, x->conf, st, now, ret_count);
        attempts_count_end(pw->dn, homeless);
        attempts_written(pw->dn, r == 0);
        return r;
}

/* A wrong password or code (AUTH or CHAUTHTOK), counted before it was
 * checked (check_password()) or, for the uncounted check of a clean
 * window (attempts.h), now: lock when that attempt was the last the
 * window allows, tell the log and the hooks, answer AUTH_FAILED. */
static void auth_failure(struct client *cl, const struct req_common *rc, const struct pwrec *pw,
                         struct acct_state *st, int64_t now, const char *why, uint32_t reason, struct verdict *o)
{
        struct daemon_ctx *x = cl->ctx;
        int64_t until;
        int r;

        emit(cl, EV_LOGIN_FAILED, pw->name, rc, why);
        o->status = SESAME_ST_AUTH_FAILED;
        o->reason = reason;
        if (st->uncounted) {
                uint32_t count;

                st->uncounted = false;
                r = state_count_attempt(x->dir, x->conf, st, now, &count);
                /* without the standing, the next check is counted
                 * first, and not made if that fails too */
                attempts_written(pw->dn, r == 0);
                if (r != 0) {
                        log_error("user %s: the failure cannot be counted (%s): later checks are counted first",
                                  pw->name, outcome_str(r));
                        return;
                }
        }
        if (!state_failure_locks(st->failures, x->conf, now, &until) || state_locked(st, x->conf, now))
                return;
        r = state_lock(x->dir, x->conf, st, now);
        if (r != 0) {
                /* the count still refuses every further check */
                log_warning("user %s: the lock could not be written: %s", pw->name, outcome_str(r));
                return;
        }
        log_notice("user %s: %u failures; locked for %u s", pw->name, st->failures, x->conf->lockout_time);
        emit(cl, EV_LOCKOUT, pw->name, rc, why);
        /* only the attempt that reached the limit gets here: one mail */
        notify_user(x, NOTICE_ACCOUNT_LOCKED, pw, until);
}

/* A right password (and code): forget the attempts this login counted,
 * unless other attempts were counted since. */
static void forget_failures(struct daemon_ctx *x, const struct pwrec *pw, struct acct_state *st)
{
        int r;

        if (!st->has_failures && !st->has_failure_time && !st->has_locked_until)
                return;
        r = state_reset_failures(x->dir, st);
        if (r == 0)
                attempts_written(pw->dn, true);
        if (r == OUT_CONFLICT)
                log_debug("user %s: failures were counted meanwhile; they stay", pw->name);
        else if (r != 0)
                log_warning("user %s: the failure count could not be reset: %s", pw->name, outcome_str(r));
}

/*
 * The password of AUTH and CHAUTHTOK: 0 when it is right (what the
 * directory's password policy said about it in @pp); else @o holds the
 * answer.  The check is counted before it is made, so that at most
 * max_failures checks per window reach the directory however many run
 * at once; a check that cannot be counted is not made (fail closed).
 * The one exception is the uncounted check of a clean window (@st
 * uncounted, attempts.h), counted by auth_failure() if it fails.  A
 * locked account gets the answer of a wrong password, so that a
 * guesser learns nothing; the journal says why.
 */
static int check_password(struct client *cl, const struct req_common *rc, const struct pwrec *pw,
                          struct acct_state *st, int64_t now, const char *password, struct dir_ppolicy *pp,
                          struct verdict *o)
{
        struct daemon_ctx *x = cl->ctx;
        uint32_t count = 0;
        int r;

        if (state_locked(st, x->conf, now)) {
                emit(cl, EV_LOGIN_FAILED, pw->name, rc, "locked");
                o->status = SESAME_ST_AUTH_FAILED;
                return OUT_DENIED;
        }
        if (!password[0]) {
                /* an empty simple bind would be anonymous: never sent */
                emit(cl, EV_LOGIN_FAILED, pw->name, rc, "empty-password");
                o->status = SESAME_ST_AUTH_FAILED;
                return OUT_DENIED;
        }
        r = st->uncounted ? 0 : count_first(cl, pw, st, now, &count);
        if (r != 0) {
                log_error("user %s: the attempt cannot be counted (%s): the password is not checked", pw->name,
                          outcome_str(r));
                emit(cl, EV_LOGIN_FAILED, pw->name, rc, "uncounted");
                o->status = outcome_status(OUT_UNAVAIL);
                return r;
        }
        if (!st->uncounted && count > x->conf->max_failures) {
                /* the window's checks are spent (by logins still under
                 * way, maybe on other hosts): that is a lock */
                emit(cl, EV_LOGIN_FAILED, pw->name, rc, "locked");
                o->status = SESAME_ST_AUTH_FAILED;
                r = state_lock(x->dir, x->conf, st, now);
                if (r != 0)
                        log_warning("user %s: the lock could not be written: %s", pw->name, outcome_str(r));
                return OUT_DENIED;
        }
        r = dir_user_bind(x->dir, pw->dn, password, pp);
        if (r == OUT_BAD_CREDENTIALS && pp->expired) {
                /* the right password, which the directory's policy says
                 * has expired (no grace logins left): no failure */
                forget_failures(x, pw, st);
                emit(cl, EV_LOGIN_FAILED, pw->name, rc, "password-expired");
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_PASSWORD_EXPIRED;
                o->message = "Your password has expired; ask an administrator to reset it.";
                return r;
        }
        if (r == OUT_BAD_CREDENTIALS) {
                /* a lock of the directory's policy answers as a wrong
                 * password, as sesamed's own does (slapd says accountLocked
                 * only with ppolicy_use_lockout; else the lock's attribute
                 * tells the journal) */
                auth_failure(cl, rc, pw, st, now,
                             pp->locked || st->ppolicy_locked ? "ppolicy-locked" : "bad-password", 0, o);
                return r;
        }
        if (r != 0)
                o->status = outcome_status(r);
        return r;
}

static bool has_recovery(const struct acct_state *st, const char *hash)
{
        size_t n = strlen(hash);
        bool found = false;

        for (size_t i = 0; i < st->n_recovery; i++)
                if (strlen(st->recovery[i]) == n && sodium_memcmp(st->recovery[i], hash, n) == 0)
                        found = true;
        return found;
}

/* The result @r of spending a code (@what: "TOTP code", "recovery
 * code") in the directory: whether it is this login's.  A concurrent
 * login that spent it first makes this one fail. */
static bool code_spent(struct client *cl, const struct auth_req *rq, const struct pwrec *pw, int r,
                       const char *what, struct verdict *o)
{
        if (r == 0)
                return true;
        if (r == OUT_CONFLICT) {
                log_notice("user %s: the %s was used by another login at the same time", pw->name, what);
                emit(cl, EV_LOGIN_FAILED, pw->name, &rq->c, "code-reused");
                o->status = SESAME_ST_AUTH_FAILED;
                return false;
        }
        log_error("user %s: the %s could not be spent: %s", pw->name, what, outcome_str(r));
        o->status = outcome_status(r);
        return false;
}

/* A code of TOTP syntax against the account's seed @seed (@p): whether
 * it passed; the accepted step has been written (compare-and-swap)
 * before this returns true. */
static bool auth_totp(struct client *cl, const struct auth_req *rq, const struct pwrec *pw, struct acct_state *st,
                      int64_t now, const struct totp_params *p, const uint8_t *seed, size_t slen, struct verdict *o)
{
        struct daemon_ctx *x = cl->ctx;
        int64_t step = -1;
        int r = totp_check(p, seed, slen, rq->code, now, x->conf->totp_window,
                         state_last_step(st, now, p->period), &step);

        if (r == OUT_BAD_CREDENTIALS) {
                auth_failure(cl, &rq->c, pw, st, now, "bad-code", 0, o);
                return false;
        }
        if (r < 0) {
                log_error("user %s: TOTP check failed: %s", pw->name, outcome_str(r));
                return false; /* INTERNAL */
        }
        /* the step is ours only once the directory says so */
        return code_spent(cl, rq, pw, state_cas_last_step(x->dir, st, step), "TOTP code", o);
}

/* A code that is not of TOTP syntax: maybe a recovery code.  Whether it
 * passed; the code has been deleted before this returns true. */
static bool auth_recovery(struct client *cl, const struct auth_req *rq, const struct pwrec *pw,
                          struct acct_state *st, int64_t now, struct verdict *o)
{
        struct daemon_ctx *x = cl->ctx;
        char hash[RECOVERY_HASH_LEN];
        int r = recovery_hash(x->key, pw->dn, rq->code, hash);

        if (r < 0 || !has_recovery(st, hash)) {
                auth_failure(cl, &rq->c, pw, st, now, "bad-code", 0, o);
                sodium_memzero(hash, sizeof(hash));
                return false;
        }
        r = state_use_recovery(x->dir, st, hash);
        sodium_memzero(hash, sizeof(hash));
        if (!code_spent(cl, rq, pw, r, "recovery code", o))
                return false;
        emit(cl, EV_RECOVERY_USED, pw->name, &rq->c, NULL);
        log_notice("user %s used a recovery code; %zu left", pw->name, st->n_recovery);
        return true;
}

/*
 * The second factor, per TOTP_MODE.  Whether it passed (or was not
 * needed); when not, @o holds the answer.  A code of TOTP syntax is a
 * TOTP code (auth_totp()), any other a recovery code (auth_recovery()).
 */
static bool auth_code(struct client *cl, const struct auth_req *rq, const struct pwrec *pw, struct acct_state *st,
                      int64_t now, struct verdict *o)
{
        struct daemon_ctx *x = cl->ctx;
        uint8_t payload[TOTP_PACK_MAX], seed[TOTP_SEED_MAX];
        struct totp_params p;
        size_t plen = 0, slen = 0;
        bool ok;
        int r;

        if (rq->totp_mode == SESAME_TOTP_OFF)
                return true;
        if (!st->totp_secret) {
                if (rq->totp_mode == SESAME_TOTP_OPTIONAL)
                        return true;
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_NO_TOTP;
                o->message = "This service requires a TOTP code, and the account has no TOTP enrolled.";
                emit(cl, EV_LOGIN_FAILED, pw->name, &rq->c, "no-totp");
                return false;
        }
        if (!x->key) {
                log_error("user %s has TOTP, but the TOTP key is not loaded (%s): refusing", pw->name,
                          x->key_error);
                o->status = SESAME_ST_INTERNAL;
                o->message = "TOTP key not loaded";
                return false;
        }
        if (!rq->code[0]) {
                auth_failure(cl, &rq->c, pw, st, now, "code-needed", SESAME_R_CODE_NEEDED, o);
                o->message = "A TOTP code is needed.";
                return false;
        }
        r = unseal_value(x->key, pw->name, st->totp_secret, payload, sizeof(payload), &plen);
        if (r == 0)
                r = totp_unpack(payload, plen, &p, seed, &slen);
        sodium_memzero(payload, sizeof(payload));
        if (r < 0) {
                log_error("user %s: the TOTP seed cannot be opened (wrong key, damaged, or copied from another "
                          "entry): refusing",
                          pw->name);
                o->status = SESAME_ST_INTERNAL;
                o->message = "The TOTP seed of this account cannot be used.";
                sodium_memzero(seed, sizeof(seed));
                return false;
        }
        if (!totp_code_syntax(rq->code, p.digits)) {
                sodium_memzero(seed, sizeof(seed)); /* not needed for a recovery code */
                return auth_recovery(cl, rq, pw, st, now, o);
        }
        ok = auth_totp(cl, rq, pw, st, now, &p, seed, slen, o);
        sodium_memzero(seed, sizeof(seed));
        return ok;
}

/* No failure counted in the window that is open at @now, and no lock:
 * a check may be made uncounted (attempts.h). */
static bool clean_window(const struct daemon_ctx *x, const struct acct_state *st, int64_t now)
{
        struct failure_plan plan;

        state_failure_plan(st, x->conf, now, &plan);
        return plan.new_window && !state_locked(st, x->conf, now);
}

/* Whether this login's check may be made uncounted: the account's slot
 * on this host ([auth] strict_count = no), taken before its state is
 * read, so that the read sees every check counted on this host
 * (attempts.h); attempts_release() it. */
static bool take_slot(struct daemon_ctx *x, const struct pwrec *pw)
{
        enum attempts_claim claim;
        int r;

        if (x->conf->strict_count)
                return false;
        claim = attempts_claim(pw->dn);
        if (claim != ATTEMPTS_UNPROVEN)
                return claim == ATTEMPTS_CLAIMED;
        /* this sesamed's first login of the account: may it write the
         * count at all?  (no: every check is counted first, and so none
         * is made) */
        r = state_probe_failures(x->dir, pw->dn);
        if (r != 0 && r != OUT_ACCESS)
                return false;
        attempts_written(pw->dn, r == 0);
        return r == 0 && attempts_claim(pw->dn) == ATTEMPTS_CLAIMED;
}

static void auth_run(struct call *c, const struct auth_req *rq, struct verdict *o)
{
        struct client *cl = c->cl;
        struct daemon_ctx *x = c->x;
        const struct pwrec *pw = c->pw;
        struct acct_state st = { .last_step = -1 };
        struct dir_ppolicy pp;
        int64_t now = (int64_t)time(NULL);
        const char *why;
        bool slot = false;
        int r;

        if (rq->totp_mode > SESAME_TOTP_REQUIRED) {
                o->status = outcome_status(OUT_INVALID);
                o->message = "unknown TOTP_MODE";
                return;
        }
        /* before the state is read (take_slot()) */
        slot = take_slot(x, pw);
        r = load_state(c, &st);
        if (r != 0) {
                o->status = outcome_status(r);
                goto out;
        }
        if (slot && clean_window(x, &st, now))
                st.uncounted = true;
        else if (slot) {
                attempts_release(pw->dn);
                slot = false;
        }
        /* (a lock of the directory's policy is the directory's to
         * decide, at the bind: it may have ended) */
        if (check_password(cl, &rq->c, pw, &st, now, rq->password, &pp, o) != 0)
                goto out;
        if (!auth_code(cl, rq, pw, &st, now, o))
                goto out;
        why = refuse_state(x, &st, now, o);
        if (why) {
                emit(cl, EV_LOGIN_FAILED, pw->name, &rq->c, why);
                goto out;
        }
        r = check_roles(x, c->req, pw);
        if (r == OUT_NOTFOUND) {
                refuse_role(o);
                emit(cl, EV_LOGIN_FAILED, pw->name, &rq->c, "role");
                goto out;
        }
        if (r != 0) {
                o->status = outcome_status(r);
                goto out;
        }
        st.uncounted = false; /* nothing to count */
        forget_failures(x, pw, &st);
        if (strcpy_bounded(o->user, sizeof(o->user), pw->name) < 0)
                goto out;
        if (pp.grace >= 0) {
                (void)snprintf(o->msgbuf, sizeof(o->msgbuf),
                               "Your password has expired; %d more logins with it remain. Change it now.",
                               (int)pp.grace);
                o->message = o->msgbuf;
        }
        emit(cl, EV_LOGIN, pw->name, &rq->c, NULL);
        o->status = SESAME_ST_OK; /* the only way to OK */
        if (c->want_kept) {
                /* for the ACCOUNT that may follow on this connection */
                c->kept = st;
                c->keep = true;
                st = (struct acct_state){ .last_step = -1 };
        }
out:
        if (slot)
                attempts_release(pw->dn);
        state_done(&st);
}

/* Hold a failed AUTH back until AUTH_FAILURE_FLOOR_MS after its work
 * began, but never past the caller's deadline. */
static void failure_floor(const struct call *c)
{
        int64_t until = c->started + AUTH_FAILURE_FLOOR_MS;
        int64_t now = now_ms();

        if (c->cl->deadline > 0)
                until = MIN(until, c->cl->deadline);
        while (now < until) {
                struct timespec ts = { .tv_sec = (until - now) / 1000, .tv_nsec = (until - now) % 1000 * 1000000 };

                (void)nanosleep(&ts, NULL);
                now = now_ms();
        }
}

/* LOGIN named no account (or, to a caller that is not root, an address
 * that is not its own). */
void auth_unresolved(struct call *c, int r)
{
        struct req_common rc;

        /* answered after the floor, as a wrong password is */
        failure_floor(c);
        if (r != OUT_NOTFOUND)
                return;
        req_common_parse(c->req, &rc);
        emit(c->cl, EV_LOGIN_FAILED, c->login, &rc, "unknown-user");
}

int handle_auth(struct call *c)
{
        const struct proto_msg *req = c->req;
        struct auth_req rq = { 0 };
        struct verdict o = { .status = SESAME_ST_INTERNAL };

        req_common_parse(req, &rq.c);
        rq.totp_mode = proto_get_u32(req, SESAME_F_TOTP_MODE, UINT32_MAX);
        if (!req_string(req, SESAME_F_PASSWORD, rq.password, sizeof(rq.password)))
                rq.password[0] = '\0';
        if (!req_string(req, SESAME_F_CODE, rq.code, sizeof(rq.code)))
                rq.code[0] = '\0';
        auth_run(c, &rq, &o);
        sodium_memzero(&rq, sizeof(rq));
        if (o.status != SESAME_ST_OK)
                failure_floor(c);
        return answer(c->cl, &o);
}

/* --------------------------------------------------------------- ACCOUNT */

static void account_run(struct call *c, const struct req_common *rc, struct verdict *o)
{
        struct daemon_ctx *x = c->x;
        const struct pwrec *pw = c->pw;
        struct acct_state st = { .last_step = -1 };
        int64_t now = (int64_t)time(NULL);
        const char *why = NULL;
        int r;

        r = load_state(c, &st);
        if (r != 0) {
                o->status = outcome_status(r);
                goto out;
        }
        /* not the failure lock: it guards password and code checks, and
         * a login that made none (a key) must not be refused because
         * somebody else guessed at the password */
        why = refuse_state(x, &st, now, o);
        if (why) {
                /* said above */
        } else if (st.ppolicy_admin_lock) {
                /* only the policy's administrative lock: its lock after
                 * failures, like sesamed's, guards passwords only */
                refuse_ppolicy(o);
                why = "ppolicy-locked";
        } else if (st.must_change) {
                o->status = SESAME_ST_REFUSED;
                o->reason = SESAME_R_MUST_CHANGE;
                o->message = "You must change your password now.";
                why = "must-change";
        } else {
                r = check_roles(x, c->req, pw);
                if (r == OUT_NOTFOUND) {
                        refuse_role(o);
                        why = "role";
                } else if (r != 0) {
                        o->status = outcome_status(r);
                        goto out;
                }
        }
        if (why) {
                emit(c->cl, EV_ACCOUNT_REFUSED, pw->name, rc, why);
                goto out;
        }
        if (strcpy_bounded(o->user, sizeof(o->user), pw->name) < 0)
                goto out;
        o->status = SESAME_ST_OK; /* the only way to OK */
out:
        state_done(&st);
}

int handle_account(struct call *c)
{
        struct req_common rc;
        struct verdict o = { .status = SESAME_ST_INTERNAL };

        req_common_parse(c->req, &rc);
        account_run(c, &rc, &o);
        return answer(c->cl, &o);
}

/* ------------------------------------------------------------- CHAUTHTOK */

struct chauthtok_req {
        struct req_common c;
        char oldpw[SESAME_PASSWORD_MAX + 1];
        char newpw[SESAME_PASSWORD_MAX + 1];
        bool has_new;
};

static void chauthtok_run(struct call *c, struct chauthtok_req *rq, struct verdict *o)
{
        struct client *cl = c->cl;
        struct daemon_ctx *x = c->x;
        const struct pwrec *pw = c->pw;
        struct acct_state st = { .last_step = -1 };
        int64_t now = (int64_t)time(NULL);
        const char *why;
        int r;

        r = load_state(c, &st);
        if (r != 0) {
                o->status = outcome_status(r);
                goto out;
        }
        /* the old password, checked (and counted) like a login */
        if (check_password(cl, &rq->c, pw, &st, now, rq->oldpw, &(struct dir_ppolicy){ 0 }, o) != 0)
                goto out;
        forget_failures(x, pw, &st);
        /* an account that may not log in may not set a password either */
        why = refuse_state(x, &st, now, o);
        if (why) {
                emit(cl, EV_ACCOUNT_REFUSED, pw->name, &rq->c, why);
                goto out;
        }
        if (!rq->has_new) {
                o->status = SESAME_ST_OK; /* the old password is right: all that was asked */
                goto out;
        }
        r = pw_quality_check(x->conf, pw->name, rq->oldpw, rq->newpw, o->msgbuf, sizeof(o->msgbuf));
        if (r < 0) {
                o->status = SESAME_ST_BAD_PASSWORD;
                o->message = o->msgbuf[0] ? o->msgbuf : "The new password does not meet the rules.";
                goto out;
        }
        r = dir_passwd(x->dir, pw->dn, rq->oldpw, rq->newpw, o->msgbuf, sizeof(o->msgbuf));
        if (r != 0) {
                /* OUT_PASSWORD_POLICY: BAD_PASSWORD with the directory's
                 * words; OUT_BAD_CREDENTIALS: AUTH_FAILED */
                o->status = outcome_status(r);
                if (r == OUT_PASSWORD_POLICY)
                        o->message = o->msgbuf;
                else if (r == OUT_ACCESS)
                        o->message = "The directory does not allow this password change.";
                goto out;
        }
        log_notice("user %s changed the password (uid %u pid %d, service %s)", pw->name, (unsigned)cl->cred.uid,
                   (int)cl->cred.pid, rq->c.service);
        r = state_new_token_stamp(x->dir, &st);
        if (r != 0)
                log_error("user %s: the token stamp could not be renewed: %s", pw->name, outcome_str(r));
        emit(cl, EV_PASSWORD_CHANGED, pw->name, &rq->c, NULL);
        notify_user(x, NOTICE_PASSWORD_CHANGED, pw, 0);
        o->status = SESAME_ST_OK; /* the only way to OK with a new password */
out:
        state_done(&st);
}

int handle_chauthtok(struct call *c)
{
        const struct proto_msg *req = c->req;
        struct chauthtok_req rq = { 0 };
        struct verdict o = { .status = SESAME_ST_INTERNAL };

        req_common_parse(req, &rq.c);
        if (!req_string(req, SESAME_F_PASSWORD, rq.oldpw, sizeof(rq.oldpw)))
                rq.oldpw[0] = '\0';
        rq.has_new = req_string(req, SESAME_F_NEWPASSWORD, rq.newpw, sizeof(rq.newpw));
        chauthtok_run(c, &rq, &o);
        sodium_memzero(&rq, sizeof(rq));
        o.user[0] = '\0'; /* CHAUTHTOK answers END only */
        return answer(c->cl, &o);
}

/* --------------------------------------------------------------- SESSION */

static void session_run(struct call *c, const struct req_common *rc, struct verdict *o)
{
        struct daemon_ctx *x = c->x;
        const struct pwrec *pw = c->pw;
        uint32_t action = proto_get_u32(c->req, SESAME_F_ACTION, 0);
        int r;

        if (action != SESAME_SESSION_OPEN && action != SESAME_SESSION_CLOSE) {
                o->message = "unknown ACTION";
                return;
        }
        emit(c->cl, action == SESAME_SESSION_OPEN ? EV_SESSION_OPEN : EV_SESSION_CLOSE, pw->name, rc, NULL);
        if (action == SESAME_SESSION_OPEN && x->conf->track_logins) {
                struct acct_state st = { .last_step = -1 };

                r = state_read(x->dir, pw->dn, &st);
                if (r == 0)
                        r = state_track_login(x->dir, &st, (int64_t)time(NULL));
                if (r != 0)
                        log_warning("user %s: the login could not be recorded: %s", pw->name, outcome_str(r));
                state_done(&st);
        }
        o->status = SESAME_ST_OK;
}

int handle_session(struct call *c)
{
        struct req_common rc;
        struct verdict o = { .status = SESAME_ST_INTERNAL };

        req_common_parse(c->req, &rc);
        session_run(c, &rc, &o);
        o.user[0] = '\0'; /* SESSION answers END only */
        return answer(c->cl, &o);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adminsrv.c - the admin.sock requests of sesamectl (root only:
 * dispatch.c checks the peer): show an account, TOTP enrolment and
 * activation, recovery codes, unlock, a password set by the
 * administrator, a confirmation mail, a health check, and a cache flush.
 *
 * LOGIN is a user name, or an email address when it has an '@' (here
 * regardless of [auth] mail_login: only root asks); dispatch.c resolves it.
 *
 * Seeds, their base32 text, the otpauth URI and recovery codes exist in
 * this process only while a request builds its answer; every buffer that
 * held one is wiped (the answer frames included).
 *
 * Each handler works out an outcome.h value and answers its
 * outcome_status(); a failure to send an answer frame closes the
 * connection instead (the handler returns the negative errno).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "dir-web.h"
#include "dir.h"
#include "events.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "outcome.h"
#include "quality.h"
#include "seal.h"
#include "cache.h"
#include "ctx.h"
#include "dispatch.h"
#include "enumsnap.h"
#include "state.h"
#include "tokens.h"
#include "totp.h"
#include "util.h"
#include "websrv.h"

/* An account and its state, for one request. */
struct target {
        const struct pwrec *pw; /* resolved by dispatch.c */
        struct acct_state st;
};

static void target_done(struct target *t) { state_done(&t->st); }

static uint32_t clamp_u32(int64_t v) { return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

/* The account of the request and its state: 0, or why not (logged). */
static int target_get(struct call *c, struct target *t)
{
        int r;

        *t = (struct target){ .pw = c->pw, .st = { .last_step = -1 } };
        r = state_read(c->x->dir, t->pw->dn, &t->st);
        if (r != 0)
                log_error("user %s: cannot read its state: %s", t->pw->name, outcome_str(r));
        return r;
}

static void emit(struct client *cl, enum event ev, const char *user)
{
        struct event_data d = { .user = user, .service = "sesamectl" };

        event_emit(cl->ctx->conf, cl->ctx->hook_mask, ev, &d);
}

/* The answer to a TOTP request while the TOTP key is not loaded. */
static int answer_no_key(struct client *cl)
{
        char msg[SESAME_TEXT_MAX];

        (void)snprintf(msg, sizeof(msg), "TOTP key not loaded: %s", cl->ctx->key_error);
        return client_end(cl, SESAME_ST_INTERNAL, msg);
}

/* Open a sealed seed of @name: 0 and @p, @seed, *@slen; -EINVAL. */
static int open_seed(const struct seal_key *k, const char *name, const char *sealed, struct totp_params *p,
                     uint8_t seed[TOTP_SEED_MAX], size_t *slen)
{
        uint8_t payload[TOTP_PACK_MAX];
        size_t plen = 0;
        int r = unseal_value(k, name, sealed, payload, sizeof(payload), &plen);

        if (r == 0)
                r = totp_unpack(payload, plen, p, seed, slen);
        sodium_memzero(payload, sizeof(payload));
        if (r < 0)
                sodium_memzero(seed, TOTP_SEED_MAX);
        return r < 0 ? -EINVAL : 0;
}

/* ------------------------------------------------------------ USER_SHOW */

/* USERINFO of @t (with @roles) into @w, a frame in @buf: 0, or -EINVAL
 * when the protocol does not take a field that must be there. */
static int userinfo_build(const struct daemon_ctx *x, const struct target *t, char **roles, size_t n_roles,
                          uint8_t *buf, struct proto_writer *w)
{
        int64_t now = (int64_t)time(NULL);
        uint32_t flags = 0, failures = state_failures(&t->st, x->conf, now);
        struct totp_params p = { 0 };
        uint8_t seed[TOTP_SEED_MAX];
        size_t slen = 0;
        bool bad = false, seed_ok = t->st.totp_secret && x->key &&
                                    open_seed(x->key, t->pw->name, t->st.totp_secret, &p, seed, &slen) == 0;

        sodium_memzero(seed, sizeof(seed)); /* only its parameters are shown */
        if (t->st.totp_secret && x->key && !seed_ok)
                log_error("user %s: the TOTP seed cannot be opened (wrong key, damaged, or copied from another "
                          "entry)",
                          t->pw->name);
        if (t->st.confirmed)
                flags |= SESAME_UF_CONFIRMED;
        if (state_locked(&t->st, x->conf, now))
                flags |= SESAME_UF_LOCKED;
        if (state_implausible(&t->st, x->conf, now, seed_ok ? p.period : 0))
                flags |= SESAME_UF_CLOCK_AHEAD;
        if (t->st.ppolicy_locked)
                flags |= SESAME_UF_PPOLICY_LOCKED;
        if (t->st.totp_secret)
                flags |= SESAME_UF_TOTP;
        if (t->st.totp_pending)
                flags |= SESAME_UF_TOTP_PENDING;
        if (t->st.disabled)
                flags |= SESAME_UF_DISABLED;
        if (t->st.pending)
                flags |= SESAME_UF_PENDING;
        if (state_expired(&t->st, now))
                flags |= SESAME_UF_EXPIRED;

        proto_begin(w, buf, SESAME_BUF_MAX, SESAME_ANS_USERINFO);
        bad |= proto_put_str(w, SESAME_F_NAME, t->pw->name) != 0;
        bad |= proto_put_u32(w, SESAME_F_UID, t->pw->uid) != 0;
        if (t->pw->mail && proto_put_str(w, SESAME_F_MAIL, t->pw->mail) != 0)
                log_notice("user %s: mail address not shown (too long or not UTF-8)", t->pw->name);
        bad |= proto_put_u32(w, SESAME_F_FLAGS, flags) != 0;
        if (t->st.has_last_login)
                bad |= proto_put_u32(w, SESAME_F_LAST_LOGIN, clamp_u32(t->st.last_login)) != 0;
        if (t->st.has_login_count)
                bad |= proto_put_u32(w, SESAME_F_LOGIN_COUNT, t->st.login_count) != 0;
        if (failures > 0)
                bad |= proto_put_u32(w, SESAME_F_FAILURES, failures) != 0;
        if (state_locked(&t->st, x->conf, now))
                bad |= proto_put_u32(w, SESAME_F_LOCKED_UNTIL, clamp_u32(t->st.locked_until)) != 0;
        if (seed_ok) {
                bad |= proto_put_u32(w, SESAME_F_TOTP_ALG, p.alg) != 0;
                bad |= proto_put_u32(w, SESAME_F_TOTP_DIGITS, p.digits) != 0;
        }
        bad |= proto_put_u32(w, SESAME_F_RECOVERY_LEFT, (uint32_t)t->st.n_recovery) != 0;
        for (size_t i = 0; !bad && i < n_roles; i++) {
                if (proto_put_str(w, SESAME_F_ROLE, roles[i]) == SESAME_E_FULL) {
                        log_notice("user %s: %zu groups do not fit one answer; %zu shown", t->pw->name, n_roles, i);
                        break;
                }
                /* a group name the protocol does not take is left out */
        }
        return bad ? -EINVAL : 0;
}

int handle_user_show(struct call *c)
{
        struct client *cl = c->cl;
        struct target t;
        uint8_t *buf = NULL;
        struct proto_writer w;
        char **roles = NULL;
        size_t n_roles = 0;
        int r, q = 0;

        r = target_get(c, &t);
        if (r == 0)
                r = acct_user_groups(&c->x->acct, t.pw, &roles, &n_roles);
        if (r == 0 && !(buf = malloc(SESAME_BUF_MAX)))
                r = -ENOMEM;
        if (r == 0)
                r = userinfo_build(c->x, &t, roles, n_roles, buf, &w);
        if (r == 0)
                q = client_send_frame(cl, &w);
        free(buf);
        strv_free(roles, n_roles);
        target_done(&t);
        if (q < 0)
                return q;
        return client_end(cl, outcome_status(r), NULL);
}

/* ---------------------------------------------------------- TOTP_ENROLL */

/*
 * A new seed with @p for @t: sealed and stored as its pending seed, and
 * its base32 text and otpauth URI put into @w, a frame in @frame (which
 * the caller wipes).  0, or why not (*@msg may say more).
 */
static int enroll(struct call *c, struct target *t, const struct totp_params *p, uint8_t *frame,
                  struct proto_writer *w, const char **msg)
{
        struct daemon_ctx *x = c->x;
        uint8_t seed[TOTP_SEED_MAX], packed[TOTP_PACK_MAX];
        char b32[TOTP_B32_MAX];
        _cleanup_free_ char *sealed = NULL;
        _cleanup_erase_ char *uri = NULL;
        size_t slen, plen;
        int r = -ENOMEM;

        slen = totp_new_seed(p->alg, seed);
        plen = totp_pack(p, seed, slen, packed);
        sealed = plen ? seal_value(x->key, t->pw->name, packed, plen) : NULL;
        if (slen && totp_base32(seed, slen, b32, sizeof(b32)) == 0)
                uri = totp_uri(p, x->conf->totp_issuer, t->pw->name, b32);
        if (!slen || !sealed || !uri)
                goto out;
        proto_begin(w, frame, SESAME_BUF_MAX, SESAME_ANS_TOTP);
        if (proto_put_str(w, SESAME_F_NAME, t->pw->name) != 0 || proto_put_str(w, SESAME_F_SECRET, b32) != 0 ||
            proto_put_str(w, SESAME_F_URI, uri) != 0) {
                *msg = "the otpauth URI is too long (shorten [totp] issuer)";
                r = -EMSGSIZE;
                goto out;
        }
        /* stored first: the seed is shown only once it is pending */
        r = state_set_pending(x->dir, &t->st, sealed);
        if (r != 0)
                log_error("user %s: the pending TOTP seed could not be stored: %s", t->pw->name, outcome_str(r));
out:
        sodium_memzero(seed, sizeof(seed));
        sodium_memzero(packed, sizeof(packed));
        sodium_memzero(b32, sizeof(b32));
        return r;
}

int handle_totp_enroll(struct call *c)
{
        struct client *cl = c->cl;
        const struct proto_msg *req = c->req;
        struct daemon_ctx *x = c->x;
        struct totp_params p = {
                .alg = proto_get_u32(req, SESAME_F_TOTP_ALG, (uint32_t)x->conf->totp_algorithm),
                .digits = proto_get_u32(req, SESAME_F_TOTP_DIGITS, x->conf->totp_digits),
                .period = x->conf->totp_period,
        };
        struct proto_writer w;
        struct target t;
        const char *msg = NULL;
        uint8_t *frame;
        int r, q = 0;

        if (!x->key)
                return answer_no_key(cl);
        if (p.alg > SESAME_ALG_SHA512)
                return client_end(cl, outcome_status(OUT_INVALID), "unknown TOTP algorithm");
        if (p.digits < 6 || p.digits > 8)
                return client_end(cl, outcome_status(OUT_INVALID), "TOTP codes have 6, 7 or 8 digits");
        frame = malloc(SESAME_BUF_MAX);
        if (!frame)
                return client_end(cl, outcome_status(-ENOMEM), NULL);
        r = target_get(c, &t);
        if (r == 0)
                r = enroll(c, &t, &p, frame, &w, &msg);
        if (r == 0)
                q = client_send_frame(cl, &w);
        sodium_memzero(frame, SESAME_BUF_MAX);
        free(frame);
        if (r == 0 && q == 0)
                log_notice("user %s: TOTP enrolment started (pending until a code activates it)", t.pw->name);
        target_done(&t);
        if (q < 0)
                return q;
        return client_end(cl, outcome_status(r), msg);
}

/* -------------------------------------------------------- TOTP_ACTIVATE */

/*
 * The CODE of the request against the pending seed of @t, and on a match
 * the activation.  The status to answer; *@msg says why when not OK.
 */
static uint32_t activate(struct call *c, struct target *t, const char **msg)
{
        struct daemon_ctx *x = c->x;
        char code[SESAME_CODE_MAX + 1] = "";
        uint8_t seed[TOTP_SEED_MAX];
        struct totp_params p;
        size_t slen = 0;
        int64_t step = -1;
        uint32_t st = SESAME_ST_INTERNAL;
        int r;

        if (!t->st.totp_pending) {
                *msg = "no TOTP enrolment is pending for this account: enroll first";
                return SESAME_ST_REFUSED;
        }
        if (open_seed(x->key, t->pw->name, t->st.totp_pending, &p, seed, &slen) < 0) {
                log_error("user %s: the pending TOTP seed cannot be opened", t->pw->name);
                *msg = "the pending TOTP seed cannot be opened (was the key changed?): enroll again";
                return SESAME_ST_INTERNAL;
        }
        if (!req_string(c->req, SESAME_F_CODE, code, sizeof(code)) || !totp_code_syntax(code, p.digits)) {
                st = SESAME_ST_AUTH_FAILED;
                *msg = "the code does not have the right number of digits";
                goto out;
        }
        r = totp_check(&p, seed, slen, code, (int64_t)time(NULL), x->conf->totp_window, -1, &step);
        if (r == OUT_BAD_CREDENTIALS) {
                st = SESAME_ST_AUTH_FAILED;
                *msg = "wrong code (is the device's clock right?)";
                goto out;
        }
        if (r < 0)
                goto out;
        /* the matched step becomes the last one used: this code cannot
         * log in once more */
        r = state_activate_totp(x->dir, &t->st, step);
        if (r == OUT_CONFLICT) {
                st = SESAME_ST_REFUSED;
                *msg = "the pending seed was replaced meanwhile: use the newest one";
                goto out;
        }
        if (r != 0) {
                log_error("user %s: TOTP activation could not be stored: %s", t->pw->name, outcome_str(r));
                st = outcome_status(r);
                goto out;
        }
        emit(c->cl, EV_TOTP_ENROLLED, t->pw->name);
        notify_user(x, NOTICE_TOTP_ENABLED, t->pw, 0);
        st = SESAME_ST_OK;
out:
        sodium_memzero(seed, sizeof(seed));
        sodium_memzero(code, sizeof(code));
        return st;
}

int handle_totp_activate(struct call *c)
{
        struct target t;
        const char *msg = NULL;
        uint32_t st;
        int r;

        if (!c->x->key)
                return answer_no_key(c->cl);
        r = target_get(c, &t);
        st = r == 0 ? activate(c, &t, &msg) : outcome_status(r);
        target_done(&t);
        return client_end(c->cl, st, msg);
}

/* --------------------------------------------------------- TOTP_DISABLE */

int handle_totp_disable(struct call *c)
{
        struct client *cl = c->cl;
        struct target t;
        int r = target_get(c, &t);

        if (r == 0) {
                /* the recovery codes go too: they stand in for a TOTP code
                 * and mean nothing without one */
                r = state_disable_totp(cl->ctx->dir, &t.st);
                if (r != 0)
                        log_error("user %s: TOTP could not be removed: %s", t.pw->name, outcome_str(r));
                else {
                        emit(cl, EV_TOTP_DISABLED, t.pw->name);
                        notify_user(cl->ctx, NOTICE_TOTP_DISABLED, t.pw, 0);
                }
        }
        target_done(&t);
        return client_end(cl, outcome_status(r), NULL);
}

/* ------------------------------------------------------- RECOVERY_CODES */

/* New recovery codes for @t: their hashes stored (replacing the old
 * ones), the codes put into @w, a frame in @frame (which the caller
 * wipes).  0, or why not. */
static int new_recovery_codes(struct call *c, struct target *t, uint8_t *frame, size_t size,
                              struct proto_writer *w)
{
        char codes[RECOVERY_CODES][RECOVERY_CODE_LEN];
        char hashes[RECOVERY_CODES][RECOVERY_HASH_LEN];
        char *hv[RECOVERY_CODES];
        int r = -EINVAL;

        proto_begin(w, frame, size, SESAME_ANS_CODES);
        for (size_t i = 0; i < RECOVERY_CODES; i++) {
                recovery_new(codes[i]);
                if (recovery_hash(c->x->key, t->pw->dn, codes[i], hashes[i]) < 0 ||
                    proto_put_str(w, SESAME_F_CODE, codes[i]) != 0)
                        goto out;
                hv[i] = hashes[i];
        }
        r = state_set_recovery(c->x->dir, &t->st, hv, RECOVERY_CODES);
        if (r != 0)
                log_error("user %s: recovery codes could not be stored: %s", t->pw->name, outcome_str(r));
out:
        sodium_memzero(codes, sizeof(codes));
        sodium_memzero(hashes, sizeof(hashes));
        return r;
}

int handle_recovery_codes(struct call *c)
{
        struct client *cl = c->cl;
        uint8_t frame[64 + RECOVERY_CODES * (4 + RECOVERY_CODE_LEN)];
        struct proto_writer w;
        struct target t;
        int r, q = 0;

        if (!c->x->key)
                return answer_no_key(cl);
        r = target_get(c, &t);
        if (r == 0)
                r = new_recovery_codes(c, &t, frame, sizeof(frame), &w);
        if (r == 0)
                q = client_send_frame(cl, &w);
        sodium_memzero(frame, sizeof(frame));
        if (r == 0 && q == 0)
                emit(cl, EV_RECOVERY_CODES, t.pw->name);
        target_done(&t);
        if (q < 0)
                return q;
        return client_end(cl, outcome_status(r), NULL);
}

/* --------------------------------------------------------------- UNLOCK */

int handle_unlock(struct call *c)
{
        struct client *cl = c->cl;
        struct target t;
        const char *msg = NULL;
        bool pp = true;
        int r = target_get(c, &t);

        if (r == 0) {
                r = state_unlock(cl->ctx->dir, &t.st, &pp);
                if (r != 0)
                        log_error("user %s: could not unlock: %s", t.pw->name, outcome_str(r));
                else {
                        if (!pp)
                                msg = "unlocked, but the directory's password policy lock (pwdAccountLockedTime) "
                                      "could not be removed by sesamed";
                        log_notice("user %s unlocked", t.pw->name);
                        emit(cl, EV_UNLOCK, t.pw->name);
                }
        }
        target_done(&t);
        return client_end(cl, outcome_status(r), msg);
}

/* --------------------------------------------------------- PASSWORD_SET */

/* Set @newpw for @t as the service DN, with what follows a new password:
 * the reset links die, the event, the notice.  0, or why not (@msg may
 * hold the directory's words). */
static int password_set(struct call *c, struct target *t, const char *newpw, char *msg, size_t msgsize)
{
        struct daemon_ctx *x = c->x;
        int r;

        r = dir_set_password(x->dir, t->pw->dn, newpw, msg, msgsize);
        if (r != 0) {
                log_error("user %s: the password could not be set: %s", t->pw->name, outcome_str(r));
                return r;
        }
        log_notice("user %s: password set by an administrator (uid %u pid %d)", t->pw->name,
                   (unsigned)c->cl->cred.uid, (int)c->cl->cred.pid);
        r = state_new_token_stamp(x->dir, &t->st);
        if (r != 0)
                log_error("user %s: the token stamp could not be renewed (reset links stay live): %s", t->pw->name,
                          outcome_str(r));
        event_emit(x->conf, x->hook_mask, EV_PASSWORD_CHANGED,
                   &(struct event_data){ .user = t->pw->name, .service = "sesamectl", .reason = "admin" });
        notify_user(x, NOTICE_PASSWORD_CHANGED, t->pw, 0);
        return 0;
}

int handle_password_set(struct call *c)
{
        char newpw[SESAME_PASSWORD_MAX + 1], msg[SESAME_TEXT_MAX];
        struct target t;
        int r;

        msg[0] = '\0';
        if (!req_string(c->req, SESAME_F_NEWPASSWORD, newpw, sizeof(newpw)))
                return client_end(c->cl, outcome_status(OUT_INVALID), "no usable new password");
        r = target_get(c, &t);
        if (r == 0 && pw_quality_check(c->x->conf, t.pw->name, NULL, newpw, msg, sizeof(msg)) < 0)
                r = OUT_PASSWORD_POLICY;
        else if (r == 0)
                r = password_set(c, &t, newpw, msg, sizeof(msg));
        sodium_memzero(newpw, sizeof(newpw));
        target_done(&t);
        if (r == OUT_PASSWORD_POLICY)
                return client_end(c->cl, SESAME_ST_BAD_PASSWORD,
                                  msg[0] ? msg : "The password does not meet the rules.");
        if (r == OUT_ACCESS)
                return client_end(c->cl, outcome_status(r),
                                  "the directory does not let the service DN set passwords (doc/schema.md)");
        return client_end(c->cl, outcome_status(r), NULL);
}

/* --------------------------------------------------------- CONFIRM_SEND */

int handle_confirm_send(struct call *c)
{
        struct target t;
        const char *msg = NULL;
        int r;

        if (!c->x->key)
                return answer_no_key(c->cl);
        if (!c->pw->mail)
                return client_end(c->cl, SESAME_ST_REFUSED, "the account has no mail address");
        r = target_get(c, &t);
        if (r == 0 && t.st.confirmed) {
                target_done(&t);
                return client_end(c->cl, SESAME_ST_REFUSED, "the address is confirmed already");
        }
        if (r == 0) {
                r = web_mail_link(c, t.pw, &t.st, TOKEN_CONFIRM, "sesamectl");
                if (r < 0) {
                        log_error("user %s: no confirmation mail: %s", t.pw->name, outcome_str(r));
                        msg = "the confirmation mail could not be spooled (see sesamed's log)";
                } else
                        log_notice("user %s: confirmation link spooled on an administrator's request", t.pw->name);
        }
        target_done(&t);
        return client_end(c->cl, outcome_status(r), msg);
}

/* ---------------------------------------------------------------- CHECK */

/* CHECK with LOGIN: whether the service DN may read and write the state
 * of that account (state_check_access()); the attributes it may not, by
 * name. */
static int check_account(struct call *c, const char *login)
{
        struct daemon_ctx *x = c->x;
        struct pwrec pw = { 0 };
        char msg[SESAME_TEXT_MAX];
        int r = acct_user_byname(&x->acct, login, &pw);

        if (r != 0)
                return client_end(c->cl, outcome_status(r), "no such user");
        r = state_check_access(x->dir, pw.dn, msg, sizeof(msg));
        if (r == OUT_ACCESS)
                log_warning("user %s: the service DN may not do what sesamed needs: %s", pw.name, msg);
        pwrec_done(&pw);
        if (r == OUT_ACCESS)
                return client_end(c->cl, SESAME_ST_DENIED, msg);
        if (r != 0)
                return client_end(c->cl, outcome_status(r), "the account's state cannot be checked");
        return client_end(c->cl, SESAME_ST_OK,
                          "directory reachable, TOTP key loaded, the account's state readable and writable");
}

/* Each entry of a probe: only the count matters. */
static int count_entry(LDAP *ld _unused_, LDAPMessage *e _unused_, void *userdata)
{
        (*(size_t *)userdata)++;
        return 0;
}

/*
 * The directory's size limits must not cut the paged searches sesamed
 * makes for enumeration and group membership (it refuses a partial
 * answer, so users would lose their groups): list the users and the
 * groups, entry names only, as those searches do.  0, or the outcome with
 * what happened in @msg.
 */
static int check_limits(struct daemon_ctx *x, char *msg, size_t size)
{
        const struct {
                const char *what, *base, *filter;
        } probes[] = {
                { "users", x->conf->user_base, x->conf->user_filter },
                { "groups", x->conf->group_base, x->conf->group_filter },
        };
        char *attrs[] = { (char *)(uintptr_t)LDAP_NO_ATTRS, NULL };

        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                size_t n = 0;
                int r = dir_search(x->dir, probes[i].base, LDAP_SCOPE_SUBTREE, probes[i].filter, attrs, true,
                                   count_entry, &n);

                if (r == OUT_LIMIT) {
                        (void)snprintf(msg, size,
                                       "the directory's size limit cuts the list of %s short: enumeration and "
                                       "group memberships fail; lift the limit for the service DN "
                                       "(doc/deploy.md, \"Size limits\")",
                                       probes[i].what);
                        return r;
                }
                if (r != 0) {
                        (void)snprintf(msg, size, "listing the %s failed: %s", probes[i].what, outcome_str(r));
                        return r;
                }
        }
        return 0;
}

int handle_check(struct call *c)
{
        struct client *cl = c->cl;
        struct daemon_ctx *x = cl->ctx;
        char msg[SESAME_TEXT_MAX], login[SESAME_NAME_MAX + 1];
        int r = dir_ping(x->dir);

        if (r != 0)
                return client_end(cl, outcome_status(r), "the directory cannot be reached (see sesamed's log)");
        if (!x->key) {
                (void)snprintf(msg, sizeof(msg), "TOTP key not loaded: %s", x->key_error);
                return client_end(cl, SESAME_ST_INTERNAL, msg);
        }
        if (req_string(c->req, SESAME_F_LOGIN, login, sizeof(login)))
                return check_account(c, login);
        r = check_limits(x, msg, sizeof(msg));
        if (r != 0) {
                log_warning("check: %s", msg);
                return client_end(cl, outcome_status(r), msg);
        }
        return client_end(cl, SESAME_ST_OK, "directory reachable, no size limit in the way, TOTP key loaded");
}

/* ---------------------------------------------------------- CACHE_FLUSH */

int handle_cache_flush(struct call *c)
{
        cache_flush(c->x->cache);
        snap_flush();
        log_info("cache flushed on request of uid %u", (unsigned)c->cl->cred.uid);
        return client_end(c->cl, SESAME_ST_OK, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dispatch.h - which request may be asked by whom, and the loop that
 * serves one connection.
 *
 * Every request opcode has one entry in one table (dispatch.c), as in
 * OpenSSH's monitor: the sockets it may arrive on and whether it names an
 * account.  The loop authorises a request before any handler runs:
 *
 *  1. the socket's peer policy (admin.sock: root only; web.sock: root and
 *     the [web] user; nss.sock and pam.sock: anyone) and the opcode's
 *     socket classes: a request that fails either closes the connection
 *     without an answer;
 *  2. D_ACCOUNT: the LOGIN field is resolved to an account here, once,
 *     by one rule (resolve_login()); a LOGIN that names no account is answered
 *     here (the entry's @unresolved hook may log it first);
 *  3. D_SELF: a caller that is not root may only name its own account
 *     (its SO_PEERCRED uid is the entry's uidNumber, the unix_chkpwd
 *     rule): anything else is answered DENIED and logged, and nothing is
 *     read, counted or bound for the other account.
 *
 * Handlers therefore never check the caller; they get a struct call whose
 * @pw is the authorised account for D_ACCOUNT entries.
 */
#ifndef SESAMED_DISPATCH_H
#define SESAMED_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "accounts.h"
#include "conn.h"
#include "state.h"

/* Peer policy of a socket class. */
enum peer_policy {
        PEER_ANYONE, /* any uid may connect (mode 0666) */
        PEER_ROOT,   /* uid 0 only */
        PEER_WEB,    /* uid 0 and the uid of the [web] user */
};

/* "No such uid" for a web uid that could not be resolved: then web.sock
 * admits root alone. */
#define DISPATCH_NO_UID ((uid_t)-1)

enum dispatch_flags {
        D_ACCOUNT = 1u << 0, /* LOGIN names an account: resolved before the handler runs */
        D_SELF = 1u << 1,    /* a caller that is not root may name its own account only */
        D_MAIL = 1u << 2,    /* D_ACCOUNT: LOGIN may be an email address, tried after the name */
};

/* One request being handled. */
struct call {
        struct client *cl;
        struct daemon_ctx *x; /* cl->ctx */
        const struct proto_msg *req;
        const char *login;     /* D_ACCOUNT: LOGIN as sent */
        const struct pwrec *pw; /* D_ACCOUNT: the account, authorised; else NULL */
        int64_t started;        /* D_ACCOUNT: now_ms() when the work on it began */
        /* ACCOUNT: the account's state as the AUTH just before it on this
         * connection read it (DISPATCH_MEMO_MS), the handler's to take;
         * NULL: read it */
        struct acct_state *st;
        /* AUTH: @want_kept, the caller (dispatch, on pam.sock) keeps what
         * an OK leaves for the ACCOUNT that may follow on the connection:
         * the handler then moves its state into @kept and sets @keep */
        bool want_kept;
        struct acct_state kept;
        bool keep;
};

/* Handlers: 0 to keep the connection, < 0 to close it. */
typedef int (*handler_fn)(struct call *c);
/* D_ACCOUNT: LOGIN resolved to no account (@r: why, an outcome.h value
 * or a negative errno); for the handler's log and events. */
typedef void (*unresolved_fn)(struct call *c, int r);

struct dispatch_entry {
        uint16_t opcode;
        unsigned classes; /* SOCKS(...) of the sockets it may arrive on */
        unsigned flags;   /* D_* */
        handler_fn fn;
        unresolved_fn unresolved; /* optional */
};

#define SOCK_BIT(c) (1u << (c))

/* The peer policy of socket class @cls. */
enum peer_policy dispatch_peer_policy(enum sock_class cls);

/**
 * dispatch_authorise() - step 1: may a peer running as @uid send @opcode
 * on a socket of class @cls?
 * @web_uid: the uid of the [web] user (PEER_WEB), or DISPATCH_NO_UID
 * Return: the table entry, or NULL (unknown opcode, wrong socket, or a
 * peer the socket's policy does not admit).
 */
const struct dispatch_entry *dispatch_authorise(uint16_t opcode, enum sock_class cls, uid_t uid, uid_t web_uid);

/**
 * dispatch_may_target() - step 3: may a peer running as @uid act on the
 * account whose uidNumber is @target, under entry @d?
 */
bool dispatch_may_target(const struct dispatch_entry *d, uid_t uid, uint32_t target);

/*
 * One read per login: an AUTH answered OK leaves the account it resolved
 * and the state it read on its connection, and an ACCOUNT for that same
 * account on that connection, within this many ms and under the same
 * configuration generation, is decided on them instead of looking the
 * account up and reading its state again.  Whatever comes next on the
 * connection takes it off (it serves one request at most).  What the
 * account phase decides on (disabled, expired, unconfirmed, the policy's
 * administrative lock, a password that must be changed) is what AUTH has
 * just checked or read; the reads that the lockout and replay rules need
 * fresh (the failure count, the TOTP step) are never taken from it.
 * Roles are still looked up.  See doc/security.md.
 */
#define DISPATCH_MEMO_MS 5000

/* Forget what @cl's last AUTH left (a connection being closed). */
void dispatch_memo_drop(struct client *cl);

/* Without DEADLINE_MS, a pam.sock request must be answered within this
 * (pam_sesame waits 10 s by default). */
#define DISPATCH_PAM_BUDGET_MS 7500
/* An AUTH that fails is answered no sooner than this after its work
 * began, known account or not: long enough to cover the directory work
 * of a wrong password (state read, count, bind, lock) on a usual
 * network, so that the time of the answer does not tell whether the
 * account exists. */
#define AUTH_FAILURE_FLOOR_MS 250
/* What is kept back of a caller's DEADLINE_MS for the way of the request
 * and of its answer: this, or a twentieth of it if that is more. */
#define DISPATCH_DEADLINE_MARGIN_MS 20
/* No request may take longer than pam_sesame's longest timeout= (60 s). */
#define DISPATCH_DEADLINE_MAX_MS 60000

/**
 * dispatch_deadline() - when a request received at @now (monotonic ms)
 * on a socket of class @cls must be answered by.
 *
 * The caller says how long it will still wait (DEADLINE_MS); sesamed
 * keeps back a margin for the answer's way and bounds it by
 * DISPATCH_DEADLINE_MAX_MS.  Without it: DISPATCH_PAM_BUDGET_MS on
 * pam.sock, elsewhere no deadline but the per-operation ones.
 * Return: the deadline; 0 for none; -1 when the caller has already given
 * up (the request is dropped unanswered).
 */
int64_t dispatch_deadline(enum sock_class cls, const struct proto_msg *req, int64_t now);

/**
 * dispatch_request() - authorise and serve the request @msg of @cl,
 * whose frame was whole at @cl->received (its deadline counts from then,
 * the time it waited for a worker included).
 *
 * A request whose caller has given up by now is dropped (logged); the
 * directory work of a login or an admin request is bounded by its
 * dispatch_deadline(), that of a lookup by the per-operation limits (its
 * answer is cached for the caller's retry).  @cl->ctx is the generation
 * it is served under.
 * Return: 0 to keep the connection, < 0 to close it.
 */
int dispatch_request(struct client *cl, const struct proto_msg *msg);

/* The handlers, by file. */
int handle_ping(struct call *c);
/* nsssrv.c */
int handle_passwd_byname(struct call *c);
int handle_passwd_byuid(struct call *c);
int handle_passwd_bymail(struct call *c);
int handle_passwd_enum(struct call *c);
int handle_group_byname(struct call *c);
int handle_group_bygid(struct call *c);
int handle_group_enum(struct call *c);
int handle_initgroups(struct call *c);
/* authsrv.c */
int handle_auth(struct call *c);
void auth_unresolved(struct call *c, int r);
int handle_account(struct call *c);
int handle_chauthtok(struct call *c);
int handle_session(struct call *c);
/* adminsrv.c */
int handle_cache_flush(struct call *c);
int handle_user_show(struct call *c);
int handle_totp_enroll(struct call *c);
int handle_totp_activate(struct call *c);
int handle_totp_disable(struct call *c);
int handle_recovery_codes(struct call *c);
int handle_unlock(struct call *c);
int handle_check(struct call *c);
int handle_password_set(struct call *c);
int handle_confirm_send(struct call *c);
/* websrv.c */
int handle_web_reset_request(struct call *c);
int handle_web_reset_check(struct call *c);
int handle_web_reset_redeem(struct call *c);
int handle_web_confirm_request(struct call *c);
int handle_web_confirm_redeem(struct call *c);
/* register.c */
int handle_web_register(struct call *c);
int handle_purge_pending(struct call *c);

#endif

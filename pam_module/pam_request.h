/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_request.h - pam_sesame talking to sesamed over pam.sock: the call
 * context a request is made for, with its deadline, building the request
 * frame, and one call (common/call.h).  Internal to pam_sesame.so:
 * like everything but the pam_sm_* functions, hidden (the module is
 * built with hidden visibility and pam_sesame.map).
 */
#ifndef SESAME_PAM_REQUEST_H
#define SESAME_PAM_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "call.h"
#include "pam_args.h"
#include "proto.h"

/* ------------------------------------------------------ call context */

struct ctx {
        pam_handle_t *pamh;
        int flags;
        struct pam_sesame_args args;
        /* The one deadline of this PAM call (now_ms() clock): timeout=
         * from the entry point on, moved on by the time the application's
         * conversation takes (the person's typing is not sesamed's time).
         * Every request of the call gets what is left of it. */
        int64_t deadline;
        const char *user;    /* PAM_USER (libpam's copy) */
        const char *service; /* PAM_SERVICE */
        const char *rhost;   /* PAM_RHOST, may be NULL */
        const char *tty;     /* PAM_TTY, may be NULL */
        char quser[160];     /* the user, quoted for the log */
        char qrhost[160];    /* the remote host, quoted for the log ("" if none) */
};

#define debug(c, ...)                                                \
        do {                                                         \
                if ((c)->args.debug)                                 \
                        pam_syslog((c)->pamh, LOG_DEBUG, __VA_ARGS__); \
        } while (0)

/* ------------------------------------------------------ talking to sesamed */

/* The socket is there and root's (not a symlink): 0, or -errno (logged).
 * A cheap early test, so nobody types secrets for nothing; the full
 * checks come with the connection. */
int check_socket(const struct ctx *c);

/*
 * One call to sesamed on pam.sock (common/call.h) before c->deadline:
 * send @req (DEADLINE_MS is added to it) and read the answer into @ans.
 * @user: NULL, or SESAME_NAME_MAX + 1 bytes for the canonical name of an
 * ANS_USER (at most one, kept only with an OK status; "" if none).
 * Returns 0 whatever the status, or -errno when sesamed could not be
 * asked (no socket, not root's, timeout, a bad answer); that is logged
 * here.
 */
int pam_call(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans);

/*
 * The connection of the AUTH request goes on to the ACCOUNT request of
 * the same PAM handle, when that comes in the same process: one connect
 * and one check of the peer for both, and sesamed may answer ACCOUNT
 * from what AUTH has just read (doc/protocol.md).
 *
 * pam_call_keep() is pam_call() that keeps the connection on the handle
 * (pam_set_data(), with the pid that made it) after an OK answer; a
 * connection kept before is closed.  pam_call_kept() is pam_call() on
 * the kept connection, which it takes off the handle whatever happens:
 * when there is none, when it was made by another process (the handle
 * was copied by a fork: the parent may use it too), or when sesamed had
 * closed it before the request reached it (it closes connections idle
 * for client_timeout; nothing was answered, so nothing was done), the
 * request goes on a fresh connection as pam_call() sends it.  Every wait
 * is bounded by c->deadline, as in pam_call().  A connection that is
 * never taken is closed by pam_end().
 */
int pam_call_keep(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans);
int pam_call_kept(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans);

/*
 * A request frame in a heap buffer that is wiped when freed (it may hold
 * a password).  Field errors are kept per field by the callers, which
 * know what a bad value means (an impossible user, a wrong password).
 */
struct request {
        uint8_t *buf;
        struct proto_writer w;
};

/* PAM_SUCCESS, or PAM_BUF_ERR. */
int req_begin(struct request *q, uint16_t opcode);
void req_free(struct request *q);
/* LOGIN and SERVICE; a login the protocol cannot carry (too long, not
 * UTF-8) cannot name an account: PAM_USER_UNKNOWN. */
int req_login_service(const struct ctx *c, struct request *q);
/* RHOST, TTY: informational; one the protocol cannot carry is left out. */
void req_optional(const struct ctx *c, struct request *q, uint16_t tag, const char *s);
/* The require_role= alternatives. */
int req_roles(const struct ctx *c, struct request *q);
/* Check that the frame is complete before anything is sent (pam_call()
 * ends it again with DEADLINE_MS): PAM_SUCCESS, or PAM_SERVICE_ERR
 * (logged). */
int req_end(const struct ctx *c, struct request *q);

#endif

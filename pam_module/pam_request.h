/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_request.h - pam_sesame talking to sesamed over pam.sock: the call
 * context a request is made for, building the request frame, and one
 * exchange (connect, send, read the answer).  Internal to pam_sesame.so:
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

#include "pam_args.h"
#include "proto.h"

/* ------------------------------------------------------ call context */

struct ctx {
        pam_handle_t *pamh;
        int flags;
        struct pam_sesame_args args;
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

struct answer {
        uint32_t status;
        uint32_t reason;       /* 0: none */
        uint32_t locked_until; /* 0: none */
        char message[SESAME_TEXT_MAX + 1];
        char user[SESAME_NAME_MAX + 1]; /* ANS_USER with an OK status, else "" */
};

/*
 * Send @frame and read the answer into @ans: ANS_USER (only if
 * @user_ok, at most once) then END.  Returns 0, or -errno when sesamed
 * could not be asked (no socket, not root's, timeout, a bad answer); that
 * is logged here.
 */
int transact(const struct ctx *c, const uint8_t *frame, size_t len, bool user_ok, struct answer *ans);

/*
 * A request frame in a heap buffer that is wiped when freed (it may hold
 * a password).  Field errors are kept per field by the callers, which
 * know what a bad value means (an impossible user, a wrong password).
 */
struct request {
        uint8_t *buf;
        struct proto_writer w;
        size_t len;
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
/* Finish the frame: PAM_SUCCESS, or PAM_SERVICE_ERR (logged). */
int req_end(const struct ctx *c, struct request *q);

#endif

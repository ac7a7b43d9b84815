/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_request.c - pam_sesame's requests to sesamed.
 *
 * Every request is one call (common/call.c): connect, check that the
 * socket and the process answering on it belong to root, send one frame
 * carrying the time left, read the answer (ANS_USER? END) — all before
 * the deadline of the PAM call it is made for (timeout=, default 10 s,
 * for the whole call however many requests it makes).  The request frame
 * is wiped when freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "call.h"
#include "macro.h"
#include "pam_request.h"
#include "proto.h"

/* ------------------------------------------------------ connection */

int check_socket(const struct ctx *c)
{
        struct stat st;

        if (lstat(CALL_SOCKET_PAM, &st) < 0) {
                int r = -errno;
                pam_syslog(c->pamh, LOG_ERR, "cannot reach sesamed: %s: %s", CALL_SOCKET_PAM, proto_strerror(r));
                return r;
        }
        if (!S_ISSOCK(st.st_mode) || st.st_uid != 0) {
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: not a socket owned by root", CALL_SOCKET_PAM);
                return -EPERM;
        }
        return 0;
}

/* call_collect() callback: the canonical name of the one ANS_USER. */
static int take_user(const struct proto_msg *m, void *userdata)
{
        char *user = userdata;
        struct proto_field f;

        if (!proto_find(m, SESAME_F_NAME, &f) || f.len == 0 || proto_field_str(&f, user, SESAME_NAME_MAX + 1) < 0)
                return SESAME_E_UNEXPECTED;
        return 0;
}

/* Why the call failed, in the log. */
static void log_failure(const struct ctx *c, const struct call *call, int r)
{
        const char *why = call->why;

        if (!call->request && r == -EPERM && why)
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: %s", CALL_SOCKET_PAM, why);
        else if (!call->request && r > 0)
                pam_syslog(c->pamh, LOG_ERR, "cannot build the request: %s", proto_strerror(r));
        else if (!call->request)
                pam_syslog(c->pamh, LOG_ERR, "cannot reach sesamed: %s: %s%s%s%s", CALL_SOCKET_PAM,
                           proto_strerror(r), why ? " (" : "", why ? why : "", why ? ")" : "");
        else if (r == SESAME_E_UNEXPECTED)
                pam_syslog(c->pamh, LOG_ERR, "unexpected answer from sesamed (opcode 0x%04x)",
                           (unsigned)call->opcode);
        else
                pam_syslog(c->pamh, LOG_ERR, "no answer from sesamed on %s: %s", CALL_SOCKET_PAM,
                           proto_strerror(r));
}

int pam_call(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans)
{
        struct call call;
        int r;

        if (user)
                user[0] = '\0';
        r = call_collect(&call, CALL_SOCKET_PAM, req, c->deadline, user ? 1 : 0, user ? take_user : NULL, user,
                         ans);
        if (r != 0) {
                if (user)
                        user[0] = '\0';
                log_failure(c, &call, r);
                return r < 0 ? r : -EPROTO;
        }
        /* data before an END that is not OK is discarded */
        if (user && ans->status != SESAME_ST_OK)
                user[0] = '\0';
        debug(c, "sesamed answered status %u reason %u for %s", ans->status, ans->reason, c->quser);
        return 0;
}

/* ------------------------------------------------------ request frames */

int req_begin(struct request *q, uint16_t opcode)
{
        q->buf = malloc(SESAME_BUF_MAX);
        if (!q->buf)
                return PAM_BUF_ERR;
        proto_begin(&q->w, q->buf, SESAME_BUF_MAX, opcode);
        return PAM_SUCCESS;
}

void req_free(struct request *q)
{
        if (q->buf) {
                erase(q->buf, SESAME_BUF_MAX);
                free(q->buf);
                q->buf = NULL;
        }
}

int req_login_service(const struct ctx *c, struct request *q)
{
        if (proto_put_str(&q->w, SESAME_F_LOGIN, c->user) != 0) {
                pam_syslog(c->pamh, LOG_NOTICE, "user name %s is not a possible Sesame login", c->quser);
                return PAM_USER_UNKNOWN;
        }
        if (proto_put_str(&q->w, SESAME_F_SERVICE, c->service) != 0) {
                pam_syslog(c->pamh, LOG_ERR, "PAM service name cannot be sent");
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

void req_optional(const struct ctx *c, struct request *q, uint16_t tag, const char *s)
{
        if (s && *s && proto_put_str(&q->w, tag, s) != 0)
                debug(c, "field %u left out of the request (too long or not UTF-8)", (unsigned)tag);
}

int req_roles(const struct ctx *c, struct request *q)
{
        for (size_t i = 0; i < c->args.n_roles; i++)
                if (proto_put_strn(&q->w, SESAME_F_ROLE, c->args.roles[i].name, c->args.roles[i].len) != 0)
                        return PAM_SERVICE_ERR;
        return PAM_SUCCESS;
}

int req_end(const struct ctx *c, struct request *q)
{
        int r = proto_end(&q->w, NULL);

        if (r != 0) {
                pam_syslog(c->pamh, LOG_ERR, "cannot build the request: %s", proto_strerror(r));
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

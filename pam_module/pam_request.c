/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_request.c - pam_sesame's requests to sesamed.
 *
 * Every request is one call (common/call.c): connect, check that the
 * socket and the process answering on it belong to root, send one frame
 * carrying the time left, read the answer (ANS_USER? END) — all before
 * the deadline of the PAM call it is made for (timeout=, default 10 s,
 * for the whole call however many requests it makes).  The one
 * exception to "a connection per request": the connection of an AUTH
 * that succeeded is kept on the PAM handle for its ACCOUNT request
 * (pam_call_keep(), pam_call_kept()).  The request frame is wiped when
 * freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

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

/* What pam_call() says of an answer in @ans, or of a call that failed. */
static int call_result(const struct ctx *c, const struct call *call, int r, char *user, struct call_end *ans)
{
        if (r != 0) {
                if (user)
                        user[0] = '\0';
                log_failure(c, call, r);
                return r < 0 ? r : -EPROTO;
        }
        /* data before an END that is not OK is discarded */
        if (user && ans->status != SESAME_ST_OK)
                user[0] = '\0';
        debug(c, "sesamed answered status %u reason %u for %s", ans->status, ans->reason, c->quser);
        return 0;
}

/* Send @req on @call, read the answer. */
static int call_exchange(struct call *call, struct proto_writer *req, char *user, struct call_end *ans)
{
        int r = call_send(call, req);

        if (r == 0)
                r = call_answer(call, user ? 1 : 0, user ? take_user : NULL, user, ans);
        return r;
}

int pam_call(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans)
{
        struct call call;
        int r;

        if (user)
                user[0] = '\0';
        r = call_collect(&call, CALL_SOCKET_PAM, req, c->deadline, user ? 1 : 0, user ? take_user : NULL, user,
                         ans);
        return call_result(c, &call, r, user, ans);
}

/* ------------------------------------------------------ the kept connection */

#define KEPT_NAME "pam_sesame_connection"

struct kept {
        int fd;
        pid_t pid; /* of the process that connected */
};

static void kept_cleanup(pam_handle_t *pamh _unused_, void *data, int error_status _unused_)
{
        struct kept *k = data;

        /* in a child of the process that connected, this closes the
         * child's copy only */
        if (k->fd >= 0)
                (void)close(k->fd);
        free(k);
}

/* Take the kept connection off the handle: its descriptor, when this
 * process made it, else -1 (and it is closed). */
static int kept_take(const struct ctx *c)
{
        const void *data = NULL;
        int fd = -1;

        if (pam_get_data(c->pamh, KEPT_NAME, &data) != PAM_SUCCESS || !data)
                return -1;
        struct kept *k = (struct kept *)(uintptr_t)data;
        if (k->pid == getpid()) {
                fd = k->fd;
                k->fd = -1;
        }
        (void)pam_set_data(c->pamh, KEPT_NAME, NULL, NULL); /* kept_cleanup() */
        return fd;
}

/* Close a connection kept on the handle, if any. */
static int close_kept(const struct ctx *c)
{
        int fd = kept_take(c);

        if (fd >= 0)
                (void)close(fd);
        return 0;
}

int pam_call_keep(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans)
{
        struct call call;
        struct kept *k;
        int r;

        if (user)
                user[0] = '\0';
        (void)close_kept(c);
        r = call_connect(&call, CALL_SOCKET_PAM, c->deadline);
        if (r == 0)
                r = call_exchange(&call, req, user, ans);
        if (r == 0 && ans->status == SESAME_ST_OK && (k = malloc(sizeof(*k)))) {
                *k = (struct kept){ .fd = call.fd, .pid = getpid() };
                if (pam_set_data(c->pamh, KEPT_NAME, k, kept_cleanup) == PAM_SUCCESS)
                        call.fd = -1; /* the handle's now */
                else
                        free(k);
        }
        call_close(&call);
        return call_result(c, &call, r, user, ans);
}

int pam_call_kept(const struct ctx *c, struct proto_writer *req, char *user, struct call_end *ans)
{
        struct call call;
        /* the frame as built: sending adds DEADLINE_MS to it */
        const struct proto_writer built = *req;
        int fd = kept_take(c), r;

        if (fd < 0)
                return pam_call(c, req, user, ans);
        if (user)
                user[0] = '\0';
        r = call_adopt(&call, fd, c->deadline);
        if (r < 0) {
                call_close(&call);
                return call_result(c, &call, r, user, ans);
        }
        r = call_exchange(&call, req, user, ans);
        call_close(&call);
        /* closed by sesamed before it read the request: no frame of an
         * answer came, so it was not served; a fresh connection then */
        if (call.opcode == 0 && (r == SESAME_E_EOF || r == -EPIPE || r == -ECONNRESET)) {
                debug(c, "the kept connection to sesamed was closed; asking on a fresh one");
                *req = built;
                return pam_call(c, req, user, ans);
        }
        return call_result(c, &call, r, user, ans);
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

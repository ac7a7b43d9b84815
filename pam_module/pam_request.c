/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_request.c - pam_sesame's requests to sesamed.
 *
 * Every request is one connection: connect, check that the socket and
 * the process answering on it belong to root, send one frame, read the
 * answer (ANS_USER? END) — all before one deadline (timeout=, default
 * 10 s).  The request frame is wiped when freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "config.h"
#include "macro.h"
#include "pam_request.h"
#include "proto.h"
#include "util.h"

#define PAM_SOCKET SESAME_RUNDIR "/pam.sock"
_Static_assert(sizeof(PAM_SOCKET) <= sizeof(((struct sockaddr_un *)0)->sun_path), "SESAME_RUNDIR is too long");

/* ------------------------------------------------------ connection */

int check_socket(const struct ctx *c)
{
        struct stat st;

        if (lstat(PAM_SOCKET, &st) < 0) {
                int r = -errno;
                pam_syslog(c->pamh, LOG_ERR, "cannot reach sesamed: %s: %s", PAM_SOCKET, proto_strerror(r));
                return r;
        }
        if (!S_ISSOCK(st.st_mode) || st.st_uid != 0) {
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: not a socket owned by root", PAM_SOCKET);
                return -EPERM;
        }
        return 0;
}

/* A connection to pam.sock (client.h: owner and peer checked), or -errno
 * (logged). */
static int connect_daemon(const struct ctx *c, int64_t deadline)
{
        const char *why;
        int fd = client_connect(PAM_SOCKET, deadline, &why);

        if (fd >= 0)
                return fd;
        if (why)
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: %s", PAM_SOCKET, why);
        else
                pam_syslog(c->pamh, LOG_ERR, "cannot reach sesamed: %s: %s", PAM_SOCKET, proto_strerror(fd));
        return fd;
}

int transact(const struct ctx *c, const uint8_t *frame, size_t len, bool user_ok, struct answer *ans)
{
        int64_t deadline = now_ms() + (int64_t)c->args.timeout_s * 1000;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        struct proto_msg m;
        struct proto_field f;
        int r;

        *ans = (struct answer){ .status = SESAME_ST_INTERNAL };
        buf = malloc(SESAME_BUF_MAX);
        if (!buf)
                return -ENOMEM;
        fd = connect_daemon(c, deadline);
        if (fd < 0)
                return fd;
        r = proto_send(fd, frame, len, deadline);
        if (r != 0)
                goto fail;
        for (;;) {
                r = proto_recv(fd, buf, SESAME_BUF_MAX, &m, deadline);
                if (r != 0)
                        goto fail;
                if (m.opcode == SESAME_ANS_END)
                        break;
                if (m.opcode != SESAME_ANS_USER || !user_ok || ans->user[0] ||
                    !proto_find(&m, SESAME_F_NAME, &f) || f.len == 0 ||
                    proto_field_str(&f, ans->user, sizeof(ans->user)) < 0) {
                        pam_syslog(c->pamh, LOG_ERR, "unexpected answer from sesamed (opcode 0x%04x)",
                                   (unsigned)m.opcode);
                        return -EPROTO;
                }
        }
        ans->status = proto_get_u32(&m, SESAME_F_STATUS, SESAME_ST_INTERNAL);
        ans->reason = proto_get_u32(&m, SESAME_F_REASON, 0);
        ans->locked_until = proto_get_u32(&m, SESAME_F_LOCKED_UNTIL, 0);
        if (proto_find(&m, SESAME_F_MESSAGE, &f))
                (void)proto_field_str(&f, ans->message, sizeof(ans->message));
        /* data before an END that is not OK is discarded */
        if (ans->status != SESAME_ST_OK)
                ans->user[0] = '\0';
        debug(c, "sesamed answered status %u reason %u for %s", ans->status, ans->reason, c->quser);
        return 0;
fail:
        pam_syslog(c->pamh, LOG_ERR, "no answer from sesamed on %s: %s", PAM_SOCKET, proto_strerror(r));
        return r < 0 ? r : -EPROTO;
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
        int r = proto_end(&q->w, &q->len);

        if (r != 0) {
                pam_syslog(c->pamh, LOG_ERR, "cannot build the request: %s", proto_strerror(r));
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

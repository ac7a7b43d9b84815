/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * request.c - sesamectl talking to sesamed over admin.sock: where the
 * socket is, and one request with its answer, all within --timeout,
 * through the clients' call layer (common/call.h: owner and peer of the
 * socket checked, the deadline carried in the request).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "macro.h"
#include "proto.h"
#include "sesamectl.h"
#include "util.h"

#define REQUEST_MAX 1024 /* largest request: LOGIN + CODE or NEWPASSWORD + header */

char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* ------------------------------------------------------------- socket */

int resolve_socket(void)
{
        const char *path = arg_socket ? arg_socket : CALL_SOCKET_ADMIN;

        if (strcpy_bounded(socket_path, sizeof(socket_path), path) < 0)
                return usage_error("socket path too long: %s", path);
        return 0;
}

/* ------------------------------------------------------------ answers */

void answer_free(struct answer *a)
{
        for (size_t i = 0; i < a->n; i++) {
                erase(a->buf[i], a->len[i]);
                free(a->buf[i]);
        }
        memset(a, 0, sizeof(*a));
}

struct keep {
        struct answer *a;
        uint16_t data_op;
};

/* call_collect() callback: a copy of each data frame of @data_op. */
static int keep_frame(const struct proto_msg *m, void *userdata)
{
        struct keep *k = userdata;
        struct answer *a = k->a;
        size_t len = SESAME_HDR_LEN + m->len;
        uint8_t *copy;
        int r;

        if (m->opcode != k->data_op || a->n >= ANSWER_FRAMES_MAX)
                return SESAME_E_UNEXPECTED;
        copy = malloc(len);
        if (!copy)
                return -ENOMEM;
        /* the frame from its header on; decoding the copy gives a view
         * into it that outlives the call */
        memcpy(copy, m->body - SESAME_HDR_LEN, len);
        r = proto_decode(copy, len, &a->msg[a->n]);
        if (r != 0) {
                erase(copy, len);
                free(copy);
                return r;
        }
        a->buf[a->n] = copy;
        a->len[a->n] = len;
        a->n++;
        return 0;
}

/* Why a call failed, for a person. */
static void call_failed(const struct call *c, int r, char *err, size_t errsize)
{
        if (!c->request && r == -EPERM && c->why)
                snprintf(err, errsize, "%s: %s (refused)", socket_path, c->why);
        else if (!c->request)
                snprintf(err, errsize, "cannot reach sesamed at %s: %s%s", socket_path,
                         r == -ETIMEDOUT ? "timed out" : proto_strerror(r),
                         r == -EACCES && geteuid() != 0 ? " (sesamectl must run as root)" : "");
        else if (r == -ETIMEDOUT)
                snprintf(err, errsize, "sesamed did not answer within %u s", (unsigned)arg_timeout);
        else if (r == SESAME_E_EOF)
                snprintf(err, errsize, "sesamed closed the connection without an answer");
        else if (r == SESAME_E_UNEXPECTED)
                snprintf(err, errsize, "bad answer from sesamed: unexpected frame 0x%04x", (unsigned)c->opcode);
        else if (r < 0)
                snprintf(err, errsize, "talking to sesamed at %s: %s", socket_path, proto_strerror(r));
        else
                snprintf(err, errsize, "bad answer from sesamed: %s", proto_strerror(r));
}

int exchange(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a, char *err,
             size_t errsize)
{
        struct keep k = { .a = a, .data_op = data_op };
        uint8_t frame[REQUEST_MAX];
        struct proto_writer w;
        struct call c;
        int r = 0;

        memset(a, 0, sizeof(*a));
        proto_begin(&w, frame, sizeof(frame), opcode);
        if (login)
                r = proto_put_str(&w, SESAME_F_LOGIN, login);
        /* the one secret a request carries: a code, or the new password
         * of PASSWORD_SET */
        if (r == 0 && code)
                r = proto_put_str(&w, opcode == SESAME_REQ_PASSWORD_SET ? SESAME_F_NEWPASSWORD : SESAME_F_CODE, code);
        if (r == 0 && opcode == SESAME_REQ_TOTP_ENROLL && arg_alg_set)
                r = proto_put_u32(&w, SESAME_F_TOTP_ALG, arg_alg);
        if (r == 0 && opcode == SESAME_REQ_TOTP_ENROLL && arg_digits_set)
                r = proto_put_u32(&w, SESAME_F_TOTP_DIGITS, arg_digits);
        if (r == 0 && opcode == SESAME_REQ_PURGE_PENDING)
                r = proto_put_u32(&w, SESAME_F_AGE, arg_age);
        if (r != 0) {
                erase(frame, sizeof(frame));
                /* arguments are checked before; this is a bug or a limit */
                snprintf(err, errsize, "cannot encode the request: %s", proto_strerror(r));
                return EXIT_USAGE;
        }
        r = call_collect(&c, socket_path, &w, now_ms() + (int64_t)arg_timeout * 1000, data_op ? ANSWER_FRAMES_MAX : 0,
                         keep_frame, &k, &a->end);
        erase(frame, sizeof(frame));
        if (r != 0) {
                answer_free(a);
                a->end.status = SESAME_ST_INTERNAL;
                call_failed(&c, r, err, errsize);
                return EXIT_UNREACHABLE;
        }
        return 0;
}

int request(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a)
{
        char err[512];
        int r = exchange(opcode, login, code, data_op, a, err, sizeof(err));

        if (r == EXIT_USAGE)
                return usage_error("%s", err);
        if (r != 0)
                return fail(r, "unreachable", "%s", err);
        return 0;
}

int request_ok(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a)
{
        int r = request(opcode, login, code, data_op, a);

        if (r != 0)
                return r;
        if (a->end.status != SESAME_ST_OK) {
                r = fail_answer(login, a);
                answer_free(a);
                return r;
        }
        return 0;
}

const char *field_str(const struct proto_msg *m, uint16_t tag, char *buf, size_t size)
{
        struct proto_field f;

        buf[0] = '\0';
        if (proto_find(m, tag, &f) && proto_field_str(&f, buf, size) < 0)
                buf[0] = '\0';
        return buf;
}


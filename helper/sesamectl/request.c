/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * request.c - sesamectl talking to sesamed over admin.sock: where the
 * socket is, the connection (owner and peer checked), one request and
 * its answer, all within --timeout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "config.h"
#include "macro.h"
#include "proto.h"
#include "safefile.h"
#include "sesamectl.h"
#include "util.h"

#define REQUEST_MAX 1024 /* largest request: LOGIN + CODE + header */

char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* ------------------------------------------------------------- socket */

int resolve_socket(const struct sesame_conf *conf, bool lenient)
{
        struct sesame_conf *own = NULL;
        const char *dir = SESAME_RUNDIR;
        int r;

        if (arg_socket) {
                if (strcpy_bounded(socket_path, sizeof(socket_path), arg_socket) < 0)
                        return usage_error("socket path too long: %s", arg_socket);
                return 0;
        }
        if (!conf) {
                const char *path = arg_config ? arg_config : SESAME_CONF_PATH;
                char err[1024], *text = NULL;
                size_t len = 0;

                r = safefile_read_alloc(path, SAFEFILE_CONFIG, CONF_FILE_MAX, &text, &len, err, sizeof(err));
                if (r >= 0) {
                        r = conf_parse(path, text, len, &own, err, sizeof(err));
                        free(text);
                }
                if (r < 0 && arg_config && !lenient) {
                        fprintf(stderr, "sesamectl: %s\n", err);
                        return EXIT_USAGE;
                }
                if (r < 0 && r != -ENOENT && !lenient)
                        fprintf(stderr, "sesamectl: warning: %s; using %s\n", err, SESAME_RUNDIR);
                conf = own;
        }
        if (conf && conf->socket_dir)
                dir = conf->socket_dir;
        r = snprintf(socket_path, sizeof(socket_path), "%s/%s", dir, ADMIN_SOCKET_NAME);
        conf_free(own);
        if (r < 0 || (size_t)r >= sizeof(socket_path))
                return usage_error("socket directory too long: %s", dir);
        return 0;
}

int connect_admin(int64_t deadline, char *err, size_t errsize)
{
        const char *why;
        int fd = client_connect(socket_path, deadline, &why);

        if (fd >= 0)
                return fd;
        if (why)
                snprintf(err, errsize, "%s: %s (refused)", socket_path, why);
        else if (fd == -ETIMEDOUT)
                snprintf(err, errsize, "cannot reach sesamed at %s: timed out", socket_path);
        else
                snprintf(err, errsize, "cannot reach sesamed at %s: %s%s", socket_path, proto_strerror(fd),
                         fd == -EACCES && geteuid() != 0 ? " (sesamectl must run as root)" : "");
        return -1;
}

/* ------------------------------------------------------------ answers */

void answer_free(struct answer *a)
{
        for (size_t i = 0; i < a->n; i++) {
                erase(a->buf[i], SESAME_BUF_MAX);
                free(a->buf[i]);
        }
        memset(a, 0, sizeof(*a));
}

/*
 * Send a finished request frame and read the answer up to its END: data
 * frames must have opcode @data_op (0: none allowed).  Returns 0 with @a
 * filled (whatever the status), or EXIT_UNREACHABLE after saying why.
 */
static int transact(const uint8_t *frame, size_t len, uint16_t data_op, struct answer *a)
{
        int64_t deadline = now_ms() + (int64_t)arg_timeout * 1000;
        _cleanup_close_ int fd = -1;
        uint8_t *buf = NULL;
        char err[512];
        int r;

        memset(a, 0, sizeof(*a));
        fd = connect_admin(deadline, err, sizeof(err));
        if (fd < 0)
                return fail(EXIT_UNREACHABLE, "unreachable", "%s", err);
        r = proto_send(fd, frame, len, deadline);
        if (r != 0)
                return fail(EXIT_UNREACHABLE, "unreachable", "sending to sesamed at %s: %s", socket_path,
                            r == -ETIMEDOUT ? "timed out" : proto_strerror(r));
        for (;;) {
                struct proto_msg m;

                buf = malloc(SESAME_BUF_MAX);
                if (!buf) {
                        answer_free(a);
                        return fail(EXIT_UNREACHABLE, "unreachable", "out of memory");
                }
                r = proto_recv(fd, buf, SESAME_BUF_MAX, &m, deadline);
                if (r != 0) {
                        erase(buf, SESAME_BUF_MAX);
                        free(buf);
                        answer_free(a);
                        if (r == -ETIMEDOUT)
                                return fail(EXIT_UNREACHABLE, "unreachable",
                                            "sesamed did not answer within %u s", (unsigned)arg_timeout);
                        if (r == SESAME_E_EOF)
                                return fail(EXIT_UNREACHABLE, "unreachable",
                                            "sesamed closed the connection without an answer");
                        return fail(EXIT_UNREACHABLE, "unreachable", "bad answer from sesamed: %s",
                                    proto_strerror(r));
                }
                if (m.opcode == SESAME_ANS_END) {
                        struct proto_field f;

                        a->status = proto_get_u32(&m, SESAME_F_STATUS, SESAME_ST_INTERNAL);
                        a->has_reason = proto_find(&m, SESAME_F_REASON, &f);
                        if (a->has_reason)
                                a->reason = proto_field_u32(&f);
                        a->has_locked_until = proto_find(&m, SESAME_F_LOCKED_UNTIL, &f);
                        if (a->has_locked_until)
                                a->locked_until = proto_field_u32(&f);
                        if (proto_find(&m, SESAME_F_MESSAGE, &f))
                                (void)proto_field_str(&f, a->message, sizeof(a->message));
                        erase(buf, SESAME_BUF_MAX);
                        free(buf);
                        return 0;
                }
                if (m.opcode != data_op || a->n >= ANSWER_FRAMES_MAX) {
                        erase(buf, SESAME_BUF_MAX);
                        free(buf);
                        answer_free(a);
                        return fail(EXIT_UNREACHABLE, "unreachable",
                                    "bad answer from sesamed: unexpected frame 0x%04x", (unsigned)m.opcode);
                }
                a->buf[a->n] = buf;
                a->msg[a->n] = m;
                a->n++;
                buf = NULL;
        }
}

int request(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a)
{
        uint8_t frame[REQUEST_MAX];
        struct proto_writer w;
        size_t len = 0;
        int r = 0;

        proto_begin(&w, frame, sizeof(frame), opcode);
        if (login)
                r = proto_put_str(&w, SESAME_F_LOGIN, login);
        if (r == 0 && code)
                r = proto_put_str(&w, SESAME_F_CODE, code);
        if (r == 0 && opcode == SESAME_REQ_TOTP_ENROLL && arg_alg_set)
                r = proto_put_u32(&w, SESAME_F_TOTP_ALG, arg_alg);
        if (r == 0 && opcode == SESAME_REQ_TOTP_ENROLL && arg_digits_set)
                r = proto_put_u32(&w, SESAME_F_TOTP_DIGITS, arg_digits);
        if (r == 0)
                r = proto_end(&w, &len);
        if (r != 0) {
                erase(frame, sizeof(frame));
                /* arguments are checked before; this is a bug or a limit */
                return usage_error("cannot encode the request: %s", proto_strerror(r));
        }
        r = transact(frame, len, data_op, a);
        erase(frame, sizeof(frame));
        return r;
}

int request_ok(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a)
{
        int r = request(opcode, login, code, data_op, a);

        if (r != 0)
                return r;
        if (a->status != SESAME_ST_OK) {
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


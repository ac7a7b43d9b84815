/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * call.c - one call to sesamed (see call.h).
 *
 * Linked into libnss_sesame, which is loaded into every process on the
 * host: libc only, no logging, no mutable globals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "call.h"
#include "client.h"
#include "macro.h"
#include "util.h"

_Static_assert(sizeof(CALL_SOCKET_ADMIN) <= sizeof(((struct sockaddr_un *)0)->sun_path) &&
                       sizeof(CALL_SOCKET_NSS) <= sizeof(((struct sockaddr_un *)0)->sun_path) &&
                       sizeof(CALL_SOCKET_PAM) <= sizeof(((struct sockaddr_un *)0)->sun_path),
               "SESAME_RUNDIR is too long for a socket path");

/*
 * The data frames each request is answered with (sesame-proto.h, the
 * request lists); a request not listed gets none, only its END.
 */
static const struct {
        uint16_t request;
        uint16_t data[2];
} answers[] = {
        { SESAME_REQ_PASSWD_BYNAME, { SESAME_ANS_PASSWD } },
        { SESAME_REQ_PASSWD_BYUID, { SESAME_ANS_PASSWD } },
        { SESAME_REQ_PASSWD_ENUM, { SESAME_ANS_PASSWD } },
        { SESAME_REQ_GROUP_BYNAME, { SESAME_ANS_GROUP, SESAME_ANS_MEMBERS } },
        { SESAME_REQ_GROUP_BYGID, { SESAME_ANS_GROUP, SESAME_ANS_MEMBERS } },
        { SESAME_REQ_GROUP_ENUM, { SESAME_ANS_GROUP, SESAME_ANS_MEMBERS } },
        { SESAME_REQ_INITGROUPS, { SESAME_ANS_GIDS } },
        { SESAME_REQ_PASSWD_BYMAIL, { SESAME_ANS_PASSWD } },
        { SESAME_REQ_USER_SHOW, { SESAME_ANS_USERINFO } },
        { SESAME_REQ_TOTP_ENROLL, { SESAME_ANS_TOTP } },
        { SESAME_REQ_RECOVERY_CODES, { SESAME_ANS_CODES } },
        { SESAME_REQ_AUTH, { SESAME_ANS_USER } },
        { SESAME_REQ_ACCOUNT, { SESAME_ANS_USER } },
};

static bool answered_with(uint16_t request, uint16_t opcode)
{
        for (size_t i = 0; i < ELEMENTSOF(answers); i++) {
                if (answers[i].request != request)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(answers[i].data); k++)
                        if (answers[i].data[k] && answers[i].data[k] == opcode)
                                return true;
                return false;
        }
        return false;
}

static int fail(struct call *c, int r, const char *why)
{
        c->why = why;
        return r;
}

int call_adopt(struct call *c, int fd, int64_t deadline)
{
        *c = (struct call){ .fd = fd, .deadline = deadline };
        c->buf = malloc(SESAME_BUF_MAX);
        if (!c->buf)
                return -ENOMEM;
        return 0;
}

int call_connect(struct call *c, const char *path, int64_t deadline)
{
        const char *why = NULL;
        int fd, r = call_adopt(c, -1, deadline);

        if (r < 0)
                return r;
        fd = client_connect(path, deadline, &why);
        if (fd < 0)
                return fail(c, fd, why);
        c->fd = fd;
        return 0;
}

int call_send(struct call *c, struct proto_writer *req)
{
        int left = ms_left(c->deadline);
        size_t len;
        int r;

        if (c->fd < 0)
                return -EBADF;
        /* sesamed would only learn that nobody waits for its answer */
        if (left == 0)
                return fail(c, -ETIMEDOUT, "the deadline passed before the request was sent");
        r = proto_put_u32(req, SESAME_F_DEADLINE_MS, (uint32_t)left);
        if (r == 0)
                r = proto_end(req, &len);
        if (r != 0)
                return fail(c, r, "the request cannot be encoded");
        c->request = req->opcode;
        c->opcode = 0;
        return proto_send(c->fd, req->buf, len, c->deadline);
}

/*
 * The next frame of the answer into c->msg, from what has been read ahead
 * in c->buf, reading more first when no whole frame is there.  A read
 * takes whatever has arrived, up to the buffer's end: the connection
 * carries this call's answer and nothing else, so reading ahead takes
 * nothing from anyone, and an enumeration's frames of 100 bytes come a
 * hundred to a read instead of two reads and two polls each.  The frame
 * handed out before stays in place until this is called again.
 */
static int recv_frame(struct call *c)
{
        size_t need = 0;
        int r;

        c->off += c->next;
        c->next = 0;
        for (;;) {
                r = proto_frame_len(c->buf + c->off, c->have - c->off, SESAME_BUF_MAX, &need);
                if (r != 0)
                        return r;
                if (need > 0 && c->have - c->off >= need)
                        break;
                if (c->off > 0) {
                        /* room for the rest of this frame: the bytes read
                         * ahead go to the front (a frame fits the buffer) */
                        memmove(c->buf, c->buf + c->off, c->have - c->off);
                        c->have -= c->off;
                        c->off = 0;
                }
                ssize_t k = recv(c->fd, c->buf + c->have, SESAME_BUF_MAX - c->have, MSG_DONTWAIT);
                if (k > 0) {
                        c->have += (size_t)k;
                        continue;
                }
                if (k == 0)
                        return c->have == 0 ? SESAME_E_EOF : SESAME_E_TRUNCATED;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                r = proto_wait(c->fd, POLLIN, c->deadline);
                if (r < 0)
                        return r;
        }
        c->next = need;
        return proto_decode(c->buf + c->off + 4, need - 4, &c->msg);
}

int call_next(struct call *c)
{
        int r;

        if (c->fd < 0 || !c->buf || !c->request)
                return -EBADF;
        r = recv_frame(c);
        if (r != 0)
                return r;
        c->opcode = c->msg.opcode;
        if (c->opcode == SESAME_ANS_END)
                return 0;
        if (!answered_with(c->request, c->opcode))
                return fail(c, SESAME_E_UNEXPECTED, "a frame this request is not answered with");
        return 0;
}

void call_end_read(const struct proto_msg *m, struct call_end *ret)
{
        struct proto_field f;

        *ret = (struct call_end){
                .status = proto_get_u32(m, SESAME_F_STATUS, SESAME_ST_INTERNAL),
                .reason = proto_get_u32(m, SESAME_F_REASON, 0),
                .locked_until = proto_get_u32(m, SESAME_F_LOCKED_UNTIL, 0),
        };
        /* the decoder capped MESSAGE at SESAME_TEXT_MAX: it fits */
        if (proto_find(m, SESAME_F_MESSAGE, &f))
                (void)proto_field_str(&f, ret->message, sizeof(ret->message));
}

int call_answer(struct call *c, size_t max_data, call_take_fn take, void *userdata, struct call_end *ret)
{
        size_t n = 0;

        *ret = (struct call_end){ .status = SESAME_ST_INTERNAL };
        for (;;) {
                int r = call_next(c);

                if (r != 0)
                        return r;
                if (c->msg.opcode == SESAME_ANS_END) {
                        call_end_read(&c->msg, ret);
                        return 0;
                }
                if (n >= max_data || !take)
                        return fail(c, SESAME_E_UNEXPECTED, "more data frames than expected");
                r = take(&c->msg, userdata);
                if (r != 0)
                        return r;
                n++;
        }
}

int call_collect(struct call *c, const char *path, struct proto_writer *req, int64_t deadline, size_t max_data,
                 call_take_fn take, void *userdata, struct call_end *ret)
{
        int r;

        *ret = (struct call_end){ .status = SESAME_ST_INTERNAL };
        r = call_connect(c, path, deadline);
        if (r == 0)
                r = call_send(c, req);
        if (r == 0)
                r = call_answer(c, max_data, take, userdata, ret);
        call_close(c);
        return r;
}

void call_close(struct call *c)
{
        if (c->fd >= 0)
                (void)close(c->fd);
        c->fd = -1;
        if (c->buf) {
                erase(c->buf, SESAME_BUF_MAX);
                free(c->buf);
                c->buf = NULL;
        }
        c->msg = (struct proto_msg){ 0 };
        c->have = c->off = c->next = 0;
}

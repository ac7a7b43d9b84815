/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conn.c - sending answers on a client connection (see conn.h).
 */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "conn.h"
#include "ctx.h"
#include "log.h"
#include "macro.h"
#include "util.h"

/* How long a peer may take to read what it was sent. */
static int64_t send_deadline(const struct client *cl)
{
        return now_ms() + (int64_t)cl->ctx->conf->client_timeout * 1000;
}

int client_send(struct client *cl, const uint8_t *data, size_t len)
{
        const size_t chunk = 64 * 1024;

        /* per chunk, so a client that reads a long enumeration slowly but
         * steadily is served, and one that stops reading is dropped */
        for (size_t off = 0; off < len; off += chunk) {
                int r = proto_send(cl->fd, data + off, MIN(chunk, len - off), send_deadline(cl));
                if (r != 0)
                        return r > 0 ? -EPROTO : r;
        }
        return 0;
}

int client_end(struct client *cl, uint32_t status, const char *message)
{
        return client_end_ex(cl, status, message, 0, 0);
}

/* An END with @status alone into @buf: its length, or 0 when it cannot
 * be encoded. */
static size_t end_frame(uint8_t *buf, size_t size, uint32_t status)
{
        struct proto_writer w;
        size_t len = 0;

        proto_begin(&w, buf, size, SESAME_ANS_END);
        if (proto_put_u32(&w, SESAME_F_STATUS, status) != 0 || proto_end(&w, &len) != 0)
                return 0;
        return len;
}

int client_answer(struct client *cl, const uint8_t *data, size_t len, uint32_t status)
{
        uint8_t buf[SESAME_BUF_MAX + 64];
        size_t n;
        int r;

        if (len <= SESAME_BUF_MAX) {
                n = end_frame(buf + len, sizeof(buf) - len, status);
                if (n == 0)
                        return -EINVAL;
                if (len)
                        memcpy(buf, data, len);
                cl->status = status;
                return client_send(cl, buf, len + n);
        }
        r = client_send(cl, data, len);
        return r < 0 ? r : client_end(cl, status, NULL);
}

int client_send_frame(struct client *cl, struct proto_writer *w)
{
        size_t len;
        int r = proto_end(w, &len);

        if (r != 0)
                return r > 0 ? -EINVAL : r;
        return client_send(cl, w->buf, len);
}

int client_end_ex(struct client *cl, uint32_t status, const char *message, uint32_t reason, uint32_t locked_until)
{
        uint8_t buf[64 + SESAME_TEXT_MAX];
        struct proto_writer w;

        proto_begin(&w, buf, sizeof(buf), SESAME_ANS_END);
        if (proto_put_u32(&w, SESAME_F_STATUS, status) != 0)
                return -EINVAL;
        if (message && *message && proto_put_str(&w, SESAME_F_MESSAGE, message) != 0)
                log_debug("a message the protocol does not take was left out");
        if (reason && proto_put_u32(&w, SESAME_F_REASON, reason) != 0)
                return -EINVAL;
        if (locked_until && proto_put_u32(&w, SESAME_F_LOCKED_UNTIL, locked_until) != 0)
                return -EINVAL;
        cl->status = status;
        return client_send_frame(cl, &w);
}

bool req_string(const struct proto_msg *req, uint16_t tag, char *buf, size_t size)
{
        struct proto_field f;

        return proto_find(req, tag, &f) && proto_field_str(&f, buf, size) == 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ask.c - sesame-web's requests on web.sock, through the one call layer
 * (common/call.h), which checks that the socket and its peer are root's.
 */
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "log.h"
#include "macro.h"
#include "proto.h"
#include "util.h"
#include "web.h"

static uint32_t ask(uint16_t opcode, const char *login, const char *mail, const char *token, const char *newpw,
                    const char *rhost, char *msg, size_t msgsize, uint32_t *ret_reason)
{
        uint8_t frame[SESAME_BUF_MAX];
        struct call c = CALL_INIT;
        struct call_end end = { .status = SESAME_ST_INTERNAL };
        struct proto_writer w;
        int r = 0;

        proto_begin(&w, frame, sizeof(frame), opcode);
        if (login)
                r = proto_put_str(&w, SESAME_F_LOGIN, login);
        if (r == 0 && mail)
                r = proto_put_str(&w, SESAME_F_MAIL, mail);
        if (r == 0 && token)
                r = proto_put_str(&w, SESAME_F_TOKEN, token);
        if (r == 0 && newpw)
                r = proto_put_str(&w, SESAME_F_NEWPASSWORD, newpw);
        if (r == 0 && rhost && *rhost)
                r = proto_put_str(&w, SESAME_F_RHOST, rhost);
        if (r == 0)
                r = call_collect(&c, CALL_SOCKET_WEB, &w, now_ms() + WEB_CALL_MS, 0, NULL, NULL, &end);
        erase(frame, sizeof(frame));
        if (r != 0) {
                log_error("request 0x%04x: sesamed could not be asked: %s%s%s", opcode, proto_strerror(r),
                          c.why ? ": " : "", c.why ? c.why : "");
                return SESAME_ST_INTERNAL;
        }
        if (msg && msgsize)
                (void)snprintf(msg, msgsize, "%s", end.message);
        if (ret_reason)
                *ret_reason = end.reason;
        return end.status;
}

uint32_t ask_sesamed(uint16_t opcode, const char *login, const char *token, const char *newpw,
                     const char *rhost, char *msg, size_t msgsize)
{
        return ask(opcode, login, NULL, token, newpw, rhost, msg, msgsize, NULL);
}

uint32_t ask_register(const char *name, const char *mail, const char *newpw, const char *rhost, char *msg,
                      size_t msgsize, uint32_t *ret_reason)
{
        return ask(SESAME_REQ_WEB_REGISTER, name, mail, NULL, newpw, rhost, msg, msgsize, ret_reason);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conn.h - one client connection as the handlers see it: who is calling
 * (SO_PEERCRED), on which socket, under which configuration generation and
 * deadline, and how an answer is sent.
 */
#ifndef SESAMED_CONN_H
#define SESAMED_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto.h"

struct daemon_ctx;
struct login_memo;

/* Privilege classes: one socket each (listen.c says which). */
enum sock_class {
        SOCK_NSS,
        SOCK_PAM,
        SOCK_ADMIN,
        SOCK_WEB,
        SOCK__MAX,
};

struct client {
        int fd;
        enum sock_class cls;
        struct ucred cred;
        struct daemon_ctx *ctx;
        /* the request being served must be answered by then (monotonic
         * ms, util.h now_ms()); 0: no deadline but the per-operation ones */
        int64_t deadline;
        uint32_t status; /* of the last END sent (the log of refusals) */
        /* the event loop's (server.c) */
        const char *sock;             /* the socket's name, for the log */
        size_t have;                  /* bytes read into @buf */
        int64_t received;             /* when the request in @buf was whole (monotonic ms) */
        int64_t idle_until;           /* idle: closed then */
        struct client *prev, *next;   /* idle: the main loop's list */
        struct client *qnext;         /* queued (workers.c) or handed back */
        bool closing;                 /* served: close it, do not wait for more */
        struct login_memo *memo;      /* what its last AUTH read (dispatch.h) */
        uint8_t buf[SESAME_BUF_MAX];
};

/* Send bytes; the deadline restarts whenever the peer makes progress. */
int client_send(struct client *cl, const uint8_t *data, size_t len);
int client_end(struct client *cl, uint32_t status, const char *message);
/* END with the optional fields too: @message (NULL/empty: none; dropped
 * if the protocol refuses it), @reason (SESAME_R_*, 0: none),
 * @locked_until (0: none). */
int client_end_ex(struct client *cl, uint32_t status, const char *message, uint32_t reason, uint32_t locked_until);
/* Data frames @data (@len bytes, may be 0) and then the END with
 * @status: in one write when they fit a frame buffer, so that the
 * caller wakes once for the whole answer. */
int client_answer(struct client *cl, const uint8_t *data, size_t len, uint32_t status);
/* Finish the frame in @w and send it. */
int client_send_frame(struct client *cl, struct proto_writer *w);

/* The request's string field @tag, NUL-terminated in @buf; false when
 * absent or too long for @buf.  (Wipe @buf if the field is a secret.) */
bool req_string(const struct proto_msg *req, uint16_t tag, char *buf, size_t size);

#endif

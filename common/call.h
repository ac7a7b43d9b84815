/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * call.h - one call to sesamed, the same for every client (libnss_sesame,
 * pam_sesame, sesamectl, sesame-web): connect with the checks of client.h, send one
 * request frame carrying the client's deadline (SESAME_F_DEADLINE_MS), and
 * read the answer frames up to END before that one absolute deadline.
 *
 * Two ways to read the answer: call_next() hands out one frame at a time
 * (the NSS module streams enumerations and group members without holding
 * the whole answer); call_collect() does the whole call and gives each
 * data frame to a callback (pam_sesame, sesamectl).
 *
 * libc only, no logging: linked into the thin clients.  The one
 * allocation is the receive buffer, wiped when the call is closed since
 * answers may hold secrets (a TOTP seed, recovery codes).
 *
 * Return convention (proto.h): 0, a positive SESAME_E_* for a protocol
 * error, or -errno (-ETIMEDOUT once the deadline has passed).  After a
 * failure c->why may hold a static explanation for the caller's log.
 */
#ifndef SESAME_CALL_H
#define SESAME_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "proto.h"

/* The sockets, compiled into every client (build option rundir). */
#define CALL_SOCKET_NSS SESAME_RUNDIR "/nss.sock"
#define CALL_SOCKET_PAM SESAME_RUNDIR "/pam.sock"
#define CALL_SOCKET_ADMIN SESAME_RUNDIR "/admin.sock"
#define CALL_SOCKET_WEB SESAME_RUNDIR "/web.sock"

/* What an END frame says. */
struct call_end {
        uint32_t status;       /* SESAME_ST_*; INTERNAL when no END was read */
        uint32_t reason;       /* SESAME_R_*; 0: none (sesamed never sends 0) */
        uint32_t locked_until; /* seconds since the epoch; 0: none */
        char message[SESAME_TEXT_MAX + 1]; /* "": none */
};

struct call {
        int fd;
        /* Absolute, on the now_ms() clock.  A streaming caller that waits
         * on its own caller between frames (enumeration) may move it
         * before each call_next(). */
        int64_t deadline;
        uint16_t request;     /* opcode of the request sent; 0: nothing sent */
        uint16_t opcode;      /* of the last frame read; 0: none */
        uint8_t *buf;         /* SESAME_BUF_MAX bytes; msg points into it */
        size_t have;          /* bytes read into buf */
        size_t off, next;     /* where msg's frame starts in buf, its length */
        struct proto_msg msg; /* the frame call_next() read */
        const char *why;      /* static text about the last failure, or NULL */
};

#define CALL_INIT { .fd = -1 }

/**
 * call_connect() - start a call: connect to the socket at @path.
 * @c:        the call, initialised here
 * @path:     the socket; it and its peer must belong to root (client.h)
 * @deadline: for the whole call (call_send() and the reads too)
 *
 * Return: 0, or -errno; -EPERM with c->why saying which check failed.
 * call_close() is needed afterwards whatever this returned.
 */
int call_connect(struct call *c, const char *path, int64_t deadline) __attribute__((warn_unused_result));

/**
 * call_adopt() - start a call on a connected socket, without the checks
 * of call_connect() (for a descriptor the caller already trusts: a
 * socketpair).  Takes ownership of @fd, even on failure.
 *
 * Return: 0, or -ENOMEM.  call_close() is needed afterwards.
 */
int call_adopt(struct call *c, int fd, int64_t deadline) __attribute__((warn_unused_result));

/**
 * call_send() - finish and send the request.
 * @c:   a started call
 * @req: the request, built by the caller without SESAME_F_DEADLINE_MS:
 *       it is added here, with the milliseconds left until c->deadline
 *       at the time of sending, and the frame ended (proto_end())
 *
 * The frame may hold secrets; it stays the caller's to wipe.
 *
 * Return: 0; -ETIMEDOUT if the deadline has passed (nothing is sent); an
 * encoder error if the frame is incomplete or has no room for the field;
 * or proto_send()'s error.
 */
int call_send(struct call *c, struct proto_writer *req) __attribute__((warn_unused_result));

/**
 * call_next() - read the next frame of the answer into c->msg.
 *
 * A data frame the request is not answered with (sesame-proto.h, the
 * request lists) is refused, so callers only see frames they can expect;
 * their order within the answer (ANS_MEMBERS after ANS_GROUP, how many)
 * is the caller's to check.
 *
 * Return: 0 with c->msg a data frame or the END (c->msg.opcode says
 * which); SESAME_E_UNEXPECTED for a frame the request does not allow
 * (c->opcode says which); or proto_recv()'s error (SESAME_E_EOF: sesamed
 * closed the connection; -ETIMEDOUT).
 */
int call_next(struct call *c) __attribute__((warn_unused_result));

/* Callback of call_collect() for each data frame; @m is valid only during
 * the call.  Returns 0 to go on, or an error that ends the call. */
typedef int (*call_take_fn)(const struct proto_msg *m, void *userdata);

/**
 * call_answer() - read the answer of a sent request up to its END.
 * @c:        a call whose request was sent
 * @max_data: data frames the caller takes; one more is SESAME_E_UNEXPECTED
 * @take:     given each data frame in order (NULL when @max_data is 0)
 * @userdata: passed to @take
 * @ret:      the END; status INTERNAL unless this returns 0
 *
 * Data frames before an END that is not OK are to be discarded by the
 * caller (sesame-proto.h).
 *
 * Return: 0 when the END was read, whatever its status; else as
 * call_next(), or what @take returned.
 */
int call_answer(struct call *c, size_t max_data, call_take_fn take, void *userdata, struct call_end *ret)
        __attribute__((warn_unused_result));

/**
 * call_collect() - a whole call: call_connect(), call_send(),
 * call_answer(), call_close().
 *
 * Afterwards @c is closed but c->request (0: sesamed was never asked),
 * c->opcode and c->why still describe a failure for the caller's log.
 *
 * Return: as the steps.
 */
int call_collect(struct call *c, const char *path, struct proto_writer *req, int64_t deadline, size_t max_data,
                 call_take_fn take, void *userdata, struct call_end *ret) __attribute__((warn_unused_result));

/* Decode an END frame (proto_decode() checked its fields). */
void call_end_read(const struct proto_msg *m, struct call_end *ret);

/* Close the connection, wipe and free the buffer.  Safe to repeat; keeps
 * c->request, c->opcode and c->why. */
void call_close(struct call *c);

#endif

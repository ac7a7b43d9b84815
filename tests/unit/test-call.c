/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-call.c - the client call layer (common/call.c) against a peer
 * played by the test over a socketpair, or by a thread: every END status,
 * data frames before END, frames a request is not answered with, the one
 * deadline (a silent peer, a peer that drips frames for ever, a deadline
 * already past), a peer that closes, an oversize frame, and the
 * DEADLINE_MS the request carries.  When run as root, call_collect() also
 * goes through call_connect() and its ownership checks on a real socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "call.h"
#include "proto.h"
#include "util.h"

/* Scheduling slack allowed on top of a deadline on a loaded machine. */
#define SLACK_MS 1000

static void pair(int sv[2])
{
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void write_all(int fd, const void *p, size_t n)
{
        assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* ---- frames the peer sends ---- */

static void peer_end(int fd, uint32_t status, uint32_t reason, uint32_t locked_until, const char *message)
{
        uint8_t b[SESAME_BUF_MAX];
        struct proto_writer w;
        size_t len;

        proto_begin(&w, b, sizeof(b), SESAME_ANS_END);
        assert_int_equal(proto_put_u32(&w, SESAME_F_STATUS, status), 0);
        if (reason)
                assert_int_equal(proto_put_u32(&w, SESAME_F_REASON, reason), 0);
        if (locked_until)
                assert_int_equal(proto_put_u32(&w, SESAME_F_LOCKED_UNTIL, locked_until), 0);
        if (message)
                assert_int_equal(proto_put_str(&w, SESAME_F_MESSAGE, message), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        write_all(fd, b, len);
}

/* The fields @opcode requires. */
static void put_required(struct proto_writer *w, uint16_t opcode)
{
        switch (opcode) {
        case SESAME_ANS_GROUP:
                assert_int_equal(proto_put_str(w, SESAME_F_NAME, "staff"), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_PASSWD, "x"), 0);
                assert_int_equal(proto_put_u32(w, SESAME_F_GID, 50), 0);
                break;
        case SESAME_ANS_PASSWD:
                assert_int_equal(proto_put_str(w, SESAME_F_NAME, "alice"), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_PASSWD, "x"), 0);
                assert_int_equal(proto_put_u32(w, SESAME_F_UID, 1000), 0);
                assert_int_equal(proto_put_u32(w, SESAME_F_GID, 1000), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_GECOS, ""), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_HOME, "/"), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_SHELL, "/bin/sh"), 0);
                break;
        case SESAME_ANS_USERINFO:
                assert_int_equal(proto_put_u32(w, SESAME_F_UID, 1000), 0);
                assert_int_equal(proto_put_u32(w, SESAME_F_FLAGS, 0), 0);
                /* fall through */
        case SESAME_ANS_USER:
                assert_int_equal(proto_put_str(w, SESAME_F_NAME, "alice"), 0);
                break;
        case SESAME_ANS_TOTP:
                assert_int_equal(proto_put_str(w, SESAME_F_NAME, "alice"), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_SECRET, "JBSWY3DP"), 0);
                assert_int_equal(proto_put_str(w, SESAME_F_URI, "otpauth://totp/x"), 0);
                break;
        default:
                break;
        }
}

/* A data frame: the fields @opcode requires, and one more STR or U32
 * field @tag if not 0. */
static void peer_data(int fd, uint16_t opcode, uint16_t tag, const char *s, uint32_t v)
{
        uint8_t b[SESAME_BUF_MAX];
        struct proto_writer w;
        size_t len;

        proto_begin(&w, b, sizeof(b), opcode);
        put_required(&w, opcode);
        if (tag && s)
                assert_int_equal(proto_put_str(&w, tag, s), 0);
        else if (tag)
                assert_int_equal(proto_put_u32(&w, tag, v), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        write_all(fd, b, len);
}

/* The peer reads the request: its opcode and DEADLINE_MS (0 if absent). */
static uint16_t peer_request(int fd, uint32_t *ret_deadline_ms)
{
        static uint8_t b[SESAME_BUF_MAX];
        struct proto_msg m;

        assert_int_equal(proto_recv(fd, b, sizeof(b), &m, now_ms() + 5000), 0);
        *ret_deadline_ms = proto_get_u32(&m, SESAME_F_DEADLINE_MS, 0);
        return m.opcode;
}

/* ---- the client side ---- */

struct req {
        uint8_t buf[512];
        struct proto_writer w;
};

static struct proto_writer *req_byname(struct req *q, uint16_t opcode, const char *name)
{
        proto_begin(&q->w, q->buf, sizeof(q->buf), opcode);
        if (name)
                assert_int_equal(proto_put_str(&q->w, opcode == SESAME_REQ_USER_SHOW ? SESAME_F_LOGIN : SESAME_F_NAME,
                                               name),
                                 0);
        return &q->w;
}

/* A call on one end of a socketpair, its request sent and read by the
 * peer at sv[0]; returns the DEADLINE_MS the peer saw. */
static uint32_t start(struct call *c, int sv[2], uint16_t opcode, const char *name, int64_t deadline)
{
        struct req q;
        uint32_t dl;

        pair(sv);
        assert_int_equal(call_adopt(c, sv[1], deadline), 0);
        assert_int_equal(call_send(c, req_byname(&q, opcode, name)), 0);
        assert_int_equal(peer_request(sv[0], &dl), opcode);
        return dl;
}

static void finish(struct call *c, int sv[2])
{
        call_close(c);
        close(sv[0]);
}

/* ---- END ---- */

static void test_end_each_status(void **state)
{
        static const char *const messages[] = { NULL, "no such user", "ldap down", "not yours",
                                                "oops", NULL, "locked", "too short" };

        (void)state;
        for (uint32_t st = SESAME_ST_OK; st <= SESAME_ST_BAD_PASSWORD; st++) {
                struct call c;
                struct call_end e;
                int sv[2];

                start(&c, sv, SESAME_REQ_PING, NULL, now_ms() + 5000);
                peer_end(sv[0], st, st == SESAME_ST_REFUSED ? SESAME_R_LOCKED : 0,
                         st == SESAME_ST_REFUSED ? 1700000000u : 0, messages[st]);
                assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), 0);
                assert_int_equal(e.status, st);
                assert_int_equal(e.reason, st == SESAME_ST_REFUSED ? SESAME_R_LOCKED : 0);
                assert_int_equal(e.locked_until, st == SESAME_ST_REFUSED ? 1700000000u : 0);
                assert_string_equal(e.message, messages[st] ? messages[st] : "");
                assert_int_equal(c.opcode, SESAME_ANS_END);
                finish(&c, sv);
        }
}

/* ---- data frames ---- */

struct taken {
        unsigned n;
        char names[4][SESAME_NAME_MAX + 1];
        int fail_with;
};

static int take(const struct proto_msg *m, void *userdata)
{
        struct taken *t = userdata;
        struct proto_field f;

        if (t->fail_with)
                return t->fail_with;
        assert_true(t->n < 4);
        assert_true(proto_find(m, SESAME_F_MEMBER, &f) || proto_find(m, SESAME_F_NAME, &f));
        assert_int_equal(proto_field_str(&f, t->names[t->n], sizeof(t->names[0])), 0);
        t->n++;
        return 0;
}

static void test_data_then_end(void **state)
{
        struct taken t = { 0 };
        struct call c;
        struct call_end e;
        int sv[2];

        (void)state;
        /* one frame at a time: a group, two continuation frames, END */
        start(&c, sv, SESAME_REQ_GROUP_BYNAME, "staff", now_ms() + 5000);
        peer_data(sv[0], SESAME_ANS_GROUP, SESAME_F_MEMBER, "alice", 0);
        peer_data(sv[0], SESAME_ANS_MEMBERS, SESAME_F_MEMBER, "bob", 0);
        peer_data(sv[0], SESAME_ANS_MEMBERS, SESAME_F_MEMBER, "carol", 0);
        peer_end(sv[0], SESAME_ST_OK, 0, 0, NULL);
        assert_int_equal(call_next(&c), 0);
        assert_int_equal(c.msg.opcode, SESAME_ANS_GROUP);
        assert_int_equal(proto_get_u32(&c.msg, SESAME_F_GID, 0), 50);
        assert_int_equal(call_next(&c), 0);
        assert_int_equal(c.msg.opcode, SESAME_ANS_MEMBERS);
        assert_int_equal(call_next(&c), 0);
        assert_int_equal(c.msg.opcode, SESAME_ANS_MEMBERS);
        assert_int_equal(call_next(&c), 0);
        assert_int_equal(c.msg.opcode, SESAME_ANS_END);
        finish(&c, sv);

        /* collected: each data frame to the callback, in order */
        start(&c, sv, SESAME_REQ_GROUP_BYNAME, "staff", now_ms() + 5000);
        peer_data(sv[0], SESAME_ANS_GROUP, SESAME_F_MEMBER, "alice", 0);
        peer_data(sv[0], SESAME_ANS_MEMBERS, SESAME_F_MEMBER, "bob", 0);
        peer_end(sv[0], SESAME_ST_OK, 0, 0, NULL);
        assert_int_equal(call_answer(&c, 4, take, &t, &e), 0);
        assert_int_equal(e.status, SESAME_ST_OK);
        assert_int_equal(t.n, 2);
        assert_string_equal(t.names[0], "alice");
        assert_string_equal(t.names[1], "bob");
        finish(&c, sv);
}

/* A group answer of several frames, more bytes than the call's buffer
 * holds, in @b: the GROUP with no member, then MEMBERS frames of 40
 * members each (m<frame>-<i>, padded to 200 characters), then the END.
 * Returns its length. */
#define SPLIT_FRAMES 6
#define SPLIT_MEMBERS 40

static void split_member(char *name, size_t size, unsigned frame, unsigned i)
{
        int n = snprintf(name, size, "m%u-%u-", frame, i);

        memset(name + n, 'x', 200 - (size_t)n);
        name[200] = '\0';
}

static size_t split_answer(uint8_t *b, size_t size)
{
        struct proto_writer w;
        size_t len, off = 0;
        char name[SESAME_NAME_MAX + 1];

        for (unsigned f = 0; f <= SPLIT_FRAMES + 1; f++) {
                uint16_t opcode = f == 0 ? SESAME_ANS_GROUP : f <= SPLIT_FRAMES ? SESAME_ANS_MEMBERS : SESAME_ANS_END;

                proto_begin(&w, b + off, size - off, opcode);
                put_required(&w, opcode);
                for (unsigned i = 0; opcode == SESAME_ANS_MEMBERS && i < SPLIT_MEMBERS; i++) {
                        split_member(name, sizeof(name), f, i);
                        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, name), 0);
                }
                if (opcode == SESAME_ANS_END)
                        assert_int_equal(proto_put_u32(&w, SESAME_F_STATUS, SESAME_ST_OK), 0);
                assert_int_equal(proto_end(&w, &len), 0);
                off += len;
        }
        assert_true(off > SESAME_BUF_MAX);
        return off;
}

struct writer {
        int fd;
        const uint8_t *data;
        size_t len, chunk;
};

/* The peer: @data in writes of @chunk bytes. */
static void *write_chunks(void *arg)
{
        struct writer *w = arg;

        for (size_t off = 0; off < w->len; off += w->chunk) {
                size_t n = w->len - off < w->chunk ? w->len - off : w->chunk;
                if (send(w->fd, w->data + off, n, MSG_NOSIGNAL) != (ssize_t)n)
                        break;
        }
        return NULL;
}

/* The call reads what the socket holds, not a frame at a time: frames
 * that came in one write, frames cut anywhere (in the length word too),
 * and more of them than its buffer holds all come out whole and in
 * order, and nothing after the END. */
static void test_frames_split_anywhere(void **state)
{
        static uint8_t answer[8 * SESAME_BUF_MAX];
        static const size_t chunks[] = { 1, 3, 4, 7, 4096, 8 * SESAME_BUF_MAX };
        size_t len = split_answer(answer, sizeof(answer));

        (void)state;
        for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
                struct writer wr = { .data = answer, .len = len, .chunk = chunks[k] };
                char want[SESAME_NAME_MAX + 1], got[SESAME_NAME_MAX + 1];
                struct proto_field f;
                struct proto_iter it;
                struct call c;
                pthread_t th;
                unsigned members = 0;
                int sv[2];

                start(&c, sv, SESAME_REQ_GROUP_BYNAME, "staff", now_ms() + 10000);
                wr.fd = sv[0];
                assert_int_equal(pthread_create(&th, NULL, write_chunks, &wr), 0);
                assert_int_equal(call_next(&c), 0);
                assert_int_equal(c.msg.opcode, SESAME_ANS_GROUP);
                for (unsigned fr = 1; fr <= SPLIT_FRAMES; fr++) {
                        unsigned i = 0;

                        assert_int_equal(call_next(&c), 0);
                        assert_int_equal(c.msg.opcode, SESAME_ANS_MEMBERS);
                        proto_iter_init(&it, &c.msg);
                        while (proto_iter_next(&it, &f)) {
                                split_member(want, sizeof(want), fr, i++);
                                assert_int_equal(proto_field_str(&f, got, sizeof(got)), 0);
                                assert_string_equal(got, want);
                        }
                        assert_int_equal(i, SPLIT_MEMBERS);
                        members += i;
                }
                assert_int_equal(call_next(&c), 0);
                assert_int_equal(c.msg.opcode, SESAME_ANS_END);
                assert_int_equal(members, SPLIT_FRAMES * SPLIT_MEMBERS);
                assert_int_equal(pthread_join(th, NULL), 0);
                /* nothing more: the peer's close is the end of the stream */
                close(sv[0]);
                assert_int_equal(call_next(&c), SESAME_E_EOF);
                call_close(&c);
        }
}

static int take_any(const struct proto_msg *m, void *userdata)
{
        (void)m;
        (*(unsigned *)userdata)++;
        return 0;
}

static void test_too_many_data_frames(void **state)
{
        struct taken t = { 0 };
        struct call c;
        struct call_end e;
        unsigned frames = 0;
        int sv[2];

        (void)state;
        /* one more than the caller takes */
        start(&c, sv, SESAME_REQ_INITGROUPS, "bob", now_ms() + 5000);
        peer_data(sv[0], SESAME_ANS_GIDS, SESAME_F_GID, NULL, 100);
        peer_data(sv[0], SESAME_ANS_GIDS, SESAME_F_GID, NULL, 101);
        peer_end(sv[0], SESAME_ST_OK, 0, 0, NULL);
        assert_int_equal(call_answer(&c, 1, take_any, &frames, &e), SESAME_E_UNEXPECTED);
        assert_int_equal(frames, 1);
        assert_int_equal(e.status, SESAME_ST_INTERNAL);
        assert_non_null(c.why);
        finish(&c, sv);

        /* a caller that takes none */
        start(&c, sv, SESAME_REQ_INITGROUPS, "bob", now_ms() + 5000);
        peer_data(sv[0], SESAME_ANS_GIDS, SESAME_F_GID, NULL, 100);
        peer_end(sv[0], SESAME_ST_OK, 0, 0, NULL);
        assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), SESAME_E_UNEXPECTED);
        finish(&c, sv);

        /* the callback's error ends the call */
        t = (struct taken){ .fail_with = -ENOMEM };
        start(&c, sv, SESAME_REQ_INITGROUPS, "bob", now_ms() + 5000);
        peer_data(sv[0], SESAME_ANS_GIDS, SESAME_F_GID, NULL, 100);
        peer_end(sv[0], SESAME_ST_OK, 0, 0, NULL);
        assert_int_equal(call_answer(&c, 5, take, &t, &e), -ENOMEM);
        assert_int_equal(e.status, SESAME_ST_INTERNAL);
        finish(&c, sv);
}

/* ---- frames a request is not answered with ---- */

static void test_unexpected_opcode(void **state)
{
        static const struct {
                uint16_t request, answer;
        } cases[] = {
                { SESAME_REQ_PASSWD_BYNAME, SESAME_ANS_GROUP },
                { SESAME_REQ_PASSWD_BYNAME, SESAME_ANS_MEMBERS },
                { SESAME_REQ_GROUP_BYNAME, SESAME_ANS_PASSWD },
                { SESAME_REQ_INITGROUPS, SESAME_ANS_USER },
                { SESAME_REQ_PING, SESAME_ANS_GIDS },
                { SESAME_REQ_USER_SHOW, SESAME_ANS_TOTP },
                /* a request frame coming back */
                { SESAME_REQ_PING, SESAME_REQ_PING },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *name = cases[i].request == SESAME_REQ_PING ? NULL : "alice";
                struct call c;
                struct call_end e;
                int sv[2];

                start(&c, sv, cases[i].request, name, now_ms() + 5000);
                if (cases[i].answer == SESAME_REQ_PING)
                        write_all(sv[0], "\x00\x00\x00\x06\x00\x01\x01\x00\x00\x00", 10);
                else
                        peer_data(sv[0], cases[i].answer, 0, NULL, 0);
                peer_end(sv[0], SESAME_ST_OK, 0, 0, NULL);
                assert_int_equal(call_answer(&c, 10, take, &(struct taken){ 0 }, &e), SESAME_E_UNEXPECTED);
                assert_int_equal(c.opcode, cases[i].answer);
                assert_non_null(c.why);
                assert_int_equal(e.status, SESAME_ST_INTERNAL);
                finish(&c, sv);
        }
}

/* ---- the deadline ---- */

static void test_timeout_silent_peer(void **state)
{
        struct call c;
        struct call_end e;
        int sv[2];
        int64_t t0 = now_ms();

        (void)state;
        start(&c, sv, SESAME_REQ_PING, NULL, t0 + 300);
        assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), -ETIMEDOUT);
        assert_true(now_ms() - t0 >= 300);
        assert_true(now_ms() - t0 <= 300 + SLACK_MS);
        assert_int_equal(e.status, SESAME_ST_INTERNAL);
        finish(&c, sv);

        /* half a frame, then silence */
        t0 = now_ms();
        start(&c, sv, SESAME_REQ_PING, NULL, t0 + 300);
        write_all(sv[0], "\x00\x00\x00\x0e\x00\x01", 6);
        assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), -ETIMEDOUT);
        assert_true(now_ms() - t0 <= 300 + SLACK_MS);
        finish(&c, sv);
}

struct drip {
        int fd;
        volatile int stop;
};

/* A peer that sends a member frame every 50 ms and never the END. */
static void *drip(void *arg)
{
        struct drip *d = arg;
        uint8_t b[64];
        struct proto_writer w;
        size_t len;

        proto_begin(&w, b, sizeof(b), SESAME_ANS_MEMBERS);
        if (proto_put_str(&w, SESAME_F_MEMBER, "m") != 0 || proto_end(&w, &len) != 0)
                return NULL;
        while (!d->stop) {
                if (send(d->fd, b, len, MSG_NOSIGNAL) != (ssize_t)len)
                        break;
                (void)nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000000 }, NULL);
        }
        return NULL;
}

/* One deadline for the whole answer, not one per frame. */
static void test_timeout_dripping_peer(void **state)
{
        struct drip d = { 0 };
        struct call c;
        struct call_end e;
        pthread_t th;
        unsigned frames = 0;
        int sv[2];
        int64_t t0 = now_ms();

        (void)state;
        start(&c, sv, SESAME_REQ_GROUP_BYNAME, "staff", t0 + 500);
        /* the group itself first, then endless continuation frames */
        peer_data(sv[0], SESAME_ANS_GROUP, 0, NULL, 0);
        d.fd = sv[0];
        assert_int_equal(pthread_create(&th, NULL, drip, &d), 0);
        assert_int_equal(call_answer(&c, (size_t)-1, take_any, &frames, &e), -ETIMEDOUT);
        assert_true(now_ms() - t0 <= 500 + SLACK_MS);
        assert_true(frames >= 2);
        d.stop = 1;
        call_close(&c);
        assert_int_equal(pthread_join(th, NULL), 0);
        close(sv[0]);
}

static void test_deadline_passed_before_send(void **state)
{
        struct call c;
        struct req q;
        uint8_t b[16];
        int sv[2];

        (void)state;
        pair(sv);
        assert_int_equal(call_adopt(&c, sv[1], now_ms() - 1), 0);
        assert_int_equal(call_send(&c, req_byname(&q, SESAME_REQ_PING, NULL)), -ETIMEDOUT);
        assert_int_equal(c.request, 0);
        /* nothing was sent */
        assert_int_equal(recv(sv[0], b, sizeof(b), MSG_DONTWAIT), -1);
        assert_int_equal(errno, EAGAIN);
        finish(&c, sv);
}

/* ---- DEADLINE_MS in the request ---- */

static void test_request_carries_deadline(void **state)
{
        struct call c;
        struct req q;
        int sv[2];
        uint32_t dl;

        (void)state;
        dl = start(&c, sv, SESAME_REQ_PASSWD_BYNAME, "alice", now_ms() + 4000);
        assert_true(dl > 4000 - SLACK_MS && dl <= 4000);
        finish(&c, sv);

        /* the caller may not set it itself: the frame is refused unsent */
        pair(sv);
        assert_int_equal(call_adopt(&c, sv[1], now_ms() + 4000), 0);
        req_byname(&q, SESAME_REQ_PING, NULL);
        assert_int_equal(proto_put_u32(&q.w, SESAME_F_DEADLINE_MS, 5), 0);
        assert_int_equal(call_send(&c, &q.w), SESAME_E_DUP_FIELD);
        assert_int_equal(c.request, 0);
        finish(&c, sv);

        /* an answer opcode is no request */
        pair(sv);
        assert_int_equal(call_adopt(&c, sv[1], now_ms() + 4000), 0);
        proto_begin(&q.w, q.buf, sizeof(q.buf), SESAME_ANS_MEMBERS);
        assert_int_equal(call_send(&c, &q.w), SESAME_E_UNKNOWN_FIELD);
        finish(&c, sv);

        /* no room left for the field */
        pair(sv);
        assert_int_equal(call_adopt(&c, sv[1], now_ms() + 4000), 0);
        proto_begin(&q.w, q.buf, 4 + SESAME_HDR_LEN + 4 + 5, SESAME_REQ_PASSWD_BYNAME);
        assert_int_equal(proto_put_str(&q.w, SESAME_F_NAME, "alice"), 0);
        assert_int_equal(call_send(&c, &q.w), SESAME_E_FULL);
        finish(&c, sv);
}

/* ---- the peer goes away, or sends too much ---- */

static void test_peer_closes(void **state)
{
        struct call c;
        struct call_end e;
        int sv[2];

        (void)state;
        /* before any frame */
        start(&c, sv, SESAME_REQ_PING, NULL, now_ms() + 5000);
        close(sv[0]);
        assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), SESAME_E_EOF);
        call_close(&c);

        /* inside a frame */
        start(&c, sv, SESAME_REQ_PING, NULL, now_ms() + 5000);
        write_all(sv[0], "\x00\x00\x00\x0e\x00\x01\x00", 7);
        close(sv[0]);
        assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), SESAME_E_TRUNCATED);
        call_close(&c);

        /* after a data frame, before END */
        start(&c, sv, SESAME_REQ_INITGROUPS, "bob", now_ms() + 5000);
        peer_data(sv[0], SESAME_ANS_GIDS, SESAME_F_GID, NULL, 7);
        close(sv[0]);
        assert_int_equal(call_next(&c), 0);
        assert_int_equal(c.msg.opcode, SESAME_ANS_GIDS);
        assert_int_equal(call_next(&c), SESAME_E_EOF);
        call_close(&c);

        /* before the request could be sent */
        pair(sv);
        close(sv[0]);
        assert_int_equal(call_adopt(&c, sv[1], now_ms() + 5000), 0);
        {
                struct req q;
                assert_int_equal(call_send(&c, req_byname(&q, SESAME_REQ_PING, NULL)), -EPIPE);
        }
        call_close(&c);
}

static void test_oversize_frame(void **state)
{
        struct call c;
        struct call_end e;
        int sv[2];
        uint8_t lw[4] = { 0x00, 0x00, (SESAME_FRAME_MAX + 1) >> 8, (SESAME_FRAME_MAX + 1) & 0xff };

        (void)state;
        start(&c, sv, SESAME_REQ_PING, NULL, now_ms() + 5000);
        /* refused at the length word: the peer need not send the body */
        write_all(sv[0], lw, sizeof(lw));
        assert_int_equal(call_answer(&c, 0, NULL, NULL, &e), SESAME_E_OVERSIZE);
        finish(&c, sv);
}

static void test_close_is_idempotent(void **state)
{
        struct call c = CALL_INIT;

        (void)state;
        call_close(&c);
        call_close(&c);
        assert_int_equal(c.fd, -1);
        assert_null(c.buf);
        /* nothing to read on a call that never sent */
        assert_int_equal(call_next(&c), -EBADF);
}

/* ---- the whole call through call_connect() (root only) ---- */

struct server {
        int lfd;
        uint32_t deadline_ms;
        uint16_t opcode;
};

static void *serve_once(void *arg)
{
        struct server *s = arg;
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0)
                return NULL;
        s->opcode = peer_request(fd, &s->deadline_ms);
        peer_data(fd, SESAME_ANS_USER, 0, NULL, 0);
        peer_end(fd, SESAME_ST_OK, 0, 0, "welcome");
        close(fd);
        return NULL;
}

static void test_collect_connected(void **state)
{
        char dir[] = "/tmp/test-call.XXXXXX", path[sizeof(dir) + 16];
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct server s = { 0 };
        struct taken t = { 0 };
        struct call c;
        struct call_end e;
        struct req q;
        pthread_t th;

        (void)state;
        if (geteuid() != 0)
                skip(); /* the socket must be root's, and so its peer */
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/s.sock", dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        s.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s.lfd >= 0);
        assert_int_equal(bind(s.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(s.lfd, 4), 0);
        assert_int_equal(pthread_create(&th, NULL, serve_once, &s), 0);

        proto_begin(&q.w, q.buf, sizeof(q.buf), SESAME_REQ_ACCOUNT);
        assert_int_equal(proto_put_str(&q.w, SESAME_F_LOGIN, "alice"), 0);
        assert_int_equal(proto_put_str(&q.w, SESAME_F_SERVICE, "login"), 0);
        assert_int_equal(call_collect(&c, path, &q.w, now_ms() + 3000, 1, take, &t, &e), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(s.opcode, SESAME_REQ_ACCOUNT);
        assert_true(s.deadline_ms > 3000 - SLACK_MS && s.deadline_ms <= 3000);
        assert_int_equal(e.status, SESAME_ST_OK);
        assert_string_equal(e.message, "welcome");
        assert_int_equal(t.n, 1);
        assert_string_equal(t.names[0], "alice");
        assert_int_equal(c.fd, -1);
        assert_null(c.buf);

        /* a socket that is not root's: refused before anything is sent */
        assert_int_equal(chown(path, 65534, 65534), 0);
        assert_int_equal(call_collect(&c, path, &q.w, now_ms() + 3000, 1, take, &t, &e), -EPERM);
        assert_string_equal(c.why, "not owned by root");
        assert_int_equal(c.request, 0);
        assert_int_equal(e.status, SESAME_ST_INTERNAL);

        /* nobody there */
        close(s.lfd);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(call_collect(&c, path, &q.w, now_ms() + 3000, 1, take, &t, &e), -ENOENT);
        assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_end_each_status),
                cmocka_unit_test(test_data_then_end),
                cmocka_unit_test(test_frames_split_anywhere),
                cmocka_unit_test(test_too_many_data_frames),
                cmocka_unit_test(test_unexpected_opcode),
                cmocka_unit_test(test_timeout_silent_peer),
                cmocka_unit_test(test_timeout_dripping_peer),
                cmocka_unit_test(test_deadline_passed_before_send),
                cmocka_unit_test(test_request_carries_deadline),
                cmocka_unit_test(test_peer_closes),
                cmocka_unit_test(test_oversize_frame),
                cmocka_unit_test(test_close_is_idempotent),
                cmocka_unit_test(test_collect_connected),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

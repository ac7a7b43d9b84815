/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-proto-split.c - buffers of whole frames (proto.h): proto_split(),
 * proto_split_fields() (each field handed out as the decoder passes it,
 * and the frame still refused when a later part fails) and
 * proto_split_again() (frames that passed before: the header read, the
 * bounds kept); and the decoder's check of strings at every length and
 * every place of a NUL or a byte above 0x7f (the word-at-a-time fast
 * path must refuse what the byte-by-byte one does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "proto.h"

/* A whole ANS_MEMBERS frame with @n members "m0", "m1", ... into @buf. */
static size_t members_frame(uint8_t *buf, size_t cap, int n)
{
        struct proto_writer w;
        char name[16];
        size_t len = 0;

        proto_begin(&w, buf, cap, SESAME_ANS_MEMBERS);
        for (int i = 0; i < n; i++) {
                (void)snprintf(name, sizeof(name), "m%d", i);
                assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, name), 0);
        }
        assert_int_equal(proto_end(&w, &len), 0);
        return len;
}

struct seen {
        int n;
        int stop_at; /* -1: never */
        uint16_t opcode;
};

static int count_field(uint16_t opcode, const struct proto_field *f, void *arg)
{
        struct seen *s = arg;
        char want[16];

        (void)snprintf(want, sizeof(want), "m%d", s->n);
        assert_int_equal(f->tag, SESAME_F_MEMBER);
        assert_int_equal(f->len, strlen(want));
        assert_memory_equal(f->val, want, f->len);
        s->opcode = opcode;
        if (s->n++ == s->stop_at)
                return -ERANGE;
        return 0;
}

static void test_split_fields(void **state _unused_)
{
        static uint8_t buf[2 * SESAME_BUF_MAX];
        struct proto_msg m;
        size_t len = members_frame(buf, SESAME_BUF_MAX, 100), off = 0;
        struct seen s = { .stop_at = -1 };

        len += members_frame(buf + len, SESAME_BUF_MAX, 3);
        assert_int_equal(proto_split_fields(buf, len, &off, &m, count_field, &s), 0);
        assert_int_equal(s.n, 100);
        assert_int_equal(s.opcode, SESAME_ANS_MEMBERS);
        assert_int_equal(m.nfields, 100);
        s.n = 0;
        assert_int_equal(proto_split_fields(buf, len, &off, &m, count_field, &s), 0);
        assert_int_equal(s.n, 3);
        assert_int_equal(off, len);
        assert_int_equal(proto_split_fields(buf, len, &off, &m, count_field, &s), SESAME_E_EOF);

        /* the callback's error ends it, and off stays */
        off = 0;
        s = (struct seen){ .stop_at = 10 };
        assert_int_equal(proto_split_fields(buf, len, &off, &m, count_field, &s), -ERANGE);
        assert_int_equal(s.n, 11);
        assert_int_equal(off, 0);

        /* a frame whose last field is bad: the fields before it were
         * handed out, and the frame is refused all the same */
        len = members_frame(buf, SESAME_BUF_MAX, 5);
        buf[len - 1] = 0x80;
        off = 0;
        s = (struct seen){ .stop_at = -1 };
        assert_int_equal(proto_split_fields(buf, len, &off, &m, count_field, &s), SESAME_E_UTF8);
        assert_int_equal(s.n, 4);
        assert_int_equal(off, 0);
        /* NULL: proto_split() */
        assert_int_equal(proto_split_fields(buf, len, &off, &m, NULL, NULL), SESAME_E_UTF8);
}

static void test_split_again(void **state _unused_)
{
        static uint8_t buf[SESAME_BUF_MAX];
        struct proto_msg m, again;
        struct proto_iter it;
        struct proto_field f;
        size_t len = members_frame(buf, sizeof(buf), 20), off = 0, off2 = 0;
        int n = 0;

        assert_int_equal(proto_split(buf, len, &off, &m), 0);
        assert_int_equal(proto_split_again(buf, len, &off2, &again), 0);
        assert_int_equal(off, off2);
        assert_int_equal(again.opcode, m.opcode);
        assert_int_equal(again.nfields, m.nfields);
        assert_ptr_equal(again.body, m.body);
        assert_int_equal(again.len, m.len);
        assert_int_equal(proto_split_again(buf, len, &off2, &again), SESAME_E_EOF);

        /* bytes changed since: the accessors stay inside the frame */
        buf[4 + SESAME_HDR_LEN + 2] = 0xff; /* the first field's length */
        buf[4 + 4] = 0xff;                  /* nfields */
        off2 = 0;
        assert_int_equal(proto_split_again(buf, len, &off2, &again), 0);
        proto_iter_init(&it, &again);
        while (proto_iter_next(&it, &f)) {
                assert_true(f.val >= again.body && f.val + f.len <= again.body + again.len);
                n++;
        }
        assert_int_equal(n, 0);

        /* a length word past the end, or shorter than a header */
        off2 = 0;
        assert_int_equal(proto_split_again(buf, len - 1, &off2, &again), SESAME_E_TRUNCATED);
        assert_int_equal(proto_split_again(buf, 3, &off2, &again), SESAME_E_TRUNCATED);
        buf[0] = buf[1] = buf[2] = 0;
        buf[3] = SESAME_HDR_LEN - 1;
        assert_int_equal(proto_split_again(buf, len, &off2, &again), SESAME_E_SHORT);
        assert_int_equal(off2, 0);
}

/* An ANS_MEMBERS body with one member of @len bytes 'a'..., decoded. */
static int decode_member(const uint8_t *val, size_t len)
{
        uint8_t body[64];
        struct proto_msg m;

        assert_true(SESAME_HDR_LEN + 4 + len <= sizeof(body));
        memcpy(body, "\x00\x01\x00\x07\x00\x01\x00\x08", 8);
        body[8] = (uint8_t)(len >> 8);
        body[9] = (uint8_t)len;
        memcpy(body + 10, val, len);
        return proto_decode(body, 10 + len, &m);
}

static void test_string_every_place(void **state _unused_)
{
        uint8_t v[40];

        for (size_t len = 1; len <= sizeof(v); len++) {
                memset(v, 'a', len);
                assert_int_equal(decode_member(v, len), 0);
                for (size_t at = 0; at < len; at++) {
                        memset(v, 'a', len);
                        v[at] = 0;
                        assert_int_equal(decode_member(v, len), SESAME_E_NUL);
                        v[at] = 0x80; /* a continuation byte alone */
                        assert_int_equal(decode_member(v, len), SESAME_E_UTF8);
                        v[at] = 0x7f;
                        assert_int_equal(decode_member(v, len), 0);
                        v[at] = 0x01;
                        assert_int_equal(decode_member(v, len), 0);
                        if (at + 1 < len) {
                                /* é: valid, past the ASCII fast path */
                                v[at] = 0xc3;
                                v[at + 1] = 0xa9;
                                assert_int_equal(decode_member(v, len), 0);
                        }
                }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split_fields),
                cmocka_unit_test(test_split_again),
                cmocka_unit_test(test_string_every_place),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

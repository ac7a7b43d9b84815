/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-proto.c - the codec against sesame-proto.h: round trips, one test
 * per malformed class (each with its own error), encoder refusals, the
 * frame cap, DEADLINE_MS in every request and no answer, golden byte
 * vectors in tests/unit/proto/, and proto_recv / proto_send over a
 * socketpair.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "util.h"

/* "\x05" "alice": a hex escape swallows every hex digit after it, so the
 * literals below always end an escape where a string value begins. */
#define S(lit) (lit), (sizeof(lit) - 1)

static uint8_t frame[SESAME_BUF_MAX];

/* Decode from an exact-size heap copy, so ASan flags any read outside the
 * body; returns the decoder's result. */
static int decode_exact(const void *body, size_t len, struct proto_msg *m)
{
        uint8_t *copy = malloc(len ? len : 1);
        struct proto_msg tmp;
        int r;

        assert_non_null(copy);
        if (len)
                memcpy(copy, body, len);
        r = proto_decode(copy, len, m ? m : &tmp);
        free(copy);
        return r;
}

static void expect_decode(const char *what, const char *body, size_t len, int want)
{
        int r = decode_exact(body, len, NULL);

        if (r != want)
                print_error("case '%s': got %d (%s), want %d (%s)\n", what, r, proto_strerror(r),
                            want, proto_strerror(want));
        assert_int_equal(r, want);
}

/* ---- encoder / decoder round trips ---- */

struct fspec {
        uint16_t tag;
        const char *s; /* NULL: U32 field with value v */
        uint32_t v;
};

struct mspec {
        uint16_t opcode;
        unsigned n;
        struct fspec f[8];
};

static const struct mspec all_opcodes[] = {
        { SESAME_REQ_PASSWD_BYNAME, 1, { { SESAME_F_NAME, "alice", 0 } } },
        { SESAME_REQ_PASSWD_BYUID, 1, { { SESAME_F_UID, NULL, 1000 } } },
        { SESAME_REQ_PASSWD_ENUM, 0, { { 0 } } },
        { SESAME_REQ_GROUP_BYNAME, 1, { { SESAME_F_NAME, "staff", 0 } } },
        { SESAME_REQ_GROUP_BYGID, 1, { { SESAME_F_GID, NULL, 50 } } },
        { SESAME_REQ_GROUP_ENUM, 0, { { 0 } } },
        { SESAME_REQ_INITGROUPS, 1, { { SESAME_F_NAME, "bob", 0 } } },
        { SESAME_REQ_PING, 0, { { 0 } } },
        { SESAME_REQ_PASSWD_BYMAIL, 1, { { SESAME_F_MAIL, "alice@example.org", 0 } } },
        { SESAME_REQ_CACHE_FLUSH, 0, { { 0 } } },
        { SESAME_ANS_END, 1, { { SESAME_F_STATUS, NULL, SESAME_ST_OK } } },
        { SESAME_ANS_END,
          2,
          { { SESAME_F_STATUS, NULL, SESAME_ST_UNAVAIL }, { SESAME_F_MESSAGE, "ldap down", 0 } } },
        { SESAME_ANS_PASSWD,
          7,
          { { SESAME_F_SHELL, "/bin/sh", 0 },
            { SESAME_F_NAME, "\xc3\xa9milie", 0 },
            { SESAME_F_PASSWD, "x", 0 },
            { SESAME_F_UID, NULL, 0xffffffffu },
            { SESAME_F_GID, NULL, 0 },
            { SESAME_F_GECOS, "", 0 },
            { SESAME_F_HOME, "/home/\xf0\x9f\x90\xa7", 0 } } },
        { SESAME_ANS_GROUP,
          3,
          { { SESAME_F_NAME, "empty", 0 }, { SESAME_F_PASSWD, "*", 0 }, { SESAME_F_GID, NULL, 7 } } },
        { SESAME_ANS_GROUP,
          5,
          { { SESAME_F_NAME, "staff", 0 },
            { SESAME_F_MEMBER, "alice", 0 },
            { SESAME_F_PASSWD, "x", 0 },
            { SESAME_F_MEMBER, "bob", 0 },
            { SESAME_F_GID, NULL, 50 } } },
        { SESAME_ANS_MEMBERS, 0, { { 0 } } },
        { SESAME_ANS_MEMBERS, 2, { { SESAME_F_MEMBER, "carol", 0 }, { SESAME_F_MEMBER, "dave", 0 } } },
        { SESAME_ANS_GIDS, 0, { { 0 } } },
        { SESAME_ANS_GIDS,
          3,
          { { SESAME_F_GID, NULL, 100 }, { SESAME_F_GID, NULL, 27 }, { SESAME_F_GID, NULL, 100 } } },
        /* the admin and login opcodes, with the fields they require */
        { SESAME_REQ_USER_SHOW, 1, { { SESAME_F_LOGIN, "alice", 0 } } },
        { SESAME_REQ_TOTP_ENROLL, 1, { { SESAME_F_LOGIN, "alice", 0 } } },
        { SESAME_REQ_TOTP_ACTIVATE, 2, { { SESAME_F_LOGIN, "alice", 0 }, { SESAME_F_CODE, "123456", 0 } } },
        { SESAME_REQ_TOTP_DISABLE, 1, { { SESAME_F_LOGIN, "alice", 0 } } },
        { SESAME_REQ_RECOVERY_CODES, 1, { { SESAME_F_LOGIN, "alice", 0 } } },
        { SESAME_REQ_UNLOCK, 1, { { SESAME_F_LOGIN, "alice", 0 } } },
        { SESAME_REQ_CHECK, 0, { { 0 } } },
        { SESAME_REQ_PASSWORD_SET,
          2,
          { { SESAME_F_LOGIN, "alice", 0 }, { SESAME_F_NEWPASSWORD, "Tr1cky-Phrase-42", 0 } } },
        { SESAME_REQ_CONFIRM_SEND, 1, { { SESAME_F_LOGIN, "alice", 0 } } },
        { SESAME_REQ_PURGE_PENDING, 1, { { SESAME_F_AGE, NULL, 86400 } } },
        { SESAME_REQ_AUTH,
          4,
          { { SESAME_F_LOGIN, "alice", 0 },
            { SESAME_F_PASSWORD, "pw", 0 },
            { SESAME_F_SERVICE, "login", 0 },
            { SESAME_F_TOTP_MODE, NULL, SESAME_TOTP_OFF } } },
        { SESAME_REQ_ACCOUNT, 2, { { SESAME_F_LOGIN, "alice", 0 }, { SESAME_F_SERVICE, "login", 0 } } },
        { SESAME_REQ_CHAUTHTOK,
          3,
          { { SESAME_F_LOGIN, "alice", 0 }, { SESAME_F_PASSWORD, "pw", 0 }, { SESAME_F_SERVICE, "passwd", 0 } } },
        { SESAME_REQ_SESSION,
          3,
          { { SESAME_F_LOGIN, "alice", 0 },
            { SESAME_F_SERVICE, "login", 0 },
            { SESAME_F_ACTION, NULL, SESAME_SESSION_OPEN } } },
        { SESAME_ANS_USER, 1, { { SESAME_F_NAME, "alice", 0 } } },
        { SESAME_ANS_USERINFO,
          3,
          { { SESAME_F_NAME, "alice", 0 }, { SESAME_F_UID, NULL, 1000 }, { SESAME_F_FLAGS, NULL, 0 } } },
        { SESAME_ANS_TOTP,
          3,
          { { SESAME_F_NAME, "alice", 0 }, { SESAME_F_SECRET, "JBSWY3DP", 0 }, { SESAME_F_URI, "otpauth://", 0 } } },
        { SESAME_ANS_CODES, 0, { { 0 } } },
        /* web.sock */
        { SESAME_REQ_WEB_RESET_REQUEST, 1, { { SESAME_F_LOGIN, "alice@example.org", 0 } } },
        { SESAME_REQ_WEB_RESET_CHECK, 1, { { SESAME_F_TOKEN, "AQIDBA", 0 } } },
        { SESAME_REQ_WEB_RESET_REDEEM, 2, { { SESAME_F_TOKEN, "AQIDBA", 0 }, { SESAME_F_NEWPASSWORD, "pw", 0 } } },
        { SESAME_REQ_WEB_CONFIRM_REQUEST, 2, { { SESAME_F_LOGIN, "alice", 0 }, { SESAME_F_RHOST, "192.0.2.7", 0 } } },
        { SESAME_REQ_WEB_CONFIRM_REDEEM, 1, { { SESAME_F_TOKEN, "AQIDBA", 0 } } },
        { SESAME_REQ_WEB_REGISTER,
          3,
          { { SESAME_F_LOGIN, "alice", 0 }, { SESAME_F_MAIL, "alice@example.org", 0 }, { SESAME_F_NEWPASSWORD, "pw", 0 } } },
};

static size_t encode_spec(const struct mspec *ms, uint8_t *buf, size_t cap)
{
        struct proto_writer w;
        size_t len = 0;

        proto_begin(&w, buf, cap, ms->opcode);
        for (unsigned i = 0; i < ms->n; i++) {
                const struct fspec *fs = &ms->f[i];
                if (fs->s)
                        assert_int_equal(proto_put_str(&w, fs->tag, fs->s), 0);
                else
                        assert_int_equal(proto_put_u32(&w, fs->tag, fs->v), 0);
        }
        assert_int_equal(proto_end(&w, &len), 0);
        return len;
}

/* Every field of @m, in order, is what @ms says. */
static void check_spec(const struct mspec *ms, const struct proto_msg *m)
{
        struct proto_iter it;
        struct proto_field f;
        char s[SESAME_TEXT_MAX + 1];
        unsigned i = 0;

        assert_int_equal(m->opcode, ms->opcode);
        assert_int_equal(m->nfields, ms->n);
        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f)) {
                assert_true(i < ms->n);
                assert_int_equal(f.tag, ms->f[i].tag);
                if (ms->f[i].s) {
                        assert_int_equal(proto_field_str(&f, s, sizeof(s)), 0);
                        assert_string_equal(s, ms->f[i].s);
                } else {
                        assert_int_equal(f.len, 4);
                        assert_int_equal(proto_field_u32(&f), ms->f[i].v);
                }
                i++;
        }
        assert_int_equal(i, ms->n);
}

static void test_roundtrip_all_opcodes(void **state)
{
        (void)state;
        for (size_t k = 0; k < sizeof(all_opcodes) / sizeof(all_opcodes[0]); k++) {
                const struct mspec *ms = &all_opcodes[k];
                struct proto_msg m;
                size_t len = encode_spec(ms, frame, sizeof(frame));
                uint32_t lw = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
                              (uint32_t)frame[2] << 8 | frame[3];

                assert_int_equal(lw, len - 4);
                assert_int_equal(decode_exact(frame + 4, len - 4, &m), 0);
                /* the view points into the heap copy, now freed: decode
                 * again in place for the field checks */
                assert_int_equal(proto_decode(frame + 4, len - 4, &m), 0);
                check_spec(ms, &m);
        }
}

static void test_find_and_get(void **state)
{
        struct proto_msg m;
        struct proto_field f;
        char small[6], fits[7];
        size_t len = encode_spec(&all_opcodes[14], frame, sizeof(frame)); /* ANS_GROUP staff */

        (void)state;
        assert_int_equal(proto_decode(frame + 4, len - 4, &m), 0);
        /* proto_find returns the first of a repeated tag */
        assert_true(proto_find(&m, SESAME_F_MEMBER, &f));
        assert_int_equal(f.len, 5);
        assert_memory_equal(f.val, "alice", 5);
        assert_false(proto_find(&m, SESAME_F_UID, &f));
        assert_int_equal(proto_get_u32(&m, SESAME_F_GID, 99), 50);
        assert_int_equal(proto_get_u32(&m, SESAME_F_UID, 99), 99);

        /* "staff" needs 6 bytes with its NUL: 5 is -ERANGE, 6 fits */
        assert_true(proto_find(&m, SESAME_F_NAME, &f));
        assert_int_equal(proto_field_str(&f, small, 5), -ERANGE);
        assert_int_equal(proto_field_str(&f, small, 0), -ERANGE);
        assert_int_equal(proto_field_str(&f, small, 6), 0);
        assert_string_equal(small, "staff");
        assert_int_equal(proto_field_str(&f, fits, sizeof(fits)), 0);
        assert_string_equal(fits, "staff");
}

static void test_repeatable(void **state)
{
        struct proto_writer w;
        struct proto_msg m;
        struct proto_iter it;
        struct proto_field f;
        size_t len;
        unsigned n = 0;

        (void)state;
        proto_begin(&w, frame, sizeof(frame), SESAME_ANS_GIDS);
        for (uint32_t g = 0; g < 100; g++)
                assert_int_equal(proto_put_u32(&w, SESAME_F_GID, g), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(proto_decode(frame + 4, len - 4, &m), 0);
        proto_iter_init(&it, &m);
        while (proto_iter_next(&it, &f))
                assert_int_equal(proto_field_u32(&f), n++);
        assert_int_equal(n, 100);

        /* repeated MEMBER inside ANS_GROUP, decoded from raw bytes */
        expect_decode("group with members",
                      S("\x00\x01\x00\x05\x00\x05"
                        "\x00\x08\x00\x01" "a"
                        "\x00\x01\x00\x01" "g"
                        "\x00\x08\x00\x01" "b"
                        "\x00\x04\x00\x00"
                        "\x00\x03\x00\x04\x00\x00\x00\x01"),
                      0);
}

/* ---- malformed frames: one error per class ---- */

static void test_short(void **state)
{
        (void)state;
        expect_decode("empty", S(""), SESAME_E_SHORT);
        expect_decode("5 bytes", S("\x00\x01\x00\x08\x00"), SESAME_E_SHORT);
}

static void test_oversize(void **state)
{
        static uint8_t big[SESAME_FRAME_MAX + 1];

        (void)state;
        /* a well-formed PING header, then too many bytes: the size check
         * comes first */
        memset(big, 0, sizeof(big));
        big[1] = 1;
        big[2] = 0x01;
        assert_int_equal(decode_exact(big, sizeof(big), NULL), SESAME_E_OVERSIZE);
        /* exactly at the cap it gets as far as the trailing-bytes check */
        assert_int_equal(decode_exact(big, SESAME_FRAME_MAX, NULL), SESAME_E_TRAILING);
}

static void test_version(void **state)
{
        (void)state;
        expect_decode("version 2", S("\x00\x02\x01\x00\x00\x00"), SESAME_E_VERSION);
        expect_decode("version 0", S("\x00\x00\x01\x00\x00\x00"), SESAME_E_VERSION);
        expect_decode("version 0x0100", S("\x01\x00\x01\x00\x00\x00"), SESAME_E_VERSION);
        /* checked before the opcode */
        expect_decode("version and opcode bad", S("\x00\x02\xff\xff\x00\x00"), SESAME_E_VERSION);
}

static void test_opcode(void **state)
{
        (void)state;
        expect_decode("opcode 0", S("\x00\x01\x00\x00\x00\x00"), SESAME_E_OPCODE);
        expect_decode("opcode 0x10", S("\x00\x01\x00\x10\x00\x00"), SESAME_E_OPCODE);
        expect_decode("opcode 0x13", S("\x00\x01\x00\x13\x00\x00"), SESAME_E_OPCODE);
        expect_decode("opcode 0x0208", S("\x00\x01\x02\x08\x00\x00"), SESAME_E_OPCODE);
        expect_decode("opcode 0x0106", S("\x00\x01\x01\x06\x00\x00"), SESAME_E_OPCODE);
        expect_decode("opcode 0xffff", S("\x00\x01\xff\xff\x00\x00"), SESAME_E_OPCODE);
}

static void test_truncated(void **state)
{
        (void)state;
        expect_decode("nfields 1, no field", S("\x00\x01\x00\x02\x00\x01"), SESAME_E_TRUNCATED);
        expect_decode("half a field header", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00"),
                      SESAME_E_TRUNCATED);
        expect_decode("value past the end", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x05" "ali"),
                      SESAME_E_TRUNCATED);
        expect_decode("len 0xffff", S("\x00\x01\x00\x02\x00\x01\x00\x01\xff\xff" "alice"),
                      SESAME_E_TRUNCATED);
        expect_decode("nfields 2, one field",
                      S("\x00\x01\x00\x02\x00\x02\x00\x01\x00\x05" "alice"), SESAME_E_TRUNCATED);
}

static void test_unknown_field(void **state)
{
        (void)state;
        expect_decode("tag 0", S("\x00\x01\x00\x02\x00\x01\x00\x00\x00\x01" "a"),
                      SESAME_E_UNKNOWN_FIELD);
        expect_decode("tag F__MAX+1", S("\x00\x01\x00\x02\x00\x01\x00\x22\x00\x01" "a"),
                      SESAME_E_UNKNOWN_FIELD);
        expect_decode("tag 0xffff", S("\x00\x01\x00\x02\x00\x01\xff\xff\x00\x01" "a"),
                      SESAME_E_UNKNOWN_FIELD);
        /* UID is a real tag, but not one BYNAME allows */
        expect_decode("UID in BYNAME",
                      S("\x00\x01\x00\x02\x00\x01\x00\x02\x00\x04\x00\x00\x00\x01"),
                      SESAME_E_UNKNOWN_FIELD);
        expect_decode("NAME in PING", S("\x00\x01\x01\x00\x00\x01\x00\x01\x00\x01" "a"),
                      SESAME_E_UNKNOWN_FIELD);
}

static void test_dup_field(void **state)
{
        (void)state;
        expect_decode("NAME twice",
                      S("\x00\x01\x00\x02\x00\x02\x00\x01\x00\x01" "a" "\x00\x01\x00\x01" "b"),
                      SESAME_E_DUP_FIELD);
        expect_decode("STATUS twice",
                      S("\x00\x01\x00\x01\x00\x02"
                        "\x00\x09\x00\x04\x00\x00\x00\x00"
                        "\x00\x09\x00\x04\x00\x00\x00\x00"),
                      SESAME_E_DUP_FIELD);
}

static void test_missing_field(void **state)
{
        (void)state;
        expect_decode("BYNAME without NAME", S("\x00\x01\x00\x02\x00\x00"), SESAME_E_MISSING_FIELD);
        expect_decode("END with MESSAGE only",
                      S("\x00\x01\x00\x01\x00\x01\x00\x0a\x00\x02" "hi"), SESAME_E_MISSING_FIELD);
        /* ANS_PASSWD lacking SHELL */
        expect_decode("PASSWD without SHELL",
                      S("\x00\x01\x00\x03\x00\x06"
                        "\x00\x01\x00\x01" "a"
                        "\x00\x04\x00\x01" "x"
                        "\x00\x02\x00\x04\x00\x00\x00\x01"
                        "\x00\x03\x00\x04\x00\x00\x00\x01"
                        "\x00\x05\x00\x00"
                        "\x00\x06\x00\x01" "/"),
                      SESAME_E_MISSING_FIELD);
}

static void test_field_size(void **state)
{
        static uint8_t b[64 + SESAME_TEXT_MAX];

        (void)state;
        expect_decode("U32 of 3", S("\x00\x01\x00\x04\x00\x01\x00\x02\x00\x03\x00\x00\x01"),
                      SESAME_E_FIELD_SIZE);
        expect_decode("U32 of 5", S("\x00\x01\x00\x04\x00\x01\x00\x02\x00\x05\x00\x00\x00\x00\x01"),
                      SESAME_E_FIELD_SIZE);
        expect_decode("U32 of 0", S("\x00\x01\x00\x04\x00\x01\x00\x02\x00\x00"), SESAME_E_FIELD_SIZE);

        /* NAME: 256 accepted, 257 refused; MAIL 320/321; GECOS 1024/1025 */
        static const struct {
                uint16_t opcode, tag, max;
        } lim[] = {
                { SESAME_REQ_PASSWD_BYNAME, SESAME_F_NAME, SESAME_NAME_MAX },
                { SESAME_REQ_PASSWD_BYMAIL, SESAME_F_MAIL, SESAME_MAIL_MAX },
                { SESAME_ANS_END, SESAME_F_MESSAGE, SESAME_TEXT_MAX },
        };
        for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
                for (unsigned extra = 0; extra <= 1; extra++) {
                        size_t n = lim[i].max + extra, o = 0;

                        memset(b, 'a', sizeof(b));
                        b[o++] = 0, b[o++] = 1;
                        b[o++] = (uint8_t)(lim[i].opcode >> 8), b[o++] = (uint8_t)lim[i].opcode;
                        b[o++] = 0, b[o++] = lim[i].opcode == SESAME_ANS_END ? 2 : 1;
                        if (lim[i].opcode == SESAME_ANS_END) {
                                static const uint8_t st[] = { 0, 9, 0, 4, 0, 0, 0, 0 };
                                memcpy(b + o, st, sizeof(st));
                                o += sizeof(st);
                        }
                        b[o++] = (uint8_t)(lim[i].tag >> 8), b[o++] = (uint8_t)lim[i].tag;
                        b[o++] = (uint8_t)(n >> 8), b[o++] = (uint8_t)n;
                        assert_int_equal(decode_exact(b, o + n, NULL),
                                         extra ? SESAME_E_FIELD_SIZE : 0);
                }
        }
}

static void test_nul(void **state)
{
        (void)state;
        expect_decode("NUL inside", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x03" "a\0b"), SESAME_E_NUL);
        expect_decode("NUL at end", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x02" "a\0"), SESAME_E_NUL);
        expect_decode("lone NUL", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x01" "\0"), SESAME_E_NUL);
}

static void test_utf8_frames(void **state)
{
        (void)state;
        expect_decode("overlong '/'", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x02\xc0\xaf"),
                      SESAME_E_UTF8);
        expect_decode("surrogate", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x03\xed\xa0\x80"),
                      SESAME_E_UTF8);
        expect_decode("truncated", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x03" "a\xe2\x82"),
                      SESAME_E_UTF8);
        expect_decode("> U+10FFFF", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x04\xf4\x90\x80\x80"),
                      SESAME_E_UTF8);
        expect_decode("stray continuation", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x02" "a\x80"),
                      SESAME_E_UTF8);
        expect_decode("latin-1", S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x02" "\xe9" "a"),
                      SESAME_E_UTF8);
}

static void test_trailing(void **state)
{
        (void)state;
        expect_decode("byte after PING", S("\x00\x01\x01\x00\x00\x00\x00"), SESAME_E_TRAILING);
        expect_decode("a second field not counted",
                      S("\x00\x01\x00\x02\x00\x01\x00\x01\x00\x01" "a" "\x00\x01\x00\x01" "b"),
                      SESAME_E_TRAILING);
        /* trailing bytes are reported before a missing required field */
        expect_decode("BYNAME, no fields, trailing", S("\x00\x01\x00\x02\x00\x00\x00"),
                      SESAME_E_TRAILING);
}

static void test_utf8_valid(void **state)
{
        static const struct {
                const char *s;
                size_t len;
                bool ok;
        } v[] = {
                { S(""), true },
                { S("plain ascii"), true },
                { S("\xc2\x80"), true },             /* U+0080 */
                { S("\xdf\xbf"), true },             /* U+07FF */
                { S("\xe0\xa0\x80"), true },         /* U+0800 */
                { S("\xed\x9f\xbf"), true },         /* U+D7FF */
                { S("\xee\x80\x80"), true },         /* U+E000 */
                { S("\xef\xbf\xbf"), true },         /* U+FFFF */
                { S("\xf0\x90\x80\x80"), true },     /* U+10000 */
                { S("\xf4\x8f\xbf\xbf"), true },     /* U+10FFFF */
                { S("\xc0\x80"), false },            /* overlong NUL */
                { S("\xc1\xbf"), false },            /* overlong U+007F */
                { S("\xe0\x80\x80"), false },        /* overlong 3-byte */
                { S("\xe0\x9f\xbf"), false },        /* overlong U+07FF */
                { S("\xf0\x80\x80\x80"), false },    /* overlong 4-byte */
                { S("\xf0\x8f\xbf\xbf"), false },    /* overlong U+FFFF */
                { S("\xed\xa0\x80"), false },        /* U+D800 */
                { S("\xed\xbf\xbf"), false },        /* U+DFFF */
                { S("\xf4\x90\x80\x80"), false },    /* U+110000 */
                { S("\xf5\x80\x80\x80"), false },    /* lead byte F5 */
                { S("\xf8\x88\x80\x80\x80"), false }, /* 5-byte form */
                { S("\xfe"), false },
                { S("\xff"), false },
                { S("\x80"), false },                /* stray continuation */
                { S("a\xbf"), false },
                { S("\xc3"), false },                /* truncated 2-byte */
                { S("\xe2\x82"), false },            /* truncated 3-byte */
                { S("\xf0\x9f\x98"), false },        /* truncated 4-byte */
                { S("\xe2\x28\xa1"), false },        /* bad 2nd byte */
                { S("\xe2\x82\x28"), false },        /* bad 3rd byte */
                { S("\xf0\x9f\x98\x28"), false },    /* bad 4th byte */
                { S("\xc3\xa9\xc3"), false },        /* valid then truncated */
        };

        (void)state;
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                if (utf8_valid((const uint8_t *)v[i].s, v[i].len) != v[i].ok)
                        print_error("utf8 case %zu\n", i);
                assert_int_equal(utf8_valid((const uint8_t *)v[i].s, v[i].len), v[i].ok);
        }
}

/* ---- encoder ---- */

static void test_encoder_refusals(void **state)
{
        static uint8_t before[SESAME_BUF_MAX];
        char toolong[SESAME_NAME_MAX + 2];
        struct proto_writer w, wsave;
        size_t len;

        (void)state;
        memset(frame, 0xaa, sizeof(frame));
        proto_begin(&w, frame, sizeof(frame), SESAME_ANS_GROUP);
        assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "staff"), 0);
        memcpy(before, frame, sizeof(frame));
        wsave = w;

        memset(toolong, 'a', sizeof(toolong) - 1);
        toolong[sizeof(toolong) - 1] = '\0';

        assert_int_equal(proto_put_str(&w, 0, "a"), SESAME_E_UNKNOWN_FIELD);
        assert_int_equal(proto_put_str(&w, SESAME_F__MAX + 1, "a"), SESAME_E_UNKNOWN_FIELD);
        assert_int_equal(proto_put_u32(&w, 0xffff, 1), SESAME_E_UNKNOWN_FIELD);
        /* a real tag the opcode does not allow */
        assert_int_equal(proto_put_str(&w, SESAME_F_MAIL, "a@b"), SESAME_E_UNKNOWN_FIELD);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, toolong), SESAME_E_FIELD_SIZE);
        assert_int_equal(proto_put_strn(&w, SESAME_F_MEMBER, "a\0b", 3), SESAME_E_NUL);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, "\xc0\xaf"), SESAME_E_UTF8);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, "\xed\xa0\x80"), SESAME_E_UTF8);
        assert_int_equal(proto_put_strn(&w, SESAME_F_MEMBER, "\xc3\xa9", 1), SESAME_E_UTF8);
        /* wrong type for the tag is a caller bug */
        assert_int_equal(proto_put_str(&w, SESAME_F_GID, "50"), -EINVAL);
        assert_int_equal(proto_put_u32(&w, SESAME_F_PASSWD, 1), -EINVAL);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, NULL), -EINVAL);

        assert_memory_equal(frame, before, sizeof(frame));
        assert_memory_equal(&w, &wsave, sizeof(w));

        /* and the frame is still good to finish */
        assert_int_equal(proto_put_str(&w, SESAME_F_PASSWD, "x"), 0);
        assert_int_equal(proto_put_u32(&w, SESAME_F_GID, 50), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(len, 4 + 6 + 9 + 5 + 8);
}

static void test_end_validates(void **state)
{
        struct proto_writer w;
        size_t len = 12345;

        (void)state;
        proto_begin(&w, frame, sizeof(frame), SESAME_ANS_PASSWD);
        assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "alice"), 0);
        assert_int_equal(proto_end(&w, &len), SESAME_E_MISSING_FIELD);
        assert_int_equal(len, 12345);

        proto_begin(&w, frame, sizeof(frame), SESAME_REQ_PASSWD_BYNAME);
        assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "a"), 0);
        assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "b"), 0);
        assert_int_equal(proto_end(&w, &len), SESAME_E_DUP_FIELD);

        proto_begin(&w, frame, sizeof(frame), 0x0042);
        assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "a"), 0);
        assert_int_equal(proto_end(&w, &len), SESAME_E_OPCODE);
}

/* Fill ANS_MEMBERS to exactly SESAME_FRAME_MAX: E_FULL one byte later. */
static void test_full_at_cap(void **state)
{
        /* larger than SESAME_BUF_MAX: the frame cap, not the buffer, binds */
        static uint8_t big[SESAME_BUF_MAX + 512], before[SESAME_BUF_MAX + 512];
        char name[SESAME_NAME_MAX + 1];
        struct proto_writer w, wsave;
        struct proto_msg m;
        size_t room = SESAME_FRAME_MAX - SESAME_HDR_LEN, len, last;
        unsigned n = 0;

        (void)state;
        memset(name, 'm', SESAME_NAME_MAX);
        name[SESAME_NAME_MAX] = '\0';
        proto_begin(&w, big, sizeof(big), SESAME_ANS_MEMBERS);
        while (room >= 2 * proto_field_cost(SESAME_NAME_MAX)) {
                assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, name), 0);
                room -= proto_field_cost(SESAME_NAME_MAX);
                n++;
        }
        /* two more members that use up the room exactly; the second one
         * plus a byte must still be a legal MEMBER, so the refusal below
         * can only be SESAME_E_FULL */
        last = room - proto_field_cost(SESAME_NAME_MAX) - 4;
        assert_true(last < SESAME_NAME_MAX);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, name), 0);
        n++;
        memcpy(before, big, sizeof(big));
        wsave = w;
        /* one byte too many */
        assert_int_equal(proto_put_strn(&w, SESAME_F_MEMBER, name, last + 1), SESAME_E_FULL);
        assert_memory_equal(big, before, sizeof(big));
        assert_memory_equal(&w, &wsave, sizeof(w));
        assert_int_equal(proto_put_strn(&w, SESAME_F_MEMBER, name, last), 0);
        n++;
        assert_int_equal(w.len, SESAME_BUF_MAX);
        /* even an empty member no longer fits */
        memcpy(before, big, sizeof(big));
        wsave = w;
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, ""), SESAME_E_FULL);
        assert_int_equal(proto_put_u32(&w, SESAME_F_GID, 1), SESAME_E_UNKNOWN_FIELD);
        assert_memory_equal(big, before, sizeof(big));
        assert_memory_equal(&w, &wsave, sizeof(w));

        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(len, SESAME_BUF_MAX);
        assert_int_equal(proto_decode(big + 4, len - 4, &m), 0);
        assert_int_equal(m.nfields, n);
}

static void test_small_buffer(void **state)
{
        uint8_t tiny[8], small[20];
        struct proto_writer w;
        size_t len;

        (void)state;
        /* smaller than the header: nothing written, everything refused */
        memset(tiny, 0x55, sizeof(tiny));
        proto_begin(&w, tiny, sizeof(tiny), SESAME_REQ_PASSWD_BYNAME);
        assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "a"), SESAME_E_FULL);
        assert_int_equal(proto_end(&w, &len), SESAME_E_FULL);
        for (size_t i = 0; i < sizeof(tiny); i++)
                assert_int_equal(tiny[i], 0x55);

        /* 10 header bytes + 10 of fields: "12345" (9) fits, then no more */
        proto_begin(&w, small, sizeof(small), SESAME_ANS_MEMBERS);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, "12345"), 0);
        assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, "ab"), SESAME_E_FULL);
        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(len, 19);
}

/* ---- DEADLINE_MS: optional in every request, in no answer ---- */

/* @ms plus DEADLINE_MS @v, as raw bytes (the encoder would refuse it in
 * an answer before the decoder is asked) */
static size_t with_deadline(const struct mspec *ms, uint32_t v, uint8_t *buf, size_t cap)
{
        size_t len = encode_spec(ms, buf, cap);
        static const uint8_t tag[] = { 0x00, SESAME_F_DEADLINE_MS, 0x00, 0x04 };

        assert_true(len + 8 <= cap);
        memcpy(buf + len, tag, 4);
        buf[len + 4] = (uint8_t)(v >> 24);
        buf[len + 5] = (uint8_t)(v >> 16);
        buf[len + 6] = (uint8_t)(v >> 8);
        buf[len + 7] = (uint8_t)v;
        buf[9] = (uint8_t)(ms->n + 1); /* nfields, low byte: n < 255 here */
        return len + 8;
}

static void test_deadline_field(void **state)
{
        static uint8_t b[SESAME_BUF_MAX];
        struct proto_writer w;
        struct proto_msg m;
        size_t len;

        (void)state;
        for (size_t k = 0; k < sizeof(all_opcodes) / sizeof(all_opcodes[0]); k++) {
                const struct mspec *ms = &all_opcodes[k];
                bool request = (ms->opcode & 1) == 0;

                /* the frame is valid as it is */
                len = encode_spec(ms, b, sizeof(b));
                assert_int_equal(proto_decode(b + 4, len - 4, &m), 0);

                len = with_deadline(ms, 1500, b, sizeof(b));
                if (!request) {
                        if (proto_decode(b + 4, len - 4, &m) != SESAME_E_UNKNOWN_FIELD)
                                print_error("answer 0x%04x accepts DEADLINE_MS\n", ms->opcode);
                        assert_int_equal(proto_decode(b + 4, len - 4, &m), SESAME_E_UNKNOWN_FIELD);
                        proto_begin(&w, b, sizeof(b), ms->opcode);
                        assert_int_equal(proto_put_u32(&w, SESAME_F_DEADLINE_MS, 1), SESAME_E_UNKNOWN_FIELD);
                        continue;
                }
                if (proto_decode(b + 4, len - 4, &m) != 0)
                        print_error("request 0x%04x refuses DEADLINE_MS\n", ms->opcode);
                assert_int_equal(proto_decode(b + 4, len - 4, &m), 0);
                assert_int_equal(proto_get_u32(&m, SESAME_F_DEADLINE_MS, 0), 1500);
                /* the encoder agrees */
                proto_begin(&w, b, sizeof(b), ms->opcode);
                assert_int_equal(proto_put_u32(&w, SESAME_F_DEADLINE_MS, 0xffffffffu), 0);
        }

        /* all_opcodes holds every opcode the decoder knows */
        for (uint32_t op = 0; op <= 0xffff; op++) {
                uint8_t hdr[SESAME_HDR_LEN] = { 0, SESAME_PROTO_VERSION, (uint8_t)(op >> 8), (uint8_t)op, 0, 0 };
                bool listed = false;

                if (proto_decode(hdr, sizeof(hdr), &m) == SESAME_E_OPCODE)
                        continue;
                for (size_t k = 0; k < sizeof(all_opcodes) / sizeof(all_opcodes[0]); k++)
                        listed |= all_opcodes[k].opcode == op;
                if (!listed)
                        print_error("opcode 0x%04x is missing from the DEADLINE_MS test\n", (unsigned)op);
                assert_true(listed);
        }

        /* a U32, once */
        expect_decode("DEADLINE_MS of 2 bytes",
                      S("\x00\x01\x01\x00\x00\x01" "\x00\x21\x00\x02\x00\x01"), SESAME_E_FIELD_SIZE);
        expect_decode("DEADLINE_MS twice",
                      S("\x00\x01\x01\x00\x00\x02"
                        "\x00\x21\x00\x04\x00\x00\x03\xe8"
                        "\x00\x21\x00\x04\x00\x00\x03\xe8"),
                      SESAME_E_DUP_FIELD);
}

/* ---- golden vectors ---- */

static size_t read_golden(const char *name, uint8_t *buf, size_t cap)
{
        const char *dir = getenv("SESAME_TEST_DATA");
        char path[4096];
        FILE *f;
        size_t n;

        if (!dir)
                dir = ".";
        snprintf(path, sizeof(path), "%s/proto/%s", dir, name);
        f = fopen(path, "rbe");
        if (!f)
                print_error("cannot open %s (set SESAME_TEST_DATA)\n", path);
        assert_non_null(f);
        n = fread(buf, 1, cap, f);
        assert_true(feof(f) || n < cap);
        fclose(f);
        return n;
}

/*
 * Each file is a whole frame, checked by hand against sesame-proto.h, e.g.
 * passwd-byname.bin:
 *   00 00 00 0f   length 15
 *   00 01         version 1
 *   00 02         REQ_PASSWD_BYNAME
 *   00 01         1 field
 *   00 01 00 05   NAME, 5 bytes
 *   61 6c 69 63 65  "alice"
 * The fields below are listed in file order.
 */
static const struct {
        const char *file;
        struct mspec ms;
} golden[] = {
        { "passwd-byname.bin", { SESAME_REQ_PASSWD_BYNAME, 1, { { SESAME_F_NAME, "alice", 0 } } } },
        { "passwd-byuid.bin", { SESAME_REQ_PASSWD_BYUID, 1, { { SESAME_F_UID, NULL, 1000 } } } },
        { "ping.bin", { SESAME_REQ_PING, 0, { { 0 } } } },
        { "ans-passwd.bin",
          { SESAME_ANS_PASSWD,
            7,
            { { SESAME_F_NAME, "alice", 0 },
              { SESAME_F_PASSWD, "x", 0 },
              { SESAME_F_UID, NULL, 1000 },
              { SESAME_F_GID, NULL, 1000 },
              { SESAME_F_GECOS, "Alice M\xc3\xbcller", 0 },
              { SESAME_F_HOME, "/home/alice", 0 },
              { SESAME_F_SHELL, "/bin/bash", 0 } } } },
        { "ans-end.bin",
          { SESAME_ANS_END,
            2,
            { { SESAME_F_STATUS, NULL, SESAME_ST_NOTFOUND }, { SESAME_F_MESSAGE, "no such user", 0 } } } },
        { "ans-group.bin",
          { SESAME_ANS_GROUP,
            5,
            { { SESAME_F_NAME, "staff", 0 },
              { SESAME_F_PASSWD, "x", 0 },
              { SESAME_F_GID, NULL, 50 },
              { SESAME_F_MEMBER, "alice", 0 },
              { SESAME_F_MEMBER, "bob", 0 } } } },
        { "ans-gids.bin",
          { SESAME_ANS_GIDS,
            3,
            { { SESAME_F_GID, NULL, 100 }, { SESAME_F_GID, NULL, 27 }, { SESAME_F_GID, NULL, 1000 } } } },
        /* 00 21 00 04 00 00 03 e8: DEADLINE_MS, 1000 ms */
        { "passwd-byname-deadline.bin",
          { SESAME_REQ_PASSWD_BYNAME, 2, { { SESAME_F_NAME, "alice", 0 }, { SESAME_F_DEADLINE_MS, NULL, 1000 } } } },
        { "auth-deadline.bin",
          { SESAME_REQ_AUTH,
            5,
            { { SESAME_F_LOGIN, "alice", 0 },
              { SESAME_F_PASSWORD, "pw", 0 },
              { SESAME_F_SERVICE, "sshd", 0 },
              { SESAME_F_TOTP_MODE, NULL, SESAME_TOTP_OPTIONAL },
              { SESAME_F_DEADLINE_MS, NULL, 9500 } } } },
        /* 00 22: TOKEN (tag 34); 00 0e: NEWPASSWORD (tag 14) */
        { "web-reset-redeem.bin",
          { SESAME_REQ_WEB_RESET_REDEEM,
            3,
            { { SESAME_F_TOKEN, "AQIDBA", 0 },
              { SESAME_F_NEWPASSWORD, "N3w-Passw0rd", 0 },
              { SESAME_F_RHOST, "::1", 0 } } } },
        { "web-reset-request.bin",
          { SESAME_REQ_WEB_RESET_REQUEST, 1, { { SESAME_F_LOGIN, "alice@example.org", 0 } } } },
};

static void test_golden(void **state)
{
        static uint8_t file[SESAME_BUF_MAX], enc[SESAME_BUF_MAX];

        (void)state;
        for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
                size_t n = read_golden(golden[i].file, file, sizeof(file)), len;
                struct proto_msg m;

                assert_true(n >= 4 + SESAME_HDR_LEN);
                /* the length word says exactly the rest of the file */
                assert_int_equal((size_t)file[0] << 24 | (size_t)file[1] << 16 |
                                         (size_t)file[2] << 8 | file[3],
                                 n - 4);
                assert_int_equal(proto_decode(file + 4, n - 4, &m), 0);
                check_spec(&golden[i].ms, &m);

                len = encode_spec(&golden[i].ms, enc, sizeof(enc));
                assert_int_equal(len, n);
                assert_memory_equal(enc, file, n);
        }
}

/* ---- I/O over a socketpair ---- */

static void pair(int sv[2])
{
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void write_all(int fd, const void *p, size_t n)
{
        assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void test_recv_whole(void **state)
{
        static uint8_t file[SESAME_BUF_MAX], buf[SESAME_BUF_MAX];
        size_t n = read_golden("ans-passwd.bin", file, sizeof(file));
        struct proto_msg m;
        int sv[2];

        (void)state;
        pair(sv);
        /* two frames back to back: recv must stop at the first one's end */
        write_all(sv[0], file, n);
        write_all(sv[0], file, n);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), 0);
        check_spec(&golden[3].ms, &m);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), 0);
        check_spec(&golden[3].ms, &m);
        close(sv[0]);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), SESAME_E_EOF);
        close(sv[1]);
}

static void test_recv_bytewise(void **state)
{
        static uint8_t file[SESAME_BUF_MAX], buf[SESAME_BUF_MAX];
        size_t n = read_golden("ans-group.bin", file, sizeof(file));
        struct proto_msg m;
        int sv[2], status;
        pid_t pid;

        (void)state;
        pair(sv);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct timespec ts = { 0, 1000000 };
                close(sv[1]);
                for (size_t i = 0; i < n; i++) {
                        if (write(sv[0], file + i, 1) != 1)
                                _exit(1);
                        nanosleep(&ts, NULL);
                }
                _exit(0);
        }
        close(sv[0]);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 10000), 0);
        check_spec(&golden[5].ms, &m);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(sv[1]);
}

static void test_recv_eof(void **state)
{
        static uint8_t file[SESAME_BUF_MAX], buf[SESAME_BUF_MAX];
        size_t n = read_golden("ans-passwd.bin", file, sizeof(file));
        struct proto_msg m;
        int sv[2];
        const size_t cut[] = { 1, 3, 4, 5, 10, n - 1 };

        (void)state;
        pair(sv);
        close(sv[0]);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), SESAME_E_EOF);
        close(sv[1]);

        /* EOF anywhere inside the frame, length word included */
        for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
                pair(sv);
                write_all(sv[0], file, cut[i]);
                close(sv[0]);
                assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000),
                                 SESAME_E_TRUNCATED);
                close(sv[1]);
        }
}

/* The length word is judged before anything else is read. */
static void test_recv_bad_length(void **state)
{
        static uint8_t buf[SESAME_BUF_MAX];
        static const struct {
                uint8_t len[4];
                int want;
        } v[] = {
                { { 0x00, 0x00, 0x40, 0x01 }, SESAME_E_OVERSIZE }, /* FRAME_MAX + 1 */
                { { 0xff, 0xff, 0xff, 0xff }, SESAME_E_OVERSIZE },
                { { 0x00, 0x00, 0x00, 0x05 }, SESAME_E_SHORT },
                { { 0x00, 0x00, 0x00, 0x00 }, SESAME_E_SHORT },
        };
        uint8_t rest[100], left[sizeof(rest) + 1];
        struct proto_msg m;
        int sv[2];

        (void)state;
        memset(rest, 'r', sizeof(rest));
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                pair(sv);
                write_all(sv[0], v[i].len, 4);
                write_all(sv[0], rest, sizeof(rest));
                assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), v[i].want);
                /* nothing after the length word was consumed */
                assert_int_equal(recv(sv[1], left, sizeof(left), MSG_DONTWAIT), (ssize_t)sizeof(rest));
                close(sv[0]);
                close(sv[1]);
        }
}

/* The non-blocking reader's rule is proto_recv()'s: the same lengths
 * refused, the length known once the word is whole. */
static void test_frame_len(void **state)
{
        static const struct {
                uint8_t len[4];
                size_t have, cap;
                int want;
                size_t want_len;
        } v[] = {
                { { 0x00, 0x00, 0x00, 0x06 }, 3, SESAME_BUF_MAX, 0, 0 }, /* the word not whole yet */
                { { 0x00, 0x00, 0x00, 0x06 }, 4, SESAME_BUF_MAX, 0, 10 },
                { { 0x00, 0x00, 0x40, 0x00 }, 4, SESAME_BUF_MAX, 0, SESAME_BUF_MAX },
                { { 0x00, 0x00, 0x40, 0x01 }, 4, SESAME_BUF_MAX, SESAME_E_OVERSIZE, 0 },
                { { 0xff, 0xff, 0xff, 0xff }, 4, SESAME_BUF_MAX, SESAME_E_OVERSIZE, 0 },
                { { 0x00, 0x00, 0x00, 0x05 }, 4, SESAME_BUF_MAX, SESAME_E_SHORT, 0 },
                { { 0x00, 0x00, 0x00, 0x20 }, 4, 32, SESAME_E_OVERSIZE, 0 }, /* over the buffer */
        };

        (void)state;
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                size_t len = 99;

                assert_int_equal(proto_frame_len(v[i].len, v[i].have, v[i].cap, &len), v[i].want);
                assert_int_equal(len, v[i].want_len);
        }
}

static void test_recv_small_cap(void **state)
{
        static uint8_t file[SESAME_BUF_MAX];
        uint8_t buf[32];
        size_t n = read_golden("ans-passwd.bin", file, sizeof(file));
        struct proto_msg m;
        int sv[2];

        (void)state;
        pair(sv);
        write_all(sv[0], file, n);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), SESAME_E_OVERSIZE);
        close(sv[0]);
        close(sv[1]);
}

static void test_recv_bad_body(void **state)
{
        static uint8_t buf[SESAME_BUF_MAX];
        /* a PING with a version of 2 */
        static const uint8_t f[] = { 0, 0, 0, 6, 0, 2, 1, 0, 0, 0 };
        struct proto_msg m;
        int sv[2];

        (void)state;
        pair(sv);
        write_all(sv[0], f, sizeof(f));
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), SESAME_E_VERSION);
        close(sv[0]);
        close(sv[1]);
}

static void test_recv_timeout(void **state)
{
        static uint8_t buf[SESAME_BUF_MAX];
        struct proto_msg m;
        int sv[2];

        (void)state;
        pair(sv);
        /* a silent peer */
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 100), -ETIMEDOUT);
        /* a peer that stops in the middle of a frame */
        write_all(sv[0], "\x00\x00\x00\x0f\x00\x01", 6);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 100), -ETIMEDOUT);
        /* a deadline already past, on a non-blocking socket */
        assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() - 1000), -ETIMEDOUT);
        close(sv[0]);
        close(sv[1]);
}

static void test_send(void **state)
{
        static uint8_t file[SESAME_BUF_MAX], buf[SESAME_BUF_MAX];
        size_t n = read_golden("ans-gids.bin", file, sizeof(file));
        struct proto_msg m;
        struct proto_field f;
        char msg[64];
        int sv[2];

        (void)state;
        pair(sv);
        assert_int_equal(proto_send(sv[0], file, n, now_ms() + 5000), 0);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), 0);
        check_spec(&golden[6].ms, &m);

        assert_int_equal(proto_send_end(sv[0], SESAME_ST_DENIED, "not yours", now_ms() + 5000), 0);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), 0);
        assert_int_equal(m.opcode, SESAME_ANS_END);
        assert_int_equal(proto_get_u32(&m, SESAME_F_STATUS, 99), SESAME_ST_DENIED);
        assert_true(proto_find(&m, SESAME_F_MESSAGE, &f));
        assert_int_equal(proto_field_str(&f, msg, sizeof(msg)), 0);
        assert_string_equal(msg, "not yours");

        assert_int_equal(proto_send_end(sv[0], SESAME_ST_OK, NULL, now_ms() + 5000), 0);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000), 0);
        assert_int_equal(m.nfields, 1);
        assert_false(proto_find(&m, SESAME_F_MESSAGE, &f));

        /* a bad message is refused and nothing is sent */
        assert_int_equal(proto_send_end(sv[0], SESAME_ST_OK, "\xff", now_ms() + 5000), SESAME_E_UTF8);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 50), -ETIMEDOUT);

        /* the peer has gone: -EPIPE, and no SIGPIPE kills us */
        close(sv[1]);
        assert_int_equal(proto_send(sv[0], file, n, now_ms() + 5000), -EPIPE);
        close(sv[0]);
}

static void test_send_timeout(void **state)
{
        static uint8_t big[1 << 20];
        int sv[2], sz = 4096;

        (void)state;
        pair(sv);
        (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        /* nobody reads: the socket buffer fills and the deadline passes */
        assert_int_equal(proto_send(sv[0], big, sizeof(big), now_ms() + 100), -ETIMEDOUT);
        close(sv[0]);
        close(sv[1]);
}

/* System errors come back as -errno, distinct from protocol errors. */
static void test_io_errors(void **state)
{
        static uint8_t buf[SESAME_BUF_MAX];
        static const uint8_t ping[] = { 0, 0, 0, 6, 0, 1, 1, 0, 0, 0 };
        struct proto_msg m;
        int sv[2], p[2];

        (void)state;
        /* a closed descriptor: poll() says POLLNVAL */
        pair(sv);
        close(sv[0]);
        close(sv[1]);
        assert_int_equal(proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 1000), -EBADF);
        assert_int_equal(proto_send(sv[0], ping, sizeof(ping), now_ms() + 1000), -EBADF);

        /* not a socket: recv()/send() refuse it */
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        write_all(p[1], ping, sizeof(ping));
        assert_int_equal(proto_recv(p[0], buf, sizeof(buf), &m, now_ms() + 1000), -ENOTSOCK);
        assert_int_equal(proto_send(p[1], ping, sizeof(ping), now_ms() + 1000), -ENOTSOCK);
        close(p[0]);
        close(p[1]);
}

static void test_strerror(void **state)
{
        (void)state;
        for (int a = SESAME_E_TRUNCATED; a <= SESAME_E_UNEXPECTED; a++) {
                assert_non_null(proto_strerror(a));
                assert_string_not_equal(proto_strerror(a), proto_strerror(999));
                assert_string_not_equal(proto_strerror(a), proto_strerror(0));
                for (int b = a + 1; b <= SESAME_E_UNEXPECTED; b++)
                        assert_string_not_equal(proto_strerror(a), proto_strerror(b));
        }
        assert_string_not_equal(proto_strerror(-ETIMEDOUT), proto_strerror(-EPIPE));
        assert_string_not_equal(proto_strerror(-ETIMEDOUT), proto_strerror(-99999));
        assert_non_null(proto_strerror(-99999));
        assert_non_null(proto_strerror(INT32_MIN + 1));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip_all_opcodes),
                cmocka_unit_test(test_find_and_get),
                cmocka_unit_test(test_repeatable),
                cmocka_unit_test(test_short),
                cmocka_unit_test(test_oversize),
                cmocka_unit_test(test_version),
                cmocka_unit_test(test_opcode),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_unknown_field),
                cmocka_unit_test(test_dup_field),
                cmocka_unit_test(test_missing_field),
                cmocka_unit_test(test_field_size),
                cmocka_unit_test(test_nul),
                cmocka_unit_test(test_utf8_frames),
                cmocka_unit_test(test_trailing),
                cmocka_unit_test(test_utf8_valid),
                cmocka_unit_test(test_encoder_refusals),
                cmocka_unit_test(test_end_validates),
                cmocka_unit_test(test_full_at_cap),
                cmocka_unit_test(test_small_buffer),
                cmocka_unit_test(test_deadline_field),
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_recv_whole),
                cmocka_unit_test(test_recv_bytewise),
                cmocka_unit_test(test_recv_eof),
                cmocka_unit_test(test_recv_bad_length),
                cmocka_unit_test(test_frame_len),
                cmocka_unit_test(test_recv_small_cap),
                cmocka_unit_test(test_recv_bad_body),
                cmocka_unit_test(test_recv_timeout),
                cmocka_unit_test(test_send),
                cmocka_unit_test(test_send_timeout),
                cmocka_unit_test(test_io_errors),
                cmocka_unit_test(test_strerror),
        };

        /* SIGPIPE is left at its default on purpose: if proto_send() ever
         * loses MSG_NOSIGNAL, test_send dies instead of passing. */
        return cmocka_run_group_tests(tests, NULL, NULL);
}

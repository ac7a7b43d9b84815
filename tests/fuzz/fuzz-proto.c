/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-proto.c - the input is a frame body (what follows the length word).
 *
 *  1. proto_decode() it; if accepted, walk every field and copy strings
 *     out, as a client would.
 *  2. Re-encode an accepted message field by field: the encoder must
 *     accept every field and reproduce the body byte for byte.
 *  3. Push it through proto_recv() over a socketpair, once with a correct
 *     length word and once raw (the first four bytes read as the length
 *     word): the result must match what the decoder says about the same
 *     bytes.
 * Any disagreement abort()s, so libFuzzer keeps the input.  The verdict
 * (fuzz.h) is the decoder's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "proto.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
        if (!ok)
                abort();
}

static void walk(const struct proto_msg *m)
{
        char s[SESAME_TEXT_MAX + 1], tiny[4];
        struct proto_iter it;
        struct proto_field f;
        unsigned n = 0;

        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f)) {
                struct proto_field first;

                n++;
                check(proto_find(m, f.tag, &first));
                (void)proto_field_u32(&f);
                (void)proto_get_u32(m, f.tag, 0);
                /* every field the decoder accepts fits a buffer sized by
                 * the header's largest maximum; a STR has no NUL inside */
                check(proto_field_str(&f, s, sizeof(s)) == 0);
                if (!memchr(f.val, 0, f.len))
                        check(strlen(s) == f.len);
                check((proto_field_str(&f, tiny, sizeof(tiny)) == 0) == (f.len < sizeof(tiny)));
        }
        check(n == m->nfields);
}

/* Rebuild @m with the encoder; it must come out as the same bytes. */
static void reencode(const uint8_t *body, size_t len, const struct proto_msg *m)
{
        static uint8_t out[SESAME_BUF_MAX];
        struct proto_writer w;
        struct proto_iter it;
        struct proto_field f;
        struct proto_msg m2;
        size_t outlen;

        proto_begin(&w, out, sizeof(out), m->opcode);
        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f)) {
                int r = proto_put_strn(&w, f.tag, (const char *)f.val, f.len);

                /* the encoder says -EINVAL for a STR put on a U32 tag:
                 * that is how the fuzzer tells the types apart without a
                 * copy of the codec's tag table */
                if (r == -EINVAL && f.len == 4)
                        r = proto_put_u32(&w, f.tag, proto_field_u32(&f));
                check(r == 0);
        }
        check(proto_end(&w, &outlen) == 0);
        check(outlen == len + 4);
        check(memcmp(out + 4, body, len) == 0);
        check(proto_decode(out + 4, outlen - 4, &m2) == 0);
        check(m2.opcode == m->opcode && m2.nfields == m->nfields && m2.len == m->len);
}

/* What proto_recv() must say about a stream holding @p..@p+n then EOF. */
static int expected_stream(const uint8_t *p, size_t n)
{
        struct proto_msg m;
        uint32_t flen;

        if (n == 0)
                return SESAME_E_EOF;
        if (n < 4)
                return SESAME_E_TRUNCATED;
        flen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (flen > SESAME_FRAME_MAX)
                return SESAME_E_OVERSIZE;
        if (flen < SESAME_HDR_LEN)
                return SESAME_E_SHORT;
        if (n - 4 < flen)
                return SESAME_E_TRUNCATED;
        return proto_decode(p + 4, flen, &m);
}

/* Write @p..@p+n into a socketpair, close it, proto_recv() once.  Skips
 * (returns) if the socket buffer will not take the input in one go. */
static void via_socket(const uint8_t *p, size_t n)
{
        static uint8_t buf[SESAME_BUF_MAX];
        struct proto_msg m;
        int sv[2], r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return;
        if (n > 0 && send(sv[0], p, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)n) {
                close(sv[0]);
                close(sv[1]);
                return;
        }
        close(sv[0]);
        r = proto_recv(sv[1], buf, sizeof(buf), &m, now_ms() + 5000);
        close(sv[1]);
        check(r == expected_stream(p, n));
        if (r == 0)
                walk(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t framed[4 + SESAME_FRAME_MAX];
        struct proto_msg m;
        int r;

        r = proto_decode(data, size, &m);
        /* a decoder error, never an I/O or encoder one */
        check(r >= 0 && r <= SESAME_E_TRAILING);
        fuzz_report(r == 0);
        if (r == 0) {
                check(m.body == data + SESAME_HDR_LEN && m.len == size - SESAME_HDR_LEN);
                walk(&m);
                reencode(data, size, &m);
        }

        /* larger inputs are all E_OVERSIZE at the length word: the decoder
         * has covered them, the socket adds nothing */
        if (size > SESAME_FRAME_MAX)
                return 0;
        framed[0] = (uint8_t)(size >> 24);
        framed[1] = (uint8_t)(size >> 16);
        framed[2] = (uint8_t)(size >> 8);
        framed[3] = (uint8_t)size;
        if (size > 0)
                memcpy(framed + 4, data, size);
        via_socket(framed, size + 4);
        via_socket(data, size);
        return 0;
}

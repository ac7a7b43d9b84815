/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-nss-pack.c - the NSS module's unpacking of answers as the mapped
 * cache hands them over (nss/nss_pack.c, nss/nss_gids.c): a group in one
 * pass and again without the checks, the same result both ways; frames
 * of the wrong kind refused, also when they carry no field; ERANGE; gids
 * added once each, the caller's own and the primary group left out, the
 * caller's limit kept, and an answer with a gid twice never taken for
 * one without.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "nss_gids.h"
#include "nss_pack.h"
#include "proto.h"

static uint8_t frames[1 << 17];
static size_t nframes;

static void add_frame(uint16_t opcode, int n_members, int first)
{
        struct proto_writer w;
        char name[24];
        size_t len = 0;

        proto_begin(&w, frames + nframes, sizeof(frames) - nframes, opcode);
        if (opcode == SESAME_ANS_GROUP) {
                assert_int_equal(proto_put_str(&w, SESAME_F_NAME, "staff"), 0);
                assert_int_equal(proto_put_str(&w, SESAME_F_PASSWD, "x"), 0);
                assert_int_equal(proto_put_u32(&w, SESAME_F_GID, 5000), 0);
        }
        for (int i = first; i < first + n_members; i++) {
                (void)snprintf(name, sizeof(name), "member%d", i);
                assert_int_equal(proto_put_str(&w, SESAME_F_MEMBER, name), 0);
        }
        assert_int_equal(proto_end(&w, &len), 0);
        nframes += len;
}

static void add_gids_frame(const uint32_t *gids, size_t n)
{
        struct proto_writer w;
        size_t len = 0;

        proto_begin(&w, frames + nframes, sizeof(frames) - nframes, SESAME_ANS_GIDS);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(proto_put_u32(&w, SESAME_F_GID, gids[i]), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        nframes += len;
}

static void check_group(const struct group *gr, int n)
{
        char want[24];
        int i;

        assert_string_equal(gr->gr_name, "staff");
        assert_string_equal(gr->gr_passwd, "x");
        assert_int_equal(gr->gr_gid, 5000);
        for (i = 0; gr->gr_mem[i]; i++) {
                (void)snprintf(want, sizeof(want), "member%d", i);
                assert_string_equal(gr->gr_mem[i], want);
        }
        assert_int_equal(i, n);
}

static void test_group(void **state _unused_)
{
        static char buf[1 << 17];
        struct group gr;

        nframes = 0;
        add_frame(SESAME_ANS_GROUP, 30, 0);
        add_frame(SESAME_ANS_MEMBERS, 1000, 30);
        add_frame(SESAME_ANS_MEMBERS, 1000, 1030);
        add_frame(SESAME_ANS_MEMBERS, 5, 2030);
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, sizeof(buf)), 0);
        check_group(&gr, 2035);
        memset(buf, 0, sizeof(buf));
        assert_int_equal(group_unpack_again(frames, nframes, &gr, buf, sizeof(buf)), 0);
        check_group(&gr, 2035);
        /* too small a buffer, both ways */
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, 1000), -ERANGE);
        assert_int_equal(group_unpack_again(frames, nframes, &gr, buf, 1000), -ERANGE);
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, 4), -ERANGE);

        /* a group alone */
        nframes = 0;
        add_frame(SESAME_ANS_GROUP, 0, 0);
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, sizeof(buf)), 0);
        check_group(&gr, 0);
        /* nothing, or frames of the wrong kind, even without fields */
        assert_int_equal(group_unpack(frames, 0, &gr, buf, sizeof(buf)), -EPROTO);
        add_gids_frame(NULL, 0);
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, sizeof(buf)), -EPROTO);
        nframes = 0;
        add_frame(SESAME_ANS_MEMBERS, 0, 0);
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, sizeof(buf)), -EPROTO);
        add_frame(SESAME_ANS_GROUP, 1, 0);
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, sizeof(buf)), -EPROTO);
        /* a bad byte in the last member: the whole group is refused */
        nframes = 0;
        add_frame(SESAME_ANS_GROUP, 3, 0);
        frames[nframes - 1] = 0xff;
        assert_int_equal(group_unpack(frames, nframes, &gr, buf, sizeof(buf)), -EPROTO);
}

/* The gids of an answer added to a list holding @have (primary @skip),
 * with @limit; the hit as the memo would give it.  The list in @out. */
static int add(const uint32_t *have, long int nhave, gid_t skip, long int limit, struct mcache_hit *hit,
               gid_t *out, long int *nout)
{
        /* room for some (as glibc gives), never above the limit */
        long int start = nhave, size = limit > 0 && limit < nhave + 100 ? limit : nhave + 100;
        gid_t *groups = malloc((size_t)size * sizeof(gid_t));
        struct gids g;
        int r;

        assert_non_null(groups);
        memcpy(groups, have, (size_t)nhave * sizeof(gid_t));
        gids_init(&g, skip, &start, &size, &groups, limit);
        r = gids_add_mapped(&g, frames, nframes, hit);
        gids_done(&g);
        assert_true(start <= size);
        memcpy(out, groups, (size_t)start * sizeof(gid_t));
        *nout = start;
        free(groups);
        return r;
}

static void test_gids(void **state _unused_)
{
        static uint32_t gids[600];
        static gid_t out[700], out2[700];
        const uint32_t have[] = { 100, 7 };
        long int n, n2;

        for (int i = 0; i < 600; i++)
                gids[i] = 1000 + (uint32_t)i;
        gids[10] = 100; /* the primary group */
        gids[20] = 7;   /* the caller had it */
        nframes = 0;
        add_gids_frame(gids, 300);
        add_gids_frame(gids + 300, 300);

        struct mcache_hit hit = { 0 };
        assert_int_equal(add(have, 2, 100, -1, &hit, out, &n), 0);
        assert_int_equal(n, 2 + 598);
        assert_int_equal(hit.note, 1); /* no gid twice */
        for (long int i = 0; i < n; i++)
                for (long int j = i + 1; j < n; j++)
                        assert_int_not_equal(out[i], out[j]);
        /* again without the checks: the same list */
        struct mcache_hit again = { .checked = true, .note = hit.note };
        assert_int_equal(add(have, 2, 100, -1, &again, out2, &n2), 0);
        assert_int_equal(n2, n);
        assert_memory_equal(out, out2, (size_t)n * sizeof(gid_t));
        /* with another caller's list and primary group */
        const uint32_t other[] = { 1005 };
        assert_int_equal(add(other, 1, 1006, -1, &again, out2, &n2), 0);
        assert_int_equal(n2, 1 + 598);
        assert_int_equal(out2[0], 1005);
        for (long int i = 1; i < n2; i++)
                assert_true(out2[i] != 1005 && out2[i] != 1006);
        /* glibc's usual list, the primary group alone: the same list
         * both ways, growing past the caller's buffer, or up to its limit */
        hit = (struct mcache_hit){ 0 };
        assert_int_equal(add(have, 1, 100, -1, &hit, out, &n), 0);
        assert_int_equal(hit.note, 1);
        assert_int_equal(n, 1 + 599);
        assert_int_equal(add(have, 1, 100, -1, &again, out2, &n2), 0);
        assert_int_equal(n2, n);
        assert_memory_equal(out, out2, (size_t)n * sizeof(gid_t));
        assert_int_equal(add(have, 1, 100, 40, &again, out2, &n2), 0);
        assert_int_equal(n2, 40);
        assert_memory_equal(out, out2, 40 * sizeof(gid_t));
        /* the caller's limit */
        assert_int_equal(add(have, 2, 100, 50, &again, out2, &n2), 0);
        assert_int_equal(n2, 50);
        hit = (struct mcache_hit){ 0 };
        assert_int_equal(add(have, 2, 100, 50, &hit, out2, &n2), 0);
        assert_int_equal(n2, 50);
        assert_int_equal(hit.note, 0); /* the rest was not compared */

        /* a gid twice, also one the caller has: once in the list, and the
         * answer is not taken for one without */
        gids[500] = 1001;
        gids[501] = 7;
        nframes = 0;
        add_gids_frame(gids, 600);
        hit = (struct mcache_hit){ 0 };
        assert_int_equal(add(have, 2, 100, -1, &hit, out, &n), 0);
        assert_int_equal(n, 2 + 596);
        assert_int_equal(hit.note, 0);

        /* a frame of another kind, with or without fields */
        nframes = 0;
        add_gids_frame(gids, 3);
        add_frame(SESAME_ANS_MEMBERS, 0, 0);
        hit = (struct mcache_hit){ 0 };
        assert_int_equal(add(have, 2, 100, -1, &hit, out, &n), -EPROTO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_group),
                cmocka_unit_test(test_gids),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

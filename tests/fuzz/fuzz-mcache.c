/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-mcache.c - the mapped cache's reader (common/mcache.c) on an
 * arbitrary file image, as a process that maps a hostile or broken
 * nss.map would see it.
 *
 * Whatever the bytes, mcache_view_init() and mcache_view_read() stay
 * inside the image, end (chains that cycle included), and return one of
 * their documented values; a copied answer lies inside the image.  Each
 * answer found is used in place as the NSS module uses it (nss/nss_pack.c,
 * nss/nss_gids.c: a passwd entry, a group into a buffer, gids added to a
 * list), twice with a memo, so that the second use takes the path of an
 * answer that passed before (proto_split_again()) when the first one did.
 * The verdict (fuzz.h): accepted when the view is valid and "pn:alice"
 * is found, fresh.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mcache.h"
#include "nss_gids.h"
#include "nss_pack.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (1024 * 1024)

/* The image, for the checks that a use stays inside it. */
static const uint8_t *img_base;
static size_t img_size;

static void inside(const void *p, size_t len)
{
        const uint8_t *b = p;

        if (b < img_base || len > img_size || (size_t)(b - img_base) > img_size - len)
                abort();
}

/* What the module does with an answer, by the table of its key. */
static int use(const uint8_t *d, size_t n, struct mcache_hit *hit, void *arg)
{
        static char buf[1 << 16];
        const char *key = *(const char **)arg;
        int r = 0;

        inside(d, n);
        if (key[0] == 'g') {
                struct group gr;
                r = hit->checked ? group_unpack_again(d, n, &gr, buf, sizeof(buf))
                                 : group_unpack(d, n, &gr, buf, sizeof(buf));
                if (r == 0)
                        for (char **m = gr.gr_mem; *m; m++)
                                if (strlen(*m) > SESAME_NAME_MAX)
                                        abort();
        } else if (key[0] == 'i') {
                long int start = 1, size = 4;
                gid_t *groups = malloc((size_t)size * sizeof(gid_t));
                struct gids g;
                if (!groups)
                        abort();
                groups[0] = 100;
                gids_init(&g, 100, &start, &size, &groups, 1024);
                r = gids_add_mapped(&g, d, n, hit);
                gids_done(&g);
                if (start > size || size > 1024)
                        abort();
                free(groups);
        } else {
                struct proto_msg m;
                struct passwd pw;
                size_t off = 0;
                while ((r = proto_split(d, n, &off, &m)) == 0) {
                        inside(m.body, m.len);
                        (void)fill_passwd(&m, &pw, buf, sizeof(buf));
                }
                r = r == SESAME_E_EOF ? 0 : -EPROTO;
        }
        return r;
}

static int lookup(const struct mcache_view *v, struct mcache_memo *memo, const char *key, int64_t now, size_t size)
{
        uint8_t *d = NULL;
        size_t len = SIZE_MAX, off = 0;
        struct proto_msg m;
        int r = mcache_view_lookup(v, key, now, &d, &len);

        if (r != 0 && r != -ENOENT && r != -ESTALE && r != -EBADMSG && r != -EAGAIN)
                abort();
        if (r == 0) {
                if (len > size)
                        abort();
                while (proto_split(d, len, &off, &m) == 0)
                        if (off > len)
                                abort();
                free(d);
        }
        /* in place, twice: the second time from the memo */
        for (int i = 0; i < 2; i++) {
                int rr = mcache_view_read(v, 1, key, strlen(key), now, memo, use, &key);
                if (rr > 0)
                        abort();
        }
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const keys[] = { "pu:10001", "gn:staff", "gg:10000", "ig:alice", "pn:", "rl:alice",
                                            "pn:bob" };
        struct mcache_view v;
        uint8_t *img;
        int r;

        if (size > INPUT_MAX)
                return 0;
        /* mapped memory is page-aligned; malloc's is enough for the reader */
        img = malloc(size ? size : 1);
        if (!img)
                abort();
        memcpy(img, data, size);
        img_base = img;
        img_size = size;
        r = mcache_view_init(&v, img, size);
        if (r != 0 && r != -EBADMSG)
                abort();
        if (r == 0) {
                if (v.data_end > size || v.data_off > v.data_end || v.tables_off >= v.data_off)
                        abort();
                struct mcache_memo memo = { 0 };
                (void)mcache_view_invalid(&v);
                r = lookup(&v, &memo, "pn:alice", 1000, size);
                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                        (void)lookup(&v, &memo, keys[i], 1000, size);
                        (void)lookup(&v, &memo, keys[i], INT64_MAX, size);
                }
        }
        fuzz_report(r == 0);
        free(img);
        return 0;
}

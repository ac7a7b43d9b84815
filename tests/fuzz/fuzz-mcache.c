/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-mcache.c - the mapped cache's reader (common/mcache.c) on an
 * arbitrary file image, as a process that maps a hostile or broken
 * nss.map would see it.
 *
 * Whatever the bytes, mcache_view_init() and mcache_view_lookup() stay
 * inside the image, end (chains that cycle included), and return one of
 * their documented values; a copied answer lies inside the image.  The
 * answers found are split into frames by the codec as the module does.
 * The verdict (fuzz.h): accepted when the view is valid and "pn:alice"
 * is found, fresh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mcache.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (1024 * 1024)

static int lookup(const struct mcache_view *v, const char *key, int64_t now, size_t size)
{
        uint8_t *d = NULL;
        size_t len = SIZE_MAX, off = 0;
        struct proto_msg m;
        int r = mcache_view_lookup(v, key, now, &d, &len);

        if (r != 0 && r != -ENOENT && r != -ESTALE && r != -EBADMSG && r != -EAGAIN)
                abort();
        if (r != 0)
                return r;
        if (len > size)
                abort();
        /* what the module does with it next */
        while (proto_split(d, len, &off, &m) == 0)
                if (off > len)
                        abort();
        free(d);
        return 0;
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
        r = mcache_view_init(&v, img, size);
        if (r != 0 && r != -EBADMSG)
                abort();
        if (r == 0) {
                if (v.data_end > size || v.data_off > v.data_end || v.tables_off >= v.data_off)
                        abort();
                (void)mcache_view_invalid(&v);
                r = lookup(&v, "pn:alice", 1000, size);
                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                        (void)lookup(&v, keys[i], 1000, size);
                        (void)lookup(&v, keys[i], INT64_MAX, size);
                }
        }
        fuzz_report(r == 0);
        free(img);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-conf.c - conf_parse() on arbitrary input.  On success the dump must
 * parse again to the same dump (what sesamed --check prints is a
 * valid configuration); on failure there must be one message naming the
 * input.  The verdict (fuzz.h) is conf_parse()'s.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"

#define NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const struct sesame_conf *c, size_t *len)
{
        char *s = NULL;
        FILE *f = open_memstream(&s, len);

        if (!f)
                return NULL;
        conf_dump(c, f);
        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sesame_conf *c = NULL, *c2 = NULL;
        char err[512] = "", *d1, *d2;
        size_t len1 = 0, len2 = 0;
        int r;

        if (size > CONF_FILE_MAX) {
                fuzz_report(false); /* conf_load() refuses a larger file unparsed */
                return 0;
        }
        r = conf_parse(NAME, (const char *)data, size, &c, err, sizeof(err));
        fuzz_report(r >= 0);
        if (r < 0) {
                if (c || strncmp(err, NAME, strlen(NAME)) != 0 || strchr(err, '\n'))
                        abort();
                return 0;
        }
        if (!c || c->n_uri < 1 || c->n_uri > CONF_URIS_MAX || c->uri[c->n_uri] || !c->base ||
            !c->user_base || !c->group_base || c->bindpw)
                abort();

        d1 = dump(c, &len1);
        if (!d1)
                abort();
        r = conf_parse(NAME, d1, len1, &c2, err, sizeof(err));
        if (r < 0) {
                /* "key = value" may be two bytes longer than "key=value" */
                if (!strstr(err, "line is longer than"))
                        abort();
        } else {
                d2 = dump(c2, &len2);
                if (!d2 || len1 != len2 || memcmp(d1, d2, len1) != 0)
                        abort();
                free(d2);
        }
        free(d1);
        conf_free(c2);
        conf_free(c);
        return 0;
}

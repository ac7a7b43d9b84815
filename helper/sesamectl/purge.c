/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * purge.c - sesamectl user purge-pending AGE: delete the self-registered
 * accounts whose address nobody confirmed within AGE (sesamed does it, as
 * its service DN, and logs each by name).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "sesamectl.h"
#include "util.h"

uint32_t arg_age;

/* "3600", "90m", "48h", "7d": seconds; 0, or -1 for anything else
 * (a value that does not fit 32 bits among it). */
static int parse_age(const char *s, uint32_t *ret)
{
        static const struct {
                char suffix;
                uint32_t factor;
        } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
        char num[16];
        size_t n = strlen(s);
        uint32_t factor = 1, v;

        if (n == 0 || n >= sizeof(num))
                return -1;
        memcpy(num, s, n + 1);
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (num[n - 1] == units[i].suffix) {
                        factor = units[i].factor;
                        num[--n] = '\0';
                }
        if (parse_u32(num, 0, UINT32_MAX / factor, &v) < 0)
                return -1;
        *ret = v * factor;
        return 0;
}

int cmd_user_purge_pending(char **args)
{
        struct answer a;
        int r;

        if (parse_age(args[0], &arg_age) < 0)
                return usage_error("'%s' is not an age: seconds, or a number followed by s, m, h or d", args[0]);
        r = request_ok(SESAME_REQ_PURGE_PENDING, NULL, NULL, 0, &a);
        if (r != 0)
                return r;
        r = done(NULL, "pending accounts older than %s: %s", args[0], sanitize(a.end.message));
        answer_free(&a);
        return r;
}

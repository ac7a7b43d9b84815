/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * form.c - the forms' bodies (web.h).
 */
#include <string.h>

#include "macro.h"
#include "proto.h"
#include "web.h"

static int hexval(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode [s, s + n) into @out of @size: false when it does not
 * fit, is malformed, holds a NUL or is not UTF-8. */
static bool decode(const char *s, size_t n, char *out, size_t size)
{
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (c == '+')
                        c = ' ';
                else if (c == '%') {
                        int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;

                        if (hi < 0 || lo < 0)
                                return false;
                        c = (char)(hi << 4 | lo);
                        i += 2;
                }
                if (c == '\0' || o + 1 >= size)
                        return false;
                out[o++] = c;
        }
        out[o] = '\0';
        return utf8_valid((const uint8_t *)out, o);
}

void form_parse(const char *body, size_t len, struct form *f)
{
        static const struct {
                const char *name;
                size_t off, size;
        } fields[] = {
                { "csrf", offsetof(struct form, csrf), sizeof(((struct form *)0)->csrf) },
                { "login", offsetof(struct form, login), sizeof(((struct form *)0)->login) },
                { "mail", offsetof(struct form, mail), sizeof(((struct form *)0)->mail) },
                { "token", offsetof(struct form, token), sizeof(((struct form *)0)->token) },
                { "password", offsetof(struct form, password), sizeof(((struct form *)0)->password) },
                { "retype", offsetof(struct form, retype), sizeof(((struct form *)0)->retype) },
                { "step", offsetof(struct form, step), sizeof(((struct form *)0)->step) },
        };
        unsigned seen = 0;

        memset(f, 0, sizeof(*f));
        for (size_t p = 0; p < len;) {
                size_t end = p, eq;

                while (end < len && body[end] != '&')
                        end++;
                for (eq = p; eq < end && body[eq] != '='; eq++)
                        ;
                for (size_t k = 0; eq < end && k < ELEMENTSOF(fields); k++) {
                        if (strlen(fields[k].name) != eq - p || memcmp(fields[k].name, body + p, eq - p) != 0)
                                continue;
                        if ((seen & (1u << k)) ||
                            !decode(body + eq + 1, end - eq - 1, (char *)f + fields[k].off, fields[k].size))
                                f->bad = true;
                        seen |= 1u << k;
                }
                p = end + 1;
        }
}

void form_wipe(struct form *f) { erase(f, sizeof(*f)); }

bool token_shape_ok(const char *t)
{
        size_t n = t ? strlen(t) : 0;

        return n > 0 && n <= SESAME_TOKEN_MAX &&
               strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

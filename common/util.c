/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

int64_t now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ms_left(int64_t deadline)
{
        int64_t left = deadline - now_ms();

        if (left < 0)
                return 0;
        if (left > INT_MAX)
                return INT_MAX;
        return (int)left;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*p - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        /* "007" is refused: an id written two ways is a typo waiting to happen */
        if (s[0] == '0' && s[1] != '\0')
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = (uint32_t)v;
        return 0;
}

int strcpy_bounded(char *buf, size_t size, const char *s)
{
        size_t n = strlen(s);

        if (n >= size)
                return -ERANGE;
        memcpy(buf, s, n + 1);
        return 0;
}

const char *str_quote(const char *s, size_t len, char *buf, size_t size)
{
        size_t o = 0;

        if (size < 8) {
                if (size)
                        buf[0] = '\0';
                return buf;
        }
        buf[o++] = '\'';
        for (size_t i = 0; i < len && s[i]; i++) {
                unsigned char c = (unsigned char)s[i];

                /* room for the longest next step: an escape (4) or the
                 * ".." ellipsis (2), then the quote and the NUL */
                if (o + 8 > size) {
                        buf[o++] = '.';
                        buf[o++] = '.';
                        break;
                }
                if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\')
                        o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
                else
                        buf[o++] = (char)c;
        }
        buf[o++] = '\'';
        buf[o] = '\0';
        return buf;
}

int errf(char *err, size_t errsize, int r, const char *fmt, ...)
{
        int saved = errno;

        if (err && errsize > 0) {
                va_list ap;

                errno = -r; /* for %m */
                va_start(ap, fmt);
                (void)vsnprintf(err, errsize, fmt, ap);
                va_end(ap);
        }
        errno = saved;
        return r;
}

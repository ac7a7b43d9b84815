/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gentime.c - GeneralizedTime to and from epoch seconds (see gentime.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gentime.h"

static bool all_digits(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

static int num(const char *s, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++)
                v = v * 10 + (s[i] - '0');
        return v;
}

static bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

/* Days in month @mon (0-11) of @year; timegm() would roll 30 February
 * over into March instead of refusing it. */
static int month_days(int year, int mon)
{
        static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return mon == 1 && leap(year) ? 29 : days[mon];
}

int gentime_parse(const char *s, int64_t *ret)
{
        size_t len = strlen(s), i;
        struct tm tm = { 0 };
        int64_t off = 0;
        time_t t;

        /* YYYYMMDDHH, then optional MM and SS */
        if (len < 11 || !all_digits(s, 10))
                return -EINVAL;
        tm.tm_year = num(s, 4) - 1900;
        tm.tm_mon = num(s + 4, 2) - 1;
        tm.tm_mday = num(s + 6, 2);
        tm.tm_hour = num(s + 8, 2);
        i = 10;
        if (i + 2 <= len && all_digits(s + i, 2)) {
                tm.tm_min = num(s + i, 2);
                i += 2;
                if (i + 2 <= len && all_digits(s + i, 2)) {
                        tm.tm_sec = num(s + i, 2);
                        i += 2;
                }
        }
        if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                if (i >= len || s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++;
        }
        if (i < len && s[i] == 'Z')
                i++;
        else if (i < len && (s[i] == '+' || s[i] == '-')) {
                int sign = s[i] == '-' ? -1 : 1;
                i++;
                if (i + 2 > len || !all_digits(s + i, 2) || num(s + i, 2) > 23)
                        return -EINVAL;
                off = num(s + i, 2) * 3600;
                i += 2;
                if (i + 2 <= len && all_digits(s + i, 2)) {
                        if (num(s + i, 2) > 59)
                                return -EINVAL;
                        off += num(s + i, 2) * 60;
                        i += 2;
                }
                off *= sign;
        } else
                return -EINVAL;
        if (i != len || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
            tm.tm_mday > month_days(tm.tm_year + 1900, tm.tm_mon) || tm.tm_hour > 23 || tm.tm_min > 59 ||
            tm.tm_sec > 60)
                return -EINVAL;
        t = timegm(&tm);
        if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
                return -EINVAL;
        *ret = (int64_t)t - off;
        return 0;
}

void gentime_format(int64_t t, char buf[static GENTIME_FORMAT_LEN])
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, 16, "%Y%m%d%H%M%SZ", &tm) != 15)
                (void)snprintf(buf, 16, "19700101000000Z");
}

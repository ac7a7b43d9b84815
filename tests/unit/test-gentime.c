/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-gentime.c - helper/sesamed/gentime.c: LDAP GeneralizedTime to and
 * from epoch seconds.  Expected values were computed with
 * `date -u -d '... UTC' +%s`, not with the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "gentime.h"
#include "macro.h"

static int64_t parse_ok(const char *s)
{
        int64_t t = 42;

        print_message("'%s'\n", s);
        assert_int_equal(gentime_parse(s, &t), 0);
        return t;
}

static void parse_bad(const char *s)
{
        int64_t t = 42;

        print_message("'%s'\n", s);
        assert_int_equal(gentime_parse(s, &t), -EINVAL);
        assert_int_equal(t, 42); /* untouched */
}

static void valid_forms(void **state _unused_)
{
        assert_int_equal(parse_ok("20240229123456Z"), 1709210096);
        assert_int_equal(parse_ok("19700101000000Z"), 0);
        assert_int_equal(parse_ok("19691231235959Z"), -1); /* timegm()'s -1 is a real time here */
        assert_int_equal(parse_ok("2024010112Z"), 1704110400);   /* hour only */
        assert_int_equal(parse_ok("202401011234Z"), 1704112440); /* no seconds */
        assert_int_equal(parse_ok("20380119031408Z"), 2147483648); /* past 32-bit time_t */
        assert_int_equal(parse_ok("99991231235959Z"), 253402300799);
        /* a leap second is accepted and lands on the next second */
        assert_int_equal(parse_ok("20161231235960Z"), parse_ok("20170101000000Z"));
}

static void fractions(void **state _unused_)
{
        /* accepted and dropped: truncated to the whole second (or to the
         * last unit written) */
        assert_int_equal(parse_ok("20240229123456.5Z"), 1709210096);
        assert_int_equal(parse_ok("20240229123456.999999Z"), 1709210096);
        assert_int_equal(parse_ok("20240229123456,25Z"), 1709210096);
        assert_int_equal(parse_ok("2024010112.5Z"), 1704110400);
        assert_int_equal(parse_ok("20240229123456.0+0100"), 1709210096 - 3600);
        parse_bad("20240229123456.Z");  /* a fraction needs a digit */
        parse_bad("20240229123456.");
        parse_bad("20240229123456.5");  /* and a zone after it */
        parse_bad("20240229123456.x5Z");
}

static void offsets(void **state _unused_)
{
        const int64_t t = 1709210096; /* 2024-02-29 12:34:56 UTC */

        assert_int_equal(parse_ok("20240229143456+0200"), t);
        assert_int_equal(parse_ok("20240229143456+02"), t);
        assert_int_equal(parse_ok("20240229110456-0130"), t);
        assert_int_equal(parse_ok("20240229123456+0000"), t);
        assert_int_equal(parse_ok("20240229123456-00"), t);
        /* an offset across midnight and the month end */
        assert_int_equal(parse_ok("20240301003456+1200"), t);
        assert_int_equal(parse_ok("20240229005456-1140"), t);
        assert_int_equal(parse_ok("20240229235959+2359"), parse_ok("20240229000059Z"));
}

static void leap_years(void **state _unused_)
{
        assert_int_equal(parse_ok("20000229000000Z"), 951782400);   /* divisible by 400 */
        assert_int_equal(parse_ok("16000229000000Z"), -11670998400);
        assert_int_equal(parse_ok("20240229000000Z"), 1709164800);  /* divisible by 4 */
        parse_bad("20230229000000Z"); /* not a leap year */
        parse_bad("19000229000000Z"); /* divisible by 100, not by 400 */
        parse_bad("21000229000000Z");
        parse_bad("20240230000000Z"); /* no 30 February ever */
        parse_bad("20240431000000Z"); /* April has 30 days */
        parse_bad("20240631000000Z");
        parse_bad("20240931000000Z");
        parse_bad("20241131000000Z");
        assert_int_equal(parse_ok("20241231000000Z"), parse_ok("20250101000000Z") - 86400);
}

static void garbage(void **state _unused_)
{
        static const char *const bad[] = {
                "",
                "Z",
                "2024",
                "20240229",
                "202402291",       /* half an hour field */
                "2024022912",      /* no zone */
                "20240229123456",  /* no zone */
                "20240229123456z", /* lower-case z */
                "20240229123456 Z",
                " 20240229123456Z",
                "20240229123456Z ",
                "20240229123456ZZ",
                "2024022912345Z",  /* odd digits */
                "20240229123456+",
                "20240229123456+1",
                "20240229123456+123",
                "20240229123456+12345",
                "20240229123456+12:00",
                "2024-02-29T12:34:56Z",
                "x0240229123456Z",
                "2024022912345xZ",
                "-2024022912345Z",
                "+2024022912345Z",
                "20240229123456\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                parse_bad(bad[i]);
}

static void out_of_range(void **state _unused_)
{
        parse_bad("20240001000000Z"); /* month 0 */
        parse_bad("20241301000000Z"); /* month 13 */
        parse_bad("20240100000000Z"); /* day 0 */
        parse_bad("20240132000000Z"); /* day 32 */
        parse_bad("20240101240000Z"); /* hour 24 */
        parse_bad("20240101236000Z"); /* minute 60 */
        parse_bad("20240101235961Z"); /* second 61 */
        parse_bad("20240101000000+2400"); /* offset hours 00..23 */
        parse_bad("20240101000000+0060"); /* offset minutes 00..59 */
        parse_bad("20240101000000-9999");
}

static void format(void **state _unused_)
{
        char buf[GENTIME_FORMAT_LEN];

        gentime_format(1709210096, buf);
        assert_string_equal(buf, "20240229123456Z");
        gentime_format(0, buf);
        assert_string_equal(buf, "19700101000000Z");
        gentime_format(253402300799, buf);
        assert_string_equal(buf, "99991231235959Z");
        gentime_format(2147483648, buf);
        assert_string_equal(buf, "20380119031408Z");
        /* what cannot be written in 15 characters becomes the epoch */
        gentime_format(253402300800, buf); /* year 10000 */
        assert_string_equal(buf, "19700101000000Z");
        gentime_format(INT64_MAX, buf);
        assert_string_equal(buf, "19700101000000Z");
        /* and back */
        for (int64_t t = -86400 * 365; t < 4102444800; t += 7776001) {
                gentime_format(t, buf);
                assert_int_equal(parse_ok(buf), t);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(valid_forms), cmocka_unit_test(fractions),    cmocka_unit_test(offsets),
                cmocka_unit_test(leap_years),  cmocka_unit_test(garbage),      cmocka_unit_test(out_of_range),
                cmocka_unit_test(format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

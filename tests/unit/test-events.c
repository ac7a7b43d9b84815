/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-events.c - events_parse, the message ids, and the escaping of
 * values in the log line, the hook input and the journal fields
 * (helper/sesamed/events.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events-format.h"
#include "events.h"
#include "proto.h"

#define ALL ((1u << EV__MAX) - 1)

static void expect_parse(const char *list, int want, uint32_t want_mask)
{
        uint32_t mask = 0xdeadbeef;
        char err[512] = "untouched";
        int r = events_parse(list, &mask, err, sizeof(err));

        if (r != want)
                print_error("events_parse(\"%s\") = %d (%s), want %d\n", list ? list : "(null)", r, err,
                            want);
        assert_int_equal(r, want);
        if (r == 0) {
                assert_int_equal(mask, want_mask);
                assert_string_equal(err, "");
        } else
                assert_int_equal(mask, 0xdeadbeef);
}

static void test_names(void **state)
{
        static const char *const names[] = { "login",           "login-failed",  "lockout",
                                             "unlock",          "account-refused", "password-changed",
                                             "totp-enrolled",   "totp-disabled", "recovery-codes",
                                             "recovery-used",   "session-open",  "session-close",
                                             "token-issued",    "token-redeemed", "token-refused",
                                             "mail-spooled",    "mail-failed",   "account-registered" };
        (void)state;
        assert_int_equal(EV__MAX, 18);
        for (int i = 0; i < EV__MAX; i++) {
                assert_string_equal(event_name((enum event)i), names[i]);
                expect_parse(names[i], 0, 1u << i);
        }
        assert_null(event_name(EV__MAX));
        assert_null(event_name((enum event)-1));
        assert_null(event_message_id(EV__MAX));
}

static void test_message_ids(void **state)
{
        (void)state;
        /* stable: doc/events.md lists them */
        assert_string_equal(event_message_id(EV_LOGIN), "e74cc0eef0164119a023e5172bcccb20");
        assert_string_equal(event_message_id(EV_SESSION_CLOSE), "bd7479bb19044fce8c5e71f3f96375b6");
        for (int i = 0; i < EV__MAX; i++) {
                const char *id = event_message_id((enum event)i);

                assert_int_equal(strlen(id), EVENT_MESSAGE_ID_LEN);
                assert_int_equal(strspn(id, "0123456789abcdef"), EVENT_MESSAGE_ID_LEN);
                for (int k = 0; k < i; k++)
                        assert_string_not_equal(id, event_message_id((enum event)k));
        }
}

static void test_parse(void **state)
{
        (void)state;
        expect_parse(NULL, 0, 0);
        expect_parse("", 0, 0);
        expect_parse(" \t ", 0, 0);
        expect_parse("all", 0, ALL);
        expect_parse("login all", 0, ALL);
        expect_parse("login lockout", 0, (1u << EV_LOGIN) | (1u << EV_LOCKOUT));
        expect_parse("\tlockout   login\t", 0, (1u << EV_LOGIN) | (1u << EV_LOCKOUT));
        expect_parse("login login", 0, 1u << EV_LOGIN);
        expect_parse("session-open session-close", 0, (1u << EV_SESSION_OPEN) | (1u << EV_SESSION_CLOSE));
}

static void test_parse_errors(void **state)
{
        uint32_t mask = 7;
        char err[512];

        (void)state;
        expect_parse("logon", -EINVAL, 0);
        expect_parse("login,lockout", -EINVAL, 0);
        expect_parse("Login", -EINVAL, 0);
        expect_parse("ALL", -EINVAL, 0);
        expect_parse("log", -EINVAL, 0);
        expect_parse("login-failedx", -EINVAL, 0);
        expect_parse("login bogus", -EINVAL, 0);

        assert_int_equal(events_parse("login bogus lockout", &mask, err, sizeof(err)), -EINVAL);
        assert_int_equal(mask, 7);
        assert_string_equal(err, "unknown event \"bogus\" (known: login login-failed lockout unlock "
                                 "account-refused password-changed totp-enrolled totp-disabled "
                                 "recovery-codes recovery-used session-open session-close token-issued "
                                 "token-redeemed token-refused mail-spooled mail-failed account-registered all)");
        /* a small or absent buffer is fine */
        assert_int_equal(events_parse("bogus", &mask, err, 10), -EINVAL);
        assert_int_equal(strlen(err), 9);
        assert_int_equal(events_parse("bogus", &mask, NULL, 0), -EINVAL);
}

static void expect_escape(const char *in, enum event_style style, const char *want)
{
        char buf[EVENT_VALUE_MAX_HOOK + 1];
        size_t n = event_escape(in, style, buf, sizeof(buf));

        if (strcmp(buf, want) != 0)
                print_error("event_escape(\"%s\", %d) = [%s], want [%s]\n", in, style, buf, want);
        assert_string_equal(buf, want);
        assert_int_equal(n, strlen(want));
}

static void test_escape_log(void **state)
{
        (void)state;
        expect_escape("alice", EVENT_STYLE_LOG, "alice");
        expect_escape("alice@example.com", EVENT_STYLE_LOG, "alice@example.com");
        expect_escape("::1", EVENT_STYLE_LOG, "::1");
        expect_escape("/dev/pts/0", EVENT_STYLE_LOG, "/dev/pts/0");
        expect_escape("", EVENT_STYLE_LOG, "\"\"");
        expect_escape("a b", EVENT_STYLE_LOG, "\"a b\"");
        expect_escape("a=b", EVENT_STYLE_LOG, "\"a=b\"");
        expect_escape("it's", EVENT_STYLE_LOG, "\"it's\"");
        expect_escape("say \"hi\"", EVENT_STYLE_LOG, "\"say \\x22hi\\x22\"");
        expect_escape("back\\slash", EVENT_STYLE_LOG, "\"back\\x5cslash\"");
        expect_escape("tab\there", EVENT_STYLE_LOG, "\"tab\\x09here\"");
        expect_escape("\x7f", EVENT_STYLE_LOG, "\"\\x7f\"");
        expect_escape("caf\xc3\xa9", EVENT_STYLE_LOG, "\"caf\\xc3\\xa9\"");
        /* a hostile value cannot start a new line or forge a field */
        expect_escape("x\nSESAME_EVENT=login", EVENT_STYLE_LOG, "\"x\\x0aSESAME_EVENT=login\"");
        expect_escape("x USER=root", EVENT_STYLE_LOG, "\"x USER=root\"");
        expect_escape("x\" USER=root", EVENT_STYLE_LOG, "\"x\\x22 USER=root\"");
        expect_escape("\r", EVENT_STYLE_LOG, "\"\\x0d\"");
}

static void test_escape_hook(void **state)
{
        (void)state;
        expect_escape("alice", EVENT_STYLE_HOOK, "alice");
        expect_escape("a b=c \"d\" 'e'", EVENT_STYLE_HOOK, "a b=c \"d\" 'e'");
        expect_escape("", EVENT_STYLE_HOOK, "");
        expect_escape("x\nUSER=root", EVENT_STYLE_HOOK, "x\\x0aUSER=root");
        expect_escape("back\\slash", EVENT_STYLE_HOOK, "back\\x5cslash");
        expect_escape("\r\t\x1b", EVENT_STYLE_HOOK, "\\x0d\\x09\\x1b");
        expect_escape("caf\xc3\xa9", EVENT_STYLE_HOOK, "caf\\xc3\\xa9");
}

static void test_escape_journal(void **state)
{
        (void)state;
        expect_escape("alice", EVENT_STYLE_JOURNAL, "alice");
        expect_escape("a b=c \"d\" 'e'", EVENT_STYLE_JOURNAL, "a b=c \"d\" 'e'");
        expect_escape("", EVENT_STYLE_JOURNAL, "");
        /* UTF-8 stays, so that SESAME_USER=josé matches */
        expect_escape("jos\xc3\xa9", EVENT_STYLE_JOURNAL, "jos\xc3\xa9");
        expect_escape("\xe2\x82\xac \xf0\x9f\x94\x91", EVENT_STYLE_JOURNAL, "\xe2\x82\xac \xf0\x9f\x94\x91");
        expect_escape("\xc2\xa0", EVENT_STYLE_JOURNAL, "\xc2\xa0");
        /* controls, backslash and what is not UTF-8 do not */
        expect_escape("x\nUSER=root", EVENT_STYLE_JOURNAL, "x\\x0aUSER=root");
        expect_escape("back\\slash", EVENT_STYLE_JOURNAL, "back\\x5cslash");
        expect_escape("\r\t\x1b\x7f", EVENT_STYLE_JOURNAL, "\\x0d\\x09\\x1b\\x7f");
        expect_escape("\xc2\x85\xc2\x9b", EVENT_STYLE_JOURNAL, "\\xc2\\x85\\xc2\\x9b"); /* C1: NEL, CSI */
        expect_escape("caf\xc3", EVENT_STYLE_JOURNAL, "caf\\xc3");                       /* cut short */
        expect_escape("\xc3(", EVENT_STYLE_JOURNAL, "\\xc3(");                           /* bad continuation */
        expect_escape("\xc0\xaf", EVENT_STYLE_JOURNAL, "\\xc0\\xaf");                  /* overlong '/' */
        expect_escape("\xed\xa0\x80", EVENT_STYLE_JOURNAL, "\\xed\\xa0\\x80");         /* surrogate */
        expect_escape("\xf4\x90\x80\x80", EVENT_STYLE_JOURNAL, "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
        expect_escape("\xff", EVENT_STYLE_JOURNAL, "\\xff");
}

static void test_escape_cut(void **state)
{
        char in[2000], buf[EVENT_VALUE_MAX_HOOK + 1], small[8];
        size_t n;

        (void)state;
        /* bare, exactly at the limit: kept whole */
        memset(in, 'a', EVENT_VALUE_MAX_LOG);
        in[EVENT_VALUE_MAX_LOG] = '\0';
        n = event_escape(in, EVENT_STYLE_LOG, buf, sizeof(buf));
        assert_int_equal(n, EVENT_VALUE_MAX_LOG);
        assert_string_equal(buf, in);
        /* one more: cut, ends in "..." */
        in[EVENT_VALUE_MAX_LOG] = 'a';
        in[EVENT_VALUE_MAX_LOG + 1] = '\0';
        n = event_escape(in, EVENT_STYLE_LOG, buf, sizeof(buf));
        assert_true(n <= EVENT_VALUE_MAX_LOG);
        assert_int_equal(n, strlen(buf));
        assert_string_equal(buf + n - 3, "...");
        /* quoted and escaped: cut between escapes, still closed */
        memset(in, '\n', sizeof(in) - 1);
        in[sizeof(in) - 1] = '\0';
        n = event_escape(in, EVENT_STYLE_LOG, buf, sizeof(buf));
        assert_true(n <= EVENT_VALUE_MAX_LOG);
        assert_int_equal(buf[0], '"');
        assert_string_equal(buf + n - 4, "...\"");
        assert_int_equal((n - 5) % 4, 0);
        assert_null(strchr(buf, '\n'));
        n = event_escape(in, EVENT_STYLE_HOOK, buf, sizeof(buf));
        assert_true(n <= EVENT_VALUE_MAX_HOOK);
        assert_string_equal(buf + n - 3, "...");
        assert_int_equal((n - 3) % 4, 0);
        /* the journal keeps UTF-8 and never cuts inside a character */
        for (size_t i = 0; i + 2 < sizeof(in); i += 2)
                memcpy(in + i, "\xc3\xa9", 2);
        in[sizeof(in) - 1 - (sizeof(in) - 1) % 2] = '\0';
        n = event_escape(in + 1, EVENT_STYLE_JOURNAL, buf, sizeof(buf)); /* starts mid-character */
        assert_true(n <= EVENT_VALUE_MAX_JOURNAL);
        assert_memory_equal(buf, "\\xa9\xc3\xa9", 6);
        assert_string_equal(buf + n - 3, "...");
        assert_true(utf8_valid((const uint8_t *)buf, n));
        assert_int_equal((n - 4 - 3) % 2, 0);
        /* the buffer bounds it too */
        n = event_escape("abcdefghijkl", EVENT_STYLE_HOOK, small, sizeof(small));
        assert_int_equal(n, 7);
        assert_string_equal(small, "abcd...");
        n = event_escape("abc", EVENT_STYLE_HOOK, small, 4);
        assert_int_equal(n, 0);
        assert_string_equal(small, "");
}

static void test_format_line(void **state)
{
        char line[EVENT_LINE_MAX];
        int n;

        (void)state;
        n = event_format_line(EV_LOGIN,
                              &(struct event_data){ .user = "alice", .service = "sshd", .rhost = "::1" },
                              line, sizeof(line));
        assert_string_equal(line, "SESAME_EVENT=login MESSAGE_ID=e74cc0eef0164119a023e5172bcccb20 "
                                  "USER=alice SERVICE=sshd RHOST=::1");
        assert_int_equal(n, strlen(line));

        n = event_format_line(EV_LOGIN_FAILED,
                              &(struct event_data){ .user = "bob\nSESAME_EVENT=login USER=root",
                                                    .service = "",
                                                    .tty = "/dev/pts/3",
                                                    .reason = "bad-password" },
                              line, sizeof(line));
        assert_string_equal(line, "SESAME_EVENT=login-failed MESSAGE_ID=829a0215ddac42a68071f0cdfefb511e "
                                  "USER=\"bob\\x0aSESAME_EVENT=login USER=root\" TTY=/dev/pts/3 "
                                  "REASON=bad-password");
        assert_int_equal(n, strlen(line));

        n = event_format_line(EV_UNLOCK, NULL, line, sizeof(line));
        assert_string_equal(line, "SESAME_EVENT=unlock MESSAGE_ID=68870455b56a413780c093075c766e29");

        assert_int_equal(event_format_line(EV__MAX, NULL, line, sizeof(line)), -EINVAL);
        assert_int_equal(event_format_line(EV_LOGIN, NULL, line, 100), -ENOBUFS);
}

static void test_format_longest(void **state)
{
        char big[4096], line[EVENT_LINE_MAX], hook[EVENT_HOOK_MAX];
        struct event_data d = { big, big, big, big, big };
        int n;

        (void)state;
        memset(big, '\x01', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        n = event_format_line(EV_PASSWORD_CHANGED, &d, line, sizeof(line));
        assert_true(n > 0 && n < EVENT_LINE_MAX);
        assert_null(strchr(line, '\n'));
        assert_int_equal(strlen(line), n);
        n = event_format_hook(EV_PASSWORD_CHANGED, &d, 1700000000, hook, sizeof(hook));
        assert_true(n > 0 && n < EVENT_HOOK_MAX);
        assert_string_equal(hook + n - 16, "TIME=1700000000\n");
}

static void test_format_hook(void **state)
{
        char buf[EVENT_HOOK_MAX];
        int n;

        (void)state;
        n = event_format_hook(EV_LOCKOUT,
                              &(struct event_data){ .user = "carol", .service = "login", .rhost = "a b",
                                                    .tty = "x\nUSER=root", .reason = "locked" },
                              1700000000, buf, sizeof(buf));
        assert_string_equal(buf, "EVENT=lockout\n"
                                 "MESSAGE_ID=d1027a48e6d8433592e10eaa65281b3d\n"
                                 "USER=carol\n"
                                 "SERVICE=login\n"
                                 "RHOST=a b\n"
                                 "TTY=x\\x0aUSER=root\n"
                                 "REASON=locked\n"
                                 "TIME=1700000000\n");
        assert_int_equal(n, strlen(buf));

        n = event_format_hook(EV_SESSION_OPEN, &(struct event_data){ .user = "dave" }, 0, buf, sizeof(buf));
        assert_string_equal(buf, "EVENT=session-open\n"
                                 "MESSAGE_ID=1cfc6c3529c1419abdba244c122fe011\n"
                                 "USER=dave\n"
                                 "TIME=0\n");
        assert_int_equal(event_format_hook(EV__MAX, NULL, 0, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(event_format_hook(EV_LOGIN, NULL, 0, buf, 64), -ENOBUFS);
}

/* The fields of @j, each checked to hold no NUL, as one string of
 * "KEY=value" lines. */
static const char *journal_text(const struct event_journal *j)
{
        static char text[EVENT_JOURNAL_MAX];
        size_t o = 0;

        for (size_t i = 0; i < j->n; i++) {
                assert_int_equal(memchr(j->iov[i].iov_base, '\0', j->iov[i].iov_len), NULL);
                assert_true(o + j->iov[i].iov_len + 1 < sizeof(text));
                memcpy(text + o, j->iov[i].iov_base, j->iov[i].iov_len);
                o += j->iov[i].iov_len;
                text[o++] = '\n';
        }
        text[o] = '\0';
        return text;
}

static void test_format_journal(void **state)
{
        struct event_journal j;

        (void)state;
        assert_int_equal(event_format_journal(EV_LOGIN_FAILED,
                                              &(struct event_data){ .user = "jos\xc3\xa9\nUSER=root",
                                                                    .service = "sshd",
                                                                    .rhost = "192.0.2.7",
                                                                    .tty = "",
                                                                    .reason = "bad-password" },
                                              &j),
                         0);
        assert_int_equal(j.n, 10);
        assert_string_equal(journal_text(&j),
                            "MESSAGE=SESAME_EVENT=login-failed MESSAGE_ID=829a0215ddac42a68071f0cdfefb511e "
                            "USER=\"jos\\xc3\\xa9\\x0aUSER=root\" SERVICE=sshd RHOST=192.0.2.7 REASON=bad-password\n"
                            "MESSAGE_ID=829a0215ddac42a68071f0cdfefb511e\n"
                            "PRIORITY=5\n"
                            "SYSLOG_FACILITY=10\n"
                            "SYSLOG_IDENTIFIER=sesamed\n"
                            "SESAME_EVENT=login-failed\n"
                            "SESAME_USER=jos\xc3\xa9\\x0aUSER=root\n"
                            "SESAME_SERVICE=sshd\n"
                            "SESAME_RHOST=192.0.2.7\n"
                            "SESAME_REASON=bad-password\n");

        assert_int_equal(event_format_journal(EV_LOCKOUT, &(struct event_data){ .user = "carol", .tty = "tty1" }, &j), 0);
        assert_string_equal(journal_text(&j),
                            "MESSAGE=SESAME_EVENT=lockout MESSAGE_ID=d1027a48e6d8433592e10eaa65281b3d USER=carol "
                            "TTY=tty1\n"
                            "MESSAGE_ID=d1027a48e6d8433592e10eaa65281b3d\n"
                            "PRIORITY=4\n"
                            "SYSLOG_FACILITY=10\n"
                            "SYSLOG_IDENTIFIER=sesamed\n"
                            "SESAME_EVENT=lockout\n"
                            "SESAME_USER=carol\n"
                            "SESAME_TTY=tty1\n");

        assert_int_equal(event_format_journal(EV_SESSION_OPEN, NULL, &j), 0);
        assert_int_equal(j.n, 6);
        assert_string_equal(journal_text(&j) + j.iov[0].iov_len + 1,
                            "MESSAGE_ID=1cfc6c3529c1419abdba244c122fe011\n"
                            "PRIORITY=6\n"
                            "SYSLOG_FACILITY=10\n"
                            "SYSLOG_IDENTIFIER=sesamed\n"
                            "SESAME_EVENT=session-open\n");
        assert_int_equal(event_format_journal(EV__MAX, NULL, &j), -EINVAL);
}

static void test_format_journal_longest(void **state)
{
        char big[4096];
        struct event_data d = { big, big, big, big, big };
        struct event_journal j;
        const char *text;

        (void)state;
        /* the longest escaped value of each field */
        memset(big, '\x01', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(event_format_journal(EV_PASSWORD_CHANGED, &d, &j), 0);
        assert_int_equal(j.n, EVENT_JOURNAL_FIELDS);
        text = journal_text(&j);
        assert_non_null(strstr(text, "\nSESAME_REASON=\\x01\\x01"));
        for (size_t i = 6; i < j.n; i++)
                assert_true(j.iov[i].iov_len <= strlen("SESAME_SERVICE=") + EVENT_VALUE_MAX_JOURNAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),         cmocka_unit_test(test_message_ids),
                cmocka_unit_test(test_parse),         cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_escape_log),    cmocka_unit_test(test_escape_hook),
                cmocka_unit_test(test_escape_journal), cmocka_unit_test(test_escape_cut),
                cmocka_unit_test(test_format_line),   cmocka_unit_test(test_format_longest),
                cmocka_unit_test(test_format_hook),   cmocka_unit_test(test_format_journal),
                cmocka_unit_test(test_format_journal_longest),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

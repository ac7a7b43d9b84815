/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-catalog.c - conf/sesame.catalog and the events of
 * helper/sesamed/events.c agree: every event's message id has exactly one
 * catalog entry and every entry is an event's; each entry has a Subject,
 * Defined-By and Support header and a text; and each @FIELD@ it
 * substitutes is a field the event's journal entry can have.  The file is
 * parsed here as journalctl parses it (tests/unit/check-catalog.sh has
 * journalctl itself read it).  SESAME_CATALOG names the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events-format.h"
#include "events.h"

#define ENTRIES_MAX 64

struct entry {
        char id[EVENT_MESSAGE_ID_LEN + 1];
        char subject[256];
        bool defined_by, support;
        char text[4096]; /* the body, lines joined with '\n' */
        unsigned line;
};

static struct entry entries[ENTRIES_MAX];
static size_t n_entries;

static bool is_id(const char *s)
{
        return strlen(s) == EVENT_MESSAGE_ID_LEN && strspn(s, "0123456789abcdef") == EVENT_MESSAGE_ID_LEN;
}

static void append(char *buf, size_t size, const char *s)
{
        size_t o = strlen(buf);

        assert_true(o + strlen(s) + 2 < size);
        (void)snprintf(buf + o, size - o, "%s%s", o ? "\n" : "", s);
}

/* One header line "Key: value" of entry @e. */
static void parse_header(struct entry *e, const char *l, unsigned lineno)
{
        const char *colon = strchr(l, ':');

        if (!colon || colon[1] != ' ' || !colon[2])
                fail_msg("line %u: header \"%s\" is not \"Key: value\"", lineno, l);
        if (strncmp(l, "Subject:", 8) == 0) {
                assert_true(strlen(colon + 2) < sizeof(e->subject));
                strcpy(e->subject, colon + 2);
        } else if (strncmp(l, "Defined-By:", 11) == 0)
                e->defined_by = true;
        else if (strncmp(l, "Support:", 8) == 0)
                e->support = true;
}

static void test_parse(void **state)
{
        const char *path = getenv("SESAME_CATALOG");
        char l[1024];
        struct entry *e = NULL;
        bool in_header = false;
        unsigned lineno = 0;
        FILE *f;

        (void)state;
        assert_non_null(path);
        f = fopen(path, "re");
        if (!f)
                fail_msg("cannot open %s", path);
        while (fgets(l, sizeof(l), f)) {
                size_t len = strlen(l);

                lineno++;
                assert_true(len > 0 && l[len - 1] == '\n');
                l[--len] = '\0';
                if (l[0] == '#')
                        continue;
                if (strncmp(l, "-- ", 3) == 0) {
                        assert_true(n_entries < ENTRIES_MAX);
                        e = &entries[n_entries++];
                        if (!is_id(l + 3))
                                fail_msg("line %u: \"%s\" is not \"-- \" and 32 lower-case hex digits", lineno, l);
                        strcpy(e->id, l + 3);
                        e->line = lineno;
                        in_header = true;
                        continue;
                }
                if (!e) {
                        if (l[0])
                                fail_msg("line %u: text before the first entry", lineno);
                        continue;
                }
                if (in_header && !l[0]) {
                        in_header = false;
                        continue;
                }
                if (in_header)
                        parse_header(e, l, lineno);
                else
                        append(e->text, sizeof(e->text), l);
        }
        (void)fclose(f);
}

static const struct entry *entry_of(const char *id)
{
        const struct entry *found = NULL;

        for (size_t i = 0; i < n_entries; i++)
                if (strcmp(entries[i].id, id) == 0) {
                        if (found)
                                fail_msg("message id %s has two entries (lines %u and %u)", id, found->line,
                                         entries[i].line);
                        found = &entries[i];
                }
        return found;
}

static void test_every_event_has_an_entry(void **state)
{
        (void)state;
        for (int i = 0; i < EV__MAX; i++)
                if (!entry_of(event_message_id((enum event)i)))
                        fail_msg("event %s (%s) has no catalog entry", event_name((enum event)i),
                                 event_message_id((enum event)i));
}

static enum event event_of(const char *id)
{
        for (int i = 0; i < EV__MAX; i++)
                if (strcmp(event_message_id((enum event)i), id) == 0)
                        return (enum event)i;
        return EV__MAX;
}

static void test_every_entry_is_an_event(void **state)
{
        (void)state;
        assert_true(n_entries > 0);
        for (size_t i = 0; i < n_entries; i++)
                if (event_of(entries[i].id) == EV__MAX)
                        fail_msg("catalog entry %s (line %u) is no event's", entries[i].id, entries[i].line);
}

static void test_entries_are_complete(void **state)
{
        (void)state;
        for (size_t i = 0; i < n_entries; i++) {
                const struct entry *e = &entries[i];
                bool words = false;

                if (!e->subject[0] || !e->defined_by || !e->support)
                        fail_msg("catalog entry %s (line %u) lacks Subject, Defined-By or Support", e->id,
                                 e->line);
                for (const char *p = e->text; *p && !words; p++)
                        words = isalpha((unsigned char)*p);
                if (!words)
                        fail_msg("catalog entry %s (line %u) has no text", e->id, e->line);
        }
}

/* Is @name (@len bytes) a field of @ev's journal entry when it has every
 * value? */
static bool is_field_of(enum event ev, const char *name, size_t len)
{
        static struct event_journal j;
        const struct event_data d = { "u", "s", "r", "t", "x" };

        assert_int_equal(event_format_journal(ev, &d, &j), 0);
        for (size_t i = 0; i < j.n; i++) {
                const char *kv = j.iov[i].iov_base;

                if (j.iov[i].iov_len > len && memcmp(kv, name, len) == 0 && kv[len] == '=')
                        return true;
        }
        return false;
}

/* Each @FIELD@ of @s is one of @ev's fields. */
static void check_substitutions(const struct entry *e, enum event ev, const char *s)
{
        for (const char *p = strchr(s, '@'); p; p = strchr(p + 1, '@')) {
                const char *end = strchr(p + 1, '@');
                size_t len;

                if (!end)
                        fail_msg("catalog entry %s: an unpaired '@'", e->id);
                len = (size_t)(end - p - 1);
                if (!is_field_of(ev, p + 1, len))
                        fail_msg("catalog entry %s (%s) uses @%.*s@, which its journal entry never has", e->id,
                                 event_name(ev), (int)len, p + 1);
                p = end;
        }
}

static void test_substitutions(void **state)
{
        (void)state;
        for (size_t i = 0; i < n_entries; i++) {
                enum event ev = event_of(entries[i].id);

                assert_true(ev < EV__MAX);
                check_substitutions(&entries[i], ev, entries[i].subject);
                check_substitutions(&entries[i], ev, entries[i].text);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_every_event_has_an_entry),
                cmocka_unit_test(test_every_entry_is_an_event),
                cmocka_unit_test(test_entries_are_complete),
                cmocka_unit_test(test_substitutions),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * events-format.h - the text of an event, for events.c and its unit test.
 *
 * Log line:  SESAME_EVENT=NAME MESSAGE_ID=HEX [USER=v] [SERVICE=v]
 *            [RHOST=v] [TTY=v] [REASON=v]
 * A field is left out when its value is NULL or empty.  A value made only
 * of printable ASCII other than '=', '"', '\'' and '\\' is written as it
 * is; any other value is written in double quotes, inside which '"', '\\'
 * and every byte outside 0x20..0x7e are written as \xNN.  So a value can
 * never end its field early, forge another field or start a new line.
 *
 * Hook input: one "KEY=value\n" line per field (EVENT, MESSAGE_ID, USER,
 * SERVICE, RHOST, TTY, REASON, TIME), absent fields left out.  Values are
 * never quoted; '\\' and every byte outside 0x20..0x7e are written as
 * \xNN, so a line ends only at its own newline.
 *
 * Journal fields (event_format_journal): MESSAGE is the log line;
 * MESSAGE_ID, PRIORITY, SYSLOG_FACILITY (10, authpriv),
 * SYSLOG_IDENTIFIER (sesamed) and SESAME_EVENT always follow; then
 * SESAME_USER, SESAME_SERVICE, SESAME_RHOST, SESAME_TTY, SESAME_REASON,
 * absent fields left out.  Values are never quoted, so that they can be
 * matched exactly (journalctl SESAME_USER=alice); valid UTF-8 is kept as
 * it is, and '\\', every control character (C0, DEL, C1) and every byte
 * of invalid UTF-8 are written as \xNN.
 *
 * A value longer than its room (EVENT_VALUE_MAX_LOG / _HOOK / _JOURNAL
 * bytes once escaped) is cut at a character boundary of the escaped text
 * and ends in "...".
 */
#ifndef SESAMED_EVENTS_FORMAT_H
#define SESAMED_EVENTS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "events.h"

#define EVENT_MESSAGE_ID_LEN 32 /* lower-case hex digits */
#define EVENT_VALUE_MAX_LOG 320 /* escaped bytes of one value, quotes included */
#define EVENT_VALUE_MAX_HOOK 1024
#define EVENT_VALUE_MAX_JOURNAL 1024
#define EVENT_LINE_MAX 2048 /* fits every log line */
#define EVENT_HOOK_MAX 8192 /* fits every hook input */
/* MESSAGE and its line, the fixed fields (less than 512 bytes), and five
 * values with their keys (each key shorter than 32 bytes) */
#define EVENT_JOURNAL_MAX (EVENT_LINE_MAX + 512 + 5 * (32 + EVENT_VALUE_MAX_JOURNAL))
#define EVENT_JOURNAL_FIELDS 11

enum event_style {
        EVENT_STYLE_LOG,     /* bare or in double quotes */
        EVENT_STYLE_HOOK,    /* never quoted, ASCII */
        EVENT_STYLE_JOURNAL, /* never quoted, UTF-8 kept */
};

/* The fields of one journal entry, for sd_journal_sendv(): each iov is
 * "KEY=value" (no NUL inside; one follows it in @buf). */
struct event_journal {
        struct iovec iov[EVENT_JOURNAL_FIELDS];
        size_t n;
        char buf[EVENT_JOURNAL_MAX];
};

/* The message id of @ev (32 lower-case hex digits); NULL if out of range. */
const char *event_message_id(enum event ev);

/*
 * Escape @s in @style into @buf (at most @size - 1 bytes and a NUL; @size
 * of at least 8 is needed to hold anything).  Returns the length written.
 */
size_t event_escape(const char *s, enum event_style style, char *buf, size_t size);

/* The log line of @ev into @buf; its length, or -EINVAL (bad @ev) or
 * -ENOBUFS (@buf smaller than EVENT_LINE_MAX). */
int event_format_line(enum event ev, const struct event_data *d, char *buf, size_t size);

/* The hook's input for @ev at @now (seconds since the epoch) into @buf;
 * its length, or -EINVAL / -ENOBUFS (@buf smaller than EVENT_HOOK_MAX). */
int event_format_hook(enum event ev, const struct event_data *d, int64_t now, char *buf, size_t size);

/* The journal fields of @ev into @ret; 0, or -EINVAL (bad @ev). */
int event_format_journal(enum event ev, const struct event_data *d, struct event_journal *ret);

#endif

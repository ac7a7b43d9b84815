/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * events.c - the events: their names and message ids, the text of each
 * (events-format.h says how values are escaped), and where it goes.
 *
 * When journald is there (its socket exists) and sesamed does not run in
 * the foreground, an event goes to the journal with sd_journal_sendv():
 * the log line as MESSAGE, and MESSAGE_ID, PRIORITY, the syslog facility
 * and identifier and each value as fields of their own
 * (event_format_journal()).  Otherwise, or when the journal refuses it,
 * the line goes through log_msg(): to syslog with facility LOG_AUTHPRIV,
 * or to standard error in the foreground.  The hook program, if the event
 * is one it wants, is started by hooks.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "conf.h"
#include "events-format.h"
#include "events.h"
#include "hooks.h"
#include "log.h"
#include "macro.h"
#include "proto.h"

_Static_assert(EV__MAX < 32, "the hook mask is a uint32_t");

/* The message ids never change: they are in doc/events.md and people
 * filter on them. */
static const struct event_def {
        const char *name;
        const char *message_id;
        int prio;
} event_defs[EV__MAX] = {
        [EV_LOGIN] = { "login", "e74cc0eef0164119a023e5172bcccb20", LOG_INFO },
        [EV_LOGIN_FAILED] = { "login-failed", "829a0215ddac42a68071f0cdfefb511e", LOG_NOTICE },
        [EV_LOCKOUT] = { "lockout", "d1027a48e6d8433592e10eaa65281b3d", LOG_WARNING },
        [EV_UNLOCK] = { "unlock", "68870455b56a413780c093075c766e29", LOG_NOTICE },
        [EV_ACCOUNT_REFUSED] = { "account-refused", "0c1bd2b3e6ab4538a5b4d721f6ed3b12", LOG_NOTICE },
        [EV_PASSWORD_CHANGED] = { "password-changed", "a508a1a3c99e4bb89d17b1f09905d58e", LOG_NOTICE },
        [EV_TOTP_ENROLLED] = { "totp-enrolled", "3a49277dab944cf3b5bc658a4143043b", LOG_NOTICE },
        [EV_TOTP_DISABLED] = { "totp-disabled", "44559255e160482fa680a8876ca0d3f3", LOG_NOTICE },
        [EV_RECOVERY_CODES] = { "recovery-codes", "84c3f2c34f704385a1e98e18fd736eb5", LOG_NOTICE },
        [EV_RECOVERY_USED] = { "recovery-used", "b8e68a28bc6f4b0986e323b80c99d4b9", LOG_NOTICE },
        [EV_SESSION_OPEN] = { "session-open", "1cfc6c3529c1419abdba244c122fe011", LOG_INFO },
        [EV_SESSION_CLOSE] = { "session-close", "bd7479bb19044fce8c5e71f3f96375b6", LOG_INFO },
        [EV_TOKEN_ISSUED] = { "token-issued", "257f4694b43d4e67b7fd11524a94ea2a", LOG_NOTICE },
        [EV_TOKEN_REDEEMED] = { "token-redeemed", "06cac37226814cfd8271054a77044fe2", LOG_NOTICE },
        [EV_TOKEN_REFUSED] = { "token-refused", "08f81db3dd764fc78e5c1dc6ae8137a8", LOG_NOTICE },
        [EV_MAIL_SPOOLED] = { "mail-spooled", "813d41149ba44815bef9d62d10e1a4ff", LOG_INFO },
        [EV_MAIL_FAILED] = { "mail-failed", "b7e87ed32e1d4cb89c4c401e0ef669ca", LOG_ERR },
        [EV_ACCOUNT_REGISTERED] = { "account-registered", "9672148a83294e6a8356679ee1cff654", LOG_NOTICE },
};

static bool event_valid(enum event ev) { return (unsigned)ev < EV__MAX; }

const char *event_name(enum event ev) { return event_valid(ev) ? event_defs[ev].name : NULL; }

const char *event_message_id(enum event ev) { return event_valid(ev) ? event_defs[ev].message_id : NULL; }

/* ------------------------------------------------------------ parsing */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

int events_parse(const char *list, uint32_t *ret_mask, char *err, size_t errsize)
{
        uint32_t mask = 0;
        const char *p = list ? list : "";

        if (err && errsize)
                err[0] = '\0';
        for (;;) {
                const char *start;
                size_t n;
                bool found = false;

                while (is_blank(*p))
                        p++;
                if (!*p)
                        break;
                start = p;
                while (*p && !is_blank(*p))
                        p++;
                n = (size_t)(p - start);
                if (n == 3 && memcmp(start, "all", 3) == 0) {
                        mask |= (1u << EV__MAX) - 1;
                        continue;
                }
                for (unsigned i = 0; i < EV__MAX; i++)
                        if (strlen(event_defs[i].name) == n && memcmp(event_defs[i].name, start, n) == 0) {
                                mask |= 1u << i;
                                found = true;
                                break;
                        }
                if (!found) {
                        if (err && errsize) {
                                char known[512] = "";
                                size_t o = 0;

                                for (unsigned i = 0; i < EV__MAX && o < sizeof(known); i++)
                                        o += (size_t)snprintf(known + o, sizeof(known) - o, "%s ",
                                                              event_defs[i].name);
                                (void)snprintf(err, errsize, "unknown event \"%.*s\" (known: %sall)",
                                               (int)MIN(n, (size_t)64), start, known);
                        }
                        return -EINVAL;
                }
        }
        *ret_mask = mask;
        return 0;
}

/* ------------------------------------------------------------ formatting */

/* Written as they are in a bare log value. */
static bool plain_byte(unsigned char c)
{
        return c > 0x20 && c < 0x7f && c != '=' && c != '"' && c != '\'' && c != '\\';
}

/* The length of the UTF-8 character at @p that the journal keeps as it
 * is, or 0 if it is to be escaped byte by byte: an invalid or cut
 * sequence, or a C1 control character (U+0080..U+009F), which terminals
 * act on just as they do on the C0 ones. */
static size_t journal_char(const char *p)
{
        unsigned char c = (unsigned char)p[0];
        size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

        if (n == 0 || strnlen(p, n) < n || !utf8_valid((const uint8_t *)p, n))
                return 0;
        if (c == 0xc2 && (unsigned char)p[1] < 0xa0)
                return 0;
        return n;
}

/*
 * The escaped form of the next character of @p into @out (at most 4
 * bytes, no NUL); *ret_in is how many bytes of @p it stands for.  One
 * byte at a time, except for the UTF-8 the journal keeps whole, so that a
 * cut never splits a character.
 */
static size_t escape_next(const char *p, enum event_style style, size_t *ret_in, char out[static 5])
{
        unsigned char c = (unsigned char)*p;
        bool literal = c >= 0x20 && c < 0x7f && c != '\\' && !(style == EVENT_STYLE_LOG && c == '"');
        size_t n;

        *ret_in = 1;
        if (literal) {
                out[0] = (char)c;
                return 1;
        }
        if (style == EVENT_STYLE_JOURNAL && c >= 0x80 && (n = journal_char(p)) > 0) {
                memcpy(out, p, n);
                *ret_in = n;
                return n;
        }
        (void)snprintf(out, 5, "\\x%02x", c);
        return 4;
}

static size_t value_max(enum event_style style)
{
        switch (style) {
        case EVENT_STYLE_LOG: return EVENT_VALUE_MAX_LOG;
        case EVENT_STYLE_HOOK: return EVENT_VALUE_MAX_HOOK;
        case EVENT_STYLE_JOURNAL: return EVENT_VALUE_MAX_JOURNAL;
        }
        return 0;
}

size_t event_escape(const char *s, enum event_style style, char *buf, size_t size)
{
        size_t max = value_max(style);
        bool quote = false;
        size_t need = 0, o = 0, in;
        char tmp[5];

        if (size < 8) {
                if (size)
                        buf[0] = '\0';
                return 0;
        }
        max = MIN(max, size - 1);
        if (!s)
                s = "";
        if (style == EVENT_STYLE_LOG) {
                quote = !*s;
                for (const char *p = s; *p && !quote; p++)
                        quote = !plain_byte((unsigned char)*p);
        }
        for (const char *p = s; *p; p += in)
                need += escape_next(p, style, &in, tmp);
        need += quote ? 2 : 0;

        if (quote)
                buf[o++] = '"';
        for (const char *p = s; *p; p += in) {
                size_t n = escape_next(p, style, &in, tmp);

                /* cut: keep room for "...", the closing quote and the NUL */
                if (need > max && o + n + 3 + (quote ? 1 : 0) > max) {
                        memcpy(buf + o, "...", 3);
                        o += 3;
                        break;
                }
                memcpy(buf + o, tmp, n);
                o += n;
        }
        if (quote)
                buf[o++] = '"';
        buf[o] = '\0';
        return o;
}

static const char *const field_keys[] = { "USER", "SERVICE", "RHOST", "TTY", "REASON" };

static void data_values(const struct event_data *d, const char *v[static 5])
{
        static const struct event_data none;

        if (!d)
                d = &none;
        v[0] = d->user;
        v[1] = d->service;
        v[2] = d->rhost;
        v[3] = d->tty;
        v[4] = d->reason;
}

int event_format_line(enum event ev, const struct event_data *d, char *buf, size_t size)
{
        const char *v[5];
        char esc[EVENT_VALUE_MAX_LOG + 1];
        size_t o;

        if (!event_valid(ev))
                return -EINVAL;
        if (size < EVENT_LINE_MAX)
                return -ENOBUFS;
        data_values(d, v);
        o = (size_t)snprintf(buf, size, "SESAME_EVENT=%s MESSAGE_ID=%s", event_defs[ev].name,
                             event_defs[ev].message_id);
        for (size_t i = 0; i < ELEMENTSOF(field_keys); i++) {
                if (!v[i] || !*v[i])
                        continue;
                (void)event_escape(v[i], EVENT_STYLE_LOG, esc, sizeof(esc));
                o += (size_t)snprintf(buf + o, size - o, " %s=%s", field_keys[i], esc);
                if (o >= size) /* cannot happen: EVENT_LINE_MAX fits the longest */
                        return -ENOBUFS;
        }
        return (int)o;
}

int event_format_hook(enum event ev, const struct event_data *d, int64_t now, char *buf, size_t size)
{
        const char *v[5];
        char esc[EVENT_VALUE_MAX_HOOK + 1];
        size_t o;

        if (!event_valid(ev))
                return -EINVAL;
        if (size < EVENT_HOOK_MAX)
                return -ENOBUFS;
        data_values(d, v);
        o = (size_t)snprintf(buf, size, "EVENT=%s\nMESSAGE_ID=%s\n", event_defs[ev].name,
                             event_defs[ev].message_id);
        for (size_t i = 0; i < ELEMENTSOF(field_keys); i++) {
                if (!v[i] || !*v[i])
                        continue;
                (void)event_escape(v[i], EVENT_STYLE_HOOK, esc, sizeof(esc));
                o += (size_t)snprintf(buf + o, size - o, "%s=%s\n", field_keys[i], esc);
                if (o >= size) /* cannot happen: EVENT_HOOK_MAX fits the longest */
                        return -ENOBUFS;
        }
        o += (size_t)snprintf(buf + o, size - o, "TIME=%lld\n", (long long)now);
        return o < size ? (int)o : -ENOBUFS;
}

/* Append "KEY=value" to @j at offset *@o, the value escaped for the
 * journal if @escape; -ENOBUFS if it does not fit (it always does:
 * EVENT_JOURNAL_MAX). */
static int journal_add(struct event_journal *j, size_t *o, const char *key, const char *value, bool escape)
{
        char *start = j->buf + *o;
        size_t room = sizeof(j->buf) - *o, len;

        if (j->n >= ELEMENTSOF(j->iov) || room < 9 + strlen(key))
                return -ENOBUFS;
        len = (size_t)snprintf(start, room, "%s=", key);
        if (escape)
                len += event_escape(value, EVENT_STYLE_JOURNAL, start + len, room - len);
        else
                len += (size_t)snprintf(start + len, room - len, "%s", value);
        if (len >= room)
                return -ENOBUFS;
        j->iov[j->n++] = (struct iovec){ .iov_base = start, .iov_len = len };
        *o += len + 1;
        return 0;
}

static const char *const journal_keys[] = { "SESAME_USER", "SESAME_SERVICE", "SESAME_RHOST", "SESAME_TTY",
                                            "SESAME_REASON" };
_Static_assert(ELEMENTSOF(journal_keys) == ELEMENTSOF(field_keys), "one journal field per log field");

int event_format_journal(enum event ev, const struct event_data *d, struct event_journal *ret)
{
        char line[EVENT_LINE_MAX], prio[4];
        const char *v[5];
        size_t o = 0;
        int r;

        if (!event_valid(ev))
                return -EINVAL;
        r = event_format_line(ev, d, line, sizeof(line));
        if (r < 0)
                return r;
        data_values(d, v);
        (void)snprintf(prio, sizeof(prio), "%d", event_defs[ev].prio);
        ret->n = 0;
        /* the line as MESSAGE, so that a search of the text finds an event
         * in the journal as it does in a syslog file */
        r = journal_add(ret, &o, "MESSAGE", line, false);
        if (r >= 0)
                r = journal_add(ret, &o, "MESSAGE_ID", event_defs[ev].message_id, false);
        if (r >= 0)
                r = journal_add(ret, &o, "PRIORITY", prio, false);
        /* LOG_AUTHPRIV >> 3, as syslog() would have said */
        if (r >= 0)
                r = journal_add(ret, &o, "SYSLOG_FACILITY", "10", false);
        if (r >= 0)
                r = journal_add(ret, &o, "SYSLOG_IDENTIFIER", "sesamed", false);
        if (r >= 0)
                r = journal_add(ret, &o, "SESAME_EVENT", event_defs[ev].name, false);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(journal_keys); i++)
                if (v[i] && *v[i])
                        r = journal_add(ret, &o, journal_keys[i], v[i], true);
        return r;
}

/* ------------------------------------------------------------ emitting */

/* journald listens here; sd_journal_sendv() writes to no other place */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Send @ev to the journal: 0, or -errno if it did not get there. */
static int event_send_journal(enum event ev, const struct event_data *d)
{
        struct event_journal j;
        struct stat st;
        int r;

        if (stat(JOURNAL_SOCKET, &st) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode))
                return -ENOTSOCK;
        r = event_format_journal(ev, d, &j);
        if (r < 0)
                return r;
        return sd_journal_sendv(j.iov, (int)j.n);
}

void event_emit(const struct sesame_conf *c, uint32_t hook_mask, enum event ev, const struct event_data *d)
{
        char line[EVENT_LINE_MAX];

        if (event_format_line(ev, d, line, sizeof(line)) < 0)
                return;
        /* the journal when there is one, with every field on its own; else
         * (and should the journal refuse it) syslog, or standard error in
         * the foreground: an event is never lost on the way */
        if (log_is_stderr() || event_send_journal(ev, d) < 0)
                log_msg(event_defs[ev].prio, "%s", line);
        if (c && c->hook_program && (hook_mask & (1u << ev)))
                hook_start(c, ev, d);
}

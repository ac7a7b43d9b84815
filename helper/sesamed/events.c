/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * events.c - the events: their names and message ids, the text of each
 * (events-format.h says how values are escaped), and where it goes.
 *
 * The line is built by event_format_line() and logged with log_msg(),
 * which goes to syslog with facility LOG_AUTHPRIV unless sesamed runs in
 * the foreground.  The hook program, if the event is one it wants, is
 * started by hooks.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "events-format.h"
#include "events.h"
#include "hooks.h"
#include "log.h"
#include "macro.h"

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
                                char known[256] = "";
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

/* The escaped form of one byte into @out (at most 4 bytes, no NUL). */
static size_t escape_byte(unsigned char c, enum event_style style, char out[static 5])
{
        bool literal = style == EVENT_STYLE_LOG ? c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
                                                : c >= 0x20 && c < 0x7f && c != '\\';

        if (literal) {
                out[0] = (char)c;
                return 1;
        }
        (void)snprintf(out, 5, "\\x%02x", c);
        return 4;
}

size_t event_escape(const char *s, enum event_style style, char *buf, size_t size)
{
        size_t max = style == EVENT_STYLE_LOG ? EVENT_VALUE_MAX_LOG : EVENT_VALUE_MAX_HOOK;
        bool quote = false;
        size_t need = 0, o = 0;
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
        for (const char *p = s; *p; p++)
                need += escape_byte((unsigned char)*p, style, tmp);
        need += quote ? 2 : 0;

        if (quote)
                buf[o++] = '"';
        for (const char *p = s; *p; p++) {
                size_t n = escape_byte((unsigned char)*p, style, tmp);

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

void event_emit(const struct sesame_conf *c, uint32_t hook_mask, enum event ev, const struct event_data *d)
{
        char line[EVENT_LINE_MAX];

        if (event_format_line(ev, d, line, sizeof(line)) < 0)
                return;
        log_msg(event_defs[ev].prio, "%s", line);
        if (c && c->hook_program && (hook_mask & (1u << ev)))
                hook_start(c, ev, d);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.c - what sesamectl prints for every command: status and reason
 * words, times, text from the directory made safe for a terminal, and the
 * reports of a failure or a success (stderr, or the --json object).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "proto.h"
#include "sesamectl.h"

/* ------------------------------------------------------- status words */

const char *status_word(uint32_t st)
{
        switch (st) {
        case SESAME_ST_OK: return "ok";
        case SESAME_ST_NOTFOUND: return "not_found";
        case SESAME_ST_UNAVAIL: return "unavailable";
        case SESAME_ST_DENIED: return "denied";
        case SESAME_ST_INTERNAL: return "internal";
        case SESAME_ST_AUTH_FAILED: return "auth_failed";
        case SESAME_ST_REFUSED: return "refused";
        case SESAME_ST_BAD_PASSWORD: return "bad_password";
        default: return "unknown";
        }
}

const char *status_text(uint32_t st)
{
        switch (st) {
        case SESAME_ST_OK: return "ok";
        case SESAME_ST_NOTFOUND: return "not found";
        case SESAME_ST_UNAVAIL: return "the directory is unavailable";
        case SESAME_ST_DENIED: return "permission denied";
        case SESAME_ST_INTERNAL: return "sesamed failed (internal error)";
        case SESAME_ST_AUTH_FAILED: return "wrong code";
        case SESAME_ST_REFUSED: return "refused";
        case SESAME_ST_BAD_PASSWORD: return "bad password";
        default: return "unknown status";
        }
}

static const char *reason_word(uint32_t r)
{
        switch (r) {
        case SESAME_R_LOCKED: return "locked";
        case SESAME_R_PPOLICY_LOCKED: return "ppolicy_locked";
        case SESAME_R_DISABLED: return "disabled";
        case SESAME_R_EXPIRED: return "expired";
        case SESAME_R_UNCONFIRMED: return "unconfirmed";
        case SESAME_R_ROLE: return "role";
        case SESAME_R_NO_TOTP: return "no_totp";
        case SESAME_R_CODE_NEEDED: return "code_needed";
        case SESAME_R_MUST_CHANGE: return "must_change";
        case SESAME_R_PASSWORD_EXPIRED: return "password_expired";
        case SESAME_R_PENDING: return "pending";
        default: return "unknown";
        }
}

static const char *reason_text(uint32_t r)
{
        switch (r) {
        case SESAME_R_LOCKED: return "the account is locked after too many failures";
        case SESAME_R_PPOLICY_LOCKED: return "the directory's password policy locked the account";
        case SESAME_R_DISABLED: return "the account is disabled";
        case SESAME_R_EXPIRED: return "the account has expired";
        case SESAME_R_UNCONFIRMED: return "the email address is not confirmed";
        case SESAME_R_ROLE: return "the account lacks a required role";
        case SESAME_R_NO_TOTP: return "no TOTP seed is enrolled";
        case SESAME_R_CODE_NEEDED: return "a code is needed";
        case SESAME_R_MUST_CHANGE: return "the password must be changed now";
        case SESAME_R_PASSWORD_EXPIRED: return "the password has expired";
        case SESAME_R_PENDING: return "the account is pending: its address is not confirmed yet";
        default: return "unknown reason";
        }
}

/* ---------------------------------------------------------------- time */

const char *time_local(uint32_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "@%u", (unsigned)t);
        return buf;
}

const char *time_iso(uint32_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "@%u", (unsigned)t);
        return buf;
}

/* ------------------------------------------------------ terminal text */

/*
 * Text from the directory goes to a terminal in the human output: C0 and
 * C1 control characters (escape sequences) are shown as '?'.  --json keeps
 * the exact value (escaped per JSON).
 */
void put_safe(FILE *f, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;

        for (size_t i = 0; i < len; i++) {
                if (p[i] < 0x20 || p[i] == 0x7f) {
                        fputc('?', f);
                } else if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
                        fputc('?', f); /* U+0080..U+009F */
                        i++;
                } else
                        fputc(p[i], f);
        }
}

void print_safe(const char *s) { put_safe(stdout, s, strlen(s)); }

char *sanitize(char *s)
{
        size_t j = 0;

        for (size_t i = 0; s[i]; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c < 0x20 || c == 0x7f)
                        c = '?';
                else if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) {
                        c = '?';
                        i++;
                }
                s[j++] = (char)c;
        }
        s[j] = '\0';
        return s;
}

/* ----------------------------------------------------- error reporting */

int fail(int code, const char *word, const char *fmt, ...)
{
        char msg[2048];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, word);
                json_key(&J, "error");
                json_string(&J, msg);
                json_object_end(&J);
                json_finish(&J);
        }
        fprintf(stderr, "sesamectl: %s\n", sanitize(msg));
        return code;
}

int fail_answer(const char *name, const struct answer *a)
{
        char msg[2048], when[64];
        int n;

        if (a->end.status == SESAME_ST_NOTFOUND && name)
                n = snprintf(msg, sizeof(msg), "no such user: %s", name);
        else
                n = snprintf(msg, sizeof(msg), "%s", status_text(a->end.status));
        if (a->end.reason && n >= 0 && (size_t)n < sizeof(msg))
                n += snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", reason_text(a->end.reason));
        if (a->end.locked_until && n >= 0 && (size_t)n < sizeof(msg))
                n += snprintf(msg + n, sizeof(msg) - (size_t)n, " (until %s)",
                              time_local(a->end.locked_until, when, sizeof(when)));
        if (a->end.message[0] && n >= 0 && (size_t)n < sizeof(msg))
                (void)snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", a->end.message);
        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, status_word(a->end.status));
                json_key(&J, "error");
                json_string(&J, msg);
                if (a->end.reason) {
                        json_key(&J, "reason");
                        json_string(&J, reason_word(a->end.reason));
                }
                if (a->end.locked_until) {
                        json_key(&J, "locked_until");
                        json_string(&J, time_iso(a->end.locked_until, when, sizeof(when)));
                }
                if (a->end.message[0]) {
                        json_key(&J, "message");
                        json_string(&J, a->end.message);
                }
                json_object_end(&J);
                json_finish(&J);
        }
        fprintf(stderr, "sesamectl: %s\n", sanitize(msg));
        return EXIT_FAILED;
}

int done(const char *name, const char *fmt, ...)
{
        va_list ap;

        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, "ok");
                if (name) {
                        json_key(&J, "user");
                        json_string(&J, name);
                }
                json_object_end(&J);
                json_finish(&J);
                return EXIT_OK;
        }
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        return EXIT_OK;
}


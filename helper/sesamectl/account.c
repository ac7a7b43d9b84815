/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * account.c - the sesamectl commands that change an account: totp
 * enroll, activate and disable, recovery-codes, unlock, password, and
 * user confirm-email.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#include "json.h"
#include "macro.h"
#include "proto.h"
#include "qr.h"
#include "sesamectl.h"
#include "util.h"

#define PROMPT_TIMEOUT_MS (5 * 60 * 1000) /* a human typing a code */

/* ---------------------------------------------------------- arguments */

/* Drop blanks ("123 456" as some apps show it); check what is left. */
static int normalise_code(char *code)
{
        size_t j = 0;

        for (size_t i = 0; code[i]; i++) {
                unsigned char c = (unsigned char)code[i];

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                        continue;
                if (c < 0x20 || c >= 0x7f)
                        return -EINVAL;
                code[j++] = (char)c;
        }
        explicit_bzero(code + j, strlen(code + j));
        code[j] = '\0';
        if (j == 0)
                return -ENODATA;
        if (j > SESAME_CODE_MAX)
                return -EMSGSIZE;
        return 0;
}

/* ----------------------------------------------------------- commands */

int cmd_unlock(char **args)
{
        struct answer a;
        int r;

        r = request_ok(SESAME_REQ_UNLOCK, args[0], NULL, 0, &a);
        if (r != 0)
                return r;
        return done(args[0], "%s: unlocked", args[0]);
}

int cmd_check_access(char **args)
{
        struct answer a;
        int r;

        r = request_ok(SESAME_REQ_CHECK, args[0], NULL, 0, &a);
        if (r != 0)
                return r;
        answer_free(&a);
        return done(args[0], "%s: the service DN may read and write its state", args[0]);
}

int cmd_totp_disable(char **args)
{
        struct answer a;
        int r;

        r = request_ok(SESAME_REQ_TOTP_DISABLE, args[0], NULL, 0, &a);
        if (r != 0)
                return r;
        return done(args[0], "%s: TOTP disabled", args[0]);
}

/* Send TOTP_ACTIVATE with @code (wiped by the caller). */
static int activate(const char *name, const char *code)
{
        struct answer a;
        int r;

        r = request(SESAME_REQ_TOTP_ACTIVATE, name, code, 0, &a);
        if (r != 0)
                return r;
        if (a.end.status == SESAME_ST_AUTH_FAILED) {
                r = fail_answer(name, &a);
                fprintf(stderr, "sesamectl: the new seed stays pending; try again with: "
                        "sesamectl totp activate %s\n", name);
                return r;
        }
        if (a.end.status != SESAME_ST_OK)
                return fail_answer(name, &a);
        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, "ok");
                json_key(&J, "user");
                json_string(&J, name);
                json_key(&J, "activated");
                json_bool(&J, true);
                json_object_end(&J);
                json_finish(&J);
        } else
                printf("%s: TOTP activated\n", name);
        return EXIT_OK;
}

/* One line from standard input into @buf, bounded in length and time.
 * Returns its length (newline dropped), -ENODATA at EOF before anything,
 * -EMSGSIZE if longer than @size - 1, -ETIMEDOUT, or -errno. */
static ssize_t read_line(char *buf, size_t size, int64_t deadline)
{
        size_t len = 0;

        for (;;) {
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                char c;
                ssize_t n;
                int k = poll(&p, 1, ms_left(deadline));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ETIMEDOUT;
                n = read(STDIN_FILENO, &c, 1); /* byte by byte: no copy left in a stdio buffer */
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0 || c == '\n') {
                        buf[len] = '\0';
                        if (n == 0 && len == 0)
                                return -ENODATA;
                        return (ssize_t)len;
                }
                if (len + 1 >= size) {
                        c = 0;
                        return -EMSGSIZE;
                }
                buf[len++] = c;
                c = 0;
        }
}

/*
 * A code from standard input, a terminal or not (a code never comes from
 * argv, where ps shows it): "Code from the app: " on stderr first when
 * @prompt, one line read within PROMPT_TIMEOUT_MS, blanks dropped.
 * Returns 0, or -ENODATA, -ETIMEDOUT, -EMSGSIZE, -EINVAL or -errno with
 * @code wiped.  The caller wipes @code after use.
 */
static int read_code(char *code, size_t size, bool prompt)
{
        bool tty = isatty(STDIN_FILENO);
        ssize_t n;
        int r;

        if (prompt) {
                fflush(stdout);
                fputs("Code from the app: ", stderr);
                fflush(stderr);
        }
        n = read_line(code, size, now_ms() + PROMPT_TIMEOUT_MS);
        /* end the prompt's line where the terminal did not */
        if (prompt && (!tty || n == -ETIMEDOUT))
                fputc('\n', stderr);
        r = n < 0 ? (int)n : normalise_code(code);
        if (r < 0)
                erase(code, size);
        return r;
}

static const char *code_error(int r)
{
        switch (r) {
        case -ENODATA: return "no code entered";
        case -ETIMEDOUT: return "no code entered in time";
        case -EMSGSIZE: return "code too long";
        case -EINVAL: return "invalid code";
        default: return proto_strerror(r);
        }
}

int cmd_totp_activate(char **args)
{
        char code[SESAME_CODE_MAX * 2 + 1];
        int r;

        /* a script pipes the code in: no prompt for it */
        r = read_code(code, sizeof(code), isatty(STDIN_FILENO));
        if (r < 0)
                return usage_error("%s; the code is read from standard input, for example: "
                                   "echo CODE | sesamectl totp activate %s", code_error(r), args[0]);
        r = activate(args[0], code);
        erase(code, sizeof(code));
        return r;
}

/* After enrolling: a human has just been shown the QR code, so always ask. */
static int prompt_and_activate(const char *name)
{
        char code[SESAME_CODE_MAX * 2 + 1];
        int r;

        r = read_code(code, sizeof(code), true);
        if (r < 0) {
                fprintf(stderr,
                        "sesamectl: %s; the new seed stays pending, activate it with: "
                        "sesamectl totp activate %s\n",
                        code_error(r), name);
                return EXIT_FAILED;
        }
        r = activate(name, code);
        erase(code, sizeof(code));
        return r;
}

int cmd_totp_enroll(char **args)
{
        char name[SESAME_NAME_MAX + 1];
        char secret[SESAME_SECRET_MAX + 1];
        char uri[SESAME_TEXT_MAX + 1];
        struct answer a;
        int r;

        r = request_ok(SESAME_REQ_TOTP_ENROLL, args[0], NULL, SESAME_ANS_TOTP, &a);
        if (r != 0)
                return r;
        if (a.n != 1) {
                answer_free(&a);
                return fail(EXIT_UNREACHABLE, "unreachable", "bad answer from sesamed: %s",
                            "enrolment without a seed");
        }
        field_str(&a.msg[0], SESAME_F_NAME, name, sizeof(name));
        field_str(&a.msg[0], SESAME_F_SECRET, secret, sizeof(secret));
        field_str(&a.msg[0], SESAME_F_URI, uri, sizeof(uri));
        answer_free(&a);

        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, "ok");
                json_key(&J, "user");
                json_string(&J, name);
                json_key(&J, "secret");
                json_string(&J, secret);
                json_key(&J, "uri");
                json_string(&J, uri);
                json_object_end(&J);
                json_finish(&J);
                r = EXIT_OK;
                goto out;
        }
        fputs("New TOTP seed for ", stdout);
        print_safe(name);
        fputs(" (pending until a code from the app is confirmed)\nsecret: ", stdout);
        print_safe(secret);
        fputs("\nuri:    ", stdout);
        print_safe(uri);
        putchar('\n');
        if (arg_qr != QR_STYLE_NONE) {
                putchar('\n');
                r = qr_print(stdout, uri, arg_qr);
                if (r < 0)
                        fprintf(stderr, "sesamectl: cannot draw the QR code: %s\n", proto_strerror(r));
                putchar('\n');
        }
        if (arg_no_activate) {
                printf("Not activated yet: run 'sesamectl totp activate %s' and enter a code from the app.\n",
                       name);
                r = EXIT_OK;
                goto out;
        }
        r = prompt_and_activate(name);
out:
        erase(secret, sizeof(secret));
        erase(uri, sizeof(uri));
        fflush(stdout);
        return r;
}

int cmd_recovery_codes(char **args)
{
        struct answer a;
        size_t count = 0;
        int r;

        r = request_ok(SESAME_REQ_RECOVERY_CODES, args[0], NULL, SESAME_ANS_CODES, &a);
        if (r != 0)
                return r;
        for (size_t i = 0; i < a.n; i++)
                count += a.msg[i].nfields;
        if (count == 0) {
                answer_free(&a);
                return fail(EXIT_UNREACHABLE, "unreachable", "bad answer from sesamed: %s", "no codes");
        }
        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, "ok");
                json_key(&J, "user");
                json_string(&J, args[0]);
                json_key(&J, "codes");
                json_array_begin(&J);
        } else {
                printf("New recovery codes for %s; the previous ones no longer work.\n"
                       "Each code works once. They are shown only this time: store them safely now.\n",
                       args[0]);
        }
        for (size_t i = 0; i < a.n; i++) {
                struct proto_iter it;
                struct proto_field f;

                proto_iter_init(&it, &a.msg[i]);
                while (proto_iter_next(&it, &f)) {
                        if (f.tag != SESAME_F_CODE)
                                continue;
                        if (arg_json)
                                json_stringn(&J, (const char *)f.val, f.len);
                        else {
                                put_safe(stdout, (const char *)f.val, f.len);
                                putchar('\n');
                        }
                }
        }
        if (arg_json) {
                json_array_end(&J);
                json_object_end(&J);
                json_finish(&J);
        }
        fflush(stdout);
        answer_free(&a);
        return EXIT_OK;
}


/* ------------------------------------------------------------ password */

/* One line of a new password into @pw (wiped on failure): on a terminal
 * after @prompt on stderr with echo off (restored whatever happens),
 * else as it comes.  Returns 0, or the -errno of read_line(). */
static int read_secret_line(const char *prompt, char *pw, size_t size, int64_t deadline)
{
        struct termios old, quiet;
        bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
        ssize_t n;

        if (tty) {
                fputs(prompt, stderr);
                fflush(stderr);
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
                (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        n = read_line(pw, size, deadline);
        if (tty) {
                (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                erase(pw, size);
                return (int)n;
        }
        return 0;
}

/* The new password from standard input, never from argv: typed twice on
 * a terminal, one line from a pipe.  0, or an exit status (said). */
static int read_new_password(const char *name, char *pw, char *again, size_t size)
{
        int64_t deadline = now_ms() + PROMPT_TIMEOUT_MS;
        int r;

        r = read_secret_line("New password: ", pw, size, deadline);
        if (r == 0 && !pw[0])
                r = -ENODATA;
        if (r == 0 && isatty(STDIN_FILENO)) {
                r = read_secret_line("Retype new password: ", again, size, deadline);
                if (r == 0 && strcmp(pw, again) != 0) {
                        erase(pw, size);
                        return fail(EXIT_FAILED, "mismatch", "the passwords do not match; nothing changed");
                }
        }
        if (r == 0)
                return 0;
        erase(pw, size);
        return usage_error("%s; the password is read from standard input, for example: "
                           "sesamectl password %s <FILE",
                           r == -ENODATA      ? "no password entered"
                           : r == -ETIMEDOUT  ? "no password entered in time"
                           : r == -EMSGSIZE   ? "password too long"
                                              : proto_strerror(r),
                           name);
}

int cmd_password(char **args)
{
        char pw[SESAME_PASSWORD_MAX + 2], again[SESAME_PASSWORD_MAX + 2];
        struct answer a;
        int r;

        r = read_new_password(args[0], pw, again, sizeof(pw));
        erase(again, sizeof(again));
        if (r != 0)
                return r;
        /* PASSWORD_SET carries it as NEWPASSWORD (request.c) */
        r = request_ok(SESAME_REQ_PASSWORD_SET, args[0], pw, 0, &a);
        erase(pw, sizeof(pw));
        if (r != 0)
                return r;
        return done(args[0], "%s: password set; a \"password changed\" mail is spooled if the account has an address",
                    args[0]);
}

/* ------------------------------------------------------- confirm-email */

int cmd_confirm_email(char **args)
{
        struct answer a;
        int r;

        r = request_ok(SESAME_REQ_CONFIRM_SEND, args[0], NULL, 0, &a);
        if (r != 0)
                return r;
        return done(args[0], "%s: a confirmation mail with a new link is spooled", args[0]);
}

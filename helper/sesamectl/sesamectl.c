/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sesamectl - Sesame's administration tool.  See sesamectl(8).
 *
 * It holds no LDAP credentials: every request goes to sesamed over
 * admin.sock (mode 0600, root only).  Before anything is sent, the socket
 * file must be owned by root and the process answering on it must run as
 * root (SO_PEERCRED), the same rules as libnss_sesame.  Every request is
 * bounded by --timeout from connect to the END frame.
 *
 * Exit status: 0 success, 1 sesamed reported a failure (or a check
 * failed), 2 usage error, 3 sesamed unreachable, timed out or spoke
 * garbage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "config.h"
#include "json.h"
#include "macro.h"
#include "proto.h"
#include "qr.h"
#include "util.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

#define ADMIN_SOCKET_NAME "admin.sock"
#define TIMEOUT_DEFAULT 10
#define TIMEOUT_MAX 3600
#define PROMPT_TIMEOUT_MS (5 * 60 * 1000) /* a human typing a code */
#define KEY_FILE_LEN 32
#define ANSWER_FRAMES_MAX 16
#define REQUEST_MAX 1024 /* largest request: LOGIN + CODE + header */

/* ------------------------------------------------------------ options */

static const char *arg_config;  /* NULL: SESAME_CONF_PATH, not named on the command line */
static const char *arg_socket;  /* NULL: socket_dir of the configuration */
static bool arg_json;
static uint32_t arg_timeout = TIMEOUT_DEFAULT;
static bool arg_alg_set, arg_digits_set, arg_no_activate, arg_qr_set;
static uint32_t arg_alg, arg_digits;
static enum qr_style arg_qr = QR_STYLE_UTF8;

static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: sesamectl [OPTION...] COMMAND [ARG...]\n"
                "\n"
                "Commands:\n"
                "  user show NAME            account state (locks, TOTP, roles, logins)\n"
                "  totp enroll NAME          new TOTP seed: URI, secret, QR code, then asks\n"
                "                            for a code from the app to activate it\n"
                "  totp activate NAME CODE   activate the pending seed with a code\n"
                "  totp disable NAME         remove the TOTP seed (active and pending)\n"
                "  recovery-codes NAME       ten new single-use recovery codes\n"
                "  unlock NAME               clear the failure lock\n"
                "  check                     check configuration, key file and sesamed\n"
                "  ping                      is sesamed answering?\n"
                "  flush-cache               drop sesamed's user and group cache\n"
                "\n"
                "Options:\n"
                "  -c, --config=FILE         configuration file (default %s)\n"
                "  -s, --socket=PATH         admin socket (default SOCKET_DIR/" ADMIN_SOCKET_NAME ")\n"
                "  -j, --json                one JSON object on standard output\n"
                "  -t, --timeout=SECONDS     bound for each request (default %d)\n"
                "  -a, --algorithm=ALG       totp enroll: sha1, sha256 or sha512\n"
                "  -d, --digits=N            totp enroll: 6 or 8\n"
                "  -n, --no-activate         totp enroll: do not ask for a code\n"
                "  -q, --qr=STYLE            totp enroll: utf8 (default), ansi or none\n"
                "  -V, --version             print the version\n"
                "  -h, --help                this text\n"
                "\n"
                "Exit status: 0 ok, 1 failed (reported by sesamed, or a check failed),\n"
                "2 usage error, 3 sesamed unreachable, timed out or protocol error.\n",
                SESAME_CONF_PATH, TIMEOUT_DEFAULT);
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("sesamectl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'sesamectl --help'.\n", stderr);
        return EXIT_USAGE;
}

/* ------------------------------------------------------- status words */

static const char *status_word(uint32_t st)
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

static const char *status_text(uint32_t st)
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
        default: return "unknown reason";
        }
}

static const char *alg_name(uint32_t alg)
{
        switch (alg) {
        case SESAME_ALG_SHA1: return "sha1";
        case SESAME_ALG_SHA256: return "sha256";
        case SESAME_ALG_SHA512: return "sha512";
        default: return "unknown";
        }
}

/* ---------------------------------------------------------------- time */

/* "2026-03-01 12:00:00 CET" */
static const char *time_local(uint32_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "@%u", (unsigned)t);
        return buf;
}

/* "2026-03-01T11:00:00Z" */
static const char *time_iso(uint32_t t, char *buf, size_t size)
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
static void put_safe(FILE *f, const char *s, size_t len)
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

static void print_safe(const char *s) { put_safe(stdout, s, strlen(s)); }

/* In place, for text only shown to a human. */
static char *sanitize(char *s)
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

static struct json J;

/* A failure the command cannot continue from: "sesamectl: MESSAGE" on
 * stderr and, with --json, {"status":WORD,"error":MESSAGE} on stdout. */
static int fail(int code, const char *word, const char *fmt, ...) _printf_(3, 4);
static int fail(int code, const char *word, const char *fmt, ...)
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

/* ------------------------------------------------------------- socket */

/* Socket path: --socket, else socket_dir of the configuration, else
 * SESAME_RUNDIR.  @conf: an already loaded configuration, or NULL to
 * read it here (without its bindpw_file).  A configuration named with -c
 * that does not load is an error (exit 2) unless @lenient; the default
 * one that does not exist is silently skipped. */
static int resolve_socket(const struct sesame_conf *conf, bool lenient)
{
        struct sesame_conf *own = NULL;
        const char *dir = SESAME_RUNDIR;
        int r;

        if (arg_socket) {
                if (strcpy_bounded(socket_path, sizeof(socket_path), arg_socket) < 0)
                        return usage_error("socket path too long: %s", arg_socket);
                return 0;
        }
        if (!conf) {
                const char *path = arg_config ? arg_config : SESAME_CONF_PATH;
                char err[1024], *text = NULL;
                size_t len = 0;

                r = conf_read_file(path, CONF_FILE_MAX, false, &text, &len, err, sizeof(err));
                if (r >= 0) {
                        r = conf_parse(path, text, len, &own, err, sizeof(err));
                        free(text);
                }
                if (r < 0 && arg_config && !lenient) {
                        fprintf(stderr, "sesamectl: %s\n", err);
                        return EXIT_USAGE;
                }
                if (r < 0 && r != -ENOENT && !lenient)
                        fprintf(stderr, "sesamectl: warning: %s; using %s\n", err, SESAME_RUNDIR);
                conf = own;
        }
        if (conf && conf->socket_dir)
                dir = conf->socket_dir;
        r = snprintf(socket_path, sizeof(socket_path), "%s/%s", dir, ADMIN_SOCKET_NAME);
        conf_free(own);
        if (r < 0 || (size_t)r >= sizeof(socket_path))
                return usage_error("socket directory too long: %s", dir);
        return 0;
}

/* Connect to socket_path; the file and the peer must belong to root.
 * Returns the fd, or -1 with a message in @err. */
static int connect_admin(int64_t deadline, char *err, size_t errsize)
{
        const char *why;
        int fd = client_connect(socket_path, deadline, &why);

        if (fd >= 0)
                return fd;
        if (why)
                snprintf(err, errsize, "%s: %s (refused)", socket_path, why);
        else if (fd == -ETIMEDOUT)
                snprintf(err, errsize, "cannot reach sesamed at %s: timed out", socket_path);
        else
                snprintf(err, errsize, "cannot reach sesamed at %s: %s%s", socket_path, proto_strerror(fd),
                         fd == -EACCES && geteuid() != 0 ? " (sesamectl must run as root)" : "");
        return -1;
}

/* ------------------------------------------------------------ answers */

/* The data frames of one answer and its END. */
struct answer {
        uint32_t status;
        bool has_reason, has_locked_until;
        uint32_t reason, locked_until;
        char message[SESAME_TEXT_MAX + 1];
        size_t n;
        uint8_t *buf[ANSWER_FRAMES_MAX];
        struct proto_msg msg[ANSWER_FRAMES_MAX];
};

/* Frames may hold secrets (seeds, recovery codes): wiped. */
static void answer_free(struct answer *a)
{
        for (size_t i = 0; i < a->n; i++) {
                erase(a->buf[i], SESAME_BUF_MAX);
                free(a->buf[i]);
        }
        memset(a, 0, sizeof(*a));
}

/*
 * Send a finished request frame and read the answer up to its END: data
 * frames must have opcode @data_op (0: none allowed).  Returns 0 with @a
 * filled (whatever the status), or EXIT_UNREACHABLE after saying why.
 */
static int transact(const uint8_t *frame, size_t len, uint16_t data_op, struct answer *a)
{
        int64_t deadline = now_ms() + (int64_t)arg_timeout * 1000;
        _cleanup_close_ int fd = -1;
        uint8_t *buf = NULL;
        char err[512];
        int r;

        memset(a, 0, sizeof(*a));
        fd = connect_admin(deadline, err, sizeof(err));
        if (fd < 0)
                return fail(EXIT_UNREACHABLE, "unreachable", "%s", err);
        r = proto_send(fd, frame, len, deadline);
        if (r != 0)
                return fail(EXIT_UNREACHABLE, "unreachable", "sending to sesamed at %s: %s", socket_path,
                            r == -ETIMEDOUT ? "timed out" : proto_strerror(r));
        for (;;) {
                struct proto_msg m;

                buf = malloc(SESAME_BUF_MAX);
                if (!buf) {
                        answer_free(a);
                        return fail(EXIT_UNREACHABLE, "unreachable", "out of memory");
                }
                r = proto_recv(fd, buf, SESAME_BUF_MAX, &m, deadline);
                if (r != 0) {
                        erase(buf, SESAME_BUF_MAX);
                        free(buf);
                        answer_free(a);
                        if (r == -ETIMEDOUT)
                                return fail(EXIT_UNREACHABLE, "unreachable",
                                            "sesamed did not answer within %u s", (unsigned)arg_timeout);
                        if (r == SESAME_E_EOF)
                                return fail(EXIT_UNREACHABLE, "unreachable",
                                            "sesamed closed the connection without an answer");
                        return fail(EXIT_UNREACHABLE, "unreachable", "bad answer from sesamed: %s",
                                    proto_strerror(r));
                }
                if (m.opcode == SESAME_ANS_END) {
                        struct proto_field f;

                        a->status = proto_get_u32(&m, SESAME_F_STATUS, SESAME_ST_INTERNAL);
                        a->has_reason = proto_find(&m, SESAME_F_REASON, &f);
                        if (a->has_reason)
                                a->reason = proto_field_u32(&f);
                        a->has_locked_until = proto_find(&m, SESAME_F_LOCKED_UNTIL, &f);
                        if (a->has_locked_until)
                                a->locked_until = proto_field_u32(&f);
                        if (proto_find(&m, SESAME_F_MESSAGE, &f))
                                (void)proto_field_str(&f, a->message, sizeof(a->message));
                        erase(buf, SESAME_BUF_MAX);
                        free(buf);
                        return 0;
                }
                if (m.opcode != data_op || a->n >= ANSWER_FRAMES_MAX) {
                        erase(buf, SESAME_BUF_MAX);
                        free(buf);
                        answer_free(a);
                        return fail(EXIT_UNREACHABLE, "unreachable",
                                    "bad answer from sesamed: unexpected frame 0x%04x", (unsigned)m.opcode);
                }
                a->buf[a->n] = buf;
                a->msg[a->n] = m;
                a->n++;
                buf = NULL;
        }
}

/* Build a request with an optional LOGIN, CODE and TOTP options, send
 * it, read the answer.  The frame (which may hold a code) is wiped. */
static int request(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a)
{
        uint8_t frame[REQUEST_MAX];
        struct proto_writer w;
        size_t len = 0;
        int r = 0;

        proto_begin(&w, frame, sizeof(frame), opcode);
        if (login)
                r = proto_put_str(&w, SESAME_F_LOGIN, login);
        if (r == 0 && code)
                r = proto_put_str(&w, SESAME_F_CODE, code);
        if (r == 0 && opcode == SESAME_REQ_TOTP_ENROLL && arg_alg_set)
                r = proto_put_u32(&w, SESAME_F_TOTP_ALG, arg_alg);
        if (r == 0 && opcode == SESAME_REQ_TOTP_ENROLL && arg_digits_set)
                r = proto_put_u32(&w, SESAME_F_TOTP_DIGITS, arg_digits);
        if (r == 0)
                r = proto_end(&w, &len);
        if (r != 0) {
                erase(frame, sizeof(frame));
                /* arguments are checked before; this is a bug or a limit */
                return usage_error("cannot encode the request: %s", proto_strerror(r));
        }
        r = transact(frame, len, data_op, a);
        erase(frame, sizeof(frame));
        return r;
}

/* END was not OK: say so (stderr, and the JSON object), return 1. */
static int fail_answer(const char *name, const struct answer *a)
{
        char msg[2048], when[64];
        int n;

        if (a->status == SESAME_ST_NOTFOUND && name)
                n = snprintf(msg, sizeof(msg), "no such user: %s", name);
        else
                n = snprintf(msg, sizeof(msg), "%s", status_text(a->status));
        if (a->has_reason && n >= 0 && (size_t)n < sizeof(msg))
                n += snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", reason_text(a->reason));
        if (a->has_locked_until && n >= 0 && (size_t)n < sizeof(msg))
                n += snprintf(msg + n, sizeof(msg) - (size_t)n, " (until %s)",
                              time_local(a->locked_until, when, sizeof(when)));
        if (a->message[0] && n >= 0 && (size_t)n < sizeof(msg))
                (void)snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", a->message);
        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, status_word(a->status));
                json_key(&J, "error");
                json_string(&J, msg);
                if (a->has_reason) {
                        json_key(&J, "reason");
                        json_string(&J, reason_word(a->reason));
                }
                if (a->has_locked_until) {
                        json_key(&J, "locked_until");
                        json_string(&J, time_iso(a->locked_until, when, sizeof(when)));
                }
                if (a->message[0]) {
                        json_key(&J, "message");
                        json_string(&J, a->message);
                }
                json_object_end(&J);
                json_finish(&J);
        }
        fprintf(stderr, "sesamectl: %s\n", sanitize(msg));
        return EXIT_FAILED;
}

/* {"status":"ok"[,"user":NAME]} or, in text mode, @text. */
static int done(const char *name, const char *fmt, ...) _printf_(2, 3);
static int done(const char *name, const char *fmt, ...)
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

/* A STR field of a decoded frame, copied; "" if absent or too long. */
static const char *field_str(const struct proto_msg *m, uint16_t tag, char *buf, size_t size)
{
        struct proto_field f;

        buf[0] = '\0';
        if (proto_find(m, tag, &f) && proto_field_str(&f, buf, size) < 0)
                buf[0] = '\0';
        return buf;
}

/* ---------------------------------------------------------- arguments */

/* A user name or email address as the protocol can carry it. */
static bool valid_login(const char *s)
{
        size_t len = strlen(s);

        if (len == 0 || len > SESAME_MAIL_MAX || !utf8_valid((const uint8_t *)s, len))
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

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

static int cmd_ping(char **args)
{
        struct answer a;
        int r;

        (void)args;
        r = request(SESAME_REQ_PING, NULL, NULL, 0, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK)
                return fail_answer(NULL, &a);
        return done(NULL, "ok");
}

static int cmd_flush_cache(char **args)
{
        struct answer a;
        int r;

        (void)args;
        r = request(SESAME_REQ_CACHE_FLUSH, NULL, NULL, 0, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK)
                return fail_answer(NULL, &a);
        return done(NULL, "cache flushed");
}

static int cmd_unlock(char **args)
{
        struct answer a;
        int r;

        r = request(SESAME_REQ_UNLOCK, args[0], NULL, 0, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK)
                return fail_answer(args[0], &a);
        return done(args[0], "%s: unlocked", args[0]);
}

static int cmd_totp_disable(char **args)
{
        struct answer a;
        int r;

        r = request(SESAME_REQ_TOTP_DISABLE, args[0], NULL, 0, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK)
                return fail_answer(args[0], &a);
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
        if (a.status == SESAME_ST_AUTH_FAILED) {
                r = fail_answer(name, &a);
                fprintf(stderr, "sesamectl: the new seed stays pending; try again with: "
                        "sesamectl totp activate %s CODE\n", name);
                return r;
        }
        if (a.status != SESAME_ST_OK)
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

static int cmd_totp_activate(char **args)
{
        char code[SESAME_CODE_MAX * 2 + 1];
        int r;

        if (strlen(args[1]) >= sizeof(code))
                return usage_error("code too long");
        memcpy(code, args[1], strlen(args[1]) + 1);
        r = normalise_code(code);
        if (r < 0) {
                erase(code, sizeof(code));
                return usage_error("invalid code");
        }
        r = activate(args[0], code);
        erase(code, sizeof(code));
        return r;
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

static int prompt_and_activate(const char *name)
{
        char code[SESAME_CODE_MAX * 2 + 1];
        ssize_t n;
        int r;

        fflush(stdout);
        fputs("Code from the app: ", stderr);
        fflush(stderr);
        n = read_line(code, sizeof(code), now_ms() + PROMPT_TIMEOUT_MS);
        if (!isatty(STDIN_FILENO))
                fputc('\n', stderr); /* nothing was echoed */
        if (n == -ENODATA || n == -ETIMEDOUT) {
                erase(code, sizeof(code));
                if (n == -ETIMEDOUT && isatty(STDIN_FILENO))
                        fputc('\n', stderr);
                fprintf(stderr,
                        "sesamectl: %s; the new seed stays pending, activate it with: "
                        "sesamectl totp activate %s CODE\n",
                        n == -ETIMEDOUT ? "no code entered in time" : "no code entered", name);
                return EXIT_FAILED;
        }
        r = n < 0 ? (int)n : normalise_code(code);
        if (r < 0) {
                erase(code, sizeof(code));
                fprintf(stderr,
                        "sesamectl: %s; the new seed stays pending, activate it with: "
                        "sesamectl totp activate %s CODE\n",
                        r == -EMSGSIZE ? "code too long"
                        : r == -EINVAL ? "invalid code"
                                       : proto_strerror(r),
                        name);
                return EXIT_FAILED;
        }
        r = activate(name, code);
        erase(code, sizeof(code));
        return r;
}

static int cmd_totp_enroll(char **args)
{
        char name[SESAME_NAME_MAX + 1];
        char secret[SESAME_SECRET_MAX + 1];
        char uri[SESAME_TEXT_MAX + 1];
        struct answer a;
        int r;

        r = request(SESAME_REQ_TOTP_ENROLL, args[0], NULL, SESAME_ANS_TOTP, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK) {
                r = fail_answer(args[0], &a);
                answer_free(&a);
                return r;
        }
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
                printf("Not activated yet: run 'sesamectl totp activate %s CODE' with a code from the app.\n",
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

static int cmd_recovery_codes(char **args)
{
        struct answer a;
        size_t count = 0;
        int r;

        r = request(SESAME_REQ_RECOVERY_CODES, args[0], NULL, SESAME_ANS_CODES, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK) {
                r = fail_answer(args[0], &a);
                answer_free(&a);
                return r;
        }
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

static void show_line(const char *key, const char *fmt, ...) _printf_(2, 3);
static void show_line(const char *key, const char *fmt, ...)
{
        char k[32];
        va_list ap;

        snprintf(k, sizeof(k), "%s:", key);
        printf("%-16s", k);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static const char *yesno(bool b) { return b ? "yes" : "no"; }

static void json_time(const char *key, bool have, uint32_t t)
{
        char buf[64], k[64];

        json_key(&J, key);
        if (have)
                json_string(&J, time_iso(t, buf, sizeof(buf)));
        else
                json_null(&J);
        snprintf(k, sizeof(k), "%s_epoch", key);
        json_key(&J, k);
        if (have)
                json_uint(&J, t);
        else
                json_null(&J);
}

static int cmd_user_show(char **args)
{
        char name[SESAME_NAME_MAX + 1], mail[SESAME_MAIL_MAX + 1], when[64];
        struct proto_field f;
        struct proto_iter it;
        const struct proto_msg *m;
        struct answer a;
        bool has_mail, has_alg, has_digits, has_last, has_until;
        bool locked, totp, pending;
        uint32_t flags, uid, alg = 0, digits = 0, last = 0, until = 0;
        uint32_t count, failures, left;
        int r;

        r = request(SESAME_REQ_USER_SHOW, args[0], NULL, SESAME_ANS_USERINFO, &a);
        if (r != 0)
                return r;
        if (a.status != SESAME_ST_OK) {
                r = fail_answer(args[0], &a);
                answer_free(&a);
                return r;
        }
        if (a.n != 1) {
                answer_free(&a);
                return fail(EXIT_UNREACHABLE, "unreachable", "bad answer from sesamed: %s",
                            "expected one account");
        }
        m = &a.msg[0];
        field_str(m, SESAME_F_NAME, name, sizeof(name));
        has_mail = proto_find(m, SESAME_F_MAIL, &f);
        field_str(m, SESAME_F_MAIL, mail, sizeof(mail));
        uid = proto_get_u32(m, SESAME_F_UID, 0);
        flags = proto_get_u32(m, SESAME_F_FLAGS, 0);
        if ((has_alg = proto_find(m, SESAME_F_TOTP_ALG, &f)))
                alg = proto_field_u32(&f);
        if ((has_digits = proto_find(m, SESAME_F_TOTP_DIGITS, &f)))
                digits = proto_field_u32(&f);
        if ((has_last = proto_find(m, SESAME_F_LAST_LOGIN, &f)))
                last = proto_field_u32(&f);
        if ((has_until = proto_find(m, SESAME_F_LOCKED_UNTIL, &f)))
                until = proto_field_u32(&f);
        count = proto_get_u32(m, SESAME_F_LOGIN_COUNT, 0);
        failures = proto_get_u32(m, SESAME_F_FAILURES, 0);
        left = proto_get_u32(m, SESAME_F_RECOVERY_LEFT, 0);
        locked = flags & SESAME_UF_LOCKED;
        totp = flags & SESAME_UF_TOTP;
        pending = flags & SESAME_UF_TOTP_PENDING;

        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, "ok");
                json_key(&J, "name");
                json_string(&J, name);
                json_key(&J, "uid");
                json_uint(&J, uid);
                json_key(&J, "mail");
                json_string(&J, has_mail ? mail : NULL);
                json_key(&J, "confirmed");
                json_bool(&J, flags & SESAME_UF_CONFIRMED);
                json_key(&J, "locked");
                json_bool(&J, locked);
                json_time("locked_until", locked && has_until, until);
                json_key(&J, "ppolicy_locked");
                json_bool(&J, flags & SESAME_UF_PPOLICY_LOCKED);
                json_key(&J, "disabled");
                json_bool(&J, flags & SESAME_UF_DISABLED);
                json_key(&J, "expired");
                json_bool(&J, flags & SESAME_UF_EXPIRED);
                json_key(&J, "totp_enrolled");
                json_bool(&J, totp);
                json_key(&J, "totp_pending");
                json_bool(&J, pending);
                json_key(&J, "totp_algorithm");
                json_string(&J, (totp || pending) && has_alg ? alg_name(alg) : NULL);
                json_key(&J, "totp_digits");
                if ((totp || pending) && has_digits)
                        json_uint(&J, digits);
                else
                        json_null(&J);
                json_key(&J, "recovery_codes_left");
                json_uint(&J, left);
                json_key(&J, "roles");
                json_array_begin(&J);
                proto_iter_init(&it, m);
                while (proto_iter_next(&it, &f))
                        if (f.tag == SESAME_F_ROLE)
                                json_stringn(&J, (const char *)f.val, f.len);
                json_array_end(&J);
                json_time("last_login", has_last, last);
                json_key(&J, "login_count");
                json_uint(&J, count);
                json_key(&J, "failures");
                json_uint(&J, failures);
                json_key(&J, "flags");
                json_uint(&J, flags);
                json_object_end(&J);
                json_finish(&J);
                answer_free(&a);
                return EXIT_OK;
        }

        sanitize(name);
        sanitize(mail);
        show_line("name", "%s", name);
        show_line("uid", "%u", (unsigned)uid);
        show_line("mail", "%s", has_mail ? mail : "-");
        show_line("confirmed", "%s", yesno(flags & SESAME_UF_CONFIRMED));
        if (locked && has_until)
                show_line("locked", "yes, until %s", time_local(until, when, sizeof(when)));
        else
                show_line("locked", "%s", yesno(locked));
        show_line("ppolicy locked", "%s", yesno(flags & SESAME_UF_PPOLICY_LOCKED));
        show_line("disabled", "%s", yesno(flags & SESAME_UF_DISABLED));
        show_line("expired", "%s", yesno(flags & SESAME_UF_EXPIRED));
        {
                char params[64] = "";

                if (has_alg && has_digits)
                        snprintf(params, sizeof(params), " (%s, %u digits)", alg_name(alg), (unsigned)digits);
                else if (has_alg)
                        snprintf(params, sizeof(params), " (%s)", alg_name(alg));
                if (totp && pending)
                        show_line("totp", "yes%s; a new seed is pending", params);
                else if (totp)
                        show_line("totp", "yes%s", params);
                else if (pending)
                        show_line("totp", "pending%s, not activated yet", params);
                else
                        show_line("totp", "no");
        }
        show_line("recovery codes", "%u left", (unsigned)left);
        {
                bool any = false;

                printf("%-16s", "roles:");
                proto_iter_init(&it, m);
                while (proto_iter_next(&it, &f)) {
                        if (f.tag != SESAME_F_ROLE)
                                continue;
                        fputs(any ? ", " : "", stdout);
                        put_safe(stdout, (const char *)f.val, f.len);
                        any = true;
                }
                puts(any ? "" : "-");
        }
        show_line("last login", "%s", has_last ? time_local(last, when, sizeof(when)) : "never");
        show_line("login count", "%u", (unsigned)count);
        show_line("failures", "%u", (unsigned)failures);
        answer_free(&a);
        return EXIT_OK;
}

/* ---------------------------------------------------------------- check */

/* The [totp] key_file rules (seal.h): a regular file, not a symbolic
 * link, owned by root, no access for group or others, exactly 32 bytes. */
static int check_key_file(const char *path, char *err, size_t errsize)
{
        _cleanup_close_ int fd = -1;
        uint8_t key[KEY_FILE_LEN + 1];
        struct stat st;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ELOOP)
                        snprintf(err, errsize, "%s: is a symbolic link (refused)", path);
                else if (errno == ENOENT)
                        snprintf(err, errsize, "%s: does not exist; create it with: "
                                 "(umask 077; head -c 32 /dev/urandom > %s)", path, path);
                else
                        snprintf(err, errsize, "%s: cannot open: %s", path, proto_strerror(-errno));
                return -1;
        }
        if (fstat(fd, &st) < 0) {
                snprintf(err, errsize, "%s: cannot stat: %s", path, proto_strerror(-errno));
                return -1;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(err, errsize, "%s: not a regular file", path);
                return -1;
        }
        if (st.st_uid != 0) {
                snprintf(err, errsize, "%s: owned by uid %u; must be owned by root", path, (unsigned)st.st_uid);
                return -1;
        }
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                snprintf(err, errsize, "%s: mode %04o gives group or others access; run: chmod 0600 %s", path,
                         (unsigned)(st.st_mode & 07777), path);
                return -1;
        }
        if (st.st_size != KEY_FILE_LEN) {
                snprintf(err, errsize, "%s: %jd bytes; must be exactly %d", path, (intmax_t)st.st_size,
                         KEY_FILE_LEN);
                return -1;
        }
        /* read it too: the size could change after fstat() */
        while (len < sizeof(key)) {
                ssize_t n = read(fd, key + len, sizeof(key) - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        erase(key, sizeof(key));
                        snprintf(err, errsize, "%s: read failed: %s", path, proto_strerror(-errno));
                        return -1;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        erase(key, sizeof(key));
        if (len != KEY_FILE_LEN) {
                snprintf(err, errsize, "%s: %zu bytes; must be exactly %d", path, len, KEY_FILE_LEN);
                return -1;
        }
        return 0;
}

struct check_result {
        bool ok, skipped;
        const char *path; /* what was checked */
        char why[2048];   /* FAILED: why / ok: extra */
};

static void check_print(const char *label, const struct check_result *c)
{
        if (c->ok)
                printf("%s: ok%s%s%s\n", label, c->path ? " (" : "", c->path ? c->path : "", c->path ? ")" : "");
        else
                printf("%s: FAILED: %s\n", label, c->why);
}

static void check_json(const char *key, const char *pathkey, const struct check_result *c)
{
        json_key(&J, key);
        json_object_begin(&J);
        json_key(&J, "ok");
        json_bool(&J, c->ok);
        json_key(&J, pathkey);
        json_string(&J, c->path);
        json_key(&J, "error");
        json_string(&J, c->ok ? NULL : c->why);
        json_object_end(&J);
}

static int cmd_check(char **args)
{
        const char *config = arg_config ? arg_config : SESAME_CONF_PATH;
        struct check_result cf = { .path = config }, key = { 0 }, sd = { 0 };
        struct sesame_conf *conf = NULL;
        char sd_status[32] = "unreachable", sd_message[SESAME_TEXT_MAX + 1] = "";
        char key_path[PATH_MAX];
        bool unreachable = false;
        int r;

        (void)args;
        /* 1. the configuration, as sesamed loads it */
        r = conf_load(config, &conf, cf.why, sizeof(cf.why));
        cf.ok = r >= 0;

        /* 2. the TOTP key file */
        if (conf) {
                (void)strcpy_bounded(key_path, sizeof(key_path), conf->totp_key_file);
                key.path = key_path;
                key.ok = check_key_file(conf->totp_key_file, key.why, sizeof(key.why)) == 0;
        } else {
                key.skipped = true;
                snprintf(key.why, sizeof(key.why), "not checked: the configuration did not load");
        }

        /* 3. sesamed: its LDAP connection and its loaded key (a broken
         * configuration may still name the socket directory) */
        r = resolve_socket(conf, true);
        conf = conf_free(conf);
        if (r != 0)
                return r;
        sd.path = socket_path;
        {
                int64_t deadline = now_ms() + (int64_t)arg_timeout * 1000;
                uint8_t frame[64], *buf = NULL;
                struct proto_writer w;
                struct proto_msg m;
                _cleanup_close_ int fd = -1;
                size_t len = 0;

                proto_begin(&w, frame, sizeof(frame), SESAME_REQ_CHECK);
                r = proto_end(&w, &len);
                fd = r == 0 ? connect_admin(deadline, sd.why, sizeof(sd.why)) : -1;
                if (r != 0)
                        snprintf(sd.why, sizeof(sd.why), "cannot encode the request: %s", proto_strerror(r));
                if (fd >= 0) {
                        r = proto_send(fd, frame, len, deadline);
                        buf = r == 0 ? malloc(SESAME_BUF_MAX) : NULL;
                        if (r != 0)
                                snprintf(sd.why, sizeof(sd.why), "sending to sesamed: %s",
                                         r == -ETIMEDOUT ? "timed out" : proto_strerror(r));
                        else if (!buf)
                                snprintf(sd.why, sizeof(sd.why), "out of memory");
                        else if ((r = proto_recv(fd, buf, SESAME_BUF_MAX, &m, deadline)) != 0)
                                snprintf(sd.why, sizeof(sd.why), "%s",
                                         r == -ETIMEDOUT ? "sesamed did not answer in time"
                                         : r == SESAME_E_EOF ? "sesamed closed the connection without an answer"
                                                             : proto_strerror(r));
                        else if (m.opcode != SESAME_ANS_END)
                                snprintf(sd.why, sizeof(sd.why), "bad answer from sesamed: unexpected frame 0x%04x",
                                         (unsigned)m.opcode);
                        else {
                                uint32_t st = proto_get_u32(&m, SESAME_F_STATUS, SESAME_ST_INTERNAL);

                                snprintf(sd_status, sizeof(sd_status), "%s", status_word(st));
                                field_str(&m, SESAME_F_MESSAGE, sd_message, sizeof(sd_message));
                                sd.ok = st == SESAME_ST_OK;
                                if (!sd.ok)
                                        snprintf(sd.why, sizeof(sd.why), "%s%s%s", status_text(st),
                                                 sd_message[0] ? ": " : "", sd_message);
                        }
                        free(buf);
                }
                unreachable = !sd.ok && strcmp(sd_status, "unreachable") == 0;
        }

        if (arg_json) {
                json_object_begin(&J);
                json_key(&J, "status");
                json_string(&J, cf.ok && key.ok && sd.ok ? "ok" : "failed");
                check_json("config", "path", &cf);
                check_json("key_file", "path", &key);
                json_key(&J, "sesamed");
                json_object_begin(&J);
                json_key(&J, "ok");
                json_bool(&J, sd.ok);
                json_key(&J, "socket");
                json_string(&J, sd.path);
                json_key(&J, "status");
                json_string(&J, sd_status);
                json_key(&J, "message");
                json_string(&J, sd_message[0] ? sd_message : NULL);
                json_key(&J, "error");
                json_string(&J, sd.ok ? NULL : sd.why);
                json_object_end(&J);
                json_object_end(&J);
                json_finish(&J);
        } else {
                sanitize(cf.why);
                sanitize(sd.why);
                sanitize(sd_message);
                check_print("configuration", &cf);
                check_print("key file", &key);
                if (sd.ok)
                        printf("sesamed: ok (%s%s%s)\n", sd.path, sd_message[0] ? ": " : "", sd_message);
                else
                        printf("sesamed: FAILED: %s\n", sd.why);
        }
        if (!cf.ok || !key.ok || (!sd.ok && !unreachable))
                return EXIT_FAILED;
        return unreachable ? EXIT_UNREACHABLE : EXIT_OK;
}

/* ------------------------------------------------------------- main */

enum {
        OPT_TOTP_ENROLL = 1 << 0, /* --algorithm, --digits, --no-activate, --qr */
};

struct command {
        const char *verb, *object; /* "totp" "enroll"; object NULL for one-word commands */
        unsigned nargs;
        const char *args; /* for usage messages */
        unsigned opts;
        bool needs_socket;
        int (*run)(char **args);
};

static const struct command commands[] = {
        { "user", "show", 1, "NAME", 0, true, cmd_user_show },
        { "totp", "enroll", 1, "NAME", OPT_TOTP_ENROLL, true, cmd_totp_enroll },
        { "totp", "activate", 2, "NAME CODE", 0, true, cmd_totp_activate },
        { "totp", "disable", 1, "NAME", 0, true, cmd_totp_disable },
        { "recovery-codes", NULL, 1, "NAME", 0, true, cmd_recovery_codes },
        { "unlock", NULL, 1, "NAME", 0, true, cmd_unlock },
        { "check", NULL, 0, "", 0, false, cmd_check },
        { "ping", NULL, 0, "", 0, true, cmd_ping },
        { "flush-cache", NULL, 0, "", 0, true, cmd_flush_cache },
};

static int parse_args(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "socket", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "timeout", required_argument, NULL, 't' },
                { "algorithm", required_argument, NULL, 'a' },
                { "digits", required_argument, NULL, 'd' },
                { "no-activate", no_argument, NULL, 'n' },
                { "qr", required_argument, NULL, 'q' },
                { "version", no_argument, NULL, 'V' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:s:jt:a:d:nq:Vh", opts, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        if (optarg[0] != '/')
                                return usage_error("--config needs an absolute path: %s", optarg);
                        arg_config = optarg;
                        break;
                case 's':
                        if (optarg[0] == '\0')
                                return usage_error("--socket needs a path");
                        arg_socket = optarg;
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 't':
                        if (parse_u32(optarg, 1, TIMEOUT_MAX, &arg_timeout) < 0)
                                return usage_error("--timeout needs whole seconds between 1 and %d: %s",
                                                   TIMEOUT_MAX, optarg);
                        break;
                case 'a':
                        if (strcmp(optarg, "sha1") == 0)
                                arg_alg = SESAME_ALG_SHA1;
                        else if (strcmp(optarg, "sha256") == 0)
                                arg_alg = SESAME_ALG_SHA256;
                        else if (strcmp(optarg, "sha512") == 0)
                                arg_alg = SESAME_ALG_SHA512;
                        else
                                return usage_error("--algorithm must be sha1, sha256 or sha512: %s", optarg);
                        arg_alg_set = true;
                        break;
                case 'd':
                        if (strcmp(optarg, "6") == 0)
                                arg_digits = 6;
                        else if (strcmp(optarg, "8") == 0)
                                arg_digits = 8;
                        else
                                return usage_error("--digits must be 6 or 8: %s", optarg);
                        arg_digits_set = true;
                        break;
                case 'n':
                        arg_no_activate = true;
                        break;
                case 'q':
                        if (qr_style_from_string(optarg, &arg_qr) < 0)
                                return usage_error("--qr must be utf8, ansi or none: %s", optarg);
                        arg_qr_set = true;
                        break;
                case 'V':
                        puts("sesamectl " SESAME_VERSION);
                        exit(EXIT_OK);
                case 'h':
                        usage(stdout);
                        exit(EXIT_OK);
                case ':':
                        return usage_error("option '%s' needs an argument", argv[optind - 1]);
                default:
                        if (optopt && argv[optind - 1][1] != '-')
                                return usage_error("unknown option '-%c'", optopt);
                        return usage_error("unknown or malformed option '%s'", argv[optind - 1]);
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        const struct command *cmd = NULL;
        char **rest;
        size_t nrest;
        int r;

        /* seeds and recovery codes pass through this process */
        (void)prctl(PR_SET_DUMPABLE, 0);
        json_init(&J, stdout);

        r = parse_args(argc, argv);
        if (r != 0)
                return r;
        rest = argv + optind;
        nrest = (size_t)(argc - optind);
        if (nrest == 0)
                return usage_error("no command given");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                if (strcmp(commands[i].verb, rest[0]) != 0)
                        continue;
                if (!commands[i].object) {
                        cmd = &commands[i];
                        break;
                }
                if (nrest < 2)
                        return usage_error("'%s' needs a subcommand", rest[0]);
                if (strcmp(commands[i].object, rest[1]) == 0) {
                        cmd = &commands[i];
                        break;
                }
        }
        if (!cmd) {
                if (nrest >= 2 && (strcmp(rest[0], "user") == 0 || strcmp(rest[0], "totp") == 0))
                        return usage_error("unknown command '%s %s'", rest[0], rest[1]);
                return usage_error("unknown command '%s'", rest[0]);
        }
        rest += cmd->object ? 2 : 1;
        nrest -= cmd->object ? 2 : 1;
        if (nrest != cmd->nargs)
                return usage_error("usage: sesamectl %s%s%s%s%s", cmd->verb, cmd->object ? " " : "",
                                   cmd->object ? cmd->object : "", cmd->nargs ? " " : "", cmd->args);
        if (!(cmd->opts & OPT_TOTP_ENROLL) && (arg_alg_set || arg_digits_set || arg_no_activate || arg_qr_set))
                return usage_error("--algorithm, --digits, --no-activate and --qr go with 'totp enroll' only");
        if (cmd->nargs >= 1 && !valid_login(rest[0]))
                return usage_error("invalid user name");
        if (cmd->needs_socket) {
                r = resolve_socket(NULL, false);
                if (r != 0)
                        return r;
        }
        r = cmd->run(rest);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "sesamectl: cannot write to standard output: %s\n", proto_strerror(-errno));
                if (r == EXIT_OK)
                        r = EXIT_FAILED;
        }
        return r;
}

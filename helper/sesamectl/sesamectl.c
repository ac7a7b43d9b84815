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
 *
 * This file: the options, the command table and main().  Talking to
 * sesamed is in request.c, what is printed in output.c, the commands in
 * user.c, account.c and check.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "config.h"
#include "json.h"
#include "macro.h"
#include "proto.h"
#include "qr.h"
#include "sesamectl.h"
#include "util.h"

#define TIMEOUT_DEFAULT 10
#define TIMEOUT_MAX 3600

/* ------------------------------------------------------------ options */

const char *arg_config;
const char *arg_socket;
bool arg_json;
uint32_t arg_timeout = TIMEOUT_DEFAULT;
bool arg_alg_set, arg_digits_set, arg_no_activate;
uint32_t arg_alg, arg_digits;
enum qr_style arg_qr = QR_STYLE_UTF8;
static bool arg_qr_set;

struct json J;

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: sesamectl [OPTION...] COMMAND [ARG...]\n"
                "\n"
                "Commands:\n"
                "  user show NAME            account state (locks, TOTP, roles, logins)\n"
                "  user purge-pending AGE    delete self-registered accounts still unconfirmed\n"
                "                            after AGE (seconds, or 90m, 48h, 7d)\n"
                "  totp enroll NAME          new TOTP seed: URI, secret, QR code, then asks\n"
                "                            for a code from the app to activate it\n"
                "  totp activate NAME        activate the pending seed with a code read\n"
                "                            from standard input (a terminal or a pipe)\n"
                "  totp disable NAME         remove the TOTP seed (active and pending)\n"
                "  recovery-codes NAME       ten new single-use recovery codes\n"
                "  unlock NAME               clear the failure lock\n"
                "  password NAME             set a new password read from standard input\n"
                "                            (asked twice on a terminal)\n"
                "  user confirm-email NAME   mail a new confirmation link to NAME's address\n"
                "  check                     check configuration, key file and sesamed\n"
                "  check-access NAME         check that sesamed may read and write NAME's state\n"
                "  ping                      is sesamed answering?\n"
                "  flush-cache               drop sesamed's user and group cache\n"
                "  key generate              create the [totp] key_file (never replaces one)\n"
                "\n"
                "Options:\n"
                "  -c, --config=FILE         configuration file for check (default %s)\n"
                "  -s, --socket=PATH         admin socket (default " CALL_SOCKET_ADMIN ")\n"
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

int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("sesamectl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'sesamectl --help'.\n", stderr);
        return EXIT_USAGE;
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

/* ------------------------------------------------------------- main */

enum {
        OPT_TOTP_ENROLL = 1 << 0, /* --algorithm, --digits, --no-activate, --qr */
};

struct command {
        const char *verb, *object; /* "totp" "enroll"; object NULL for one-word commands */
        unsigned nargs;
        const char *args; /* for usage messages */
        const char *note; /* added to the usage message, or NULL */
        unsigned opts;
        bool needs_socket;
        int (*run)(char **args);
};

static const struct command commands[] = {
        { "user", "show", 1, "NAME", NULL, 0, true, cmd_user_show },
        { "user", "purge-pending", 1, "AGE", "AGE: seconds, or a number followed by s, m, h or d (e.g. 7d)", 0,
          true, cmd_user_purge_pending },
        { "totp", "enroll", 1, "NAME", NULL, OPT_TOTP_ENROLL, true, cmd_totp_enroll },
        { "totp", "activate", 1, "NAME",
          "the code is read from standard input, never from the command line where ps shows it",
          0, true, cmd_totp_activate },
        { "totp", "disable", 1, "NAME", NULL, 0, true, cmd_totp_disable },
        { "recovery-codes", NULL, 1, "NAME", NULL, 0, true, cmd_recovery_codes },
        { "unlock", NULL, 1, "NAME", NULL, 0, true, cmd_unlock },
        { "password", NULL, 1, "NAME",
          "the password is read from standard input, never from the command line where ps shows it",
          0, true, cmd_password },
        { "user", "confirm-email", 1, "NAME", NULL, 0, true, cmd_confirm_email },
        { "check", NULL, 0, "", NULL, 0, false, cmd_check },
        { "check-access", NULL, 1, "NAME", NULL, 0, true, cmd_check_access },
        { "ping", NULL, 0, "", NULL, 0, true, cmd_ping },
        { "flush-cache", NULL, 0, "", NULL, 0, true, cmd_flush_cache },
        { "key", "generate", 0, "", NULL, 0, false, cmd_key_generate },
};

/* The options of 'totp enroll' (main() refuses them with any other
 * command): 0, or the exit status of a usage error. */
static int parse_enroll_option(int c, const char *arg)
{
        switch (c) {
        case 'a':
                if (strcmp(arg, "sha1") == 0)
                        arg_alg = SESAME_ALG_SHA1;
                else if (strcmp(arg, "sha256") == 0)
                        arg_alg = SESAME_ALG_SHA256;
                else if (strcmp(arg, "sha512") == 0)
                        arg_alg = SESAME_ALG_SHA512;
                else
                        return usage_error("--algorithm must be sha1, sha256 or sha512: %s", arg);
                arg_alg_set = true;
                return 0;
        case 'd':
                if (strcmp(arg, "6") == 0)
                        arg_digits = 6;
                else if (strcmp(arg, "8") == 0)
                        arg_digits = 8;
                else
                        return usage_error("--digits must be 6 or 8: %s", arg);
                arg_digits_set = true;
                return 0;
        case 'n':
                arg_no_activate = true;
                return 0;
        case 'q':
                if (qr_style_from_string(arg, &arg_qr) < 0)
                        return usage_error("--qr must be utf8, ansi or none: %s", arg);
                arg_qr_set = true;
                return 0;
        }
        return usage_error("unknown option '-%c'", c);
}

/* The options every command takes, and the enrolment ones through
 * parse_enroll_option(): 0, or an exit status. */
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
        int c, r;

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
                case 'd':
                case 'n':
                case 'q':
                        r = parse_enroll_option(c, optarg);
                        if (r != 0)
                                return r;
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
                return usage_error("usage: sesamectl %s%s%s%s%s%s%s", cmd->verb, cmd->object ? " " : "",
                                   cmd->object ? cmd->object : "", cmd->nargs ? " " : "", cmd->args,
                                   cmd->note ? "\n" : "", cmd->note ? cmd->note : "");
        if (!(cmd->opts & OPT_TOTP_ENROLL) && (arg_alg_set || arg_digits_set || arg_no_activate || arg_qr_set))
                return usage_error("--algorithm, --digits, --no-activate and --qr go with 'totp enroll' only");
        if (cmd->nargs >= 1 && !valid_login(rest[0]))
                return usage_error("invalid user name");
        if (cmd->needs_socket) {
                r = resolve_socket();
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

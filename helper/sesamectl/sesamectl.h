/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sesamectl.h - what sesamectl's parts share: the options (sesamectl.c),
 * talking to sesamed (request.c), what is printed (output.c) and the
 * commands (user.c, account.c, check.c).
 */
#ifndef SESAMECTL_H
#define SESAMECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/un.h>

#include "conf.h"
#include "json.h"
#include "macro.h"
#include "proto.h"
#include "qr.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

#define ADMIN_SOCKET_NAME "admin.sock"
#define ANSWER_FRAMES_MAX 16

/* ------------------------------------------------------------ options */

extern const char *arg_config; /* NULL: SESAME_CONF_PATH, not named on the command line */
extern const char *arg_socket; /* NULL: socket_dir of the configuration */
extern bool arg_json;
extern uint32_t arg_timeout;
extern bool arg_alg_set, arg_digits_set, arg_no_activate;
extern uint32_t arg_alg, arg_digits;
extern enum qr_style arg_qr;

/* "sesamectl: MESSAGE" and a hint at --help on stderr; returns 2. */
int usage_error(const char *fmt, ...) _printf_(1, 2);

/* ------------------------------------------------------------ sesamed */

/* admin.sock, as resolve_socket() found it */
extern char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* Socket path: --socket, else socket_dir of the configuration, else
 * SESAME_RUNDIR.  @conf: an already loaded configuration, or NULL to
 * read it here (without its bindpw_file).  A configuration named with -c
 * that does not load is an error (exit 2) unless @lenient; the default
 * one that does not exist is silently skipped. */
int resolve_socket(const struct sesame_conf *conf, bool lenient);

/* Connect to socket_path; the file and the peer must belong to root.
 * Returns the fd, or -1 with a message in @err. */
int connect_admin(int64_t deadline, char *err, size_t errsize);

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
void answer_free(struct answer *a);

/* Build a request with an optional LOGIN, CODE and TOTP options, send
 * it, read the answer up to its END: data frames must have opcode
 * @data_op (0: none allowed).  Returns 0 with @a filled (whatever the
 * status), or an exit status after saying why.  The frame (which may
 * hold a code) is wiped. */
int request(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a);
/* request(), reporting a status other than OK itself (fail_answer): 0
 * with the data frames in @a (the caller frees them), or the exit code. */
int request_ok(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a);

/* A STR field of a decoded frame, copied; "" if absent or too long. */
const char *field_str(const struct proto_msg *m, uint16_t tag, char *buf, size_t size);

/* ------------------------------------------------------------- output */

/* --json: the one object on standard output */
extern struct json J;

const char *status_word(uint32_t st);
const char *status_text(uint32_t st);

/* "2026-03-01 12:00:00 CET" */
const char *time_local(uint32_t t, char *buf, size_t size);
/* "2026-03-01T11:00:00Z" */
const char *time_iso(uint32_t t, char *buf, size_t size);

/* Text from the directory for a terminal: control characters as '?'. */
void put_safe(FILE *f, const char *s, size_t len);
void print_safe(const char *s);
/* In place, for text only shown to a human. */
char *sanitize(char *s);

/* A failure the command cannot continue from: "sesamectl: MESSAGE" on
 * stderr and, with --json, {"status":WORD,"error":MESSAGE} on stdout. */
int fail(int code, const char *word, const char *fmt, ...) _printf_(3, 4);
/* END was not OK: say so (stderr, and the JSON object), return 1. */
int fail_answer(const char *name, const struct answer *a);
/* {"status":"ok"[,"user":NAME]} or, in text mode, @text. */
int done(const char *name, const char *fmt, ...) _printf_(2, 3);

/* ----------------------------------------------------------- commands */

/* user.c */
int cmd_user_show(char **args);
/* account.c */
int cmd_totp_enroll(char **args);
int cmd_totp_activate(char **args);
int cmd_totp_disable(char **args);
int cmd_recovery_codes(char **args);
int cmd_unlock(char **args);
/* check.c */
int cmd_check(char **args);
int cmd_ping(char **args);
int cmd_flush_cache(char **args);
/* key.c */
int cmd_key_generate(char **args);

#endif

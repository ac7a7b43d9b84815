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

#include "call.h"
#include "json.h"
#include "macro.h"
#include "proto.h"
#include "qr.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

#define ANSWER_FRAMES_MAX 16

/* ------------------------------------------------------------ options */

extern const char *arg_config; /* for check; NULL: SESAME_CONF_PATH, not named on the command line */
extern const char *arg_socket; /* NULL: CALL_SOCKET_ADMIN */
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

/* Socket path: --socket, else the one compiled in (as in the PAM and NSS
 * modules); 0, or 2 after a usage message. */
int resolve_socket(void);

/* The data frames of one answer and its END. */
struct answer {
        struct call_end end;
        size_t n;
        uint8_t *buf[ANSWER_FRAMES_MAX];
        size_t len[ANSWER_FRAMES_MAX];
        struct proto_msg msg[ANSWER_FRAMES_MAX];
};

/* Frames may hold secrets (seeds, recovery codes): wiped. */
void answer_free(struct answer *a);

/* Build a request with an optional LOGIN, CODE (as NEWPASSWORD for
 * PASSWORD_SET) and TOTP options, send it, read the answer up to its END:
 * data frames must have opcode @data_op (0: none allowed).  Returns 0
 * with @a filled (whatever the status), or EXIT_USAGE / EXIT_UNREACHABLE
 * with why in @err.  The frame (which may hold a secret) is wiped. */
int exchange(uint16_t opcode, const char *login, const char *code, uint16_t data_op, struct answer *a, char *err,
             size_t errsize);
/* exchange(), saying why it failed (stderr, and the JSON object): 0, or
 * the exit status. */
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
/* purge.c: its age in seconds, for the request */
extern uint32_t arg_age;
int cmd_user_purge_pending(char **args);
/* account.c */
int cmd_totp_enroll(char **args);
int cmd_totp_activate(char **args);
int cmd_totp_disable(char **args);
int cmd_recovery_codes(char **args);
int cmd_unlock(char **args);
int cmd_password(char **args);
int cmd_confirm_email(char **args);
/* check.c */
int cmd_check(char **args);
int cmd_check_access(char **args);
int cmd_ping(char **args);
int cmd_flush_cache(char **args);
/* key.c */
int cmd_key_generate(char **args);

#endif

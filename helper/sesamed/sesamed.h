/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sesamed.h - what the daemon's parts share: the running configuration
 * generation, the client connection and the request handlers.
 */
#ifndef SESAMED_H
#define SESAMED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "accounts.h"
#include "proto.h"

struct seal_key;

/* One configuration generation.  SIGHUP builds a new one and swaps it in;
 * requests hold a reference to the one they started with. */
struct daemon_ctx {
        struct sesame_conf *conf;
        struct dir *dir;
        struct localdb *local;
        struct cache *cache;
        struct accounts acct;
        /* [totp] key_file; NULL when it could not be loaded: NSS and
         * password logins work, every TOTP operation fails closed */
        struct seal_key *key;
        char key_error[512]; /* why it is NULL */
        uint32_t hook_mask;  /* events_parse() of [hooks] events */
        int refs;
};

/* A new generation for @conf (which it owns from then on, also on
 * failure).  -ENOMEM, or -EINVAL for a configuration error (logged). */
int ctx_new(struct sesame_conf *conf, struct daemon_ctx **ret);
struct daemon_ctx *ctx_get(void);
void ctx_put(struct daemon_ctx *x);
/* Make @x the current generation (takes the caller's reference). */
void ctx_install(struct daemon_ctx *x);

/* Privilege classes: one socket each. */
enum sock_class {
        SOCK_NSS = 1 << 0,
        SOCK_ADMIN = 1 << 1,
        SOCK_PAM = 1 << 2,
};

/* Everything a pam.sock request asks the directory must be done within
 * this (pam_sesame waits 10 s by default). */
#define SESAMED_PAM_BUDGET_MS 7500

struct client {
        int fd;
        enum sock_class cls;
        struct ucred cred;
        struct daemon_ctx *ctx;
        uint8_t buf[SESAME_BUF_MAX];
};

/* Send bytes; the deadline restarts whenever the peer makes progress. */
int client_send(struct client *cl, const uint8_t *data, size_t len);
int client_end(struct client *cl, uint32_t status, const char *message);
/* END with the optional fields too: @message (NULL/empty: none; dropped
 * if the protocol refuses it), @reason (SESAME_R_*, 0: none),
 * @locked_until (0: none). */
int client_end_ex(struct client *cl, uint32_t status, const char *message, uint32_t reason, uint32_t locked_until);
/* Finish the frame in @w and send it. */
int client_send_frame(struct client *cl, struct proto_writer *w);

/* The request's string field @tag, NUL-terminated in @buf; false when
 * absent or too long for @buf.  (Wipe @buf if the field is a secret.) */
bool req_string(const struct proto_msg *req, uint16_t tag, char *buf, size_t size);

/* Handlers: 0 to keep the connection, < 0 to close it. */
typedef int (*handler_fn)(struct client *cl, const struct proto_msg *req);
int handle_passwd_byname(struct client *cl, const struct proto_msg *req);
int handle_passwd_byuid(struct client *cl, const struct proto_msg *req);
int handle_passwd_bymail(struct client *cl, const struct proto_msg *req);
int handle_passwd_enum(struct client *cl, const struct proto_msg *req);
int handle_group_byname(struct client *cl, const struct proto_msg *req);
int handle_group_bygid(struct client *cl, const struct proto_msg *req);
int handle_group_enum(struct client *cl, const struct proto_msg *req);
int handle_initgroups(struct client *cl, const struct proto_msg *req);
int handle_ping(struct client *cl, const struct proto_msg *req);
int handle_cache_flush(struct client *cl, const struct proto_msg *req);
/* authsrv.c: pam.sock */
int handle_auth(struct client *cl, const struct proto_msg *req);
int handle_account(struct client *cl, const struct proto_msg *req);
int handle_chauthtok(struct client *cl, const struct proto_msg *req);
int handle_session(struct client *cl, const struct proto_msg *req);
/* adminsrv.c: admin.sock */
int handle_user_show(struct client *cl, const struct proto_msg *req);
int handle_totp_enroll(struct client *cl, const struct proto_msg *req);
int handle_totp_activate(struct client *cl, const struct proto_msg *req);
int handle_totp_disable(struct client *cl, const struct proto_msg *req);
int handle_recovery_codes(struct client *cl, const struct proto_msg *req);
int handle_unlock(struct client *cl, const struct proto_msg *req);
int handle_check(struct client *cl, const struct proto_msg *req);

/* server.c */
int server_run(const char *conf_path);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sesamed.h - what the daemon's parts share: the running configuration
 * generation, the client connection and the request handlers.
 */
#ifndef SESAMED_H
#define SESAMED_H

#include <stdint.h>
#include <sys/socket.h>

#include "accounts.h"
#include "proto.h"

/* One configuration generation.  SIGHUP builds a new one and swaps it in;
 * requests hold a reference to the one they started with. */
struct daemon_ctx {
        struct sesame_conf *conf;
        struct dir *dir;
        struct localdb *local;
        struct cache *cache;
        struct accounts acct;
        int refs;
};

struct daemon_ctx *ctx_new(struct sesame_conf *conf);
struct daemon_ctx *ctx_get(void);
void ctx_put(struct daemon_ctx *x);
/* Make @x the current generation (takes the caller's reference). */
void ctx_install(struct daemon_ctx *x);

/* Privilege classes: one socket each. */
enum sock_class {
        SOCK_NSS = 1 << 0,
        SOCK_ADMIN = 1 << 1,
};

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

/* server.c */
int server_run(const char *conf_path);

#endif

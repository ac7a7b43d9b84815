/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * web.h - sesame-web, the self-service pages: what its parts share.
 *
 * sesame-web never talks to LDAP and never sees a hash, a seed or the
 * bind password: it shows pages, checks forms, and asks sesamed on
 * web.sock (common/call.h) to issue and redeem tokens.  Every link it
 * could print comes from [web] base_url; the request's Host and
 * X-Forwarded-Host headers are never read.
 */
#ifndef SESAME_WEB_H
#define SESAME_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sesame-proto.h"

struct sesame_conf;

/* Form bodies larger than this are refused (413). */
#define WEB_BODY_MAX 4096
/* A connection idle this long is closed (slow clients). */
#define WEB_CONN_TIMEOUT 15
/* Headers and buffers of one connection. */
#define WEB_CONN_MEMORY 16384
#define WEB_CONNS_MAX 128
#define WEB_CONNS_PER_IP 16
/* How long a page waits for sesamed. */
#define WEB_CALL_MS 5000

/* A decoded form: the few fields the pages have. */
struct form {
        char csrf[64];
        char login[SESAME_MAIL_MAX + 1];
        char mail[SESAME_MAIL_MAX + 1]; /* registration */
        char token[SESAME_TOKEN_MAX + 1];
        char password[SESAME_PASSWORD_MAX + 1]; /* secret: wiped */
        char retype[SESAME_PASSWORD_MAX + 1];   /* secret: wiped */
        char step[16];
        bool bad; /* a field too long, repeated, or badly encoded */
};

/* form.c: application/x-www-form-urlencoded @body into @f. */
void form_parse(const char *body, size_t len, struct form *f);
void form_wipe(struct form *f);
/* A token as a link carries it: 1..SESAME_TOKEN_MAX of [A-Za-z0-9_-]. */
bool token_shape_ok(const char *t);

/* guard.c: CSRF tokens (double submit: cookie and form field carry the
 * same MAC'd value) and rate limits. */
int guard_init(void);
/* A fresh CSRF value (base64url, NUL-terminated) into @out[64]. */
void csrf_new(char out[64]);
/* @cookie and @field are the same valid CSRF value. */
bool csrf_ok(const char *cookie, const char *field);
/* One more hit on @key ("a:" + address, "u:" + login) in the window:
 * false when it is one too many (the 429). */
bool rate_hit(const struct sesame_conf *c, const char *key, uint32_t limit);

/* ask.c: one request on web.sock; the END's status (INTERNAL when
 * sesamed could not be asked), its message into @msg when non-NULL. */
uint32_t ask_sesamed(uint16_t opcode, const char *login, const char *token, const char *newpw,
                     const char *rhost, char *msg, size_t msgsize);
/* ... REGISTER with @name, @mail, @newpw; the END's reason in *@ret_reason. */
uint32_t ask_register(const char *name, const char *mail, const char *newpw, const char *rhost, char *msg,
                      size_t msgsize, uint32_t *ret_reason);

struct page;
/* register.c: POST /register into @p; @csrf gets a fresh CSRF value when
 * @p holds the form again, else "". */
void register_post(const struct sesame_conf *c, const struct form *f, const char *addr, struct page *p,
                   char csrf[64]);

#endif

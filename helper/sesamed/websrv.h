/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * websrv.h - sesamed's side of the self-service links (web.sock): the
 * handlers are declared in dispatch.h; this is what dispatch.c needs
 * besides them.
 */
#ifndef SESAMED_WEBSRV_H
#define SESAMED_WEBSRV_H

#include <stdint.h>
#include <sys/types.h>

#include "events.h"

struct acct_state;
struct call;
struct daemon_ctx;
struct pwrec;

/* The path of the local passwd file the [web] user is looked up in. */
#define WEB_PASSWD_FILE "/etc/passwd"

/**
 * web_peer_uid() - the uid of the [web] user of @x's configuration, read
 * from WEB_PASSWD_FILE directly (never through NSS: sesamed must not ask
 * itself).  The system user sesame-web runs as is a local account.
 * Return: the uid, or DISPATCH_NO_UID when there is no such local user
 * (then web.sock admits root alone).
 */
uid_t web_peer_uid(const struct daemon_ctx *x);

/**
 * web_mail_link() - make a token of @purpose (TOKEN_RESET or
 * TOKEN_CONFIRM) for @pw, whose state is @st, and spool the mail that
 * carries its link (notify_spool()); a token-issued event names @service
 * ("sesame-web", "sesamectl") and the request's RHOST.  @pw must have an
 * address.
 * Return: 0, or -errno (no key, a link too long, the spool).
 */
int web_mail_link(struct call *c, const struct pwrec *pw, const struct acct_state *st, uint8_t purpose,
                  const char *service);

/**
 * web_event() - log the event @ev of a request on web.sock for @user
 * (NULL: not known), asked by @service, with the visitor's address that
 * sesame-web passed in the request's RHOST, when it did.
 * @reason: the event's REASON, or NULL
 */
void web_event(struct call *c, enum event ev, const char *user, const char *service, const char *reason);

#endif

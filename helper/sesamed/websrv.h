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

struct daemon_ctx;

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

struct call;
struct pwrec;
struct acct_state;

/**
 * web_mail_link() - make a token of @purpose (TOKEN_RESET, TOKEN_CONFIRM)
 * for the account @pw in the state @st, and spool the mail that carries
 * its link to @pw's address.
 * Return: 0, or what token_make() and spool_write() return.
 */
int web_mail_link(struct call *c, const struct pwrec *pw, const struct acct_state *st, uint8_t purpose);

#endif

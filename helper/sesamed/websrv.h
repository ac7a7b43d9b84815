/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * websrv.h - sesamed's side of the self-service links (web.sock): the
 * handlers are declared in dispatch.h; this is what dispatch.c needs
 * besides them.
 */
#ifndef SESAMED_WEBSRV_H
#define SESAMED_WEBSRV_H

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

#endif

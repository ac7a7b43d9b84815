/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.h - how every client (libnss_sesame, pam_sesame, sesamectl)
 * reaches sesamed: a unix socket that must be owned by root and served by
 * a process running as root, checked before a single byte is sent.
 *
 * libc only, no allocation, no logging: linked into the thin clients.
 */
#ifndef SESAME_CLIENT_H
#define SESAME_CLIENT_H

#include <stdint.h>

/*
 * Connect to the socket at @path.  It must be a socket (lstat: a symbolic
 * link is refused) owned by uid 0, and the peer (SO_PEERCRED) must run as
 * uid 0.  The returned descriptor is non-blocking and close-on-exec; a
 * full listen backlog is waited for until @deadline (now_ms() clock).
 *
 * Returns the descriptor, or -errno: -ENOENT (no socket), -ECONNREFUSED
 * (nobody listening), -ETIMEDOUT, -ENAMETOOLONG, or -EPERM when a check
 * failed, with the check in *@why ("not a socket", "not owned by root",
 * "served by a process that is not root"; *@why is NULL otherwise).
 * @why may be NULL.
 */
int client_connect(const char *path, int64_t deadline, const char **why);

#endif

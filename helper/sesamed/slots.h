/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * slots.h - how many connections sesamed serves at once, per peer.
 *
 * So that no local user can take every slot (nss.sock and pam.sock are
 * 0666), a uid other than 0 gets at most max(4, max_clients / 8) of them,
 * and all such uids together leave a reserve of max(8, max_clients / 8)
 * (at most half) to root, whose lookups and logins (sshd, login, su,
 * sudo) go on.  Thread-safe.
 */
#ifndef SESAMED_SLOTS_H
#define SESAMED_SLOTS_H

#include <stdint.h>
#include <sys/types.h>

/* A slot for a connection from @uid: NULL, or why there is none (a static
 * string for the log). */
const char *slot_take(uid_t uid, uint32_t max_clients);
/* Give back a slot slot_take() gave @uid. */
void slot_put(uid_t uid);

#endif

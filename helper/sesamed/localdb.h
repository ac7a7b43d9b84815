/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * localdb.h - the local accounts in /etc/passwd and /etc/group.  Local
 * accounts always win: sesamed never serves an LDAP entry whose name or id
 * exists locally (a directory entry named "root" or with uid 0 must not
 * shadow or alias a local account).  The files are read directly, never
 * through NSS (sesamed must not resolve through itself), and re-read when
 * they change (checked at most once a second).
 */
#ifndef SESAMED_LOCALDB_H
#define SESAMED_LOCALDB_H

#include <stdbool.h>
#include <stdint.h>

struct localdb;

/* NULL paths mean /etc/passwd and /etc/group. */
struct localdb *localdb_new(const char *passwd_path, const char *group_path);
struct localdb *localdb_free(struct localdb *l);

/* True if a local user has this name or this uid. */
bool localdb_has_user(struct localdb *l, const char *name, uint32_t uid);
/* True if a local group has this name or this gid. */
bool localdb_has_group(struct localdb *l, const char *name, uint32_t gid);

#endif

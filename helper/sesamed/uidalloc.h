/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uidalloc.h - uid numbers for self-registered accounts, handed out from
 * a counter in the directory, so that every host sharing it agrees.
 *
 * The counter is sesameNextUid on the entry [web] register_uid_counter
 * (objectClass sesameIdPool).  A number is taken with one modify that
 * deletes the value read and adds the next one: of two takers that read
 * the same value, the directory lets exactly one through (the other's
 * delete finds no such value) and the loser reads again.  An absent value
 * counts as register_uid_min and is added (a second add of the
 * single-valued attribute fails the same way).  A number taken is
 * never handed out again, even when its registration then fails.
 *
 * A number that an entry below [ldap] base has as its uid number, or a
 * local account has, is skipped (taken and passed over), so accounts made
 * by hand inside the range are never shadowed.
 */
#ifndef SESAMED_UIDALLOC_H
#define SESAMED_UIDALLOC_H

#include <stdint.h>

struct dir;
struct localdb;
struct sesame_conf;

/* How many numbers one allocation takes at most (lost races and numbers
 * in use together) before it gives up (logged). */
#define UIDALLOC_TRIES 200

/**
 * uid_allocate() - take the next free uid number.
 * Return: 0 and *@ret_uid; OUT_LIMIT when the counter has passed
 * register_uid_max or UIDALLOC_TRIES numbers were not enough (logged);
 * OUT_NOTFOUND when the counter entry is missing (logged); what
 * dir_read(), dir_search() or dir_modify() return.
 */
int uid_allocate(struct dir *d, const struct sesame_conf *c, struct localdb *local, uint32_t *ret_uid)
        __attribute__((warn_unused_result));

#endif

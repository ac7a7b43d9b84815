/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-web.h - the one directory operation of the reset links that the
 * other dir calls do not cover: a password set by sesamed's service DN,
 * for a user who has proven only that they can read their mail.
 */
#ifndef SESAMED_DIR_WEB_H
#define SESAMED_DIR_WEB_H

#include <stddef.h>

#include "outcome.h"

struct dir;

/**
 * dir_set_password() - set the password of @dn with the Password Modify
 * extended operation (RFC 3062) bound as the service DN, on a connection
 * of its own, without the old password.  The directory hashes it as for
 * any password change, and its password policy applies.
 *
 * Needs "by dn.exact=<binddn> write" on userPassword (conf/schema/
 * acl-example.conf).
 * Return: 0; OUT_PASSWORD_POLICY (refused by the server; its words, made
 * printable, in @msg); OUT_ACCESS (the ACLs do not let the service DN
 * write it); OUT_UNAVAIL; OUT_LDAP; -ENOMEM.
 */
int dir_set_password(struct dir *d, const char *dn, const char *newpw, char *msg, size_t msgsize);

#endif

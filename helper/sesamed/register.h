/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * register.h - self-registration through sesame-web (register.c; the
 * handlers are declared in dispatch.h): the shapes a new account's name
 * and address must have.
 */
#ifndef SESAMED_REGISTER_H
#define SESAMED_REGISTER_H

#include <stdbool.h>

/* The longest user name that may be registered (Debian's adduser). */
#define REGISTER_NAME_MAX 32
/* The bound of the work after the visitor's answer (ms): the counter,
 * the entry, its password and the mail. */
#define REGISTER_WORK_MS 30000

/* A user name that may be registered: valid_name() (accounts.h) and, as
 * adduser's default NAME_REGEX, 1 to REGISTER_NAME_MAX of [a-z0-9_.-]
 * starting with [a-z_]: no upper case (names compare without case in
 * the directory), no '@' (not to be taken for an address). */
bool register_name_ok(const char *s);
/* One plain address: local@domain of printable ASCII, no blank and none
 * of <>()[]\,;:" (nothing that would be more than one address). */
bool register_mail_ok(const char *s);

#endif

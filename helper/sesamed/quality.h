/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quality.h - the rules a new password must meet ([password] in
 * sesame.conf): at least min_length bytes (UTF-8 counted as bytes) and at
 * most SESAME_PASSWORD_MAX, characters from at least min_classes of lower
 * case, upper case, digits and others, and (reject_username) not
 * containing the user name, compared without regard to case.  It must
 * also differ from the old password.
 */
#ifndef SESAMED_QUALITY_H
#define SESAMED_QUALITY_H

#include <stddef.h>

struct sesame_conf;

/* 0 if @pw is acceptable; otherwise -EINVAL and @msg holds one line that
 * says what is wrong followed by the rules, e.g. "The password is too
 * short. A password needs at least 10 characters, from 3 of: lower case,
 * upper case, digits, other; and must not contain the user name." */
int pw_quality_check(const struct sesame_conf *c, const char *user, const char *old_pw, const char *pw,
                     char *msg, size_t msgsize);

#endif

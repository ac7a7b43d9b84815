/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quality.c - the [password] rules for a new password.
 *
 * Bytes, not characters: a UTF-8 letter counts as "other" and as as many
 * bytes as it has.  The user name is searched for without regard to ASCII
 * case (not the locale's: the daemon's locale must not change the rules).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "conf.h"
#include "quality.h"
#include "sesame-proto.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static char ascii_lower(char ch)
{
        return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* @needle (non-empty) in @hay, ASCII case ignored. */
static bool contains_nocase(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
        if (needle_len == 0 || needle_len > hay_len)
                return false;
        for (size_t i = 0; i + needle_len <= hay_len; i++) {
                size_t j = 0;

                while (j < needle_len && ascii_lower(hay[i + j]) == ascii_lower(needle[j]))
                        j++;
                if (j == needle_len)
                        return true;
        }
        return false;
}

static unsigned classes(const char *pw, size_t len)
{
        bool lower = false, upper = false, digit = false, other = false;

        for (size_t i = 0; i < len; i++) {
                char ch = pw[i];

                if (ch >= 'a' && ch <= 'z')
                        lower = true;
                else if (ch >= 'A' && ch <= 'Z')
                        upper = true;
                else if (ch >= '0' && ch <= '9')
                        digit = true;
                else
                        other = true;
        }
        return (unsigned)lower + (unsigned)upper + (unsigned)digit + (unsigned)other;
}

static int refuse(const struct sesame_conf *c, const char *why, char *msg, size_t msgsize)
{
        if (msg && msgsize > 0)
                (void)snprintf(msg, msgsize,
                               "%s A password needs at least %u characters, from %u of: lower case, upper case, "
                               "digits, other%s.",
                               why, c->pw_min_length, c->pw_min_classes,
                               c->pw_reject_username ? "; and must not contain the user name" : "");
        return -EINVAL;
}

int pw_quality_check(const struct sesame_conf *c, const char *user, const char *old_pw, const char *pw,
                     char *msg, size_t msgsize)
{
        size_t len, user_len, old_len;

        if (msg && msgsize > 0)
                msg[0] = '\0';
        if (!c || !pw) {
                if (msg && msgsize > 0)
                        (void)snprintf(msg, msgsize, "No password given.");
                return -EINVAL;
        }
        len = strnlen(pw, SESAME_PASSWORD_MAX + 1);
        if (len > SESAME_PASSWORD_MAX)
                return refuse(c, "The password is too long (more than " STRINGIFY(SESAME_PASSWORD_MAX) " bytes).", msg,
                              msgsize);
        if (len < c->pw_min_length)
                return refuse(c, "The password is too short.", msg, msgsize);
        if (classes(pw, len) < c->pw_min_classes)
                return refuse(c, "The password needs more kinds of characters.", msg, msgsize);
        if (c->pw_reject_username && user) {
                user_len = strnlen(user, SESAME_PASSWORD_MAX + 1);
                if (contains_nocase(pw, len, user, user_len))
                        return refuse(c, "The password contains the user name.", msg, msgsize);
        }
        if (old_pw) {
                old_len = strnlen(old_pw, SESAME_PASSWORD_MAX + 1);
                if (old_len == len && sodium_memcmp(old_pw, pw, len) == 0)
                        return refuse(c, "The new password is the same as the old one.", msg, msgsize);
        }
        return 0;
}

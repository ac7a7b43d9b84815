/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * outcome.h - the one error convention inside sesamed (dbus-broker's
 * error.h idea).
 *
 * Every function of the directory layer (dir.c), the account state
 * (state.c) and the account lookups (accounts.c), and what the handlers
 * build on them, returns an int that is one of:
 *
 *   0        success;
 *   < 0      a negative errno for a failure of the system itself
 *            (-ENOMEM, a socket error, ...), never with a private meaning;
 *   > 0      an OUT_* value below: what the directory or a policy decided.
 *
 * The wire status (SESAME_ST_*) of an outcome is decided in one place,
 * outcome_status(); no other file maps codes to SESAME_ST_*.  A handler
 * may still answer a status of its own where a decision is its to make
 * (a wrong code is AUTH_FAILED, a locked account REFUSED with a REASON),
 * but never by translating a code.
 */
#ifndef SESAMED_OUTCOME_H
#define SESAMED_OUTCOME_H

#include <stdint.h>

enum {
        /* no such entry; for a lookup also: no valid entry, or an address
         * that several entries have (ambiguous is never one of them) */
        OUT_NOTFOUND = 1,
        /* the directory cannot be reached, does not answer in time, or
         * the request's deadline has passed: try later */
        OUT_UNAVAIL,
        /* a server limit (size, time, administrative) cut a search short;
         * a partial result is never used */
        OUT_LIMIT,
        /* the caller may not act on this account */
        OUT_DENIED,
        /* wrong password (invalidCredentials, or an empty password, which
         * is never sent) */
        OUT_BAD_CREDENTIALS,
        /* the directory's password policy refused a new password */
        OUT_PASSWORD_POLICY,
        /* another writer changed the value first: a compare-and-swap
         * lost, or a single-use value was spent meanwhile */
        OUT_CONFLICT,
        /* noSuchAttribute: a value to delete is not there */
        OUT_NO_VALUE,
        /* attributeOrValueExists: a value to add is already there */
        OUT_EXISTS,
        /* constraintViolation (e.g. a second value of a single-valued
         * attribute) */
        OUT_CONSTRAINT,
        /* objectClassViolation: the entry's classes do not allow it */
        OUT_SCHEMA,
        /* the directory's access rules deny sesamed the read or write */
        OUT_ACCESS,
        /* any other LDAP error (logged where it happened) */
        OUT_LDAP,
        /* a request sesamed does not serve as asked (a field out of
         * range, too many of a field) */
        OUT_INVALID,
        _OUT_MAX,
};

/**
 * outcome_status() - the wire status of @r, the only such mapping.
 * @r: 0, a negative errno or an OUT_* value
 *
 * Return: SESAME_ST_OK for 0; the intended status of each OUT_*; and
 * SESAME_ST_INTERNAL for a negative errno and for any value it does not
 * know (fail closed: nothing unknown is ever OK).
 */
uint32_t outcome_status(int r);

/**
 * outcome_str() - @r for a log line: strerror() of a negative errno, a
 * short phrase for an OUT_* value.
 *
 * Return: a static string, never NULL.
 */
const char *outcome_str(int r);

#endif

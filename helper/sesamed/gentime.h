/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gentime.h - LDAP GeneralizedTime (RFC 4517, 3.3.13) to and from epoch
 * seconds, as sesamed stores times in the directory (sesameLastLogin).
 * Pure functions: no I/O, no locale, no time zone but the one written.
 */
#ifndef SESAMED_GENTIME_H
#define SESAMED_GENTIME_H

#include <stdint.h>

/* Length of gentime_format()'s "YYYYMMDDHHMMSSZ" with its NUL. */
#define GENTIME_FORMAT_LEN 16

/**
 * gentime_parse() - "YYYYMMDDHH[MM[SS]][(.|,)f+](Z|+hh[mm]|-hh[mm])" to
 * epoch seconds.
 * @s:   the value, NUL-terminated
 * @ret: the time; untouched on failure
 *
 * A fraction is accepted and dropped (the time is truncated to the last
 * whole unit written).  Every field must be in its range, the day in its
 * month (29 February only in a leap year), the offset within 23:59.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int gentime_parse(const char *s, int64_t *ret);

/**
 * gentime_format() - @t as "YYYYMMDDHHMMSSZ" (UTC) into @buf; a time that
 * cannot be written so (before year 1000 or after 9999) becomes the
 * epoch, "19700101000000Z".
 */
void gentime_format(int64_t t, char buf[static GENTIME_FORMAT_LEN]);

#endif

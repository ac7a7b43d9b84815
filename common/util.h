/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util.h - time, number parsing and string helpers used by every
 * component.  Non-logging; no allocation except where a function says so.
 */
#ifndef SESAME_UTIL_H
#define SESAME_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds (deadlines). */
int64_t now_ms(void);
/* Milliseconds left until @deadline, clamped to [0, INT32_MAX] for poll(). */
int ms_left(int64_t deadline);

/* Whole-string decimal u32 in [min, max]; -EINVAL / -ERANGE otherwise.
 * No sign, no leading or trailing space, no empty string. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret) __attribute__((warn_unused_result));

/* Copy @s into @buf of @size (truncation returns -ERANGE, writes nothing). */
int strcpy_bounded(char *buf, size_t size, const char *s);

/*
 * Quote a user-controlled string for a log line: at most @max input bytes,
 * control characters and quotes as \xNN, the result in single quotes in
 * @buf.  Always NUL-terminates; returns @buf.
 */
const char *str_quote(const char *s, size_t len, char *buf, size_t size);

/**
 * errf() - write an error message for the caller and return the error.
 * @err, @errsize: the caller's buffer; may be NULL / 0 (nothing written)
 * @r:   the -errno to return; "%m" in @fmt shows it
 * @fmt: printf format
 *
 * For the non-logging modules, whose callers decide where a message goes:
 * "return errf(err, errsize, -EPERM, "%s: ...", path);".
 *
 * Return: @r.
 */
int errf(char *err, size_t errsize, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif

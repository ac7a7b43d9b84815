/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json.h - a small streaming JSON writer for sesamectl --json.
 *
 * Commas and nesting are tracked here; strings are escaped per RFC 8259
 * (quote, backslash, control characters); valid UTF-8 passes through, a
 * string that is not valid UTF-8 has each byte >= 0x80 replaced by
 * U+FFFD.  Output is one compact line.
 */
#ifndef SESAMECTL_JSON_H
#define SESAMECTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
        FILE *f;
        unsigned depth;
        bool need_comma[JSON_DEPTH_MAX + 1];
        bool after_key; /* a key was written: the next value needs no comma */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_stringn(struct json *j, const char *s, size_t len);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Ends the top-level value with a newline. */
void json_finish(struct json *j);

/* The escaped form of @s (quotes included) into @f. */
void json_write_string(FILE *f, const char *s, size_t len);

#endif

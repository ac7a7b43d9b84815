/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json.c - see json.h.
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "proto.h"

void json_write_string(FILE *f, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        bool utf8 = utf8_valid(p, len);

        fputc('"', f);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = p[i];

                switch (c) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (c < 0x20 || c == 0x7f)
                                fprintf(f, "\\u%04x", (unsigned)c);
                        else if (c >= 0x80 && !utf8)
                                fputs("\\ufffd", f);
                        else
                                fputc(c, f);
                }
        }
        fputc('"', f);
}

void json_init(struct json *j, FILE *f)
{
        memset(j, 0, sizeof(*j));
        j->f = f;
}

/* Before any value: a comma if a sibling came before it. */
static void value_prefix(struct json *j)
{
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (j->need_comma[j->depth])
                fputc(',', j->f);
        j->need_comma[j->depth] = true;
}

static void open_(struct json *j, char c)
{
        value_prefix(j);
        fputc(c, j->f);
        if (j->depth < JSON_DEPTH_MAX)
                j->depth++;
        j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
        fputc(c, j->f);
        if (j->depth > 0)
                j->depth--;
}

void json_object_begin(struct json *j) { open_(j, '{'); }
void json_object_end(struct json *j) { close_(j, '}'); }
void json_array_begin(struct json *j) { open_(j, '['); }
void json_array_end(struct json *j) { close_(j, ']'); }

void json_key(struct json *j, const char *key)
{
        value_prefix(j);
        json_write_string(j->f, key, strlen(key));
        fputc(':', j->f);
        j->after_key = true;
}

void json_stringn(struct json *j, const char *s, size_t len)
{
        value_prefix(j);
        json_write_string(j->f, s, len);
}

void json_string(struct json *j, const char *s)
{
        if (!s) {
                json_null(j);
                return;
        }
        json_stringn(j, s, strlen(s));
}

void json_uint(struct json *j, uint64_t v)
{
        value_prefix(j);
        fprintf(j->f, "%" PRIu64, v);
}

void json_int(struct json *j, int64_t v)
{
        value_prefix(j);
        fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
        value_prefix(j);
        fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
        value_prefix(j);
        fputs("null", j->f);
}

void json_finish(struct json *j)
{
        fputc('\n', j->f);
        j->depth = 0;
        j->need_comma[0] = false;
        j->after_key = false;
}

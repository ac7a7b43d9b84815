/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_pack.c - answers into the caller's buffer (see nss_pack.h).
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "macro.h"
#include "nss_pack.h"

/* A string field into the buffer, with its NUL; NULL when it is full. */
static char *pack_str(struct pack *p, const struct proto_field *f)
{
        char *s;

        if (p->used + f->len + 1 > p->len)
                return NULL;
        s = p->buf + p->used;
        memcpy(s, f->val, f->len);
        s[f->len] = '\0';
        p->used += f->len + 1;
        return s;
}

static char *pack_field(struct pack *p, const struct proto_msg *m, uint16_t tag)
{
        struct proto_field f;

        return proto_find(m, tag, &f) ? pack_str(p, &f) : NULL;
}

/* ANS_PASSWD -> struct passwd; -ERANGE if @buf is too small. */
int fill_passwd(const struct proto_msg *m, struct passwd *pw, char *buf, size_t len)
{
        struct pack p = { buf, len, 0 };

        if (!(pw->pw_name = pack_field(&p, m, SESAME_F_NAME)) ||
            !(pw->pw_passwd = pack_field(&p, m, SESAME_F_PASSWD)) ||
            !(pw->pw_gecos = pack_field(&p, m, SESAME_F_GECOS)) ||
            !(pw->pw_dir = pack_field(&p, m, SESAME_F_HOME)) || !(pw->pw_shell = pack_field(&p, m, SESAME_F_SHELL)))
                return -ERANGE;
        pw->pw_uid = proto_get_u32(m, SESAME_F_UID, 0);
        pw->pw_gid = proto_get_u32(m, SESAME_F_GID, 0);
        return 0;
}

/* The buffer laid out for a group, nothing in it yet. */
static int grpack_begin(struct grpack *g, char *buf, size_t len)
{
        uintptr_t end = ((uintptr_t)buf + len) & ~(uintptr_t)(alignof(char *) - 1);

        *g = (struct grpack){ .p = { buf, len, 0 }, .top = (char **)end };
        if (end < (uintptr_t)buf + sizeof(char *))
                return -ERANGE;
        g->p.len = (size_t)(end - (uintptr_t)buf) - sizeof(char *); /* room for the NULL */
        return 0;
}

int grpack_init(struct grpack *g, struct group *gr, const struct proto_msg *m, char *buf, size_t len)
{
        if (grpack_begin(g, buf, len) < 0)
                return -ERANGE;
        if (!(gr->gr_name = pack_field(&g->p, m, SESAME_F_NAME)) ||
            !(gr->gr_passwd = pack_field(&g->p, m, SESAME_F_PASSWD)))
                return -ERANGE;
        gr->gr_gid = proto_get_u32(m, SESAME_F_GID, 0);
        return 0;
}

/* @len bytes to @dst: names are short, and a call to memcpy() would cost
 * more than the copy. */
static _always_inline_ void copy_short(char *dst, const uint8_t *src, size_t len)
{
        uint64_t a, b;
        uint32_t c, d;

        if (len >= 16)
                memcpy(dst, src, len);
        else if (len >= 8) {
                /* two words that overlap in the middle */
                memcpy(&a, src, 8);
                memcpy(&b, src + len - 8, 8);
                memcpy(dst, &a, 8);
                memcpy(dst + len - 8, &b, 8);
        } else if (len >= 4) {
                memcpy(&c, src, 4);
                memcpy(&d, src + len - 4, 4);
                memcpy(dst, &c, 4);
                memcpy(dst + len - 4, &d, 4);
        } else
                for (size_t i = 0; i < len; i++)
                        dst[i] = (char)src[i];
}

static _always_inline_ int grpack_member(struct grpack *g, const struct proto_field *f)
{
        /* a pointer slot comes off the end of the usable area */
        if (g->p.used + f->len + 1 + sizeof(char *) > g->p.len)
                return -ERANGE;
        g->p.len -= sizeof(char *);
        char *s = g->p.buf + g->p.used;
        copy_short(s, f->val, f->len);
        s[f->len] = '\0';
        g->p.used += f->len + 1;
        g->top[-(ptrdiff_t)(g->n + 2)] = s;
        g->n++;
        return 0;
}

int grpack_members(struct grpack *g, const struct proto_msg *m)
{
        struct proto_iter it;
        struct proto_field f;

        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f)) {
                if (f.tag != SESAME_F_MEMBER)
                        continue;
                int r = grpack_member(g, &f);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The ANS_GROUP frame packed as the decoder checks it: its name,
 * password and gid, and the members that fit in it.  The decoder makes
 * sure of each of the first three once the frame passes. */
struct group_fields {
        struct grpack g;
        struct group *gr;
};

static int group_field(uint16_t opcode, const struct proto_field *f, void *arg)
{
        struct group_fields *x = arg;

        if (opcode != SESAME_ANS_GROUP)
                return -EPROTO;
        switch (f->tag) {
        case SESAME_F_NAME:
                return (x->gr->gr_name = pack_str(&x->g.p, f)) ? 0 : -ERANGE;
        case SESAME_F_PASSWD:
                return (x->gr->gr_passwd = pack_str(&x->g.p, f)) ? 0 : -ERANGE;
        case SESAME_F_GID:
                x->gr->gr_gid = proto_field_u32(f);
                return 0;
        case SESAME_F_MEMBER:
                return grpack_member(&x->g, f);
        default:
                return 0;
        }
}

/* An ANS_MEMBERS frame's members packed as the decoder checks them (one
 * pass over a list that may be 10,000 names long). */
static int member_field(uint16_t opcode, const struct proto_field *f, void *arg)
{
        if (opcode != SESAME_ANS_MEMBERS)
                return -EPROTO;
        return f->tag == SESAME_F_MEMBER ? grpack_member(arg, f) : 0;
}

void grpack_finish(struct grpack *g, struct group *gr)
{
        char **mem = g->top - (g->n + 1);

        /* slots hold the members last-first: reverse them */
        for (size_t i = 0; i < g->n / 2; i++) {
                char *t = mem[i];
                mem[i] = mem[g->n - 1 - i];
                mem[g->n - 1 - i] = t;
        }
        mem[g->n] = NULL;
        gr->gr_mem = mem;
}

/* A whole group from its frames as sent (ANS_GROUP, then ANS_MEMBERS*,
 * each with its length word): 0, -ERANGE, or -EPROTO.  What it packed
 * counts only when it returns 0. */
int group_unpack(const uint8_t *frames, size_t n, struct group *gr, char *buf, size_t len)
{
        struct proto_msg m;
        size_t off = 0;
        int r;

        struct group_fields x = { .gr = gr };

        if (grpack_begin(&x.g, buf, len) < 0)
                return -ERANGE;
        /* the callbacks see the opcode with each field; a frame without
         * fields is judged by its opcode here */
        r = proto_split_fields(frames, n, &off, &m, group_field, &x);
        if (r > 0 || (r == 0 && m.opcode != SESAME_ANS_GROUP))
                return -EPROTO;
        while (r == 0)
                if ((r = proto_split_fields(frames, n, &off, &m, member_field, &x.g)) == 0 &&
                    m.opcode != SESAME_ANS_MEMBERS)
                        return -EPROTO;
        if (r < 0)
                return r;
        if (r != SESAME_E_EOF)
                return -EPROTO;
        grpack_finish(&x.g, gr);
        return 0;
}

/* A group whose frames passed group_unpack() before and have not changed
 * since: the same, without checking the fields again. */
int group_unpack_again(const uint8_t *frames, size_t n, struct group *gr, char *buf, size_t len)
{
        struct grpack g;
        struct proto_msg m;
        size_t off = 0;
        int r;

        if (proto_split_again(frames, n, &off, &m) != 0 || m.opcode != SESAME_ANS_GROUP)
                return -EPROTO;
        r = grpack_init(&g, gr, &m, buf, len);
        while (r == 0 && (r = grpack_members(&g, &m)) == 0 && (r = proto_split_again(frames, n, &off, &m)) == 0)
                if (m.opcode != SESAME_ANS_MEMBERS)
                        return -EPROTO;
        if (r < 0)
                return r;
        if (r != SESAME_E_EOF)
                return -EPROTO;
        grpack_finish(&g, gr);
        return 0;
}

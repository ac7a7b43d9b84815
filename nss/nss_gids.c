/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_gids.c - the list of gids initgroups_dyn adds to (see nss_gids.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "nss_gids.h"
#include "proto.h"

#define GIDS_LINEAR 32
#define GIDS_PRESIZE_MAX 65536
void gids_done(struct gids *g)
{
        free(g->set);
        g->set = NULL;
        g->cap = 0;
}

/* Start an answer: the caller's list is *@g->start entries long. */
void gids_begin(struct gids *g)
{
        gids_done(g);
        g->base = *g->start;
        g->dup = false;
        g->nctx = 0;
}

void gids_init(struct gids *g, gid_t skip, long int *start, long int *size, gid_t **groupsp,
                      long int limit)
{
        *g = (struct gids){ .start = start, .size = size, .limit = limit, .groupsp = groupsp, .skip = skip };
        gids_begin(g);
}

static size_t gid_slot(const struct gids *g, gid_t gid)
{
        uint32_t h = (uint32_t)gid * 0x9e3779b1u;

        return (size_t)(h ^ (h >> 16)) & (g->cap - 1);
}

/* The set's slot of @gid: where it is, or the empty one where it goes. */
static size_t gids_probe(const struct gids *g, gid_t gid)
{
        size_t i = gid_slot(g, gid);

        /* never full (at most half), so this ends */
        while (g->set[i] != 0 && (*g->groupsp)[g->set[i] - 1] != gid)
                i = (i + 1) & (g->cap - 1);
        return i;
}

/* A set for the list as it is, with room for @more gids besides. */
static int gids_index(struct gids *g, size_t more)
{
        size_t cap = 64;

        while (cap < ((size_t)*g->start + more) * 2)
                cap *= 2;
        uint32_t *set = calloc(cap, sizeof(*set));
        if (!set)
                return -ENOMEM;
        free(g->set);
        g->set = set;
        g->cap = cap;
        for (long int i = 0; i < *g->start; i++) {
                size_t k = gids_probe(g, (*g->groupsp)[i]);
                if (g->set[k] == 0)
                        g->set[k] = (uint32_t)i + 1;
        }
        return 0;
}

/* @gid of the answer was there already: at index @at of the list (-1:
 * @skip).  Only the answer's own gids meeting again is a duplicate. */
static void gids_seen(struct gids *g, gid_t gid, long int at)
{
        if (at >= g->base) {
                g->dup = true;
                return;
        }
        for (unsigned i = 0; i < g->nctx; i++)
                if (g->ctx[i] == gid) {
                        g->dup = true;
                        return;
                }
        if (g->nctx == GIDS_CTX_MAX)
                g->dup = true;
        else
                g->ctx[g->nctx++] = gid;
}

/* @gid at the end of the list: 0, -ERANGE at the caller's limit, or
 * -ENOMEM. */
static int gids_append(struct gids *g, gid_t gid)
{
        if (*g->start == *g->size) {
                long int ns = *g->size ? *g->size * 2 : 16;
                if (g->limit > 0 && ns > g->limit)
                        ns = g->limit;
                if (ns <= *g->size)
                        return -ERANGE;
                gid_t *n = realloc(*g->groupsp, (size_t)ns * sizeof(gid_t));
                if (!n)
                        return -ENOMEM;
                *g->groupsp = n;
                *g->size = ns;
        }
        (*g->groupsp)[(*g->start)++] = gid;
        return 0;
}

static int add_gid(struct gids *g, gid_t gid)
{
        size_t k = 0;
        int r;

        if (gid == g->skip) {
                gids_seen(g, gid, -1);
                return 0;
        }
        if (!g->set && *g->start < GIDS_LINEAR) {
                for (long int i = 0; i < *g->start; i++)
                        if ((*g->groupsp)[i] == gid) {
                                gids_seen(g, gid, i);
                                return 0;
                        }
        } else {
                if ((size_t)(*g->start + 1) * 2 > g->cap) {
                        r = gids_index(g, (size_t)*g->start);
                        if (r < 0)
                                return r;
                }
                k = gids_probe(g, gid);
                if (g->set[k] != 0) {
                        gids_seen(g, gid, (long int)g->set[k] - 1);
                        return 0;
                }
        }
        r = gids_append(g, gid);
        if (r == 0 && g->set)
                g->set[k] = (uint32_t)*g->start;
        return r;
}

/* The gids of an ANS_GIDS frame added to the caller's list: 0 (also when
 * the list is at the caller's limit: what fits is what the caller asked
 * for) or -ENOMEM. */
int add_gids(struct gids *g, const struct proto_msg *m)
{
        struct proto_iter it;
        struct proto_field f;

        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f)) {
                int r = add_gid(g, proto_field_u32(&f));
                if (r == -ERANGE)
                        return 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* An ANS_GIDS frame known to hold no gid twice (it passed add_gid() before
 * with no duplicate met, and has not changed since): each gid is
 * compared with the caller's entries alone.  Such a frame is gid fields
 * only, 8 bytes each (tag, length, value), so they are read at their
 * places, within the frame whatever its bytes. */
static int gids_add_distinct(struct gids *g, const struct proto_msg *m)
{
        long int base = *g->start, at = base, size = *g->size;
        gid_t *list = *g->groupsp, skip = g->skip;
        const uint8_t *body = m->body;
        size_t len = m->len;
        int r = 0;

        if (base > GIDS_LINEAR / 4 && (r = gids_index(g, 0)) < 0)
                return r;
        /* everything the loop reads in locals: the stores to the list
         * would make the compiler load them again each time (the build
         * has -fno-strict-aliasing) */
        const bool indexed = g->set != NULL;
        /* the usual call: glibc's list holds the primary group alone */
        if (base == 0 || (base == 1 && list[0] == skip)) {
                size_t off = 0;
                for (; len - off >= 8 && at < size; off += 8) {
                        const uint8_t *v = body + off + 4;
                        gid_t gid = (gid_t)v[0] << 24 | (gid_t)v[1] << 16 | (gid_t)v[2] << 8 | v[3];
                        list[at] = gid;
                        at += gid != skip;
                }
                *g->start = at;
                if (len - off < 8)
                        return 0;
                /* the list is full: the rest the long way (it grows, or
                 * stops at the caller's limit) */
                body += off;
                len -= off;
        }
        for (size_t off = 0; len - off >= 8; off += 8) {
                const uint8_t *v = body + off + 4;
                gid_t gid = (gid_t)v[0] << 24 | (gid_t)v[1] << 16 | (gid_t)v[2] << 8 | v[3];
                bool have = gid == skip;
                if (!have && indexed)
                        have = g->set[gids_probe(g, gid)] != 0;
                else
                        for (long int i = 0; !have && i < base; i++)
                                have = list[i] == gid;
                if (have)
                        continue;
                if (at < size) {
                        list[at++] = gid;
                        continue;
                }
                *g->start = at;
                r = gids_append(g, gid);
                at = *g->start;
                size = *g->size;
                list = *g->groupsp;
                if (r < 0)
                        break;
        }
        *g->start = at;
        return r == -ERANGE ? 0 : r;
}

/* The note a mapped answer leaves (struct mcache_hit): no gid twice. */
#define NOTE_DISTINCT 1

static int gid_field(uint16_t opcode, const struct proto_field *f, void *arg)
{
        if (opcode != SESAME_ANS_GIDS)
                return -EPROTO;
        struct gids *g = arg;
        int r = add_gid(g, proto_field_u32(f));
        /* at the caller's limit: what fits is what the caller asked for;
         * the gids left out were not compared with each other */
        if (r == -ERANGE) {
                g->dup = true;
                return 0;
        }
        return r;
}

/* Mapped ANS_GIDS frames added to the list as the decoder checks them
 * (one pass); @hit says whether the bytes passed before, and keeps
 * whether they hold a gid twice.  An answer that passed with no gid
 * twice is added without the checks (gids_add_distinct()).  Anything but
 * 0: the list holds part of the answer, and sesamed is to be asked. */
int gids_add_mapped(struct gids *g, const uint8_t *d, size_t n, struct mcache_hit *hit)
{
        struct proto_msg m;
        size_t off = 0;
        int r;

        if (hit->checked && hit->note == NOTE_DISTINCT) {
                while ((r = proto_split_again(d, n, &off, &m)) == 0)
                        if (m.opcode != SESAME_ANS_GIDS || (r = gids_add_distinct(g, &m)) < 0)
                                return r < 0 ? r : -EPROTO;
                return r == SESAME_E_EOF ? 0 : -EPROTO;
        }
        /* a gid takes 8 bytes of a frame: room for all of them at once
         * (up to the kernel's limit of groups; the set grows past it) */
        size_t more = n / 8 < GIDS_PRESIZE_MAX ? n / 8 : GIDS_PRESIZE_MAX;
        if ((size_t)*g->start + more >= GIDS_LINEAR && (r = gids_index(g, more)) < 0)
                return r;
        /* gid_field() sees the opcode with each gid; a frame without any
         * is judged by its opcode here */
        while ((r = proto_split_fields(d, n, &off, &m, gid_field, g)) == 0)
                if (m.opcode != SESAME_ANS_GIDS)
                        return -EPROTO;
        if (r < 0)
                return r;
        if (r != SESAME_E_EOF)
                return -EPROTO;
        hit->note = g->dup ? 0 : NOTE_DISTINCT;
        return 0;
}

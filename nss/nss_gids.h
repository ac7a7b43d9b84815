/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_gids.h - the caller's list of gids as initgroups_dyn gets it, and
 * what is added to it: each gid once, and not @skip (the primary group,
 * which glibc has put first).  A short list is searched from end to end; from
 * GIDS_LINEAR entries on, a set of indices into it (open addressing, at
 * most half full) finds a gid in one or two probes, so that a user in
 * thousands of groups costs as many steps, not their square.
 *
 * It also finds out whether the answer's own gids are all different
 * (@dup, from a gid met twice in it), for the mapped cache: an answer
 * known to be so is added again later by gids_add_distinct(), which
 * compares each gid with what the caller had only.
 */
#ifndef SESAME_NSS_GIDS_H
#define SESAME_NSS_GIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mcache.h"
#include "proto.h"

/* gids of the answer that were already in the caller's list (or @skip):
 * kept to find one that comes twice; more, and the answer counts as not
 * known to be all different */
#define GIDS_CTX_MAX 16

struct gids {
        long int *start, *size, limit;
        gid_t **groupsp;
        gid_t skip;
        long int base; /* the caller's entries: those before this answer */
        uint32_t *set; /* index + 1 into *groupsp, 0: empty; NULL while short */
        size_t cap;    /* of set, a power of two */
        bool dup;      /* a gid came twice in the answer, or may have */
        unsigned nctx;
        gid_t ctx[GIDS_CTX_MAX];
};

void gids_init(struct gids *g, gid_t skip, long int *start, long int *size, gid_t **groupsp, long int limit);
/* Start an answer: what the list holds now is the caller's. */
void gids_begin(struct gids *g);
/* Frees what the list's set took (the list is the caller's). */
void gids_done(struct gids *g);
/* The gids of an ANS_GIDS frame added to the list: 0 (also when the list
 * is at the caller's limit: what fits is what the caller asked for) or
 * -ENOMEM. */
int add_gids(struct gids *g, const struct proto_msg *m);
int gids_add_mapped(struct gids *g, const uint8_t *d, size_t n, struct mcache_hit *hit);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_pack.h - answers (the frames of sesame-proto.h) into the struct
 * passwd or struct group and the buffer glibc hands the module; -ERANGE
 * when the buffer is too small (glibc then tries a larger one).  The
 * frames may lie in the memory-mapped cache, where every length is
 * checked where it is used.
 */
#ifndef SESAME_NSS_PACK_H
#define SESAME_NSS_PACK_H

#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct pack {
        char *buf;
        size_t len, used;
};

/*
 * Group members are packed as strings growing up from the start of the
 * buffer and pointers growing down from its (aligned) end; at the end the
 * pointers are put in order with a NULL after them.
 */
struct grpack {
        struct pack p;
        char **top; /* one past the last pointer slot */
        size_t n;
};

/* ANS_PASSWD -> struct passwd; -ERANGE if @buf is too small. */
int fill_passwd(const struct proto_msg *m, struct passwd *pw, char *buf, size_t len);

/* A group frame by frame: ANS_GROUP (grpack_init(), grpack_members()),
 * then each ANS_MEMBERS (grpack_members()), then grpack_finish().  0 or
 * -ERANGE. */
int grpack_init(struct grpack *g, struct group *gr, const struct proto_msg *m, char *buf, size_t len);
int grpack_members(struct grpack *g, const struct proto_msg *m);
void grpack_finish(struct grpack *g, struct group *gr);

/* A whole group from its frames as sent (ANS_GROUP, then ANS_MEMBERS*,
 * each with its length word): 0, -ERANGE, or -EPROTO.  What it packed
 * counts only when it returns 0. */
int group_unpack(const uint8_t *frames, size_t n, struct group *gr, char *buf, size_t len);
/* The same for frames that passed group_unpack() before and have not
 * changed since (proto_split_again()): the fields are not checked again. */
int group_unpack_again(const uint8_t *frames, size_t n, struct group *gr, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto.h - encoder, strict decoder and deadline-bounded I/O for the frames
 * described in sesame-proto.h.
 *
 * Return convention: 0 on success, a positive SESAME_E_* for a protocol
 * error, -errno for a system error (-ETIMEDOUT when a deadline passes).
 * Nothing here allocates, logs or reads outside the buffers it is given.
 */
#ifndef SESAME_PROTO_CODEC_H
#define SESAME_PROTO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sesame-proto.h"

/* A decoded frame: a validated view of the body (version onwards). */
struct proto_msg {
        uint16_t opcode;
        uint16_t nfields;
        const uint8_t *body; /* first byte after the header */
        size_t len;          /* bytes of fields */
};

/* One field: a view into the frame. */
struct proto_field {
        uint16_t tag;
        uint16_t len;
        const uint8_t *val;
};

struct proto_iter {
        const struct proto_msg *msg;
        size_t off;
        uint16_t i;
};

/**
 * proto_decode() - validate a frame body and make a view of it.
 * @body: the bytes after the length word
 * @len:  their number (the length word's value)
 * @ret:  filled only on success
 *
 * Checks everything listed in sesame-proto.h (size, version, opcode, field
 * schema of the opcode, types, UTF-8, NUL, duplicates, required fields,
 * trailing bytes).  Afterwards every accessor below is safe.
 */
int proto_decode(const uint8_t *body, size_t len, struct proto_msg *ret)
        __attribute__((warn_unused_result));

/* Iterate over the fields in order: returns true and fills @ret, or false
 * at the end.  Only valid on a message proto_decode() accepted. */
void proto_iter_init(struct proto_iter *it, const struct proto_msg *msg);
static inline bool proto_iter_next(struct proto_iter *it, struct proto_field *ret)
{
        const struct proto_msg *m = it->msg;
        const uint8_t *p;
        uint16_t flen;

        /* The decoder validated the layout; the bounds checks stay anyway
         * so a forged or stale proto_msg (or bytes changed since, see
         * proto_split_again()) cannot walk off the frame. */
        if (it->i >= m->nfields || it->off > m->len || m->len - it->off < 4)
                return false;
        p = m->body + it->off;
        flen = (uint16_t)((unsigned)p[2] << 8 | p[3]);
        if (m->len - it->off - 4 < flen)
                return false;
        ret->tag = (uint16_t)((unsigned)p[0] << 8 | p[1]);
        ret->len = flen;
        ret->val = p + 4;
        it->off += 4 + (size_t)flen;
        it->i++;
        return true;
}

/* First field with @tag; false if absent. */
bool proto_find(const struct proto_msg *msg, uint16_t tag, struct proto_field *ret);
/* Value of a U32 field (its length was checked by the decoder). */
uint32_t proto_field_u32(const struct proto_field *f);
/* Copy a STR field into @buf with a NUL; -ERANGE if it does not fit. */
int proto_field_str(const struct proto_field *f, char *buf, size_t size);
/* U32 field @tag, or @def if absent. */
uint32_t proto_get_u32(const struct proto_msg *msg, uint16_t tag, uint32_t def);

/*
 * Encoder: builds a whole frame (length word included) in a caller buffer;
 * the frame is capped at MIN(cap, SESAME_BUF_MAX) bytes (small requests
 * may use a small buffer).  A put that would not fit returns
 * SESAME_E_FULL and leaves the frame as it was, so the caller can end the
 * frame and continue in a new one (ANS_MEMBERS, ANS_GIDS, enumeration).
 * A put with a bad value (NUL, bad UTF-8, too long for the tag) returns the
 * decoder's error and also leaves the frame unchanged.
 */
struct proto_writer {
        uint8_t *buf;
        size_t cap;
        size_t len;
        uint16_t nfields;
        uint16_t opcode;
};

void proto_begin(struct proto_writer *w, uint8_t *buf, size_t cap, uint16_t opcode);
int proto_put_str(struct proto_writer *w, uint16_t tag, const char *s)
        __attribute__((warn_unused_result));
int proto_put_strn(struct proto_writer *w, uint16_t tag, const char *s, size_t len)
        __attribute__((warn_unused_result));
int proto_put_u32(struct proto_writer *w, uint16_t tag, uint32_t v)
        __attribute__((warn_unused_result));
/* Finish the frame: writes the length word and nfields, then checks the
 * whole frame with proto_decode() (so nothing invalid is ever sent).
 * On success *ret_len is the number of bytes to send. */
int proto_end(struct proto_writer *w, size_t *ret_len) __attribute__((warn_unused_result));
/* Bytes a put of a STR of @len would add, to plan frame splits. */
static inline size_t proto_field_cost(size_t len) { return 4 + len; }

/*
 * I/O.  @deadline is an absolute CLOCK_MONOTONIC time in milliseconds
 * (util.h now_ms()).  They work on blocking or non-blocking sockets: each
 * read or write is tried at once (MSG_DONTWAIT) and poll()s until
 * @deadline only when the socket has nothing for it.  proto_send uses
 * MSG_NOSIGNAL.
 */
int proto_send(int fd, const uint8_t *frame, size_t len, int64_t deadline)
        __attribute__((warn_unused_result));
/* Waits until @fd is ready for @events (POLLIN, POLLOUT), or has hung up
 * or failed (the next read or write says which): 0, -ETIMEDOUT once
 * @deadline has passed, or -errno. */
int proto_wait(int fd, short events, int64_t deadline) __attribute__((warn_unused_result));
/* Reads one frame into @buf (>= SESAME_BUF_MAX bytes), decodes it into
 * @ret (which points into @buf).  A length word over the cap is refused
 * before any more is read (SESAME_E_OVERSIZE).  EOF before the first byte
 * is SESAME_E_EOF, EOF later SESAME_E_TRUNCATED. */
int proto_recv(int fd, uint8_t *buf, size_t cap, struct proto_msg *ret, int64_t deadline)
        __attribute__((warn_unused_result));

/**
 * proto_split() - the next whole frame of a buffer of frames.
 * @buf, @len: frames as sent (each with its length word), e.g. a cached
 *             answer
 * @off:       where the next frame starts; moved past it on success
 * @ret:       the decoded frame (a view into @buf)
 *
 * Return: 0; SESAME_E_EOF when @off is at the end; SESAME_E_TRUNCATED
 * when a frame runs past @len; any proto_decode() error.
 */
int proto_split(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret)
        __attribute__((warn_unused_result));

/**
 * proto_field_fn - a field that passed the decoder's checks, as it goes.
 * @opcode: the frame's (checked before any field)
 * @f:      the field, a view into the frame
 * @arg:    the caller's
 *
 * Return: 0 to go on, or a negative errno that ends the decode with it.
 */
typedef int (*proto_field_fn)(uint16_t opcode, const struct proto_field *f, void *arg);

/**
 * proto_split_fields() - proto_split() that hands each field to @fn in
 * the same pass, for a reader that copies a large frame's fields out as
 * it checks them.
 *
 * What @fn made of the fields counts only when this returns 0: a later
 * field, the required ones or trailing bytes may still fail the frame,
 * and @fn has then seen part of it.
 *
 * Return: proto_split()'s values, or what @fn returned.
 */
int proto_split_fields(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret, proto_field_fn fn,
                       void *arg) __attribute__((warn_unused_result));

/**
 * proto_split_again() - the next frame of a buffer that proto_split()
 * accepted before, when the bytes are known not to have changed since
 * (the memory-mapped cache's sequence counter says so).
 *
 * Only the length word and the header are read, and checked against
 * @len; none of the decoder's checks of the fields are made again.  The
 * accessors stay within the frame whatever its bytes.
 *
 * Return: 0; SESAME_E_EOF at the end; SESAME_E_TRUNCATED or
 * SESAME_E_SHORT for a frame that does not fit.
 */
int proto_split_again(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret)
        __attribute__((warn_unused_result));

/**
 * proto_frame_len() - how long the frame at the start of @buf is, for a
 * reader that gathers it without blocking.
 * @have: bytes of it read so far
 * @cap:  the size of @buf
 * @ret:  the frame's length with its length word; 0 while fewer than 4
 *        bytes are there
 * Return: 0, or SESAME_E_OVERSIZE / SESAME_E_SHORT for a length word
 * proto_recv() would refuse (judged before the body is read).
 */
int proto_frame_len(const uint8_t *buf, size_t have, size_t cap, size_t *ret);

/* Encode, send an END frame with @status and optional @message. */
int proto_send_end(int fd, uint32_t status, const char *message, int64_t deadline)
        __attribute__((warn_unused_result));

/* Static string for a SESAME_E_* or -errno code. */
const char *proto_strerror(int r);

/* RFC 3629 UTF-8 check (no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const uint8_t *s, size_t len);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto.c - the codec for sesame-proto.h: a strict decoder that only ever
 * looks inside [body, body + len), an encoder that validates every value
 * before it touches the frame, and deadline-bounded socket I/O.
 *
 * This file is linked into libnss_sesame, which is loaded into every
 * process on the host: libc only, no allocation, no logging, and no
 * mutable globals (everything below is const), so it is thread-safe.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"
#include "proto.h"
#include "util.h"

/*
 * Field types, per tag.  T_NONE marks a hole in the tag space, which the
 * decoder and the encoder both treat as an unknown field.
 */
enum field_type {
        T_NONE = 0,
        T_STR,
        T_U32,
};

struct tag_info {
        uint8_t type;
        uint16_t max; /* T_STR: largest value in bytes */
};

static const struct tag_info tag_table[SESAME_F__MAX + 1] = {
        [SESAME_F_NAME] = { T_STR, SESAME_NAME_MAX },
        [SESAME_F_UID] = { T_U32, 4 },
        [SESAME_F_GID] = { T_U32, 4 },
        [SESAME_F_PASSWD] = { T_STR, SESAME_NAME_MAX },
        [SESAME_F_GECOS] = { T_STR, SESAME_TEXT_MAX },
        [SESAME_F_HOME] = { T_STR, SESAME_TEXT_MAX },
        [SESAME_F_SHELL] = { T_STR, SESAME_TEXT_MAX },
        [SESAME_F_MEMBER] = { T_STR, SESAME_NAME_MAX },
        [SESAME_F_STATUS] = { T_U32, 4 },
        [SESAME_F_MESSAGE] = { T_STR, SESAME_TEXT_MAX },
        [SESAME_F_MAIL] = { T_STR, SESAME_MAIL_MAX },
        [SESAME_F_LOGIN] = { T_STR, SESAME_MAIL_MAX },
        [SESAME_F_PASSWORD] = { T_STR, SESAME_PASSWORD_MAX },
        [SESAME_F_NEWPASSWORD] = { T_STR, SESAME_PASSWORD_MAX },
        [SESAME_F_CODE] = { T_STR, SESAME_CODE_MAX },
        [SESAME_F_SERVICE] = { T_STR, SESAME_NAME_MAX },
        [SESAME_F_RHOST] = { T_STR, SESAME_TEXT_MAX },
        [SESAME_F_TTY] = { T_STR, SESAME_NAME_MAX },
        [SESAME_F_TOTP_MODE] = { T_U32, 4 },
        [SESAME_F_ROLE] = { T_STR, SESAME_NAME_MAX },
        [SESAME_F_REASON] = { T_U32, 4 },
        [SESAME_F_FLAGS] = { T_U32, 4 },
        [SESAME_F_LAST_LOGIN] = { T_U32, 4 },
        [SESAME_F_LOGIN_COUNT] = { T_U32, 4 },
        [SESAME_F_FAILURES] = { T_U32, 4 },
        [SESAME_F_LOCKED_UNTIL] = { T_U32, 4 },
        [SESAME_F_TOTP_ALG] = { T_U32, 4 },
        [SESAME_F_TOTP_DIGITS] = { T_U32, 4 },
        [SESAME_F_SECRET] = { T_STR, SESAME_SECRET_MAX },
        [SESAME_F_URI] = { T_STR, SESAME_TEXT_MAX },
        [SESAME_F_ACTION] = { T_U32, 4 },
        [SESAME_F_RECOVERY_LEFT] = { T_U32, 4 },
        [SESAME_F_DEADLINE_MS] = { T_U32, 4 },
        [SESAME_F_TOKEN] = { T_STR, SESAME_TOKEN_MAX },
        [SESAME_F_AGE] = { T_U32, 4 },
};

/* The duplicate check keeps one bit per tag in a uint64_t. */
_Static_assert(SESAME_F__MAX < 64, "seen-bitmask too small for the tag space");
/* proto_begin() writes the header before any field: a frame cap below
 * the header size would make that an overrun. */
_Static_assert(SESAME_FRAME_MAX >= SESAME_HDR_LEN, "frame cap below header size");

/*
 * Per-opcode schema: which tags an opcode allows, and how.  A tag with no
 * flags is not allowed.  New opcodes (PAM, ...) add one line each; new
 * tags only need SESAME_F__MAX to grow and an entry in tag_table.
 */
enum {
        FLD_ALLOWED = 1 << 0,
        FLD_REQUIRED = 1 << 1,
        FLD_REPEATABLE = 1 << 2,
};
#define REQ (FLD_ALLOWED | FLD_REQUIRED)
#define OPT (FLD_ALLOWED)
#define REP (FLD_ALLOWED | FLD_REPEATABLE)
/* Every request may say how long its client will wait (sesame-proto.h,
 * Conversation); no answer carries it. */
#define DEADLINE [SESAME_F_DEADLINE_MS] = OPT

struct op_schema {
        uint16_t opcode;
        uint8_t fields[SESAME_F__MAX + 1];
};

static const struct op_schema op_table[] = {
        { SESAME_REQ_PASSWD_BYNAME, { [SESAME_F_NAME] = REQ, DEADLINE } },
        { SESAME_REQ_PASSWD_BYUID, { [SESAME_F_UID] = REQ, DEADLINE } },
        { SESAME_REQ_PASSWD_ENUM, { DEADLINE } },
        { SESAME_REQ_GROUP_BYNAME, { [SESAME_F_NAME] = REQ, DEADLINE } },
        { SESAME_REQ_GROUP_BYGID, { [SESAME_F_GID] = REQ, DEADLINE } },
        { SESAME_REQ_GROUP_ENUM, { DEADLINE } },
        { SESAME_REQ_INITGROUPS, { [SESAME_F_NAME] = REQ, DEADLINE } },
        { SESAME_REQ_PING, { DEADLINE } },
        { SESAME_REQ_PASSWD_BYMAIL, { [SESAME_F_MAIL] = REQ, DEADLINE } },
        { SESAME_REQ_CACHE_FLUSH, { DEADLINE } },
        { SESAME_REQ_USER_SHOW, { [SESAME_F_LOGIN] = REQ, DEADLINE } },
        { SESAME_REQ_TOTP_ENROLL,
          { [SESAME_F_LOGIN] = REQ, [SESAME_F_TOTP_ALG] = OPT, [SESAME_F_TOTP_DIGITS] = OPT, DEADLINE } },
        { SESAME_REQ_TOTP_ACTIVATE, { [SESAME_F_LOGIN] = REQ, [SESAME_F_CODE] = REQ, DEADLINE } },
        { SESAME_REQ_TOTP_DISABLE, { [SESAME_F_LOGIN] = REQ, DEADLINE } },
        { SESAME_REQ_RECOVERY_CODES, { [SESAME_F_LOGIN] = REQ, DEADLINE } },
        { SESAME_REQ_UNLOCK, { [SESAME_F_LOGIN] = REQ, DEADLINE } },
        { SESAME_REQ_CHECK, { [SESAME_F_LOGIN] = OPT, DEADLINE } },
        { SESAME_REQ_PASSWORD_SET, { [SESAME_F_LOGIN] = REQ, [SESAME_F_NEWPASSWORD] = REQ, DEADLINE } },
        { SESAME_REQ_CONFIRM_SEND, { [SESAME_F_LOGIN] = REQ, DEADLINE } },
        { SESAME_REQ_PURGE_PENDING, { [SESAME_F_AGE] = REQ, DEADLINE } },
        { SESAME_REQ_AUTH,
          {
                  [SESAME_F_LOGIN] = REQ,
                  [SESAME_F_PASSWORD] = REQ,
                  [SESAME_F_CODE] = OPT,
                  [SESAME_F_SERVICE] = REQ,
                  [SESAME_F_RHOST] = OPT,
                  [SESAME_F_TTY] = OPT,
                  [SESAME_F_TOTP_MODE] = REQ,
                  [SESAME_F_ROLE] = REP,
                  DEADLINE,
          } },
        { SESAME_REQ_ACCOUNT,
          {
                  [SESAME_F_LOGIN] = REQ,
                  [SESAME_F_SERVICE] = REQ,
                  [SESAME_F_ROLE] = REP,
                  [SESAME_F_RHOST] = OPT,
                  DEADLINE,
          } },
        { SESAME_REQ_CHAUTHTOK,
          {
                  [SESAME_F_LOGIN] = REQ,
                  [SESAME_F_PASSWORD] = REQ,
                  [SESAME_F_NEWPASSWORD] = OPT,
                  [SESAME_F_SERVICE] = REQ,
                  DEADLINE,
          } },
        { SESAME_REQ_SESSION,
          {
                  [SESAME_F_LOGIN] = REQ,
                  [SESAME_F_SERVICE] = REQ,
                  [SESAME_F_ACTION] = REQ,
                  [SESAME_F_RHOST] = OPT,
                  [SESAME_F_TTY] = OPT,
                  DEADLINE,
          } },
        { SESAME_REQ_WEB_RESET_REQUEST, { [SESAME_F_LOGIN] = REQ, [SESAME_F_RHOST] = OPT, DEADLINE } },
        { SESAME_REQ_WEB_RESET_CHECK, { [SESAME_F_TOKEN] = REQ, DEADLINE } },
        { SESAME_REQ_WEB_RESET_REDEEM,
          { [SESAME_F_TOKEN] = REQ, [SESAME_F_NEWPASSWORD] = REQ, [SESAME_F_RHOST] = OPT, DEADLINE } },
        { SESAME_REQ_WEB_CONFIRM_REQUEST, { [SESAME_F_LOGIN] = REQ, [SESAME_F_RHOST] = OPT, DEADLINE } },
        { SESAME_REQ_WEB_CONFIRM_REDEEM, { [SESAME_F_TOKEN] = REQ, [SESAME_F_RHOST] = OPT, DEADLINE } },
        { SESAME_REQ_WEB_REGISTER,
          { [SESAME_F_LOGIN] = REQ, [SESAME_F_MAIL] = REQ, [SESAME_F_NEWPASSWORD] = REQ, [SESAME_F_RHOST] = OPT,
            DEADLINE } },
        { SESAME_ANS_END,
          {
                  [SESAME_F_STATUS] = REQ,
                  [SESAME_F_MESSAGE] = OPT,
                  [SESAME_F_REASON] = OPT,
                  [SESAME_F_LOCKED_UNTIL] = OPT,
          } },
        { SESAME_ANS_USER, { [SESAME_F_NAME] = REQ } },
        { SESAME_ANS_USERINFO,
          {
                  [SESAME_F_NAME] = REQ,
                  [SESAME_F_UID] = REQ,
                  [SESAME_F_MAIL] = OPT,
                  [SESAME_F_FLAGS] = REQ,
                  [SESAME_F_ROLE] = REP,
                  [SESAME_F_LAST_LOGIN] = OPT,
                  [SESAME_F_LOGIN_COUNT] = OPT,
                  [SESAME_F_FAILURES] = OPT,
                  [SESAME_F_LOCKED_UNTIL] = OPT,
                  [SESAME_F_TOTP_ALG] = OPT,
                  [SESAME_F_TOTP_DIGITS] = OPT,
                  [SESAME_F_RECOVERY_LEFT] = OPT,
          } },
        { SESAME_ANS_TOTP, { [SESAME_F_NAME] = REQ, [SESAME_F_SECRET] = REQ, [SESAME_F_URI] = REQ } },
        { SESAME_ANS_CODES, { [SESAME_F_CODE] = REP } },
        { SESAME_ANS_PASSWD,
          {
                  [SESAME_F_NAME] = REQ,
                  [SESAME_F_PASSWD] = REQ,
                  [SESAME_F_UID] = REQ,
                  [SESAME_F_GID] = REQ,
                  [SESAME_F_GECOS] = REQ,
                  [SESAME_F_HOME] = REQ,
                  [SESAME_F_SHELL] = REQ,
          } },
        { SESAME_ANS_GROUP,
          {
                  [SESAME_F_NAME] = REQ,
                  [SESAME_F_PASSWD] = REQ,
                  [SESAME_F_GID] = REQ,
                  [SESAME_F_MEMBER] = REP,
          } },
        { SESAME_ANS_MEMBERS, { [SESAME_F_MEMBER] = REP } },
        { SESAME_ANS_GIDS, { [SESAME_F_GID] = REP } },
};

#undef REQ
#undef OPT
#undef REP
#undef DEADLINE

static const struct op_schema *schema_find(uint16_t opcode)
{
        for (size_t i = 0; i < ELEMENTSOF(op_table); i++)
                if (op_table[i].opcode == opcode)
                        return &op_table[i];
        return NULL;
}

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

bool utf8_valid(const uint8_t *s, size_t len)
{
        size_t i = 0;

        while (i < len) {
                uint8_t c = s[i];
                uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the 2nd byte */
                size_t n;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                /* RFC 3629 table 3.9: the second byte's range is what rules
                 * out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4);
                 * C0, C1 and F5..FF never start a valid sequence. */
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1;
                else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        if (c == 0xe0)
                                lo = 0xa0;
                        else if (c == 0xed)
                                hi = 0x9f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        if (c == 0xf0)
                                lo = 0x90;
                        else if (c == 0xf4)
                                hi = 0x8f;
                } else
                        return false;

                if (len - i - 1 < n)
                        return false;
                if (s[i + 1] < lo || s[i + 1] > hi)
                        return false;
                for (size_t k = 2; k <= n; k++)
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                i += n + 1;
        }
        return true;
}

/* Type, size and content of one value: shared by the decoder and the
 * encoder, so the encoder refuses exactly what the decoder would. */
static int check_value(uint16_t tag, const uint8_t *val, size_t len)
{
        const struct tag_info *ti;

        if (tag == 0 || tag > SESAME_F__MAX)
                return SESAME_E_UNKNOWN_FIELD;
        ti = &tag_table[tag];
        switch (ti->type) {
        case T_U32:
                return len == 4 ? 0 : SESAME_E_FIELD_SIZE;
        case T_STR:
                if (len > ti->max)
                        return SESAME_E_FIELD_SIZE;
                /* one pass for the usual value, printable ASCII; the
                 * checks tell what is wrong with any other */
                for (size_t i = 0; i < len; i++)
                        if (val[i] == 0 || val[i] >= 0x80)
                                goto slow;
                return 0;
        slow:
                if (memchr(val, 0, len))
                        return SESAME_E_NUL;
                if (!utf8_valid(val, len))
                        return SESAME_E_UTF8;
                return 0;
        default:
                return SESAME_E_UNKNOWN_FIELD;
        }
}

/* One field at *off of the @len bytes of fields at @p; advances *off. */
static int decode_field(const struct op_schema *sc, const uint8_t *p, size_t len, size_t *off,
                        uint64_t *seen)
{
        uint16_t tag, flen;
        uint8_t flags;

        /* *off <= len always holds, so the subtractions cannot wrap */
        if (len - *off < 4)
                return SESAME_E_TRUNCATED;
        tag = rd16(p + *off);
        flen = rd16(p + *off + 2);
        if (len - *off - 4 < flen)
                return SESAME_E_TRUNCATED;

        if (tag == 0 || tag > SESAME_F__MAX)
                return SESAME_E_UNKNOWN_FIELD;
        flags = sc->fields[tag];
        if (!(flags & FLD_ALLOWED))
                return SESAME_E_UNKNOWN_FIELD;
        if ((*seen & (UINT64_C(1) << tag)) && !(flags & FLD_REPEATABLE))
                return SESAME_E_DUP_FIELD;
        *seen |= UINT64_C(1) << tag;

        int r = check_value(tag, p + *off + 4, flen);
        if (r != 0)
                return r;
        *off += 4 + (size_t)flen;
        return 0;
}

int proto_decode(const uint8_t *body, size_t len, struct proto_msg *ret)
{
        const struct op_schema *sc;
        const uint8_t *fields;
        uint16_t opcode, nfields;
        uint64_t seen = 0;
        size_t flen, off = 0;
        int r;

        if (len < SESAME_HDR_LEN)
                return SESAME_E_SHORT;
        if (len > SESAME_FRAME_MAX)
                return SESAME_E_OVERSIZE;
        if (rd16(body) != SESAME_PROTO_VERSION)
                return SESAME_E_VERSION;
        opcode = rd16(body + 2);
        sc = schema_find(opcode);
        if (!sc)
                return SESAME_E_OPCODE;
        nfields = rd16(body + 4);

        fields = body + SESAME_HDR_LEN;
        flen = len - SESAME_HDR_LEN;
        for (unsigned i = 0; i < nfields; i++) {
                r = decode_field(sc, fields, flen, &off, &seen);
                if (r != 0)
                        return r;
        }
        if (off != flen)
                return SESAME_E_TRAILING;

        for (unsigned tag = 1; tag <= SESAME_F__MAX; tag++)
                if ((sc->fields[tag] & FLD_REQUIRED) && !(seen & (UINT64_C(1) << tag)))
                        return SESAME_E_MISSING_FIELD;

        *ret = (struct proto_msg){
                .opcode = opcode,
                .nfields = nfields,
                .body = fields,
                .len = flen,
        };
        return 0;
}

void proto_iter_init(struct proto_iter *it, const struct proto_msg *msg)
{
        *it = (struct proto_iter){ .msg = msg };
}

bool proto_iter_next(struct proto_iter *it, struct proto_field *ret)
{
        const struct proto_msg *m = it->msg;
        uint16_t flen;

        /* The decoder validated the layout; the bounds checks stay anyway
         * so a forged or stale proto_msg cannot walk off the frame. */
        if (it->i >= m->nfields || it->off > m->len || m->len - it->off < 4)
                return false;
        flen = rd16(m->body + it->off + 2);
        if (m->len - it->off - 4 < flen)
                return false;
        ret->tag = rd16(m->body + it->off);
        ret->len = flen;
        ret->val = m->body + it->off + 4;
        it->off += 4 + (size_t)flen;
        it->i++;
        return true;
}

bool proto_find(const struct proto_msg *msg, uint16_t tag, struct proto_field *ret)
{
        struct proto_iter it;
        struct proto_field f;

        proto_iter_init(&it, msg);
        while (proto_iter_next(&it, &f))
                if (f.tag == tag) {
                        *ret = f;
                        return true;
                }
        return false;
}

uint32_t proto_field_u32(const struct proto_field *f)
{
        /* Only U32 tags are guaranteed 4 bytes; never read past a shorter
         * value handed in by mistake. */
        if (f->len != 4)
                return 0;
        return rd32(f->val);
}

int proto_field_str(const struct proto_field *f, char *buf, size_t size)
{
        if (size == 0 || (size_t)f->len > size - 1)
                return -ERANGE;
        if (f->len > 0)
                memcpy(buf, f->val, f->len);
        buf[f->len] = '\0';
        return 0;
}

uint32_t proto_get_u32(const struct proto_msg *msg, uint16_t tag, uint32_t def)
{
        struct proto_field f;

        if (!proto_find(msg, tag, &f) || f.len != 4)
                return def;
        return rd32(f.val);
}

/* Header bytes in front of the first field: the length word plus
 * version/opcode/nfields. */
#define FRAME_PREFIX (4 + SESAME_HDR_LEN)

void proto_begin(struct proto_writer *w, uint8_t *buf, size_t cap, uint16_t opcode)
{
        /* Never more than a whole frame, whatever the buffer. */
        *w = (struct proto_writer){
                .buf = buf,
                .cap = MIN(cap, (size_t)SESAME_BUF_MAX),
                .len = FRAME_PREFIX,
                .opcode = opcode,
        };
        /* A buffer too small for the header makes every put return
         * SESAME_E_FULL and proto_end() fail; nothing is written to it. */
        if (w->cap < FRAME_PREFIX)
                return;
        wr32(buf, 0);
        wr16(buf + 4, SESAME_PROTO_VERSION);
        wr16(buf + 6, opcode);
        wr16(buf + 8, 0);
}

/* Validate, then append one field; the frame is untouched on any error. */
static int put_field(struct proto_writer *w, uint16_t tag, uint8_t type, const uint8_t *val,
                     size_t len)
{
        const struct op_schema *sc;
        int r;

        if (tag == 0 || tag > SESAME_F__MAX || tag_table[tag].type == T_NONE)
                return SESAME_E_UNKNOWN_FIELD;
        /* A STR put on a U32 tag (or vice versa) is a bug in the caller,
         * not something the peer could send: -EINVAL. */
        if (tag_table[tag].type != type)
                return -EINVAL;
        /* Refuse a tag the opcode does not allow now rather than at
         * proto_end(), when the caller can no longer tell which put was
         * wrong.  An unknown opcode is left for proto_end(). */
        sc = schema_find(w->opcode);
        if (sc && !(sc->fields[tag] & FLD_ALLOWED))
                return SESAME_E_UNKNOWN_FIELD;
        r = check_value(tag, val, len);
        if (r != 0)
                return r;

        if (w->len > w->cap || w->cap - w->len < proto_field_cost(len) ||
            w->nfields == UINT16_MAX)
                return SESAME_E_FULL;

        wr16(w->buf + w->len, tag);
        wr16(w->buf + w->len + 2, (uint16_t)len);
        if (len > 0)
                memcpy(w->buf + w->len + 4, val, len);
        w->len += proto_field_cost(len);
        w->nfields++;
        return 0;
}

int proto_put_strn(struct proto_writer *w, uint16_t tag, const char *s, size_t len)
{
        if (!s && len > 0)
                return -EINVAL;
        return put_field(w, tag, T_STR, (const uint8_t *)s, len);
}

int proto_put_str(struct proto_writer *w, uint16_t tag, const char *s)
{
        if (!s)
                return -EINVAL;
        /* strnlen: one byte over any tag's maximum is enough to refuse, and
         * never scans a huge string in full. */
        return proto_put_strn(w, tag, s, strnlen(s, UINT16_MAX + 1));
}

int proto_put_u32(struct proto_writer *w, uint16_t tag, uint32_t v)
{
        uint8_t b[4];

        wr32(b, v);
        return put_field(w, tag, T_U32, b, sizeof(b));
}

int proto_end(struct proto_writer *w, size_t *ret_len)
{
        struct proto_msg m;
        int r;

        if (w->cap < FRAME_PREFIX || w->len > w->cap)
                return SESAME_E_FULL;
        wr32(w->buf, (uint32_t)(w->len - 4));
        wr16(w->buf + 8, w->nfields);
        /* The same checks a receiver makes: an invalid frame (missing
         * required field, duplicate, unknown opcode) is never sent. */
        r = proto_decode(w->buf + 4, w->len - 4, &m);
        if (r != 0)
                return r;
        if (ret_len)
                *ret_len = w->len;
        return 0;
}

/* Wait for @events on @fd until @deadline: 1 when poll() reported
 * something (in *revents, which may be POLLHUP/POLLERR), or -errno. */
static int wait_fd(int fd, short events, int64_t deadline, short *revents)
{
        struct pollfd pfd = { .fd = fd, .events = events };

        for (;;) {
                int r = poll(&pfd, 1, ms_left(deadline));

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        return -ETIMEDOUT;
                if (pfd.revents & POLLNVAL)
                        return -EBADF;
                *revents = pfd.revents;
                return 1;
        }
}

int proto_wait(int fd, short events, int64_t deadline)
{
        short rev = 0;
        int r = wait_fd(fd, events, deadline, &rev);

        return r < 0 ? r : 0;
}

int proto_send(int fd, const uint8_t *frame, size_t len, int64_t deadline)
{
        size_t done = 0;

        while (done < len) {
                /* MSG_DONTWAIT: on a blocking socket a large send() would
                 * otherwise sleep in the kernel past the deadline. */
                ssize_t n = send(fd, frame + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
                short rev = 0;
                int r;

                if (n > 0) {
                        done += (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                /* no room: wait for it */
                r = wait_fd(fd, POLLOUT, deadline, &rev);
                if (r < 0)
                        return r;
                /* POLLERR: let send() report the actual error. */
                if ((rev & POLLHUP) && !(rev & POLLERR))
                        return -EPIPE;
        }
        return 0;
}

/* Reads what is there, at most @cap bytes, waiting until @deadline for
 * the first: 0 with *@got > 0; 1 at EOF; or -errno (-ETIMEDOUT). */
static int recv_some(int fd, uint8_t *buf, size_t cap, int64_t deadline, size_t *got)
{
        *got = 0;
        for (;;) {
                /* POLLHUP may come with data still queued: recv() tells
                 * data, EOF (0) or the error apart. */
                ssize_t k = recv(fd, buf, cap, MSG_DONTWAIT);
                short rev = 0;
                int r;

                if (k > 0) {
                        *got = (size_t)k;
                        return 0;
                }
                if (k == 0)
                        return 1;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                /* nothing yet: wait for it */
                r = wait_fd(fd, POLLIN, deadline, &rev);
                if (r < 0)
                        return r;
        }
}

/*
 * Read exactly @n bytes.  Returns 0, -errno, or 1 on EOF with the bytes
 * read so far in *got (the caller decides whether that is a clean end).
 */
static int recv_exact(int fd, uint8_t *buf, size_t n, int64_t deadline, size_t *got)
{
        *got = 0;
        while (*got < n) {
                size_t k = 0;
                int r = recv_some(fd, buf + *got, n - *got, deadline, &k);

                if (r != 0)
                        return r;
                *got += k;
        }
        return 0;
}

int proto_split(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret)
{
        uint32_t flen;
        int r;

        if (*off >= len)
                return SESAME_E_EOF;
        if (len - *off < 4)
                return SESAME_E_TRUNCATED;
        flen = rd32(buf + *off);
        if (flen > len - *off - 4)
                return SESAME_E_TRUNCATED;
        r = proto_decode(buf + *off + 4, flen, ret);
        if (r == 0)
                *off += 4 + (size_t)flen;
        return r;
}

/* The rules for a length word, for proto_recv() and proto_frame_len(). */
static int check_len(uint32_t flen, size_t cap)
{
        if (flen > SESAME_FRAME_MAX)
                return SESAME_E_OVERSIZE;
        if (flen < SESAME_HDR_LEN)
                return SESAME_E_SHORT;
        if (cap < 4 || cap - 4 < flen)
                return SESAME_E_OVERSIZE;
        return 0;
}

int proto_frame_len(const uint8_t *buf, size_t have, size_t cap, size_t *ret)
{
        int r;

        *ret = 0;
        if (have < 4)
                return 0;
        r = check_len(rd32(buf), cap);
        if (r != 0)
                return r;
        *ret = 4 + (size_t)rd32(buf);
        return 0;
}

int proto_recv(int fd, uint8_t *buf, size_t cap, struct proto_msg *ret, int64_t deadline)
{
        uint8_t lenw[4];
        uint32_t flen;
        size_t got;
        int r;

        r = recv_exact(fd, lenw, sizeof(lenw), deadline, &got);
        if (r < 0)
                return r;
        if (r > 0)
                return got == 0 ? SESAME_E_EOF : SESAME_E_TRUNCATED;

        /* Judge the length word before reading (or reserving) any body. */
        flen = rd32(lenw);
        r = check_len(flen, cap);
        if (r != 0)
                return r;
        memcpy(buf, lenw, sizeof(lenw));

        r = recv_exact(fd, buf + 4, flen, deadline, &got);
        if (r < 0)
                return r;
        if (r > 0)
                return SESAME_E_TRUNCATED;
        return proto_decode(buf + 4, flen, ret);
}

int proto_send_end(int fd, uint32_t status, const char *message, int64_t deadline)
{
        /* Sized for the largest END (STATUS + a full MESSAGE), not
         * SESAME_BUF_MAX: it lives on the stack of one of sesamed's
         * client threads. */
        uint8_t buf[FRAME_PREFIX + 4 + 4 + 4 + SESAME_TEXT_MAX];
        struct proto_writer w;
        size_t len;
        int r;

        proto_begin(&w, buf, sizeof(buf), SESAME_ANS_END);
        r = proto_put_u32(&w, SESAME_F_STATUS, status);
        if (r != 0)
                return r;
        if (message) {
                r = proto_put_str(&w, SESAME_F_MESSAGE, message);
                if (r != 0)
                        return r;
        }
        r = proto_end(&w, &len);
        if (r != 0)
                return r;
        return proto_send(fd, buf, len, deadline);
}

/* @r is a negative errno; never negated, so INT_MIN is harmless. */
static const char *errno_str(int r)
{
        switch (r) {
        case -ETIMEDOUT: return "timed out";
        case -EPIPE: return "broken pipe (peer closed)";
        case -ECONNRESET: return "connection reset by peer";
        case -ECONNREFUSED: return "connection refused";
        case -ENOENT: return "no such file or directory";
        case -EACCES: return "permission denied";
        case -EPERM: return "operation not permitted";
        case -EINTR: return "interrupted";
        case -EAGAIN: return "resource temporarily unavailable";
        case -ENOMEM: return "out of memory";
        case -EBADF: return "bad file descriptor";
        case -EINVAL: return "invalid argument";
        case -ERANGE: return "result out of range (buffer too small)";
        case -ENOTCONN: return "not connected";
        case -ENOTSOCK: return "not a socket";
        case -ENOBUFS: return "no buffer space available";
        case -EMSGSIZE: return "message too long";
        case -EIO: return "input/output error";
        default: return "system error";
        }
}

const char *proto_strerror(int r)
{
        if (r < 0)
                return errno_str(r);
        switch (r) {
        case 0: return "success";
        case SESAME_E_TRUNCATED: return "truncated frame";
        case SESAME_E_OVERSIZE: return "frame too large";
        case SESAME_E_SHORT: return "frame shorter than its header";
        case SESAME_E_VERSION: return "unsupported protocol version";
        case SESAME_E_OPCODE: return "unknown opcode";
        case SESAME_E_UNKNOWN_FIELD: return "field not allowed for this opcode";
        case SESAME_E_DUP_FIELD: return "duplicate field";
        case SESAME_E_MISSING_FIELD: return "required field missing";
        case SESAME_E_FIELD_SIZE: return "field has a bad size";
        case SESAME_E_NUL: return "string field contains a NUL byte";
        case SESAME_E_UTF8: return "string field is not valid UTF-8";
        case SESAME_E_TRAILING: return "trailing bytes after the last field";
        case SESAME_E_EOF: return "peer closed the connection";
        case SESAME_E_FULL: return "field does not fit in the frame";
        case SESAME_E_UNEXPECTED: return "unexpected frame in the answer";
        default: return "unknown protocol error";
        }
}

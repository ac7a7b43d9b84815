/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proto.c - the codec for sesame-proto.h: a strict decoder that only ever
 * looks inside [body, body + len), and an encoder that validates every
 * value before it touches the frame.  The deadline-bounded socket I/O is
 * proto-io.c's.
 *
 * This file is linked into libnss_sesame, which is loaded into every
 * process on the host: libc only, no allocation, no logging, and no
 * mutable globals (everything below is const), so it is thread-safe.
 */
#include <errno.h>
#include <string.h>

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

/* Whether @s holds only bytes 0x01..0x7f: valid UTF-8 without a NUL.
 * Eight bytes at a time: a byte with its high bit set, or a zero byte
 * (what the borrow of the subtraction leaves in its high bit), shows as
 * a high bit in the mask. */
static _always_inline_ bool plain_ascii(const uint8_t *s, size_t len)
{
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
        uint64_t bad = 0, w;
        size_t i = 0;

        if (len < 8) {
                for (; i < len; i++)
                        bad |= (uint64_t)(s[i] | (uint8_t)(s[i] == 0 ? 0x80 : 0));
                return (bad & highs) == 0;
        }
        for (; len - i >= 8; i += 8) {
                memcpy(&w, s + i, 8);
                bad |= w | ((w - ones) & ~w);
        }
        /* the last eight bytes, overlapping what was seen */
        if (i < len) {
                memcpy(&w, s + len - 8, 8);
                bad |= w | ((w - ones) & ~w);
        }
        return (bad & highs) == 0;
}

/* Type, size and content of one value: shared by the decoder and the
 * encoder, so the encoder refuses exactly what the decoder would. */
static _always_inline_ int check_value(uint16_t tag, const uint8_t *val, size_t len)
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
                /* the common case, names and numbers: valid at a glance */
                if (plain_ascii(val, len))
                        return 0;
                if (len > 0 && memchr(val, 0, len))
                        return SESAME_E_NUL;
                if (!utf8_valid(val, len))
                        return SESAME_E_UTF8;
                return 0;
        default:
                return SESAME_E_UNKNOWN_FIELD;
        }
}

/* One field at *off of the @len bytes of fields at @p into @f (what was
 * checked, each byte of tag and length read once); advances *off. */
static _always_inline_ int decode_field(const struct op_schema *sc, const uint8_t *p, size_t len, size_t *off,
                        uint64_t *seen, struct proto_field *f)
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
        *f = (struct proto_field){ .tag = tag, .len = flen, .val = p + *off + 4 };
        *off += 4 + (size_t)flen;
        return 0;
}

/* proto_decode(), with @fn (if any) called on each field once it passed
 * its checks. */
static int decode(const uint8_t *body, size_t len, struct proto_msg *ret, proto_field_fn fn, void *arg)
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
                struct proto_field f;
                r = decode_field(sc, fields, flen, &off, &seen, &f);
                if (r != 0)
                        return r;
                if (fn) {
                        r = fn(opcode, &f, arg);
                        if (r != 0)
                                return r;
                }
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

int proto_decode(const uint8_t *body, size_t len, struct proto_msg *ret)
{
        return decode(body, len, ret, NULL, NULL);
}

void proto_iter_init(struct proto_iter *it, const struct proto_msg *msg)
{
        *it = (struct proto_iter){ .msg = msg };
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

int proto_split(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret)
{
        return proto_split_fields(buf, len, off, ret, NULL, NULL);
}

/* The length word of the frame at @off in @buf, checked against what
 * @buf holds: 0 with *@ret_flen, or SESAME_E_EOF / SESAME_E_TRUNCATED. */
static int frame_at(const uint8_t *buf, size_t len, size_t off, uint32_t *ret_flen)
{
        if (off >= len)
                return SESAME_E_EOF;
        if (len - off < 4)
                return SESAME_E_TRUNCATED;
        *ret_flen = rd32(buf + off);
        if (*ret_flen > len - off - 4)
                return SESAME_E_TRUNCATED;
        return 0;
}

int proto_split_fields(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret, proto_field_fn fn,
                       void *arg)
{
        uint32_t flen;
        int r = frame_at(buf, len, *off, &flen);

        if (r != 0)
                return r;
        r = decode(buf + *off + 4, flen, ret, fn, arg);
        if (r == 0)
                *off += 4 + (size_t)flen;
        return r;
}

int proto_split_again(const uint8_t *buf, size_t len, size_t *off, struct proto_msg *ret)
{
        uint32_t flen;
        int r = frame_at(buf, len, *off, &flen);

        if (r != 0)
                return r;
        if (flen < SESAME_HDR_LEN)
                return SESAME_E_SHORT;
        const uint8_t *body = buf + *off + 4;
        *ret = (struct proto_msg){
                .opcode = rd16(body + 2),
                .nfields = rd16(body + 4),
                .body = body + SESAME_HDR_LEN,
                .len = flen - SESAME_HDR_LEN,
        };
        *off += 4 + (size_t)flen;
        return 0;
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * totp.c - RFC 6238 codes checked with liboath, the seeds, their base32
 * and otpauth:// forms, and the layout sealed into LDAP.
 *
 * Each step of the window is checked on its own (a liboath validate call
 * with window 0 at that step's time), so a replayed step that matches
 * never hides a later step that matches too; the comparison itself is
 * constant-time (sodium_memcmp in the callback).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "macro.h"
#include "sesame-proto.h"
#include "outcome.h"
#include "totp.h"

#define TOTP_DIGITS_MIN 6
#define TOTP_DIGITS_MAX 8
#define TOTP_PERIOD_MIN 10
#define TOTP_PERIOD_MAX 300
#define TOTP_WINDOW_MAX 10               /* [totp] window allows 0..10 */
#define TOTP_NOW_MAX (INT64_C(1) << 40)  /* far beyond any clock; keeps step * period exact */

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_status = -EIO;

static void oath_init_once(void)
{
        oath_status = oath_init() == OATH_OK ? 0 : -EIO;
}

int totp_init(void)
{
        (void)pthread_once(&oath_once, oath_init_once);
        return oath_status;
}

bool totp_code_syntax(const char *code, uint32_t digits)
{
        if (!code || digits == 0 || digits > SESAME_CODE_MAX)
                return false;
        for (uint32_t i = 0; i < digits; i++)
                if (code[i] < '0' || code[i] > '9')
                        return false; /* also stops at the NUL of a short code */
        return code[digits] == '\0';
}

size_t totp_seed_len(uint32_t alg)
{
        switch (alg) {
        case SESAME_ALG_SHA1:
                return 20;
        case SESAME_ALG_SHA256:
                return 32;
        case SESAME_ALG_SHA512:
                return 64;
        default:
                return 0;
        }
}

static const char *alg_name(uint32_t alg)
{
        switch (alg) {
        case SESAME_ALG_SHA1:
                return "SHA1";
        case SESAME_ALG_SHA256:
                return "SHA256";
        case SESAME_ALG_SHA512:
                return "SHA512";
        default:
                return NULL;
        }
}

static int alg_flags(uint32_t alg)
{
        return alg == SESAME_ALG_SHA256 ? OATH_TOTP_HMAC_SHA256 :
               alg == SESAME_ALG_SHA512 ? OATH_TOTP_HMAC_SHA512 : 0;
}

static bool params_valid(const struct totp_params *p)
{
        return p && totp_seed_len(p->alg) > 0 && p->digits >= TOTP_DIGITS_MIN &&
               p->digits <= TOTP_DIGITS_MAX && p->period >= TOTP_PERIOD_MIN && p->period <= TOTP_PERIOD_MAX;
}

struct code_cmp {
        const char *code;
        size_t digits;
};

/* liboath's strcmp-like callback: 0 on a match, positive otherwise. */
static int code_cmp(void *handle, const char *test_otp)
{
        const struct code_cmp *c = handle;

        if (!test_otp || strnlen(test_otp, c->digits + 1) != c->digits)
                return 1;
        return sodium_memcmp(c->code, test_otp, c->digits) == 0 ? 0 : 1;
}

/* 1 if @code is the code of @step, 0 if not, -EIO if liboath failed. */
static int check_step(const struct totp_params *p, const uint8_t *seed, size_t seed_len, struct code_cmp *c,
                      int64_t step)
{
        uint64_t counter = UINT64_MAX;
        int rc;

        rc = oath_totp_validate4_callback((const char *)seed, seed_len, (time_t)(step * p->period), p->period,
                                          0, p->digits, 0, NULL, &counter, alg_flags(p->alg), code_cmp, c);
        if (rc == OATH_INVALID_OTP)
                return 0;
        if (rc < 0)
                return -EIO;
        /* window 0: the only step tried is @step itself */
        return counter == (uint64_t)step ? 1 : -EIO;
}

int totp_check(const struct totp_params *p, const uint8_t *seed, size_t seed_len, const char *code,
               int64_t now, uint32_t window, int64_t last_step, int64_t *ret_step)
{
        struct code_cmp c;
        int64_t step;
        int r;

        if (!params_valid(p) || !seed || seed_len == 0 || seed_len > TOTP_SEED_MAX || now < 0 ||
            now > TOTP_NOW_MAX || window > TOTP_WINDOW_MAX || last_step < -1)
                return -EINVAL;
        if (!totp_code_syntax(code, p->digits))
                return -EINVAL;
        r = totp_init();
        if (r < 0)
                return r;

        c = (struct code_cmp){ .code = code, .digits = p->digits };
        step = now / p->period;
        /* oldest first: the earliest step that is not a replay wins, which
         * leaves the later codes of the window usable */
        for (int64_t s = step - (int64_t)window; s <= step + (int64_t)window; s++) {
                if (s < 0 || s <= last_step)
                        continue;
                r = check_step(p, seed, seed_len, &c, s);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (ret_step)
                                *ret_step = s;
                        return 0;
                }
        }
        return OUT_BAD_CREDENTIALS;
}

size_t totp_new_seed(uint32_t alg, uint8_t seed[TOTP_SEED_MAX])
{
        size_t n = totp_seed_len(alg);

        if (n == 0 || !seed)
                return 0;
        if (sodium_init() < 0)
                abort(); /* no randomness: nothing safe to return */
        randombytes_buf(seed, n);
        return n;
}

int totp_base32(const uint8_t *seed, size_t len, char *out, size_t size)
{
        char *b32 = NULL;
        size_t b32_len = 0, n;
        int r = 0;

        if (!seed || len == 0 || len > TOTP_SEED_MAX || !out)
                return -EINVAL;
        if (oath_base32_encode((const char *)seed, len, &b32, &b32_len) != OATH_OK || !b32)
                return -ENOMEM;
        n = b32_len;
        while (n > 0 && b32[n - 1] == '=')
                n--;
        if (n + 1 > size)
                r = -ERANGE;
        else {
                memcpy(out, b32, n);
                out[n] = '\0';
        }
        erase(b32, b32_len);
        free(b32);
        return r;
}

static bool unreserved(unsigned char ch)
{
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
               ch == '.' || ch == '_' || ch == '~';
}

/* RFC 3986 percent-encoding of everything but the unreserved characters. */
static void pct_encode(FILE *f, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (unreserved(ch))
                        fputc(ch, f);
                else {
                        fputc('%', f);
                        fputc(hex[ch >> 4], f);
                        fputc(hex[ch & 15], f);
                }
        }
}

static bool base32_text(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= '2' && *s <= '7')))
                        return false;
        return true;
}

char *totp_uri(const struct totp_params *p, const char *issuer, const char *account, const char *b32)
{
        char *s = NULL;
        size_t len = 0;
        FILE *f;

        if (!params_valid(p) || !issuer || !account || !b32 || strnlen(b32, TOTP_B32_MAX) >= TOTP_B32_MAX ||
            !base32_text(b32)) {
                errno = EINVAL;
                return NULL;
        }
        f = open_memstream(&s, &len);
        if (!f)
                return NULL;
        fputs("otpauth://totp/", f);
        pct_encode(f, issuer);
        fputc(':', f);
        pct_encode(f, account);
        fprintf(f, "?secret=%s&issuer=", b32);
        pct_encode(f, issuer);
        fprintf(f, "&algorithm=%s&digits=%u&period=%u", alg_name(p->alg), p->digits, p->period);
        if (ferror(f)) {
                (void)fclose(f);
                erase(s, len);
                free(s);
                errno = ENOMEM;
                return NULL;
        }
        if (fclose(f) != 0) {
                erase(s, len);
                free(s);
                errno = ENOMEM;
                return NULL;
        }
        return s;
}

size_t totp_pack(const struct totp_params *p, const uint8_t *seed, size_t seed_len, uint8_t out[TOTP_PACK_MAX])
{
        if (!params_valid(p) || !seed || !out || seed_len != totp_seed_len(p->alg))
                return 0;
        out[0] = (uint8_t)p->alg;
        out[1] = (uint8_t)p->digits;
        out[2] = (uint8_t)(p->period >> 8);
        out[3] = (uint8_t)(p->period & 0xff);
        memcpy(out + 4, seed, seed_len);
        return 4 + seed_len;
}

int totp_unpack(const uint8_t *in, size_t len, struct totp_params *p, uint8_t seed[TOTP_SEED_MAX],
                size_t *seed_len)
{
        struct totp_params q;
        size_t n;

        if (!in || !p || !seed || !seed_len || len < 4 || len > TOTP_PACK_MAX)
                return -EINVAL;
        q = (struct totp_params){
                .alg = in[0],
                .digits = in[1],
                .period = (uint32_t)in[2] << 8 | in[3],
        };
        n = totp_seed_len(q.alg);
        if (!params_valid(&q) || len - 4 != n)
                return -EINVAL;
        memcpy(seed, in + 4, n);
        *p = q;
        *seed_len = n;
        return 0;
}

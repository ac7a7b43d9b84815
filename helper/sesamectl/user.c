/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * user.c - sesamectl user show: an account's state as sesamed reports it
 * (ANS_USERINFO), as aligned lines or one JSON object.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "macro.h"
#include "proto.h"
#include "sesamectl.h"

/* The fields of ANS_USERINFO; an absent number is 0, an absent (or too
 * long) string "". */
struct user_info {
        char name[SESAME_NAME_MAX + 1], mail[SESAME_MAIL_MAX + 1];
        bool has_mail, has_alg, has_digits, has_last, has_until;
        bool locked, totp, pending;
        uint32_t flags, uid, alg, digits, last, until;
        uint32_t count, failures, left;
};

static void user_info_parse(const struct proto_msg *m, struct user_info *u)
{
        struct proto_field f;

        *u = (struct user_info){ 0 };
        field_str(m, SESAME_F_NAME, u->name, sizeof(u->name));
        u->has_mail = proto_find(m, SESAME_F_MAIL, &f);
        field_str(m, SESAME_F_MAIL, u->mail, sizeof(u->mail));
        u->uid = proto_get_u32(m, SESAME_F_UID, 0);
        u->flags = proto_get_u32(m, SESAME_F_FLAGS, 0);
        if ((u->has_alg = proto_find(m, SESAME_F_TOTP_ALG, &f)))
                u->alg = proto_field_u32(&f);
        if ((u->has_digits = proto_find(m, SESAME_F_TOTP_DIGITS, &f)))
                u->digits = proto_field_u32(&f);
        if ((u->has_last = proto_find(m, SESAME_F_LAST_LOGIN, &f)))
                u->last = proto_field_u32(&f);
        if ((u->has_until = proto_find(m, SESAME_F_LOCKED_UNTIL, &f)))
                u->until = proto_field_u32(&f);
        u->count = proto_get_u32(m, SESAME_F_LOGIN_COUNT, 0);
        u->failures = proto_get_u32(m, SESAME_F_FAILURES, 0);
        u->left = proto_get_u32(m, SESAME_F_RECOVERY_LEFT, 0);
        u->locked = u->flags & SESAME_UF_LOCKED;
        u->totp = u->flags & SESAME_UF_TOTP;
        u->pending = u->flags & SESAME_UF_TOTP_PENDING;
}

static const char *alg_name(uint32_t alg)
{
        switch (alg) {
        case SESAME_ALG_SHA1: return "sha1";
        case SESAME_ALG_SHA256: return "sha256";
        case SESAME_ALG_SHA512: return "sha512";
        default: return "unknown";
        }
}

/* --------------------------------------------------------------- JSON */

static void json_time(const char *key, bool have, uint32_t t)
{
        char buf[64], k[64];

        json_key(&J, key);
        if (have)
                json_string(&J, time_iso(t, buf, sizeof(buf)));
        else
                json_null(&J);
        snprintf(k, sizeof(k), "%s_epoch", key);
        json_key(&J, k);
        if (have)
                json_uint(&J, t);
        else
                json_null(&J);
}

/* @m: the frame, for its ROLE fields */
static void user_show_json(const struct user_info *u, const struct proto_msg *m)
{
        struct proto_field f;
        struct proto_iter it;

        json_object_begin(&J);
        json_key(&J, "status");
        json_string(&J, "ok");
        json_key(&J, "name");
        json_string(&J, u->name);
        json_key(&J, "uid");
        json_uint(&J, u->uid);
        json_key(&J, "mail");
        json_string(&J, u->has_mail ? u->mail : NULL);
        json_key(&J, "confirmed");
        json_bool(&J, u->flags & SESAME_UF_CONFIRMED);
        json_key(&J, "locked");
        json_bool(&J, u->locked);
        json_time("locked_until", u->locked && u->has_until, u->until);
        json_key(&J, "ppolicy_locked");
        json_bool(&J, u->flags & SESAME_UF_PPOLICY_LOCKED);
        json_key(&J, "disabled");
        json_bool(&J, u->flags & SESAME_UF_DISABLED);
        json_key(&J, "expired");
        json_bool(&J, u->flags & SESAME_UF_EXPIRED);
        json_key(&J, "clock_ahead");
        json_bool(&J, u->flags & SESAME_UF_CLOCK_AHEAD);
        json_key(&J, "pending");
        json_bool(&J, u->flags & SESAME_UF_PENDING);
        json_key(&J, "totp_enrolled");
        json_bool(&J, u->totp);
        json_key(&J, "totp_pending");
        json_bool(&J, u->pending);
        json_key(&J, "totp_algorithm");
        json_string(&J, (u->totp || u->pending) && u->has_alg ? alg_name(u->alg) : NULL);
        json_key(&J, "totp_digits");
        if ((u->totp || u->pending) && u->has_digits)
                json_uint(&J, u->digits);
        else
                json_null(&J);
        json_key(&J, "recovery_codes_left");
        json_uint(&J, u->left);
        json_key(&J, "roles");
        json_array_begin(&J);
        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f))
                if (f.tag == SESAME_F_ROLE)
                        json_stringn(&J, (const char *)f.val, f.len);
        json_array_end(&J);
        json_time("last_login", u->has_last, u->last);
        json_key(&J, "login_count");
        json_uint(&J, u->count);
        json_key(&J, "failures");
        json_uint(&J, u->failures);
        json_key(&J, "flags");
        json_uint(&J, u->flags);
        json_object_end(&J);
        json_finish(&J);
}

/* --------------------------------------------------------------- text */

static void show_line(const char *key, const char *fmt, ...) _printf_(2, 3);
static void show_line(const char *key, const char *fmt, ...)
{
        char k[32];
        va_list ap;

        snprintf(k, sizeof(k), "%s:", key);
        printf("%-16s", k);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static const char *yesno(bool b) { return b ? "yes" : "no"; }

static void show_totp(const struct user_info *u)
{
        char params[64] = "";

        if (u->has_alg && u->has_digits)
                snprintf(params, sizeof(params), " (%s, %u digits)", alg_name(u->alg), (unsigned)u->digits);
        else if (u->has_alg)
                snprintf(params, sizeof(params), " (%s)", alg_name(u->alg));
        if (u->totp && u->pending)
                show_line("totp", "yes%s; a new seed is pending", params);
        else if (u->totp)
                show_line("totp", "yes%s", params);
        else if (u->pending)
                show_line("totp", "pending%s, not activated yet", params);
        else
                show_line("totp", "no");
}

static void show_roles(const struct proto_msg *m)
{
        struct proto_field f;
        struct proto_iter it;
        bool any = false;

        printf("%-16s", "roles:");
        proto_iter_init(&it, m);
        while (proto_iter_next(&it, &f)) {
                if (f.tag != SESAME_F_ROLE)
                        continue;
                fputs(any ? ", " : "", stdout);
                put_safe(stdout, (const char *)f.val, f.len);
                any = true;
        }
        puts(any ? "" : "-");
}

/* The name and the mail are sanitised in place. */
static void user_show_text(struct user_info *u, const struct proto_msg *m)
{
        char when[64];

        sanitize(u->name);
        sanitize(u->mail);
        show_line("name", "%s", u->name);
        show_line("uid", "%u", (unsigned)u->uid);
        show_line("mail", "%s", u->has_mail ? u->mail : "-");
        show_line("confirmed", "%s", yesno(u->flags & SESAME_UF_CONFIRMED));
        if (u->locked && u->has_until)
                show_line("locked", "yes, until %s", time_local(u->until, when, sizeof(when)));
        else
                show_line("locked", "%s", yesno(u->locked));
        show_line("ppolicy locked", "%s", yesno(u->flags & SESAME_UF_PPOLICY_LOCKED));
        show_line("disabled", "%s", yesno(u->flags & SESAME_UF_DISABLED));
        if (u->flags & SESAME_UF_PENDING)
                show_line("pending", "yes: self-registered, no login until the address is confirmed");
        show_line("expired", "%s", yesno(u->flags & SESAME_UF_EXPIRED));
        if (u->flags & SESAME_UF_CLOCK_AHEAD)
                show_line("clock ahead", "yes: a lock or TOTP step was written by a clock far ahead, and is "
                                         "ignored (sesamectl unlock clears a lock)");
        show_totp(u);
        show_line("recovery codes", "%u left", (unsigned)u->left);
        show_roles(m);
        show_line("last login", "%s", u->has_last ? time_local(u->last, when, sizeof(when)) : "never");
        show_line("login count", "%u", (unsigned)u->count);
        show_line("failures", "%u", (unsigned)u->failures);
}

/* ------------------------------------------------------------ command */

int cmd_user_show(char **args)
{
        struct user_info u;
        struct answer a;
        int r;

        r = request_ok(SESAME_REQ_USER_SHOW, args[0], NULL, SESAME_ANS_USERINFO, &a);
        if (r != 0)
                return r;
        if (a.n != 1) {
                answer_free(&a);
                return fail(EXIT_UNREACHABLE, "unreachable", "bad answer from sesamed: %s",
                            "expected one account");
        }
        user_info_parse(&a.msg[0], &u);
        if (arg_json)
                user_show_json(&u, &a.msg[0]);
        else
                user_show_text(&u, &a.msg[0]);
        answer_free(&a);
        return EXIT_OK;
}

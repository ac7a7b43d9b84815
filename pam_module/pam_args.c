/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_args.c - option parsing for pam_sesame.so (see pam_sesame(8)).
 *
 * Strict: an unknown option or a bad value is an error the module reports
 * in every phase (PAM_SERVICE_ERR), so a typo in a pam.d file never
 * silently weakens a login (e.g. "totp=reqiured").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pam_args.h"
#include "proto.h"
#include "sesame-proto.h"
#include "util.h"

/* The value of "NAME=VALUE" if @arg starts with @name and '=', else NULL. */
static const char *opt_value(const char *arg, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(arg, name, n) != 0 || arg[n] != '=')
                return NULL;
        return arg + n + 1;
}

static int fail(char *err, size_t errsize, const char *what, const char *arg, const char *why)
{
        char q[160];

        (void)str_quote(arg, 100, q, sizeof(q));
        if (why)
                (void)snprintf(err, errsize, "%s %s: %s", what, q, why);
        else
                (void)snprintf(err, errsize, "%s %s", what, q);
        return -EINVAL;
}

/* One role name: what a group name in the directory can be. */
static bool role_valid(const char *s, size_t len)
{
        if (len == 0 || len > SESAME_NAME_MAX || !utf8_valid((const uint8_t *)s, len))
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c <= ' ' || c == 0x7f)
                        return false;
        }
        return true;
}

static int parse_roles(const char *v, struct pam_sesame_args *a)
{
        const char *p = v;

        for (;;) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                if (!role_valid(p, len))
                        return -EINVAL;
                if (a->n_roles >= PAM_SESAME_ROLES_MAX)
                        return -E2BIG;
                a->roles[a->n_roles++] = (struct pam_sesame_role){ p, len };
                if (!comma)
                        return 0;
                p = comma + 1;
        }
}

static bool prompt_valid(const char *s)
{
        size_t len = strlen(s);

        return len > 0 && len <= PAM_SESAME_PROMPT_MAX;
}

int pam_sesame_parse_args(int argc, const char **argv, struct pam_sesame_args *ret, char *err, size_t errsize)
{
        struct pam_sesame_args a = {
                .totp_mode = SESAME_TOTP_REQUIRED,
                .timeout_s = PAM_SESAME_TIMEOUT_DEFAULT,
        };

        if (errsize)
                err[0] = '\0';
        for (int i = 0; i < argc; i++) {
                const char *arg = argv[i], *v;

                if (!arg)
                        return fail(err, errsize, "missing option", "", NULL);
                if (strcmp(arg, "debug") == 0)
                        a.debug = true;
                else if (strcmp(arg, "use_first_pass") == 0)
                        a.use_first_pass = true;
                else if (strcmp(arg, "try_first_pass") == 0)
                        a.try_first_pass = true;
                else if (strcmp(arg, "use_authtok") == 0)
                        a.use_authtok = true;
                else if ((v = opt_value(arg, "totp"))) {
                        if (strcmp(v, "required") == 0)
                                a.totp_mode = SESAME_TOTP_REQUIRED;
                        else if (strcmp(v, "optional") == 0)
                                a.totp_mode = SESAME_TOTP_OPTIONAL;
                        else if (strcmp(v, "off") == 0)
                                a.totp_mode = SESAME_TOTP_OFF;
                        else
                                return fail(err, errsize, "bad value in option", arg,
                                            "expected totp=required, totp=optional or totp=off");
                } else if ((v = opt_value(arg, "timeout"))) {
                        if (parse_u32(v, PAM_SESAME_TIMEOUT_MIN, PAM_SESAME_TIMEOUT_MAX, &a.timeout_s) < 0)
                                return fail(err, errsize, "bad value in option", arg,
                                            "expected a number of seconds from 1 to 60");
                } else if ((v = opt_value(arg, "require_role"))) {
                        int r = parse_roles(v, &a);
                        if (r == -E2BIG)
                                return fail(err, errsize, "bad value in option", arg,
                                            "more than 32 roles in all");
                        if (r < 0)
                                return fail(err, errsize, "bad value in option", arg,
                                            "expected group names separated by commas");
                } else if ((v = opt_value(arg, "password_prompt"))) {
                        if (!prompt_valid(v))
                                return fail(err, errsize, "bad value in option", arg,
                                            "expected 1 to 256 bytes of text");
                        a.password_prompt = v;
                } else if ((v = opt_value(arg, "code_prompt"))) {
                        if (!prompt_valid(v))
                                return fail(err, errsize, "bad value in option", arg,
                                            "expected 1 to 256 bytes of text");
                        a.code_prompt = v;
                } else
                        return fail(err, errsize, "unknown option", arg, NULL);
        }
        *ret = a;
        return 0;
}

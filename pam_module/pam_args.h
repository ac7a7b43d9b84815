/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_args.h - the options of pam_sesame.so (the words after the module
 * name in a pam.d line).  No PAM calls here, so the parser can be unit
 * tested on its own.
 */
#ifndef SESAME_PAM_ARGS_H
#define SESAME_PAM_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* require_role= alternatives, over all require_role options */
#define PAM_SESAME_ROLES_MAX 32
/* timeout=SECONDS */
#define PAM_SESAME_TIMEOUT_MIN 1
#define PAM_SESAME_TIMEOUT_MAX 60
#define PAM_SESAME_TIMEOUT_DEFAULT 10
/* password_prompt= and code_prompt= (PAM_MAX_MSG_SIZE is 512) */
#define PAM_SESAME_PROMPT_MAX 256

/* A role: a view into the option string it came from. */
struct pam_sesame_role {
        const char *name;
        size_t len;
};

struct pam_sesame_args {
        bool debug;
        bool use_first_pass;
        bool try_first_pass;
        bool use_authtok;
        uint32_t totp_mode; /* SESAME_TOTP_* */
        uint32_t timeout_s;
        const char *password_prompt; /* NULL: the (translated) default */
        const char *code_prompt;     /* NULL: the (translated) default */
        size_t n_roles;
        struct pam_sesame_role roles[PAM_SESAME_ROLES_MAX];
};

/*
 * Parse @argv into @ret (defaults first; a later option overrides an
 * earlier one, require_role= options add up).  The result points into
 * @argv.  On an unknown option or a bad value returns -EINVAL and puts a
 * one-line description (user text quoted) into @err; @ret is then not
 * usable.
 */
int pam_sesame_parse_args(int argc, const char **argv, struct pam_sesame_args *ret, char *err, size_t errsize)
        __attribute__((warn_unused_result));

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-dir.h - an in-memory directory for unit tests of sesamed's
 * handlers.
 *
 * fake-dir.c defines the functions of dir.c, accounts.c and the I/O half
 * of state.c (state.c) that the login handlers call, so a test that links
 * it before libsesamed never pulls those objects, nor libldap's work, out
 * of the archive (link-time substitution).  The decisions stay real: the
 * failure window is state-rules.c's, the TOTP check totp.c's, the seals
 * seal.c's.
 *
 * Each entry holds what the directory would: its password, its roles and
 * its sesameAccount state.  The handlers change it only through the
 * functions above, as they would change slapd.
 */
#ifndef SESAME_FAKE_DIR_H
#define SESAME_FAKE_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "accounts.h"
#include "state.h"

#define FAKE_ROLES_MAX 4

struct fake_entry {
        char name[64];
        char dn[128];
        char password[128];
        uint32_t uid, gid;
        const char *roles[FAKE_ROLES_MAX]; /* groups that list it as a member */
        /* its state as stored; its strings are malloc'd and freed by
         * fake_reset(), and state_read() hands out copies */
        struct acct_state st;
        /* what the handlers did to it */
        unsigned binds, attempts_counted, resets, token_stamps, passwd_changes, probes;
};

struct fake_dir {
        bool unavail;     /* every call answers OUT_UNAVAIL */
        bool readonly;    /* every write of state answers OUT_ACCESS (an ACL) */
        const char *reject_newpw; /* dir_passwd refuses this new password (policy) */
        /* called by dir_user_bind() before it answers: what other logins
         * do to the entry while this one's bind is under way */
        void (*during_bind)(struct fake_entry *e);
        bool roles_unavail; /* acct_has_role() alone answers OUT_UNAVAIL */
        unsigned role_checks; /* acct_has_role() calls: directory searches */
};

extern struct fake_dir fake_dir;

/* Forget every entry and setting. */
void fake_reset(void);
/* A new entry uid=@name,ou=people,dc=example,dc=com with @password. */
struct fake_entry *fake_add(const char *name, const char *password, uint32_t uid);
/* The account as dispatch.c would hand it to a handler. */
void fake_pwrec(const struct fake_entry *e, struct pwrec *ret);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * accounts.h - users and groups as NSS sees them, read from the directory.
 *
 * Every entry is checked before it is served, and dropped (with a log
 * line) when it does not fit passwd(5)/group(5): a name that is empty or
 * has ':', ',', blanks or control characters; an id that is not a decimal
 * number in 0..2^32-2; a uid below min_uid or a group gid below min_gid;
 * ':' or a newline in any field.  Entries whose name or id exists in the
 * local files are dropped too (local accounts win).  Name lookups match
 * the name exactly (LDAP compares uid case-insensitively; "ALICE" must not
 * return alice).  When several valid entries match a lookup by name, uid,
 * group name or gid, the first is served (and a warning logged).
 *
 * A lookup by email address is what logins by address use: the address is
 * compared by the directory (its equality rule for the mail attribute,
 * caseIgnoreIA5Match for mail), and an address that more than one valid
 * entry has is NOTFOUND (a warning is logged), never one of them: where
 * users may set their own mail, one who takes somebody else's address must
 * not get that person's logins bound against (and failures counted on)
 * their own entry.
 *
 * Functions return an outcome.h value: 0 (found), OUT_NOTFOUND (no such
 * valid entry, or an ambiguous address), what dir_search() returns
 * (OUT_UNAVAIL, OUT_LIMIT, OUT_LDAP), or -ENOMEM.
 */
#ifndef SESAMED_ACCOUNTS_H
#define SESAMED_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

struct sesame_conf;
struct dir;
struct localdb;

struct accounts {
        const struct sesame_conf *conf;
        struct dir *dir;
        struct localdb *local;
};

struct pwrec {
        char *name, *gecos, *home, *shell, *dn;
        char *mail; /* [map] mail; NULL when absent (not served through NSS) */
        uint32_t uid, gid;
};

struct grrec {
        char *name;
        uint32_t gid;
        char **members;
        size_t n_members;
};

void pwrec_done(struct pwrec *p);
void grrec_done(struct grrec *g);

/* A name sesamed will look up or serve. */
int valid_name(const char *s);

int acct_user_byname(struct accounts *a, const char *name, struct pwrec *ret);
int acct_user_byuid(struct accounts *a, uint32_t uid, struct pwrec *ret);
int acct_user_bymail(struct accounts *a, const char *mail, struct pwrec *ret);
int acct_group_byname(struct accounts *a, const char *name, struct grrec *ret);
int acct_group_bygid(struct accounts *a, uint32_t gid, struct grrec *ret);
/* The gids of the groups @name is a member of (not its primary group). */
int acct_initgroups(struct accounts *a, const char *name, uint32_t **ret_gids, size_t *ret_n);

/* Roles.  A role is a group as NSS serves it: @p has role @group when
 * the group exists and lists @p as a member or is @p's primary group.
 * 0 (has it), OUT_NOTFOUND (does not, or no such group), or a failure. */
int acct_has_role(struct accounts *a, const struct pwrec *p, const char *group);
/* The names of @p's groups: the primary group first (when it resolves),
 * then the groups listing @p as a member.  *ret_names is a malloc'd
 * array of malloc'd strings (free with strv_free()). */
int acct_user_groups(struct accounts *a, const struct pwrec *p, char ***ret_names, size_t *ret_n);
void strv_free(char **v, size_t n);

/*
 * Enumeration, page by page as the directory returns them: @cb is called
 * for every valid entry of a page, then @page (may be NULL) once the page
 * is done, before the next one is asked for; so the caller can pass each
 * page on while sesamed holds no more than one (dir_search_pages()).
 * Both return 0, or a negative errno that stops the enumeration and is
 * returned.  The rules of single lookups hold for each entry (valid
 * fields, min_uid/min_gid, local accounts win); two entries with the same
 * name or id are both served, as the directory has them: telling them
 * apart would take memory that grows with the directory.
 */
typedef int (*acct_pw_cb)(const struct pwrec *p, void *userdata);
typedef int (*acct_gr_cb)(const struct grrec *g, void *userdata);
typedef int (*acct_page_cb)(void *userdata);
int acct_user_enum(struct accounts *a, acct_pw_cb cb, acct_page_cb page, void *userdata);
int acct_group_enum(struct accounts *a, acct_gr_cb cb, acct_page_cb page, void *userdata);

#endif

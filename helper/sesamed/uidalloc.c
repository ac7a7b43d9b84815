/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uidalloc.c - uid numbers from the directory's counter (uidalloc.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "dir.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "outcome.h"
#include "uidalloc.h"
#include "util.h"

#define A_NEXT "sesameNextUid"
#define S(s) ((char *)(uintptr_t)(s))

static int counter_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        *(char **)userdata = dir_get_first(ld, e, A_NEXT);
        return 0;
}

static int count_entry(LDAP *ld _unused_, LDAPMessage *e _unused_, void *userdata)
{
        (*(unsigned *)userdata)++;
        return 0;
}

/* Whether an entry below the base has @uid: 0 (none), OUT_EXISTS, or a
 * search failure. */
static int uid_in_directory(struct dir *d, const struct sesame_conf *c, uint32_t uid)
{
        char filter[128], *attrs[] = { S("1.1"), NULL };
        unsigned n = 0;
        int r;

        (void)snprintf(filter, sizeof(filter), "(%s=%" PRIu32 ")", c->map_uid_number, uid);
        r = dir_search(d, c->base, LDAP_SCOPE_SUBTREE, filter, attrs, false, count_entry, &n);
        return r != 0 ? r : n > 0 ? OUT_EXISTS : 0;
}

/* One try at the counter: 0 and *@ret (the number this caller now owns);
 * OUT_CONFLICT when another taker got there first. */
static int take_one(struct dir *d, const struct sesame_conf *c, uint32_t *ret)
{
        _cleanup_free_ char *raw = NULL;
        char next_v[16];
        char *attrs[] = { S(A_NEXT), NULL }, *old_vals[] = { NULL, NULL }, *new_vals[] = { next_v, NULL };
        LDAPMod del = { LDAP_MOD_DELETE, S(A_NEXT), { old_vals } };
        LDAPMod add = { LDAP_MOD_ADD, S(A_NEXT), { new_vals } };
        LDAPMod *mods[3] = { NULL, NULL, NULL };
        uint32_t cur = c->web_register_uid_min;
        int r;

        r = dir_read(d, c->web_register_uid_counter, attrs, counter_entry, &raw);
        if (r == OUT_NOTFOUND) {
                log_error("[web] register_uid_counter = %s: no such entry (or not readable)",
                          c->web_register_uid_counter);
                return r;
        }
        if (r != 0)
                return r;
        if (raw && parse_u32(raw, 0, UINT32_MAX, &cur) < 0) {
                log_error("%s: %s = '%s' is not a number", c->web_register_uid_counter, A_NEXT, raw);
                return OUT_LDAP;
        }
        /* a counter set below the range starts at its bottom */
        cur = MAX(cur, c->web_register_uid_min);
        if (cur > c->web_register_uid_max) {
                log_error("the uid range of self-registration (%" PRIu32 "-%" PRIu32 ") is used up",
                          c->web_register_uid_min, c->web_register_uid_max);
                return OUT_LIMIT;
        }
        (void)snprintf(next_v, sizeof(next_v), "%" PRIu32, cur + 1);
        if (raw) {
                old_vals[0] = raw;
                mods[0] = &del;
                mods[1] = &add;
        } else
                mods[0] = &add;
        r = dir_modify(d, c->web_register_uid_counter, mods);
        /* the value read is gone (another taker deleted it), or another
         * taker added the first value: read again */
        if (r == OUT_NO_VALUE || r == OUT_EXISTS || r == OUT_CONSTRAINT)
                return OUT_CONFLICT;
        if (r == 0)
                *ret = cur;
        return r;
}

int uid_allocate(struct dir *d, const struct sesame_conf *c, struct localdb *local, uint32_t *ret_uid)
{
        for (unsigned i = 0; i < UIDALLOC_TRIES; i++) {
                uint32_t uid;
                int r = take_one(d, c, &uid);

                if (r == OUT_CONFLICT)
                        continue;
                if (r != 0)
                        return r;
                if (localdb_has_user(local, NULL, uid)) {
                        log_info("uid %" PRIu32 " is a local account's; skipped", uid);
                        continue;
                }
                r = uid_in_directory(d, c, uid);
                if (r == OUT_EXISTS) {
                        log_info("uid %" PRIu32 " is an entry's in the directory already; skipped", uid);
                        continue;
                }
                if (r != 0)
                        return r;
                *ret_uid = uid;
                return 0;
        }
        log_error("no free uid number after %d tries: too many registrations at once, or too many numbers "
                  "in use after the counter of %s",
                  UIDALLOC_TRIES, c->web_register_uid_counter);
        return OUT_LIMIT;
}

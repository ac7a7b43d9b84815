/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state-web.c - spending the token stamp (state-web.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dir.h"
#include "gentime.h"
#include "state-web.h"

#define S(s) ((char *)(uintptr_t)(s))

int state_spend_stamp(struct dir *d, struct acct_state *s, int64_t confirmed_at)
{
        uint8_t rnd[16];
        char hex[sizeof(rnd) * 2 + 1], when[GENTIME_FORMAT_LEN];
        char *oc_v[] = { S("sesameAccount"), NULL }, *old_v[] = { s->token_stamp, NULL };
        char *new_v[] = { hex, NULL }, *when_v[] = { when, NULL };
        LDAPMod oc = { LDAP_MOD_ADD, S("objectClass"), { oc_v } };
        LDAPMod del = { LDAP_MOD_DELETE, S("sesameTokenStamp"), { old_v } };
        LDAPMod add = { LDAP_MOD_ADD, S("sesameTokenStamp"), { new_v } };
        LDAPMod conf = { LDAP_MOD_REPLACE, S("sesameEmailConfirmed"), { when_v } };
        char *pend_v[] = { S("sesamePending"), NULL };
        LDAPMod unpend = { LDAP_MOD_DELETE, S("objectClass"), { pend_v } };
        LDAPMod *mods[6];
        size_t n = 0;
        char *copy;
        int r;

        randombytes_buf(rnd, sizeof(rnd));
        (void)sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        if (!s->has_class)
                mods[n++] = &oc;
        if (s->token_stamp)
                mods[n++] = &del;
        mods[n++] = &add;
        if (confirmed_at > 0) {
                gentime_format(confirmed_at, when);
                mods[n++] = &conf;
                /* a self-registered account is active from now on */
                if (s->pending)
                        mods[n++] = &unpend;
        }
        mods[n] = NULL;
        copy = strdup(hex);
        if (!copy)
                return -ENOMEM;
        r = dir_modify(d, s->dn, mods);
        /* the stamp is not what was read: another redeem (or a password
         * change) got there first; objectClass added meanwhile: likewise
         * somebody else wrote, and the token is not spent by this one */
        if (r == OUT_NO_VALUE || r == OUT_EXISTS || r == OUT_CONSTRAINT) {
                free(copy);
                return OUT_CONFLICT;
        }
        if (r != 0) {
                free(copy);
                return r;
        }
        free(s->token_stamp);
        s->token_stamp = copy;
        s->has_class = true;
        if (confirmed_at > 0) {
                s->confirmed = true;
                s->pending = false;
        }
        return 0;
}

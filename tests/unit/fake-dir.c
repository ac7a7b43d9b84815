/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-dir.c - an in-memory directory in place of dir.c, accounts.c and
 * state.c (see fake-dir.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dir.h"
#include "fake-dir.h"
#include "macro.h"
#include "outcome.h"
#include "util.h"
#include "websrv.h"

#define FAKE_MAX 16

struct fake_dir fake_dir;
static struct fake_entry entries[FAKE_MAX];
static size_t n_entries;

static void entry_done(struct fake_entry *e)
{
        /* the strings of the stored state are the fake's: state_done()
         * frees exactly what it owns */
        e->st.dn = NULL;
        state_done(&e->st);
}

void fake_reset(void)
{
        for (size_t i = 0; i < n_entries; i++)
                entry_done(&entries[i]);
        memset(entries, 0, sizeof(entries));
        n_entries = 0;
        fake_dir = (struct fake_dir){ 0 };
}

struct fake_entry *fake_add(const char *name, const char *password, uint32_t uid)
{
        struct fake_entry *e;

        if (n_entries >= FAKE_MAX)
                abort();
        e = &entries[n_entries++];
        *e = (struct fake_entry){ .uid = uid, .gid = uid, .st = { .last_step = -1 } };
        (void)snprintf(e->name, sizeof(e->name), "%s", name);
        (void)snprintf(e->dn, sizeof(e->dn), "uid=%s,ou=people,dc=example,dc=com", name);
        (void)snprintf(e->password, sizeof(e->password), "%s", password);
        e->st.dn = e->dn;
        return e;
}

void fake_pwrec(const struct fake_entry *e, struct pwrec *ret)
{
        *ret = (struct pwrec){ .name = (char *)(uintptr_t)e->name, .dn = (char *)(uintptr_t)e->dn,
                               .uid = e->uid, .gid = e->gid };
}

static struct fake_entry *by_dn(const char *dn)
{
        for (size_t i = 0; dn && i < n_entries; i++)
                if (strcmp(entries[i].dn, dn) == 0)
                        return &entries[i];
        return NULL;
}

/* ------------------------------------------------------------ dir.c */

int dir_user_bind(struct dir *d _unused_, const char *dn, const char *password, struct dir_ppolicy *ret_pp)
{
        struct fake_entry *e = by_dn(dn);

        if (ret_pp)
                *ret_pp = (struct dir_ppolicy){ .grace = -1, .expire_s = -1 };
        if (fake_dir.unavail)
                return OUT_UNAVAIL;
        if (!password || !*password)
                return OUT_BAD_CREDENTIALS; /* never an anonymous bind */
        if (!e)
                return OUT_BAD_CREDENTIALS;
        e->binds++;
        if (fake_dir.during_bind)
                fake_dir.during_bind(e);
        return strcmp(e->password, password) == 0 ? 0 : OUT_BAD_CREDENTIALS;
}

int dir_passwd(struct dir *d, const char *dn, const char *oldpw, const char *newpw, char *msg, size_t msgsize)
{
        struct fake_entry *e = by_dn(dn);
        int r = dir_user_bind(d, dn, oldpw, NULL);

        if (msg && msgsize)
                msg[0] = '\0';
        if (r != 0)
                return r;
        if (!newpw || !*newpw || (fake_dir.reject_newpw && strcmp(newpw, fake_dir.reject_newpw) == 0)) {
                (void)snprintf(msg, msgsize, "Password fails quality checking policy");
                return OUT_PASSWORD_POLICY;
        }
        (void)snprintf(e->password, sizeof(e->password), "%s", newpw);
        e->passwd_changes++;
        return 0;
}

/* ------------------------------------------------------------ accounts.c */

int acct_has_role(struct accounts *a _unused_, const struct pwrec *p, const char *group)
{
        struct fake_entry *e = by_dn(p->dn);

        fake_dir.role_checks++;
        if (fake_dir.unavail || fake_dir.roles_unavail)
                return OUT_UNAVAIL;
        for (size_t i = 0; e && i < FAKE_ROLES_MAX && e->roles[i]; i++)
                if (strcmp(e->roles[i], group) == 0)
                        return 0;
        return OUT_NOTFOUND;
}

/* ------------------------------------------------------------ state.c */

static char *dup_or_null(const char *s, int *r)
{
        char *c = s ? strdup(s) : NULL;

        if (s && !c)
                *r = -ENOMEM;
        return c;
}

int state_read(struct dir *d _unused_, const char *dn, struct acct_state *ret)
{
        struct fake_entry *e = by_dn(dn);
        int r = 0;

        *ret = (struct acct_state){ .last_step = -1 };
        if (fake_dir.unavail)
                return OUT_UNAVAIL;
        if (!e)
                return OUT_ACCESS;
        *ret = e->st;
        /* the handler's copy, as state.c would build it from the entry */
        ret->dn = dup_or_null(e->dn, &r);
        ret->token_stamp = dup_or_null(e->st.token_stamp, &r);
        ret->totp_secret = dup_or_null(e->st.totp_secret, &r);
        ret->totp_pending = dup_or_null(e->st.totp_pending, &r);
        ret->last_step_raw = NULL;
        ret->recovery = NULL;
        ret->n_recovery = 0;
        return r;
}

/* The entry of @s that a write may change: 0 and *ret, or what the
 * directory would answer instead. */
static int writable(const struct acct_state *s, struct fake_entry **ret)
{
        if (fake_dir.unavail)
                return OUT_UNAVAIL;
        *ret = by_dn(s->dn);
        if (!*ret)
                return OUT_NOTFOUND;
        return fake_dir.readonly ? OUT_ACCESS : 0;
}

/* The handler's copy @s of the failure state, from what is stored. */
static void copy_failures(const struct fake_entry *e, struct acct_state *s)
{
        s->has_failures = e->st.has_failures;
        s->failures = e->st.failures;
        s->has_failure_time = e->st.has_failure_time;
        s->failure_time = e->st.failure_time;
        s->has_locked_until = e->st.has_locked_until;
        s->locked_until = e->st.locked_until;
}

int state_count_attempt(struct dir *d _unused_, const struct sesame_conf *c, struct acct_state *s, int64_t now,
                        uint32_t *ret_count)
{
        struct fake_entry *e;
        struct failure_plan plan;
        int r = writable(s, &e);

        if (r != 0)
                return r;
        /* the rules are the real ones, applied to what is stored (the
         * directory's increment: what other logins counted meanwhile
         * is in it) */
        state_failure_plan(&e->st, c, now, &plan);
        e->attempts_counted++;
        e->st.has_failures = true;
        e->st.failures = plan.count;
        if (plan.new_window) {
                e->st.has_failure_time = true;
                e->st.failure_time = now;
                e->st.has_locked_until = false;
        }
        copy_failures(e, s);
        *ret_count = plan.count;
        return 0;
}

int state_probe_failures(struct dir *d _unused_, const char *dn)
{
        struct fake_entry *e = by_dn(dn);

        if (fake_dir.unavail)
                return OUT_UNAVAIL;
        if (!e)
                return OUT_NOTFOUND;
        e->probes++;
        return fake_dir.readonly ? OUT_ACCESS : 0;
}

int state_lock(struct dir *d _unused_, const struct sesame_conf *c, struct acct_state *s, int64_t now)
{
        struct fake_entry *e;
        int r = writable(s, &e);

        if (r != 0)
                return r;
        e->st.has_locked_until = s->has_locked_until = true;
        e->st.locked_until = s->locked_until = now + (int64_t)c->lockout_time;
        return 0;
}

int state_reset_failures(struct dir *d _unused_, struct acct_state *s)
{
        struct fake_entry *e;
        int r = writable(s, &e);

        if (r != 0)
                return r;
        if (s->has_failures && (!e->st.has_failures || e->st.failures != s->failures))
                return OUT_CONFLICT; /* counted again since the handler's count */
        e->resets++;
        e->st.has_failures = e->st.has_failure_time = e->st.has_locked_until = false;
        s->has_failures = s->has_failure_time = s->has_locked_until = false;
        return 0;
}

int state_cas_last_step(struct dir *d _unused_, struct acct_state *s, int64_t step)
{
        struct fake_entry *e = by_dn(s->dn);

        if (fake_dir.unavail)
                return OUT_UNAVAIL;
        if (!e)
                return OUT_NOTFOUND;
        if (e->st.last_step != s->last_step)
                return OUT_CONFLICT; /* another login took a step since the read */
        e->st.last_step = s->last_step = step;
        return 0;
}

int state_use_recovery(struct dir *d _unused_, struct acct_state *s _unused_, const char *hash _unused_)
{
        /* the fake's entries have no recovery codes: state_read() gives
         * none, so the handlers never get here */
        return OUT_CONFLICT;
}

int state_new_token_stamp(struct dir *d _unused_, struct acct_state *s)
{
        struct fake_entry *e = by_dn(s->dn);

        if (!e)
                return OUT_NOTFOUND;
        e->token_stamps++;
        return 0;
}

int state_track_login(struct dir *d _unused_, struct acct_state *s _unused_, int64_t now _unused_)
{
        return 0;
}

/* In place of websrv.c's (which would pull the real directory in through
 * the reset links): the fake's entries have no mail address, so no
 * notice is ever spooled, and no [web] user is needed. */
uid_t web_peer_uid(const struct daemon_ctx *x _unused_)
{
        return (uid_t)-1;
}

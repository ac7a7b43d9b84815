/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.c - read and write the sesameAccount state of one entry.  See
 * state.h for the rules; the attributes are in conf/schema/sesame.schema.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "dir.h"
#include "gentime.h"
#include "log.h"
#include "macro.h"
#include "state.h"
#include "util.h"

#define A_CLASS "objectClass"
#define A_DISABLED "sesameDisabled"
#define A_CONFIRMED "sesameEmailConfirmed"
#define A_STAMP "sesameTokenStamp"
#define A_SECRET "sesameTotpSecret"
#define A_PENDING "sesameTotpPending"
#define A_LASTSTEP "sesameTotpLastStep"
#define A_RECOVERY "sesameRecoveryCode"
#define A_FAILURES "sesameFailureCount"
#define A_FAILTIME "sesameFailureTime"
#define A_LOCKED "sesameLockedUntil"
#define A_LASTLOGIN "sesameLastLogin"
#define A_LOGINS "sesameLoginCount"
#define A_PPOLICY "pwdAccountLockedTime"
#define A_SHADOWEXPIRE "shadowExpire"
#define A_PWDRESET "pwdReset"
/* pwdAccountLockedTime of a lock that only an administrator lifts */
#define PPOLICY_ADMIN_LOCK "000001010000Z"
#define CLASS "sesameAccount"
/* a self-registered account until its address is confirmed (a value of
 * objectClass, which every rule can read: an access rule cannot make a
 * pending account look confirmed, and a directory without the class in
 * its schema simply has no pending accounts) */
#define PENDING_CLASS "sesamePending"

/* libldap takes char * where it only reads */
#define S(s) ((char *)(uintptr_t)(s))

/* ---------------------------------------------------------------- read */

static int parse_i64(const char *s, int64_t *ret)
{
        char *end;
        long long v;

        if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

static bool get_i64(LDAP *ld, LDAPMessage *e, const char *attr, int64_t *ret)
{
        _cleanup_free_ char *v = dir_get_first(ld, e, attr);

        if (!v)
                return false;
        if (parse_i64(v, ret) < 0) {
                log_warning("%s: not an integer, ignored", attr);
                return false;
        }
        return true;
}

static bool get_u32(LDAP *ld, LDAPMessage *e, const char *attr, uint32_t *ret)
{
        int64_t v;

        if (!get_i64(ld, e, attr, &v))
                return false;
        *ret = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
        return true;
}

static bool has_value(LDAP *ld, LDAPMessage *e, const char *attr, const char *value)
{
        struct berval **vals = ldap_get_values_len(ld, e, attr);
        bool found = false;

        for (size_t i = 0; vals && vals[i] && !found; i++)
                found = vals[i]->bv_len == strlen(value) && strncasecmp(vals[i]->bv_val, value, vals[i]->bv_len) == 0;
        ldap_value_free_len(vals);
        return found;
}

static bool present(LDAP *ld, LDAPMessage *e, const char *attr)
{
        struct berval **vals = ldap_get_values_len(ld, e, attr);
        bool p = vals && vals[0];

        ldap_value_free_len(vals);
        return p;
}

static int state_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct acct_state *s = userdata;
        struct berval **vals;
        _cleanup_free_ char *disabled = NULL, *logintime = NULL;

        s->has_class = has_value(ld, e, A_CLASS, CLASS);
        s->pending = has_value(ld, e, A_CLASS, PENDING_CLASS);
        disabled = dir_get_first(ld, e, A_DISABLED);
        s->disabled = disabled && strcasecmp(disabled, "TRUE") == 0;
        s->confirmed = present(ld, e, A_CONFIRMED);
        s->ppolicy_locked = present(ld, e, A_PPOLICY);
        s->ppolicy_admin_lock = has_value(ld, e, A_PPOLICY, PPOLICY_ADMIN_LOCK);
        s->must_change = has_value(ld, e, A_PWDRESET, "TRUE");
        s->has_shadow_expire = get_i64(ld, e, A_SHADOWEXPIRE, &s->shadow_expire) && s->shadow_expire >= 0;
        s->token_stamp = dir_get_first(ld, e, A_STAMP);
        s->totp_secret = dir_get_first(ld, e, A_SECRET);
        if (!s->totp_secret && present(ld, e, A_SECRET)) {
                /* there but unreadable (empty, NUL): a seed that cannot be
                 * opened, so codes are refused, not skipped */
                s->totp_secret = strdup("");
                if (!s->totp_secret)
                        return -ENOMEM;
        }
        s->totp_pending = dir_get_first(ld, e, A_PENDING);
        s->last_step_raw = dir_get_first(ld, e, A_LASTSTEP);
        if (!s->last_step_raw || parse_i64(s->last_step_raw, &s->last_step) < 0 || s->last_step < 0) {
                /* a value that is not a step: keep it for the CAS, but
                 * accept no step below a sane one */
                s->last_step = s->last_step_raw ? INT64_MAX : -1;
                if (s->last_step_raw)
                        log_warning("%s: %s is not a time step; refusing codes until it is fixed", s->dn,
                                    A_LASTSTEP);
        }
        vals = ldap_get_values_len(ld, e, A_RECOVERY);
        for (size_t i = 0; vals && vals[i]; i++) {
                char **nv;
                if (memchr(vals[i]->bv_val, '\0', vals[i]->bv_len))
                        continue;
                nv = realloc(s->recovery, (s->n_recovery + 1) * sizeof(*nv));
                if (!nv || !(nv[s->n_recovery] = strndup(vals[i]->bv_val, vals[i]->bv_len))) {
                        if (nv)
                                s->recovery = nv;
                        ldap_value_free_len(vals);
                        return -ENOMEM;
                }
                s->recovery = nv;
                s->n_recovery++;
        }
        ldap_value_free_len(vals);
        s->has_failures = get_u32(ld, e, A_FAILURES, &s->failures);
        s->has_failure_time = get_i64(ld, e, A_FAILTIME, &s->failure_time);
        s->has_locked_until = get_i64(ld, e, A_LOCKED, &s->locked_until);
        logintime = dir_get_first(ld, e, A_LASTLOGIN);
        s->has_last_login = logintime && gentime_parse(logintime, &s->last_login) == 0;
        s->has_login_count = get_u32(ld, e, A_LOGINS, &s->login_count);
        return 0;
}

/* Whether the entry came back: the filter of state_read() let it. */
struct state_search {
        struct acct_state *s;
        bool seen;
};

/* The entry came back (state_check_access(): nothing is read). */
static int probe_entry(LDAP *ld _unused_, LDAPMessage *e _unused_, void *userdata)
{
        ((struct state_search *)userdata)->seen = true;
        return 0;
}

static int state_search_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct state_search *q = userdata;

        if (q->seen)
                return 0;
        q->seen = true;
        return state_entry(ld, e, q->s);
}

/*
 * The filter of state_read(): true of every entry, for each attribute
 * the decisions need, "(|(A=*)(!(A=*)))", present or absent, but
 * Undefined where the service DN may not search it, which drops the
 * entry from the result.  So an attribute an access rule hides from
 * the service DN is never taken for an absent one: the state cannot be
 * read at all.  (pwdAccountLockedTime is not among them: without the
 * ppolicy overlay it is an unknown attribute, Undefined everywhere, and
 * the directory enforces its own lock at the bind anyway.)
 */
#define SEARCHABLE(a) "(|(" a "=*)(!(" a "=*)))"
static const char state_filter[] =
        "(&(objectClass=*)" SEARCHABLE(A_DISABLED) SEARCHABLE(A_CONFIRMED) SEARCHABLE(A_SHADOWEXPIRE)
        SEARCHABLE(A_SECRET) SEARCHABLE(A_LASTSTEP) SEARCHABLE(A_RECOVERY) SEARCHABLE(A_FAILURES)
        SEARCHABLE(A_FAILTIME) SEARCHABLE(A_LOCKED) ")";
#undef SEARCHABLE

int state_read(struct dir *d, const char *dn, struct acct_state *ret)
{
        char *attrs[] = { S(A_CLASS),    S(A_DISABLED),  S(A_CONFIRMED), S(A_STAMP),   S(A_SECRET),
                          S(A_PENDING),  S(A_LASTSTEP),  S(A_RECOVERY),  S(A_FAILURES), S(A_FAILTIME),
                          S(A_LOCKED),   S(A_LASTLOGIN), S(A_LOGINS),    S(A_PPOLICY),  S(A_SHADOWEXPIRE),
                          S(A_PWDRESET), NULL };
        struct state_search q = { .s = ret };
        int r;

        *ret = (struct acct_state){ .last_step = -1 };
        ret->dn = strdup(dn);
        if (!ret->dn)
                return -ENOMEM;
        r = dir_search(d, dn, LDAP_SCOPE_BASE, state_filter, attrs, false, state_search_entry, &q);
        if (r == OUT_NOTFOUND || (r == 0 && !q.seen)) {
                /* the entry was found by a lookup a moment ago: if its
                 * state cannot be read now (gone since, or an attribute
                 * hidden from the service DN), nothing about the account
                 * can be decided (never "no such user", which the account
                 * phase would pass) */
                log_warning("%s: its state cannot be read: the entry is gone, or an access rule hides one of "
                            "the attributes sesamed needs from the service DN (sesamectl check names them)",
                            dn);
                return OUT_ACCESS;
        }
        return r;
}

/* Append @name to the list in @msg. */
static void add_name(char *msg, size_t size, const char *name)
{
        size_t n = strlen(msg);

        (void)snprintf(msg + n, size - n, "%s%s", n && msg[n - 1] != ' ' ? ", " : "", name);
}

struct access_probe {
        const char *attr;
        const char *absent; /* a value of its syntax that no entry has */
};

int state_probe_failures(struct dir *d, const char *dn)
{
        char *v[] = { S("-1"), NULL };
        LDAPMod m[] = {
                { .mod_op = LDAP_MOD_DELETE, .mod_type = S(A_FAILURES), .mod_values = v },
                { .mod_op = LDAP_MOD_DELETE, .mod_type = S(A_FAILTIME), .mod_values = v },
                { .mod_op = LDAP_MOD_DELETE, .mod_type = S(A_LOCKED), .mod_values = v },
        };
        LDAPMod *mods[] = { &m[0], &m[1], &m[2], NULL };
        int r = dir_modify(d, dn, mods);

        /* the access rules are checked for every change before the first
         * is made: no such value means all three may be written */
        return r == OUT_NO_VALUE || r == 0 ? 0 : r;
}

int state_check_access(struct dir *d, const char *dn, char *msg, size_t size)
{
        static const char *const readable[] = { A_DISABLED, A_CONFIRMED, A_SHADOWEXPIRE, A_SECRET, A_LASTSTEP,
                                                A_RECOVERY, A_FAILURES,  A_FAILTIME,     A_LOCKED };
        static const struct access_probe writable[] = {
                { A_FAILURES, "-1" },        { A_FAILTIME, "-1" },
                { A_LOCKED, "-1" },          { A_LASTSTEP, "-1" },
                { A_SECRET, "-" },           { A_PENDING, "-" },
                { A_RECOVERY, "-" },         { A_STAMP, "-" },
                { A_LASTLOGIN, "19700101000000Z" }, { A_LOGINS, "-1" },
        };
        char *attrs[] = { S("1.1"), NULL };
        bool bad = false, first = true;
        int r;

        (void)snprintf(msg, size, "not readable: ");
        for (size_t i = 0; i < ELEMENTSOF(readable); i++) {
                _cleanup_free_ char *f = NULL;
                struct state_search q = { .s = NULL };

                if (asprintf(&f, "(|(%s=*)(!(%s=*)))", readable[i], readable[i]) < 0)
                        return -ENOMEM;
                r = dir_search(d, dn, LDAP_SCOPE_BASE, f, attrs, false, probe_entry, &q);
                if (r != 0 && r != OUT_NOTFOUND)
                        return r;
                if (r == OUT_NOTFOUND || !q.seen) {
                        add_name(msg, size, readable[i]);
                        bad = true;
                }
        }
        if (!bad)
                msg[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(writable); i++) {
                char *v[] = { S(writable[i].absent), NULL };
                LDAPMod m = { .mod_op = LDAP_MOD_DELETE, .mod_type = S(writable[i].attr), .mod_values = v };
                LDAPMod *mods[] = { &m, NULL };

                r = dir_modify(d, dn, mods);
                if (r == OUT_NO_VALUE || r == 0)
                        continue;
                if (r != OUT_ACCESS)
                        return r;
                if (first) {
                        size_t n = strlen(msg);

                        (void)snprintf(msg + n, size - n, "%snot writable: ", bad ? "; " : "");
                        first = false;
                }
                add_name(msg, size, writable[i].attr);
                bad = true;
        }
        return bad ? OUT_ACCESS : 0;
}

/* ---------------------------------------------------------------- write */

#define MODS_MAX 8

struct mods {
        LDAPMod m[MODS_MAX];
        LDAPMod *p[MODS_MAX + 2]; /* room for objectClass and the NULL */
        char *one[MODS_MAX][2];
        char buf[MODS_MAX][24];
        size_t n;
};

/* @op on @type with the values @vals (NULL: none). */
static void mods_addv(struct mods *m, int op, const char *type, char **vals)
{
        if (m->n >= MODS_MAX)
                abort(); /* a programming error, never input */
        m->m[m->n] = (LDAPMod){ .mod_op = op, .mod_type = S(type), .mod_values = vals };
        m->n++;
}

/* @op on @type with one string value (NULL: no values). */
static void mods_add(struct mods *m, int op, const char *type, const char *value)
{
        size_t i = m->n;

        if (!value) {
                mods_addv(m, op, type, NULL);
                return;
        }
        m->one[i][0] = S(value);
        m->one[i][1] = NULL;
        mods_addv(m, op, type, m->one[i]);
}

/* @op on @type with one integer value. */
static void mods_add_int(struct mods *m, int op, const char *type, int64_t v)
{
        size_t i = m->n;

        (void)snprintf(m->buf[i], sizeof(m->buf[i]), "%" PRId64, v);
        mods_add(m, op, type, m->buf[i]);
}

/*
 * Send @m to the entry; with @class, objectClass sesameAccount is added in
 * the same modify when the entry lacks it (and the modify is repeated with
 * or without it once, if another sesamed changed that meanwhile).
 */
static int state_modify_read(struct dir *d, struct acct_state *s, struct mods *m, bool class, const char *attr,
                             char **ret_value)
{
        char *ocv[] = { S(CLASS), NULL };
        LDAPMod oc = { .mod_op = LDAP_MOD_ADD, .mod_type = S(A_CLASS), .mod_values = ocv };
        bool add_class = class && !s->has_class;
        int r = OUT_LDAP;

        for (int attempt = 0; attempt < 2; attempt++) {
                size_t n = 0;

                if (add_class)
                        m->p[n++] = &oc;
                for (size_t i = 0; i < m->n; i++)
                        m->p[n++] = &m->m[i];
                m->p[n] = NULL;
                r = dir_modify_read(d, s->dn, m->p, attr, ret_value);
                if (r == 0) {
                        if (add_class)
                                s->has_class = true;
                        return 0;
                }
                if (r == OUT_EXISTS && add_class) {
                        add_class = false; /* somebody added it meanwhile */
                        continue;
                }
                if (r == OUT_SCHEMA && class && !add_class) {
                        add_class = true; /* somebody removed it */
                        continue;
                }
                break;
        }
        return r;
}

static int state_modify(struct dir *d, struct acct_state *s, struct mods *m, bool class)
{
        return state_modify_read(d, s, m, class, NULL, NULL);
}

/* A new failure window: count 1 from now.  The count is set with a
 * compare-and-swap (add when absent, delete the old value + add 1
 * otherwise), so of several logins failing at once only one starts the
 * window; the others get OUT_CONFLICT and increment instead. */
static int start_window(struct dir *d, struct acct_state *s, int64_t now)
{
        struct mods m = { 0 };
        int r;

        if (s->has_failures)
                mods_add_int(&m, LDAP_MOD_DELETE, A_FAILURES, s->failures);
        mods_add_int(&m, LDAP_MOD_ADD, A_FAILURES, 1);
        mods_add_int(&m, LDAP_MOD_REPLACE, A_FAILTIME, now);
        if (s->has_locked_until)
                mods_add(&m, LDAP_MOD_REPLACE, A_LOCKED, NULL); /* an ended lock */
        r = state_modify(d, s, &m, true);
        if (r == OUT_NO_VALUE || r == OUT_EXISTS || r == OUT_CONSTRAINT)
                return OUT_CONFLICT;
        if (r != 0)
                return r;
        s->has_failure_time = true;
        s->failure_time = now;
        s->has_locked_until = false;
        return 0;
}

/* One more failure in the open window: the count after it, from the
 * server (Post-Read control) or, without that, our own sum.  OUT_NO_VALUE
 * when the count is gone (reset meanwhile by a success elsewhere). */
static int count_up(struct dir *d, struct acct_state *s, uint32_t *ret_count)
{
        struct mods m = { 0 };
        _cleanup_free_ char *after = NULL;
        uint32_t v;
        int r;

        mods_add(&m, LDAP_MOD_INCREMENT, A_FAILURES, "1");
        r = state_modify_read(d, s, &m, true, A_FAILURES, &after);
        if (r != 0)
                return r;
        *ret_count = after && parse_u32(after, 0, UINT32_MAX, &v) == 0 ? v
                     : s->failures < UINT32_MAX                         ? s->failures + 1
                                                                         : UINT32_MAX;
        return 0;
}

/* How often a count that conflicts with another login's write is tried
 * again. */
#define STATE_COUNT_ROUNDS 12

int state_count_attempt(struct dir *d, const struct sesame_conf *c, struct acct_state *s, int64_t now,
                        uint32_t *ret_count)
{
        struct failure_plan plan;
        bool fresh;
        uint32_t count = 0;
        int r = OUT_CONFLICT;

        state_failure_plan(s, c, now, &plan);
        fresh = plan.new_window;
        /* every conflict is another login's write that succeeded (a
         * window started, a count reset): with a few logins of one
         * account at once (a user's terminals, a script), three rounds
         * are not always enough, and a right password must not be
         * refused for that; each round is one modify under the
         * request's deadline */
        for (int attempt = 0; attempt < STATE_COUNT_ROUNDS && r == OUT_CONFLICT; attempt++) {
                if (fresh) {
                        r = start_window(d, s, now);
                        if (r == 0)
                                count = 1;
                        else if (r == OUT_CONFLICT)
                                fresh = false; /* another login started it: count in it */
                } else {
                        r = count_up(d, s, &count);
                        if (r == OUT_NO_VALUE) {
                                s->has_failures = false; /* reset meanwhile: start over */
                                fresh = true;
                                r = OUT_CONFLICT;
                        }
                }
        }
        if (r != 0)
                return r;
        s->has_failures = true;
        s->failures = count;
        *ret_count = count;
        return 0;
}

int state_lock(struct dir *d, const struct sesame_conf *c, struct acct_state *s, int64_t now)
{
        struct mods m = { 0 };
        int64_t until = now + (int64_t)c->lockout_time;
        int r;

        mods_add_int(&m, LDAP_MOD_REPLACE, A_LOCKED, until);
        r = state_modify(d, s, &m, true);
        if (r != 0)
                return r;
        s->has_locked_until = true;
        s->locked_until = until;
        return 0;
}

/* Remove count, time and lock; with @cas only if the count is still
 * the value @s holds (deleting that value fails otherwise). */
static int clear_failures(struct dir *d, struct acct_state *s, bool cas)
{
        struct mods m = { 0 };
        int r;

        if (s->has_failures) {
                if (cas)
                        mods_add_int(&m, LDAP_MOD_DELETE, A_FAILURES, s->failures);
                else
                        mods_add(&m, LDAP_MOD_REPLACE, A_FAILURES, NULL);
        }
        if (s->has_failure_time)
                mods_add(&m, LDAP_MOD_REPLACE, A_FAILTIME, NULL);
        if (s->has_locked_until)
                mods_add(&m, LDAP_MOD_REPLACE, A_LOCKED, NULL);
        if (m.n == 0)
                return 0;
        r = state_modify(d, s, &m, false);
        if (cas && r == OUT_NO_VALUE)
                return OUT_CONFLICT; /* counted again since: not ours to clear */
        if (r == 0)
                s->has_failures = s->has_failure_time = s->has_locked_until = false;
        return r;
}

int state_reset_failures(struct dir *d, struct acct_state *s)
{
        return clear_failures(d, s, true);
}

int state_unlock(struct dir *d, struct acct_state *s, bool *ret_ppolicy)
{
        int r = clear_failures(d, s, false);

        *ret_ppolicy = true;
        if (r != 0)
                return r;
        if (s->ppolicy_locked) {
                struct mods m = { 0 };
                int q;

                mods_add(&m, LDAP_MOD_DELETE, A_PPOLICY, NULL);
                q = state_modify(d, s, &m, false);
                if (q == 0 || q == OUT_NO_VALUE)
                        s->ppolicy_locked = false;
                else if (q == OUT_UNAVAIL || q < 0)
                        return q;
                else {
                        log_notice("%s: could not remove %s (%s); the directory's password policy keeps it "
                                   "locked",
                                   s->dn, A_PPOLICY, outcome_str(q));
                        *ret_ppolicy = false;
                }
        }
        return 0;
}

int state_cas_last_step(struct dir *d, struct acct_state *s, int64_t step)
{
        struct mods m = { 0 };
        int r;

        if (s->last_step_raw)
                mods_add(&m, LDAP_MOD_DELETE, A_LASTSTEP, s->last_step_raw);
        mods_add_int(&m, LDAP_MOD_ADD, A_LASTSTEP, step);
        r = state_modify(d, s, &m, true);
        if (r == OUT_NO_VALUE || r == OUT_EXISTS || r == OUT_CONSTRAINT)
                return OUT_CONFLICT; /* another login took a step since we read it */
        if (r != 0)
                return r;
        free(s->last_step_raw);
        s->last_step_raw = NULL;
        if (asprintf(&s->last_step_raw, "%" PRId64, step) < 0)
                s->last_step_raw = NULL;
        s->last_step = step;
        return 0;
}

int state_use_recovery(struct dir *d, struct acct_state *s, const char *hash)
{
        struct mods m = { 0 };
        int r;

        mods_add(&m, LDAP_MOD_DELETE, A_RECOVERY, hash);
        r = state_modify(d, s, &m, false);
        if (r == OUT_NO_VALUE)
                return OUT_CONFLICT; /* spent by another login since we read it */
        if (r != 0)
                return r;
        for (size_t i = 0; i < s->n_recovery; i++)
                if (strcmp(s->recovery[i], hash) == 0) {
                        erase_and_free(s->recovery[i]);
                        s->recovery[i] = s->recovery[--s->n_recovery];
                        break;
                }
        return 0;
}

int state_set_recovery(struct dir *d, struct acct_state *s, char *const *hashes, size_t n)
{
        _cleanup_free_ char **v = calloc(n + 1, sizeof(*v));
        struct mods m = { 0 };

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = hashes[i];
        mods_addv(&m, LDAP_MOD_REPLACE, A_RECOVERY, n ? v : NULL);
        return state_modify(d, s, &m, true);
}

int state_set_pending(struct dir *d, struct acct_state *s, const char *sealed)
{
        struct mods m = { 0 };

        mods_add(&m, LDAP_MOD_REPLACE, A_PENDING, sealed);
        return state_modify(d, s, &m, true);
}

int state_activate_totp(struct dir *d, struct acct_state *s, int64_t step)
{
        struct mods m = { 0 };
        int r;

        if (!s->totp_pending)
                return OUT_NO_VALUE;
        mods_add(&m, LDAP_MOD_REPLACE, A_SECRET, s->totp_pending);
        mods_add(&m, LDAP_MOD_DELETE, A_PENDING, s->totp_pending);
        mods_add_int(&m, LDAP_MOD_REPLACE, A_LASTSTEP, step);
        r = state_modify(d, s, &m, true);
        if (r == OUT_NO_VALUE)
                return OUT_CONFLICT; /* enrolled again meanwhile */
        return r;
}

int state_disable_totp(struct dir *d, struct acct_state *s)
{
        struct mods m = { 0 };

        mods_add(&m, LDAP_MOD_REPLACE, A_SECRET, NULL);
        mods_add(&m, LDAP_MOD_REPLACE, A_PENDING, NULL);
        mods_add(&m, LDAP_MOD_REPLACE, A_LASTSTEP, NULL);
        mods_add(&m, LDAP_MOD_REPLACE, A_RECOVERY, NULL);
        return state_modify(d, s, &m, false);
}

int state_new_token_stamp(struct dir *d, struct acct_state *s)
{
        uint8_t rnd[16];
        char hex[sizeof(rnd) * 2 + 1];
        struct mods m = { 0 };

        randombytes_buf(rnd, sizeof(rnd));
        (void)sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        mods_add(&m, LDAP_MOD_REPLACE, A_STAMP, hex);
        return state_modify(d, s, &m, true);
}

int state_track_login(struct dir *d, struct acct_state *s, int64_t now)
{
        char when[GENTIME_FORMAT_LEN];
        bool incr = s->has_login_count;
        int r = OUT_LDAP;

        gentime_format(now, when);
        for (int attempt = 0; attempt < 2; attempt++) {
                struct mods m = { 0 };

                mods_add(&m, LDAP_MOD_REPLACE, A_LASTLOGIN, when);
                mods_add(&m, incr ? LDAP_MOD_INCREMENT : LDAP_MOD_ADD, A_LOGINS, "1");
                r = state_modify(d, s, &m, true);
                /* the count appeared (another session) or vanished
                 * meanwhile: once more the other way */
                if ((r == OUT_EXISTS || r == OUT_CONSTRAINT) && !incr)
                        incr = true;
                else if (r == OUT_NO_VALUE && incr)
                        incr = false;
                else
                        break;
        }
        return r;
}

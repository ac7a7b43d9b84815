/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts.h"
#include "conf.h"
#include "dir.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "sesame-proto.h"
#include "util.h"

void pwrec_done(struct pwrec *p)
{
        free(p->name);
        free(p->gecos);
        free(p->home);
        free(p->shell);
        free(p->dn);
        free(p->mail);
        memset(p, 0, sizeof(*p));
}

void grrec_done(struct grrec *g)
{
        for (size_t i = 0; i < g->n_members; i++)
                free(g->members[i]);
        free(g->members);
        free(g->name);
        memset(g, 0, sizeof(*g));
}

int valid_name(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > SESAME_NAME_MAX || s[0] == '-' || s[0] == '+')
                return 0;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x21 || *p == 0x7f || *p == ':' || *p == ',')
                        return 0;
        return 1;
}

static int valid_field(const char *s) { return !s || !strpbrk(s, ":\n"); }

/* "(&FILTER(ATTR=VALUE))" with VALUE escaped; NULL on ENOMEM. */
static char *make_filter(const char *filter, const char *attr, const char *value)
{
        _cleanup_free_ char *esc = dir_escape(value);
        char *f = NULL;

        if (!esc || asprintf(&f, "(&%s(%s=%s))", filter, attr, esc) < 0)
                return NULL;
        return f;
}

static void log_drop(LDAP *ld, LDAPMessage *e, const char *why, const char *value)
{
        char *dn = ldap_get_dn(ld, e);
        char q[256];

        log_notice("%s: %s %s, ignoring entry", dn ? dn : "(entry)", why,
                   value ? str_quote(value, strlen(value), q, sizeof(q)) : "");
        ldap_memfree(dn);
}

/* The entry's name: the value equal to @want, or the first value. */
static char *entry_name(LDAP *ld, LDAPMessage *e, const char *attr, const char *want)
{
        struct berval **vals = ldap_get_values_len(ld, e, attr);
        char *s = NULL;

        if (!vals)
                return NULL;
        for (size_t i = 0; vals[i] && !s; i++) {
                if (memchr(vals[i]->bv_val, '\0', vals[i]->bv_len))
                        continue;
                if (want && (strlen(want) != vals[i]->bv_len || memcmp(want, vals[i]->bv_val, vals[i]->bv_len)))
                        continue;
                s = strndup(vals[i]->bv_val, vals[i]->bv_len);
        }
        ldap_value_free_len(vals);
        return s;
}

/* An id attribute: 0 and *ret, or -EINVAL (logged). */
static int entry_id(LDAP *ld, LDAPMessage *e, const char *attr, uint32_t *ret)
{
        _cleanup_free_ char *s = dir_get_first(ld, e, attr);

        if (!s || parse_u32(s, 0, UINT32_MAX - 1, ret) < 0) {
                log_drop(ld, e, s ? "bad id in" : "missing", s ? s : attr);
                return -EINVAL;
        }
        return 0;
}

/* 0: @ret is a valid user; 1: skip this entry; -ENOMEM. */
static int parse_user(struct accounts *a, LDAP *ld, LDAPMessage *e, const char *want, struct pwrec *ret)
{
        const struct sesame_conf *c = a->conf;
        struct pwrec p = { 0 };

        p.name = entry_name(ld, e, c->map_user_name, want);
        if (!p.name)
                return 1; /* no exact match (e.g. other case) */
        if (!valid_name(p.name)) {
                log_drop(ld, e, "unusable user name", p.name);
                goto skip;
        }
        if (entry_id(ld, e, c->map_uid_number, &p.uid) < 0 || entry_id(ld, e, c->map_gid_number, &p.gid) < 0)
                goto skip;
        if (p.uid < c->min_uid) {
                log_drop(ld, e, "uid below min_uid:", p.name);
                goto skip;
        }
        p.gecos = dir_get_first(ld, e, c->map_gecos);
        if (!p.gecos)
                p.gecos = dir_get_first(ld, e, "cn");
        p.home = dir_get_first(ld, e, c->map_home);
        p.shell = dir_get_first(ld, e, c->map_shell);
        p.mail = dir_get_first(ld, e, c->map_mail);
        if (!valid_field(p.gecos) || !valid_field(p.home) || !valid_field(p.shell)) {
                log_drop(ld, e, "':' or newline in a field of", p.name);
                goto skip;
        }
        if (localdb_has_user(a->local, p.name, p.uid)) {
                log_debug("'%s': name or uid %u is a local account; local wins", p.name, p.uid);
                goto skip;
        }
        char *dn = ldap_get_dn(ld, e);
        p.dn = dn ? strdup(dn) : NULL;
        ldap_memfree(dn);
        if (!p.dn)
                goto oom;
#define DEFAULT_EMPTY(f)                          \
        if (!f && !(f = strdup("")))            \
                goto oom;
        DEFAULT_EMPTY(p.gecos);
        DEFAULT_EMPTY(p.home);
        DEFAULT_EMPTY(p.shell);
#undef DEFAULT_EMPTY
        *ret = p;
        return 0;
skip:
        pwrec_done(&p);
        return 1;
oom:
        pwrec_done(&p);
        return -ENOMEM;
}

static char **user_attrs(const struct sesame_conf *c, char *buf[static 9])
{
        buf[0] = c->map_user_name;
        buf[1] = c->map_uid_number;
        buf[2] = c->map_gid_number;
        buf[3] = c->map_gecos;
        buf[4] = c->map_home;
        buf[5] = c->map_shell;
        buf[6] = (char *)(uintptr_t) "cn";
        buf[7] = c->map_mail;
        buf[8] = NULL;
        return buf;
}

struct user_search {
        struct accounts *a;
        const char *want;
        struct pwrec *one; /* single lookup: first valid entry */
        size_t n;          /* single lookup: valid entries seen */
        char *other_dn;    /* single lookup: the second valid entry's DN (for the log) */
        acct_pw_cb cb;     /* enumeration */
        acct_page_cb page;
        void *userdata;
};

static int user_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct user_search *s = userdata;
        struct pwrec p;
        int r = parse_user(s->a, ld, e, s->want, &p);

        if (r != 0)
                return r < 0 ? r : 0;
        if (s->one) {
                if (s->n++ == 0) {
                        *s->one = p;
                        return 0;
                }
                if (!s->other_dn) {
                        s->other_dn = p.dn; /* NULL on ENOMEM: the log line goes without it */
                        p.dn = NULL;
                }
                pwrec_done(&p);
                return 0;
        }
        r = s->cb(&p, s->userdata);
        pwrec_done(&p);
        return r;
}

/*
 * One user whose @attr equals @value (as the directory's equality rule for
 * @attr compares) and, when @want is set, whose name is exactly @want.
 * Several valid entries: none is served (NOTFOUND, logged), never the
 * first the directory returns, which anyone who may add an entry under
 * user_base could arrange to be theirs; @what names @attr for the log.
 * Invalid entries (parse_user()) are not counted: they are never served,
 * so they cannot be confused with the valid one.
 */
static int user_lookup(struct accounts *a, const char *attr, const char *value, const char *want,
                       const char *what, struct pwrec *ret)
{
        char *attrs[9];
        _cleanup_free_ char *f = make_filter(a->conf->user_filter, attr, value);
        struct pwrec p = { 0 };
        struct user_search s = { .a = a, .want = want, .one = &p };
        int r;

        if (!f)
                return -ENOMEM;
        /* no size limit of our own (LDAP_NO_LIMIT): every match comes back,
         * or the server's limit cuts the result and that is an error */
        r = dir_search(a->dir, a->conf->user_base, LDAP_SCOPE_SUBTREE, f, user_attrs(a->conf, attrs), false,
                       user_entry, &s);
        if (r == 0 && s.n > 1) {
                char q[256];

                log_warning("%s %s matches %zu entries (%s, %s%s); refusing an ambiguous %s", attr,
                            str_quote(value, strlen(value), q, sizeof(q)), s.n, p.dn,
                            s.other_dn ? s.other_dn : "...", s.n > 2 ? ", ..." : "", what);
                free(s.other_dn);
                pwrec_done(&p);
                return OUT_NOTFOUND;
        }
        free(s.other_dn);
        if (r != 0) {
                pwrec_done(&p);
                return r;
        }
        if (s.n == 0)
                return OUT_NOTFOUND;
        *ret = p;
        return 0;
}

int acct_user_byname(struct accounts *a, const char *name, struct pwrec *ret)
{
        if (!valid_name(name))
                return OUT_NOTFOUND;
        return user_lookup(a, a->conf->map_user_name, name, name, "name", ret);
}

int acct_user_byuid(struct accounts *a, uint32_t uid, struct pwrec *ret)
{
        char v[16];

        if (uid < a->conf->min_uid)
                return OUT_NOTFOUND;
        (void)snprintf(v, sizeof(v), "%u", uid);
        return user_lookup(a, a->conf->map_uid_number, v, NULL, "uid", ret);
}

int acct_user_bymail(struct accounts *a, const char *mail, struct pwrec *ret)
{
        if (!*mail || strpbrk(mail, " \t\r\n") || !strchr(mail, '@'))
                return OUT_NOTFOUND;
        /* the login path resolves an address to the DN it binds as and
         * counts failures on: an address on two entries (a user who may
         * set their own mail to somebody else's) must resolve to neither */
        return user_lookup(a, a->conf->map_mail, mail, NULL, "address", ret);
}

static int user_page(LDAP *ld _unused_, void *userdata)
{
        struct user_search *s = userdata;

        return s->page ? s->page(s->userdata) : 0;
}

int acct_user_enum(struct accounts *a, acct_pw_cb cb, acct_page_cb page, void *userdata)
{
        char *attrs[9];
        struct user_search s = { .a = a, .cb = cb, .page = page, .userdata = userdata };

        return dir_search_pages(a->dir, a->conf->user_base, a->conf->user_filter, user_attrs(a->conf, attrs),
                                user_entry, user_page, &s);
}

/* ---------------------------------------------------------------- groups */

struct group_search {
        struct accounts *a;
        const char *want;
        bool members; /* read member lists */
        struct grrec *v;
        char ***dns; /* per group: member DNs to resolve (rfc2307bis) */
        size_t n, alloc;
};

static int push_str(char ***v, size_t *n, const char *s, size_t len)
{
        char **nv = realloc(*v, (*n + 1) * sizeof(**v));

        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strndup(s, len)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

/* The user name in a member DN when its first RDN is the name attribute
 * (uid=alice,ou=people,...): no lookup needed. */
static char *name_from_dn(const char *dn, const char *name_attr)
{
        LDAPDN ldn = NULL;
        char *s = NULL;

        if (ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !ldn || !ldn[0])
                goto out;
        LDAPAVA *ava = ldn[0][0];
        if (ava && !ldn[0][1] && ava->la_attr.bv_len == strlen(name_attr) &&
            strncasecmp(ava->la_attr.bv_val, name_attr, ava->la_attr.bv_len) == 0 &&
            !memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len))
                s = strndup(ava->la_value.bv_val, ava->la_value.bv_len);
out:
        ldap_dnfree(ldn);
        return s;
}

static int group_members(struct group_search *s, LDAP *ld, LDAPMessage *e, struct grrec *g, char ***dns)
{
        const struct sesame_conf *c = s->a->conf;
        bool bis = c->group_schema == CONF_SCHEMA_RFC2307BIS;
        struct berval **vals = ldap_get_values_len(ld, e, bis ? c->map_member : c->map_member_uid);
        size_t n_dns = 0;
        int r = 0;

        for (size_t i = 0; vals && vals[i] && r == 0; i++) {
                struct berval *v = vals[i];
                if (memchr(v->bv_val, '\0', v->bv_len))
                        continue;
                if (!bis) {
                        r = push_str(&g->members, &g->n_members, v->bv_val, v->bv_len);
                        continue;
                }
                _cleanup_free_ char *dn = strndup(v->bv_val, v->bv_len);
                _cleanup_free_ char *name = dn ? name_from_dn(dn, c->map_user_name) : NULL;
                if (!dn)
                        r = -ENOMEM;
                else if (name)
                        r = push_str(&g->members, &g->n_members, name, strlen(name));
                else
                        r = push_str(dns, &n_dns, dn, strlen(dn));
        }
        ldap_value_free_len(vals);
        if (r == 0 && n_dns && push_str(dns, &n_dns, "", 0) < 0) /* "" ends the list */
                r = -ENOMEM;
        return r;
}

static int group_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct group_search *s = userdata;
        const struct sesame_conf *c = s->a->conf;
        struct grrec g = { 0 };
        char **dns = NULL;
        int r;

        g.name = entry_name(ld, e, c->map_group_name, s->want);
        if (!g.name)
                return 0;
        if (!valid_name(g.name)) {
                log_drop(ld, e, "unusable group name", g.name);
                goto skip;
        }
        if (entry_id(ld, e, c->map_group_gid_number, &g.gid) < 0)
                goto skip;
        if (g.gid < c->min_gid) {
                log_drop(ld, e, "gid below min_gid:", g.name);
                goto skip;
        }
        if (localdb_has_group(s->a->local, g.name, g.gid)) {
                log_debug("group '%s': name or gid %u is a local group; local wins", g.name, g.gid);
                goto skip;
        }
        if (s->members && (r = group_members(s, ld, e, &g, &dns)) < 0)
                goto fail;
        if (s->n == s->alloc) {
                size_t na = s->alloc ? s->alloc * 2 : 16;
                struct grrec *nv = realloc(s->v, na * sizeof(*nv));
                char ***nd = nv ? realloc(s->dns, na * sizeof(*nd)) : NULL;
                if (nv)
                        s->v = nv;
                if (nd)
                        s->dns = nd;
                r = -ENOMEM;
                if (!nv || !nd)
                        goto fail;
                s->alloc = na;
        }
        s->v[s->n] = g;
        s->dns[s->n++] = dns;
        return 0;
skip:
        grrec_done(&g);
        return 0;
fail:
        for (size_t i = 0; dns && dns[i]; i++) {
                bool last = !*dns[i];
                free(dns[i]);
                if (last)
                        break;
        }
        free(dns);
        grrec_done(&g);
        return r;
}

struct dn_lookup {
        struct accounts *a;
        char *name;
};

static int dn_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct dn_lookup *l = userdata;

        if (!l->name)
                l->name = entry_name(ld, e, l->a->conf->map_user_name, NULL);
        return 0;
}

/* rfc2307bis members whose DN does not start with the name attribute:
 * one base search each, after the group search has returned its
 * connection to the pool, or (@ld, an enumeration between two pages) on
 * the connection the search holds. */
static int resolve_dns(struct group_search *s, LDAP *ld)
{
        const struct sesame_conf *c = s->a->conf;
        char *attrs[] = { c->map_user_name, NULL };

        for (size_t i = 0; i < s->n; i++) {
                char **dns = s->dns[i];
                for (size_t j = 0; dns && *dns[j]; j++) {
                        struct dn_lookup l = { .a = s->a };
                        int r = ld ? dir_search_on(s->a->dir, ld, dns[j], LDAP_SCOPE_BASE, c->user_filter, attrs,
                                                   dn_entry, &l)
                                   : dir_search(s->a->dir, dns[j], LDAP_SCOPE_BASE, c->user_filter, attrs, false,
                                                dn_entry, &l);
                        if (r == 0 && l.name)
                                r = push_str(&s->v[i].members, &s->v[i].n_members, l.name, strlen(l.name));
                        free(l.name);
                        if (r != 0)
                                return r;
                }
        }
        return 0;
}

static void group_search_done(struct group_search *s)
{
        for (size_t i = 0; i < s->n; i++) {
                grrec_done(&s->v[i]);
                for (size_t j = 0; s->dns[i]; j++) {
                        bool last = !*s->dns[i][j];
                        free(s->dns[i][j]);
                        if (last)
                                break;
                }
                free(s->dns[i]);
        }
        free(s->v);
        free(s->dns);
}

/* Members that are not valid names are dropped (quietly: one bad member
 * must not hide the group). */
static void filter_members(struct grrec *g)
{
        size_t o = 0;

        for (size_t i = 0; i < g->n_members; i++) {
                if (valid_name(g->members[i]))
                        g->members[o++] = g->members[i];
                else
                        free(g->members[i]);
        }
        g->n_members = o;
}

static int group_search_run(struct accounts *a, const char *filter, const char *want, bool members, bool paged,
                            struct group_search *s)
{
        const struct sesame_conf *c = a->conf;
        char *attrs[] = { c->map_group_name, c->map_group_gid_number,
                          c->group_schema == CONF_SCHEMA_RFC2307BIS ? c->map_member : c->map_member_uid, NULL };
        int r;

        *s = (struct group_search){ .a = a, .want = want, .members = members };
        if (!members)
                attrs[2] = NULL;
        r = dir_search(a->dir, c->group_base, LDAP_SCOPE_SUBTREE, filter, attrs, paged, group_entry, s);
        if (r == 0 && members)
                r = resolve_dns(s, NULL);
        for (size_t i = 0; r == 0 && i < s->n; i++)
                filter_members(&s->v[i]);
        return r;
}

static int group_lookup(struct accounts *a, const char *attr, const char *value, const char *want,
                        struct grrec *ret)
{
        _cleanup_free_ char *f = make_filter(a->conf->group_filter, attr, value);
        struct group_search s;
        int r;

        if (!f)
                return -ENOMEM;
        r = group_search_run(a, f, want, true, false, &s);
        if (r == 0 && s.n > 1) {
                /* whoever may add an entry under the group base must not
                 * decide what the name or gid means (sudo's %admins) */
                char q[256];

                log_warning("%s %s matches %zu entries; refusing an ambiguous group", attr,
                            str_quote(value, strlen(value), q, sizeof(q)), s.n);
                group_search_done(&s);
                return OUT_NOTFOUND;
        }
        if (r == 0 && s.n > 0) {
                *ret = s.v[0];
                s.v[0] = (struct grrec){ 0 };
        }
        group_search_done(&s);
        return r != 0 ? r : s.n ? 0 : OUT_NOTFOUND;
}

int acct_group_byname(struct accounts *a, const char *name, struct grrec *ret)
{
        if (!valid_name(name))
                return OUT_NOTFOUND;
        return group_lookup(a, a->conf->map_group_name, name, name, ret);
}

int acct_group_bygid(struct accounts *a, uint32_t gid, struct grrec *ret)
{
        char v[16];

        if (gid < a->conf->min_gid)
                return OUT_NOTFOUND;
        (void)snprintf(v, sizeof(v), "%u", gid);
        return group_lookup(a, a->conf->map_group_gid_number, v, NULL, ret);
}

struct group_enum {
        struct group_search s; /* the groups of the page at hand */
        acct_gr_cb cb;
        acct_page_cb page;
        void *userdata;
};

/* The end of a page: its groups, their members complete, go to the
 * caller, and are freed before the next page comes. */
static int group_enum_page(LDAP *ld, void *userdata)
{
        struct group_enum *g = userdata;
        struct group_search *s = &g->s;
        int r = resolve_dns(s, ld);

        for (size_t i = 0; r == 0 && i < s->n; i++) {
                filter_members(&s->v[i]);
                r = g->cb(&s->v[i], g->userdata);
        }
        group_search_done(s);
        *s = (struct group_search){ .a = s->a, .members = true };
        if (r == 0 && g->page)
                r = g->page(g->userdata);
        return r;
}

int acct_group_enum(struct accounts *a, acct_gr_cb cb, acct_page_cb page, void *userdata)
{
        const struct sesame_conf *c = a->conf;
        char *attrs[] = { c->map_group_name, c->map_group_gid_number,
                          c->group_schema == CONF_SCHEMA_RFC2307BIS ? c->map_member : c->map_member_uid, NULL };
        struct group_enum g = { .s = { .a = a, .members = true }, .cb = cb, .page = page, .userdata = userdata };
        int r = dir_search_pages(a->dir, c->group_base, c->group_filter, attrs, group_entry, group_enum_page, &g);

        group_search_done(&g.s);
        return r;
}

int acct_initgroups(struct accounts *a, const char *name, uint32_t **ret_gids, size_t *ret_n)
{
        const struct sesame_conf *c = a->conf;
        _cleanup_free_ char *f = NULL;
        struct group_search s;
        uint32_t *gids;
        int r;

        if (!valid_name(name))
                return OUT_NOTFOUND;
        if (c->group_schema == CONF_SCHEMA_RFC2307BIS) {
                struct pwrec p = { 0 };
                r = acct_user_byname(a, name, &p);
                if (r != 0)
                        return r;
                f = make_filter(c->group_filter, c->map_member, p.dn);
                pwrec_done(&p);
        } else
                f = make_filter(c->group_filter, c->map_member_uid, name);
        if (!f)
                return -ENOMEM;
        r = group_search_run(a, f, NULL, false, true, &s);
        if (r != 0) {
                group_search_done(&s);
                return r;
        }
        gids = calloc(s.n ? s.n : 1, sizeof(*gids));
        for (size_t i = 0; gids && i < s.n; i++)
                gids[i] = s.v[i].gid;
        *ret_n = s.n;
        group_search_done(&s);
        if (!gids)
                return -ENOMEM;
        *ret_gids = gids;
        return 0;
}

/* ---------------------------------------------------------------- roles */

struct role_search {
        struct accounts *a;
        const char *want;
        uint32_t gid;
        size_t n;
};

static int role_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct role_search *s = userdata;
        const struct sesame_conf *c = s->a->conf;
        _cleanup_free_ char *name = entry_name(ld, e, c->map_group_name, s->want);
        uint32_t gid;

        /* a group NSS would not serve is no role either */
        if (!name || strcmp(name, s->want) != 0 || entry_id(ld, e, c->map_group_gid_number, &gid) < 0 ||
            gid < c->min_gid || localdb_has_group(s->a->local, name, gid))
                return 0;
        s->gid = gid;
        s->n++;
        return 0;
}

/* The valid groups named @group that also match (@attr=@value), or
 * all of them when @attr is NULL: how many in *ret_n, the gid of one in
 * *ret_gid. */
static int role_search(struct accounts *a, const char *group, const char *attr, const char *value,
                       size_t *ret_n, uint32_t *ret_gid)
{
        const struct sesame_conf *c = a->conf;
        char *attrs[] = { c->map_group_name, c->map_group_gid_number, NULL };
        _cleanup_free_ char *eg = dir_escape(group), *ev = attr ? dir_escape(value) : NULL, *f = NULL;
        struct role_search s = { .a = a, .want = group };
        int r;

        if (!eg || (attr && !ev))
                return -ENOMEM;
        if (attr ? asprintf(&f, "(&%s(%s=%s)(%s=%s))", c->group_filter, c->map_group_name, eg, attr, ev) < 0
                 : asprintf(&f, "(&%s(%s=%s))", c->group_filter, c->map_group_name, eg) < 0) {
                f = NULL;
                return -ENOMEM;
        }
        r = dir_search(a->dir, c->group_base, LDAP_SCOPE_SUBTREE, f, attrs, false, role_entry, &s);
        if (r != 0)
                return r;
        *ret_n = s.n;
        *ret_gid = s.gid;
        return 0;
}

/*
 * Whether @p holds the role @group: a member of it, asked of the
 * directory in one search, (&(cn=ROLE)(member=DN)) with RFC 2307bis,
 * so that the directory compares the whole DN by its own rules (never
 * only its first RDN, which anybody's entry elsewhere may share), or
 * (memberUid=NAME); else its primary group.  A role name that several
 * groups have is no role (logged).
 */
int acct_has_role(struct accounts *a, const struct pwrec *p, const char *group)
{
        const struct sesame_conf *c = a->conf;
        bool bis = c->group_schema == CONF_SCHEMA_RFC2307BIS;
        size_t n = 0;
        uint32_t gid = 0;
        int r;

        if (!valid_name(group))
                return OUT_NOTFOUND;
        r = role_search(a, group, NULL, NULL, &n, &gid);
        if (r != 0)
                return r;
        if (n > 1) {
                log_warning("role '%s': %zu groups have that name; refusing an ambiguous role", group, n);
                return OUT_NOTFOUND;
        }
        if (n == 0)
                return OUT_NOTFOUND;
        if (gid == p->gid)
                return 0;
        r = role_search(a, group, bis ? c->map_member : c->map_member_uid, bis ? p->dn : p->name, &n, &gid);
        if (r != 0)
                return r;
        return n == 1 ? 0 : OUT_NOTFOUND;
}

void strv_free(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

int acct_user_groups(struct accounts *a, const struct pwrec *p, char ***ret_names, size_t *ret_n)
{
        const struct sesame_conf *c = a->conf;
        _cleanup_free_ char *f = NULL;
        struct grrec prim = { 0 };
        struct group_search s;
        char **names = NULL;
        size_t n = 0;
        int r;

        r = acct_group_bygid(a, p->gid, &prim);
        if (r != 0 && r != OUT_NOTFOUND)
                return r;
        if (r == 0) {
                r = push_str(&names, &n, prim.name, strlen(prim.name));
                grrec_done(&prim);
                if (r < 0)
                        goto fail;
        }
        if (c->group_schema == CONF_SCHEMA_RFC2307BIS)
                f = make_filter(c->group_filter, c->map_member, p->dn);
        else
                f = make_filter(c->group_filter, c->map_member_uid, p->name);
        r = -ENOMEM;
        if (!f)
                goto fail;
        r = group_search_run(a, f, NULL, false, true, &s);
        for (size_t i = 0; r == 0 && i < s.n; i++)
                if (s.v[i].gid != p->gid)
                        r = push_str(&names, &n, s.v[i].name, strlen(s.v[i].name));
        group_search_done(&s);
        if (r != 0)
                goto fail;
        *ret_names = names;
        *ret_n = n;
        return 0;
fail:
        strv_free(names, n);
        return r;
}

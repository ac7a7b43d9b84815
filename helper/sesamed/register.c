/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * register.c - self-registration (web.sock, [web] registration) and the
 * purge of the accounts nobody confirmed (admin.sock).
 *
 * A registration that passes the checks a visitor may be told about (the
 * name's shape, the name taken, the address's shape, the password rules)
 * is answered OK before the address is looked up: whether an entry has
 * that address already is not told to the visitor, only to the address,
 * by mail.  Then, for a new address, the account is made:
 *   1. a uid number from the directory's counter (uidalloc.h);
 *   2. the entry, added as the service DN below [ldap] user_base, with
 *      objectClass sesamePending: no login until the address is confirmed
 *      (authsrv.c refuses it whatever require_confirmed_email says);
 *   3. its password, set with Password Modify, so that the directory
 *      hashes it as for any other password (the entry is deleted again
 *      when that fails: an account without the password its owner chose
 *      is of no use to them);
 *   4. a confirmation mail through the spool, whose link (websrv.c)
 *      confirms the address and removes sesamePending in one modify.
 * Each failure is logged; the visitor, told OK already, gets no mail and
 * may try again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "accounts.h"
#include "conf.h"
#include "ctx.h"
#include "dir-entry.h"
#include "dir-web.h"
#include "dir.h"
#include "dispatch.h"
#include "gentime.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "notify.h"
#include "outcome.h"
#include "quality.h"
#include "register.h"
#include "state.h"
#include "tokens.h"
#include "uidalloc.h"
#include "util.h"
#include "websrv.h"

#define S(s) ((char *)(uintptr_t)(s))

bool register_name_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > REGISTER_NAME_MAX || !valid_name(s) || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

bool register_mail_ok(const char *s)
{
        const char *at = strchr(s, '@');
        size_t n = strlen(s);

        if (n < 3 || n > SESAME_MAIL_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
                return false;
        /* printable ASCII without the characters that would make it more
         * than one plain address in a header or a filter */
        for (const char *p = s; *p; p++)
                if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
                        return false;
        return true;
}

/* What a search for entries with @attr=@value below the base found. */
struct found {
        const char *name_attr;
        unsigned n;
        char *name; /* the first one's user name, or NULL */
};

static int found_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct found *f = userdata;

        if (f->n++ == 0)
                f->name = dir_get_first(ld, e, f->name_attr);
        return 0;
}

/* Entries below [ldap] base with @attr=@value (whatever else they are:
 * NSS's rules would hide some of them, which must not be shadowed). */
static int entries_with(struct daemon_ctx *x, const char *attr, const char *value, struct found *ret)
{
        _cleanup_free_ char *esc = dir_escape(value), *filter = NULL;
        char *attrs[] = { x->conf->map_user_name, NULL };

        *ret = (struct found){ .name_attr = x->conf->map_user_name };
        if (!esc || asprintf(&filter, "(%s=%s)", attr, esc) < 0)
                return -ENOMEM;
        return dir_search(x->dir, x->conf->base, LDAP_SCOPE_SUBTREE, filter, attrs, false, found_entry, ret);
}

/* 0 when @name is free; OUT_EXISTS when an entry or a local account has
 * it; a search failure. */
static int name_taken(struct daemon_ctx *x, const char *name)
{
        struct found f;
        int r;

        if (localdb_has_user(x->local, name, UINT32_MAX) || localdb_has_group(x->local, name, UINT32_MAX))
                return OUT_EXISTS;
        r = entries_with(x, x->conf->map_user_name, name, &f);
        free(f.name);
        return r != 0 ? r : f.n > 0 ? OUT_EXISTS : 0;
}

/* "%u" in [web] register_home replaced by @name (conf.c allows no other
 * '%'). */
static char *home_of(const char *pattern, const char *name)
{
        size_t n = strlen(pattern) + 1;
        char *out, *o;

        for (const char *p = strstr(pattern, "%u"); p; p = strstr(p + 2, "%u"))
                n += strlen(name);
        out = o = malloc(n);
        if (!out)
                return NULL;
        for (const char *p = pattern; *p;) {
                if (p[0] == '%' && p[1] == 'u') {
                        o = stpcpy(o, name);
                        p += 2;
                } else
                        *o++ = *p++;
        }
        *o = '\0';
        return out;
}

/* The new entry, pending; its token stamp is made here, so the
 * confirmation token binds to it from the start. */
static int add_entry(struct daemon_ctx *x, const char *dn, const char *name, const char *mail, uint32_t uid)
{
        const struct sesame_conf *c = x->conf;
        _cleanup_free_ char *home = home_of(c->web_register_home, name);
        char uid_v[16], gid_v[16], stamp[33];
        uint8_t rnd[16];
        char *oc[] = { S("inetOrgPerson"), S("posixAccount"), S("sesameAccount"), S("sesamePending"), NULL };
        char *name_v[] = { S(name), NULL }, *mail_v[] = { S(mail), NULL }, *uidn[] = { uid_v, NULL };
        char *gidn[] = { gid_v, NULL }, *home_v[] = { home, NULL }, *shell_v[] = { c->web_register_shell, NULL };
        char *stamp_v[] = { stamp, NULL };
        LDAPMod m[] = {
                { LDAP_MOD_ADD, S("objectClass"), { oc } },
                { LDAP_MOD_ADD, S("uid"), { name_v } },
                { LDAP_MOD_ADD, S("cn"), { name_v } },
                { LDAP_MOD_ADD, S("sn"), { name_v } },
                { LDAP_MOD_ADD, c->map_mail, { mail_v } },
                { LDAP_MOD_ADD, c->map_uid_number, { uidn } },
                { LDAP_MOD_ADD, c->map_gid_number, { gidn } },
                { LDAP_MOD_ADD, c->map_home, { home_v } },
                { LDAP_MOD_ADD, c->map_shell, { shell_v } },
                { LDAP_MOD_ADD, S("sesameTokenStamp"), { stamp_v } },
                /* [map] user_name when it is not uid (the RDN) */
                { LDAP_MOD_ADD, c->map_user_name, { name_v } },
        };
        LDAPMod *mods[ELEMENTSOF(m) + 1];
        size_t n = ELEMENTSOF(m);

        if (!home)
                return -ENOMEM;
        (void)snprintf(uid_v, sizeof(uid_v), "%" PRIu32, uid);
        (void)snprintf(gid_v, sizeof(gid_v), "%" PRIu32, c->web_register_gid);
        randombytes_buf(rnd, sizeof(rnd));
        (void)sodium_bin2hex(stamp, sizeof(stamp), rnd, sizeof(rnd));
        if (strcasecmp(c->map_user_name, "uid") == 0)
                n--;
        for (size_t i = 0; i < n; i++)
                mods[i] = &m[i];
        mods[n] = NULL;
        return dir_add(x->dir, dn, mods);
}

/* The confirmation mail of the new account @dn. */
static int mail_confirmation(struct call *c, const char *dn, const char *name, const char *mail, uint32_t uid)
{
        struct acct_state st = { 0 };
        struct pwrec pw = { .name = S(name), .dn = S(dn), .mail = S(mail), .uid = uid };
        int r;

        r = state_read(c->x->dir, dn, &st);
        if (r == 0)
                r = web_mail_link(c, &pw, &st, TOKEN_CONFIRM, "sesame-web");
        state_done(&st);
        return r;
}

/* An address that an entry has already: no account, a mail to it, to
 * the account @owner (notify_spool(): mail-spooled or mail-failed). */
static void mail_taken(struct call *c, const char *name, const char *mail, const char *owner)
{
        const struct sesame_conf *conf = c->x->conf;
        struct pwrec pw = { .name = S(owner), .mail = S(mail) };
        char link[SESAME_TEXT_MAX], q[80];
        int r;

        (void)snprintf(link, sizeof(link), "%s/forgot", conf->web_base_url);
        r = notify_spool(c->x, "registered", &pw, link, 0);
        /* (@name has the shape register_name_ok() allows; @owner is
         * the directory's) */
        (void)str_quote(owner, strlen(owner), q, sizeof(q));
        if (r != 0)
                log_error("registration of user %s: the address is user %s's; the mail saying so could not be "
                          "spooled",
                          name, q);
        else
                log_notice("registration of user %s refused: the address is user %s's already; a mail says so to "
                           "the address",
                           name, q);
}

/* Steps 1-4 of the top comment, after the visitor's OK. */
static void make_account(struct call *c, const char *name, const char *mail, const char *newpw)
{
        struct daemon_ctx *x = c->x;
        const struct sesame_conf *conf = x->conf;
        _cleanup_free_ char *dn = NULL;
        char msg[SESAME_TEXT_MAX];
        struct found f;
        uint32_t uid;
        int r;

        r = entries_with(x, conf->map_mail, mail, &f);
        if (r == 0 && f.n > 0) {
                mail_taken(c, name, mail, f.name ? f.name : "?");
                free(f.name);
                return;
        }
        free(f.name);
        if (r == 0)
                r = uid_allocate(x->dir, conf, x->local, &uid);
        if (r == 0 && asprintf(&dn, "%s=%s,%s", conf->map_user_name, name, conf->user_base) < 0)
                r = -ENOMEM;
        if (r == 0)
                r = add_entry(x, dn, name, mail, uid);
        if (r == OUT_EXISTS) {
                log_notice("registration of user %s: another registration took the name first", name);
                return;
        }
        if (r != 0) {
                log_error("registration of user %s failed: %s", name, outcome_str(r));
                return;
        }
        r = dir_set_password(x->dir, dn, newpw, msg, sizeof(msg));
        if (r != 0) {
                int d = dir_delete(x->dir, dn);

                log_error("registration of user %s: the password could not be set (%s); the entry %s", name,
                          outcome_str(r), d == 0 ? "is deleted again" : "could not be deleted again");
                return;
        }
        log_notice("user %s registered (uid %" PRIu32 "), pending until the address is confirmed", name, uid);
        web_event(c, EV_ACCOUNT_REGISTERED, name, "sesame-web", NULL);
        r = mail_confirmation(c, dn, name, mail, uid);
        if (r != 0)
                log_error("user %s: the confirmation mail could not be spooled: %s (the page \"resend\" makes "
                          "another)",
                          name, outcome_str(r));
}

static int refuse(struct call *c, uint32_t reason, const char *text)
{
        return client_end_ex(c->cl, SESAME_ST_REFUSED, text, reason, 0);
}

/* What a visitor may be told about the request: true to go on; false
 * when the answer has been sent (its client_end() result in *@ret). */
static bool checked(struct call *c, const char *name, const char *mail, const char *newpw, int *ret)
{
        const struct sesame_conf *conf = c->x->conf;
        char msg[SESAME_TEXT_MAX];
        int r;

        if (!register_name_ok(name)) {
                *ret = refuse(c, SESAME_R_NAME_INVALID,
                              "A user name has 1 to 32 of: lower-case letters, digits, '_', '.' and '-', and "
                              "starts with a letter or '_'.");
                return false;
        }
        if (!register_mail_ok(mail)) {
                *ret = refuse(c, SESAME_R_MAIL_INVALID, "This is not an email address.");
                return false;
        }
        if (pw_quality_check(conf, name, NULL, newpw, msg, sizeof(msg)) < 0) {
                *ret = client_end(c->cl, SESAME_ST_BAD_PASSWORD, msg);
                return false;
        }
        r = name_taken(c->x, name);
        if (r == OUT_EXISTS) {
                *ret = refuse(c, SESAME_R_NAME_TAKEN, "This user name is taken.");
                return false;
        }
        if (r != 0) {
                *ret = client_end(c->cl, outcome_status(r), NULL);
                return false;
        }
        return true;
}

int handle_web_register(struct call *c)
{
        char name[SESAME_MAIL_MAX + 1], mail[SESAME_MAIL_MAX + 1], newpw[SESAME_PASSWORD_MAX + 1];
        int r = 0;

        if (!c->x->conf->web_registration)
                return client_end(c->cl, SESAME_ST_DENIED, "Registration is off.");
        if (!req_string(c->req, SESAME_F_LOGIN, name, sizeof(name)) ||
            !req_string(c->req, SESAME_F_MAIL, mail, sizeof(mail)) ||
            !req_string(c->req, SESAME_F_NEWPASSWORD, newpw, sizeof(newpw))) {
                sodium_memzero(newpw, sizeof(newpw));
                return -EINVAL;
        }
        if (checked(c, name, mail, newpw, &r)) {
                /* the same answer whether the address is known or not */
                r = client_end(c->cl, SESAME_ST_OK, NULL);
                if (r == 0) {
                        /* nobody waits for the rest: its own bound */
                        int64_t until = now_ms() + REGISTER_WORK_MS;

                        dir_deadline_set(until);
                        dir_caller_set(until, true);
                        make_account(c, name, mail, newpw);
                }
        }
        sodium_memzero(newpw, sizeof(newpw));
        return r;
}

/* ------------------------------------------------------------------ purge */

struct pending_list {
        const char *name_attr;
        char **dn, **name;
        size_t n;
};

static int pending_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct pending_list *l = userdata;
        char **dn = realloc(l->dn, (l->n + 1) * sizeof(*dn)), **name;

        if (!dn)
                return -ENOMEM;
        l->dn = dn;
        name = realloc(l->name, (l->n + 1) * sizeof(*name));
        if (!name)
                return -ENOMEM;
        l->name = name;
        dn[l->n] = ldap_get_dn(ld, e);
        name[l->n] = dir_get_first(ld, e, l->name_attr);
        if (!dn[l->n]) {
                free(name[l->n]);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

static void pending_done(struct pending_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                ldap_memfree(l->dn[i]);
                free(l->name[i]);
        }
        free(l->dn);
        free(l->name);
}

int handle_purge_pending(struct call *c)
{
        const struct sesame_conf *conf = c->x->conf;
        struct pending_list l = { .name_attr = conf->map_user_name };
        char *attrs[] = { conf->map_user_name, NULL }, filter[96], when[GENTIME_FORMAT_LEN], msg[64];
        struct proto_field f;
        size_t deleted = 0;
        int r, first = 0;

        if (!proto_find(c->req, SESAME_F_AGE, &f))
                return -EINVAL;
        gentime_format((int64_t)time(NULL) - (int64_t)proto_field_u32(&f), when);
        /* createTimestamp: when the directory added the entry, kept by
         * the directory itself */
        (void)snprintf(filter, sizeof(filter), "(&(objectClass=sesamePending)(createTimestamp<=%s))", when);
        r = dir_search(c->x->dir, conf->user_base, LDAP_SCOPE_SUBTREE, filter, attrs, true, pending_entry, &l);
        for (size_t i = 0; r == 0 && i < l.n; i++) {
                int d = dir_delete(c->x->dir, l.dn[i]);

                if (d == 0) {
                        const char *who = l.name[i] ? l.name[i] : l.dn[i];
                        char q[80];

                        log_notice("pending account %s (never confirmed) deleted",
                                   str_quote(who, strlen(who), q, sizeof(q)));
                        deleted++;
                } else if (d != OUT_NOTFOUND && first == 0)
                        first = d; /* logged by dir_delete(); the others are tried all the same */
        }
        pending_done(&l);
        if (r < 0)
                return r;
        if (r == 0)
                r = first;
        (void)snprintf(msg, sizeof(msg), "%zu deleted", deleted);
        return client_end(c->cl, outcome_status(r), msg);
}

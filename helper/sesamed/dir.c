/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir.c - the directory connection pool: service connections bound as the
 * service DN, and the searches and modifies made on them (see dir.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "conf.h"
#include "dir-internal.h"
#include "dir.h"
#include "log.h"
#include "macro.h"
#include "outcome.h"
#include "ratelimit.h"
#include "util.h"

static bool pool_init(struct dir_pool *p, const char *what, bool service, size_t n)
{
        pthread_condattr_t ca;

        p->what = what;
        p->service = service;
        p->n = n;
        p->reserve = n > 1 ? MAX((size_t)1, n / 4) : 0;
        (void)pthread_condattr_init(&ca);
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void)pthread_cond_init(&p->cond, &ca);
        (void)pthread_condattr_destroy(&ca);
        p->conns = calloc(n, sizeof(*p->conns));
        return p->conns != NULL;
}

static void pool_free(struct dir_pool *p)
{
        for (size_t i = 0; p->conns && i < p->n; i++)
                if (p->conns[i].ld)
                        (void)ldap_unbind_ext_s(p->conns[i].ld, NULL, NULL);
        free(p->conns);
        p->conns = NULL;
        (void)pthread_cond_destroy(&p->cond);
}

struct dir *dir_new(struct sesame_conf *conf)
{
        struct dir *d = calloc(1, sizeof(*d));

        if (!d)
                return NULL;
        d->conf = conf;
        (void)pthread_mutex_init(&d->lock, NULL);
        (void)pthread_mutex_init(&d->pw_lock, NULL);
        /* as many user-bind connections as service ones: a login makes
         * one bind and a few searches and modifies */
        if (!pool_init(&d->svc, "service", true, conf->ldap_connections) ||
            !pool_init(&d->bind, "user-bind", false, conf->ldap_connections))
                return dir_free(d);
        d->servers = calloc(conf->n_uri, sizeof(*d->servers));
        if (!d->servers)
                return dir_free(d);
        if (conf->bindpw) {
                d->bindpw_len = strlen(conf->bindpw);
                d->bindpw = sodium_malloc(d->bindpw_len + 1);
                if (!d->bindpw)
                        return dir_free(d);
                memcpy(d->bindpw, conf->bindpw, d->bindpw_len + 1);
                (void)sodium_mprotect_noaccess(d->bindpw);
                /* the guarded copy is the only one: the plain one would
                 * stay readable for the life of the generation */
                conf->bindpw = erase_and_free(conf->bindpw);
        }
        return d;
}

struct dir *dir_free(struct dir *d)
{
        if (!d)
                return NULL;
        pool_free(&d->svc);
        pool_free(&d->bind);
        free(d->servers);
        if (d->bindpw)
                sodium_free(d->bindpw); /* wipes */
        (void)pthread_mutex_destroy(&d->lock);
        (void)pthread_mutex_destroy(&d->pw_lock);
        free(d);
        return NULL;
}

int dir_bind_service(struct dir *d, LDAP *ld)
{
        struct berval cred = { 0, NULL };
        int rc;

        if (!d->conf->binddn || !*d->conf->binddn)
                return ldap_sasl_bind_s(ld, NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
        (void)pthread_mutex_lock(&d->pw_lock);
        (void)sodium_mprotect_readonly(d->bindpw);
        cred.bv_val = d->bindpw;
        cred.bv_len = d->bindpw_len;
        rc = ldap_sasl_bind_s(ld, d->conf->binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
        (void)sodium_mprotect_noaccess(d->bindpw);
        (void)pthread_mutex_unlock(&d->pw_lock);
        return rc;
}

/*
 * A connection for @c to the first server that connects and (for the
 * service set) binds, in dir_server_order(); a server that does not is
 * marked down.  A user-bind connection is not bound here: its first bind
 * is a user's.  0; -ETIME (the request's deadline passed); -EHOSTDOWN
 * (none could be used, or every server is down: at once).
 */
static int conn_open(struct dir *d, const struct dir_pool *p, struct dir_conn *c)
{
        const struct sesame_conf *conf = d->conf;
        size_t order[CONF_URIS_MAX], n = dir_server_order(d, order);
        char why[256];

        for (size_t k = 0; k < n; k++) {
                const char *uri = conf->uri[order[k]];
                LDAP *ld = NULL;
                int rc = LDAP_SUCCESS, r = dir_uri_connect(conf, uri, &ld, &rc);

                if (r == -ETIME)
                        return -ETIME;
                if (r < 0) {
                        dir_server_down(d, order[k], r == -EHOSTUNREACH ? ldap_err2string(rc) : "cannot connect");
                        continue;
                }
                rc = p->service ? dir_bind_service(d, ld) : LDAP_SUCCESS;
                if (rc != LDAP_SUCCESS) {
                        (void)ldap_unbind_ext_s(ld, NULL, NULL);
                        if (dir_deadline_passed())
                                return -ETIME;
                        (void)snprintf(why, sizeof(why), "bind as '%s' failed: %s",
                                       conf->binddn ? conf->binddn : "(anonymous)", ldap_err2string(rc));
                        dir_server_down(d, order[k], why);
                        continue;
                }
                log_info("connected to %s (%s)", uri, p->what);
                dir_reset_timeouts(conf, ld); /* the full limits again for what follows */
                c->ld = ld;
                c->uri = order[k];
                c->opened = c->used = now_ms();
                return 0;
        }
        return -EHOSTDOWN;
}

/*
 * @c's connection should be replaced before use: it has been idle longer
 * than idle_timeout (firewalls and NAT drop idle connections without a
 * word, and slapd's idletimeout closes them); or its server has since been
 * marked down or suspect; or, failback, it has been on a later URI for
 * reconnect_interval while an earlier one may answer again.
 */
static bool conn_stale(struct dir *d, const struct dir_conn *c, int64_t now)
{
        const struct sesame_conf *conf = d->conf;

        if (now - c->used >= (int64_t)conf->idle_timeout * 1000) {
                log_debug("%s: the connection was idle for %" PRId64 " s; replacing it", conf->uri[c->uri],
                          (now - c->used) / 1000);
                return true;
        }
        if (!dir_server_healthy(d, c->uri))
                return true;
        if (c->uri > 0 && now - c->opened >= (int64_t)conf->reconnect_interval * 1000)
                for (size_t j = 0; j < c->uri; j++)
                        if (dir_server_healthy(d, j))
                                return true;
        return false;
}

static void conn_drop(struct dir_conn *c)
{
        (void)ldap_unbind_ext_s(c->ld, NULL, NULL);
        c->ld = NULL;
}

void dir_conn_release(struct dir *d, struct dir_pool *p, struct dir_conn *c, bool broken)
{
        if (broken && c->ld)
                conn_drop(c);
        else if (c->ld)
                c->used = now_ms();
        (void)pthread_mutex_lock(&d->lock);
        c->busy = false;
        if (c->shared)
                p->busy_shared--;
        c->shared = false;
        /* every waiter: the one woken must be one that may take it (a
         * reserved connection is no use to a lookup of another user) */
        (void)pthread_cond_broadcast(&p->cond);
        (void)pthread_mutex_unlock(&d->lock);
}

/* All connections busy until the caller's time ran out: logged,
 * throttled (the caller's uid is logged by the one that answers). */
static void log_pool_wait(const struct dir_pool *p, bool shared)
{
        log_refusal(LOG_WARNING,
                    "no free %sdirectory connection (of %zu%s) before a request's time ran out; it is answered "
                    "UNAVAIL",
                    p->service ? "" : "user-bind ", p->n, shared ? ", some kept for root and logins" : "");
}

/* A free connection of @p for the calling thread's caller, under d->lock. */
static struct dir_conn *conn_free(struct dir_pool *p, bool shared)
{
        if (shared && p->busy_shared + p->reserve >= p->n)
                return NULL;
        for (size_t i = 0; i < p->n; i++)
                if (!p->conns[i].busy)
                        return &p->conns[i];
        return NULL;
}

int dir_conn_acquire(struct dir *d, struct dir_pool *p, struct dir_conn **ret)
{
        int64_t budget = dir_budget_ms(d->conf->timeout), deadline = now_ms() + budget;
        int64_t wait = dir_wait_deadline();
        bool shared = !dir_may_use_reserve();
        struct dir_conn *c;
        int r;

        if (wait > 0)
                deadline = MIN(deadline, wait);
        if (budget <= 0 || deadline <= now_ms())
                return OUT_UNAVAIL;
        (void)pthread_mutex_lock(&d->lock);
        while (!(c = conn_free(p, shared))) {
                struct timespec ts = { .tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000 };
                if (pthread_cond_timedwait(&p->cond, &d->lock, &ts) == ETIMEDOUT && !(c = conn_free(p, shared))) {
                        (void)pthread_mutex_unlock(&d->lock);
                        log_pool_wait(p, shared);
                        return OUT_UNAVAIL;
                }
                if (c)
                        break;
        }
        c->busy = true;
        c->shared = shared;
        if (shared)
                p->busy_shared++;
        (void)pthread_mutex_unlock(&d->lock);

        if (c->ld && conn_stale(d, c, now_ms()))
                conn_drop(c);
        if (!c->ld) {
                r = conn_open(d, p, c);
                if (r < 0) {
                        dir_conn_release(d, p, c, false);
                        return OUT_UNAVAIL; /* unreachable, or the request's time is up */
                }
        }
        *ret = c;
        return 0;
}

/* After an operation on service connection @c: a server that did not
 * answer is suspect. */
static void conn_done(struct dir *d, struct dir_conn *c, int r)
{
        if (r == -ETIMEDOUT)
                dir_server_suspect(d, c->uri);
        dir_conn_release(d, &d->svc, c, r == -ECONNRESET || r == -ECONNABORTED || r == -ETIMEDOUT || r == -ETIME);
}

static int map_rc(int rc, const char *filter)
{
        switch (rc) {
        case LDAP_SUCCESS:
        case LDAP_NO_SUCH_OBJECT:
                return 0;
        case LDAP_SIZELIMIT_EXCEEDED:
        case LDAP_TIMELIMIT_EXCEEDED:
        case LDAP_ADMINLIMIT_EXCEEDED:
                log_error("search %s: %s; refusing a partial result", filter, ldap_err2string(rc));
                return OUT_LIMIT;
        case LDAP_SERVER_DOWN:
        case LDAP_CONNECT_ERROR:
                return -ECONNRESET;
        case LDAP_TIMEOUT:
                return -ETIMEDOUT; /* search_on() says whose time it was */
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
                log_warning("search %s: %s", filter, ldap_err2string(rc));
                return OUT_UNAVAIL;
        default:
                log_error("search %s: %s", filter, ldap_err2string(rc));
                return OUT_LDAP;
        }
}

/*
 * -ETIMEDOUT of an operation that had @ms to run: when that was less than
 * the configured timeout and the request's deadline has now passed, the
 * time that ran out was the request's own (-ETIME), which says nothing
 * about the server; otherwise the server did not answer (-ETIMEDOUT,
 * logged).
 */
static int whose_timeout(const struct dir *d, int64_t ms, const char *op, const char *what)
{
        if (ms < (int64_t)d->conf->timeout * 1000 && dir_deadline_passed())
                return -ETIME;
        log_warning("%s %s: no answer within timeout (%u s)", op, what, d->conf->timeout);
        return -ETIMEDOUT;
}

/* Reads the paged-results cookie of the result @res into @cookie
 * (emptied when this was the last page). */
static void next_cookie(LDAP *ld, LDAPMessage *res, struct berval *cookie)
{
        LDAPControl **sctrls = NULL, *pc;
        int err = 0;
        ber_int_t count = 0;

        ber_memfree(cookie->bv_val);
        cookie->bv_val = NULL;
        cookie->bv_len = 0;
        if (ldap_parse_result(ld, res, &err, NULL, NULL, NULL, &sctrls, 0) != LDAP_SUCCESS)
                return;
        pc = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls, NULL);
        if (pc)
                (void)ldap_parse_pageresponse_control(ld, pc, &count, cookie);
        ldap_controls_free(sctrls);
}

/* The result code of a finished or failed search: of the result message
 * @res, or, without one, of the connection. */
static int result_code(LDAP *ld, LDAPMessage *res)
{
        int err = LDAP_OTHER, rc;

        if (!res) {
                rc = LDAP_SERVER_DOWN;
                (void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
                return rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
        }
        rc = ldap_parse_result(ld, res, &err, NULL, NULL, NULL, NULL, 0);
        return rc == LDAP_SUCCESS ? err : rc;
}

/*
 * One search request (a page of a paged search) on @ld, its entries
 * given to @cb as they arrive: sesamed works on an entry while the
 * directory sends the next ones, instead of waiting for the whole page
 * first.  Within @ms; the paged-results cookie for the next page goes to
 * @cookie.  0, or an error of map_rc() or @cb.
 */
static int search_one(struct dir *d, LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                      LDAPControl **ctrls, int64_t ms, dir_entry_cb cb, void *userdata, bool *delivered,
                      struct berval *cookie)
{
        int64_t deadline = now_ms() + ms;
        struct timeval tv = dir_tv_ms(ms);
        int msgid, rc, r = 0;

        rc = ldap_search_ext(ld, base, scope, filter, attrs, 0, ctrls, NULL, &tv, LDAP_NO_LIMIT, &msgid);
        if (rc != LDAP_SUCCESS)
                return map_rc(rc, filter);
        for (;;) {
                LDAPMessage *res = NULL;
                int64_t left = deadline - now_ms();
                struct timeval wait = dir_tv_ms(left > 0 ? left : 1);
                int type = ldap_result(ld, msgid, LDAP_MSG_ONE, &wait, &res);

                if (type == LDAP_RES_SEARCH_ENTRY) {
                        *delivered = true;
                        r = cb(ld, res, userdata);
                        ldap_msgfree(res);
                        if (r != 0)
                                break;
                        continue;
                }
                if (type == LDAP_RES_SEARCH_REFERENCE) {
                        ldap_msgfree(res);
                        continue;
                }
                if (type == 0) {
                        r = whose_timeout(d, ms, "search", filter);
                        break;
                }
                rc = type == LDAP_RES_SEARCH_RESULT ? result_code(ld, res) : result_code(ld, NULL);
                r = map_rc(rc, filter);
                if (r == -ETIMEDOUT)
                        r = whose_timeout(d, ms, "search", filter);
                if (r == 0 && rc != LDAP_NO_SUCH_OBJECT && type == LDAP_RES_SEARCH_RESULT && cookie)
                        next_cookie(ld, res, cookie);
                ldap_msgfree(res);
                return r;
        }
        /* stopped before its end: what the directory still sends for it
         * is dropped (and a connection that timed out is closed) */
        (void)ldap_abandon_ext(ld, msgid, NULL, NULL);
        return r;
}

static int search_on(struct dir *d, LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                     bool paged, dir_entry_cb cb, dir_page_cb page, void *userdata, bool *delivered)
{
        struct berval cookie = { 0, NULL };
        int r = 0;

        do {
                LDAPControl *ctrls[2] = { NULL, NULL };
                int64_t ms = dir_budget_ms(d->conf->timeout);
                int rc;

                if (ms <= 0) {
                        r = -ETIME; /* the request's time is up; nothing outstanding */
                        break;
                }

                if (paged) {
                        rc = ldap_create_page_control(ld, (ber_int_t)d->conf->page_size, &cookie, 0, &ctrls[0]);
                        if (rc != LDAP_SUCCESS) {
                                r = -ENOMEM;
                                break;
                        }
                }
                ber_memfree(cookie.bv_val);
                cookie = (struct berval){ 0, NULL };
                /* a page's entries are freed as they are used: a paged
                 * search holds about one page, however many follow */
                r = search_one(d, ld, base, scope, filter, attrs, paged ? ctrls : NULL, ms, cb, userdata, delivered,
                               paged ? &cookie : NULL);
                if (ctrls[0])
                        ldap_control_free(ctrls[0]);
                if (page && r == 0)
                        r = page(ld, userdata);
        } while (r == 0 && paged && cookie.bv_val && cookie.bv_len > 0);
        ber_memfree(cookie.bv_val);
        return r;
}

static int search(struct dir *d, const char *base, int scope, const char *filter, char **attrs, bool paged,
                  dir_entry_cb cb, dir_page_cb page, void *userdata)
{
        for (int attempt = 0;; attempt++) {
                struct dir_conn *c;
                bool delivered = false;
                int r = dir_conn_acquire(d, &d->svc, &c);

                if (r != 0)
                        return r;
                r = search_on(d, c->ld, base, scope, filter, attrs, paged, cb, page, userdata, &delivered);
                conn_done(d, c, r);
                /* a pooled handle whose server went away (restart, idle
                 * timeout) or stopped answering: one more try on a fresh
                 * connection, to another server first if there is one (a
                 * search is safe to repeat) */
                if ((r == -ECONNRESET || r == -ETIMEDOUT) && !delivered && attempt == 0)
                        continue;
                if (r == -ECONNRESET || r == -ETIMEDOUT || r == -ETIME)
                        return OUT_UNAVAIL;
                return r;
        }
}

int dir_search(struct dir *d, const char *base, int scope, const char *filter, char **attrs, bool paged,
               dir_entry_cb cb, void *userdata)
{
        return search(d, base, scope, filter, attrs, paged, cb, NULL, userdata);
}

int dir_search_pages(struct dir *d, const char *base, const char *filter, char **attrs, dir_entry_cb cb,
                     dir_page_cb page, void *userdata)
{
        return search(d, base, LDAP_SCOPE_SUBTREE, filter, attrs, true, cb, page, userdata);
}

int dir_search_on(struct dir *d, LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                  dir_entry_cb cb, void *userdata)
{
        bool delivered = false;

        return search_on(d, ld, base, scope, filter, attrs, false, cb, NULL, userdata, &delivered);
}

int dir_ping(struct dir *d)
{
        struct dir_conn *c;
        int r = dir_conn_acquire(d, &d->svc, &c);

        if (r != 0)
                return r;
        dir_conn_release(d, &d->svc, c, false);
        return 0;
}

char *dir_escape(const char *value)
{
        struct berval in = { strlen(value), (char *)(uintptr_t)value }, out = { 0, NULL };
        char *s;

        if (ldap_bv2escaped_filter_value(&in, &out) != 0)
                return NULL;
        s = strndup(out.bv_val, out.bv_len);
        ber_memfree(out.bv_val);
        return s;
}

char *dir_get_first(LDAP *ld, LDAPMessage *e, const char *attr)
{
        struct berval **vals = ldap_get_values_len(ld, e, attr);
        char *s = NULL;

        if (!vals)
                return NULL;
        if (vals[0] && vals[0]->bv_len > 0 && !memchr(vals[0]->bv_val, '\0', vals[0]->bv_len))
                s = strndup(vals[0]->bv_val, vals[0]->bv_len);
        ldap_value_free_len(vals);
        return s;
}

/* ------------------------------------------------------------ entries */

struct read_one {
        dir_entry_cb cb;
        void *userdata;
        bool seen;
};

static int read_entry(LDAP *ld, LDAPMessage *e, void *userdata)
{
        struct read_one *o = userdata;

        if (o->seen)
                return 0;
        o->seen = true;
        return o->cb(ld, e, o->userdata);
}

int dir_read(struct dir *d, const char *dn, char **attrs, dir_entry_cb cb, void *userdata)
{
        struct read_one o = { .cb = cb, .userdata = userdata };
        int r = dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, false, read_entry, &o);

        if (r == 0 && !o.seen)
                return OUT_NOTFOUND;
        return r;
}

/* ------------------------------------------------------------ modify */

/* An outcome.h value for a modify's result code; -ECONNRESET and
 * -ETIMEDOUT (dead or silent connection) stay inside this file. */
static int map_mod_rc(int rc, const char *dn, const char *text)
{
        switch (rc) {
        case LDAP_SUCCESS:
                return 0;
        case LDAP_NO_SUCH_ATTRIBUTE:
                return OUT_NO_VALUE;
        case LDAP_TYPE_OR_VALUE_EXISTS:
                return OUT_EXISTS;
        case LDAP_CONSTRAINT_VIOLATION:
                return OUT_CONSTRAINT;
        case LDAP_OBJECT_CLASS_VIOLATION:
                log_debug("modify %s: %s: %s", dn, ldap_err2string(rc), text ? text : "");
                return OUT_SCHEMA;
        case LDAP_UNDEFINED_TYPE:
                log_error("modify %s: %s: %s (is the sesame schema loaded?)", dn, ldap_err2string(rc),
                          text ? text : "");
                return OUT_LDAP;
        case LDAP_NO_SUCH_OBJECT:
                return OUT_NOTFOUND;
        case LDAP_INSUFFICIENT_ACCESS:
                log_debug("modify %s: %s", dn, ldap_err2string(rc));
                return OUT_ACCESS;
        case LDAP_SERVER_DOWN:
        case LDAP_CONNECT_ERROR:
                return -ECONNRESET;
        case LDAP_TIMEOUT:
                return -ETIMEDOUT;
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
                log_warning("modify %s: %s", dn, ldap_err2string(rc));
                return OUT_UNAVAIL;
        default:
                log_error("modify %s: %s%s%s", dn, ldap_err2string(rc), text && *text ? ": " : "",
                          text ? text : "");
                return OUT_LDAP;
        }
}

/* First value of @attr in a Post-Read response control (RFC 4527). */
static char *postread_value(LDAPControl **ctrls, const char *attr)
{
        LDAPControl *c = ldap_control_find(LDAP_CONTROL_POST_READ, ctrls, NULL);
        BerElement *ber;
        struct berval bv;
        char *value = NULL;

        if (!c || !(ber = ber_init(&c->ldctl_value)))
                return NULL;
        if (ber_scanf(ber, "{m{" /*}}*/, &bv) != LBER_ERROR) {
                while (!value && ber_scanf(ber, "{m" /*}*/, &bv) != LBER_ERROR) {
                        BerVarray vals = NULL;
                        bool match = bv.bv_len == strlen(attr) && strncasecmp(bv.bv_val, attr, bv.bv_len) == 0;

                        if (ber_scanf(ber, "[W]", &vals) == LBER_ERROR || !vals)
                                break;
                        if (match && vals[0].bv_val && !memchr(vals[0].bv_val, '\0', vals[0].bv_len))
                                value = strndup(vals[0].bv_val, vals[0].bv_len);
                        ber_bvarray_free(vals);
                }
        }
        ber_free(ber, 1);
        return value;
}

static int modify_on(struct dir *d, LDAP *ld, const char *dn, LDAPMod **mods, const char *attr, char **ret_value)
{
        LDAPControl prc = { .ldctl_oid = (char *)(uintptr_t)LDAP_CONTROL_POST_READ }, *sctrls[2] = { NULL, NULL };
        LDAPControl **rctrls = NULL;
        LDAPMessage *res = NULL;
        BerElement *ber = NULL;
        char *text = NULL;
        int64_t ms = dir_budget_ms(d->conf->timeout);
        int msgid, rc, err = LDAP_OTHER, r;

        if (ms <= 0)
                return -ETIME;
        if (attr) {
                char *attrs[] = { (char *)(uintptr_t)attr, NULL };
                ber = ber_alloc_t(LBER_USE_DER);
                if (!ber || ber_printf(ber, "{v}", attrs) == -1 || ber_flatten2(ber, &prc.ldctl_value, 0) == -1) {
                        if (ber)
                                ber_free(ber, 1);
                        return -ENOMEM;
                }
                sctrls[0] = &prc;
        }
        rc = ldap_modify_ext(ld, dn, mods, attr ? sctrls : NULL, NULL, &msgid);
        if (ber)
                ber_free(ber, 1);
        if (rc != LDAP_SUCCESS)
                return map_mod_rc(rc, dn, NULL);
        struct timeval tv = dir_tv_ms(ms);
        rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
        if (rc == 0)
                return whose_timeout(d, ms, "modify", dn);
        if (rc < 0) {
                /* sent, and the connection went before the answer came:
                 * the change may have been made */
                (void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
                r = map_mod_rc(rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc, dn, NULL);
                if (r == -ECONNRESET) {
                        log_warning("modify %s: the connection was lost before the answer", dn);
                        return -ECONNABORTED;
                }
                return r;
        }
        rc = ldap_parse_result(ld, res, &err, NULL, &text, NULL, &rctrls, 1);
        if (rc != LDAP_SUCCESS)
                return map_mod_rc(rc, dn, NULL);
        if (err == LDAP_SUCCESS && attr && ret_value)
                *ret_value = postread_value(rctrls, attr);
        ldap_controls_free(rctrls);
        r = map_mod_rc(err, dn, text);
        ldap_memfree(text);
        return r;
}

int dir_modify_read(struct dir *d, const char *dn, LDAPMod **mods, const char *attr, char **ret_value)
{
        if (ret_value)
                *ret_value = NULL;
        for (int attempt = 0;; attempt++) {
                struct dir_conn *c;
                int r = dir_conn_acquire(d, &d->svc, &c);

                if (r != 0)
                        return r;
                r = modify_on(d, c->ld, dn, mods, attr, ret_value);
                conn_done(d, c, r);
                /* a pooled handle whose server went away before the
                 * modify was sent: once more on a fresh connection (one
                 * that was sent is never repeated: see dir.h) */
                if (r == -ECONNRESET && attempt == 0)
                        continue;
                if (r == -ECONNRESET || r == -ECONNABORTED || r == -ETIMEDOUT || r == -ETIME)
                        return OUT_UNAVAIL;
                return r;
        }
}

int dir_modify(struct dir *d, const char *dn, LDAPMod **mods)
{
        return dir_modify_read(d, dn, mods, NULL, NULL);
}

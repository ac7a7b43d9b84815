/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dir.h"
#include "log.h"
#include "macro.h"
#include "util.h"

struct dir_conn {
        LDAP *ld;
        bool busy;
};

struct dir {
        const struct sesame_conf *conf;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        size_t n;
        struct dir_conn *conns;
        int64_t down_until; /* fail fast until then (monotonic ms) */
        /* the bind password, in guarded memory that is readable only
         * while a bind uses it */
        pthread_mutex_t pw_lock;
        char *bindpw;
        size_t bindpw_len;
};

struct dir *dir_new(const struct sesame_conf *conf)
{
        struct dir *d = calloc(1, sizeof(*d));
        pthread_condattr_t ca;

        if (!d)
                return NULL;
        d->conf = conf;
        d->n = conf->ldap_connections;
        d->conns = calloc(d->n, sizeof(*d->conns));
        if (!d->conns)
                return dir_free(d);
        (void)pthread_mutex_init(&d->lock, NULL);
        (void)pthread_mutex_init(&d->pw_lock, NULL);
        (void)pthread_condattr_init(&ca);
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void)pthread_cond_init(&d->cond, &ca);
        (void)pthread_condattr_destroy(&ca);
        if (conf->bindpw) {
                d->bindpw_len = strlen(conf->bindpw);
                d->bindpw = sodium_malloc(d->bindpw_len + 1);
                if (!d->bindpw)
                        return dir_free(d);
                memcpy(d->bindpw, conf->bindpw, d->bindpw_len + 1);
                (void)sodium_mprotect_noaccess(d->bindpw);
        }
        return d;
}

struct dir *dir_free(struct dir *d)
{
        if (!d)
                return NULL;
        for (size_t i = 0; d->conns && i < d->n; i++)
                if (d->conns[i].ld)
                        (void)ldap_unbind_ext_s(d->conns[i].ld, NULL, NULL);
        free(d->conns);
        if (d->bindpw)
                sodium_free(d->bindpw); /* wipes */
        (void)pthread_mutex_destroy(&d->lock);
        (void)pthread_mutex_destroy(&d->pw_lock);
        (void)pthread_cond_destroy(&d->cond);
        free(d);
        return NULL;
}

static void set_options(const struct sesame_conf *conf, LDAP *ld)
{
        int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
        int timelimit = (int)conf->timeout;
        struct timeval net = { .tv_sec = conf->connect_timeout };
        struct timeval op = { .tv_sec = conf->timeout };

        (void)ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
        (void)ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
        (void)ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
        (void)ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
        (void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
        (void)ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &timelimit);
        if (conf->ca_file && *conf->ca_file)
                (void)ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, conf->ca_file);
        (void)ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
        /* a context of this handle's own, with the options above */
        (void)ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
}

static int bind_service(struct dir *d, LDAP *ld)
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

/* One handle to the first URI that works. */
static int conn_open(struct dir *d, LDAP **ret)
{
        const struct sesame_conf *conf = d->conf;

        for (size_t i = 0; i < conf->n_uri; i++) {
                const char *uri = conf->uri[i];
                LDAP *ld = NULL;
                int rc = ldap_initialize(&ld, uri);

                if (rc != LDAP_SUCCESS) {
                        log_error("%s: %s", uri, ldap_err2string(rc));
                        continue;
                }
                set_options(conf, ld);
                if (conf->starttls && strncmp(uri, "ldap://", 7) == 0) {
                        rc = ldap_start_tls_s(ld, NULL, NULL);
                        if (rc != LDAP_SUCCESS) {
                                /* never fall back to clear text */
                                log_error("%s: StartTLS failed: %s", uri, ldap_err2string(rc));
                                (void)ldap_unbind_ext_s(ld, NULL, NULL);
                                continue;
                        }
                }
                rc = bind_service(d, ld);
                if (rc != LDAP_SUCCESS) {
                        log_error("%s: bind as '%s' failed: %s", uri,
                                  conf->binddn ? conf->binddn : "(anonymous)", ldap_err2string(rc));
                        (void)ldap_unbind_ext_s(ld, NULL, NULL);
                        continue;
                }
                log_info("connected to %s", uri);
                *ret = ld;
                return 0;
        }
        return -EHOSTDOWN;
}

static int conn_acquire(struct dir *d, struct dir_conn **ret)
{
        int64_t deadline = now_ms() + (int64_t)d->conf->timeout * 1000;
        struct dir_conn *c = NULL;
        int r;

        (void)pthread_mutex_lock(&d->lock);
        for (;;) {
                for (size_t i = 0; i < d->n && !c; i++)
                        if (!d->conns[i].busy)
                                c = &d->conns[i];
                if (c)
                        break;
                struct timespec ts = { .tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000 };
                if (pthread_cond_timedwait(&d->cond, &d->lock, &ts) == ETIMEDOUT) {
                        (void)pthread_mutex_unlock(&d->lock);
                        return -EHOSTDOWN;
                }
        }
        if (!c->ld && now_ms() < d->down_until) {
                (void)pthread_mutex_unlock(&d->lock);
                return -EHOSTDOWN;
        }
        c->busy = true;
        (void)pthread_mutex_unlock(&d->lock);

        if (!c->ld) {
                r = conn_open(d, &c->ld);
                (void)pthread_mutex_lock(&d->lock);
                if (r < 0) {
                        if (now_ms() >= d->down_until)
                                log_warning("no LDAP server reachable; failing fast for %u s",
                                            d->conf->reconnect_interval);
                        d->down_until = now_ms() + (int64_t)d->conf->reconnect_interval * 1000;
                        c->busy = false;
                        (void)pthread_cond_signal(&d->cond);
                } else
                        d->down_until = 0;
                (void)pthread_mutex_unlock(&d->lock);
                if (r < 0)
                        return r;
        }
        *ret = c;
        return 0;
}

static void conn_release(struct dir *d, struct dir_conn *c, bool broken, bool down)
{
        LDAP *old = NULL;

        (void)pthread_mutex_lock(&d->lock);
        if (broken) {
                old = c->ld;
                c->ld = NULL;
        }
        if (down)
                d->down_until = now_ms() + (int64_t)d->conf->reconnect_interval * 1000;
        c->busy = false;
        (void)pthread_cond_signal(&d->cond);
        (void)pthread_mutex_unlock(&d->lock);
        if (old)
                (void)ldap_unbind_ext_s(old, NULL, NULL);
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
                return -E2BIG;
        case LDAP_SERVER_DOWN:
        case LDAP_CONNECT_ERROR:
                return -ECONNRESET;
        case LDAP_TIMEOUT:
                log_warning("search %s: no answer in time", filter);
                return -ETIMEDOUT;
        default:
                log_error("search %s: %s", filter, ldap_err2string(rc));
                return -EIO;
        }
}

/* Reads the paged-results cookie of @res into @cookie (emptied when this
 * was the last page). */
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

static int search_on(struct dir *d, LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                     bool paged, dir_entry_cb cb, void *userdata, bool *delivered)
{
        struct berval cookie = { 0, NULL };
        int r = 0;

        do {
                LDAPControl *ctrls[2] = { NULL, NULL };
                LDAPMessage *res = NULL;
                struct timeval tv = { .tv_sec = d->conf->timeout };
                int rc;

                if (paged) {
                        rc = ldap_create_page_control(ld, (ber_int_t)d->conf->page_size, &cookie, 0, &ctrls[0]);
                        if (rc != LDAP_SUCCESS) {
                                r = -ENOMEM;
                                break;
                        }
                }
                rc = ldap_search_ext_s(ld, base, scope, filter, attrs, 0, paged ? ctrls : NULL, NULL, &tv,
                                       LDAP_NO_LIMIT, &res);
                if (ctrls[0])
                        ldap_control_free(ctrls[0]);
                r = map_rc(rc, filter);
                if (r < 0 || rc == LDAP_NO_SUCH_OBJECT) {
                        ldap_msgfree(res);
                        break;
                }
                for (LDAPMessage *e = ldap_first_entry(ld, res); e && r == 0; e = ldap_next_entry(ld, e)) {
                        *delivered = true;
                        r = cb(ld, e, userdata);
                }
                if (paged && r == 0)
                        next_cookie(ld, res, &cookie);
                ldap_msgfree(res);
        } while (r == 0 && paged && cookie.bv_val && cookie.bv_len > 0);
        ber_memfree(cookie.bv_val);
        return r;
}

int dir_search(struct dir *d, const char *base, int scope, const char *filter, char **attrs, bool paged,
               dir_entry_cb cb, void *userdata)
{
        for (int attempt = 0;; attempt++) {
                struct dir_conn *c;
                bool delivered = false;
                int r = conn_acquire(d, &c);

                if (r < 0)
                        return r;
                r = search_on(d, c->ld, base, scope, filter, attrs, paged, cb, userdata, &delivered);
                conn_release(d, c, r == -ECONNRESET || r == -ETIMEDOUT, r == -ETIMEDOUT);
                /* a pooled handle whose server went away (restart, idle
                 * timeout): one more try on a fresh connection */
                if (r == -ECONNRESET && !delivered && attempt == 0)
                        continue;
                if (r == -ECONNRESET || r == -ETIMEDOUT)
                        return -EHOSTDOWN;
                return r;
        }
}

int dir_ping(struct dir *d)
{
        struct dir_conn *c;
        int r = conn_acquire(d, &c);

        if (r < 0)
                return r;
        conn_release(d, c, false, false);
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

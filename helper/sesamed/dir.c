/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir.c - the directory connection pool and the user binds (see dir.h).
 *
 * Inside this file the static helpers speak in negative errno values of
 * their own (-ETIME: the request's deadline passed before a step;
 * -ETIMEDOUT: a server did not answer in time; -ECONNRESET: a pooled
 * connection is dead; -EHOSTUNREACH: a connect failed; -EHOSTDOWN: no
 * URI could be used).  The public functions turn them into outcome.h
 * values before they return, so none of these meanings leaves the file.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "conf.h"
#include "dir.h"
#include "log.h"
#include "macro.h"
#include "outcome.h"
#include "proto.h"
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

/* The calling thread's request deadline (monotonic ms); 0: none. */
static _Thread_local int64_t tl_deadline;

void dir_deadline_set(int64_t deadline) { tl_deadline = deadline; }

/* @secs, shortened to what is left until the thread's deadline; in ms,
 * <= 0 when nothing is left. */
static int64_t budget_ms(uint32_t secs)
{
        int64_t ms = (int64_t)secs * 1000;

        if (tl_deadline > 0)
                ms = MIN(ms, tl_deadline - now_ms());
        return ms;
}

static struct timeval tv_ms(int64_t ms)
{
        if (ms < 1)
                ms = 1;
        return (struct timeval){ .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
}

/* The configured connect and operation time limits. */
static void reset_timeouts(const struct sesame_conf *conf, LDAP *ld)
{
        struct timeval net = { .tv_sec = conf->connect_timeout };
        struct timeval op = { .tv_sec = conf->timeout };

        (void)ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
        (void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
}

/* Connect and operation time limits of @ld: the configured ones, or less
 * when the thread's deadline is nearer.  -ETIME if it has passed. */
static int set_timeouts(const struct sesame_conf *conf, LDAP *ld)
{
        int64_t net_ms = budget_ms(conf->connect_timeout), op_ms = budget_ms(conf->timeout);
        struct timeval net = tv_ms(net_ms), op = tv_ms(op_ms);

        if (net_ms <= 0 || op_ms <= 0)
                return -ETIME;
        (void)ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
        (void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
        return 0;
}

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

        (void)ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
        (void)ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
        (void)ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
        /* the configured limits; set_timeouts() shortens them for a
         * connect under a request deadline */
        reset_timeouts(conf, ld);
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

/*
 * Connect @ld (a fresh handle for @uri) and StartTLS when configured (a
 * failure is an error, never a fallback to clear text).  Each step (the
 * connect, the StartTLS exchange, the TLS handshake) and then the
 * caller's next operation (the bind) gets the time limits again,
 * shortened to what is left of the request's deadline, so that together
 * they end by it: libldap takes LDAP_OPT_NETWORK_TIMEOUT and
 * LDAP_OPT_TIMEOUT afresh for each wait.
 * 0; -ETIME: the deadline passed before a step, which was not started;
 * -EHOSTUNREACH: the connect failed (*@ldrc says why; not logged);
 * -EIO: StartTLS failed (logged).
 */
static int conn_setup(const struct sesame_conf *conf, LDAP *ld, const char *uri, int *ldrc)
{
        LDAPMessage *res = NULL;
        int msgid, rc, err = LDAP_OTHER;

        if (set_timeouts(conf, ld) < 0)
                return -ETIME;
        rc = ldap_connect(ld);
        if (rc != LDAP_SUCCESS) {
                (void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
                *ldrc = rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
                return -EHOSTUNREACH;
        }
        if (set_timeouts(conf, ld) < 0)
                return -ETIME;
        if (!conf->starttls || strncmp(uri, "ldap://", 7) != 0)
                return 0;
        rc = ldap_start_tls(ld, NULL, NULL, &msgid);
        if (rc == LDAP_SUCCESS) {
                /* NULL: wait4msg() takes LDAP_OPT_TIMEOUT, just set */
                rc = ldap_result(ld, msgid, LDAP_MSG_ALL, NULL, &res);
                if (rc == 0)
                        rc = LDAP_TIMEOUT;
                else if (rc < 0)
                        rc = LDAP_SERVER_DOWN;
                else if (ldap_parse_result(ld, res, &err, NULL, NULL, NULL, NULL, 1) != LDAP_SUCCESS)
                        rc = LDAP_OTHER;
                else
                        rc = err;
        }
        if (rc == LDAP_SUCCESS) {
                if (set_timeouts(conf, ld) < 0)
                        return -ETIME;
                rc = ldap_install_tls(ld);
        }
        if (rc != LDAP_SUCCESS) {
                log_error("%s: StartTLS failed: %s", uri, ldap_err2string(rc));
                return -EIO;
        }
        return set_timeouts(conf, ld) < 0 ? -ETIME : 0;
}

/*
 * A connected (and, as configured, StartTLS'd) handle for @uri: the
 * pool's and the user binds' common start.  0 and *@ret; otherwise the
 * handle is gone and conn_setup()'s -ETIME, -EHOSTUNREACH (*@ldrc) or
 * -EIO (logged) tells what happened.
 */
static int uri_connect(const struct sesame_conf *conf, const char *uri, LDAP **ret, int *ldrc)
{
        LDAP *ld = NULL;
        int r, rc = ldap_initialize(&ld, uri);

        if (rc != LDAP_SUCCESS) {
                log_error("%s: %s", uri, ldap_err2string(rc));
                return -EIO;
        }
        set_options(conf, ld);
        r = conn_setup(conf, ld, uri, ldrc);
        if (r < 0) {
                (void)ldap_unbind_ext_s(ld, NULL, NULL);
                return r;
        }
        *ret = ld;
        return 0;
}

/* One handle to the first URI that works. */
static int conn_open(struct dir *d, LDAP **ret)
{
        const struct sesame_conf *conf = d->conf;

        for (size_t i = 0; i < conf->n_uri; i++) {
                const char *uri = conf->uri[i];
                LDAP *ld = NULL;
                int rc = LDAP_SUCCESS, r = uri_connect(conf, uri, &ld, &rc);

                if (r < 0) {
                        if (r == -ETIME)
                                return -ETIMEDOUT;
                        if (r == -EHOSTUNREACH)
                                log_error("%s: %s", uri, ldap_err2string(rc));
                        continue;
                }
                rc = bind_service(d, ld);
                if (rc != LDAP_SUCCESS) {
                        log_error("%s: bind as '%s' failed: %s", uri,
                                  conf->binddn ? conf->binddn : "(anonymous)", ldap_err2string(rc));
                        (void)ldap_unbind_ext_s(ld, NULL, NULL);
                        continue;
                }
                log_info("connected to %s", uri);
                reset_timeouts(conf, ld); /* the full limits again for what follows */
                *ret = ld;
                return 0;
        }
        return -EHOSTDOWN;
}

static int conn_acquire(struct dir *d, struct dir_conn **ret)
{
        int64_t budget = budget_ms(d->conf->timeout), deadline = now_ms() + budget;
        struct dir_conn *c = NULL;
        int r;

        if (budget <= 0)
                return OUT_UNAVAIL;
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
                        return OUT_UNAVAIL;
                }
        }
        if (!c->ld && now_ms() < d->down_until) {
                (void)pthread_mutex_unlock(&d->lock);
                return OUT_UNAVAIL;
        }
        c->busy = true;
        (void)pthread_mutex_unlock(&d->lock);

        if (!c->ld) {
                r = conn_open(d, &c->ld);
                (void)pthread_mutex_lock(&d->lock);
                if (r == -EHOSTDOWN) {
                        if (now_ms() >= d->down_until)
                                log_warning("no LDAP server reachable; failing fast for %u s",
                                            d->conf->reconnect_interval);
                        d->down_until = now_ms() + (int64_t)d->conf->reconnect_interval * 1000;
                } else if (r == 0)
                        d->down_until = 0;
                if (r < 0) {
                        c->busy = false;
                        (void)pthread_cond_signal(&d->cond);
                }
                (void)pthread_mutex_unlock(&d->lock);
                if (r < 0)
                        return OUT_UNAVAIL; /* unreachable, or the request's time is up */
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
                return OUT_LIMIT;
        case LDAP_SERVER_DOWN:
        case LDAP_CONNECT_ERROR:
                return -ECONNRESET;
        case LDAP_TIMEOUT:
                log_warning("search %s: no answer in time", filter);
                return -ETIMEDOUT;
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
                log_warning("search %s: %s", filter, ldap_err2string(rc));
                return OUT_UNAVAIL;
        default:
                log_error("search %s: %s", filter, ldap_err2string(rc));
                return OUT_LDAP;
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
                int64_t ms = budget_ms(d->conf->timeout);
                struct timeval tv = tv_ms(ms);
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
                rc = ldap_search_ext_s(ld, base, scope, filter, attrs, 0, paged ? ctrls : NULL, NULL, &tv,
                                       LDAP_NO_LIMIT, &res);
                if (ctrls[0])
                        ldap_control_free(ctrls[0]);
                r = map_rc(rc, filter);
                if (r != 0 || rc == LDAP_NO_SUCH_OBJECT) {
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

                if (r != 0)
                        return r;
                r = search_on(d, c->ld, base, scope, filter, attrs, paged, cb, userdata, &delivered);
                conn_release(d, c, r == -ECONNRESET || r == -ETIMEDOUT, r == -ETIMEDOUT);
                /* a pooled handle whose server went away (restart, idle
                 * timeout): one more try on a fresh connection */
                if (r == -ECONNRESET && !delivered && attempt == 0)
                        continue;
                if (r == -ECONNRESET || r == -ETIMEDOUT || r == -ETIME)
                        return OUT_UNAVAIL;
                return r;
        }
}

int dir_ping(struct dir *d)
{
        struct dir_conn *c;
        int r = conn_acquire(d, &c);

        if (r != 0)
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

/* ------------------------------------------------------------ user binds */

static bool utf8_ok(const char *s) { return utf8_valid((const uint8_t *)s, strlen(s)); }

static bool fail_fast(struct dir *d)
{
        bool down;

        (void)pthread_mutex_lock(&d->lock);
        down = now_ms() < d->down_until;
        (void)pthread_mutex_unlock(&d->lock);
        return down;
}

static void mark_down(struct dir *d)
{
        (void)pthread_mutex_lock(&d->lock);
        if (now_ms() >= d->down_until)
                log_warning("no LDAP server reachable; failing fast for %u s", d->conf->reconnect_interval);
        d->down_until = now_ms() + (int64_t)d->conf->reconnect_interval * 1000;
        (void)pthread_mutex_unlock(&d->lock);
}

/* A result code that says "this server is not there (now)": try the
 * next URI. */
static bool rc_unreachable(int rc)
{
        return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT || rc == LDAP_BUSY ||
               rc == LDAP_UNAVAILABLE;
}

/*
 * A fresh connection bound as @dn with @cred: the pool's URIs in order,
 * its options and StartTLS rule, under the request's deadline.
 * 0 and *ret; OUT_BAD_CREDENTIALS, OUT_UNAVAIL or OUT_LDAP (logged).
 */
static int user_conn(struct dir *d, const char *dn, const struct berval *cred, LDAP **ret)
{
        const struct sesame_conf *conf = d->conf;
        bool timed_out = false;

        if (!dn || !*dn || !cred->bv_val || cred->bv_len == 0)
                return OUT_BAD_CREDENTIALS; /* never an anonymous or unauthenticated bind */
        if (fail_fast(d))
                return OUT_UNAVAIL;
        for (size_t i = 0; i < conf->n_uri; i++) {
                const char *uri = conf->uri[i];
                LDAP *ld = NULL;
                int rc = LDAP_SUCCESS, r = uri_connect(conf, uri, &ld, &rc);

                if (r < 0) {
                        if (r == -ETIME) {
                                timed_out = true;
                                break;
                        }
                        if (r == -EHOSTUNREACH)
                                log_debug("%s: user bind: %s; trying the next server", uri, ldap_err2string(rc));
                        continue;
                }
                rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, (struct berval *)(uintptr_t)cred, NULL, NULL,
                                      NULL);
                if (rc == LDAP_SUCCESS) {
                        *ret = ld;
                        return 0;
                }
                (void)ldap_unbind_ext_s(ld, NULL, NULL);
                if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH)
                        return OUT_BAD_CREDENTIALS;
                if (rc_unreachable(rc)) {
                        log_debug("%s: user bind: %s; trying the next server", uri, ldap_err2string(rc));
                        continue;
                }
                /* the server answered, with something else: it is not a
                 * wrong password, and another server would say the same */
                log_error("%s: bind as %s: %s", uri, dn, ldap_err2string(rc));
                return OUT_LDAP;
        }
        if (!timed_out)
                mark_down(d);
        return OUT_UNAVAIL;
}

int dir_user_bind(struct dir *d, const char *dn, const char *password)
{
        struct berval cred = { password ? strlen(password) : 0, (char *)(uintptr_t)password };
        LDAP *ld = NULL;
        int r;

        if (cred.bv_len == 0)
                return OUT_BAD_CREDENTIALS;
        r = user_conn(d, dn, &cred, &ld);
        if (r == 0)
                (void)ldap_unbind_ext_s(ld, NULL, NULL);
        return r;
}

/* @text made printable (control characters become blanks) into @msg;
 * invalid UTF-8 is replaced by @fallback. */
static void copy_diag(const char *text, const char *fallback, char *msg, size_t size)
{
        size_t n = 0;

        if (!msg || size == 0)
                return;
        if (!text || !*text || !utf8_ok(text)) {
                (void)snprintf(msg, size, "%s", fallback);
                return;
        }
        for (const char *p = text; *p && n + 1 < size; p++)
                msg[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
        /* do not cut a multi-byte character in half */
        while (n > 0 && !utf8_valid((const uint8_t *)msg, n))
                n--;
        msg[n] = '\0';
}

int dir_passwd(struct dir *d, const char *dn, const char *oldpw, const char *newpw, char *msg, size_t msgsize)
{
        struct berval old = { oldpw ? strlen(oldpw) : 0, (char *)(uintptr_t)oldpw };
        struct berval new = { newpw ? strlen(newpw) : 0, (char *)(uintptr_t)newpw };
        struct berval user = { dn ? strlen(dn) : 0, (char *)(uintptr_t)dn };
        LDAPMessage *res = NULL;
        LDAP *ld = NULL;
        char *text = NULL;
        int64_t ms;
        int msgid, rc, err = LDAP_OTHER, r;

        if (msg && msgsize)
                msg[0] = '\0';
        if (old.bv_len == 0)
                return OUT_BAD_CREDENTIALS;
        if (new.bv_len == 0) {
                copy_diag(NULL, "The new password is empty.", msg, msgsize);
                return OUT_PASSWORD_POLICY;
        }
        r = user_conn(d, dn, &old, &ld);
        if (r != 0)
                return r;
        ms = budget_ms(d->conf->timeout);
        if (ms <= 0) {
                r = OUT_UNAVAIL;
                goto out;
        }
        rc = ldap_passwd(ld, &user, &old, &new, NULL, NULL, &msgid);
        if (rc != LDAP_SUCCESS) {
                r = rc_unreachable(rc) ? OUT_UNAVAIL : OUT_LDAP;
                log_error("password change for %s: %s", dn, ldap_err2string(rc));
                goto out;
        }
        struct timeval tv = tv_ms(ms);
        rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
        if (rc <= 0) {
                log_warning("password change for %s: %s", dn, rc == 0 ? "no answer in time" : "connection lost");
                r = OUT_UNAVAIL;
                goto out;
        }
        rc = ldap_parse_result(ld, res, &err, NULL, &text, NULL, NULL, 1);
        res = NULL;
        if (rc != LDAP_SUCCESS) {
                r = OUT_LDAP;
                goto out;
        }
        switch (err) {
        case LDAP_SUCCESS:
                r = 0;
                break;
        case LDAP_INVALID_CREDENTIALS:
                r = OUT_BAD_CREDENTIALS;
                break;
        case LDAP_CONSTRAINT_VIOLATION:
        case LDAP_UNWILLING_TO_PERFORM:
        case LDAP_INVALID_SYNTAX:
                /* a password policy said no: its words are for the user */
                copy_diag(text, "The directory refused the new password.", msg, msgsize);
                log_info("password change for %s refused by the directory: %s", dn, ldap_err2string(err));
                r = OUT_PASSWORD_POLICY;
                break;
        case LDAP_INSUFFICIENT_ACCESS:
                log_error("password change for %s: %s (the ACLs must give 'self write' on userPassword)", dn,
                          ldap_err2string(err));
                r = OUT_ACCESS;
                break;
        default:
                log_error("password change for %s: %s", dn, ldap_err2string(err));
                r = rc_unreachable(err) ? OUT_UNAVAIL : OUT_LDAP;
                break;
        }
out:
        ldap_msgfree(res);
        ldap_memfree(text);
        (void)ldap_unbind_ext_s(ld, NULL, NULL);
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
        int64_t ms = budget_ms(d->conf->timeout);
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
        struct timeval tv = tv_ms(ms);
        rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
        if (rc == 0) {
                log_warning("modify %s: no answer in time", dn);
                return -ETIMEDOUT;
        }
        if (rc < 0) {
                (void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
                return map_mod_rc(rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc, dn, NULL);
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
                int r = conn_acquire(d, &c);

                if (r != 0)
                        return r;
                r = modify_on(d, c->ld, dn, mods, attr, ret_value);
                conn_release(d, c, r == -ECONNRESET || r == -ETIMEDOUT, r == -ETIMEDOUT);
                /* a pooled handle whose server went away: once more on a
                 * fresh connection (see dir.h: callers' changes are safe
                 * to repeat) */
                if (r == -ECONNRESET && attempt == 0)
                        continue;
                if (r == -ECONNRESET || r == -ETIMEDOUT || r == -ETIME)
                        return OUT_UNAVAIL;
                return r;
        }
}

int dir_modify(struct dir *d, const char *dn, LDAPMod **mods)
{
        return dir_modify_read(d, dn, mods, NULL, NULL);
}

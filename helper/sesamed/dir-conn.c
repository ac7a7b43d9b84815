/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-conn.c - connecting to one directory server: its name looked up
 * within connect_timeout, libldap options, time limits under the
 * request's deadline, StartTLS; and what is known about each server,
 * which the pool and the user binds share (see dir-internal.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "conf.h"
#include "dir-internal.h"
#include "dir.h"
#include "log.h"
#include "macro.h"
#include "util.h"

/* TCP keepalive of every connection, in seconds: a dead path is found
 * within IDLE + PROBES * INTERVAL of the last packet */
#define DIR_KEEPALIVE_IDLE 30
#define DIR_KEEPALIVE_PROBES 3
#define DIR_KEEPALIVE_INTERVAL 10

/* The calling thread's request deadline (monotonic ms); 0: none. */
static _Thread_local int64_t tl_deadline;

void dir_deadline_set(int64_t deadline) { tl_deadline = deadline; }

/* The calling thread's caller (dir_caller_set()). */
static _Thread_local int64_t tl_wait_deadline;
static _Thread_local bool tl_reserved = true;

void dir_caller_set(int64_t wait_deadline, bool reserved)
{
        tl_wait_deadline = wait_deadline;
        tl_reserved = reserved;
}

int64_t dir_wait_deadline(void) { return tl_wait_deadline; }
bool dir_may_use_reserve(void) { return tl_reserved; }

/* libldap and poll() may wake a hair before the time they were given */
#define DEADLINE_SLACK_MS 10

bool dir_deadline_passed(void) { return tl_deadline > 0 && now_ms() >= tl_deadline - DEADLINE_SLACK_MS; }

/* @secs, shortened to what is left until the thread's deadline; in ms,
 * <= 0 when nothing is left. */
int64_t dir_budget_ms(uint32_t secs)
{
        int64_t ms = (int64_t)secs * 1000;

        if (tl_deadline > 0)
                ms = MIN(ms, tl_deadline - now_ms());
        return ms;
}

struct timeval dir_tv_ms(int64_t ms)
{
        if (ms < 1)
                ms = 1;
        return (struct timeval){ .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
}

/* The configured connect and operation time limits. */
void dir_reset_timeouts(const struct sesame_conf *conf, LDAP *ld)
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
        int64_t net_ms = dir_budget_ms(conf->connect_timeout), op_ms = dir_budget_ms(conf->timeout);
        struct timeval net = dir_tv_ms(net_ms), op = dir_tv_ms(op_ms);

        if (net_ms <= 0 || op_ms <= 0)
                return -ETIME;
        (void)ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
        (void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
        return 0;
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
        dir_reset_timeouts(conf, ld);
        (void)ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &timelimit);
        /* a pooled connection whose path died silently while idle is
         * found within KEEPALIVE_IDLE + PROBES * INTERVAL seconds, not the
         * kernel's two hours; and data the peer never acknowledges fails
         * the connection after the operation timeout */
        (void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &(int){ DIR_KEEPALIVE_IDLE });
        (void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &(int){ DIR_KEEPALIVE_PROBES });
        (void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &(int){ DIR_KEEPALIVE_INTERVAL });
        (void)ldap_set_option(ld, LDAP_OPT_TCP_USER_TIMEOUT, &(unsigned){ conf->timeout * 1000 });
        if (conf->ca_file && *conf->ca_file)
                (void)ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, conf->ca_file);
        (void)ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
        /* a context of this handle's own, with the options above */
        (void)ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
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

/* ------------------------------------------------------------ libldap */

static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond; /* on CLOCK_MONOTONIC once started */
        bool started, done;
} lib = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *library_init_thread(void *arg _unused_)
{
        int v = 0;

        /* the first use of the global options runs ldap_int_initialize() */
        (void)ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v);
        (void)pthread_mutex_lock(&lib.lock);
        lib.done = true;
        (void)pthread_cond_broadcast(&lib.cond);
        (void)pthread_mutex_unlock(&lib.lock);
        return NULL;
}

void dir_library_init(void)
{
        pthread_condattr_t ca;
        pthread_attr_t attr;
        pthread_t t;

        (void)pthread_condattr_init(&ca);
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void)pthread_cond_init(&lib.cond, &ca);
        (void)pthread_condattr_destroy(&ca);
        (void)pthread_attr_init(&attr);
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void)pthread_attr_setstacksize(&attr, 256 * 1024);
        /* failing that, the first connection does it, as it would anyway */
        lib.started = pthread_create(&t, &attr, library_init_thread, NULL) == 0;
        (void)pthread_attr_destroy(&attr);
}

void dir_library_wait(int64_t ms)
{
        int64_t end = now_ms() + ms;

        (void)pthread_mutex_lock(&lib.lock);
        while (lib.started && !lib.done) {
                struct timespec ts = { .tv_sec = end / 1000, .tv_nsec = (end % 1000) * 1000000 };
                if (pthread_cond_timedwait(&lib.cond, &lib.lock, &ts) == ETIMEDOUT)
                        break;
        }
        (void)pthread_mutex_unlock(&lib.lock);
}

/* ------------------------------------------------------------ names */

/* One name lookup, in a thread of its own that the caller may abandon:
 * getaddrinfo() has no time limit of its own but the resolver's (seconds
 * per server and attempt, from resolv.conf), and a hung DNS server must
 * not hold a login longer than connect_timeout.  Whoever drops the last
 * reference frees it. */
struct name_lookup {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int refs;
        bool done;
        int rc; /* getaddrinfo()'s */
        char host[];
};

static void lookup_unref(struct name_lookup *l)
{
        bool last;

        (void)pthread_mutex_lock(&l->lock);
        last = --l->refs == 0;
        (void)pthread_mutex_unlock(&l->lock);
        if (!last)
                return;
        (void)pthread_mutex_destroy(&l->lock);
        (void)pthread_cond_destroy(&l->cond);
        free(l);
}

static void *lookup_thread(void *arg)
{
        struct name_lookup *l = arg;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
        int rc = getaddrinfo(l->host, NULL, &hints, &res);

        if (res)
                freeaddrinfo(res);
        (void)pthread_mutex_lock(&l->lock);
        l->rc = rc;
        l->done = true;
        (void)pthread_cond_signal(&l->cond);
        (void)pthread_mutex_unlock(&l->lock);
        lookup_unref(l);
        return NULL;
}

/* getaddrinfo(@host) within @ms: its result, or EAI_AGAIN with *@timed_out
 * when it did not finish in time (the thread is left to finish alone), or
 * EAI_MEMORY / EAI_SYSTEM when it could not be started. */
static int lookup_within(const char *host, int64_t ms, bool *timed_out)
{
        size_t n = strlen(host) + 1;
        struct name_lookup *l = calloc(1, sizeof(*l) + n);
        int64_t end = now_ms() + ms;
        pthread_condattr_t ca;
        pthread_attr_t attr;
        pthread_t t;
        int rc;

        *timed_out = false;
        if (!l)
                return EAI_MEMORY;
        memcpy(l->host, host, n);
        l->refs = 2;
        (void)pthread_mutex_init(&l->lock, NULL);
        (void)pthread_condattr_init(&ca);
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        (void)pthread_cond_init(&l->cond, &ca);
        (void)pthread_condattr_destroy(&ca);
        (void)pthread_attr_init(&attr);
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void)pthread_attr_setstacksize(&attr, 256 * 1024);
        rc = pthread_create(&t, &attr, lookup_thread, l);
        (void)pthread_attr_destroy(&attr);
        if (rc != 0) {
                l->refs = 1;
                lookup_unref(l);
                return EAI_SYSTEM;
        }
        (void)pthread_mutex_lock(&l->lock);
        while (!l->done) {
                struct timespec ts = { .tv_sec = end / 1000, .tv_nsec = (end % 1000) * 1000000 };
                if (pthread_cond_timedwait(&l->cond, &l->lock, &ts) == ETIMEDOUT && !l->done) {
                        *timed_out = true;
                        break;
                }
        }
        rc = l->done ? l->rc : EAI_AGAIN;
        (void)pthread_mutex_unlock(&l->lock);
        lookup_unref(l);
        return rc;
}

/*
 * The host name of @uri resolves, within connect_timeout (shortened to the
 * request's deadline).  libldap looks it up again when it connects, from
 * the resolver that has just answered; its own lookup has no time limit,
 * which is why this one comes first.  Numeric addresses and ldapi:// need
 * none.  0; -ETIME (the deadline passed); -EHOSTUNREACH (logged).
 */
static int check_name(const struct sesame_conf *conf, const char *uri)
{
        LDAPURLDesc *lud = NULL;
        unsigned char addr[sizeof(struct in6_addr)];
        bool timed_out;
        int64_t ms;
        int rc, r = 0;

        if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
                return 0; /* ldap_initialize() says what is wrong */
        if (!lud->lud_host || !*lud->lud_host || strcasecmp(lud->lud_scheme, "ldapi") == 0 ||
            inet_pton(AF_INET, lud->lud_host, addr) == 1 || inet_pton(AF_INET6, lud->lud_host, addr) == 1)
                goto out;
        ms = dir_budget_ms(conf->connect_timeout);
        if (ms <= 0) {
                r = -ETIME;
                goto out;
        }
        rc = lookup_within(lud->lud_host, ms, &timed_out);
        if (rc == 0)
                goto out;
        if (timed_out && dir_deadline_passed())
                r = -ETIME;
        else if (timed_out) {
                log_warning("%s: the name lookup of %s did not finish within connect_timeout (%u s)", uri,
                            lud->lud_host, conf->connect_timeout);
                r = -EHOSTUNREACH;
        } else {
                log_warning("%s: the name lookup of %s failed: %s", uri, lud->lud_host, gai_strerror(rc));
                r = -EHOSTUNREACH;
        }
out:
        ldap_free_urldesc(lud);
        return r;
}

int dir_uri_connect(const struct sesame_conf *conf, const char *uri, LDAP **ret, int *ldrc)
{
        LDAP *ld = NULL;
        int r, rc;

        r = check_name(conf, uri);
        if (r < 0) {
                *ldrc = LDAP_CONNECT_ERROR;
                return r;
        }
        rc = ldap_initialize(&ld, uri);
        if (rc != LDAP_SUCCESS) {
                log_error("%s: %s", uri, ldap_err2string(rc));
                return -EIO;
        }
        set_options(conf, ld);
        r = conn_setup(conf, ld, uri, ldrc);
        if (r < 0) {
                (void)ldap_unbind_ext_s(ld, NULL, NULL);
                /* a connect cut short by the request's own deadline says
                 * nothing about the server */
                return r == -EHOSTUNREACH && dir_deadline_passed() ? -ETIME : r;
        }
        *ret = ld;
        return 0;
}

/* ------------------------------------------------------------ servers */

size_t dir_server_order(struct dir *d, size_t *order)
{
        size_t n = 0, n_uri = d->conf->n_uri;
        int64_t now = now_ms();

        (void)pthread_mutex_lock(&d->lock);
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n_uri; i++) {
                        const struct dir_server *s = &d->servers[i];
                        bool suspect = now < s->suspect_until;

                        if (now >= s->down_until && suspect == (pass == 1))
                                order[n++] = i;
                }
        (void)pthread_mutex_unlock(&d->lock);
        return n;
}

void dir_server_down(struct dir *d, size_t i, const char *why)
{
        const struct sesame_conf *conf = d->conf;
        int64_t now = now_ms();
        bool was_down, all_down = true;

        (void)pthread_mutex_lock(&d->lock);
        was_down = now < d->servers[i].down_until;
        d->servers[i].down_until = now + (int64_t)conf->reconnect_interval * 1000;
        for (size_t j = 0; j < conf->n_uri; j++)
                if (now >= d->servers[j].down_until)
                        all_down = false;
        (void)pthread_mutex_unlock(&d->lock);
        if (!was_down)
                log_warning("%s: %s; not tried again for %u s", conf->uri[i], why, conf->reconnect_interval);
        if (all_down && !was_down)
                log_warning("no LDAP server reachable; failing fast for %u s", conf->reconnect_interval);
}

void dir_server_suspect(struct dir *d, size_t i)
{
        const struct sesame_conf *conf = d->conf;
        int64_t now = now_ms();
        bool was, others = false;

        (void)pthread_mutex_lock(&d->lock);
        was = now < d->servers[i].suspect_until;
        d->servers[i].suspect_until = now + (int64_t)conf->reconnect_interval * 1000;
        for (size_t j = 0; j < conf->n_uri; j++)
                if (j != i && now >= d->servers[j].down_until && now >= d->servers[j].suspect_until)
                        others = true;
        (void)pthread_mutex_unlock(&d->lock);
        if (!others) {
                /* nothing else to try: a directory whose packets are
                 * dropped would make every request after this one wait
                 * out its own time limit (on the other pooled connections,
                 * then a connect that never completes); taken for down,
                 * it fails fast until reconnect_interval has passed */
                dir_server_down(d, i, "no answer within timeout on an established connection, and no other "
                                      "server to try");
                return;
        }
        if (!was)
                log_warning("%s: no answer within timeout (%u s) on an established connection; the connection "
                            "is dropped and the other servers are tried first for %u s",
                            conf->uri[i], conf->timeout, conf->reconnect_interval);
}

bool dir_server_healthy(struct dir *d, size_t i)
{
        int64_t now = now_ms();
        bool ok;

        (void)pthread_mutex_lock(&d->lock);
        ok = now >= d->servers[i].down_until && now >= d->servers[i].suspect_until;
        (void)pthread_mutex_unlock(&d->lock);
        return ok;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-conn.c - connecting to one directory server: libldap options, time
 * limits under the request's deadline, StartTLS; and the pool's
 * fail-fast state, which the user binds share (see dir-internal.h).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/time.h>

#include "conf.h"
#include "dir-internal.h"
#include "dir.h"
#include "log.h"
#include "macro.h"
#include "util.h"

/* The calling thread's request deadline (monotonic ms); 0: none. */
static _Thread_local int64_t tl_deadline;

void dir_deadline_set(int64_t deadline) { tl_deadline = deadline; }

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

int dir_uri_connect(const struct sesame_conf *conf, const char *uri, LDAP **ret, int *ldrc)
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

bool dir_fail_fast(struct dir *d)
{
        bool down;

        (void)pthread_mutex_lock(&d->lock);
        down = now_ms() < d->down_until;
        (void)pthread_mutex_unlock(&d->lock);
        return down;
}

void dir_mark_down(struct dir *d)
{
        (void)pthread_mutex_lock(&d->lock);
        if (now_ms() >= d->down_until)
                log_warning("no LDAP server reachable; failing fast for %u s", d->conf->reconnect_interval);
        d->down_until = now_ms() + (int64_t)d->conf->reconnect_interval * 1000;
        (void)pthread_mutex_unlock(&d->lock);
}


/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-internal.h - what the three parts of the directory code share:
 * dir.c (the pool of service connections, searches and modifies),
 * dir-conn.c (connecting to one URI: options, time limits, StartTLS) and
 * dir-user.c (binds as a user: password checks and changes) and dir-web.c
 * (a password set by the service DN, for the reset links).
 *
 * The static helpers here speak in negative errno values of their own
 * (-ETIME: the request's deadline passed before a step; -ETIMEDOUT: a
 * server did not answer in time; -ECONNRESET: a pooled connection is
 * dead; -EHOSTUNREACH: a connect failed; -EHOSTDOWN: no URI could be
 * used).  The public functions of dir.h turn them into outcome.h values
 * before they return, so none of these meanings leaves these files.
 */
#ifndef SESAMED_DIR_INTERNAL_H
#define SESAMED_DIR_INTERNAL_H

#include <ldap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

struct sesame_conf;

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

/* @secs, shortened to what is left until the calling thread's request
 * deadline (dir_deadline_set()); in ms, <= 0 when nothing is left. */
int64_t dir_budget_ms(uint32_t secs);
/* @ms as a struct timeval, at least 1 ms. */
struct timeval dir_tv_ms(int64_t ms);
/* The configured connect and operation time limits of @ld. */
void dir_reset_timeouts(const struct sesame_conf *conf, LDAP *ld);

/*
 * A connected (and, as configured, StartTLS'd) handle for @uri: the
 * pool's and the user binds' common start.  0 and *@ret; otherwise the
 * handle is gone and -ETIME (the deadline passed), -EHOSTUNREACH (the
 * connect failed; *@ldrc says why, not logged) or -EIO (logged) tells
 * what happened.
 */
int dir_uri_connect(const struct sesame_conf *conf, const char *uri, LDAP **ret, int *ldrc);

/* Bind @ld as the service DN ([ldap] binddn; anonymous without one):
 * an LDAP result code. */
int dir_bind_service(struct dir *d, LDAP *ld);

/* A server's diagnostic @text made printable (control characters become
 * blanks) into @msg, for the user; none, or invalid UTF-8: @fallback. */
void dir_copy_diag(const char *text, const char *fallback, char *msg, size_t size);

/* The pool is failing fast (no server was reachable a moment ago). */
bool dir_fail_fast(struct dir *d);
/* No server is reachable: fail fast for reconnect_interval. */
void dir_mark_down(struct dir *d);

#endif

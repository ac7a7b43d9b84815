/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-internal.h - what the parts of the directory code share:
 * dir.c (the pool of service connections, searches and modifies),
 * dir-conn.c (connecting to one URI: options, time limits, StartTLS) and
 * dir-user.c (binds as a user: password checks and changes), dir-web.c
 * (a password set by the service DN, for the reset links) and
 * dir-entry.c (entries added and deleted, for self-registration).
 *
 * The static helpers here speak in negative errno values of their own
 * (-ETIME: the request's deadline passed, before a step or during it;
 * -ETIMEDOUT: a server did not answer within its own limit; -ECONNRESET:
 * a pooled connection is dead; -ECONNABORTED: it died after a modify
 * was sent, so the change may have been made and is never resent;
 * -EHOSTUNREACH: a connect failed;
 * -EHOSTDOWN: no URI could be used).  The public functions of dir.h turn
 * them into outcome.h values before they return, so none of these
 * meanings leaves these files.
 *
 * What is known about each server (URI) is shared by the pool and the
 * user binds:
 *  - down: a connect to it failed (refused, unreachable, its name did not
 *    resolve within connect_timeout, StartTLS failed, the service bind
 *    failed): it is not tried for reconnect_interval seconds;
 *  - suspect: an operation on an established connection got no answer
 *    within its limit (a stuck connection, a silently dropped path): it is
 *    tried after the others for reconnect_interval seconds; when there is
 *    no other server that is neither down nor suspect, it is down too
 *    (a blackholed directory: every request would wait out its limits).
 * Only when every server is down does the directory fail fast; a request
 * that runs out of its own time marks nothing.
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
        bool shared;    /* busy for a caller without the reserve */
        size_t uri;     /* ld: the index in conf->uri it is connected to */
        int64_t opened; /* ld: when it was connected (monotonic ms) */
        int64_t used;   /* ld: when it was last given back */
};

/* What is known about one server (see above); monotonic ms, 0: nothing. */
struct dir_server {
        int64_t down_until;
        int64_t suspect_until;
};

/*
 * A set of connections used one request at a time.  Two of them: the
 * service connections, bound as the service DN, for every search and
 * modify; and the user-bind connections, on which a password is checked
 * by a simple bind as its user.  After such a bind a connection is bound
 * as that user (or, after a failed one, anonymous), so it never leaves
 * its set: the next request on it is another user bind (or, for a
 * password change, the Password Modify of the user it was just bound as).
 */
struct dir_pool {
        const char *what;     /* "service", "user-bind": for the log */
        bool service;         /* connections are bound as the service DN when opened */
        size_t n;
        struct dir_conn *conns;
        size_t reserve;       /* connections kept for callers with the reserve */
        size_t busy_shared;   /* connections busy for callers without it */
        pthread_cond_t cond;  /* a connection was given back (under dir.lock) */
};

struct dir {
        const struct sesame_conf *conf;
        pthread_mutex_t lock;
        struct dir_pool svc;  /* service connections */
        struct dir_pool bind; /* user-bind connections */
        struct dir_server *servers; /* one per conf->uri */
        /* the bind password, in guarded memory that is readable only
         * while a bind uses it */
        pthread_mutex_t pw_lock;
        char *bindpw;
        size_t bindpw_len;
};

/* @secs, shortened to what is left until the calling thread's request
 * deadline (dir_deadline_set()); in ms, <= 0 when nothing is left. */
int64_t dir_budget_ms(uint32_t secs);
/* dir_caller_set() of the calling thread: its wait deadline (0: none),
 * and whether it may use the reserved connections. */
int64_t dir_wait_deadline(void);
bool dir_may_use_reserve(void);
/* The calling thread's deadline has passed (so a time-out just seen was
 * the request's, not the server's). */
bool dir_deadline_passed(void);
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

/*
 * The servers to try, in this order: those neither down nor suspect, in
 * configuration order, then the suspect ones.  Fills @order (room for
 * conf->n_uri) and returns how many; 0 when every server is down (the
 * directory fails fast).
 */
size_t dir_server_order(struct dir *d, size_t *order);
/* Server @i failed to connect: down for reconnect_interval (logged, with
 * @why; and when that leaves none, that the directory fails fast). */
void dir_server_down(struct dir *d, size_t i, const char *why);
/* An operation on server @i got no answer in time: suspect for
 * reconnect_interval (logged); down, when no other server is healthy. */
void dir_server_suspect(struct dir *d, size_t i);
/* Server @i is neither down nor suspect (any more). */
bool dir_server_healthy(struct dir *d, size_t i);

/*
 * A connection of @p for the calling thread's caller: a free one (waiting
 * until its wait deadline, dir_caller_set(), for one to be given back),
 * replaced when stale (idle_timeout, its server down or suspect since,
 * failback) and opened when it has none, in dir_server_order().  0 and
 * *@ret, or OUT_UNAVAIL (none free in time, no server connects, or the
 * request's time is up).  Give it back with dir_conn_release().
 */
int dir_conn_acquire(struct dir *d, struct dir_pool *p, struct dir_conn **ret);
/* Give @c back to @p; @broken: close its connection (dead, or an answer
 * to an operation given up on may still come). */
void dir_conn_release(struct dir *d, struct dir_pool *p, struct dir_conn *c, bool broken);

/* Bind @ld as the service DN ([ldap] binddn; anonymous without one):
 * an LDAP result code. */
int dir_bind_service(struct dir *d, LDAP *ld);

/* A fresh connection bound as the service DN, to the first server that
 * takes it, in the pool's order (dir_server_order(): one that is down is
 * not waited for again, and one that does not connect is marked down):
 * 0 and *@ret, or OUT_UNAVAIL.  For the rare writes that are not worth a
 * pooled connection's retry rules: a password reset, an entry added or
 * deleted (dir-web.c, dir-entry.c). */
int dir_service_conn(struct dir *d, LDAP **ret);

/*
 * The Password Modify extended operation (RFC 3062) on @ld, bound as
 * whoever may set the password: @old NULL for the service DN's reset.
 * Bounded by the request's budget; failures to send or to hear back are
 * logged with @what ("password change").  Returns the server's result
 * code (LDAP_TIMEOUT or LDAP_SERVER_DOWN when no answer came, LDAP_OTHER
 * for one that cannot be parsed), the caller maps it; *@ret_text is the
 * server's diagnostic, or NULL (ldap_memfree() it).
 */
int dir_passwd_exop(struct dir *d, LDAP *ld, const char *what, const char *dn, const struct berval *old,
                    const struct berval *new, char **ret_text);

/* A server's diagnostic @text made printable (control characters become
 * blanks) into @msg, for the user; none, or invalid UTF-8: @fallback. */
void dir_copy_diag(const char *text, const char *fallback, char *msg, size_t size);

#endif

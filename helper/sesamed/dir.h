/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir.h - sesamed's connections to the directory: two small pools of
 * libldap handles, used one request at a time: the service connections,
 * bound as the service DN, for every search and modify; and as many
 * user-bind connections, on which passwords are checked.
 *
 * Guarantees:
 *  - URIs are tried in configuration order, those known to be down
 *    skipped and those suspect last (dir-internal.h); the first that
 *    connects (and, with starttls, completes StartTLS, and binds) is used.
 *    A failed StartTLS or certificate check is an error, never a fallback
 *    to clear text.  After a failover the pool goes back to an earlier
 *    URI when it is no longer known to be down.
 *  - Every operation is bounded: connect by connect_timeout (the name
 *    lookup too), each LDAP operation by timeout.  Pooled connections
 *    idle for idle_timeout are replaced; TCP keepalive finds dead ones.
 *  - Only when every URI is down does the pool fail fast (OUT_UNAVAIL)
 *    for reconnect_interval seconds instead of making every caller wait,
 *    then it tries again by itself.  A server that stops answering on an
 *    established connection is tried after the others, and is down as
 *    soon as there is no other left to try: a blackholed directory costs
 *    one time-out, not one per request.  One server down while another
 *    answers, or one request out of its own time, does not.
 *  - A search that the server cut short (size, time or admin limit) is an
 *    error (OUT_LIMIT), never a partial result.
 *  - A thread may set a deadline for everything it asks (a pam.sock
 *    request); each limit above is then shortened to what is left.
 *  - Passwords are checked on the user-bind connections (dir_user_bind,
 *    dir_passwd), never on a service connection; and a user-bind
 *    connection, bound as whichever user bound last, is never used for a
 *    search or a modify as the service DN.  Both pools keep their
 *    connections open between requests, so a password check is one bind
 *    on an open connection, not connect + bind + unbind.
 *
 * Return values follow outcome.h: 0, a negative errno for a failure of
 * the system (-ENOMEM), or an OUT_* value.  Every function may return
 * OUT_UNAVAIL (no server reachable, no answer in time, or the thread's
 * deadline passed) and OUT_LDAP (another LDAP error, logged); the others
 * are listed with each function.
 */
#ifndef SESAMED_DIR_H
#define SESAMED_DIR_H

#include <ldap.h>
#include <stdbool.h>
#include <stdint.h>

#include "outcome.h"

struct sesame_conf;
struct dir;

/**
 * dir_new() - the pool for @conf (no connection is opened yet).
 * @conf: kept for the life of the pool; its bind password moves into
 *        guarded memory (sodium_malloc, unreadable between binds), and
 *        @conf->bindpw is wiped, freed and left NULL.
 * Return: the pool, or NULL when out of memory.
 */
struct dir *dir_new(struct sesame_conf *conf);
struct dir *dir_free(struct dir *d);

/**
 * dir_library_init() - start libldap's one-time set-up of the process in
 * a thread of its own, now rather than in the first lookup: it loads the
 * SASL plugins and looks up the host's own name (milliseconds, or the
 * resolver's time when that does not answer).  Connections wait for it
 * on libldap's own lock.  Once, before the workers.
 */
void dir_library_init(void);
/* Wait at most @ms for it: the first lookups should not find it under
 * way; a resolver that does not answer delays the start no longer. */
void dir_library_wait(int64_t ms);

/* Called for each entry: 0, or a negative errno that stops the search
 * and is returned by dir_search(). */
typedef int (*dir_entry_cb)(LDAP *ld, LDAPMessage *e, void *userdata);

/**
 * dir_search() - subtree search, paged when @paged.
 * Return: 0 when every entry was delivered; OUT_UNAVAIL; OUT_LIMIT when a
 * limit cut the result; OUT_LDAP; -ENOMEM; or the callback's negative
 * errno.  A missing base is an empty result.
 */
int dir_search(struct dir *d, const char *base, int scope, const char *filter, char **attrs, bool paged,
               dir_entry_cb cb, void *userdata);

/* Called after each page of dir_search_pages(), once its entries have
 * been given to the entry callback, with the connection the search runs
 * on: 0 to ask for the next page, or an error that stops the search. */
typedef int (*dir_page_cb)(LDAP *ld, void *userdata);

/**
 * dir_search_pages() - a paged subtree search whose caller works page by
 * page: @cb for each entry, then @page at the end of each page, before
 * the next page is asked for.  sesamed holds one page of the result at a
 * time, however large the directory; the pooled connection is held until
 * the last page (the paged-results cookie belongs to it).  A search is
 * tried again on a fresh connection only when no entry was delivered yet.
 * Return: as dir_search(), or what @page returned.
 */
int dir_search_pages(struct dir *d, const char *base, const char *filter, char **attrs, dir_entry_cb cb,
                     dir_page_cb page, void *userdata);

/**
 * dir_search_on() - a search (not paged) on @ld, the connection of a
 * dir_search_pages() in progress, from its @page callback: the search
 * holds its pooled connection, and asking for another one could wait
 * for ever on a pool of one.  The callback returns what this returns,
 * unchanged: errors of the connection come out of dir_search_pages() as
 * OUT_UNAVAIL.
 * Return: 0, OUT_LIMIT, OUT_LDAP, or an error of the connection.
 */
int dir_search_on(struct dir *d, LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                  dir_entry_cb cb, void *userdata);

/* Probe the directory (connect and bind); 0 or OUT_UNAVAIL. */
int dir_ping(struct dir *d);

/**
 * dir_deadline_set() - bound everything this thread asks the directory
 * from now on by @deadline (CLOCK_MONOTONIC ms, util.h now_ms()); 0 lifts
 * the bound.  Each connect and operation still has its own limit
 * (connect_timeout, timeout); the deadline only shortens them, so a
 * request made of several operations answers in time even when the
 * directory stops answering half-way.  An operation that finds the
 * deadline passed fails with OUT_UNAVAIL without touching the network.
 */
void dir_deadline_set(int64_t deadline);

/**
 * dir_caller_set() - who the calling thread works for, from now on:
 * @wait_deadline: until when (CLOCK_MONOTONIC ms; 0: no bound but the
 *                 operation timeout) a request may wait for a pooled
 *                 connection: a caller's deadline bounds the wait even for
 *                 a lookup whose operations, once started, are not cut
 *                 short (dir_deadline_set(0)); a request whose caller has
 *                 given up is dropped rather than queued
 * @reserved:      it may use the pooled connections kept back for root
 *                 and for logins: max(1, ldap_connections / 4) of them
 *                 (none with a single connection), so that a flood of
 *                 lookups by other users cannot hold them all
 */
void dir_caller_set(int64_t wait_deadline, bool reserved);

/**
 * dir_read() - the entry @dn itself (base search, attributes @attrs);
 * @cb is called once.  0, OUT_NOTFOUND when there is no such entry (or
 * it is not readable), or what dir_search() returns.
 */
int dir_read(struct dir *d, const char *dn, char **attrs, dir_entry_cb cb, void *userdata);

/* What the directory's password policy said about a bind (the password
 * policy response control, draft-behera-ldap-password-policy). */
struct dir_ppolicy {
        bool must_change; /* changeAfterReset: bound, but the password must be changed now */
        bool expired;     /* passwordExpired: the password is right but expired (bind refused) */
        bool locked;      /* accountLocked: the policy's lock refused the bind */
        int32_t grace;    /* expired, this many grace logins remain after this one; -1: none */
        int32_t expire_s; /* the password expires in this many seconds; -1: not said */
};

/**
 * dir_user_bind() - check a password: a simple bind as @dn on a
 * user-bind connection (the same URIs, failover, TLS settings, keepalive,
 * idle replacement and time limits as the service pool; never a service
 * connection), with the password policy request control; what the policy said goes to @ret_pp (may be
 * NULL).  An empty password is refused without contacting the directory
 * (an empty simple bind would be an anonymous bind).  The password is
 * never logged.
 * Return: 0, OUT_BAD_CREDENTIALS (invalidCredentials, or an empty
 * password; @ret_pp tells an expired password or a policy lock apart),
 * OUT_UNAVAIL, OUT_LDAP.
 */
int dir_user_bind(struct dir *d, const char *dn, const char *password, struct dir_ppolicy *ret_pp);

/**
 * dir_passwd() - change a password with the Password Modify extended
 * operation (RFC 3062), bound as the user @dn with @oldpw on a user-bind
 * connection, user identity @dn, old and new password given.
 * Return: 0; OUT_BAD_CREDENTIALS (the old password is wrong);
 * OUT_PASSWORD_POLICY (the new password is empty, or the server refused
 * it: constraintViolation, unwillingToPerform, e.g. a ppolicy rule; its
 * diagnostic text, made printable, is in @msg, or a generic sentence when
 * it sent none); OUT_ACCESS (the ACLs do not let the user write the
 * password); OUT_UNAVAIL; OUT_LDAP.
 */
int dir_passwd(struct dir *d, const char *dn, const char *oldpw, const char *newpw, char *msg, size_t msgsize);

/**
 * dir_modify() - modify @dn on a pooled (service) connection.
 * Return: 0 or a distinct outcome per result, so callers can build
 * compare-and-swap updates out of delete-value + add-value:
 *   OUT_NO_VALUE    noSuchAttribute (a value to delete is not there)
 *   OUT_EXISTS      attributeOrValueExists
 *   OUT_CONSTRAINT  constraintViolation (e.g. a second value of a
 *                   single-valued attribute)
 *   OUT_SCHEMA      objectClassViolation
 *   OUT_NOTFOUND    noSuchObject
 *   OUT_ACCESS      insufficientAccess
 *   OUT_UNAVAIL     unreachable, busy, or no answer in time
 *   OUT_LDAP        anything else, undefinedAttributeType (the schema is
 *                   not loaded) among them (logged)
 *   -ENOMEM
 * A pooled connection found dead before the modification could be sent
 * is replaced and the modification sent on a fresh one.  Once it has been
 * sent, it is never sent again: a connection lost before its answer may
 * have lost only the answer, and a repeat would count a failure twice or
 * find a code it spent "spent by somebody else" (OUT_UNAVAIL instead).
 */
int dir_modify(struct dir *d, const char *dn, LDAPMod **mods);

/**
 * dir_modify_read() - dir_modify() with the Post-Read control (RFC 4527):
 * *@ret_value gets the first value of @attr after the modification
 * (malloc'd), or NULL when the server did not return it.
 */
int dir_modify_read(struct dir *d, const char *dn, LDAPMod **mods, const char *attr, char **ret_value);

/* RFC 4515 escape of a filter value; malloc'd, NULL on ENOMEM. */
char *dir_escape(const char *value);

/* First value of @attr as a NUL-terminated malloc'd string.  NULL if the
 * attribute is absent or empty, or a value holds a NUL byte. */
char *dir_get_first(LDAP *ld, LDAPMessage *e, const char *attr);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir.h - sesamed's connections to the directory: a small pool of libldap
 * handles, each bound as the service DN, used one request at a time.
 *
 * Guarantees:
 *  - URIs are tried in configuration order; the first that connects (and,
 *    with starttls, completes StartTLS, and binds) is used.  A failed
 *    StartTLS or certificate check is an error, never a fallback to clear
 *    text.
 *  - Every operation is bounded: connect by connect_timeout, each LDAP
 *    operation by timeout.
 *  - When no URI can be reached, the pool fails fast (-EHOSTDOWN) for
 *    reconnect_interval seconds instead of making every caller wait, then
 *    tries again by itself.
 *  - A search that the server cut short (size, time or admin limit) is an
 *    error (-E2BIG), never a partial result.
 *  - A thread may set a deadline for everything it asks (a pam.sock
 *    request); each limit above is then shortened to what is left.
 *  - Passwords are checked on connections of their own (dir_user_bind,
 *    dir_passwd), never on the pooled service connections.
 */
#ifndef SESAMED_DIR_H
#define SESAMED_DIR_H

#include <ldap.h>
#include <stdbool.h>
#include <stdint.h>

struct sesame_conf;
struct dir;

struct dir *dir_new(const struct sesame_conf *conf);
struct dir *dir_free(struct dir *d);

/* Called for each entry; a non-zero return stops the search and is
 * returned by dir_search(). */
typedef int (*dir_entry_cb)(LDAP *ld, LDAPMessage *e, void *userdata);

/**
 * dir_search() - subtree search, paged when @paged.
 * Return: 0 when every entry was delivered; -EHOSTDOWN when the directory
 * cannot be reached; -E2BIG when a limit cut the result; -EIO for other
 * LDAP errors; or the callback's non-zero value.  A missing base is an
 * empty result.
 */
int dir_search(struct dir *d, const char *base, int scope, const char *filter, char **attrs, bool paged,
               dir_entry_cb cb, void *userdata);

/* Probe the directory (connect and bind); 0 or -EHOSTDOWN/-EIO. */
int dir_ping(struct dir *d);

/**
 * dir_deadline_set() - bound everything this thread asks the directory
 * from now on by @deadline (CLOCK_MONOTONIC ms, util.h now_ms()); 0 lifts
 * the bound.  Each connect and operation still has its own limit
 * (connect_timeout, timeout); the deadline only shortens them, so a
 * request made of several operations answers in time even when the
 * directory stops answering half-way.  An operation that finds the
 * deadline passed fails with -EHOSTDOWN without touching the network.
 */
void dir_deadline_set(int64_t deadline);

/**
 * dir_read() - the entry @dn itself (base search, attributes @attrs);
 * @cb is called once.  0, -ENOENT when there is no such entry (or it is
 * not readable), or what dir_search() returns.
 */
int dir_read(struct dir *d, const char *dn, char **attrs, dir_entry_cb cb, void *userdata);

/**
 * dir_user_bind() - check a password: a simple bind as @dn on a fresh
 * connection of its own (the same URIs, failover, TLS settings and time
 * limits as the pool; never a pooled connection).  An empty password is
 * refused without contacting the directory (an empty simple bind would be
 * an anonymous bind).  The password is never logged.
 * Return: 0, -EACCES (invalidCredentials, or an empty password),
 * -EHOSTDOWN (no server reachable in time), -EIO (another LDAP error).
 */
int dir_user_bind(struct dir *d, const char *dn, const char *password);

/**
 * dir_passwd() - change a password with the Password Modify extended
 * operation (RFC 3062), bound as the user @dn with @oldpw on a fresh
 * connection, user identity @dn, old and new password given.
 * Return: 0; -EACCES (the old password is wrong); -EINVAL (the server
 * refused the new password: constraintViolation, unwillingToPerform,
 * e.g. a ppolicy rule; its diagnostic text, made printable, is in @msg,
 * or a generic sentence when it sent none); -EPERM (the ACLs do not let
 * the user write the password); -EHOSTDOWN; -EIO.
 */
int dir_passwd(struct dir *d, const char *dn, const char *oldpw, const char *newpw, char *msg, size_t msgsize);

/**
 * dir_modify() - modify @dn on a pooled (service) connection.
 * Return: 0 or a distinct code per outcome, so callers can build
 * compare-and-swap updates out of delete-value + add-value:
 *   -ENODATA      noSuchAttribute (a value to delete is not there)
 *   -EEXIST       attributeOrValueExists
 *   -EINVAL       constraintViolation (e.g. a second value of a
 *                 single-valued attribute)
 *   -EBADR        objectClassViolation
 *   -EOPNOTSUPP   undefinedAttributeType (the schema is not loaded)
 *   -ENOENT       noSuchObject
 *   -EPERM        insufficientAccess
 *   -EHOSTDOWN    unreachable, or no answer in time
 *   -EIO          anything else (logged)
 * A pooled connection found dead is replaced and the modification sent
 * once more: every caller's modification must be safe to repeat (the
 * repeat of an applied compare-and-swap fails, which errs on the side of
 * refusing).
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

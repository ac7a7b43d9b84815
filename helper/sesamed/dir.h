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

/* RFC 4515 escape of a filter value; malloc'd, NULL on ENOMEM. */
char *dir_escape(const char *value);

/* First value of @attr as a NUL-terminated malloc'd string.  NULL if the
 * attribute is absent or empty, or a value holds a NUL byte. */
char *dir_get_first(LDAP *ld, LDAPMessage *e, const char *attr);

#endif

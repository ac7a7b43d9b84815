/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http.h - sesame-web's HTTP side: the routes, the security headers of
 * every answer, the limits of every connection.
 */
#ifndef SESAME_WEB_HTTP_H
#define SESAME_WEB_HTTP_H

#include <stdbool.h>
#include <stdint.h>

struct sesame_conf;
struct MHD_Daemon;

/**
 * http_tls_load() - read [web] tls_cert and tls_key, if set.
 * @c: the configuration
 *
 * Called as root, before privileges are dropped: the key is a root-only
 * file (common/safefile.h, SAFEFILE_SECRET); the certificate may be read
 * by anyone but written only by its owner.  Both are kept in memory until
 * http_start() hands them to GnuTLS, and the key is wiped then.
 *
 * Return: 0 (also when neither is set: plain HTTP); -EINVAL when only one
 * of them is set or libmicrohttpd was built without TLS; the -errno of
 * safefile_read_alloc() when a file cannot be read or is refused.  Every
 * failure is logged with the key and file it is about.
 */
int http_tls_load(const struct sesame_conf *c);

/**
 * http_start() - serve on the listening socket @fd (taken over).
 * @c: the configuration, kept until http_stop()
 * Return: the daemon, or NULL (logged).
 */
struct MHD_Daemon *http_start(const struct sesame_conf *c, int fd);
void http_stop(struct MHD_Daemon *d);

/* One more form post for @what (a login name or an address, compared
 * without ASCII case) under the limit @limit of the window, counted under
 * @prefix ("a:" addresses, "u:" accounts): false when it is one too
 * many. */
bool rate_ok(const char *prefix, const char *what, uint32_t limit);

#endif

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listen.h - sesamed's listening sockets, one per privilege class: taken
 * from systemd when it passes them (socket activation: the unit's
 * FileDescriptorName= is the socket's name below), else created in the
 * socket directory.
 *
 *   nss.sock    0666  SOCK_NSS
 *   pam.sock    0666  SOCK_PAM
 *   admin.sock  0600  SOCK_ADMIN
 *   web.sock    0666  SOCK_WEB (who may talk there is the peer policy's
 *                     to decide: root and the [web] user only)
 */
#ifndef SESAMED_LISTEN_H
#define SESAMED_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>

#include "conn.h"

struct listener {
        const char *name;
        enum sock_class cls;
        mode_t mode;
        int fd;
        bool passed; /* by systemd: not ours to unlink */
};

#define LISTENERS 4

/**
 * listen_open() - fill @ls with a listening, non-blocking socket per
 * class.  Sockets systemd passed are used as they are (their names must
 * be known, each class passed at most once); the others are created in
 * @dir (which is created if missing), refusing to take over a socket
 * another sesamed still answers on.
 * Return: 0, or -errno (logged); on failure nothing stays open.
 */
int listen_open(const char *dir, struct listener ls[LISTENERS]);
/* Close the sockets; unlink those listen_open() created. */
void listen_close(const char *dir, struct listener ls[LISTENERS]);

#endif

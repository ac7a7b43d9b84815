/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * client.c - connecting to sesamed, with the ownership checks every
 * client makes (see client.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "client.h"
#include "macro.h"
#include "util.h"

static int refuse(const char **why, const char *what)
{
        if (why)
                *why = what;
        return -EPERM;
}

int client_connect(const char *path, int64_t deadline, const char **why)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct stat st;
        _cleanup_close_ int fd = -1;

        if (why)
                *why = NULL;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (lstat(path, &st) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode))
                return refuse(why, "not a socket");
        if (st.st_uid != 0)
                return refuse(why, "not owned by root");
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                int err = 0, r;
                socklen_t el = sizeof(err);

                if (errno != EAGAIN && errno != EINPROGRESS)
                        return -errno;
                /* backlog full: wait for room, within the deadline */
                r = poll(&p, 1, ms_left(deadline));
                if (r == 0)
                        return -ETIMEDOUT;
                if (r < 0)
                        return -errno;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                        return -errno;
                if (err)
                        return -err;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return -errno;
        if (cred.uid != 0)
                return refuse(why, "served by a process that is not root");
        return steal_fd(&fd);
}

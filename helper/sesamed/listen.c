/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listen.c - the listening sockets (see listen.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "macro.h"

static const struct listener defs[LISTENERS] = {
        { "nss.sock", SOCK_NSS, 0666, -1, false },
        { "pam.sock", SOCK_PAM, 0666, -1, false },
        { "admin.sock", SOCK_ADMIN, 0600, -1, false },
        /* 0666 rather than a group of its own: the [web] user is named in
         * sesame.conf and may change on reload, the socket's group would
         * not; the peer policy checks the uid of every connection */
        { "web.sock", SOCK_WEB, 0666, -1, false },
};

static int create_socket(const char *dir, const struct listener *def)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;

        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, def->name) >= sizeof(sa.sun_path))
                return log_error("%s/%s: path too long", dir, def->name), -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* another sesamed answering there?  Then do not steal its socket. */
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                log_error("%s: another sesamed is running", sa.sun_path);
                return -EADDRINUSE;
        }
        (void)close(fd);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void)unlink(sa.sun_path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, def->mode) < 0 ||
            listen(fd, SOMAXCONN) < 0) {
                int r = -errno;
                log_error("%s: %s", sa.sun_path, strerror(errno));
                return r;
        }
        return steal_fd(&fd);
}

/* Take the sockets systemd passed: 0, or -errno (logged). */
static int take_passed(struct listener ls[LISTENERS])
{
        char **names = NULL;
        int n = sd_listen_fds_with_names(1, &names), r = 0;

        if (n < 0)
                return log_error("sockets passed by systemd: %s", strerror(-n)), n;
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names && names[i] ? names[i] : "unknown";
                struct listener *l = NULL;

                for (size_t j = 0; j < LISTENERS; j++)
                        if (strcmp(ls[j].name, name) == 0)
                                l = &ls[j];
                if (!l || l->fd >= 0 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
                        log_error("socket %d passed by systemd (FileDescriptorName=%s): %s", fd, name,
                                  !l ? "not a name sesamed knows" : l->fd >= 0 ? "passed twice"
                                                                              : "not a listening unix stream socket");
                        (void)close(fd);
                        r = -EINVAL;
                        continue;
                }
                if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
                        r = -errno;
                        (void)close(fd);
                        continue;
                }
                l->fd = fd;
                l->passed = true;
        }
        for (int i = 0; names && i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

int listen_open(const char *dir, struct listener ls[LISTENERS])
{
        int r;

        memcpy(ls, defs, sizeof(defs));
        r = take_passed(ls);
        for (size_t i = 0; r == 0 && i < LISTENERS; i++) {
                if (ls[i].fd >= 0)
                        continue;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        r = -errno;
                        log_error("%s: %s", dir, strerror(errno));
                        break;
                }
                r = create_socket(dir, &ls[i]);
                if (r >= 0) {
                        ls[i].fd = r;
                        r = 0;
                }
        }
        if (r < 0)
                listen_close(dir, ls);
        return r;
}

void listen_close(const char *dir, struct listener ls[LISTENERS])
{
        char path[4096];

        for (size_t i = 0; i < LISTENERS; i++) {
                if (ls[i].fd < 0)
                        continue;
                (void)close(ls[i].fd);
                if (!ls[i].passed && snprintf(path, sizeof(path), "%s/%s", dir, ls[i].name) < (int)sizeof(path))
                        (void)unlink(path);
                ls[i].fd = -1;
        }
}

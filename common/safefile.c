/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * safefile.c - checking and reading a file Sesame must trust (see
 * safefile.h): pam-u2f's open_safely() rules, nslcd's check that a file
 * holding a secret is not readable by others, and the size cap checked
 * again while reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "safefile.h"
#include "util.h"

static const char *shown(const char *path)
{
        return path ? path : "(null)";
}

/* The rules that fstat() can tell, in the order an administrator fixes them. */
static int check_stat(const char *path, const struct stat *st, enum safefile_policy policy, size_t size,
                      char *err, size_t errsize)
{
        unsigned mode = (unsigned)(st->st_mode & 07777);
        uid_t euid = geteuid();

        if (S_ISDIR(st->st_mode))
                return errf(err, errsize, -EISDIR, "%s: is a directory, not a file", path);
        if (!S_ISREG(st->st_mode))
                return errf(err, errsize, -EINVAL, "%s: not a regular file", path);
        if (st->st_uid != 0 && st->st_uid != euid)
                return errf(err, errsize, -EPERM, "%s: owned by uid %u; must be owned by root%s", path,
                            (unsigned)st->st_uid, euid != 0 ? " or the running user" : "");
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return errf(err, errsize, -EPERM, "%s: writable by group or others (mode %04o); run: chmod %s %s",
                            path, mode, policy == SAFEFILE_SECRET ? "0600" : "go-w", path);
        if (policy == SAFEFILE_SECRET && (st->st_mode & S_IROTH))
                return errf(err, errsize, -EPERM,
                            "%s: secret file is world-readable (mode %04o); run: chmod 0600 %s", path, mode, path);
        if (policy == SAFEFILE_SECRET && (st->st_mode & (S_IRWXG | S_IRWXO)))
                return errf(err, errsize, -EPERM,
                            "%s: secret file is open to group or others (mode %04o); run: chmod 0600 %s", path,
                            mode, path);
        if (st->st_size < 0 || (uintmax_t)st->st_size > size)
                return errf(err, errsize, -EFBIG, "%s: larger than %zu bytes", path, size);
        return 0;
}

/* Up to @size bytes, then one more read: a byte there means the file grew
 * after fstat(), and is refused like a file that was too big. */
static int read_fd(int fd, const char *path, uint8_t *buf, size_t size, size_t *ret_len, char *err,
                   size_t errsize)
{
        size_t len = 0;

        for (;;) {
                uint8_t extra;
                ssize_t n;

                if (len < size)
                        n = read(fd, buf + len, size - len);
                else
                        n = read(fd, &extra, 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errf(err, errsize, -errno, "%s: read failed: %m", path);
                if (n == 0)
                        break;
                if (len == size) {
                        erase(&extra, sizeof(extra));
                        return errf(err, errsize, -EFBIG, "%s: larger than %zu bytes", path, size);
                }
                len += (size_t)n;
        }
        *ret_len = len;
        return 0;
}

int safefile_read(const char *path, enum safefile_policy policy, void *buf, size_t size, size_t *ret_len,
                  char *err, size_t errsize)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (!path || path[0] != '/')
                return errf(err, errsize, -EINVAL, "%s: not an absolute path", shown(path));
        if ((!buf && size > 0) || !ret_len || (policy != SAFEFILE_CONFIG && policy != SAFEFILE_SECRET))
                return errf(err, errsize, -EINVAL, "%s: invalid arguments", path);
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ELOOP)
                        return errf(err, errsize, -ELOOP, "%s: is a symbolic link (refused)", path);
                return errf(err, errsize, -errno, "%s: cannot open: %m", path);
        }
        if (fstat(fd, &st) < 0)
                return errf(err, errsize, -errno, "%s: cannot stat: %m", path);
        r = check_stat(path, &st, policy, size, err, errsize);
        if (r < 0)
                return r;
        r = read_fd(fd, path, buf, size, ret_len, err, errsize);
        if (r < 0)
                erase(buf, size);
        return r;
}

int safefile_read_alloc(const char *path, enum safefile_policy policy, size_t max, char **ret,
                        size_t *ret_len, char *err, size_t errsize)
{
        char *buf;
        size_t len = 0;
        int r;

        if (!ret || max >= SIZE_MAX)
                return errf(err, errsize, -EINVAL, "%s: invalid arguments", shown(path));
        buf = malloc(max + 1);
        if (!buf)
                return errf(err, errsize, -ENOMEM, "%s: out of memory", shown(path));
        r = safefile_read(path, policy, buf, max, &len, err, errsize);
        if (r < 0) {
                free(buf); /* wiped by safefile_read() */
                return r;
        }
        buf[len] = '\0';
        *ret = buf;
        if (ret_len)
                *ret_len = len;
        return 0;
}

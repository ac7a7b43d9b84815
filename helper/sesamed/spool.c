/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spool.c - write one message into the mail spool (spool.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "log.h"
#include "macro.h"
#include "proto.h"
#include "spool.h"
#include "util.h"

#define SPOOL_MSG_MAX 4096

/* A value for a "Key: value" line: UTF-8 without control characters. */
static bool value_ok(const char *v)
{
        if (!v || !*v || !utf8_valid((const uint8_t *)v, strlen(v)))
                return false;
        for (const unsigned char *p = (const unsigned char *)v; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

/* log "@path[/@name]: strerror(errno)" and return -errno, errno kept */
static int fs_error(const char *path, const char *name)
{
        int r = -errno;

        log_error("%s%s%s: %s", path, name ? "/" : "", name ? name : "", strerror(-r));
        return r;
}

/* @name below the directory @dfd: a directory of @mode owned by @uid,
 * made when missing; a symbolic link or another owner is refused. */
static int subdir(int dfd, const char *path, const char *name, mode_t mode, uid_t uid, int *ret)
{
        struct stat st;
        int fd;

        if (mkdirat(dfd, name, mode) == 0) {
                if (uid != (uid_t)-1 && fchownat(dfd, name, uid, (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
                        log_warning("%s/%s: cannot give it to uid %u: %m", path, name, (unsigned)uid);
        } else if (errno != EEXIST)
                return fs_error(path, name);
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return fs_error(path, name);
        if (fstat(fd, &st) < 0 || (uid != (uid_t)-1 && st.st_uid != uid && st.st_uid != geteuid())) {
                log_error("%s/%s: owned by uid %u, not by the mail sender or sesamed; not writing there", path,
                          name, (unsigned)st.st_uid);
                (void)close(fd);
                return -EPERM;
        }
        *ret = fd;
        return 0;
}

static int format(const struct spool_msg *m, int64_t now, char *buf, size_t size)
{
        int n;

        if (!value_ok(m->tmpl) || !value_ok(m->to) || !value_ok(m->user) || (m->link && !value_ok(m->link)))
                return -EINVAL;
        n = snprintf(buf, size, "Template: %s\nTo: %s\nUser: %s\n", m->tmpl, m->to, m->user);
        if (n > 0 && m->link)
                n += snprintf(buf + n, size - (size_t)MIN((size_t)n, size), "Link: %s\n", m->link);
        if (n > 0 && m->expires)
                n += snprintf(buf + n, size - (size_t)MIN((size_t)n, size), "Expires: %" PRId64 "\n", m->expires);
        if (n > 0)
                n += snprintf(buf + n, size - (size_t)MIN((size_t)n, size), "Created: %" PRId64 "\n", now);
        return n < 0 || (size_t)n >= size ? -EINVAL : n;
}

int spool_write(const struct sesame_conf *c, uid_t web_uid, const struct spool_msg *m)
{
        _cleanup_close_ int root = -1, tmp = -1, new = -1, fd = -1;
        char buf[SPOOL_MSG_MAX], name[64];
        uint8_t rnd[16];
        char hex[sizeof(rnd) * 2 + 1];
        int64_t now = time(NULL);
        int len, r;

        len = format(m, now, buf, sizeof(buf));
        if (len < 0)
                return len;
        randombytes_buf(rnd, sizeof(rnd));
        (void)sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        (void)snprintf(name, sizeof(name), "%" PRId64 ".%s", now, hex);
        if (mkdir(c->mail_spool_dir, 0755) < 0 && errno != EEXIST)
                return fs_error(c->mail_spool_dir, NULL);
        root = open(c->mail_spool_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root < 0)
                return fs_error(c->mail_spool_dir, NULL);
        r = subdir(root, c->mail_spool_dir, "tmp", 0700, geteuid(), &tmp);
        if (r == 0)
                r = subdir(root, c->mail_spool_dir, "new", 0700, web_uid, &new);
        if (r < 0)
                goto out;
        fd = openat(tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                r = fs_error(c->mail_spool_dir, "tmp");
                goto out;
        }
        if (web_uid != (uid_t)-1 && fchown(fd, web_uid, (gid_t)-1) < 0)
                log_warning("%s/tmp/%s: cannot give it to uid %u: %m", c->mail_spool_dir, name, (unsigned)web_uid);
        errno = EIO; /* a short write sets none */
        if (write(fd, buf, (size_t)len) != len || fsync(fd) < 0 || renameat(tmp, name, new, name) < 0) {
                r = fs_error(c->mail_spool_dir, name);
                (void)unlinkat(tmp, name, 0);
                goto out;
        }
        (void)fsync(new);
        r = 0;
out:
        sodium_memzero(buf, sizeof(buf));
        return r;
}

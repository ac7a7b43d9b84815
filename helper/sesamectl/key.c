/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * key.c - "sesamectl key generate": create the [totp] key_file with which
 * sesamed seals TOTP seeds and recovery codes, in the one way that gives
 * what sesamed accepts (seal.h): exactly 32 bytes from getrandom(), a
 * regular file owned by root, mode 0600 from the first byte on.
 *
 * The bytes go to a new temporary file in the key's directory (O_CREAT |
 * O_EXCL, 0600), are synced, and the file is then link()ed to its name.
 * link() never replaces anything, so an existing key (or a symbolic link
 * planted in its place) is refused rather than overwritten, and a crash
 * or a full disk leaves no short key where sesamed looks.  Overwriting a
 * key would make every sealed seed in the directory unreadable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "config.h"
#include "macro.h"
#include "proto.h"
#include "sesamectl.h"

#define KEY_LEN 32

/* @len random bytes into @buf; getrandom() blocks only until the kernel's
 * pool is initialised once after boot. */
static int random_bytes(uint8_t *buf, size_t len)
{
        size_t got = 0;

        while (got < len) {
                ssize_t n = getrandom(buf + got, len - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                got += (size_t)n;
        }
        return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Write a fresh key to the new file @tmp, then link it to @path.
 * Return: 0, 1 when @path already exists (nothing changed), or -errno. */
static int key_create(const char *tmp, const char *path)
{
        _cleanup_close_ int fd = -1;
        uint8_t key[KEY_LEN];
        int r;

        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        /* whatever the umask, and root's whatever the directory's group */
        if (fchmod(fd, 0600) < 0 || fchown(fd, 0, 0) < 0)
                r = -errno;
        else if ((r = random_bytes(key, sizeof(key))) == 0 && (r = write_all(fd, key, sizeof(key))) == 0 &&
                 fsync(fd) < 0)
                r = -errno;
        erase(key, sizeof(key));
        if (r == 0 && link(tmp, path) < 0)
                r = errno == EEXIST ? 1 : -errno;
        (void)unlink(tmp);
        return r;
}

/* The configured [totp] key_file, as sesamed would read it. */
static int key_path(char *buf, size_t size)
{
        const char *conf_path = arg_config ? arg_config : SESAME_CONF_PATH;
        struct sesame_conf *conf = NULL;
        char err[1024];
        int r;

        r = conf_load(conf_path, &conf, err, sizeof(err));
        if (r < 0)
                return fail(EXIT_USAGE, "error", "%s", err);
        r = snprintf(buf, size, "%s", conf->totp_key_file ? conf->totp_key_file : "");
        conf_free(conf);
        if (r <= 0 || (size_t)r >= size)
                return fail(EXIT_USAGE, "error", "%s: no usable [totp] key_file", conf_path);
        return 0;
}

int cmd_key_generate(char **args)
{
        char path[4096], tmp[4096 + 32];
        int r;

        (void)args;
        if (geteuid() != 0)
                return fail(EXIT_FAILED, "error", "the key is root's: run as root");
        r = key_path(path, sizeof(path));
        if (r != 0)
                return r;
        if (path[0] != '/')
                return fail(EXIT_USAGE, "error", "%s: not an absolute path", path);
        (void)snprintf(tmp, sizeof(tmp), "%s.new-%ld", path, (long)getpid());
        r = key_create(tmp, path);
        if (r == 1)
                return fail(EXIT_FAILED, "exists",
                            "%s already exists: not replaced (a new key makes the seeds sealed with the old one "
                            "unreadable)", path);
        if (r < 0)
                return fail(EXIT_FAILED, "error", "%s: cannot create the key: %s", path, proto_strerror(r));
        return done(NULL, "%s: created (32 random bytes, root, mode 0600); keep a copy in a safe place: "
                    "without it no enrolled TOTP seed can be read", path);
}

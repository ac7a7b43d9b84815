/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * testfile.h - a scratch directory, and files in it with a given content
 * and mode, for the unit tests that read files.  Include after
 * <cmocka.h>: a file that cannot be made fails the test.
 *
 * The directory is mode 0711 so that a child running as another uid (the
 * owner tests) reaches a file in it by name.
 */
#ifndef SESAME_TESTFILE_H
#define SESAME_TESTFILE_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char testdir[PATH_MAX];

/* $TMPDIR/@prefix.XXXXXX; 0 or -1 (a cmocka group setup's return). */
static inline int testdir_setup(const char *prefix)
{
        const char *base = getenv("TMPDIR");
        char tmpl[PATH_MAX];

        if (!base || base[0] != '/')
                base = "/tmp";
        snprintf(tmpl, sizeof(tmpl), "%s/%s.XXXXXX", base, prefix);
        if (!mkdtemp(tmpl) || !realpath(tmpl, testdir))
                return -1;
        return chmod(testdir, 0711);
}

/* Remove the directory testdir_setup(@prefix) made, and nothing else. */
static inline int testdir_teardown(const char *prefix)
{
        char cmd[PATH_MAX + 32], mark[PATH_MAX];

        snprintf(mark, sizeof(mark), "/%s.", prefix);
        if (!testdir[0] || !strstr(testdir, mark))
                return -1;
        snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", testdir);
        return system(cmd) == 0 ? 0 : -1;
}

/* testdir/@name, in a static buffer (the next call overwrites it). */
static inline const char *testdir_path(const char *name)
{
        static char path[PATH_MAX + 64];

        snprintf(path, sizeof(path), "%s/%s", testdir, name);
        return path;
}

/* Replace testdir/@name by a file of @len bytes of @data and @mode;
 * returns testdir_path(@name). */
static inline const char *testdir_file(const char *name, const void *data, size_t len, mode_t mode)
{
        const char *path = testdir_path(name);
        int fd;

        (void)unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(close(fd), 0);
        return path;
}

static inline const char *testdir_text(const char *name, const char *text, mode_t mode)
{
        return testdir_file(name, text, strlen(text), mode);
}

#endif

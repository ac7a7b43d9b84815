/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-safefile.c - common/safefile.c, the one reader of the files Sesame
 * trusts: path, kind, owner and mode rules of both policies, the size cap
 * (also for a file that grows while read), wiping on failure, and that
 * every message names the file.  Runs as any user; as root it also gives
 * files away (chown) and reads as another uid in a child process.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "safefile.h"
#include "testfile.h"

#define NOBODY 65534
/* a hung open() or read() fails the test instead of blocking it */
#define HANG_BOUND_S 10

static char err[1024];

static int setup_tmpdir(void **state)
{
        (void)state;
        return testdir_setup("test-safefile");
}

static int teardown_tmpdir(void **state)
{
        (void)state;
        return testdir_teardown("test-safefile");
}

static int read_alloc(const char *path, enum safefile_policy policy, size_t max, char **ret, size_t *len)
{
        int r;

        err[0] = '\0';
        alarm(HANG_BOUND_S);
        r = safefile_read_alloc(path, policy, max, ret, len, err, sizeof(err));
        alarm(0);
        return r;
}

/* Refused with @error and a message that starts with @path and holds @what. */
static void refused(const char *path, enum safefile_policy policy, size_t max, int error, const char *what)
{
        char *buf = NULL;
        int r = read_alloc(path, policy, max, &buf, NULL);

        if (r != error || !strstr(err, what) || strncmp(err, path, strlen(path)) != 0)
                print_error("%s (policy %d): r=%d message: %s\n", path, (int)policy, r, err);
        assert_int_equal(r, error);
        assert_null(buf);
        assert_true(strncmp(err, path, strlen(path)) == 0);
        assert_non_null(strstr(err, what));
}

static void accepted(const char *path, enum safefile_policy policy, size_t max, size_t want_len)
{
        char *buf = NULL;
        size_t len = SIZE_MAX;
        int r = read_alloc(path, policy, max, &buf, &len);

        if (r != 0)
                print_error("%s (policy %d): r=%d message: %s\n", path, (int)policy, r, err);
        assert_int_equal(r, 0);
        assert_non_null(buf);
        assert_int_equal(len, want_len);
        assert_int_equal(buf[len], '\0');
        free(buf);
}

/* ---- content ------------------------------------------------------------- */

static void test_read_alloc(void **state)
{
        const char *path = testdir_text("good", "hello\nworld\n", 0644);
        char *buf = NULL;
        size_t len = 0;

        (void)state;
        assert_int_equal(read_alloc(path, SAFEFILE_CONFIG, 100, &buf, &len), 0);
        assert_int_equal(len, 12);
        assert_string_equal(buf, "hello\nworld\n");
        free(buf);
        /* NUL bytes are content: the length says where it ends */
        path = testdir_file("nul", "a\0b", 3, 0600);
        assert_int_equal(read_alloc(path, SAFEFILE_SECRET, 100, &buf, &len), 0);
        assert_int_equal(len, 3);
        assert_memory_equal(buf, "a\0b\0", 4);
        free(buf);
        accepted(testdir_text("empty", "", 0644), SAFEFILE_CONFIG, 100, 0);
        accepted(testdir_text("empty", "", 0600), SAFEFILE_SECRET, 0, 0);
}

/* Into a caller buffer: the reader caps the size, the caller decides what
 * size is right (the TOTP key's "exactly 32" is seal.c's rule). */
static void test_read_exact_and_truncated(void **state)
{
        uint8_t data[33], buf[32];
        const char *path;
        size_t len;

        (void)state;
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 7 + 1);
        path = testdir_file("key", data, 32, 0600);
        len = 0;
        assert_int_equal(safefile_read(path, SAFEFILE_SECRET, buf, sizeof(buf), &len, err, sizeof(err)), 0);
        assert_int_equal(len, 32);
        assert_memory_equal(buf, data, 32);
        path = testdir_file("key", data, 31, 0600);
        assert_int_equal(safefile_read(path, SAFEFILE_SECRET, buf, sizeof(buf), &len, err, sizeof(err)), 0);
        assert_int_equal(len, 31);
        assert_memory_equal(buf, data, 31);
        path = testdir_file("key", data, 0, 0600);
        assert_int_equal(safefile_read(path, SAFEFILE_SECRET, buf, sizeof(buf), &len, err, sizeof(err)), 0);
        assert_int_equal(len, 0);
        path = testdir_file("key", data, 33, 0600);
        len = 99;
        assert_int_equal(safefile_read(path, SAFEFILE_SECRET, buf, sizeof(buf), &len, err, sizeof(err)),
                         -EFBIG);
        assert_int_equal(len, 99); /* untouched on failure */
        assert_non_null(strstr(err, "larger than 32 bytes"));
}

static void test_too_big(void **state)
{
        char data[101];

        (void)state;
        memset(data, 'x', sizeof(data));
        accepted(testdir_file("max", data, 100, 0644), SAFEFILE_CONFIG, 100, 100);
        refused(testdir_file("big", data, 101, 0644), SAFEFILE_CONFIG, 100, -EFBIG, "larger than 100 bytes");
        refused(testdir_file("big", data, 101, 0600), SAFEFILE_SECRET, 100, -EFBIG, "larger than 100 bytes");
}

/* A file whose size fstat() does not tell (the kernel's files say 0) and
 * that is longer than the cap: refused while reading, and what was read
 * into the caller's buffer is wiped. */
static void test_grows_while_read_and_wipe(void **state)
{
        static const uint8_t zero[16];
        uint8_t buf[16];
        size_t len = 0;
        struct stat st;

        (void)state;
        /* owned by the process's euid, mode 0444, st_size 0, content > 16 bytes */
        assert_int_equal(stat("/proc/self/status", &st), 0);
        assert_int_equal(st.st_size, 0);
        memset(buf, 0xaa, sizeof(buf));
        assert_int_equal(safefile_read("/proc/self/status", SAFEFILE_CONFIG, buf, sizeof(buf), &len, err,
                                       sizeof(err)),
                         -EFBIG);
        assert_non_null(strstr(err, "/proc/self/status: larger than 16 bytes"));
        assert_memory_equal(buf, zero, sizeof(buf));
}

/* ---- path and kind ------------------------------------------------------- */

static void test_relative(void **state)
{
        char buf[8];
        size_t len;

        (void)state;
        refused("sesame.conf", SAFEFILE_CONFIG, 100, -EINVAL, "not an absolute path");
        refused("./totp.key", SAFEFILE_SECRET, 100, -EINVAL, "not an absolute path");
        refused("", SAFEFILE_CONFIG, 100, -EINVAL, "not an absolute path");
        assert_int_equal(safefile_read(NULL, SAFEFILE_CONFIG, buf, sizeof(buf), &len, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "not an absolute path"));
        /* no message buffer: still refused */
        assert_int_equal(safefile_read("x", SAFEFILE_CONFIG, buf, sizeof(buf), &len, NULL, 0), -EINVAL);
}

static void test_symlink(void **state)
{
        char link[PATH_MAX + 64];

        (void)state;
        testdir_text("target", "x\n", 0600);
        snprintf(link, sizeof(link), "%s", testdir_path("link"));
        (void)unlink(link);
        assert_int_equal(symlink("target", link), 0);
        refused(link, SAFEFILE_CONFIG, 100, -ELOOP, "is a symbolic link");
        refused(link, SAFEFILE_SECRET, 100, -ELOOP, "is a symbolic link");
}

static void test_directory(void **state)
{
        (void)state;
        refused(testdir, SAFEFILE_CONFIG, 100, -EISDIR, "is a directory");
        refused(testdir, SAFEFILE_SECRET, 100, -EISDIR, "is a directory");
}

static void test_special_files(void **state)
{
        char fifo[PATH_MAX + 64];

        (void)state;
        refused("/dev/null", SAFEFILE_CONFIG, 100, -EINVAL, "not a regular file");
        /* a FIFO with no writer: open() and read() would block; refused
         * at once (read_alloc() bounds the wait with alarm()) */
        snprintf(fifo, sizeof(fifo), "%s", testdir_path("fifo"));
        (void)unlink(fifo);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        refused(fifo, SAFEFILE_SECRET, 100, -EINVAL, "not a regular file");
        refused(fifo, SAFEFILE_CONFIG, 100, -EINVAL, "not a regular file");
}

static void test_missing(void **state)
{
        (void)state;
        refused(testdir_path("does-not-exist"), SAFEFILE_CONFIG, 100, -ENOENT, "cannot open");
}

/* ---- mode ---------------------------------------------------------------- */

static void test_config_mode(void **state)
{
        static const mode_t good[] = { 0644, 0600, 0444, 0640, 0755 };

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                accepted(testdir_text("conf", "x\n", good[i]), SAFEFILE_CONFIG, 100, 2);
        refused(testdir_text("conf", "x\n", 0664), SAFEFILE_CONFIG, 100, -EPERM, "writable by group or others");
        refused(testdir_text("conf", "x\n", 0620), SAFEFILE_CONFIG, 100, -EPERM, "run: chmod go-w");
        refused(testdir_text("conf", "x\n", 0646), SAFEFILE_CONFIG, 100, -EPERM, "(mode 0646)");
        refused(testdir_text("conf", "x\n", 0602), SAFEFILE_CONFIG, 100, -EPERM, "writable by group or others");
}

static void test_secret_mode(void **state)
{
        static const mode_t good[] = { 0600, 0400, 0700, 0200, 0000 };
        static const mode_t open_to_group[] = { 0640, 0610, 0601, 0650, 0740 };

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (geteuid() != 0 && !(good[i] & 0400))
                        continue; /* unreadable unless root */
                accepted(testdir_text("secret", "pw\n", good[i]), SAFEFILE_SECRET, 100, 3);
        }
        for (size_t i = 0; i < sizeof(open_to_group) / sizeof(open_to_group[0]); i++)
                refused(testdir_text("secret", "pw\n", open_to_group[i]), SAFEFILE_SECRET, 100, -EPERM,
                        "secret file is open to group or others");
        refused(testdir_text("secret", "pw\n", 0644), SAFEFILE_SECRET, 100, -EPERM,
                "secret file is world-readable (mode 0644); run: chmod 0600 ");
        refused(testdir_text("secret", "pw\n", 0604), SAFEFILE_SECRET, 100, -EPERM, "world-readable");
        refused(testdir_text("secret", "pw\n", 0620), SAFEFILE_SECRET, 100, -EPERM,
                "writable by group or others (mode 0620); run: chmod 0600 ");
        refused(testdir_text("secret", "pw\n", 0602), SAFEFILE_SECRET, 100, -EPERM, "writable by group or others");
}

/* ---- owner --------------------------------------------------------------- */

static void test_owner_euid(void **state)
{
        (void)state;
        /* created by this process: owned by its euid */
        accepted(testdir_text("mine", "x\n", 0600), SAFEFILE_SECRET, 100, 2);
        accepted(testdir_text("mine", "x\n", 0644), SAFEFILE_CONFIG, 100, 2);
}

static void test_owner_root(void **state)
{
        struct stat st;
        const char *path;

        (void)state;
        if (geteuid() == 0) {
                path = testdir_text("root", "x\n", 0600);
                assert_int_equal(chown(path, 0, 0), 0);
                accepted(path, SAFEFILE_SECRET, 100, 2);
                accepted(path, SAFEFILE_CONFIG, 100, 2);
                return;
        }
        /* not root: a file root owns that anyone may read */
        if (stat("/etc/passwd", &st) < 0 || st.st_uid != 0 || !S_ISREG(st.st_mode) ||
            (st.st_mode & (S_IWGRP | S_IWOTH))) {
                print_message("no root-owned /etc/passwd to read, skipped\n");
                skip();
        }
        accepted("/etc/passwd", SAFEFILE_CONFIG, (size_t)st.st_size, (size_t)st.st_size);
}

/* As root: run safefile_read_alloc() on @path with @policy as uid/gid
 * NOBODY in a child; its exit status is 0 for success, 1 for -EPERM with
 * @what in the message, 2 for anything else. */
static int read_as_nobody(const char *path, enum safefile_policy policy, const char *what)
{
        int status = 0;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                char *buf = NULL;
                int r;

                if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
                    setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(3);
                r = read_alloc(path, policy, 100, &buf, NULL);
                if (r != 0 && r != -EPERM)
                        fprintf(stderr, "as uid %d: %s\n", NOBODY, err);
                _exit(r == 0 ? 0 : r == -EPERM && strstr(err, what) ? 1 : 2);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_owner_other(void **state)
{
        const char *path;

        (void)state;
        if (geteuid() != 0) {
                print_message("not root: giving a file away needs chown, skipped\n");
                skip();
        }
        path = testdir_text("other", "x\n", 0600);
        assert_int_equal(chown(path, 1, 1), 0);
        refused(path, SAFEFILE_SECRET, 100, -EPERM, "owned by uid 1; must be owned by root");
        refused(path, SAFEFILE_CONFIG, 100, -EPERM, "owned by uid 1; must be owned by root");
        /* the effective uid is the other owner allowed: a process running
         * as NOBODY accepts NOBODY's file and still refuses uid 1's (one
         * NOBODY can open: mode 0644) */
        assert_int_equal(chown(path, NOBODY, NOBODY), 0);
        assert_int_equal(read_as_nobody(path, SAFEFILE_SECRET, ""), 0);
        path = testdir_text("other-config", "x\n", 0644);
        assert_int_equal(chown(path, 1, 1), 0);
        assert_int_equal(read_as_nobody(path, SAFEFILE_CONFIG, "owned by uid 1; must be owned by root or the running user"), 1);
        path = testdir_path("other");
        /* any group is fine when the group has no access */
        assert_int_equal(chown(path, 0, NOBODY), 0);
        accepted(path, SAFEFILE_SECRET, 100, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_alloc),
                cmocka_unit_test(test_read_exact_and_truncated),
                cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_grows_while_read_and_wipe),
                cmocka_unit_test(test_relative),
                cmocka_unit_test(test_symlink),
                cmocka_unit_test(test_directory),
                cmocka_unit_test(test_special_files),
                cmocka_unit_test(test_missing),
                cmocka_unit_test(test_config_mode),
                cmocka_unit_test(test_secret_mode),
                cmocka_unit_test(test_owner_euid),
                cmocka_unit_test(test_owner_root),
                cmocka_unit_test(test_owner_other),
        };

        return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}

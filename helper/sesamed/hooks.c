/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks.c - the [hooks] program, started and supervised off the
 * request's path.
 *
 * hook_start() formats the hook's input, copies what it needs of the
 * configuration (a SIGHUP may free the configuration while the hook runs)
 * and hands it to a detached thread, which starts the program with
 * posix_spawn(), writes the input to its stdin, and waits for it at most
 * [hooks] timeout seconds (a pidfd, or polling waitpid on kernels without
 * one) before killing its process group.  At most HOOKS_MAX hooks run at
 * once; further ones are skipped with a log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "events-format.h"
#include "hooks.h"
#include "log.h"
#include "util.h"

#define HOOKS_MAX 32
/* after SIGKILL, how long to wait before saying so */
#define HOOK_KILL_WAIT_MS 5000
#define HOOK_PATH_ENV "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct hook_job {
        char *program; /* a copy: the configuration may go away */
        uint32_t timeout;
        enum event ev;
        size_t len;
        char data[EVENT_HOOK_MAX];
};

static atomic_uint n_hooks;

static void hook_job_free(struct hook_job *j)
{
        if (!j)
                return;
        free(j->program);
        free(j);
}

/* Owned by root (or sesamed's uid) and writable by nobody else: 0, or a
 * reason.  A sticky directory may be writable by all: only the owner of
 * an entry in it (root, checked at the next level) can replace it. */
static const char *hook_unsafe(const struct stat *st, bool dir)
{
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return "not owned by root";
        if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(dir && (st->st_mode & S_ISVTX)))
                return "writable by group or others";
        return NULL;
}

/*
 * A hook runs as root: refuse a program anyone but root could replace,
 * also by renaming another file over it in a directory on its path.  The
 * path is resolved first, every directory of the resolved path checked,
 * and the resolved path is what runs (*@ret_path), so that no symbolic
 * link that somebody else controls stands between the check and the run.
 */
static int hook_check_program(const char *program, char **ret_path)
{
        _cleanup_free_ char *path = realpath(program, NULL);
        struct stat st;
        const char *why;

        if (!path) {
                int e = errno;

                log_warning("hook %s: %s; not run", program, strerror(e));
                return -e;
        }
        for (char *slash = path; slash; slash = strchr(slash + 1, '/')) {
                char c = slash[1];

                slash[1] = '\0'; /* the directory up to and with this '/' */
                if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode) || (why = hook_unsafe(&st, true))) {
                        log_warning("hook %s: directory %.*s is %s; not run", program,
                                    slash == path ? 1 : (int)(slash - path), path,
                                    S_ISDIR(st.st_mode) ? why : "not a directory");
                        slash[1] = c;
                        return -EPERM;
                }
                slash[1] = c;
        }
        if (stat(path, &st) < 0) {
                int e = errno;

                log_warning("hook %s: %s; not run", program, strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                log_warning("hook %s: not a regular file; not run", program);
                return -EPERM;
        }
        why = hook_unsafe(&st, false);
        if (why) {
                log_warning("hook %s: %s; not run", program, why);
                return -EPERM;
        }
        *ret_path = path;
        path = NULL;
        return 0;
}

static int hook_spawn(struct hook_job *j, const char *path, pid_t *ret_pid, int *ret_fd)
{
        static char env_path[] = HOOK_PATH_ENV;
        char name[32];
        char *argv[] = { j->program, name, NULL };
        char *envp[] = { env_path, NULL };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, all;
        int p[2], r;
        pid_t pid = -1;

        (void)snprintf(name, sizeof(name), "%s", event_name(j->ev));
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        (void)sigemptyset(&none);
        (void)sigfillset(&all);
        r = posix_spawnattr_init(&attr);
        if (r != 0)
                goto out_pipe;
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0) {
                (void)posix_spawnattr_destroy(&attr);
                goto out_pipe;
        }
        /* sesamed blocks SIGHUP/SIGTERM/SIGINT for its signalfd and ignores
         * SIGPIPE: the hook gets an empty mask and default handlers; its
         * own process group, so that a timeout kills what it started too */
        r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                                    POSIX_SPAWN_SETPGROUP);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(&attr, &all);
        if (r == 0)
                r = posix_spawnattr_setpgroup(&attr, 0);
        /* stdin first: if the pipe got fd 1 or 2, it is moved before
         * those are replaced */
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_addchdir_np(&fa, "/");
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        if (r == 0)
                r = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
        if (r == 0)
                r = posix_spawn(&pid, path, &fa, &attr, argv, envp);
        (void)posix_spawn_file_actions_destroy(&fa);
        (void)posix_spawnattr_destroy(&attr);
        if (r != 0)
                goto out_pipe;
        (void)close(p[0]);
        *ret_pid = pid;
        *ret_fd = p[1];
        return 0;

out_pipe:
        (void)close(p[0]);
        (void)close(p[1]);
        return -r;
}

/* Write the input; a hook that does not read it, or closes its stdin, is
 * not an error.  Bounded by @deadline. */
static void hook_feed(int fd, const char *data, size_t len, int64_t deadline)
{
        size_t done = 0;

        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
                return;
        while (done < len) {
                ssize_t n = write(fd, data + done, len - done);

                if (n > 0) {
                        done += (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                        int left = ms_left(deadline);

                        if (left == 0 || poll(&pfd, 1, left) <= 0)
                                return;
                        continue;
                }
                return; /* EPIPE: the hook went away or closed its stdin */
        }
}

/* Has @pid exited by @deadline?  1 and its status, 0 if not, < 0 on error. */
static int hook_wait(pid_t pid, int64_t deadline, int *ret_status)
{
        pid_t w;
#ifdef SYS_pidfd_open
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

        if (pidfd >= 0) {
                struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
                int r;

                do
                        r = poll(&pfd, 1, ms_left(deadline));
                while (r < 0 && errno == EINTR && ms_left(deadline) > 0);
                (void)close(pidfd);
                if (r == 0)
                        return 0;
                /* readable: it exited, so waitpid() does not block */
        }
#endif
        for (;;) {
                w = waitpid(pid, ret_status, WNOHANG);
                if (w == pid)
                        return 1;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (ms_left(deadline) == 0)
                        return 0;
                (void)nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
        }
}

static void hook_report(const struct hook_job *j, int status)
{
        const char *ev = event_name(j->ev);

        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                log_debug("hook %s for %s: done", j->program, ev);
        else if (WIFEXITED(status))
                log_warning("hook %s for %s: exit status %d", j->program, ev, WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                log_warning("hook %s for %s: killed by signal %s", j->program, ev,
                            sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
}

static void hook_run(struct hook_job *j)
{
        int64_t deadline = now_ms() + (int64_t)j->timeout * 1000;
        _cleanup_free_ char *path = NULL;
        int status = 0, fd = -1, r;
        pid_t pid = -1;

        if (hook_check_program(j->program, &path) < 0)
                return;
        r = hook_spawn(j, path, &pid, &fd);
        if (r < 0) {
                log_warning("hook %s for %s: cannot start: %s", j->program, event_name(j->ev),
                            strerror(-r));
                return;
        }
        hook_feed(fd, j->data, j->len, deadline);
        (void)close(fd);
        r = hook_wait(pid, deadline, &status);
        if (r > 0) {
                hook_report(j, status);
                return;
        }
        if (r < 0) {
                log_warning("hook %s for %s: cannot wait: %s", j->program, event_name(j->ev),
                            strerror(-r));
                return;
        }
        /* not reaped yet, so pid (and the group it leads) are still ours */
        (void)kill(-pid, SIGKILL);
        (void)kill(pid, SIGKILL);
        log_warning("hook %s for %s: still running after %u s; killed", j->program, event_name(j->ev),
                    j->timeout);
        r = hook_wait(pid, now_ms() + HOOK_KILL_WAIT_MS, &status);
        if (r == 0) {
                /* stuck in the kernel (e.g. a hung NFS mount): it goes when
                 * it leaves, and only this thread waits for it */
                log_warning("hook %s for %s: not gone %d s after SIGKILL; waiting for it", j->program,
                            event_name(j->ev), HOOK_KILL_WAIT_MS / 1000);
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
}

static void *hook_thread(void *arg)
{
        struct hook_job *j = arg;
        sigset_t pipe_set;

        /* sesamed ignores SIGPIPE; should the caller not, a hook that does
         * not read its input must still not kill us */
        (void)sigemptyset(&pipe_set);
        (void)sigaddset(&pipe_set, SIGPIPE);
        (void)pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
        hook_run(j);
        hook_job_free(j);
        atomic_fetch_sub(&n_hooks, 1);
        return NULL;
}

void hook_start(const struct sesame_conf *c, enum event ev, const struct event_data *d)
{
        struct hook_job *j;
        pthread_attr_t attr;
        pthread_t t;
        int r;

        if (atomic_fetch_add(&n_hooks, 1) >= HOOKS_MAX) {
                atomic_fetch_sub(&n_hooks, 1);
                log_warning("hook %s for %s: %d hooks are running already; not run", c->hook_program,
                            event_name(ev), HOOKS_MAX);
                return;
        }
        j = calloc(1, sizeof(*j));
        if (j)
                j->program = strdup(c->hook_program);
        if (!j || !j->program) {
                log_error("hook %s for %s: out of memory; not run", c->hook_program, event_name(ev));
                goto fail;
        }
        j->timeout = c->hook_timeout ? c->hook_timeout : 1;
        j->ev = ev;
        r = event_format_hook(ev, d, (int64_t)time(NULL), j->data, sizeof(j->data));
        if (r < 0)
                goto fail;
        j->len = (size_t)r;

        r = pthread_attr_init(&attr);
        if (r == 0) {
                (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                r = pthread_create(&t, &attr, hook_thread, j);
                (void)pthread_attr_destroy(&attr);
        }
        if (r != 0) {
                log_error("hook %s for %s: cannot start a thread: %s; not run", c->hook_program,
                          event_name(ev), strerror(r));
                goto fail;
        }
        return;

fail:
        hook_job_free(j);
        atomic_fetch_sub(&n_hooks, 1);
}

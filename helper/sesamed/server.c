/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c - the main loop: accept connections, start a thread per
 * connection (at most max_clients, fewer for peers other than root: see
 * slots.h), and handle signals (SIGHUP reloads the configuration,
 * SIGTERM/SIGINT stop).  What a connection may ask is dispatch.c's
 * business.  Under systemd (Type=notify) it tells the manager when it is
 * ready, reloading and stopping, and pets the watchdog from this loop.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conf.h"
#include "config.h"
#include "ctx.h"
#include "dispatch.h"
#include "listen.h"
#include "log.h"
#include "macro.h"
#include "mcache-write.h"
#include "mcache.h"
#include "server.h"
#include "slots.h"
#include "util.h"

/* A refused connection, logged at most once every 10 s with the count of
 * the others since; only the main thread accepts. */
static void log_refused(uid_t uid, const char *sock, const char *why)
{
        static int64_t next;
        static unsigned quiet;
        int64_t now = now_ms();

        if (now < next) {
                quiet++;
                return;
        }
        if (quiet)
                log_warning("refusing a connection to %s from uid %u: %s (and %u more since the last message)",
                            sock, (unsigned)uid, why, quiet);
        else
                log_warning("refusing a connection to %s from uid %u: %s", sock, (unsigned)uid, why);
        next = now + 10000;
        quiet = 0;
}

static void *client_thread(void *arg)
{
        struct client *cl = arg;
        uid_t uid = cl->cred.uid;

        cl->ctx = ctx_get();
        dispatch_serve(cl);
        ctx_put(cl->ctx);
        (void)close(cl->fd);
        sodium_memzero(cl->buf, sizeof(cl->buf));
        free(cl);
        slot_put(uid);
        return NULL;
}

static void client_accept(const struct listener *l, uint32_t max_clients)
{
        int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
        socklen_t len = sizeof(struct ucred);
        struct client *cl;
        const char *why;
        pthread_attr_t attr;
        pthread_t t;

        if (fd < 0)
                return;
        cl = calloc(1, sizeof(*cl));
        if (!cl || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &len) < 0) {
                free(cl);
                (void)close(fd);
                return;
        }
        why = slot_take(cl->cred.uid, max_clients);
        if (why) {
                log_refused(cl->cred.uid, l->name, why);
                (void)close(fd);
                free(cl);
                return;
        }
        cl->fd = fd;
        cl->cls = l->cls;
        (void)pthread_attr_init(&attr);
        (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void)pthread_attr_setstacksize(&attr, 512 * 1024);
        if (pthread_create(&t, &attr, client_thread, cl) != 0) {
                log_error("cannot start a thread; refusing a client");
                slot_put(cl->cred.uid);
                (void)close(fd);
                free(cl);
        }
        (void)pthread_attr_destroy(&attr);
}

/* The mapped cache follows the current generation: a new, empty file
 * for its cache (a reload starts with an empty cache too), or none when
 * [nss] cache_map is off or nothing is cached. */
static void map_follow(void)
{
        struct daemon_ctx *x = ctx_get();
        int r;

        if (x->conf->cache_map && x->conf->cache_ttl > 0) {
                r = mcache_publish(MCACHE_PATH, x->cache, x->conf->cache_max);
                if (r < 0)
                        log_warning("%s: %s; every lookup goes through nss.sock", MCACHE_PATH, strerror(-r));
        } else
                mcache_withdraw(MCACHE_PATH);
        ctx_put(x);
}

static void reload(const char *conf_path)
{
        struct sesame_conf *conf = NULL;
        char err[1024];
        int r = conf_load(conf_path, &conf, err, sizeof(err));

        if (r < 0) {
                log_error("reload: %s; keeping the running configuration", err);
                return;
        }
        struct daemon_ctx *x = NULL;
        r = ctx_new(conf, &x);
        if (r < 0) {
                log_error("reload: %s; keeping the running configuration",
                          r == -ENOMEM ? "out of memory" : "configuration error");
                return;
        }
        ctx_install(x);
        map_follow();
        log_info("configuration reloaded from %s", conf_path);
}

/* Handle one signal from @sfd: true to go on, false to stop. */
static bool on_signal(int sfd, const char *conf_path)
{
        struct signalfd_siginfo si;

        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                return true;
        if (si.ssi_signo == SIGHUP) {
                (void)sd_notify(0, "RELOADING=1");
                reload(conf_path);
                (void)sd_notify(0, "READY=1");
                return true;
        }
        log_info("signal %u: exiting", si.ssi_signo);
        (void)sd_notify(0, "STOPPING=1");
        return false;
}

/* The watchdog interval in ms when systemd asks for pings (WatchDogSec=),
 * else -1.  Pings go out at half the interval, as sd_watchdog_enabled(3)
 * advises. */
static int watchdog_ms(void)
{
        uint64_t usec = 0;

        if (sd_watchdog_enabled(0, &usec) <= 0 || usec < 2000)
                return -1;
        return usec / 2000 > INT32_MAX ? INT32_MAX : (int)(usec / 2000);
}

int server_run(const char *conf_path)
{
        /* the clients have the socket directory compiled in */
        const char *sockdir = SESAME_RUNDIR;
        struct daemon_ctx *x;
        struct listener ls[LISTENERS];
        struct pollfd pfd[LISTENERS + 1];
        sigset_t mask;
        int r;

        r = listen_open(sockdir, ls);
        if (r < 0)
                return r;
        (void)sigemptyset(&mask);
        (void)sigaddset(&mask, SIGHUP);
        (void)sigaddset(&mask, SIGTERM);
        (void)sigaddset(&mask, SIGINT);
        for (size_t i = 0; i < LISTENERS; i++)
                pfd[i] = (struct pollfd){ .fd = ls[i].fd, .events = POLLIN };
        pfd[LISTENERS] = (struct pollfd){ .fd = signalfd(-1, &mask, SFD_CLOEXEC), .events = POLLIN };
        if (pfd[LISTENERS].fd < 0) {
                r = -errno;
                listen_close(sockdir, ls);
                return r;
        }
        map_follow();
        log_info("sesamed %s ready on %s", SESAME_VERSION, sockdir);
        (void)sd_notifyf(0, "READY=1\nSTATUS=serving on %s", sockdir);

        /* the ping proves this loop still turns: it is sent on time
         * whether poll() timed out or a connection woke it */
        int wd = watchdog_ms();
        int64_t next_ping = 0;
        for (;;) {
                if (wd > 0 && now_ms() >= next_ping) {
                        (void)sd_notify(0, "WATCHDOG=1");
                        next_ping = now_ms() + wd;
                }
                if (poll(pfd, ELEMENTSOF(pfd), wd) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if ((pfd[LISTENERS].revents & POLLIN) && !on_signal(pfd[LISTENERS].fd, conf_path))
                        break;
                x = ctx_get();
                uint32_t max_clients = x->conf->max_clients;
                ctx_put(x);
                for (size_t i = 0; i < LISTENERS; i++)
                        if (pfd[i].revents & POLLIN)
                                client_accept(&ls[i], max_clients);
        }
        (void)close(pfd[LISTENERS].fd);
        /* a stopped sesamed answers nothing, from the map neither */
        mcache_withdraw(MCACHE_PATH);
        listen_close(sockdir, ls);
        return r;
}

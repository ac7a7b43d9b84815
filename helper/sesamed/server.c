/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c - the main loop: accept connections (at most max_clients,
 * fewer for peers other than root: see slots.h), read their requests
 * without blocking and hand each whole one to the worker threads
 * (workers.h), close connections idle for client_timeout, and handle
 * signals (SIGHUP reloads the configuration, SIGTERM/SIGINT stop).  What
 * a connection may ask is dispatch.c's business.  Under systemd
 * (Type=notify) it tells the manager when it is ready, reloading and
 * stopping, and pets the watchdog from this loop.
 *
 * One thread (this one) waits on every connection; a connection takes a
 * worker only while a request of it is served, so idle and slow clients
 * cost a slot and a buffer, never a thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conf.h"
#include "config.h"
#include "ctx.h"
#include "dispatch.h"
#include "enumsnap.h"
#include "listen.h"
#include "log.h"
#include "macro.h"
#include "mcache-write.h"
#include "mcache.h"
#include "ratelimit.h"
#include "server.h"
#include "slots.h"
#include "util.h"
#include "workers.h"

/* A refused connection or request, logged at most once every 10 s with
 * the count of the others since; only the main thread calls it. */
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

/*
 * The main loop's state.  Every connection is, at any time, in exactly
 * one place: idle (in @ep, on the idle list, whose order is that of
 * idle_until: each entry gets the same client_timeout when it is
 * appended), queued or being served (workers.c), or handed back (on
 * @back, until the main loop takes it).  Only the main thread reads
 * from an idle connection and closes connections.
 */
struct loop {
        int ep;
        int wake; /* eventfd: a worker handed a connection back */
        struct client *idle_head, *idle_tail;
        pthread_mutex_t lock; /* @back */
        struct client *back;
        struct workers *w;
};

/* epoll tags of the fixed descriptors; any other is a struct client * */
enum { TAG_SIGNAL = LISTENERS, TAG_WAKE, TAG__MAX };

static struct loop loop = { .ep = -1, .wake = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static void idle_append(struct loop *lp, struct client *cl, int64_t until)
{
        cl->idle_until = until;
        cl->next = NULL;
        cl->prev = lp->idle_tail;
        if (lp->idle_tail)
                lp->idle_tail->next = cl;
        else
                lp->idle_head = cl;
        lp->idle_tail = cl;
}

static void idle_unlink(struct loop *lp, struct client *cl)
{
        if (cl->prev)
                cl->prev->next = cl->next;
        else
                lp->idle_head = cl->next;
        if (cl->next)
                cl->next->prev = cl->prev;
        else
                lp->idle_tail = cl->prev;
        cl->prev = cl->next = NULL;
}

/* Close a connection that is nowhere else any more (not in @ep). */
static void client_free(struct client *cl)
{
        uid_t uid = cl->cred.uid;

        dispatch_memo_drop(cl);
        (void)close(cl->fd);
        sodium_memzero(cl->buf, sizeof(cl->buf));
        free(cl);
        slot_put(uid);
}

/* Make @cl idle: wait in @ep for its next request, for client_timeout. */
static void client_idle(struct loop *lp, struct client *cl, uint32_t client_timeout)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cl };

        if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, cl->fd, &ev) < 0) {
                log_error("epoll: %s; closing a client connection", strerror(errno));
                client_free(cl);
                return;
        }
        idle_append(lp, cl, now_ms() + (int64_t)client_timeout * 1000);
}

/* Take @cl out of the idle connections (to serve or to close it). */
static void client_unidle(struct loop *lp, struct client *cl)
{
        (void)epoll_ctl(lp->ep, EPOLL_CTL_DEL, cl->fd, NULL);
        idle_unlink(lp, cl);
}

static void client_next(struct loop *lp, struct client *cl, uint32_t client_timeout);

static void client_accept(struct loop *lp, const struct listener *l, uint32_t max_clients, uint32_t client_timeout)
{
        int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
        socklen_t len = sizeof(struct ucred);
        struct client *cl;
        const char *why;

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
        cl->sock = l->name;
        client_next(lp, cl, client_timeout);
}

/* Serve the request(s) whole in @cl's buffer: in a worker. */
static void serve(struct client *cl)
{
        cl->ctx = ctx_get();
        for (;;) {
                struct proto_msg msg;
                size_t len = 0;
                int r = proto_frame_len(cl->buf, cl->have, sizeof(cl->buf), &len);

                if (r != 0 || len == 0 || len > cl->have)
                        break; /* the main loop reads on, or refuses it */
                r = proto_decode(cl->buf + 4, len - 4, &msg);
                if (r != 0) {
                        log_refusal(LOG_NOTICE, "uid %u pid %d: malformed request (%s); closing",
                                    (unsigned)cl->cred.uid, (int)cl->cred.pid, proto_strerror(r));
                        cl->closing = true;
                        break;
                }
                r = dispatch_request(cl, &msg);
                /* the request is done: what was read after it moves to
                 * the front, and the rest is wiped (it may have held a
                 * password or a code) */
                memmove(cl->buf, cl->buf + len, cl->have - len);
                cl->have -= len;
                sodium_memzero(cl->buf + cl->have, sizeof(cl->buf) - cl->have);
                if (r < 0) {
                        cl->closing = true;
                        break;
                }
                cl->received = now_ms();
        }
        ctx_put(cl->ctx);
        cl->ctx = NULL;
        /* back to the main loop, which waits for its next request */
        (void)pthread_mutex_lock(&loop.lock);
        cl->qnext = loop.back;
        loop.back = cl;
        (void)pthread_mutex_unlock(&loop.lock);
        (void)eventfd_write(loop.wake, 1);
}

/* The connections the workers handed back: idle again, or closed. */
static void take_back(struct loop *lp, uint32_t client_timeout)
{
        struct client *cl;
        eventfd_t v;

        (void)eventfd_read(lp->wake, &v);
        (void)pthread_mutex_lock(&lp->lock);
        cl = lp->back;
        lp->back = NULL;
        (void)pthread_mutex_unlock(&lp->lock);
        while (cl) {
                struct client *next = cl->qnext;

                cl->qnext = NULL;
                if (cl->closing)
                        client_free(cl);
                else
                        client_next(lp, cl, client_timeout);
                cl = next;
        }
}

/* Queue @cl, whose request is whole; a full lane refuses it. */
static void client_queue(struct loop *lp, struct client *cl)
{
        /* the lanes of the directory pool: lookups of users other
         * than root share what root and logins leave */
        bool shared = cl->cred.uid != 0 && cl->cls == SOCK_NSS;
        size_t waiting = 0;
        char why[96];

        cl->received = now_ms();
        if (workers_push(lp->w, cl, shared, &waiting) == 0)
                return;
        (void)snprintf(why, sizeof(why), "the work queue is full (%zu requests wait in its %s lane)", waiting,
                       shared ? "shared" : "reserved");
        log_refused(cl->cred.uid, cl->sock, why);
        client_free(cl);
}

enum { READ_MORE, READ_WHOLE, READ_END };

/* Read what is there on @cl, never blocking: READ_MORE when its request
 * is not whole yet (or nothing came), READ_WHOLE when it is, READ_END
 * when the connection is to be closed (a hang-up, or a request that is
 * refused: logged). */
static int client_read(struct client *cl)
{
        ssize_t n = recv(cl->fd, cl->buf + cl->have, sizeof(cl->buf) - cl->have, MSG_DONTWAIT);
        size_t len = 0;
        int r;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return READ_MORE;
        if (n <= 0) {
                /* a peer that hangs up between requests is no news */
                if (n == 0 && cl->have > 0)
                        log_refusal(LOG_NOTICE, "uid %u pid %d: malformed request (%s); closing",
                                    (unsigned)cl->cred.uid, (int)cl->cred.pid, proto_strerror(SESAME_E_TRUNCATED));
                return READ_END;
        }
        cl->have += (size_t)n;
        r = proto_frame_len(cl->buf, cl->have, sizeof(cl->buf), &len);
        if (r != 0) {
                log_refusal(LOG_NOTICE, "uid %u pid %d: malformed request (%s); closing", (unsigned)cl->cred.uid,
                            (int)cl->cred.pid, proto_strerror(r));
                return READ_END;
        }
        if (len == 0 || cl->have < len)
                return READ_MORE; /* more to come, within client_timeout */
        return READ_WHOLE;
}

/* An idle connection is readable: read what is there; once a request is
 * whole, hand it to the workers.  Never blocks. */
static void client_readable(struct loop *lp, struct client *cl)
{
        int r = client_read(cl);

        if (r == READ_MORE)
                return;
        client_unidle(lp, cl);
        if (r == READ_WHOLE)
                client_queue(lp, cl);
        else
                client_free(cl);
}

/* A connection just accepted or handed back by a worker, in no list:
 * its request (or its hang-up) is often there already, and is taken at
 * once; otherwise it waits, idle, for client_timeout. */
static void client_next(struct loop *lp, struct client *cl, uint32_t client_timeout)
{
        int r = client_read(cl);

        if (r == READ_MORE)
                client_idle(lp, cl, client_timeout);
        else if (r == READ_WHOLE)
                client_queue(lp, cl);
        else
                client_free(cl);
}

/* Close the connections idle past client_timeout; the ms until the next
 * one is due, or -1 when none is idle. */
static int close_idle(struct loop *lp)
{
        int64_t now = now_ms();

        while (lp->idle_head && lp->idle_head->idle_until <= now) {
                struct client *cl = lp->idle_head;

                client_unidle(lp, cl);
                client_free(cl);
        }
        if (!lp->idle_head)
                return -1;
        return (int)MIN(lp->idle_head->idle_until - now, (int64_t)INT32_MAX);
}

/* The mapped cache follows the current generation: a new, empty file
 * for its cache (a reload starts with an empty cache too), or none when
 * [nss] cache_map is off or nothing is cached.  The snapshots of the
 * lists are dropped. */
static void map_follow(void)
{
        struct daemon_ctx *x = ctx_get();
        int r;

        /* the lists' snapshots too: a new generation may list otherwise */
        snap_flush();
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
        /* the threads were started with the first configuration */
        if (loop.w && x->conf->workers != workers_count(loop.w))
                log_notice("reload: workers = %u takes effect when sesamed restarts; %u serve meanwhile",
                           x->conf->workers, workers_count(loop.w));
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

/* Register @fd in @ep under @tag. */
static int ep_add(int ep, int fd, uint64_t tag)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

        return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The loop's descriptors and workers: 0 or -errno (logged). */
static int loop_open(struct loop *lp, const struct listener *ls, int sfd, unsigned n_workers)
{
        int r;

        lp->ep = epoll_create1(EPOLL_CLOEXEC);
        lp->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (lp->ep < 0 || lp->wake < 0)
                return log_error("epoll: %s", strerror(errno)), -errno;
        for (size_t i = 0; i < LISTENERS; i++)
                if ((r = ep_add(lp->ep, ls[i].fd, i)) < 0)
                        return log_error("epoll: %s", strerror(-r)), r;
        if ((r = ep_add(lp->ep, sfd, TAG_SIGNAL)) < 0 || (r = ep_add(lp->ep, lp->wake, TAG_WAKE)) < 0)
                return log_error("epoll: %s", strerror(-r)), r;
        r = workers_start(n_workers, serve, &lp->w);
        if (r < 0)
                return log_error("cannot start the worker threads: %s", strerror(-r)), r;
        return 0;
}

/* At the end: the idle connections are closed; those with a worker are
 * left to it (the process is about to exit). */
static void loop_close(struct loop *lp)
{
        while (lp->idle_head) {
                struct client *cl = lp->idle_head;

                client_unidle(lp, cl);
                client_free(cl);
        }
        if (lp->ep >= 0)
                (void)close(lp->ep);
        lp->ep = -1;
}

int server_run(const char *conf_path)
{
        /* the clients have the socket directory compiled in */
        const char *sockdir = SESAME_RUNDIR;
        struct daemon_ctx *x;
        struct listener ls[LISTENERS];
        struct epoll_event evs[32];
        sigset_t mask;
        int sfd, r;

        r = listen_open(sockdir, ls);
        if (r < 0)
                return r;
        (void)sigemptyset(&mask);
        (void)sigaddset(&mask, SIGHUP);
        (void)sigaddset(&mask, SIGTERM);
        (void)sigaddset(&mask, SIGINT);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0) {
                r = -errno;
                listen_close(sockdir, ls);
                return r;
        }
        x = ctx_get();
        r = loop_open(&loop, ls, sfd, x->conf->workers);
        ctx_put(x);
        if (r < 0) {
                loop_close(&loop);
                (void)close(sfd);
                listen_close(sockdir, ls);
                return r;
        }
        map_follow();
        log_info("sesamed %s ready on %s (%u workers)", SESAME_VERSION, sockdir, workers_count(loop.w));
        (void)sd_notifyf(0, "READY=1\nSTATUS=serving on %s", sockdir);

        /* the ping proves this loop still turns: it is sent on time
         * whether epoll_wait() timed out or a connection woke it */
        int wd = watchdog_ms();
        int64_t next_ping = 0;
        for (;;) {
                int timeout = close_idle(&loop), n;

                if (wd > 0 && now_ms() >= next_ping) {
                        (void)sd_notify(0, "WATCHDOG=1");
                        next_ping = now_ms() + wd;
                }
                if (wd > 0 && (timeout < 0 || timeout > wd))
                        timeout = wd;
                n = epoll_wait(loop.ep, evs, (int)ELEMENTSOF(evs), timeout);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                x = ctx_get();
                uint32_t max_clients = x->conf->max_clients, client_timeout = x->conf->client_timeout;
                ctx_put(x);
                bool stop = false;
                for (int i = 0; i < n; i++) {
                        uint64_t tag = evs[i].data.u64;

                        if (tag < LISTENERS)
                                client_accept(&loop, &ls[tag], max_clients, client_timeout);
                        else if (tag == TAG_SIGNAL)
                                stop = stop || !on_signal(sfd, conf_path);
                        else if (tag == TAG_WAKE)
                                take_back(&loop, client_timeout);
                        else
                                client_readable(&loop, evs[i].data.ptr);
                }
                if (stop)
                        break;
        }
        loop_close(&loop);
        (void)close(sfd);
        /* a stopped sesamed answers nothing, from the map neither */
        mcache_withdraw(MCACHE_PATH);
        snap_flush();
        listen_close(sockdir, ls);
        return r;
}

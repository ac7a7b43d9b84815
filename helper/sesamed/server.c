/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c - sockets, connections, dispatch, configuration generations
 * and signals.
 *
 * One thread per connection (at most max_clients, fewer for peers other
 * than root: see slot_take()); each reads a request with a deadline,
 * looks its opcode up in the dispatch table, which says on which sockets
 * it is allowed, and runs the handler.  A malformed frame or a request
 * not allowed on that socket closes that connection only.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cache.h"
#include "config.h"
#include "conf.h"
#include "dir.h"
#include "events.h"
#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "seal.h"
#include "sesamed.h"
#include "util.h"

static const struct dispatch {
        uint16_t opcode;
        unsigned classes;
        handler_fn fn;
} dispatch[] = {
        { SESAME_REQ_PASSWD_BYNAME, SOCK_NSS | SOCK_ADMIN, handle_passwd_byname },
        { SESAME_REQ_PASSWD_BYUID, SOCK_NSS | SOCK_ADMIN, handle_passwd_byuid },
        { SESAME_REQ_PASSWD_ENUM, SOCK_NSS | SOCK_ADMIN, handle_passwd_enum },
        { SESAME_REQ_GROUP_BYNAME, SOCK_NSS | SOCK_ADMIN, handle_group_byname },
        { SESAME_REQ_GROUP_BYGID, SOCK_NSS | SOCK_ADMIN, handle_group_bygid },
        { SESAME_REQ_GROUP_ENUM, SOCK_NSS | SOCK_ADMIN, handle_group_enum },
        { SESAME_REQ_INITGROUPS, SOCK_NSS | SOCK_ADMIN, handle_initgroups },
        { SESAME_REQ_PING, SOCK_ADMIN | SOCK_PAM, handle_ping },
        /* mail -> account is not for everyone: no enumeration of
         * addresses through nss.sock */
        { SESAME_REQ_PASSWD_BYMAIL, SOCK_ADMIN, handle_passwd_bymail },
        { SESAME_REQ_CACHE_FLUSH, SOCK_ADMIN, handle_cache_flush },
        { SESAME_REQ_USER_SHOW, SOCK_ADMIN, handle_user_show },
        { SESAME_REQ_TOTP_ENROLL, SOCK_ADMIN, handle_totp_enroll },
        { SESAME_REQ_TOTP_ACTIVATE, SOCK_ADMIN, handle_totp_activate },
        { SESAME_REQ_TOTP_DISABLE, SOCK_ADMIN, handle_totp_disable },
        { SESAME_REQ_RECOVERY_CODES, SOCK_ADMIN, handle_recovery_codes },
        { SESAME_REQ_UNLOCK, SOCK_ADMIN, handle_unlock },
        { SESAME_REQ_CHECK, SOCK_ADMIN, handle_check },
        /* pam.sock: anyone may connect; authsrv.c lets a peer that is
         * not root act on its own account only */
        { SESAME_REQ_AUTH, SOCK_PAM, handle_auth },
        { SESAME_REQ_ACCOUNT, SOCK_PAM, handle_account },
        { SESAME_REQ_CHAUTHTOK, SOCK_PAM, handle_chauthtok },
        { SESAME_REQ_SESSION, SOCK_PAM, handle_session },
};

static const struct listener_def {
        const char *name;
        enum sock_class cls;
        mode_t mode;
} listener_defs[] = {
        { "nss.sock", SOCK_NSS, 0666 },
        { "pam.sock", SOCK_PAM, 0666 },
        { "admin.sock", SOCK_ADMIN, 0600 },
};

/* ------------------------------------------------ configuration generations */

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct daemon_ctx *ctx_current;

/* Users' passwords reach the directory in a simple bind: say so when a
 * URI would carry them in clear across a network. */
static void warn_cleartext(const struct sesame_conf *conf)
{
        static const char *const local[] = { "ldap://127.", "ldap://localhost", "ldap://[::1]" };

        if (conf->starttls)
                return;
        for (size_t i = 0; i < conf->n_uri; i++) {
                bool loopback = false;

                if (strncmp(conf->uri[i], "ldap://", 7) != 0)
                        continue; /* ldaps:// or ldapi:// */
                for (size_t j = 0; j < ELEMENTSOF(local); j++)
                        if (strncasecmp(conf->uri[i], local[j], strlen(local[j])) == 0)
                                loopback = true;
                if (!loopback)
                        log_warning("%s without starttls: users' passwords would cross the network in clear; "
                                    "use ldaps:// or starttls = yes",
                                    conf->uri[i]);
        }
}

int ctx_new(struct sesame_conf *conf, struct daemon_ctx **ret)
{
        struct daemon_ctx *x = calloc(1, sizeof(*x));
        char err[512];
        int r;

        if (!x) {
                conf_free(conf);
                return -ENOMEM;
        }
        x->conf = conf;
        x->refs = 1;
        warn_cleartext(conf);
        r = events_parse(conf->hook_events ? conf->hook_events : "", &x->hook_mask, err, sizeof(err));
        if (r < 0) {
                log_error("hooks.events: %s", err);
                ctx_put(x);
                return -EINVAL;
        }
        x->dir = dir_new(conf);
        x->local = localdb_new(NULL, NULL);
        x->cache = cache_new(conf->cache_max);
        x->acct = (struct accounts){ conf, x->dir, x->local };
        if (!x->dir || !x->local || !x->cache) {
                ctx_put(x);
                return -ENOMEM;
        }
        r = seal_key_load(conf->totp_key_file, &x->key, err, sizeof(err));
        if (r < 0) {
                x->key = NULL;
                (void)snprintf(x->key_error, sizeof(x->key_error), "%s", err[0] ? err : strerror(-r));
                log_warning("TOTP key not loaded (%s): TOTP enrolment and TOTP logins will fail; "
                            "password logins and lookups work",
                            x->key_error);
        }
        *ret = x;
        return 0;
}

struct daemon_ctx *ctx_get(void)
{
        struct daemon_ctx *x;

        (void)pthread_mutex_lock(&ctx_lock);
        x = ctx_current;
        x->refs++;
        (void)pthread_mutex_unlock(&ctx_lock);
        return x;
}

void ctx_put(struct daemon_ctx *x)
{
        bool last;

        (void)pthread_mutex_lock(&ctx_lock);
        last = --x->refs == 0;
        (void)pthread_mutex_unlock(&ctx_lock);
        if (!last)
                return;
        dir_free(x->dir);
        localdb_free(x->local);
        cache_free(x->cache);
        seal_key_free(x->key);
        conf_free(x->conf);
        free(x);
}

void ctx_install(struct daemon_ctx *x)
{
        struct daemon_ctx *old;

        (void)pthread_mutex_lock(&ctx_lock);
        old = ctx_current;
        ctx_current = x;
        (void)pthread_mutex_unlock(&ctx_lock);
        if (old)
                ctx_put(old);
}

/* ------------------------------------------------------------ clients */

int client_send(struct client *cl, const uint8_t *data, size_t len)
{
        const size_t chunk = 64 * 1024;

        /* per chunk, so a client that reads a long enumeration slowly but
         * steadily is served, and one that stops reading is dropped */
        for (size_t off = 0; off < len; off += chunk) {
                int64_t deadline = now_ms() + (int64_t)cl->ctx->conf->client_timeout * 1000;
                int r = proto_send(cl->fd, data + off, MIN(chunk, len - off), deadline);
                if (r != 0)
                        return r > 0 ? -EPROTO : r;
        }
        return 0;
}

int client_end(struct client *cl, uint32_t status, const char *message)
{
        int r = proto_send_end(cl->fd, status, message,
                               now_ms() + (int64_t)cl->ctx->conf->client_timeout * 1000);

        return r > 0 ? -EPROTO : r;
}

int client_send_frame(struct client *cl, struct proto_writer *w)
{
        size_t len;
        int r = proto_end(w, &len);

        if (r != 0)
                return r > 0 ? -EINVAL : r;
        return client_send(cl, w->buf, len);
}

int client_end_ex(struct client *cl, uint32_t status, const char *message, uint32_t reason, uint32_t locked_until)
{
        uint8_t buf[64 + SESAME_TEXT_MAX];
        struct proto_writer w;

        proto_begin(&w, buf, sizeof(buf), SESAME_ANS_END);
        if (proto_put_u32(&w, SESAME_F_STATUS, status) != 0)
                return -EINVAL;
        if (message && *message && proto_put_str(&w, SESAME_F_MESSAGE, message) != 0)
                log_debug("a message the protocol does not take was left out");
        if (reason && proto_put_u32(&w, SESAME_F_REASON, reason) != 0)
                return -EINVAL;
        if (locked_until && proto_put_u32(&w, SESAME_F_LOCKED_UNTIL, locked_until) != 0)
                return -EINVAL;
        return client_send_frame(cl, &w);
}

bool req_string(const struct proto_msg *req, uint16_t tag, char *buf, size_t size)
{
        struct proto_field f;

        return proto_find(req, tag, &f) && proto_field_str(&f, buf, size) == 0;
}

static const struct dispatch *dispatch_find(uint16_t opcode)
{
        for (size_t i = 0; i < ELEMENTSOF(dispatch); i++)
                if (dispatch[i].opcode == opcode)
                        return &dispatch[i];
        return NULL;
}

static void client_serve(struct client *cl)
{
        for (;;) {
                struct proto_msg msg;
                int64_t deadline = now_ms() + (int64_t)cl->ctx->conf->client_timeout * 1000;
                int r = proto_recv(cl->fd, cl->buf, sizeof(cl->buf), &msg, deadline);

                if (r == SESAME_E_EOF)
                        return;
                if (r != 0) {
                        log_debug("uid %u: %s; closing", (unsigned)cl->cred.uid, proto_strerror(r));
                        return;
                }
                const struct dispatch *d = dispatch_find(msg.opcode);
                if (!d || !(d->classes & cl->cls) || (cl->cls == SOCK_ADMIN && cl->cred.uid != 0)) {
                        log_notice("uid %u pid %d: request 0x%04x not allowed here; closing",
                                   (unsigned)cl->cred.uid, (int)cl->cred.pid, msg.opcode);
                        return;
                }
                /* a login request must be answered before pam_sesame
                 * gives up: bound all its directory work */
                dir_deadline_set(cl->cls == SOCK_PAM ? now_ms() + SESAMED_PAM_BUDGET_MS : 0);
                r = d->fn(cl, &msg);
                dir_deadline_set(0);
                /* the request may have held a password or a code */
                if (cl->cls != SOCK_NSS)
                        explicit_bzero(cl->buf, sizeof(cl->buf));
                if (r < 0)
                        return;
        }
}

/*
 * Connections being served: in all, from peers other than root, and per
 * such uid (an entry goes with its uid's last connection).  So that no
 * local user can take every slot (the sockets are 0666), a uid other than
 * 0 gets at most max(4, max_clients / 8) of them, and all such uids
 * together leave a reserve of max(8, max_clients / 8) (at most half) to
 * root, whose lookups and logins (sshd, login, su, sudo) go on.
 */
struct uid_slots {
        uid_t uid;
        uint32_t n;
};
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t slots_all, slots_users;
static struct uid_slots *slots_uid;
static size_t slots_nuid, slots_cap;

static struct uid_slots *uid_slots_find(uid_t uid)
{
        for (size_t i = 0; i < slots_nuid; i++)
                if (slots_uid[i].uid == uid)
                        return &slots_uid[i];
        return NULL;
}

/* A slot for a connection from @uid: NULL, or why there is none. */
static const char *slot_take(uid_t uid, uint32_t max_clients)
{
        uint32_t per_uid = MAX(4u, max_clients / 8), reserve = MIN(MAX(8u, max_clients / 8), max_clients / 2);
        const char *why = NULL;
        struct uid_slots *u;

        (void)pthread_mutex_lock(&slots_lock);
        if (slots_all >= max_clients)
                why = "max_clients reached";
        else if (uid != 0) {
                u = uid_slots_find(uid);
                if (u && u->n >= per_uid)
                        why = "its share of max_clients used up";
                else if (slots_users >= max_clients - reserve)
                        why = "the share of max_clients for uids other than 0 used up";
                else if (!u && slots_nuid == slots_cap) {
                        size_t cap = MAX((size_t)16, slots_cap * 2);
                        struct uid_slots *p = realloc(slots_uid, cap * sizeof(*p));
                        if (p) {
                                slots_uid = p;
                                slots_cap = cap;
                        } else
                                why = "out of memory";
                }
                if (!why) {
                        if (!u) {
                                u = &slots_uid[slots_nuid++];
                                *u = (struct uid_slots){ .uid = uid };
                        }
                        u->n++;
                        slots_users++;
                }
        }
        if (!why)
                slots_all++;
        (void)pthread_mutex_unlock(&slots_lock);
        return why;
}

static void slot_put(uid_t uid)
{
        struct uid_slots *u;

        (void)pthread_mutex_lock(&slots_lock);
        slots_all--;
        if (uid != 0 && (u = uid_slots_find(uid))) {
                slots_users--;
                if (--u->n == 0)
                        *u = slots_uid[--slots_nuid];
        }
        (void)pthread_mutex_unlock(&slots_lock);
}

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
        client_serve(cl);
        ctx_put(cl->ctx);
        (void)close(cl->fd);
        explicit_bzero(cl->buf, sizeof(cl->buf));
        free(cl);
        slot_put(uid);
        return NULL;
}

static void client_accept(int lfd, const struct listener_def *def, uint32_t max_clients)
{
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
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
                log_refused(cl->cred.uid, def->name, why);
                (void)close(fd);
                free(cl);
                return;
        }
        cl->fd = fd;
        cl->cls = def->cls;
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

/* ------------------------------------------------------------ listeners */

static int listen_on(const char *dir, const struct listener_def *def)
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

static void unlink_sockets(const char *dir)
{
        char path[4096];

        for (size_t i = 0; i < ELEMENTSOF(listener_defs); i++) {
                (void)snprintf(path, sizeof(path), "%s/%s", dir, listener_defs[i].name);
                (void)unlink(path);
        }
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
        struct daemon_ctx *old = ctx_get();
        if (strcmp(old->conf->socket_dir, conf->socket_dir) != 0)
                log_warning("reload: socket_dir changes only at restart");
        ctx_put(old);
        ctx_install(x);
        log_info("configuration reloaded from %s", conf_path);
}

int server_run(const char *conf_path)
{
        struct daemon_ctx *x = ctx_get();
        _cleanup_free_ char *sockdir = strdup(x->conf->socket_dir);
        struct pollfd pfd[ELEMENTSOF(listener_defs) + 1];
        sigset_t mask;
        int r = 0;

        ctx_put(x);
        if (!sockdir)
                return -ENOMEM;
        if (mkdir(sockdir, 0755) < 0 && errno != EEXIST)
                return log_error("%s: %s", sockdir, strerror(errno)), -errno;
        for (size_t i = 0; i < ELEMENTSOF(listener_defs); i++) {
                pfd[i].fd = listen_on(sockdir, &listener_defs[i]);
                pfd[i].events = POLLIN;
                if (pfd[i].fd < 0)
                        return pfd[i].fd;
        }
        (void)sigemptyset(&mask);
        (void)sigaddset(&mask, SIGHUP);
        (void)sigaddset(&mask, SIGTERM);
        (void)sigaddset(&mask, SIGINT);
        pfd[ELEMENTSOF(listener_defs)].fd = signalfd(-1, &mask, SFD_CLOEXEC);
        pfd[ELEMENTSOF(listener_defs)].events = POLLIN;
        if (pfd[ELEMENTSOF(listener_defs)].fd < 0)
                return -errno;
        log_info("sesamed %s ready on %s", SESAME_VERSION, sockdir);

        for (;;) {
                if (poll(pfd, ELEMENTSOF(pfd), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (pfd[ELEMENTSOF(listener_defs)].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(pfd[ELEMENTSOF(listener_defs)].fd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        if (si.ssi_signo == SIGHUP) {
                                reload(conf_path);
                                continue;
                        }
                        log_info("signal %u: exiting", si.ssi_signo);
                        break;
                }
                x = ctx_get();
                uint32_t max_clients = x->conf->max_clients;
                ctx_put(x);
                for (size_t i = 0; i < ELEMENTSOF(listener_defs); i++)
                        if (pfd[i].revents & POLLIN)
                                client_accept(pfd[i].fd, &listener_defs[i], max_clients);
        }
        for (size_t i = 0; i < ELEMENTSOF(pfd); i++)
                (void)close(pfd[i].fd);
        unlink_sockets(sockdir);
        return r;
}

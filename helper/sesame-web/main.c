/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c - sesame-web: read sesame.conf, listen on [web] listen, drop to
 * the [web] user when started as root, serve the pages and send the
 * spooled mails until SIGTERM or SIGINT.
 *
 * The configuration is parsed by the same code as sesamed's, but the
 * bind password file is never read: sesame-web has no business with the
 * directory.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libintl.h>
#include <locale.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "conf.h"
#include "http.h"
#include "lang.h"
#include "log.h"
#include "mailer.h"
#include "macro.h"
#include "safefile.h"
#include "util.h"
#include "web.h"

static int load_conf(const char *path, struct sesame_conf **ret)
{
        _cleanup_free_ char *text = NULL;
        char err[512];
        size_t len = 0;
        int r;

        r = safefile_read_alloc(path, SAFEFILE_CONFIG, CONF_FILE_MAX, &text, &len, err, sizeof(err));
        if (r == 0)
                r = conf_parse(path, text, len, ret, err, sizeof(err));
        if (r < 0)
                log_error("%s", err);
        return r;
}

/* [web] listen: "A.B.C.D:PORT" or "[v6]:PORT" into a listening socket. */
static int listen_on(const char *spec)
{
        struct sockaddr_storage ss = { 0 };
        socklen_t sl;
        char host[64];
        const char *colon = strrchr(spec, ':');
        uint32_t port;
        int fd, one = 1;

        if (!colon || (size_t)(colon - spec) >= sizeof(host) || parse_u32(colon + 1, 1, 65535, &port) < 0)
                return log_error("[web] listen = %s: not ADDRESS:PORT", spec), -EINVAL;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

                host[strlen(host) - 1] = '\0';
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons((uint16_t)port);
                if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
                        return log_error("[web] listen = %s: not an IPv6 address", spec), -EINVAL;
                sl = sizeof(*s6);
        } else {
                struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

                s4->sin_family = AF_INET;
                s4->sin_port = htons((uint16_t)port);
                if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
                        return log_error("[web] listen = %s: not an IPv4 address", spec), -EINVAL;
                sl = sizeof(*s4);
        }
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
                int r = -errno;

                log_error("[web] listen = %s: %s", spec, strerror(-r));
                (void)close(fd);
                return r;
        }
        return fd;
}

/* Started as root: become the [web] user, for good. */
static int drop_privileges(const char *user)
{
        struct passwd *pw;

        if (geteuid() != 0)
                return 0;
        pw = getpwnam(user);
        if (!pw || pw->pw_uid == 0)
                return log_error("[web] user = %s: no such user, or root; refusing to run as root", user), -ESRCH;
        if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
                return log_error("cannot become %s: %m", user), -EPERM;
        if (setuid(0) == 0)
                return log_error("could become root again after dropping to %s", user), -EPERM;
        return 0;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: sesame-web [-f] [-c CONFIG]\n"
                   "  -f, --foreground  log to standard error\n"
                   "  -c, --config      configuration file (default " SESAME_CONF_PATH ")\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "foreground", no_argument, NULL, 'f' },
                { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *path = SESAME_CONF_PATH;
        struct sesame_conf *c = NULL;
        struct MHD_Daemon *d;
        bool fg = false;
        sigset_t set;
        int o, fd, sig = 0;

        while ((o = getopt_long(argc, argv, "fc:h", opts, NULL)) != -1) {
                switch (o) {
                case 'f':
                        fg = true;
                        break;
                case 'c':
                        path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        (void)setlocale(LC_ALL, "");
        (void)bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        (void)textdomain(GETTEXT_PACKAGE);
        /* the pages are UTF-8 whatever the locale of a request (lang.h) */
        (void)bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        log_open("sesame-web", fg, LOG_INFO);
        (void)prctl(PR_SET_DUMPABLE, 0);
        if (load_conf(path, &c) < 0)
                return EXIT_FAILURE;
        if (sodium_init() < 0)
                return log_error("libsodium did not initialise"), EXIT_FAILURE;
        fd = listen_on(c->web_listen);
        /* the SMTP password file and the TLS key are root's: read before the drop */
        if (fd < 0 || mailer_init(c) < 0 || http_tls_load(c) < 0 || drop_privileges(c->web_user) < 0 ||
            guard_init() < 0 || lang_init() < 0)
                return EXIT_FAILURE;
        (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        /* the HTTP threads inherit the mask: only sigwait() sees these */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGPIPE);
        (void)pthread_sigmask(SIG_BLOCK, &set, NULL);
        d = http_start(c, fd);
        if (!d || mailer_start() < 0)
                return EXIT_FAILURE;
        log_info("listening on %s (%s, uid %u); links start with %s", c->web_listen, c->web_tls_cert ? "HTTPS" : "HTTP",
                 (unsigned)getuid(), c->web_base_url);
        do
                (void)sigwait(&set, &sig);
        while (sig == SIGPIPE);
        log_info("signal %d: exiting", sig);
        http_stop(d);
        mailer_stop();
        conf_free(c);
        return EXIT_SUCCESS;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sesamed - the privileged helper: the only LDAP client of Sesame.
 * See sesamed(8).
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "conf.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "seal.h"
#include "ctx.h"
#include "dir.h"
#include "server.h"
#include "totp.h"

/* malloc arenas shared by the threads (see main()) */
#define SESAMED_MALLOC_ARENAS 2

static const char *arg_config = SESAME_CONF_PATH;
static bool arg_foreground;
static bool arg_debug;
static bool arg_check;

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: sesamed [OPTION...]\n"
                "  -c, --config=FILE   configuration file (default %s)\n"
                "  -f, --foreground    log to standard error instead of syslog\n"
                "  -d, --debug         log debug messages too\n"
                "  -t, --check         check the configuration, print it (secrets masked), exit\n"
                "  -V, --version       print the version\n"
                "  -h, --help          this text\n",
                SESAME_CONF_PATH);
}

static int parse_args(int argc, char **argv)
{
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' }, { "foreground", no_argument, NULL, 'f' },
                { "debug", no_argument, NULL, 'd' },        { "check", no_argument, NULL, 't' },
                { "version", no_argument, NULL, 'V' },      { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "c:fdtVh", opts, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 'f':
                        arg_foreground = true;
                        break;
                case 'd':
                        arg_debug = true;
                        break;
                case 't':
                        arg_check = true;
                        break;
                case 'V':
                        puts("sesamed " SESAME_VERSION);
                        exit(EXIT_SUCCESS);
                case 'h':
                        usage(stdout);
                        exit(EXIT_SUCCESS);
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "sesamed: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* sesamed must never resolve users through itself: if libnss_sesame is
 * loadable, switch it off in this process before anything could call
 * into NSS (the nslcd "enablelookups" guard). */
static void disable_own_nss(void)
{
        void *h = dlopen("libnss_sesame.so.2", RTLD_NOW | RTLD_NODELETE);
        int *enable;

        if (!h)
                return;
        enable = dlsym(h, "_nss_sesame_enablelookups");
        if (enable)
                *enable = 0;
        (void)dlclose(h);
}

int main(int argc, char **argv)
{
        struct sesame_conf *conf = NULL;
        char err[1024];
        sigset_t mask;
        int r;

        /* two malloc arenas for all threads, not one per worker (glibc's
         * default allows eight per core): each keeps the memory its
         * thread once used, so resident memory grew with the workers
         * that happened to serve; the per-thread caches take most small
         * allocations without a lock anyway */
        (void)mallopt(M_ARENA_MAX, SESAMED_MALLOC_ARENAS);
        if (parse_args(argc, argv) < 0)
                return 2;
        /* no core dumps or ptrace by other users: we hold the bind
         * password and, later, keys */
        (void)prctl(PR_SET_DUMPABLE, 0);
        /* libldap must not read ldap.conf/.ldaprc or LDAP* variables: the
         * configuration is sesame.conf alone */
        (void)setenv("LDAPNOINIT", "1", 1);
        disable_own_nss();
        log_open("sesamed", arg_foreground || arg_check, arg_debug ? LOG_DEBUG : LOG_INFO);
        if (sodium_init() < 0) {
                log_error("libsodium failed to initialise");
                return 1;
        }
        if (totp_init() < 0) {
                log_error("liboath failed to initialise");
                return 1;
        }
        r = conf_load(arg_config, &conf, err, sizeof(err));
        if (r < 0) {
                log_error("%s", err);
                if (!arg_foreground && !arg_check)
                        fprintf(stderr, "sesamed: %s\n", err);
                return 1;
        }
        if (arg_check) {
                uint32_t hooks;
                r = events_parse(conf->hook_events ? conf->hook_events : "", &hooks, err, sizeof(err));
                if (r < 0)
                        log_error("%s: hooks.events: %s", arg_config, err);
                else if (seal_key_check(conf->totp_key_file, err, sizeof(err)) < 0)
                        log_warning("TOTP key: %s", err);
                conf_dump(conf, stdout);
                conf_free(conf);
                return r < 0 ? 1 : 0;
        }
        /* signals go to the main loop's signalfd; threads inherit the mask */
        (void)sigemptyset(&mask);
        (void)sigaddset(&mask, SIGHUP);
        (void)sigaddset(&mask, SIGTERM);
        (void)sigaddset(&mask, SIGINT);
        (void)pthread_sigmask(SIG_BLOCK, &mask, NULL);
        (void)signal(SIGPIPE, SIG_IGN);

        /* libldap's set-up (SASL plugins, the host's name) while the
         * configuration is read in, not in the first lookup (signals
         * blocked: the thread inherits the mask) */
        dir_library_init();

        struct daemon_ctx *x = NULL;
        r = ctx_new(conf, &x);
        if (r < 0) {
                if (r == -ENOMEM)
                        log_error("out of memory");
                return 1;
        }
        ctx_install(x);
        /* at most a second: the sockets open when it is done */
        dir_library_wait(1000);
        r = server_run(arg_config);
        return r < 0 ? 1 : 0;
}
